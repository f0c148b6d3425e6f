package terminal

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metricbot/metricbot/bot"
)

// echo answers each message with its text and thread, and a chart.
type echo struct{ threads []string }

func (e *echo) HandleMessage(ctx context.Context, m bot.Message, out bot.Responder) error {
	e.threads = append(e.threads, m.Thread)
	return out.Reply(ctx, bot.Reply{Headline: "got " + m.Text, Chart: &bot.Image{PNG: []byte("png")},
		Table:   &bot.Table{Columns: []string{"大区", "销售额"}, Rows: [][]string{{"华东", "280万元"}}, Numeric: []bool{false, true}},
		Context: []string{"期间: 2026-11-01 至 2026-11-30"}})
}

func (e *echo) HandleAction(context.Context, bot.Action, bot.Responder) error { return nil }

func TestSession(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	h := &echo{}
	s := New(h, &out, Options{ChartDir: dir, Now: func() time.Time { return time.Unix(1, 0) }})
	for _, q := range []string{"上个月销售额", "按大区"} {
		if err := s.Ask(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	want := "got 上个月销售额\n\n大区   销售额\n华东  280万元\n\n  期间: 2026-11-01 至 2026-11-30\n[chart: " + filepath.Join(dir, "chart-1.png") + "]\n"
	if got := out.String(); !strings.HasPrefix(got, want) {
		t.Errorf("got\n%s\nwant prefix\n%s", got, want)
	}
	if h.threads[0] != h.threads[1] {
		t.Errorf("questions went to threads %v; a session is one thread", h.threads)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "chart-2.png")); err != nil || string(b) != "png" {
		t.Errorf("chart file: %q, %v", b, err)
	}
}
