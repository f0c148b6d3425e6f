package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/metricbot/metricbot/internal/store"
)

const alertColumns = `id, rule, metric, slice, period_start, period_end, kind, value, expected_low, expected_high,
	status, owner, thread_ref, created_at, updated_at`

type alertRow struct {
	ID           int64   `db:"id"`
	Rule         string  `db:"rule"`
	Metric       string  `db:"metric"`
	Slice        string  `db:"slice"`
	PeriodStart  Time    `db:"period_start"`
	PeriodEnd    Time    `db:"period_end"`
	Kind         string  `db:"kind"`
	Value        float64 `db:"value"`
	ExpectedLow  float64 `db:"expected_low"`
	ExpectedHigh float64 `db:"expected_high"`
	Status       string  `db:"status"`
	Owner        string  `db:"owner"`
	ThreadRef    string  `db:"thread_ref"`
	CreatedAt    Time    `db:"created_at"`
	UpdatedAt    Time    `db:"updated_at"`
}

func (r alertRow) alert() store.Alert {
	return store.Alert{ID: store.AlertID(r.ID), Rule: r.Rule, Metric: r.Metric, Slice: json.RawMessage(r.Slice),
		PeriodStart: r.PeriodStart.Time, PeriodEnd: r.PeriodEnd.Time, Kind: r.Kind, Value: r.Value,
		ExpectedLow: r.ExpectedLow, ExpectedHigh: r.ExpectedHigh, Status: store.AlertStatus(r.Status),
		Owner: r.Owner, ThreadRef: r.ThreadRef, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
}

// RaiseAlert stores a new open alert unless one already exists for the same rule, slice and
// period start, in which case it returns that one and false. The slice is compared in canonical
// JSON form, so key order and spacing do not matter. The creation is recorded in the history.
func (s *Store) RaiseAlert(ctx context.Context, a store.Alert) (store.Alert, bool, error) {
	slice, err := store.CanonicalJSON(a.Slice)
	if err != nil {
		return store.Alert{}, false, fmt.Errorf("raise alert: slice: %w", err)
	}
	now := s.clock()
	var created bool
	var id int64
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO alerts (rule, metric, slice, period_start, period_end, kind, value,
			expected_low, expected_high, status, owner, thread_ref, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, $12)
			ON CONFLICT (rule, slice, period_start) DO NOTHING RETURNING id`,
			a.Rule, a.Metric, string(slice), s.ts(a.PeriodStart), s.ts(a.PeriodEnd), a.Kind, a.Value,
			a.ExpectedLow, a.ExpectedHigh, a.Owner, a.ThreadRef, s.ts(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // someone raised it first
		}
		if err != nil {
			return err
		}
		created = true
		_, err = tx.ExecContext(ctx, `INSERT INTO alert_changes (alert_id, from_status, to_status, actor, note, at)
			VALUES ($1, '', 'open', 'metricbot', '', $2)`, id, s.ts(now))
		return err
	})
	if err != nil {
		return store.Alert{}, false, s.fail("raise alert", err)
	}
	if !created {
		var r alertRow
		err := s.db.GetContext(ctx, &r, `SELECT `+alertColumns+` FROM alerts WHERE rule = $1 AND slice = $2 AND period_start = $3`,
			a.Rule, string(slice), s.ts(a.PeriodStart))
		if err != nil {
			return store.Alert{}, false, s.fail("raise alert: load existing", err)
		}
		return r.alert(), false, nil
	}
	got, err := s.Alert(ctx, store.AlertID(id))
	return got, true, err
}

// Alert returns an alert by ID, or store.ErrNotFound.
func (s *Store) Alert(ctx context.Context, id store.AlertID) (store.Alert, error) {
	var r alertRow
	err := s.db.GetContext(ctx, &r, `SELECT `+alertColumns+` FROM alerts WHERE id = $1`, int64(id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Alert{}, s.fail(fmt.Sprintf("load alert %d", id), err)
	}
	return r.alert(), nil
}

// Alerts returns the alerts that match f, newest first.
func (s *Store) Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error) {
	var where []string
	var args []any
	if f.Metric != "" {
		args = append(args, f.Metric)
		where = append(where, fmt.Sprintf("metric = $%d", len(args)))
	}
	if len(f.Status) > 0 {
		from := len(args) + 1
		for _, st := range f.Status {
			args = append(args, string(st))
		}
		where = append(where, "status IN ("+placeholders(from, len(f.Status))+")")
	}
	q := `SELECT ` + alertColumns + ` FROM alerts`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC"
	var rows []alertRow
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, s.fail("list alerts", err)
	}
	out := make([]store.Alert, len(rows))
	for i, r := range rows {
		out[i] = r.alert()
	}
	return out, nil
}

// SetAlertStatus moves an alert to a new status and records who did it and why, in one
// transaction. Setting the status it already has changes nothing, so a retried call is safe.
func (s *Store) SetAlertStatus(ctx context.Context, id store.AlertID, to store.AlertStatus, actor, note string) (store.Alert, error) {
	if !to.Valid() {
		return store.Alert{}, fmt.Errorf("set alert %d status: unknown status %q", id, to)
	}
	now := s.clock()
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var from string
		err := tx.QueryRowContext(ctx, `SELECT status FROM alerts WHERE id = $1`+s.dialect.ForUpdate, int64(id)).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if store.AlertStatus(from) == to {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET status = $2, updated_at = $3 WHERE id = $1`, int64(id), string(to), s.ts(now)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO alert_changes (alert_id, from_status, to_status, actor, note, at)
			VALUES ($1, $2, $3, $4, $5, $6)`, int64(id), from, string(to), actor, note, s.ts(now))
		return err
	})
	if err != nil {
		return store.Alert{}, s.fail(fmt.Sprintf("set alert %d status", id), err)
	}
	return s.Alert(ctx, id)
}

// SetAlertOwner reassigns an alert, e.g. on escalation.
func (s *Store) SetAlertOwner(ctx context.Context, id store.AlertID, owner string) error {
	return s.updateAlert(ctx, id, "owner", owner)
}

// SetAlertThread records the chat thread the alert was posted in.
func (s *Store) SetAlertThread(ctx context.Context, id store.AlertID, ref string) error {
	return s.updateAlert(ctx, id, "thread_ref", ref)
}

func (s *Store) updateAlert(ctx context.Context, id store.AlertID, column, value string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE alerts SET `+column+` = $2, updated_at = $3 WHERE id = $1`, int64(id), value, s.ts(s.clock()))
	if err != nil {
		return s.fail(fmt.Sprintf("set alert %d %s", id, column), err)
	}
	n, err := affected(res)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return s.fail(fmt.Sprintf("set alert %d %s", id, column), err)
}

type changeRow struct {
	Alert int64  `db:"alert_id"`
	From  string `db:"from_status"`
	To    string `db:"to_status"`
	Actor string `db:"actor"`
	Note  string `db:"note"`
	At    Time   `db:"at"`
}

// AlertHistory returns an alert's status changes, oldest first, starting with its creation.
func (s *Store) AlertHistory(ctx context.Context, id store.AlertID) ([]store.AlertChange, error) {
	var rows []changeRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT alert_id, from_status, to_status, actor, note, at
		FROM alert_changes WHERE alert_id = $1 ORDER BY id`, int64(id)); err != nil {
		return nil, s.fail(fmt.Sprintf("load alert %d history", id), err)
	}
	out := make([]store.AlertChange, len(rows))
	for i, r := range rows {
		out[i] = store.AlertChange{Alert: store.AlertID(r.Alert), From: store.AlertStatus(r.From), To: store.AlertStatus(r.To),
			Actor: r.Actor, Note: r.Note, At: r.At.Time}
	}
	return out, nil
}

// ---- cause notes and comments ----

type noteRow struct {
	ID          int64  `db:"id"`
	Alert       int64  `db:"alert_id"`
	Metric      string `db:"metric"`
	PeriodStart Time   `db:"period_start"`
	PeriodEnd   Time   `db:"period_end"`
	Author      string `db:"author"`
	Body        string `db:"body"`
	Source      string `db:"source"`
	CreatedAt   Time   `db:"created_at"`
}

const noteColumns = `id, alert_id, metric, period_start, period_end, author, body, source, created_at`

// AddCauseNote stores a cause note and returns it with its ID and CreatedAt set. It is durable
// when it returns. A note with a Source already stored for the same alert is not stored again:
// the stored one is returned, so a retried or redelivered write is safe.
func (s *Store) AddCauseNote(ctx context.Context, n store.CauseNote) (store.CauseNote, error) {
	if !n.PeriodEnd.After(n.PeriodStart) {
		return store.CauseNote{}, fmt.Errorf("add cause note: period end %s is not after start %s", n.PeriodEnd.Format(time.RFC3339), n.PeriodStart.Format(time.RFC3339))
	}
	n.CreatedAt = s.clock()
	n.PeriodStart, n.PeriodEnd = store.Timestamp(n.PeriodStart), store.Timestamp(n.PeriodEnd)
	err := s.db.QueryRowContext(ctx, `INSERT INTO cause_notes (alert_id, metric, period_start, period_end, author, body, source, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (alert_id, source) WHERE source <> '' DO NOTHING RETURNING id`,
		int64(n.Alert), n.Metric, s.ts(n.PeriodStart), s.ts(n.PeriodEnd), n.Author, n.Text, n.Source, s.ts(n.CreatedAt)).Scan(&n.ID)
	if errors.Is(err, sql.ErrNoRows) {
		got, err := s.notes(ctx, `SELECT `+noteColumns+` FROM cause_notes WHERE alert_id = $1 AND source = $2`, int64(n.Alert), n.Source)
		if err != nil || len(got) == 0 {
			return store.CauseNote{}, s.fail("add cause note: load the stored one", errors.Join(err, store.ErrNotFound))
		}
		return got[0], nil
	}
	if err != nil {
		return store.CauseNote{}, s.fail("add cause note", err)
	}
	return n, nil
}

// CauseNotes returns the notes on metric whose period overlaps [from, to), oldest first. A
// zero from or to leaves that side open.
func (s *Store) CauseNotes(ctx context.Context, metric string, from, to time.Time) ([]store.CauseNote, error) {
	q := `SELECT ` + noteColumns + ` FROM cause_notes WHERE metric = $1`
	args := []any{metric}
	if !to.IsZero() {
		args = append(args, s.ts(to))
		q += fmt.Sprintf(" AND period_start < $%d", len(args))
	}
	if !from.IsZero() {
		args = append(args, s.ts(from))
		q += fmt.Sprintf(" AND period_end > $%d", len(args))
	}
	return s.notes(ctx, q+" ORDER BY period_start, id", args...)
}

// AlertCauseNotes returns the notes written about an alert, oldest first.
func (s *Store) AlertCauseNotes(ctx context.Context, id store.AlertID) ([]store.CauseNote, error) {
	return s.notes(ctx, `SELECT `+noteColumns+` FROM cause_notes WHERE alert_id = $1 ORDER BY id`, int64(id))
}

func (s *Store) notes(ctx context.Context, q string, args ...any) ([]store.CauseNote, error) {
	var rows []noteRow
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, s.fail("list cause notes", err)
	}
	out := make([]store.CauseNote, len(rows))
	for i, r := range rows {
		out[i] = store.CauseNote{ID: r.ID, Alert: store.AlertID(r.Alert), Metric: r.Metric, PeriodStart: r.PeriodStart.Time,
			PeriodEnd: r.PeriodEnd.Time, Author: r.Author, Text: r.Body, Source: r.Source, CreatedAt: r.CreatedAt.Time}
	}
	return out, nil
}

type commentRow struct {
	ID        int64  `db:"id"`
	Alert     int64  `db:"alert_id"`
	Author    string `db:"author"`
	Body      string `db:"body"`
	Source    string `db:"source"`
	CreatedAt Time   `db:"created_at"`
}

// AddComment stores a comment on an alert and returns it with its ID and CreatedAt set. Like
// AddCauseNote, a comment whose Source is already stored for the alert is returned, not added.
func (s *Store) AddComment(ctx context.Context, c store.Comment) (store.Comment, error) {
	c.CreatedAt = s.clock()
	err := s.db.QueryRowContext(ctx, `INSERT INTO comments (alert_id, author, body, source, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (alert_id, source) WHERE source <> '' DO NOTHING RETURNING id`,
		int64(c.Alert), c.Author, c.Text, c.Source, s.ts(c.CreatedAt)).Scan(&c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		got, err := s.comments(ctx, `WHERE alert_id = $1 AND source = $2`, int64(c.Alert), c.Source)
		if err != nil || len(got) == 0 {
			return store.Comment{}, s.fail("add comment: load the stored one", errors.Join(err, store.ErrNotFound))
		}
		return got[0], nil
	}
	if err != nil {
		return store.Comment{}, s.fail("add comment", err)
	}
	return c, nil
}

// Comments returns the comments on an alert, oldest first.
func (s *Store) Comments(ctx context.Context, id store.AlertID) ([]store.Comment, error) {
	return s.comments(ctx, `WHERE alert_id = $1 ORDER BY id`, int64(id))
}

func (s *Store) comments(ctx context.Context, where string, args ...any) ([]store.Comment, error) {
	var rows []commentRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, alert_id, author, body, source, created_at FROM comments `+where, args...); err != nil {
		return nil, s.fail("list comments", err)
	}
	out := make([]store.Comment, len(rows))
	for i, r := range rows {
		out[i] = store.Comment{ID: r.ID, Alert: store.AlertID(r.Alert), Author: r.Author, Text: r.Body, Source: r.Source, CreatedAt: r.CreatedAt.Time}
	}
	return out, nil
}

// AddAlertThread records a chat thread the alert was posted in. Recording the same thread for
// the same alert again changes nothing; a thread already recorded for another alert is
// store.ErrConflict.
func (s *Store) AddAlertThread(ctx context.Context, t store.AlertThread) error {
	op := fmt.Sprintf("add thread %s:%s:%s to alert %d", t.Platform, t.Channel, t.Thread, t.Alert)
	if t.Platform == "" || t.Channel == "" || t.Thread == "" {
		return fmt.Errorf("%s: platform, channel and thread are all needed", op)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO alert_threads (platform, channel, thread, alert_id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (platform, channel, thread) DO NOTHING`,
		t.Platform, t.Channel, t.Thread, int64(t.Alert), s.ts(s.clock()))
	if err != nil {
		return s.fail(op, err)
	}
	got, err := s.AlertByThread(ctx, t.Platform, t.Channel, t.Thread)
	if err != nil {
		return err
	}
	if got.ID != t.Alert {
		return fmt.Errorf("%s: the thread belongs to alert %d: %w", op, got.ID, store.ErrConflict)
	}
	return nil
}

// AlertByThread returns the alert posted in a chat thread, or store.ErrNotFound.
func (s *Store) AlertByThread(ctx context.Context, platform, channel, thread string) (store.Alert, error) {
	var r alertRow
	err := s.db.GetContext(ctx, &r, `SELECT `+alertColumns+` FROM alerts WHERE id =
		(SELECT alert_id FROM alert_threads WHERE platform = $1 AND channel = $2 AND thread = $3)`,
		platform, channel, thread)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Alert{}, s.fail(fmt.Sprintf("find alert of thread %s:%s:%s", platform, channel, thread), err)
	}
	return r.alert(), nil
}

// AlertThreads returns the threads an alert was posted in, oldest first.
func (s *Store) AlertThreads(ctx context.Context, id store.AlertID) ([]store.AlertThread, error) {
	var rows []struct {
		Platform  string `db:"platform"`
		Channel   string `db:"channel"`
		Thread    string `db:"thread"`
		CreatedAt Time   `db:"created_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT platform, channel, thread, created_at FROM alert_threads
		WHERE alert_id = $1 ORDER BY created_at, platform, channel, thread`, int64(id)); err != nil {
		return nil, s.fail(fmt.Sprintf("list threads of alert %d", id), err)
	}
	out := make([]store.AlertThread, len(rows))
	for i, r := range rows {
		out[i] = store.AlertThread{Alert: id, Platform: r.Platform, Channel: r.Channel, Thread: r.Thread, CreatedAt: r.CreatedAt.Time}
	}
	return out, nil
}

// ---- question log and feedback ----

type questionRow struct {
	ID        int64  `db:"id"`
	Platform  string `db:"platform"`
	User      string `db:"user_id"`
	Channel   string `db:"channel"`
	Body      string `db:"body"`
	Query     string `db:"query"`
	Status    string `db:"status"`
	Path      string `db:"path"`
	LatencyUS int64  `db:"latency_us"`
	CreatedAt Time   `db:"created_at"`
}

func (r questionRow) question() store.Question {
	q := store.Question{ID: store.QuestionID(r.ID), Platform: r.Platform, User: r.User, Channel: r.Channel, Text: r.Body,
		Status: r.Status, Path: r.Path, Latency: time.Duration(r.LatencyUS) * time.Microsecond, CreatedAt: r.CreatedAt.Time}
	if r.Query != "" {
		q.Query = json.RawMessage(r.Query)
	}
	return q
}

const questionColumns = `q.id, q.platform, q.user_id, q.channel, q.body, q.query, q.status, q.path, q.latency_us, q.created_at`

// LogQuestion appends a question to the log and returns it with its ID and CreatedAt set.
func (s *Store) LogQuestion(ctx context.Context, q store.Question) (store.Question, error) {
	q.CreatedAt = s.clock()
	q.Latency = q.Latency.Truncate(time.Microsecond)
	err := s.db.QueryRowContext(ctx, `INSERT INTO questions (platform, user_id, channel, body, query, status, path, latency_us, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		q.Platform, q.User, q.Channel, q.Text, string(q.Query), q.Status, q.Path, q.Latency.Microseconds(), s.ts(q.CreatedAt)).Scan(&q.ID)
	if err != nil {
		return store.Question{}, s.fail("log question", err)
	}
	return q, nil
}

// Question returns a logged question, or store.ErrNotFound.
func (s *Store) Question(ctx context.Context, id store.QuestionID) (store.Question, error) {
	var r questionRow
	err := s.db.GetContext(ctx, &r, `SELECT `+questionColumns+` FROM questions q WHERE q.id = $1`, int64(id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Question{}, s.fail(fmt.Sprintf("load question %d", id), err)
	}
	return r.question(), nil
}

// RecordFeedback stores a user's vote on an answer, replacing that user's earlier vote.
func (s *Store) RecordFeedback(ctx context.Context, f store.Feedback) error {
	if f.Vote != store.VoteUp && f.Vote != store.VoteDown {
		return fmt.Errorf("record feedback: vote %d is not +1 or -1", f.Vote)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO feedback (question_id, user_id, vote, correction, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (question_id, user_id) DO UPDATE
		SET vote = excluded.vote, correction = excluded.correction, created_at = excluded.created_at`,
		int64(f.Question), f.User, int(f.Vote), f.Correction, s.ts(s.clock()))
	return s.fail("record feedback", err)
}

type feedbackRow struct {
	Question   int64  `db:"question_id"`
	User       string `db:"user_id"`
	Vote       int    `db:"vote"`
	Correction string `db:"correction"`
	CreatedAt  Time   `db:"created_at"`
}

// Feedback returns the votes on a question, in user order.
func (s *Store) Feedback(ctx context.Context, id store.QuestionID) ([]store.Feedback, error) {
	var rows []feedbackRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT question_id, user_id, vote, correction, created_at FROM feedback
		WHERE question_id = $1 ORDER BY user_id`, int64(id)); err != nil {
		return nil, s.fail("list feedback", err)
	}
	out := make([]store.Feedback, len(rows))
	for i, r := range rows {
		out[i] = store.Feedback{Question: store.QuestionID(r.Question), User: r.User, Vote: store.Vote(r.Vote),
			Correction: r.Correction, CreatedAt: r.CreatedAt.Time}
	}
	return out, nil
}

// VerifiedQuestions returns up to limit answered questions with a governed query whose votes
// add up to more thumbs up than down, newest first: the few-shot examples for the LLM planner.
func (s *Store) VerifiedQuestions(ctx context.Context, limit int) ([]store.Question, error) {
	var rows []questionRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+questionColumns+` FROM questions q
		JOIN (SELECT question_id, SUM(vote) AS score FROM feedback GROUP BY question_id) f ON f.question_id = q.id
		WHERE f.score > 0 AND q.query <> '' AND q.query <> 'null'
		ORDER BY q.created_at DESC, q.id DESC LIMIT $1`, limit); err != nil {
		return nil, s.fail("list verified questions", err)
	}
	out := make([]store.Question, len(rows))
	for i, r := range rows {
		out[i] = r.question()
	}
	return out, nil
}
