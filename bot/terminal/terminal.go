// Package terminal is the command-line chat adapter: it reads questions line by line, hands them
// to the conversation engine as one thread, and prints each reply as text. It is the same engine
// the Slack and Lark adapters use, so follow-ups behave the same.
package terminal

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/internal/format"
)

// Options configure a Session.
type Options struct {
	// ChartDir, if set, receives each reply's chart as chart-N.png.
	ChartDir string
	// Timeout bounds the wait for one reply (default two minutes).
	Timeout time.Duration
	// User names the person at the terminal (default "terminal").
	User string
	// Now reads the clock; default time.Now.
	Now func() time.Time
}

// Session is one conversation thread at the terminal. It is not safe for concurrent use.
type Session struct {
	h      bot.Handler
	w      io.Writer
	opts   Options
	thread string
	n      int
}

// New starts a session that prints replies to w.
func New(h bot.Handler, w io.Writer, opts Options) *Session {
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.User == "" {
		opts.User = "terminal"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Session{h: h, w: w, opts: opts, thread: strconv.FormatInt(opts.Now().UnixNano(), 36)}
}

// responder delivers the reply of one question back to the session.
type responder struct{ got chan bot.Reply }

func (r responder) Reply(_ context.Context, rep bot.Reply) error {
	select {
	case r.got <- rep:
	default: // a second reply to the same question: keep the first
	}
	return nil
}

// Ask sends one line to the engine and prints its reply.
func (s *Session) Ask(ctx context.Context, text string) error {
	s.n++
	out := responder{got: make(chan bot.Reply, 1)}
	m := bot.Message{
		EventID: fmt.Sprintf("terminal-%s-%d", s.thread, s.n), Platform: bot.Terminal, Workspace: "local",
		Channel: "terminal", Thread: s.thread, MessageID: strconv.Itoa(s.n), User: s.opts.User, Text: text,
		Direct: true, Time: s.opts.Now(),
	}
	if err := s.h.HandleMessage(ctx, m, out); err != nil && err != bot.ErrBusy {
		return err
	}
	select {
	case rep := <-out.got:
		return s.print(rep)
	case <-time.After(s.opts.Timeout):
		return fmt.Errorf("no answer within %s", s.opts.Timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Session) print(r bot.Reply) error {
	if err := Render(s.w, r); err != nil {
		return err
	}
	if r.Chart != nil && s.opts.ChartDir != "" {
		p := filepath.Join(s.opts.ChartDir, fmt.Sprintf("chart-%d.png", s.n))
		if err := os.WriteFile(p, r.Chart.PNG, 0o644); err != nil {
			return fmt.Errorf("write chart: %w", err)
		}
		fmt.Fprintf(s.w, "[chart: %s]\n", p)
	}
	return nil
}

// Render writes a reply as plain text: headline, paragraphs, table, small print and the buttons
// a chat platform would show.
func Render(w io.Writer, r bot.Reply) error {
	var b strings.Builder
	b.WriteString(r.Headline + "\n")
	for _, t := range r.Text {
		b.WriteString(t + "\n")
	}
	if r.Table != nil {
		b.WriteString("\n" + format.Table(r.Table.Columns, r.Table.Rows, r.Table.Numeric) + "\n")
	}
	if len(r.Context) > 0 {
		b.WriteString("\n")
		for _, c := range r.Context {
			b.WriteString("  " + c + "\n")
		}
	}
	if r.Ref != "" && !strings.Contains(r.Headline, r.Ref) {
		b.WriteString("  ref " + r.Ref + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
