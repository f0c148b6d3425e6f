package catalog

import (
	"fmt"
	"time"
)

// Date is a civil date (year, month, day) with no time of day and no zone. Periods in metricbot
// are ranges of dates in the catalog's time zone. The zero Date is invalid.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// NewDate returns the date y-m-d, normalising out-of-range values the way time.Date does.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ParseDate parses a date in the form 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q (want YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as 2006-01-02.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Time returns midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (d Date) utc() time.Time { return d.Time(time.UTC) }

// AddDays returns d plus n days.
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// AddMonths returns d plus n months, clamped to the last day of the target month
// (2026-01-31 plus one month is 2026-02-28).
func (d Date) AddMonths(n int) Date {
	first := NewDate(d.Year, d.Month+time.Month(n), 1)
	last := NewDate(first.Year, first.Month+1, 0).Day
	return Date{first.Year, first.Month, min(d.Day, last)}
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.utc().Before(e.utc()) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.utc().After(e.utc()) }

// DaysUntil returns the number of days from d to e (negative when e is before d).
func (d Date) DaysUntil(e Date) int { return int(e.utc().Sub(d.utc()).Hours() / 24) }

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Grain is a time granularity for bucketing a metric over time.
type Grain string

// The time grains. Weeks start on Monday.
const (
	Day     Grain = "day"
	Week    Grain = "week"
	Month   Grain = "month"
	Quarter Grain = "quarter"
	Year    Grain = "year"
)

// Grains lists the valid grains from finest to coarsest.
var Grains = []Grain{Day, Week, Month, Quarter, Year}

// Valid reports whether g is one of the defined grains.
func (g Grain) Valid() bool {
	switch g {
	case Day, Week, Month, Quarter, Year:
		return true
	}
	return false
}

// Start returns the first day of the bucket of grain g that contains d.
func (g Grain) Start(d Date) Date {
	switch g {
	case Week:
		return d.AddDays(-((int(d.Weekday()) + 6) % 7))
	case Month:
		return Date{d.Year, d.Month, 1}
	case Quarter:
		return Date{d.Year, (d.Month-1)/3*3 + 1, 1}
	case Year:
		return Date{d.Year, time.January, 1}
	}
	return d
}

// Next returns the first day of the bucket after the one that starts at start.
func (g Grain) Next(start Date) Date {
	switch g {
	case Week:
		return start.AddDays(7)
	case Month:
		return start.AddMonths(1)
	case Quarter:
		return start.AddMonths(3)
	case Year:
		return start.AddMonths(12)
	}
	return start.AddDays(1)
}

// TimeRange is a half-open range of dates [Start, End) in the catalog's time zone.
type TimeRange struct {
	Start Date `json:"start"`
	End   Date `json:"end"`
}

// Days returns the number of days in r.
func (r TimeRange) Days() int { return r.Start.DaysUntil(r.End) }

// Contains reports whether d falls in r.
func (r TimeRange) Contains(d Date) bool { return !d.Before(r.Start) && d.Before(r.End) }

// Valid reports whether r is a non-empty range.
func (r TimeRange) Valid() bool { return !r.Start.IsZero() && !r.End.IsZero() && r.Start.Before(r.End) }

// String formats r as "2026-10-01..2026-11-01" (end exclusive).
func (r TimeRange) String() string { return r.Start.String() + ".." + r.End.String() }

// Buckets splits r into buckets of grain g. The first and last buckets are clipped to r.
func (r TimeRange) Buckets(g Grain) []TimeRange {
	var out []TimeRange
	for s := g.Start(r.Start); s.Before(r.End); s = g.Next(s) {
		b := TimeRange{Start: s, End: g.Next(s)}
		if b.Start.Before(r.Start) {
			b.Start = r.Start
		}
		if b.End.After(r.End) {
			b.End = r.End
		}
		out = append(out, b)
	}
	return out
}

// wholeMonths reports whether r starts and ends on the first of a month, and how many months it
// spans.
func (r TimeRange) wholeMonths() (int, bool) {
	if r.Start.Day != 1 || r.End.Day != 1 {
		return 0, false
	}
	n := (r.End.Year-r.Start.Year)*12 + int(r.End.Month-r.Start.Month)
	return n, n > 0
}

// Previous returns the period to compare r with (环比):
//   - n whole months: the n months before;
//   - a period to date of two days or more, one that starts where a year, quarter, month or week
//     starts and is shorter than it (本月至今, 本周): the same part of the previous year, quarter,
//     month or week
//     (November 1-20 compares with October 1-20; Monday-Wednesday with last Monday-Wednesday);
//   - anything else: the r.Days() days just before.
func (r TimeRange) Previous() TimeRange {
	if n, ok := r.wholeMonths(); ok {
		return TimeRange{Start: r.Start.AddMonths(-n), End: r.Start}
	}
	if r.Days() < 2 {
		// A single day compares with the day before, whatever period it starts.
		return TimeRange{Start: r.Start.AddDays(-1), End: r.Start}
	}
	// The smallest period the range is a beginning of decides.
	if Week.Start(r.Start) == r.Start && r.Days() < 7 {
		return TimeRange{Start: r.Start.AddDays(-7), End: r.End.AddDays(-7)}
	}
	for _, g := range []Grain{Month, Quarter, Year} {
		if g.Start(r.Start) == r.Start && r.End.Before(g.Next(r.Start)) {
			months := map[Grain]int{Month: 1, Quarter: 3, Year: 12}[g]
			return r.shiftMonths(-months)
		}
	}
	return TimeRange{Start: r.Start.AddDays(-r.Days()), End: r.Start}
}

// YearAgo returns r shifted back one calendar year.
func (r TimeRange) YearAgo() TimeRange { return r.shiftMonths(-12) }

// shiftMonths moves r by n months, clamping its first and last days to the end of their months:
// the last day included (End-1) is shifted, not the exclusive end, so March 1-28 moves to all of
// February and January 1 - February 29 to January 1 - February 28 of a common year.
func (r TimeRange) shiftMonths(n int) TimeRange {
	return TimeRange{Start: r.Start.AddMonths(n), End: r.End.AddDays(-1).AddMonths(n).AddDays(1)}
}
