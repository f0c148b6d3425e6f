package catalog_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

func TestQueryValidateEveryProblem(t *testing.T) {
	c := demo(t)
	q := catalog.Query{
		Metrics: []string{"gmv", "gmv", "gvm", "visitors", "aov"},
		GroupBy: []string{"category", "category", "time", "regoin"},
		Grain:   "hour",
		Filters: []catalog.Filter{
			{Dimension: "channel", Op: catalog.OpEq, Values: []string{"天猫", "京东"}},
			{Dimension: "region", Op: "like"},
		},
		Having:  []catalog.Having{{Metric: "cost", Op: catalog.GT, Value: 1}, {Metric: "gmv", Op: "more"}},
		Compare: "wow",
		Share:   true,
		OrderBy: []catalog.Order{{By: "gmv_chnge"}, {By: "aov_pct_change", Desc: true}},
		Limit:   -1,
	}
	err := q.Validate(c)
	var qe *catalog.QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("got %v, want a *catalog.QueryError", err)
	}
	want := []string{
		`metric "gmv" listed twice`,
		`unknown metric "gvm" (did you mean "gmv"?)`,
		`metric "visitors" cannot be broken down by "category": no many-to-one join path from its source to "categories"`,
		`dimension "category" listed twice in group_by`,
		`group by time with grain, not with a "time" dimension`,
		`unknown dimension "regoin" (did you mean "region"?)`,
		`grain "hour" must be day, week, month, quarter or year`,
		`filter "channel": eq takes exactly one value`,
		`filter "region": op "like" must be in, not_in, eq or contains`,
		`filter "region" has no values`,
		`having on "cost", which is not among the query's metrics`,
		`having "gmv": op "more" must be gt, gte, lt or lte`,
		`time_range 0000-00-00..0000-00-00 is empty or missing (start must be before end)`,
		`compare "wow" must be previous_period or same_period_last_year`,
		`share of total needs an additive metric (a sum or count), and "aov" is not`,
		`order by "gmv_chnge", which is not a result column (did you mean "gmv_change", "gvm_change" or "aov_change"?)`,
		`limit -1 must be between 0 and 10000`,
	}
	if diff := cmp.Diff(want, qe.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !errors.Is(err, catalog.ErrUnknownMetric) || !errors.Is(err, catalog.ErrUnknownDimension) {
		t.Errorf("got errors.Is unknown metric %v, unknown dimension %v, want both true",
			errors.Is(err, catalog.ErrUnknownMetric), errors.Is(err, catalog.ErrUnknownDimension))
	}
	if got, want := names(qe.Unknown, func(e *catalog.NotFoundError) string { return e.Kind + ":" + e.Name }), []string{"metric:gvm", "dimension:regoin"}; !cmp.Equal(got, want) {
		t.Errorf("got unknown %v, want %v", got, want)
	}
	if got, want := qe.Unknown[0].Suggestions, []string{"gmv"}; !cmp.Equal(got, want) {
		t.Errorf("got suggestions %v, want %v", got, want)
	}
}

func TestQueryValidate(t *testing.T) {
	c := demo(t)
	nov := r("2026-11-01", "2026-12-01")
	for _, tt := range []struct {
		name       string
		q          catalog.Query
		want       string // "" for valid
		unknownMet bool
		unknownDim bool
	}{
		{name: "simple", q: catalog.Query{Metrics: []string{"gmv"}, Range: nov}},
		{name: "breakdown with comparison, share and order", q: catalog.Query{
			Metrics: []string{"gmv", "units"}, GroupBy: []string{"category"}, Range: nov,
			Compare: catalog.YearOverYear, Share: true,
			OrderBy: []catalog.Order{{By: "gmv_pct_change", Desc: true}, {By: "units_share"}, {By: "category"}},
			Limit:   10,
		}},
		{name: "trend", q: catalog.Query{Metrics: []string{"conversion_rate"}, Grain: catalog.Week, Range: nov,
			Filters: []catalog.Filter{{Dimension: "channel", Op: catalog.OpIn, Values: []string{"天猫"}}},
			OrderBy: []catalog.Order{{By: "time"}}}},
		{
			name: "share of a distinct count",
			q:    catalog.Query{Metrics: []string{"order_count"}, GroupBy: []string{"region"}, Range: nov, Share: true},
			want: `invalid query: share of total needs an additive metric (a sum or count), and "order_count" is not`,
		},
		{name: "having", q: catalog.Query{Metrics: []string{"order_count"}, GroupBy: []string{"store"}, Range: nov,
			Having: []catalog.Having{{Metric: "order_count", Op: catalog.GTE, Value: 10000}}}},
		{name: "no metric", q: catalog.Query{Range: nov}, want: "invalid query: no metric"},
		{
			name: "unknown metric only", q: catalog.Query{Metrics: []string{"revenu"}, Range: nov},
			want: `invalid query: unknown metric "revenu"`, unknownMet: true,
		},
		{
			name: "unknown dimension in a filter", q: catalog.Query{Metrics: []string{"gmv"}, Range: nov,
				Filters: []catalog.Filter{{Dimension: "chanel", Op: catalog.OpIn, Values: []string{"天猫"}}}},
			want: `invalid query: unknown dimension "chanel" (did you mean "channel"?)`, unknownDim: true,
		},
		{
			name: "filter a metric by an unreachable dimension", q: catalog.Query{Metrics: []string{"visitors"}, Range: nov,
				Filters: []catalog.Filter{{Dimension: "product", Op: catalog.OpIn, Values: []string{"x"}}}},
			want: `invalid query: metric "visitors" cannot be filtered by "product": no many-to-one join path from its source to "products"`,
		},
		{
			name: "limit too large and reversed range",
			q:    catalog.Query{Metrics: []string{"gmv"}, Range: r("2026-12-01", "2026-11-01"), Limit: catalog.MaxLimit + 1},
			want: "invalid query: time_range 2026-12-01..2026-11-01 is empty or missing (start must be before end); limit 10001 must be between 0 and 10000",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate(c)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got error %q, want %q", got, tt.want)
			}
			if g := errors.Is(err, catalog.ErrUnknownMetric); g != tt.unknownMet {
				t.Errorf("got errors.Is(ErrUnknownMetric) %v, want %v", g, tt.unknownMet)
			}
			if g := errors.Is(err, catalog.ErrUnknownDimension); g != tt.unknownDim {
				t.Errorf("got errors.Is(ErrUnknownDimension) %v, want %v", g, tt.unknownDim)
			}
		})
	}
}

func TestQueryColumns(t *testing.T) {
	q := catalog.Query{Metrics: []string{"gmv", "aov"}, GroupBy: []string{"region"}, Grain: catalog.Month,
		Compare: catalog.PreviousPeriod, Share: true}
	want := []string{"region", "time",
		"gmv", "gmv_previous", "gmv_change", "gmv_pct_change", "gmv_share",
		"aov", "aov_previous", "aov_change", "aov_pct_change"}
	if diff := cmp.Diff(want, q.Columns(demo(t))); diff != "" {
		t.Errorf("Columns (-want +got):\n%s", diff)
	}
}

func TestQueryJSON(t *testing.T) {
	q := catalog.Query{
		Metrics: []string{"gmv"},
		GroupBy: []string{"region"},
		Filters: []catalog.Filter{{Dimension: "channel", Op: catalog.OpIn, Values: []string{"天猫"}}},
		Range:   r("2026-11-01", "2026-12-01"),
		Compare: catalog.PreviousPeriod,
		OrderBy: []catalog.Order{{By: "gmv", Desc: true}},
		Limit:   5,
	}
	// This form is documented in docs/catalog.md; change both together.
	const want = `{"metrics":["gmv"],"group_by":["region"],"filters":[{"dimension":"channel","op":"in","values":["天猫"]}],"time_range":{"start":"2026-11-01","end":"2026-12-01"},"compare":"previous_period","order_by":[{"by":"gmv","desc":true}],"limit":5}`
	if got := q.String(); got != want {
		t.Errorf("got JSON\n%s\nwant\n%s", got, want)
	}

	for _, q := range []catalog.Query{
		q,
		{
			Metrics: []string{"order_count", "gmv"},
			GroupBy: []string{"store"},
			Grain:   catalog.Quarter,
			Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpNotIn, Values: []string{"华东", "华北"}}, {Dimension: "store", Op: catalog.OpContains, Values: []string{"万达"}}},
			Having:  []catalog.Having{{Metric: "order_count", Op: catalog.GT, Value: 10000.5}},
			Range:   r("2025-01-01", "2027-01-01"),
			Compare: catalog.YearOverYear,
			OrderBy: []catalog.Order{{By: "order_count", Desc: true}, {By: "time"}},
			Limit:   catalog.MaxLimit,
			Share:   true,
		},
		{Metrics: []string{"gmv"}, Range: r("2026-11-01", "2026-11-02")},
	} {
		b, err := json.Marshal(q)
		if err != nil {
			t.Fatal(err)
		}
		var back catalog.Query
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if diff := cmp.Diff(q, back); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
		}
	}
}
