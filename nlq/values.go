package nlq

import (
	"context"
	"sort"
)

// ValueSource gives the distinct stored values of a dimension, as read from the warehouse. The
// parser matches these values (and the catalog's declared aliases) in questions.
type ValueSource interface {
	Values(ctx context.Context, dimension string) ([]string, error)
}

// MapValues is an in-memory ValueSource: dimension name to stored values. It is read-only once
// built and so safe for concurrent use.
type MapValues map[string][]string

var _ ValueSource = MapValues(nil)

// Values returns the values of dimension, sorted; an unknown dimension has none.
func (m MapValues) Values(_ context.Context, dimension string) ([]string, error) {
	out := append([]string(nil), m[dimension]...)
	sort.Strings(out)
	return out, nil
}
