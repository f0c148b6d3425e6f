package nlq

import (
	"strings"
	"testing"

	"github.com/metricbot/metricbot/catalog"
)

// The general language rules added after the first development-set run, each on both catalogs
// where the second one has the words for it.

func TestParseGeneralDemo(t *testing.T) {
	p, c := loadParser(t, "../internal/demo/catalog", demoValues)
	gmv := func(r catalog.TimeRange) *catalog.Query { return &catalog.Query{Metrics: []string{"gmv"}, Range: r} }
	lastWeekByChannel := &catalog.Query{Metrics: []string{"order_count"}, GroupBy: []string{"channel"}, Range: rng("2026-11-23", "2026-11-30")}
	cases := []parseCase{
		// Two steps back: the week, month, day before the previous one.
		{q: "上上周销售额", kind: Answer, want: gmv(rng("2026-11-16", "2026-11-23"))},
		{q: "上上个月销售额", kind: Answer, want: gmv(rng("2026-10-01", "2026-11-01"))},
		{q: "大前天销售额", kind: Answer, want: gmv(rng("2026-11-28", "2026-11-29"))},
		{q: "GMV the week before last", kind: Answer, want: gmv(rng("2026-11-16", "2026-11-23"))},
		{q: "前年销售额", kind: Answer, want: gmv(rng("2024-01-01", "2025-01-01"))},
		{q: "上上周呢", prev: lastWeekByChannel, kind: Answer, want: &catalog.Query{Metrics: []string{"order_count"}, GroupBy: []string{"channel"},
			Range: rng("2026-11-16", "2026-11-23")}},
		// Catalog events, and 当天 after a date means that day.
		{q: "双11当天销售额", kind: Answer, want: gmv(rng("2026-11-11", "2026-11-12"))},
		{q: "Singles' Day GMV", kind: Answer, want: gmv(rng("2026-11-11", "2026-11-12"))},
		{q: "6月18日当天GMV", kind: Answer, want: gmv(rng("2026-06-18", "2026-06-19"))},
		// A cumulative metric's window implies the period.
		{q: "本月累计销售额", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv_mtd"}, Range: rng("2026-12-01", "2026-12-02")}},
		{q: "GMV MTD", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv_mtd"}, Range: rng("2026-12-01", "2026-12-02")}},
		// A measure word after a ranking count introduces the dimension.
		{q: "11月转化率最低的3家门店", kind: Answer, want: &catalog.Query{Metrics: []string{"conversion_rate"}, GroupBy: []string{"store"}, Range: nov,
			OrderBy: []catalog.Order{{By: "conversion_rate"}}, Limit: 3}},
		// 各 + a time unit is a trend by that grain.
		{q: "去年各季度销售额", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv"}, Grain: catalog.Quarter, Range: rng("2025-01-01", "2026-01-01")}},
		{q: "今年各月订单数", kind: Answer, want: &catalog.Query{Metrics: []string{"order_count"}, Grain: catalog.Month, Range: rng("2026-01-01", "2026-12-02")}},
		// 前一个月 is the previous period.
		{q: "上个月客单价 vs 前一个月", kind: Answer, want: &catalog.Query{Metrics: []string{"aov"}, Range: nov, Compare: catalog.PreviousPeriod}},
		{q: "上个月客单价和前一个月比", kind: Answer, want: &catalog.Query{Metrics: []string{"aov"}, Range: nov, Compare: catalog.PreviousPeriod}},
		// A value followed by a dimension word is a filter, not a breakdown.
		{q: "线上渠道近7天GMV", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv"}, Range: last7,
			Filters: []catalog.Filter{{Dimension: "channel_type", Op: catalog.OpIn, Values: []string{"线上"}}}}},
		{q: "华东各省的销售额占比 上个月", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"province"}, Range: nov, Share: true,
			Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东"}}}}},
		{q: "华东城市销售额排名 上个月", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"city"}, Range: nov,
			OrderBy: []catalog.Order{{By: "gmv", Desc: true}}, Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东"}}}}},
		// A filter that contradicts the metric's definition is refused.
		{q: "上个月已取消的订单数", kind: Refuse},
		{q: "cancelled orders last month", kind: Refuse},
		{q: "上个月已支付的订单数", kind: Answer, want: &catalog.Query{Metrics: []string{"order_count"}, Range: nov,
			Filters: []catalog.Filter{{Dimension: "order_status", Op: catalog.OpIn, Values: []string{"paid"}}}}},
		// Values set against each other are broken down; listed together they are one total.
		{q: "华东和华南上个月销售额对比", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"region"}, Range: nov,
			Filters: []catalog.Filter{{Dimension: "region", Op: catalog.OpIn, Values: []string{"华东", "华南"}}}}},
		{q: "GMV Tmall vs JD last month", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"channel"}, Range: nov,
			Filters: []catalog.Filter{{Dimension: "channel", Op: catalog.OpIn, Values: []string{"天猫", "京东"}}}}},
		{q: "京东和抖音上个月的销量", kind: Answer, want: &catalog.Query{Metrics: []string{"units"}, Range: nov,
			Filters: []catalog.Filter{{Dimension: "channel", Op: catalog.OpIn, Values: []string{"京东", "抖音"}}}}},
		// A condition on a metric's value applies to the metric next to the number, and needs
		// groups to keep.
		{q: "gmv of stores with more than 500 orders last month", kind: Answer, want: &catalog.Query{Metrics: []string{"gmv", "order_count"},
			GroupBy: []string{"store"}, Range: nov, Having: []catalog.Having{{Metric: "order_count", Op: catalog.GT, Value: 500}}}},
		{q: "gmv with more than 500 orders last month", kind: Refuse},
		// A metric that cannot reach a dimension is refused in people's words.
		{q: "上个月各品类的访客数", kind: Refuse, text: "访客数不能按品类拆分"},
		// Definition questions.
		{q: "活跃客户数是怎么统计的", kind: Define, def: "active_customers"},
		{q: "how do you count visitors?", kind: Define, def: "visitors"},
		{q: "how is AOV measured?", kind: Define, def: "aov"},
		// An English word that starts several metric names asks which.
		{q: "gross last month", kind: Clarify, opts: []string{"gmv", "gross_profit", "gross_margin"}},
		{q: "average by channel last month", kind: Clarify, opts: []string{"aov", "avg_item_price"}},
		// An unexplained word attached to a metric term changes it: refuse rather than answer.
		{q: "net profit this year", kind: Refuse},
		{q: "inventory turnover last month", kind: Refuse},
		{q: "今年净利润多少", kind: Refuse},
		// Typos: one CJK character after the first in a term of three or more; a three-letter
		// transposition; a misspelt multiword term read whole.
		{q: "销绣额 上个月", kind: Answer, want: gmv(nov)},
		{q: "gvm last month", kind: Answer, want: gmv(nov)},
		{q: "new custmers last month", kind: Answer, want: &catalog.Query{Metrics: []string{"new_customers"}, Range: nov}},
		// A term naming a metric and a value is a metric when listed with another metric.
		{q: "new customers and active customers in Q3", kind: Answer, want: &catalog.Query{Metrics: []string{"new_customers", "active_customers"},
			Range: rng("2026-07-01", "2026-10-01")}},
		// 再加个 adds a metric to the previous ones.
		{q: "再加个毛利", prev: lastWeekByChannel, kind: Answer, want: &catalog.Query{Metrics: []string{"order_count", "gross_profit"},
			GroupBy: []string{"channel"}, Range: rng("2026-11-23", "2026-11-30")}},
		{q: "那毛利呢", prev: lastWeekByChannel, kind: Answer, want: &catalog.Query{Metrics: []string{"gross_profit"},
			GroupBy: []string{"channel"}, Range: rng("2026-11-23", "2026-11-30")}},
	}
	runCases(t, p, c, cases)
}

func TestParseGeneralSaaS(t *testing.T) {
	p, c := loadParser(t, "testdata/saas", saasValues)
	mrr := func(r catalog.TimeRange) *catalog.Query { return &catalog.Query{Metrics: []string{"mrr"}, Range: r} }
	byPlan := &catalog.Query{Metrics: []string{"mrr"}, GroupBy: []string{"plan"}, Range: nov}
	cases := []parseCase{
		{q: "上上个月的MRR", kind: Answer, want: mrr(rng("2026-10-01", "2026-11-01"))},
		// Country names are generic bilingual knowledge: 德国 finds the stored "Germany".
		{q: "德国上个月的MRR", kind: Answer, want: &catalog.Query{Metrics: []string{"mrr"}, Range: nov,
			Filters: []catalog.Filter{{Dimension: "country", Op: catalog.OpIn, Values: []string{"Germany"}}}}},
		{q: "MRR the month before last", kind: Answer, want: mrr(rng("2026-10-01", "2026-11-01"))},
		{q: "黑五当天的MRR", kind: Answer, want: mrr(rng("2026-11-27", "2026-11-28"))},
		{q: "tickets in launch week", kind: Answer, want: &catalog.Query{Metrics: []string{"ticket_count"}, Range: rng("2026-09-14", "2026-09-19")}},
		{q: "年度累计订阅收入", kind: Answer, want: &catalog.Query{Metrics: []string{"mrr_ytd"}, Range: rng("2026-01-01", "2026-12-02")}},
		{q: "MRR YTD", kind: Answer, want: &catalog.Query{Metrics: []string{"mrr_ytd"}, Range: rng("2026-01-01", "2026-12-02")}},
		{q: "今年各月的MRR", kind: Answer, want: &catalog.Query{Metrics: []string{"mrr"}, Grain: catalog.Month, Range: rng("2026-01-01", "2026-12-02")}},
		{q: "上个月MRR和前一个月比", kind: Answer, want: &catalog.Query{Metrics: []string{"mrr"}, Range: nov, Compare: catalog.PreviousPeriod}},
		{q: "企业版套餐上个月的MRR", kind: Answer, want: &catalog.Query{Metrics: []string{"mrr"}, Range: nov,
			Filters: []catalog.Filter{{Dimension: "plan", Op: catalog.OpIn, Values: []string{"enterprise"}}}}},
		{q: "open solved tickets last month", kind: Refuse},
		{q: "上个月未解决的已解决工单数", kind: Refuse},
		{q: "付费客户数怎么统计", kind: Define, def: "paying_accounts"},
		{q: "how do you count paying accounts?", kind: Define, def: "paying_accounts"},
		{q: "average last week", kind: Clarify, opts: []string{"arpa", "avg_resolution"}},
		{q: "net MRR last month", kind: Refuse},
		{q: "订阅收人 上个月", kind: Answer, want: mrr(nov)},
		{q: "mmr last month", kind: Answer, want: mrr(nov)},
		{q: "再加个付费客户数", prev: byPlan, kind: Answer, want: &catalog.Query{Metrics: []string{"mrr", "paying_accounts"}, GroupBy: []string{"plan"}, Range: nov}},
		{q: "上个月工单数最多的3个国家", kind: Answer, want: &catalog.Query{Metrics: []string{"ticket_count"}, GroupBy: []string{"country"}, Range: nov,
			OrderBy: []catalog.Order{{By: "ticket_count", Desc: true}}, Limit: 3}},
	}
	runCases(t, p, c, cases)
}

// TestNotes checks the notes that say what was assumed or left out.
func TestNotes(t *testing.T) {
	p, _ := loadParser(t, "../internal/demo/catalog", demoValues)
	shareByRegion := &catalog.Query{Metrics: []string{"gmv"}, GroupBy: []string{"region"}, Range: nov, Share: true}
	tests := []struct {
		q    string
		prev *catalog.Query
		want string
	}{
		{"本月累计销售额", nil, "本月至今(2026-12-01)"},
		{"GMV MTD", nil, "month to date (2026-12-01)"},
		{"上周各大区新客数占比", nil, "占比只适用于可加总的指标"},
		{"new customers share by channel last month", nil, "share of total needs an additive metric"},
		{"那新客数呢", shareByRegion, "占比只适用于可加总的指标"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := p.Parse(tt.q, Context{Now: demoNow(), Previous: tt.prev})
			if !strings.Contains(strings.Join(got.Notes, "\n"), tt.want) {
				t.Errorf("Parse(%q).Notes = %q, want one containing %q", tt.q, got.Notes, tt.want)
			}
		})
	}
}

// TestFuzzyConfidence checks that typo corrections lower the confidence.
func TestFuzzyConfidence(t *testing.T) {
	p, _ := loadParser(t, "../internal/demo/catalog", demoValues)
	for _, q := range []string{"销绣额 上个月", "gvm last month", "new custmers last month"} {
		if got := p.Parse(q, Context{Now: demoNow()}); got.Confidence >= 1 {
			t.Errorf("Parse(%q).Confidence = %v, want below 1 for a typo", q, got.Confidence)
		}
	}
}
