package fakedms

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/minidms/minidms/fakedms/internal/wire"
)

// apiError is an error code the SDK does not model
// (InvalidParameterValueException, SerializationException, …) or one that
// needs a status other than 400. Modeled faults are the SDK's own
// types.*Fault values.
type apiError = wire.Error

func serializationErr(format string, args ...any) error {
	return &apiError{Code: "SerializationException", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func invalidParam(format string, args ...any) error {
	return &apiError{Code: "InvalidParameterValueException", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func invalidCombination(format string, args ...any) error {
	return &apiError{Code: "InvalidParameterCombinationException", Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &types.ResourceNotFoundFault{Message: aws.String(fmt.Sprintf(format, args...))}
}

func alreadyExists(arn, format string, args ...any) error {
	f := &types.ResourceAlreadyExistsFault{Message: aws.String(fmt.Sprintf(format, args...))}
	if arn != "" {
		f.ResourceArn = aws.String(arn)
	}
	return f
}

func invalidState(format string, args ...any) error {
	return &types.InvalidResourceStateFault{Message: aws.String(fmt.Sprintf(format, args...))}
}

// required fails when a required member is missing; the SDKs check this
// before sending, so only hand-made requests see it.
func required(member string, v *string) error {
	if v == nil || *v == "" {
		return invalidParam("The parameter %s must be provided and must not be blank.", member)
	}
	return nil
}

// validIdentifier checks a resource identifier as DMS does for tasks,
// instances and endpoints: 1 to max ASCII letters, digits and hyphens, a
// letter first, no trailing hyphen, no two consecutive hyphens.
func validIdentifier(member, id string, max int) error {
	ok := id != "" && len(id) <= max && isLetter(id[0]) && !strings.HasSuffix(id, "-") && !strings.Contains(id, "--")
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = isLetter(c) || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return invalidParam("The parameter %s is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; must not end with a hyphen or contain two consecutive hyphens; and must be at most %d characters long.", member, max)
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Pagination limits (MaxRecords), as the DMS API documents them.
const (
	defaultMaxRecords = 100
	minMaxRecords     = 20
	maxMaxRecords     = 100
	maxStatsRecords   = 500
)

// page cuts items to one page. The marker is the offset of the page's first
// item: opaque to clients, and as stable as the (sorted) listing.
func page[T any](items []T, marker *string, maxRecords *int32, limit int) ([]T, *string, error) {
	n := defaultMaxRecords
	if maxRecords != nil {
		n = int(*maxRecords)
		if n < minMaxRecords || n > limit {
			return nil, nil, invalidParam("Invalid value %d for MaxRecords. Must be between %d and %d", n, minMaxRecords, limit)
		}
	}
	start := 0
	if marker != nil && *marker != "" {
		off, err := strconv.Atoi(*marker)
		if err != nil || off < 0 || off > len(items) {
			return nil, nil, invalidParam("Invalid Marker %q", *marker)
		}
		start = off
	}
	end := min(start+n, len(items))
	var next *string
	if end < len(items) {
		next = aws.String(strconv.Itoa(end))
	}
	return items[start:end], next, nil
}

// filterFields maps the filter names an operation accepts to a getter of
// the values a resource has for it.
type filterFields[T any] map[string]func(T) []string

// match applies filters (AND between filters, OR between the values of
// one) to items; an unknown filter name is an error listing the valid ones.
func (ff filterFields[T]) match(items []T, filters []types.Filter, fold bool) ([]T, error) {
	for _, f := range filters {
		if _, ok := ff[aws.ToString(f.Name)]; !ok {
			names := make([]string, 0, len(ff))
			for n := range ff {
				names = append(names, n)
			}
			slices.Sort(names)
			return nil, invalidParam("Invalid filter name %q. Valid filter names: %s", aws.ToString(f.Name), strings.Join(names, ", "))
		}
	}
	var out []T
	for _, it := range items {
		ok := true
		for _, f := range filters {
			if !anyEqual(ff[aws.ToString(f.Name)](it), f.Values, fold) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func anyEqual(have, want []string, fold bool) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w || fold && strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

// describePage is what every Describe that answers ResourceNotFoundFault
// when nothing matches does: filter the views (fold: case-insensitive
// values), refuse an empty result with AWS's message, and page the rest.
func describePage[T any](all []*T, ff filterFields[*T], filters []types.Filter, fold bool, none string, marker *string, maxRecords *int32) ([]T, *string, error) {
	matched, err := ff.match(all, filters, fold)
	if err != nil {
		return nil, nil, err
	}
	if len(matched) == 0 {
		return nil, nil, notFound("%s", none)
	}
	pg, next, err := page(matched, marker, maxRecords, maxMaxRecords)
	if err != nil {
		return nil, nil, err
	}
	out := make([]T, len(pg))
	for i, v := range pg {
		out[i] = *v
	}
	return out, next, nil
}
