package nlq

import (
	"context"
	"testing"
	"time"

	"github.com/metricbot/metricbot/catalog"
)

// demoValues stands in for the warehouse's distinct values of the demo's open dimensions.
var demoValues = MapValues{
	"province": {"上海", "浙江", "江苏", "北京", "广东"},
	"city":     {"上海", "杭州", "南京", "北京", "广州", "深圳"},
	"store":    {"上海南京路店", "杭州西湖店", "北京国贸店"},
	"product":  {"iPhone 15", "空气炸锅"},
}

// saasValues stands in for the SaaS catalog's warehouse values (stored in English).
var saasValues = MapValues{
	"country": {"United States", "China", "Germany"},
	"city":    {"Shanghai", "Beijing", "Berlin", "New York"},
}

func loadParser(t testing.TB, dir string, values ValueSource) (*Parser, *catalog.Catalog) {
	t.Helper()
	c, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("load catalog %s: %v", dir, err)
	}
	p, err := New(context.Background(), c, values, Options{})
	if err != nil {
		t.Fatalf("new parser: %v", err)
	}
	return p, c
}

// demoNow is 2026-12-01 10:00 in Asia/Shanghai, a Tuesday.
func demoNow() time.Time {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return time.Date(2026, 12, 1, 10, 0, 0, 0, loc)
}

func d(s string) catalog.Date {
	v, err := catalog.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func rng(a, b string) catalog.TimeRange { return catalog.TimeRange{Start: d(a), End: d(b)} }
