package mapping

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// julianUnixEpoch is the Julian day number of 1970-01-01 00:00:00 UTC.
const julianUnixEpoch = 2440587.5

// dateFunc implements date(), time(), datetime(), julianday() and
// strftime() over SQLite's time values and modifiers. Every time is UTC:
// "localtime" and "utc" change nothing. "now" is the change's timestamp
// (the current time when the change has none), so one change always
// yields one value. Anything unparsable gives NULL, as in SQLite.
func dateFunc(fn string, args []any, h *Header) any {
	format := ""
	if fn == "strftime" {
		if args[0] == nil {
			return nil
		}
		format, args = text(args[0]), args[1:]
	}
	var t time.Time
	if len(args) == 0 {
		t = now(h)
	} else {
		if args[0] == nil {
			return nil
		}
		var ok bool
		if t, ok = timeValue(args[0], args[1:], h); !ok {
			return nil
		}
		for _, m := range args[1:] {
			if m == nil {
				return nil
			}
			if t, ok = modify(t, strings.ToLower(strings.TrimSpace(text(m)))); !ok {
				return nil
			}
		}
	}
	switch fn {
	case "date":
		return t.Format("2006-01-02")
	case "time":
		return t.Format("15:04:05")
	case "datetime":
		return t.Format("2006-01-02 15:04:05")
	case "julianday":
		return julian(t)
	}
	return strftime(format, t)
}

func now(h *Header) time.Time {
	if h != nil && !h.Timestamp.IsZero() {
		return h.Timestamp.UTC()
	}
	return time.Now().UTC()
}

func julian(t time.Time) float64 {
	return float64(t.UnixMilli())/86400000 + julianUnixEpoch
}

// timeValue reads a time value: text in one of SQLite's layouts, "now", or
// a number (a Julian day, or Unix seconds with the "unixepoch" modifier).
func timeValue(v any, mods []any, h *Header) (time.Time, bool) {
	unix := false
	for _, m := range mods {
		if strings.EqualFold(strings.TrimSpace(text(m)), "unixepoch") {
			unix = true
		}
	}
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if strings.EqualFold(s, "now") {
			return now(h), true
		}
		if n, ok := parseNumber(s); ok {
			v = n
		} else {
			return parseTimeText(s)
		}
	}
	f := toFloat(v)
	if _, ok := v.([]byte); ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	if !unix {
		f = (f - julianUnixEpoch) * 86400
	}
	// Beyond year 9999 SQLite gives NULL too.
	if f < -62135596800 || f > 253402300799 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), true
}

func parseTimeText(s string) (time.Time, bool) {
	body, zone := s, time.UTC
	if strings.HasSuffix(body, "Z") || strings.HasSuffix(body, "z") {
		body = body[:len(body)-1]
	} else if i := strings.LastIndexAny(body, "+-"); i > 10 || i > 4 && !strings.Contains(body, "-") {
		if off, ok := parseOffset(body[i:]); ok {
			body, zone = body[:i], time.FixedZone("", off)
		}
	}
	// SQLite's text layouts, without the optional zone suffix.
	layouts := [...]string{
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04:05",
		"2006-01-02 15:04",
		"2006-01-02T15:04",
		"2006-01-02",
		"15:04:05.999999999",
		"15:04:05",
		"15:04",
	}
	for _, layout := range layouts {
		t, err := time.ParseInLocation(layout, strings.TrimSpace(body), zone)
		if err != nil {
			continue
		}
		if !strings.HasPrefix(layout, "2006") {
			t = t.AddDate(2000, 0, 0) // SQLite's time-only values fall on 2000-01-01
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

func parseOffset(s string) (int, bool) {
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	hh, mm, ok := strings.Cut(s[1:], ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func modify(t time.Time, m string) (time.Time, bool) {
	switch m {
	case "unixepoch", "utc", "localtime", "auto":
		return t, true
	case "start of day":
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	case "start of month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), true
	case "start of year":
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC), true
	}
	if rest, ok := strings.CutPrefix(m, "weekday "); ok {
		d, err := strconv.Atoi(strings.TrimSpace(rest))
		if err != nil || d < 0 || d > 6 {
			return t, false
		}
		return t.AddDate(0, 0, (d-int(t.Weekday())+7)%7), true
	}
	num, unit, ok := strings.Cut(m, " ")
	if !ok {
		return t, false
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(n) || math.Abs(n) > 1e7 {
		return t, false
	}
	unit = strings.TrimSuffix(strings.TrimSpace(unit), "s")
	var out time.Time
	step := map[string]time.Duration{"day": 24 * time.Hour, "hour": time.Hour, "minute": time.Minute, "second": time.Second}
	switch d, ok := step[unit]; {
	case unit == "year":
		out = t.AddDate(int(n), 0, 0)
	case unit == "month":
		out = t.AddDate(0, int(n), 0)
	case ok:
		ns := n * float64(d)
		if math.Abs(ns) > math.MaxInt64/2 { // beyond any valid date, and beyond time.Duration
			return t, false
		}
		out = t.Add(time.Duration(ns))
	default:
		return t, false
	}
	if out.Year() < 0 || out.Year() > 9999 {
		return t, false
	}
	return out, true
}

func strftime(format string, t time.Time) any {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return nil
		}
		switch format[i] {
		case 'd':
			b.WriteString(t.Format("02"))
		case 'f':
			b.WriteString(t.Format("05.000"))
		case 'H':
			b.WriteString(t.Format("15"))
		case 'j':
			b.WriteString(t.Format("002"))
		case 'J':
			b.WriteString(formatReal(julian(t)))
		case 'm':
			b.WriteString(t.Format("01"))
		case 'M':
			b.WriteString(t.Format("04"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'S':
			b.WriteString(t.Format("05"))
		case 'w':
			b.WriteString(strconv.Itoa(int(t.Weekday())))
		case 'Y':
			b.WriteString(t.Format("2006"))
		case '%':
			b.WriteByte('%')
		default:
			return nil
		}
		if b.Len() > maxTextLen {
			return nil
		}
	}
	return b.String()
}
