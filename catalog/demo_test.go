package catalog_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
)

// demoDir is the demo catalog, which docs/catalog.md uses as its worked example.
const demoDir = "../internal/demo/catalog"

var demoOnce = sync.OnceValues(func() (*catalog.Catalog, error) { return catalog.Load(demoDir) })

func demo(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := demoOnce()
	if err != nil {
		t.Fatalf("load demo catalog: %v", err)
	}
	return c
}

func names[T any](list []T, name func(T) string) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = name(x)
	}
	return out
}

func metric(t *testing.T, c *catalog.Catalog, name string) *catalog.Metric {
	t.Helper()
	m, ok := c.Metric(name)
	if !ok {
		t.Fatalf("demo catalog has no metric %q", name)
	}
	return m
}

func TestDemoCatalog(t *testing.T) {
	c := demo(t)
	if got, want := c.Location.String(), "Asia/Shanghai"; got != want {
		t.Errorf("got time zone %s, want %s", got, want)
	}
	dimName := func(d *catalog.Dimension) string { return d.Name }

	// Store traffic reaches stores and channels but no product table.
	want := []string{"region", "province", "city", "store", "channel", "channel_type"}
	if diff := cmp.Diff(want, names(c.DimensionsOf(metric(t, c, "visitors")), dimName)); diff != "" {
		t.Errorf("DimensionsOf(visitors) (-want +got):\n%s", diff)
	}
	// A ratio can be broken down only by what both of its sources reach.
	want = []string{"region", "province", "city", "store", "channel", "channel_type"}
	if diff := cmp.Diff(want, names(c.DimensionsOf(metric(t, c, "conversion_rate")), dimName)); diff != "" {
		t.Errorf("DimensionsOf(conversion_rate) (-want +got):\n%s", diff)
	}
	if got := len(c.DimensionsOf(metric(t, c, "gmv"))); got != len(c.Dimensions) {
		t.Errorf("got gmv breakable by %d dimensions, want all %d", got, len(c.Dimensions))
	}
	category, _ := c.Dimension("category")
	if c.CanGroupBy(metric(t, c, "visitors"), category) {
		t.Error("got visitors by category allowed, want refused")
	}
	if !c.CanGroupBy(metric(t, c, "gross_margin"), category) {
		t.Error("got gross_margin by category refused, want allowed")
	}

	for _, tt := range []struct {
		metric string
		want   []string
	}{
		{"refund_rate", []string{"order_lines", "refunds"}},
		{"gross_margin", []string{"order_lines"}},
		{"conversion_rate", []string{"order_lines", "store_traffic"}},
		{"gmv_mtd", []string{"order_lines"}},
		{"active_customers_30d", []string{"orders"}},
		{"shipping_fee", []string{"orders"}},
	} {
		if diff := cmp.Diff(tt.want, c.BaseSources(metric(t, c, tt.metric))); diff != "" {
			t.Errorf("BaseSources(%s) (-want +got):\n%s", tt.metric, diff)
		}
	}

	lines, _ := c.Source("order_lines")
	if src, col := c.TimeColumn(lines); src != "orders" || col != "order_date" {
		t.Errorf("got order_lines dated by %s.%s, want orders.order_date", src, col)
	}
	path, ok := c.Path("order_lines", "categories")
	if got := names(path, func(j *catalog.Join) string { return j.From().Name + "->" + j.To }); !ok || !cmp.Equal(got, []string{"order_lines->products", "products->categories"}) {
		t.Errorf("got path %v, %v, want order_lines->products->categories", got, ok)
	}
	if _, ok := c.Path("store_traffic", "products"); ok {
		t.Error("got a path from store_traffic to products, want none")
	}

	for _, tt := range []struct{ dim, in, want string }{
		{"region", "East China", "华东"},
		{"region", "华东地区", "华东"},
		{"region", "ＥＡＳＴ", "华东"},
		{"channel", "TMALL", "天猫"},
		{"channel", "mini_program", "小程序"},
		{"order_status", "canceled", "cancelled"},
	} {
		dim, _ := c.Dimension(tt.dim)
		if got, ok := dim.Resolve(tt.in); !ok || got != tt.want {
			t.Errorf("%s.Resolve(%q) = %q, %v, want %q", tt.dim, tt.in, got, ok, tt.want)
		}
	}

	gmv := metric(t, c, "gmv")
	if diff := cmp.Diff([]string{"visitors", "conversion_rate", "aov"}, gmv.Decomposition.Factors); diff != "" {
		t.Errorf("gmv factors (-want +got):\n%s", diff)
	}
	// The demo's numbers may be retuned; that November has a target is the fact used here.
	if v, ok := gmv.Target(d("2026-11-20")); !ok || v <= 0 {
		t.Errorf("got gmv target %v, %v for November, want a positive target", v, ok)
	}
	if owner, ok := c.Owner(gmv.Owner); !ok || owner.Name != "王芳" {
		t.Errorf("got gmv owner %v, want 王芳", owner)
	}
	if diff := cmp.Diff([]string{"gross_profit", "gmv"}, catalog.Refs(metric(t, c, "gross_margin").FormulaExpr())); diff != "" {
		t.Errorf("gross_margin refs (-want +got):\n%s", diff)
	}
	var double11 *catalog.Event
	for _, e := range c.Events {
		if e.Name == "double_11" {
			double11 = e
		}
	}
	if double11 == nil || !double11.Covers(d("2027-11-11")) || double11.Covers(d("2027-11-12")) {
		t.Errorf("got double_11 %+v, want a yearly one-day event on 11-11", double11)
	}
}
