package digest

import (
	"testing"

	"github.com/metricbot/metricbot/catalog"
)

func TestChange(t *testing.T) {
	amount := &catalog.Metric{Name: "gmv", Format: catalog.Currency}
	rate := &catalog.Metric{Name: "refund_rate", Format: catalog.Percent}
	tests := []struct {
		m              *catalog.Metric
		cur, old       float64
		hasCur, hasOld bool
		lang, want     string
	}{
		{amount, 110, 100, true, true, "en", "+10.0%"},
		{amount, 90, 100, true, true, "zh", "-10.0%"},
		{amount, 99.9999, 100, true, true, "en", "0.0%"},
		{amount, 5, -10, true, true, "en", "+150.0%"},
		{amount, 5, 0, true, true, "en", "—"},
		{amount, 5, 1, true, false, "en", "—"},
		{rate, 0.032, 0.030, true, true, "en", "+0.2 pp"},
		{rate, 0.0320, 0.03204, true, true, "zh", "0.00个百分点"},
		{rate, 0.028, 0.030, true, true, "zh", "-0.2个百分点"},
	}
	for _, tc := range tests {
		if got := change(tc.m, tc.cur, tc.old, tc.hasCur, tc.hasOld, tc.lang); got != tc.want {
			t.Errorf("change(%s, %v, %v): got %q, want %q", tc.m.Name, tc.cur, tc.old, got, tc.want)
		}
	}
}
