package catalog_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

// base is a small valid catalog that most cases add one file to. Positions in expected problems
// refer to its line numbers, so edit it with care.
const base = `owners:
  - {id: ana, name: Ana}
sources:
  - name: orders
    table: shop.orders
    primary_key: [order_id]
    time: order_date
    joins:
      - {to: stores, on: store_id}
  - name: stores
    table: stores
    primary_key: [store_id]
dimensions:
  - name: region
    label: {zh: 大区, en: region}
    source: stores
    column: region
    values:
      - {value: 华东, aliases: [east]}
metrics:
  - name: gmv
    label: {zh: 销售额, en: GMV}
    description: Sum of order amounts.
    type: simple
    source: orders
    agg: sum
    expr: amount
    owner: ana
    synonyms: [sales, revenue]
  - name: order_count
    label: orders
    description: Number of orders.
    type: simple
    source: orders
    agg: count
`

// problems returns the problems of a *catalog.ValidationError as "file:line:column: message".
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *catalog.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %T %q, want a *catalog.ValidationError", err, err)
	}
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.String()
	}
	return out
}

func TestParseBaseIsValid(t *testing.T) {
	c, err := catalog.Parse(map[string]string{"base.yaml": base})
	if err != nil {
		t.Fatalf("Parse(base): %v", err)
	}
	if got, want := c.TimeZone, "UTC"; got != want {
		t.Errorf("got default time zone %q, want %q", got, want)
	}
	m, ok := c.Metric("gmv")
	if !ok {
		t.Fatal("got no metric gmv")
	}
	if got, want := m.Position().String(), "base.yaml:21:5"; got != want {
		t.Errorf("got gmv at %s, want %s", got, want)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // added to base.yaml
		alone bool              // without base.yaml
		want  []string
	}{
		{
			name: "unknown field with suggestion",
			files: map[string]string{"case.yaml": `metrics:
  - name: aov
    lable: AOV
    type: ratio
    numerater: gmv
`},
			want: []string{
				`case.yaml:3:5: unknown field "lable" (did you mean "label"?)`,
				`case.yaml:5:5: unknown field "numerater" (did you mean "numerator"?)`,
			},
		},
		{
			name:  "unknown field in a nested mapping and at the top",
			alone: true,
			files: map[string]string{"case.yaml": `timezon: UTC
sources:
  - name: s
    table: t
    joins:
      - {to: u, on: id, kind: left}
`},
			want: []string{
				`case.yaml:1:1: unknown field "timezon" (did you mean "timezone"?)`,
				`case.yaml:6:25: unknown field "kind"`,
			},
		},
		{
			name: "unknown field in text and value",
			files: map[string]string{"case.yaml": `dimensions:
  - name: channel
    label: {zh: 渠道, fr: canal}
    source: orders
    column: channel
    values:
      - {value: web, alias: [online]}
`},
			want: []string{
				`case.yaml:3:21: unknown field "fr"`,
				`case.yaml:7:22: unknown field "alias" (did you mean "aliases"?)`,
			},
		},
		{
			name:  "yaml syntax error",
			alone: true,
			files: map[string]string{"case.yaml": "owners:\n  - id: a\n    name: @b\n"},
			want:  []string{"case.yaml:3: found character that cannot start any token"},
		},
		{
			name:  "duplicate key",
			alone: true,
			files: map[string]string{"case.yaml": "owners:\n  - id: a\n    name: b\n    name: c\n"},
			want:  []string{`case.yaml:4: mapping key "name" already defined at line 3`},
		},
		{
			name:  "syntax error in one file, type error in another",
			alone: true,
			files: map[string]string{
				"a.yaml": "metrics: 5\n",
				"b.yaml": "owners:\n  - id: a\n    name: `b\n",
			},
			want: []string{
				"a.yaml:1: cannot unmarshal !!int `5` into []*catalog.Metric",
				"b.yaml:3: found character that cannot start any token",
			},
		},
		{
			name:  "wrong types",
			alone: true,
			files: map[string]string{"case.yaml": `sources:
  - name: s
    table: t
    primary_key: id
metrics:
  - name: x
    days: abc
    decimals: two
`},
			want: []string{
				"case.yaml:4: cannot unmarshal !!str `id` into []string",
				"case.yaml:7: cannot unmarshal !!str `abc` into int",
				"case.yaml:8: cannot unmarshal !!str `two` into int",
			},
		},
		{
			name: "unknown references with suggestions",
			files: map[string]string{"case.yaml": `sources:
  - name: returns
    table: returns
    primary_key: [return_id]
    time: return_date
    joins:
      - {to: order, on: order_id}
dimensions:
  - name: province
    label: province
    source: stor
    column: province
    parent: regoin
metrics:
  - name: refunds
    label: refunds
    description: Refunded amount.
    type: simple
    source: return
    agg: sum
    expr: amount
    owner: an
  - name: refund_rate
    label: refund rate
    description: Refunds over GMV.
    type: ratio
    numerator: refunds
    denominator: gvm
    dimensions: [regoin]
  - name: net
    label: net
    description: GMV less refunds.
    type: derived
    formula: gmv - refundz
  - name: east_gmv
    label: east GMV
    description: GMV in East China.
    type: simple
    source: orders
    agg: sum
    expr: amount
    filter:
      - {dimension: regin, values: [华东]}
  - name: refunds_mtd
    label: refunds month to date
    description: Refunds since the first of the month.
    type: cumulative
    base: refund
    window: mtd
    decomposition:
      children: [order_cnt]
`},
			want: []string{
				`case.yaml:7:14: source "returns" joins unknown source "order" (did you mean "orders"?)`,
				`case.yaml:11:13: dimension "province": unknown source "stor" (did you mean "stores"?)`,
				`case.yaml:13:13: dimension "province": unknown parent "regoin" (did you mean "region"?)`,
				`case.yaml:19:13: metric "refunds": unknown source "return" (did you mean "returns"?)`,
				`case.yaml:22:12: metric "refunds": unknown owner "an" (did you mean "ana"?)`,
				`case.yaml:28:18: metric "refund_rate": unknown metric "gvm" (did you mean "gmv"?)`,
				`case.yaml:29:17: metric "refund_rate": unknown dimension "regoin" (did you mean "region"?)`,
				`case.yaml:34:14: metric "net": unknown metric "refundz" (did you mean "refunds"?)`,
				`case.yaml:43:21: metric "east_gmv": filter on unknown dimension "regin" (did you mean "region"?)`,
				`case.yaml:48:11: metric "refunds_mtd": unknown metric "refund" (did you mean "refunds", "refund_rate" or "refunds_mtd"?)`,
				`case.yaml:51:7: metric "refunds_mtd": unknown metric "order_cnt" (did you mean "order_count"?)`,
			},
		},
		{
			name: "derived cycle",
			files: map[string]string{"case.yaml": `metrics:
  - name: a
    label: A
    description: a
    type: derived
    formula: b + 1
  - name: b
    label: B
    description: b
    type: derived
    formula: a * 2
`},
			want: []string{`case.yaml:2:5: metric "a" is defined in terms of itself: a -> b -> a`},
		},
		{
			name: "ratio of a cumulative metric",
			files: map[string]string{"case.yaml": `metrics:
  - name: gmv_mtd
    label: GMV month to date
    description: GMV since the first of the month.
    type: cumulative
    base: gmv
    window: mtd
  - name: bad_ratio
    label: bad ratio
    description: Not allowed.
    type: ratio
    numerator: gmv_mtd
    denominator:
      metric: order_count
      filter: [{dimension: region, values: [华东]}]
  - name: bad_formula
    label: bad formula
    description: Not allowed either.
    type: derived
    formula: gmv_mtd / 2
`},
			want: []string{
				`case.yaml:12:16: metric "bad_ratio": numerator "gmv_mtd" is cumulative; use its base metric`,
				`case.yaml:20:14: metric "bad_formula": formula uses cumulative metric "gmv_mtd"; use its base metric`,
			},
		},
		{
			name: "ratio part filter on a ratio",
			files: map[string]string{"case.yaml": `metrics:
  - name: aov
    label: AOV
    description: GMV per order.
    type: ratio
    numerator: gmv
    denominator: order_count
  - name: east_share
    label: east share
    description: Not allowed.
    type: ratio
    numerator: {metric: aov, filter: [{dimension: region, values: [华东]}]}
    denominator: aov
`},
			want: []string{`case.yaml:12:38: metric "east_share": a numerator filter needs a simple metric, and "aov" is ratio`},
		},
		{
			name: "join to a source without primary key",
			files: map[string]string{"case.yaml": `sources:
  - name: visits
    table: visits
    time: day
    joins:
      - {to: channels, on: channel_id}
  - name: channels
    table: channels
`},
			want: []string{`case.yaml:6:14: source "visits" joins "channels", which declares no primary_key: a join must land on the target's primary key so it cannot multiply rows`},
		},
		{
			name: "join with the wrong number of columns",
			files: map[string]string{"case.yaml": `sources:
  - name: visits
    table: visits
    time: day
    joins:
      - {to: stores, on: [store_id, day]}
`},
			want: []string{`case.yaml:6:26: source "visits": join to "stores" lists 2 column(s) but "stores"'s primary key has 1 (store_id)`},
		},
		{
			name: "dimension no metric reaches",
			files: map[string]string{"case.yaml": `sources:
  - name: channels
    table: channels
    primary_key: [channel_id]
dimensions:
  - name: channel
    label: channel
    source: channels
    column: name
`},
			want: []string{`case.yaml:8:13: dimension "channel": no metric's source reaches source "channels" through joins (is a join missing?)`},
		},
		{
			name: "metric dimension that cannot be reached",
			files: map[string]string{"case.yaml": `sources:
  - name: visits
    table: visits
    primary_key: [visit_id]
    time: day
    joins:
      - {to: channels, on: channel_id}
  - name: channels
    table: channels
    primary_key: [channel_id]
dimensions:
  - name: channel
    label: channel
    source: channels
    column: name
metrics:
  - name: visit_count
    label: visits
    description: Number of visits.
    type: simple
    source: visits
    agg: count
    dimensions: [channel, region]
`},
			want: []string{`case.yaml:23:17: metric "visit_count": dimension "region" cannot be reached: no many-to-one join path from source "visits" to "stores"`},
		},
		{
			name: "filter dimension that cannot be reached and bad filters",
			files: map[string]string{"case.yaml": `sources:
  - name: visits
    table: visits
    primary_key: [visit_id]
    time: day
metrics:
  - name: visit_count
    label: visits
    description: Number of visits.
    type: simple
    source: visits
    agg: count
    filter:
      - {dimension: region, values: [华东]}
      - {column: stores.city, values: [上海]}
      - {column: kind, op: like, values: []}
      - {dimension: region, column: kind, values: [x]}
      - {values: [x]}
`},
			want: []string{
				`case.yaml:14:21: metric "visit_count": filter dimension "region" cannot be reached from source "visits" through many-to-one joins`,
				`case.yaml:15:18: metric "visit_count": filter column "stores.city": source "stores" is not reachable from "visits" through many-to-one joins`,
				`case.yaml:16:9: metric "visit_count": filter has no values`,
				`case.yaml:16:28: metric "visit_count": filter op "like" must be one of in, not_in, eq, contains`,
				`case.yaml:17:9: metric "visit_count": a filter names a dimension or a column, not both`,
				`case.yaml:18:9: metric "visit_count": a filter needs a dimension or a column`,
			},
		},
		{
			name: "duplicate names across files",
			files: map[string]string{"dup.yaml": `owners:
  - {id: ana, name: Ana Again}
sources:
  - {name: stores, table: stores2, primary_key: [id]}
dimensions:
  - name: region
    label: region
    source: stores
    column: region
metrics:
  - name: gmv
    label: GMV
    description: Again.
    type: simple
    source: orders
    agg: sum
    expr: amount
  - name: region_count
    label: region count
    description: Fine.
    type: simple
    source: orders
    agg: count
`},
			want: []string{
				`dup.yaml:2:10: duplicate owner "ana" (first defined at base.yaml:2:5)`,
				`dup.yaml:4:12: duplicate source "stores" (first defined at base.yaml:10:5)`,
				`dup.yaml:6:11: duplicate dimension "region" (first defined at base.yaml:14:5)`,
				`dup.yaml:11:11: duplicate metric "gmv" (first defined at base.yaml:21:5)`,
			},
		},
		{
			name: "metric named like a dimension",
			files: map[string]string{"case.yaml": `metrics:
  - name: region
    label: number of regions
    description: Distinct regions with orders.
    type: simple
    source: orders
    agg: count_distinct
    expr: stores.region
`},
			want: []string{
				`base.yaml:14:5: dimension "region": term "region" is already used by metric "region" at case.yaml:2:5`,
				`case.yaml:2:11: metric "region" has the same name as the dimension at base.yaml:14:5`,
			},
		},
		{
			name: "synonym used by two metrics and by a dimension",
			files: map[string]string{"case.yaml": `dimensions:
  - name: area
    label: area
    synonyms: {en: [sales territory, Sales]}
    source: stores
    column: area
metrics:
  - name: net_sales
    label: net sales
    description: GMV after refunds.
    type: simple
    source: orders
    agg: sum
    expr: net_amount
    synonyms: {zh: [净销售额], en: [REVENUE]}
  - name: orders_total
    label: ORDERS
    description: Same as order_count.
    type: simple
    source: orders
    agg: count
`},
			want: []string{
				`case.yaml:4:15: dimension "area": term "Sales" is already used by metric "gmv" at base.yaml:29:15`,
				`case.yaml:15:15: metric "net_sales": term "REVENUE" is already used by metric "gmv" at base.yaml:29:15`,
				`case.yaml:16:5: metric "orders_total": term "ORDERS" is already used by metric "order_count" at base.yaml:30:5`,
			},
		},
		{
			name:  "bad timezone",
			files: map[string]string{"case.yaml": "timezone: Mars/Olympus\n"},
			want:  []string{`case.yaml:1:11: unknown timezone "Mars/Olympus"`},
		},
		{
			name: "conflicting timezones",
			files: map[string]string{
				"a.yaml": "timezone: Asia/Shanghai\n",
				"b.yaml": "# comment\ntimezone: UTC\n",
			},
			want: []string{`b.yaml:2:11: timezone "UTC" conflicts with "Asia/Shanghai" declared at a.yaml:1:11`},
		},
		{
			name: "bad enumerations",
			files: map[string]string{"case.yaml": `metrics:
  - name: a
    label: a
    description: a
    type: simple
    source: orders
    agg: summ
    expr: amount
    format: money
    direction: higher
    default_grain: hour
  - name: b
    label: b
    description: b
    type: ration
  - name: c
    label: c
    description: c
    type: cumulative
    base: gmv
    window: weekly
  - name: d
    label: d
    description: d
    type: cumulative
    base: gmv
    window: trailing
    days: 400
  - name: e
    label: e
    description: e
    type: cumulative
    base: gmv
    window: mtd
    days: 7
  - name: f
    label: f
    description: f
    type: cumulative
    base: gmv
    window: trailing
sources:
  - name: visits
    table: visits
    primary_key: [visit_id]
    time: day
    time_type: datetime
dimensions:
  - name: visit_kind
    label: kind
    type: enum
    source: orders
    column: kind
`},
			want: []string{
				`case.yaml:7:10: metric "a": agg "summ" must be one of sum, count, count_distinct, avg, min, max (did you mean "sum"?)`,
				`case.yaml:9:13: metric "a": format "money" must be one of currency, percent, count, number`,
				`case.yaml:10:16: metric "a": direction "higher" must be up or down`,
				`case.yaml:11:20: metric "a": default_grain "hour" must be day, week, month, quarter or year`,
				`case.yaml:15:11: metric "b": type "ration" must be one of simple, ratio, derived, cumulative (did you mean "ratio"?)`,
				`case.yaml:21:13: metric "c": window "weekly" must be mtd, ytd or trailing`,
				`case.yaml:28:11: metric "d": a trailing window needs days between 1 and 366`,
				`case.yaml:35:11: metric "e": days applies only to window: trailing`,
				`case.yaml:36:5: metric "f": a trailing window needs days between 1 and 366`,
				`case.yaml:47:16: source "visits": time_type "datetime" must be date or timestamp`,
				`case.yaml:51:11: dimension "visit_kind": type "enum" must be categorical or time`,
			},
		},
		{
			name: "bad names, tables, columns and expressions",
			files: map[string]string{"case.yaml": `sources:
  - name: Visits
    table: "visits; drop table x"
    primary_key: [visit id]
    time: visits.day
dimensions:
  - name: kind
    source: orders
    column: "kind--"
metrics:
  - name: GMV2
    type: simple
    source: orders
    agg: sum
    expr: "amount; select 1"
  - name: total
    label: total
    description: total
    type: simple
    source: orders
    agg: avg
`},
			want: []string{
				`case.yaml:2:11: source name "Visits" must be snake_case`,
				`case.yaml:3:12: source "Visits": table "visits; drop table x" must be a table name, optionally schema-qualified`,
				`case.yaml:4:18: source "Visits": primary key column "visit id" is not a column name`,
				`case.yaml:5:11: source "Visits": time "visits.day" names unknown source "visits"`,
				`case.yaml:7:5: dimension "kind" has no label`,
				`case.yaml:9:13: dimension "kind": column "kind--" is not a column name`,
				`case.yaml:11:5: metric "GMV2" has no label`,
				`case.yaml:11:5: metric "GMV2" has no description: say how it is computed (口径)`,
				`case.yaml:11:11: metric name "GMV2" must be snake_case (lower-case letters, digits, _)`,
				`case.yaml:15:11: metric "GMV2": expr "amount; select 1" must not contain ;`,
				`case.yaml:16:5: metric "total": agg avg needs an expr (a column or an expression over columns)`,
			},
		},
		{
			name: "bad target month keys",
			files: map[string]string{"case.yaml": `metrics:
  - name: units
    label: units
    description: Items sold.
    type: simple
    source: orders
    agg: sum
    expr: quantity
    targets:
      2026-13: 5
      "2026-1": 3
      2026-12: 7
`},
			want: []string{
				`case.yaml:10:7: metric "units": target key "2026-1" must be a month, YYYY-MM`,
				`case.yaml:10:7: metric "units": target key "2026-13" must be a month, YYYY-MM`,
			},
		},
		{
			name: "event date forms",
			files: map[string]string{"case.yaml": `events:
  - {name: launch, label: launch, date: "2026-03-01", days: 3}
  - {name: singles_day, label: 双11, date: "11-11"}
  - {name: leap, label: leap day, date: "02-29"}
  - {name: slash, label: slash, date: "11/11"}
  - {name: no_month, label: no month, date: "13-01"}
  - {name: no_day, label: no day, date: "2026-02-30"}
  - {name: no_day_yearly, label: no day, date: "02-30"}
  - {name: negative, label: negative, date: "01-01", days: -1}
  - {name: launch, label: again, date: "2026-03-02"}
  - {label: nameless, date: "2026-03-03"}
`},
			want: []string{
				`case.yaml:5:39: event "slash": date "11/11" must be YYYY-MM-DD, or MM-DD for a yearly event`,
				`case.yaml:6:45: event "no_month": date "13-01" must be YYYY-MM-DD, or MM-DD for a yearly event`,
				`case.yaml:7:41: event "no_day": date "2026-02-30" must be YYYY-MM-DD, or MM-DD for a yearly event`,
				`case.yaml:8:48: event "no_day_yearly": date "02-30" must be YYYY-MM-DD, or MM-DD for a yearly event`,
				`case.yaml:9:60: event "negative": days must be positive`,
				`case.yaml:10:12: duplicate event "launch"`,
				`case.yaml:11:5: event has no name`,
			},
		},
		{
			name: "hierarchy cycle and alias collision",
			files: map[string]string{"case.yaml": `dimensions:
  - name: city
    label: city
    source: stores
    column: city
    parent: district
  - name: district
    label: district
    source: stores
    column: district
    parent: city
  - name: tier
    label: tier
    source: stores
    column: tier
    values:
      - {value: t1, aliases: [top]}
      - {value: t2, aliases: [TOP, second]}
`},
			want: []string{
				`case.yaml:6:13: dimension "city": parent chain forms a cycle through "city"`,
				`case.yaml:11:13: dimension "district": parent chain forms a cycle through "district"`,
				`case.yaml:18:9: dimension "tier": alias "TOP" names both "t1" and "t2"`,
			},
		},
		{
			name: "simple metric whose source has no time column",
			files: map[string]string{"case.yaml": `metrics:
  - name: store_count
    label: stores
    description: Number of stores.
    type: simple
    source: stores
    agg: count
  - name: ratio_without_parts
    label: ratio without parts
    description: Missing both parts.
    type: ratio
  - name: no_source
    label: no source
    description: Missing source.
    type: simple
    agg: count
sources:
  - name: visits
    table: visits
    primary_key: [visit_id]
    time: stores.opened
`},
			want: []string{
				`case.yaml:6:13: metric "store_count": source "stores" declares no time column, so the metric cannot be read over a period`,
				`case.yaml:8:5: ratio metric "ratio_without_parts" needs a numerator`,
				`case.yaml:8:5: ratio metric "ratio_without_parts" needs a denominator`,
				`case.yaml:12:5: simple metric "no_source" needs a source`,
				`case.yaml:21:11: source "visits": time "stores.opened": source "stores" is not reachable from "visits" through many-to-one joins`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			if !tt.alone {
				files["base.yaml"] = base
			}
			for n, s := range tt.files {
				files[n] = s
			}
			_, err := catalog.Parse(files)
			got := problems(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s\ngot error:\n%v", diff, err)
			}
		})
	}
}

// TestParseReportsEveryProblemSorted checks that problems of different kinds in several files come
// back together in one error, ordered by file, line and column rather than by the order in which
// the validator found them.
func TestParseReportsEveryProblemSorted(t *testing.T) {
	files := map[string]string{
		"base.yaml": base,
		// Sources are validated before metrics, so this file's problem is found first.
		"z.yaml": "sources:\n  - {name: late, table: late, joins: [{to: nowhere, on: id}]}\n",
		"a.yaml": `metrics:
  - name: aov
    label: AOV
    description: GMV per order.
    type: ratio
    numerator: gmv
    denominator: orders_count
    owner: bob
  - name: gmv_per_store
    label: GMV per store
    description: GMV over stores.
    type: derived
    formula: gmv / (store_count
    synonyms: [sales]
`,
	}
	_, err := catalog.Parse(files)
	want := []string{
		`a.yaml:7:18: metric "aov": unknown metric "orders_count" (did you mean "order_count"?)`,
		`a.yaml:8:12: metric "aov": unknown owner "bob"`,
		`a.yaml:13:14: metric "gmv_per_store": formula "gmv / (store_count": missing ) at column 19`,
		// a.yaml sorts before base.yaml, so gmv_per_store claims "sales" first.
		`base.yaml:29:15: metric "gmv": term "sales" is already used by metric "gmv_per_store" at a.yaml:14:15`,
		`z.yaml:2:44: source "late" joins unknown source "nowhere"`,
	}
	if diff := cmp.Diff(want, problems(t, err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), "invalid catalog: 5 problems:\n"+strings.Join(want, "\n"); got != want {
		t.Errorf("got Error()\n%s\nwant\n%s", got, want)
	}
}

func TestValidationErrorOneProblem(t *testing.T) {
	_, err := catalog.Parse(map[string]string{"a.yaml": "timezone: Nowhere/City\n"})
	if got, want := fmt.Sprint(err), `invalid catalog: a.yaml:1:11: unknown timezone "Nowhere/City"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestParseForms checks the alternative spellings the loader accepts: plain or bilingual text,
// synonyms as a list or per language, values and ratio parts as bare strings, join columns as a
// string or a list, and an empty file.
func TestParseForms(t *testing.T) {
	c, err := catalog.Parse(map[string]string{
		"base.yaml":  base,
		"empty.yaml": "# nothing yet\n",
		"more.yaml": `timezone: Asia/Shanghai
sources:
  - name: lines
    table: dw.order_lines
    primary_key: [order_id, line_no]
    time: orders.order_date
    time_type: date
    joins:
      - {to: orders, on: [order_id]}
dimensions:
  - name: status
    label: status
    synonyms: {zh: [状态], en: [order status]}
    source: orders
    column: status
    values: [paid, {value: cancelled, label: {zh: 已取消}, aliases: [canceled]}]
metrics:
  - name: aov
    label: {zh: 客单价}
    description: {en: GMV per order.}
    type: ratio
    numerator: gmv
    denominator: {metric: order_count}
  - name: units
    label: units
    description: Items sold.
    type: simple
    source: lines
    agg: sum
    expr: quantity
    filter: [{column: orders.status, op: not_in, values: [cancelled]}]
    decimals: 0
`,
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got, want := c.Location.String(), "Asia/Shanghai"; got != want {
		t.Errorf("got location %s, want %s", got, want)
	}
	status, _ := c.Dimension("status")
	if diff := cmp.Diff(catalog.Synonyms{"order status", "状态"}, status.Synonyms); diff != "" {
		t.Errorf("synonyms by language, sorted by language (-want +got):\n%s", diff)
	}
	for _, tt := range []struct{ in, want string }{{"PAID", "paid"}, {"已取消", "cancelled"}, {"Canceled", "cancelled"}} {
		if got, ok := status.Resolve(tt.in); !ok || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v, want %q, true", tt.in, got, ok, tt.want)
		}
	}
	if got, ok := status.Resolve("refunded"); ok {
		t.Errorf("Resolve(refunded) = %q, true, want not known", got)
	}
	aov, _ := c.Metric("aov")
	if got, want := aov.Label.In("en"), "客单价"; got != want {
		t.Errorf("got English label %q, want the fallback %q", got, want)
	}
	if got, want := aov.Description.In("zh"), "GMV per order."; got != want {
		t.Errorf("got Chinese description %q, want the fallback %q", got, want)
	}
	if got, want := aov.Denominator.Metric, "order_count"; got != want {
		t.Errorf("got denominator %q, want %q", got, want)
	}
	lines, _ := c.Source("lines")
	if src, col := c.TimeColumn(lines); src != "orders" || col != "order_date" {
		t.Errorf("got time column %s.%s, want orders.order_date", src, col)
	}
	path, ok := c.Path("lines", "stores")
	if !ok || len(path) != 2 || path[0].To != "orders" || path[1].To != "stores" || path[0].From() != lines {
		t.Errorf("got path lines -> stores %v, %v, want lines -> orders -> stores", path, ok)
	}
	units, _ := c.Metric("units")
	if units.Decimals == nil || *units.Decimals != 0 {
		t.Errorf("got decimals %v, want an explicit 0", units.Decimals)
	}
	if got, want := units.Filter[0].Op, catalog.OpNotIn; got != want {
		t.Errorf("got filter op %q, want %q", got, want)
	}
	gmv, _ := c.Metric("gmv")
	if got, want := gmv.Filter, []*catalog.Condition(nil); len(got) != len(want) {
		t.Errorf("got filter %v, want none", got)
	}
	if !gmv.Additive() || aov.Additive() {
		t.Errorf("got Additive gmv %v aov %v, want true false", gmv.Additive(), aov.Additive())
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base.yaml", base)
	write("README.md", "not a catalog file: ignored")
	write("sub/more.yml", "metrics:\n  - name: units\n    typo: 1\n")
	_, err := catalog.Load(dir)
	want := []string{filepath.Join(dir, "sub/more.yml") + `:3:5: unknown field "typo" (did you mean "type"?)`}
	if diff := cmp.Diff(want, problems(t, err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}

	write("sub/more.yml", "metrics: []\n")
	c, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := len(c.Metrics), 2; got != want {
		t.Errorf("got %d metrics, want %d", got, want)
	}

	_, err = catalog.Load(t.TempDir())
	var ve *catalog.ValidationError
	if err == nil || errors.As(err, &ve) || !strings.Contains(err.Error(), "no .yaml files found") {
		t.Errorf("Load(empty dir) = %v, want a plain error saying no .yaml files were found", err)
	}
}
