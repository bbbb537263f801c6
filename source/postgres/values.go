package postgres

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// valueKind says how a column's text value becomes its Go value.
type valueKind int

const (
	kindText valueKind = iota
	kindInt
	kindNumeric
	kindMoney
	kindReal4
	kindReal8
	kindBool
	kindBytes
	kindDateTime
	kindTime
)

// decoder turns one column's text value (as PostgreSQL prints it with the
// session settings of sessionParams) into its dms.Row value.
type decoder struct {
	name  string
	kind  valueKind
	scale int
}

func (d decoder) decode(b []byte) (any, error) {
	s := string(b)
	switch d.kind {
	case kindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer %q: %w", s, err)
		}
		return n, nil
	case kindMoney:
		return moneyText(s)
	case kindReal4:
		f, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return nil, fmt.Errorf("real %q: %w", s, err)
		}
		return float32(f), nil
	case kindReal8:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("double precision %q: %w", s, err)
		}
		return f, nil
	case kindBool:
		switch s {
		case "t":
			return true, nil
		case "f":
			return false, nil
		}
		return nil, fmt.Errorf("boolean %q", s)
	case kindBytes:
		if !strings.HasPrefix(s, `\x`) {
			return nil, fmt.Errorf("bytea %.20q is not in hex format", s)
		}
		out, err := hex.DecodeString(s[2:])
		if err != nil {
			return nil, fmt.Errorf("bytea: %w", err)
		}
		return out, nil
	case kindDateTime:
		return dateTimeText(s, d.scale)
	case kindTime:
		return withFraction(s, d.scale), nil
	}
	return s, nil
}

// moneyText turns money as lc_monetary C prints it ("-$1,234.56") into
// NUMERIC(38,4) text ("-1234.5600").
func moneyText(s string) (string, error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.NewReplacer("-", "", "$", "", ",", "").Replace(s)
	whole, frac, _ := strings.Cut(digits, ".")
	if whole == "" || len(frac) > 4 || strings.Trim(whole+frac, "0123456789") != "" {
		return "", fmt.Errorf("money %q: not in the lc_monetary C format", s)
	}
	out := whole + "." + frac + strings.Repeat("0", 4-len(frac))
	if neg {
		out = "-" + out
	}
	return out, nil
}

// dateTimeText renders a timestamp or timestamptz (printed in UTC, with its
// "+00" offset) as "2006-01-02 15:04:05" with scale fractional digits.
// Values outside what that layout holds (infinity, BC years) stay as
// PostgreSQL prints them.
func dateTimeText(s string, scale int) (string, error) {
	if len(s) < 19 || s[4] != '-' || s[10] != ' ' || strings.HasSuffix(s, " BC") {
		return s, nil
	}
	body := s
	if i := strings.IndexAny(s[19:], "+-"); i >= 0 {
		body = s[:19+i]
		if off := s[19+i:]; off != "+00" {
			// The session runs in UTC, so only a server ignoring TimeZone
			// gets here; convert rather than mislabel.
			t, err := parseOffset(body, off)
			if err != nil {
				return "", err
			}
			body = t.UTC().Format("2006-01-02 15:04:05.999999")
		}
	}
	return withFraction(body, scale), nil
}

func parseOffset(body, off string) (time.Time, error) {
	for _, layout := range []string{"-07", "-07:00", "-07:00:00"} {
		if t, err := time.Parse("2006-01-02 15:04:05.999999"+layout, body+off); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q: unknown offset", body+off)
}

// withFraction pads or cuts the fractional seconds of "…hh:mm:ss[.f]" to
// scale digits; PostgreSQL prints as few as the value needs.
func withFraction(s string, scale int) string {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > scale {
		frac = frac[:scale]
	}
	if scale == 0 {
		return whole
	}
	return whole + "." + frac + strings.Repeat("0", scale-len(frac))
}
