package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/catalog"
)

// recordingPoster is a bot.Poster that records what it is asked to post.
type recordingPoster struct {
	mu    sync.Mutex
	posts []bot.Destination
	heads []string
}

func (p *recordingPoster) Post(_ context.Context, to bot.Destination, r bot.Reply) (bot.Posted, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts = append(p.posts, to)
	p.heads = append(p.heads, r.Headline)
	ch := to.Channel
	if ch == "" {
		ch = "D-" + to.User
	}
	return bot.Posted{Platform: to.Platform, Channel: ch, Thread: strings.Repeat("1", len(p.posts))}, nil
}

// TestAlertJobs runs serve's daily alert check on the demo for 2026-11-18: the planted 华东 / 小程序
// gmv drop is raised once, posted to its owner's direct messages and the metric's channel, and
// a second run of the same slot posts nothing more.
func TestAlertJobs(t *testing.T) {
	ctx := context.Background()
	c := &common{config: configFile, demoEnd: "2026-11-30"}
	a, err := c.load(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if err := a.openWarehouse(ctx, c); err != nil {
		t.Fatal(err)
	}
	a.cfg.DataDir = t.TempDir() // a state store of its own
	st, err := openState(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	a.state = st
	a.cfg.Alerts.Enabled = true
	loc := a.catalogs.Current().Location
	now := func() time.Time { return time.Date(2026, 11, 19, 9, 0, 0, 0, loc) }
	post := &recordingPoster{}
	loop, err := newAlertLoop(a, st, map[bot.Platform]bot.Poster{bot.Slack: post}, now)
	if err != nil {
		t.Fatal(err)
	}
	jobs := loop.jobs()
	if jobs[0].Name != "alert-check" || jobs[0].Spec != "0 9 * * *" {
		t.Fatalf("jobs: %+v", jobs[0])
	}
	if err := jobs[0].Run(ctx, now()); err != nil {
		t.Fatal(err)
	}
	var dm, channel bool
	for i, to := range post.posts {
		if strings.Contains(post.heads[i], "华东") && strings.Contains(post.heads[i], "小程序") {
			dm = dm || to.User == "U0WANGFANG"
			channel = channel || to.Channel == "#sales-metrics"
		}
	}
	if !dm || !channel {
		t.Fatalf("the 华东 / 小程序 alert did not reach both the owner and the channel: %v %q", post.posts, post.heads)
	}
	n := len(post.posts)
	if err := loop.check(ctx, catalog.NewDate(2026, 11, 18)); err != nil {
		t.Fatal(err)
	}
	if len(post.posts) != n {
		t.Errorf("a second check of the same day posted %d more messages", len(post.posts)-n)
	}
}
