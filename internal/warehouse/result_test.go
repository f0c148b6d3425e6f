package warehouse

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		typ  ValueType
		in   any
		want any
	}{
		{"null int", Int, nil, nil},
		{"null text", Text, nil, nil},
		{"int64", Int, int64(42), int64(42)},
		{"int32", Int, int32(-7), int64(-7)},
		{"uint64 small", Int, uint64(7), int64(7)},
		{"uint64 above int64", Int, uint64(math.MaxUint64), float64(math.MaxUint64)},
		{"int from text bytes", Int, []byte("123"), int64(123)},
		{"unsigned max from text", Int, "18446744073709551615", float64(math.MaxUint64)},
		{"real held in integer column", Int, 1.5, 1.5},
		{"integral float in integer column", Int, 3.0, int64(3)},
		{"bool as int", Int, true, int64(1)},
		{"decimal bytes", Float, []byte("1234.50"), 1234.5},
		{"decimal string", Float, "-0.25", -0.25},
		{"float64", Float, 2.5, 2.5},
		{"float32 shortest form", Float, float32(1.1), 1.1},
		{"int in decimal column", Float, int64(100), 100.0},
		{"text bytes", Text, []byte("华东"), "华东"},
		{"text string", Text, "east", "east"},
		{"date time.Time", Date, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "2024-03-01"},
		{"date bytes", Date, []byte("2024-03-01"), "2024-03-01"},
		{"date with time part", Date, "2024-03-01 00:00:00", "2024-03-01"},
		{"zero date stays", Date, []byte("0000-00-00"), "0000-00-00"},
		{"timestamp in its zone", Timestamp, time.Date(2024, 3, 1, 8, 30, 0, 500, shanghai), "2024-03-01 08:30:00"},
		{"timestamp bytes with fraction", Timestamp, []byte("2024-03-01 10:20:30.123456"), "2024-03-01 10:20:30"},
		{"timestamp string", Timestamp, "2024-03-01 10:20:30", "2024-03-01 10:20:30"},
		{"timestamp not a time stays", Timestamp, "yesterday afternoon", "yesterday afternoon"},
		{"time of day", TimeOfDay, time.Date(0, 1, 1, 13, 5, 9, 0, time.UTC), "13:05:09"},
		{"time of day bytes", TimeOfDay, []byte("13:05:09.5"), "13:05:09"},
		{"bool", Bool, true, true},
		{"bytes", Bytes, []byte{0, 1}, []byte{0, 1}},
		{"dynamic int", Dynamic, int64(5), int64(5)},
		{"dynamic float", Dynamic, 5.5, 5.5},
		{"dynamic string", Dynamic, "2024-03-01", "2024-03-01"},
		{"dynamic time", Dynamic, time.Date(2024, 3, 1, 1, 2, 3, 0, time.UTC), "2024-03-01 01:02:03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.typ, tt.in)
			if err != nil {
				t.Fatalf("Normalize(%v, %#v): %v", tt.typ, tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Normalize(%v, %#v) mismatch (-want +got):\n%s", tt.typ, tt.in, diff)
			}
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		name string
		typ  ValueType
		in   any
	}{
		{"text in integer column", Int, []byte("abc")},
		{"text in decimal column", Float, "n/a"},
		{"string as bool", Bool, "yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Normalize(tt.typ, tt.in); err == nil {
				t.Errorf("Normalize(%v, %#v) = %#v, nil; want an error", tt.typ, tt.in, got)
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	row := []struct {
		t ValueType
		v any
	}{{Int, int64(1)}, {Float, []byte("1234.50")}, {Text, "华东"}, {Date, []byte("2024-03-01")}}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range row {
			if _, err := Normalize(c.t, c.v); err != nil {
				b.Fatal(err)
			}
		}
	}
}
