package digest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/catalog"
	"github.com/metricbot/metricbot/internal/demo"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/store"
)

func demoCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := demo.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseSubscribe(t *testing.T) {
	c := demoCatalog(t)
	tests := []struct {
		text    string
		lang    string
		metrics []string
		cron    string
		user    string
		wantLng string
	}{
		{"subscribe 销售额 每天 9:00", "", []string{"gmv"}, "0 9 * * *", "", "zh"},
		{"/metric subscribe 销售额 每天 9:00", "", []string{"gmv"}, "0 9 * * *", "", "zh"},
		{"订阅 销售额 每周一 9点", "", []string{"gmv"}, "0 9 * * 1", "", "zh"},
		{"subscribe me to gmv weekly on Monday 9am", "", []string{"gmv"}, "0 9 * * 1", digest.Self, "en"},
		{"订阅 gmv,订单数 每月1号 10:00", "", []string{"gmv", "order_count"}, "0 10 1 * *", "", "zh"},
		{"订阅销售额和退款率每天早上8点半", "", []string{"gmv", "refund_rate"}, "30 8 * * *", "", "zh"},
		{"给我订阅 客单价 每周五 下午6点", "", []string{"aov"}, "0 18 * * 5", digest.Self, "zh"},
		{"订阅 销售额 每周日 21:30", "", []string{"gmv"}, "30 21 * * 0", "", "zh"},
		{"订阅 销售额 工作日 8:00", "", []string{"gmv"}, "0 8 * * 1-5", "", "zh"},
		{"subscribe gmv and conversion rate every weekday at 8:30", "", []string{"gmv", "conversion_rate"}, "30 8 * * 1-5", "", "en"},
		{"subscribe GMV orders daily at 7pm", "", []string{"gmv", "order_count"}, "0 19 * * *", "", "en"},
		{"subscribe gross margin monthly on the 15th 10am", "en", []string{"gross_margin"}, "0 10 15 * *", "", "en"},
		{"subscribe revenue every Friday", "", []string{"gmv"}, "0 9 * * 5", "", "en"},
		{"subscribe gmv", "", []string{"gmv"}, "0 9 * * *", "", "en"},
		{"subscribe refund_rate weekly", "zh", []string{"refund_rate"}, "0 9 * * 1", "", "zh"},
		{"订阅 销售额 每天 ９：００", "", []string{"gmv"}, "0 9 * * *", "", "zh"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got, err := digest.ParseSubscribe(tc.text, c, tc.lang)
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			want := store.Subscription{Metrics: tc.metrics, Cron: tc.cron, TimeZone: "Asia/Shanghai", Language: tc.wantLng, User: tc.user}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("subscription (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSubscribeErrors(t *testing.T) {
	c := demoCatalog(t)
	tests := []struct {
		text    string
		lang    string
		err     error
		message string
	}{
		{"subscribe me to gvm weekly on Monday 9am", "en", digest.ErrUnknownMetric, "I don't know the metric 'gvm' (did you mean gmv?)"},
		{"subscribe gmv daily 25:00", "en", digest.ErrBadTime, "I couldn't read the time '25:00'"},
		{"订阅 销售额 每天 25点", "zh", digest.ErrBadTime, "我看不懂时间「25点」"},
		{"订阅 销售额 每天 9:75", "zh", digest.ErrBadTime, "9:75"},
		{"subscribe gmv daily at 13pm", "en", digest.ErrBadTime, "'13pm'"},
		{"订阅 销售鹅 每天 9:00", "zh", digest.ErrUnknownMetric, "我不认识指标「销售鹅」 (你是不是想找 gmv"},
		{"subscribe daily 9:00", "en", digest.ErrNoMetric, "Which metric"},
		{"订阅 销售额 每月32号", "zh", digest.ErrBadSchedule, "每月1号"},
		{"subscribe gmv weekly on funday", "en", digest.ErrBadSchedule, "'funday'"},
		{"what is gmv", "en", digest.ErrNotSubscribe, ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			_, err := digest.ParseSubscribe(tc.text, c, tc.lang)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			var pe *digest.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T, want *digest.ParseError", err)
			}
			if got := pe.Message(tc.lang); !strings.Contains(got, tc.message) {
				t.Errorf("message: got %q, want it to contain %q", got, tc.message)
			}
		})
	}
}

func TestGrainOfAndDescribe(t *testing.T) {
	tests := []struct {
		spec   string
		grain  catalog.Grain
		zh, en string
	}{
		{"0 9 * * *", catalog.Day, "每天 09:00", "daily at 09:00"},
		{"30 8 * * 1-5", catalog.Day, "工作日 08:30", "weekdays at 08:30"},
		{"0 9 * * 1", catalog.Week, "每周一 09:00", "every Monday at 09:00"},
		{"CRON_TZ=Asia/Shanghai 0 9 * * 0", catalog.Week, "每周日 09:00", "every Sunday at 09:00"},
		{"0 10 1 * *", catalog.Month, "每月1日 10:00", "monthly on day 1 at 10:00"},
		{"@weekly", catalog.Week, "@weekly", "@weekly"},
		{"*/15 * * * *", catalog.Day, "*/15 * * * *", "*/15 * * * *"},
	}
	for _, tc := range tests {
		if got := digest.GrainOf(tc.spec); got != tc.grain {
			t.Errorf("GrainOf(%q): got %s, want %s", tc.spec, got, tc.grain)
		}
		if got := digest.Describe(tc.spec, "zh"); got != tc.zh {
			t.Errorf("Describe(%q, zh): got %q, want %q", tc.spec, got, tc.zh)
		}
		if got := digest.Describe(tc.spec, "en"); got != tc.en {
			t.Errorf("Describe(%q, en): got %q, want %q", tc.spec, got, tc.en)
		}
	}
}

func BenchmarkParseSubscribe(b *testing.B) {
	c := demoCatalog(b)
	for b.Loop() {
		if _, err := digest.ParseSubscribe("订阅 gmv,订单数 每月1号 10:00", c, ""); err != nil {
			b.Fatal(err)
		}
	}
}
