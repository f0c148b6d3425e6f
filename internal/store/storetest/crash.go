package storetest

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metricbot/metricbot/internal/store"
)

// CrashLease is the lease CrashSteps claims work with.
const CrashLease = 2 * time.Minute

// Keys and values CrashSteps writes and VerifyAfterCrash looks for.
var (
	crashAnswered = store.EventKey{Platform: "slack", EventID: "EvAnswered"}
	crashPending  = store.EventKey{Platform: "slack", EventID: "EvPending"}
	crashSlot     = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	crashNote     = "华东支付故障, 14:00 修复"
)

// CrashSteps does the work of a replica that is about to die: it answers one event fully,
// claims a second without answering it, writes a cause note, acknowledges an alert and claims
// a digest delivery without finishing it. Every call returns only after its write committed.
func CrashSteps(t *testing.T, s Store) {
	t.Helper()
	if !must(s.ClaimEvent(ctx(t), crashAnswered, CrashLease))(t) {
		t.Fatal("crash steps: claim answered event: got false")
	}
	check(t, s.MarkAnswered(ctx(t), crashAnswered))
	if !must(s.ClaimEvent(ctx(t), crashPending, CrashLease))(t) {
		t.Fatal("crash steps: claim pending event: got false")
	}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a, _, err := s.RaiseAlert(ctx(t), newAlert(day, `{"region":"华东"}`))
	check(t, err)
	must(s.SetAlertStatus(ctx(t), a.ID, store.AlertAcknowledged, "ou_owner", ""))(t)
	must(s.AddCauseNote(ctx(t), store.CauseNote{Alert: a.ID, Metric: "gmv", PeriodStart: day, PeriodEnd: day.Add(24 * time.Hour), Author: "ou_owner", Text: crashNote}))(t)
	sub := must(s.CreateSubscription(ctx(t), store.Subscription{Platform: "slack", Channel: "C1", Metrics: []string{"gmv"}, Cron: "0 9 * * *", TimeZone: "UTC"}))(t)
	if !must(s.ClaimDelivery(ctx(t), sub.ID, crashSlot, "crashed-replica", false, CrashLease))(t) {
		t.Fatal("crash steps: claim delivery: got false")
	}
}

// VerifyAfterCrash checks, through two fresh replicas opened after CrashLease, that everything
// CrashSteps wrote survived and that unfinished work is handed out again exactly once while
// finished work is not.
func VerifyAfterCrash(t *testing.T, a, b Store) {
	t.Helper()
	notes := must(a.CauseNotes(ctx(t), "gmv", time.Time{}, time.Time{}))(t)
	if len(notes) != 1 || notes[0].Text != crashNote {
		t.Errorf("cause notes after crash: got %+v, want one with text %q", notes, crashNote)
	}
	alerts := must(a.Alerts(ctx(t), store.AlertFilter{Metric: "gmv"}))(t)
	if len(alerts) != 1 || alerts[0].Status != store.AlertAcknowledged {
		t.Fatalf("alerts after crash: got %+v, want one acknowledged", alerts)
	}
	hist := must(a.AlertHistory(ctx(t), alerts[0].ID))(t)
	if got := len(hist); got != 2 {
		t.Errorf("alert history after crash: got %d entries, want 2", got)
	}
	subs := must(a.Subscriptions(ctx(t)))(t)
	if len(subs) != 1 {
		t.Fatalf("subscriptions after crash: got %d, want 1", len(subs))
	}

	type claim struct {
		name string
		fn   func(s Store) (bool, error)
		want []bool // results for a, then b
	}
	claims := []claim{
		{"answered event", func(s Store) (bool, error) { return s.ClaimEvent(ctx(t), crashAnswered, time.Minute) }, []bool{false, false}},
		{"pending event", func(s Store) (bool, error) { return s.ClaimEvent(ctx(t), crashPending, time.Minute) }, []bool{true, false}},
		{"delivery", func(s Store) (bool, error) {
			return s.ClaimDelivery(ctx(t), subs[0].ID, crashSlot, "survivor", true, time.Minute)
		}, []bool{true, false}},
	}
	for _, c := range claims {
		var got []bool
		for _, s := range []Store{a, b} {
			got = append(got, must(c.fn(s))(t))
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s after crash (-want +got):\n%s", c.name, diff)
		}
	}
	ev := must(b.Event(ctx(t), crashPending))(t)
	if ev.Attempts != 2 {
		t.Errorf("pending event attempts: got %d, want 2", ev.Attempts)
	}
}

const crashEnv = "METRICBOT_STORETEST_CRASH_TARGET"

// OpenTarget opens a Store on the database named by target (a file path or a DSN).
type OpenTarget func(t *testing.T, target string, now func() time.Time) Store

// RunKilled runs CrashSteps in a child process (this test binary, re-run for the calling test
// only) that then kills itself with SIGKILL: no deferred function, no Close, no flush. The
// parent then opens target after the lease and runs VerifyAfterCrash. The calling test must
// be a top-level test.
func RunKilled(t *testing.T, target string, open OpenTarget) {
	if got := os.Getenv(crashEnv); got != "" {
		s := open(t, got, NewClock(T0).Now)
		CrashSteps(t, s)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // wait for the signal
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+target)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child process: got %v, want killed; output:\n%s", err, out)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child process: got %v, want killed by SIGKILL; output:\n%s", err, out)
	}
	now := NewClock(T0.Add(CrashLease + time.Second)).Now
	VerifyAfterCrash(t, open(t, target, now), open(t, target, now))
}
