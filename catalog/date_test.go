package catalog_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

func d(s string) catalog.Date {
	v, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func r(start, end string) catalog.TimeRange { return catalog.TimeRange{Start: d(start), End: d(end)} }

func TestParseDate(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    catalog.Date
		wantErr bool
	}{
		{in: "2026-11-11", want: catalog.Date{Year: 2026, Month: time.November, Day: 11}},
		{in: "2028-02-29", want: catalog.Date{Year: 2028, Month: time.February, Day: 29}},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-1-5", wantErr: true},
		{in: "11-11", wantErr: true},
		{in: "", wantErr: true},
	} {
		got, err := catalog.ParseDate(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDate(%q) = %v, %v, want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  catalog.Date
		want string
	}{
		{"NewDate normalises day 0", catalog.NewDate(2026, time.March, 0), "2026-02-28"},
		{"NewDate normalises month 13", catalog.NewDate(2026, 13, 1), "2027-01-01"},
		{"AddDays across a year", d("2026-12-30").AddDays(3), "2027-01-02"},
		{"AddDays negative", d("2026-03-01").AddDays(-1), "2026-02-28"},
		{"AddMonths clamps to February", d("2026-01-31").AddMonths(1), "2026-02-28"},
		{"AddMonths clamps to a leap February", d("2028-01-31").AddMonths(1), "2028-02-29"},
		{"AddMonths clamps to a 30-day month", d("2026-03-31").AddMonths(1), "2026-04-30"},
		{"AddMonths backwards clamps", d("2026-03-31").AddMonths(-1), "2026-02-28"},
		{"AddMonths across a year", d("2026-12-15").AddMonths(1), "2027-01-15"},
		{"AddMonths minus 13", d("2026-01-31").AddMonths(-13), "2024-12-31"},
		{"AddMonths 12 from Feb 29", d("2028-02-29").AddMonths(12), "2029-02-28"},
	} {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	if got, want := d("2026-11-15").Weekday(), time.Sunday; got != want {
		t.Errorf("got weekday %v, want %v", got, want)
	}
	if got, want := d("2026-01-01").DaysUntil(d("2027-01-01")), 365; got != want {
		t.Errorf("got DaysUntil %d, want %d", got, want)
	}
	if got, want := d("2026-03-08").DaysUntil(d("2026-03-01")), -7; got != want {
		t.Errorf("got DaysUntil %d, want %d", got, want)
	}
	// Midnight in a zone with daylight saving: the date stays the same day.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := catalog.DateOf(d("2026-03-08").Time(ny)), d("2026-03-08"); got != want {
		t.Errorf("got DateOf(Time) %v, want %v", got, want)
	}
	if !(catalog.Date{}).IsZero() || d("2026-01-01").IsZero() {
		t.Error("got IsZero wrong")
	}
}

func TestGrainStart(t *testing.T) {
	for _, tt := range []struct {
		g        catalog.Grain
		day      string
		start    string
		nextFrom string
	}{
		{catalog.Day, "2026-11-15", "2026-11-15", "2026-11-16"},
		// Weeks start on Monday: Sunday 2026-11-15 belongs to the week of Monday 2026-11-09.
		{catalog.Week, "2026-11-15", "2026-11-09", "2026-11-16"},
		{catalog.Week, "2026-11-09", "2026-11-09", "2026-11-16"},
		{catalog.Week, "2026-01-01", "2025-12-29", "2026-01-05"},
		{catalog.Month, "2026-02-28", "2026-02-01", "2026-03-01"},
		{catalog.Quarter, "2026-08-31", "2026-07-01", "2026-10-01"},
		{catalog.Quarter, "2026-12-31", "2026-10-01", "2027-01-01"},
		{catalog.Year, "2028-02-29", "2028-01-01", "2029-01-01"},
	} {
		start := tt.g.Start(d(tt.day))
		if got := start.String(); got != tt.start {
			t.Errorf("%s.Start(%s) = %s, want %s", tt.g, tt.day, got, tt.start)
		}
		if got := tt.g.Next(start).String(); got != tt.nextFrom {
			t.Errorf("%s.Next(%s) = %s, want %s", tt.g, start, got, tt.nextFrom)
		}
	}
	for _, g := range catalog.Grains {
		if !g.Valid() {
			t.Errorf("got %q invalid, want valid", g)
		}
	}
	if catalog.Grain("hour").Valid() {
		t.Error(`got "hour" valid, want invalid`)
	}
}

func TestBuckets(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    catalog.TimeRange
		g    catalog.Grain
		want []catalog.TimeRange
	}{
		{
			name: "months clipped at both ends",
			r:    r("2026-11-04", "2027-01-10"),
			g:    catalog.Month,
			want: []catalog.TimeRange{r("2026-11-04", "2026-12-01"), r("2026-12-01", "2027-01-01"), r("2027-01-01", "2027-01-10")},
		},
		{
			name: "weeks from a Wednesday",
			r:    r("2026-11-11", "2026-11-24"),
			g:    catalog.Week,
			want: []catalog.TimeRange{r("2026-11-11", "2026-11-16"), r("2026-11-16", "2026-11-23"), r("2026-11-23", "2026-11-24")},
		},
		{
			name: "days",
			r:    r("2026-02-27", "2026-03-02"),
			g:    catalog.Day,
			want: []catalog.TimeRange{r("2026-02-27", "2026-02-28"), r("2026-02-28", "2026-03-01"), r("2026-03-01", "2026-03-02")},
		},
		{
			name: "one whole quarter",
			r:    r("2026-10-01", "2027-01-01"),
			g:    catalog.Quarter,
			want: []catalog.TimeRange{r("2026-10-01", "2027-01-01")},
		},
		{
			name: "empty range",
			r:    r("2026-10-01", "2026-10-01"),
			g:    catalog.Day,
			want: nil,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.r.Buckets(tt.g)); diff != "" {
				t.Errorf("Buckets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTimeRange(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  catalog.TimeRange
		want catalog.TimeRange
	}{
		{"previous whole month of different length", r("2026-03-01", "2026-04-01").Previous(), r("2026-02-01", "2026-03-01")},
		{"previous two whole months", r("2026-10-01", "2026-12-01").Previous(), r("2026-08-01", "2026-10-01")},
		{"previous whole year", r("2026-01-01", "2027-01-01").Previous(), r("2025-01-01", "2026-01-01")},
		{"previous week", r("2026-11-09", "2026-11-16").Previous(), r("2026-11-02", "2026-11-09")},
		{"month to date compares with the same days of the previous month", r("2026-03-01", "2026-03-16").Previous(), r("2026-02-01", "2026-02-16")},
		{"month to date past the end of a short month", r("2026-03-01", "2026-03-31").Previous(), r("2026-02-01", "2026-03-01")},
		{"week to date compares with the same weekdays", r("2026-11-30", "2026-12-03").Previous(), r("2026-11-23", "2026-11-26")},
		{"quarter to date", r("2026-10-01", "2026-11-21").Previous(), r("2026-07-01", "2026-08-21")},
		{"year to date", r("2026-01-01", "2026-11-21").Previous(), r("2025-01-01", "2025-11-21")},
		{"a single Monday compares with the Sunday before", r("2026-11-30", "2026-12-01").Previous(), r("2026-11-29", "2026-11-30")},
		{"a single first of the month compares with the day before", r("2026-12-01", "2026-12-02").Previous(), r("2026-11-30", "2026-12-01")},
		{"month to date ending on the 28th keeps February's last day", r("2026-03-01", "2026-03-29").Previous(), r("2026-02-01", "2026-03-01")},
		{"a 30-day October to date compares with all of September", r("2026-10-01", "2026-10-31").Previous(), r("2026-09-01", "2026-10-01")},
		{"year ago of a range ending on Feb 29 keeps Feb 28", r("2028-01-01", "2028-03-01").YearAgo(), r("2027-01-01", "2027-03-01")},
		{"year ago of a range ending in the middle of February", r("2028-02-01", "2028-02-29").YearAgo(), r("2027-02-01", "2027-03-01")},
		{"the smallest period decides: January to date is a month to date", r("2026-01-01", "2026-01-21").Previous(), r("2025-12-01", "2025-12-21")},
		{"days not starting a period are the days just before", r("2026-11-04", "2026-11-07").Previous(), r("2026-11-01", "2026-11-04")},
		{"previous month-to-month not on the first", r("2026-03-15", "2026-04-15").Previous(), r("2026-02-12", "2026-03-15")},
		{"year ago of Feb 29", r("2028-02-29", "2028-03-01").YearAgo(), r("2027-02-28", "2027-03-01")},
		{"year ago of a month", r("2026-11-01", "2026-12-01").YearAgo(), r("2025-11-01", "2025-12-01")},
		{"comparison previous period", catalog.PreviousPeriod.Range(r("2026-11-01", "2026-12-01")), r("2026-10-01", "2026-11-01")},
		{"comparison year over year", catalog.YearOverYear.Range(r("2026-11-01", "2026-12-01")), r("2025-11-01", "2025-12-01")},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	rg := r("2026-11-01", "2026-12-01")
	if got, want := rg.Days(), 30; got != want {
		t.Errorf("got Days %d, want %d", got, want)
	}
	if !rg.Contains(d("2026-11-01")) || !rg.Contains(d("2026-11-30")) || rg.Contains(d("2026-12-01")) || rg.Contains(d("2026-10-31")) {
		t.Error("got Contains wrong at the edges of a half-open range")
	}
	if got, want := rg.String(), "2026-11-01..2026-12-01"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []catalog.TimeRange{{}, r("2026-11-01", "2026-11-01"), r("2026-12-01", "2026-11-01"), {Start: d("2026-11-01")}} {
		if bad.Valid() {
			t.Errorf("got %v valid, want invalid", bad)
		}
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal(r("2026-11-01", "2026-12-01"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"start":"2026-11-01","end":"2026-12-01"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var back catalog.TimeRange
	if err := json.Unmarshal(b, &back); err != nil || back != r("2026-11-01", "2026-12-01") {
		t.Errorf("got %v, %v, want the range back", back, err)
	}
	if err := json.Unmarshal([]byte(`{"start":"2026-13-01"}`), &back); err == nil {
		t.Error("got no error for month 13, want one")
	}
}

func TestEventCovers(t *testing.T) {
	yearly := &catalog.Event{Name: "new_year", Date: "12-31", Days: 3}
	once := &catalog.Event{Name: "launch", Date: "2026-11-11"}
	for _, tt := range []struct {
		e    *catalog.Event
		day  string
		want bool
	}{
		{yearly, "2026-12-30", false},
		{yearly, "2026-12-31", true},
		{yearly, "2027-01-01", true}, // the event that started the year before
		{yearly, "2027-01-02", true},
		{yearly, "2027-01-03", false},
		{yearly, "2030-12-31", true},
		{once, "2026-11-10", false},
		{once, "2026-11-11", true}, // days defaults to 1
		{once, "2026-11-12", false},
		{once, "2027-11-11", false},
		{&catalog.Event{Date: "06-18", Days: 2}, "2026-06-19", true},
		{&catalog.Event{Date: "bad"}, "2026-06-19", false},
	} {
		if got := tt.e.Covers(d(tt.day)); got != tt.want {
			t.Errorf("event %s %s covers %s: got %v, want %v", tt.e.Date, tt.e.Name, tt.day, got, tt.want)
		}
	}
}

func TestTarget(t *testing.T) {
	m := &catalog.Metric{Targets: map[string]float64{"2026-11": 60e6}}
	if v, ok := m.Target(d("2026-11-30")); !ok || v != 60e6 {
		t.Errorf("got %v, %v, want 6e7, true", v, ok)
	}
	if v, ok := m.Target(d("2026-12-01")); ok {
		t.Errorf("got %v, true for a month without target, want false", v)
	}
}
