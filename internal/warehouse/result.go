package warehouse

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Result is the outcome of a Query: column names and rows of values.
//
// Values are normalised so that one query gives equal values on every
// engine:
//
//   - NULL is nil;
//   - integer columns are int64;
//   - DECIMAL, NUMERIC, REAL, FLOAT and DOUBLE columns are float64;
//   - text columns are string;
//   - DATE columns are "YYYY-MM-DD" strings;
//   - TIMESTAMP and DATETIME columns are "YYYY-MM-DD HH:MM:SS" strings
//     (fractional seconds dropped, shown in the session time zone);
//   - TIME columns are "HH:MM:SS" strings;
//   - PostgreSQL booleans are bool (MySQL and SQLite have none: int64);
//   - binary columns are []byte;
//   - a column without a declared type (a SQLite expression) keeps the
//     driver's value: int64, float64, string or []byte.
//
// A SQLite TEXT column that holds a date stays a string, which is the same
// string a DATE column gives on the other engines.
type Result struct {
	Columns []string
	Rows    [][]any
}

// ValueType is how Normalize treats a column's values.
type ValueType int

// The value types an Engine maps its column types to.
const (
	// Dynamic keeps whatever the driver returned, widening integers to
	// int64 and formatting time.Time as a timestamp.
	Dynamic ValueType = iota
	Int
	Float
	Text
	Date
	Timestamp
	TimeOfDay
	Bool
	Bytes
)

// Formats of normalised dates and times.
const (
	DateLayout      = "2006-01-02"
	TimestampLayout = "2006-01-02 15:04:05"
	TimeLayout      = "15:04:05"
)

// Normalize converts v, a value scanned into *any from a column of type t,
// to its normalised form (see Result).
func Normalize(t ValueType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case Int:
		return toInt(v)
	case Float:
		return toFloat(v)
	case Text:
		switch x := v.(type) {
		case []byte:
			return string(x), nil
		case time.Time:
			return x.Format(TimestampLayout), nil
		}
		return widen(v), nil
	case Date:
		return toTimeString(v, DateLayout)
	case Timestamp:
		return toTimeString(v, TimestampLayout)
	case TimeOfDay:
		return toTimeString(v, TimeLayout)
	case Bool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
		return nil, fmt.Errorf("normalise %T as bool", v)
	case Bytes:
		if s, ok := v.(string); ok {
			return []byte(s), nil
		}
		return v, nil
	}
	if x, ok := v.(time.Time); ok {
		return x.Format(TimestampLayout), nil
	}
	return widen(v), nil
}

// widen turns the smaller integer and float types into int64 and float64.
func widen(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return float64(x)
	case float32:
		return float32To64(x)
	}
	return v
}

// float32To64 converts through the shortest decimal form, so that a FLOAT
// holding 1.1 becomes 1.1 rather than 1.100000023841858.
func float32To64(f float32) float64 {
	g, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return g
}

func toInt(v any) (any, error) {
	switch x := widen(v).(type) {
	case int64:
		return x, nil
	case float64:
		// SQLite lets an INTEGER column hold a real; keep its value.
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), nil
		}
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case []byte:
		return parseInt(string(x))
	case string:
		return parseInt(x)
	}
	return nil, fmt.Errorf("normalise %T as integer", v)
}

func parseInt(s string) (any, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	// Unsigned 64-bit values above MaxInt64, or a real in an INTEGER column.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("normalise %q as integer", s)
	}
	return f, nil
}

func toFloat(v any) (any, error) {
	switch x := widen(v).(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case []byte:
		return parseFloat(string(x))
	case string:
		return parseFloat(x)
	}
	return nil, fmt.Errorf("normalise %T as number", v)
}

func parseFloat(s string) (any, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("normalise %q as number", s)
	}
	return f, nil
}

// toTimeString formats a time.Time with layout, and trims a textual date or
// time to layout's length, dropping fractional seconds and zones.
func toTimeString(v any, layout string) (any, error) {
	var s string
	switch x := v.(type) {
	case time.Time:
		return x.Format(layout), nil
	case []byte:
		s = string(x)
	case string:
		s = x
	default:
		// SQLite may keep a number in a DATE column: leave it be.
		return widen(v), nil
	}
	if len(s) > len(layout) {
		if _, err := time.Parse(layout, s[:len(layout)]); err == nil {
			return s[:len(layout)], nil
		}
	}
	return s, nil
}
