// Package sqlstore is the SQL the SQLite and PostgreSQL stores share.
//
// Both backends speak the same statements ($n placeholders, INSERT ... ON CONFLICT, RETURNING)
// against tables of the same names and columns; they differ in how they open, in their DDL
// (store/sqlite keeps times as integer microseconds, store/postgres as timestamptz), in row
// locking, and in which driver errors are worth retrying. A Dialect carries those differences.
// Callers use the store/sqlite and store/postgres packages, never this one directly.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/metricbot/metricbot/internal/store"
)

// Dialect describes what differs between the SQL backends.
type Dialect struct {
	// Time converts a time to the value bound for a timestamp column.
	Time func(time.Time) any
	// ForUpdate is appended to a SELECT to lock its rows inside a transaction ("" on SQLite,
	// whose write transactions already hold the database lock).
	ForUpdate string
	// Classify marks driver errors worth retrying with store.Temporary.
	Classify func(error) error
}

// Store implements the store methods over one database handle. It is safe for concurrent use,
// and several Stores (in one process or many) may share a database.
type Store struct {
	db      *sqlx.DB
	dialect Dialect
	now     func() time.Time
}

// New returns a Store over db. now is the clock for timestamps and leases.
func New(db *sqlx.DB, d Dialect, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, dialect: d, now: now}
}

// DB returns the underlying handle.
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the database handle.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) ts(t time.Time) any { return s.dialect.Time(store.Timestamp(t)) }

func (s *Store) clock() time.Time { return store.Timestamp(s.now()) }

// fail wraps err with what the store was doing and marks it retryable when the dialect says so.
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w", op, s.dialect.Classify(err))
}

// inTx runs fn in a transaction and commits it.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Time is a timestamp column read from either backend: integer microseconds (SQLite) or a
// time (PostgreSQL).
type Time struct{ time.Time }

// Scan implements sql.Scanner.
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case int64:
		t.Time = time.UnixMicro(v).UTC()
	case time.Time:
		t.Time = store.Timestamp(v)
	default:
		return fmt.Errorf("scan timestamp: unsupported type %T", src)
	}
	return nil
}

func affected(res sql.Result) (int64, error) {
	return res.RowsAffected()
}

// ---- conversations ----

type conversationRow struct {
	Platform  string `db:"platform"`
	Workspace string `db:"workspace"`
	Channel   string `db:"channel"`
	Thread    string `db:"thread"`
	Turns     string `db:"turns"`
	LastQuery string `db:"last_query"`
	UpdatedAt Time   `db:"updated_at"`
}

// SaveConversation stores c under its key, replacing what was there, and stamps UpdatedAt.
func (s *Store) SaveConversation(ctx context.Context, c store.Conversation) error {
	turns := make([]store.Turn, len(c.Turns))
	for i, t := range c.Turns {
		t.At = store.Timestamp(t.At)
		turns[i] = t
	}
	tb, err := json.Marshal(turns)
	if err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO conversations (platform, workspace, channel, thread, turns, last_query, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (platform, workspace, channel, thread) DO UPDATE
		SET turns = excluded.turns, last_query = excluded.last_query, updated_at = excluded.updated_at`,
		c.Key.Platform, c.Key.Workspace, c.Key.Channel, c.Key.Thread, string(tb), string(c.LastQuery), s.ts(s.clock()))
	return s.fail("save conversation", err)
}

// Conversation returns the conversation of a thread, or store.ErrNotFound.
func (s *Store) Conversation(ctx context.Context, key store.ThreadKey) (store.Conversation, error) {
	var r conversationRow
	err := s.db.GetContext(ctx, &r, `SELECT platform, workspace, channel, thread, turns, last_query, updated_at
		FROM conversations WHERE platform = $1 AND workspace = $2 AND channel = $3 AND thread = $4`,
		key.Platform, key.Workspace, key.Channel, key.Thread)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Conversation{}, s.fail("load conversation", err)
	}
	c := store.Conversation{Key: key, UpdatedAt: r.UpdatedAt.Time}
	if err := json.Unmarshal([]byte(r.Turns), &c.Turns); err != nil {
		return store.Conversation{}, fmt.Errorf("load conversation: decode turns: %w", err)
	}
	for i := range c.Turns {
		c.Turns[i].At = store.Timestamp(c.Turns[i].At)
	}
	if r.LastQuery != "" {
		c.LastQuery = json.RawMessage(r.LastQuery)
	}
	return c, nil
}

// ---- chat events ----

type eventRow struct {
	Platform     string `db:"platform"`
	EventID      string `db:"event_id"`
	Status       string `db:"status"`
	Attempts     int    `db:"attempts"`
	ClaimedUntil Time   `db:"claimed_until"`
	UpdatedAt    Time   `db:"updated_at"`
}

// ClaimEvent claims a chat event for processing. It returns true for exactly one caller: the
// first one, or, when that claimer's lease ran out before it marked the event answered, the
// first caller after that. The claim is durable when ClaimEvent returns.
func (s *Store) ClaimEvent(ctx context.Context, key store.EventKey, lease time.Duration) (bool, error) {
	now := s.clock()
	until := now.Add(lease)
	res, err := s.db.ExecContext(ctx, `INSERT INTO events (platform, event_id, status, attempts, claimed_until, updated_at)
		VALUES ($1, $2, 'claimed', 1, $3, $4) ON CONFLICT (platform, event_id) DO NOTHING`,
		key.Platform, key.EventID, s.ts(until), s.ts(now))
	if err != nil {
		return false, s.fail("claim event", err)
	}
	if n, err := affected(res); err != nil || n == 1 {
		return n == 1, s.fail("claim event", err)
	}
	res, err = s.db.ExecContext(ctx, `UPDATE events SET attempts = attempts + 1, claimed_until = $3, updated_at = $4
		WHERE platform = $1 AND event_id = $2 AND status = 'claimed' AND claimed_until <= $4`,
		key.Platform, key.EventID, s.ts(until), s.ts(now))
	if err != nil {
		return false, s.fail("reclaim event", err)
	}
	n, err := affected(res)
	return n == 1, s.fail("reclaim event", err)
}

// MarkAnswered records that the reply to a claimed event was sent, so it is never processed
// again. Marking an answered event again is not an error; marking an unknown one is
// store.ErrNotFound.
func (s *Store) MarkAnswered(ctx context.Context, key store.EventKey) error {
	res, err := s.db.ExecContext(ctx, `UPDATE events SET status = 'answered', updated_at = $3
		WHERE platform = $1 AND event_id = $2`, key.Platform, key.EventID, s.ts(s.clock()))
	if err != nil {
		return s.fail("mark event answered", err)
	}
	n, err := affected(res)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return s.fail("mark event answered", err)
}

// Event returns the processing record of an event, or store.ErrNotFound.
func (s *Store) Event(ctx context.Context, key store.EventKey) (store.Event, error) {
	var r eventRow
	err := s.db.GetContext(ctx, &r, `SELECT platform, event_id, status, attempts, claimed_until, updated_at
		FROM events WHERE platform = $1 AND event_id = $2`, key.Platform, key.EventID)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Event{}, s.fail("load event", err)
	}
	return store.Event{Key: key, Status: store.EventStatus(r.Status), Attempts: r.Attempts,
		ClaimedUntil: r.ClaimedUntil.Time, UpdatedAt: r.UpdatedAt.Time}, nil
}

// ---- subscriptions and deliveries ----

type subscriptionRow struct {
	ID        int64  `db:"id"`
	Platform  string `db:"platform"`
	Channel   string `db:"channel"`
	User      string `db:"user_id"`
	Metrics   string `db:"metrics"`
	Cron      string `db:"cron"`
	TimeZone  string `db:"time_zone"`
	Language  string `db:"language"`
	CreatedBy string `db:"created_by"`
	CreatedAt Time   `db:"created_at"`
}

// CreateSubscription stores sub and returns it with its ID and CreatedAt set.
func (s *Store) CreateSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error) {
	if sub.Metrics == nil {
		sub.Metrics = []string{}
	}
	mb, err := json.Marshal(sub.Metrics)
	if err != nil {
		return store.Subscription{}, fmt.Errorf("create subscription: %w", err)
	}
	sub.CreatedAt = s.clock()
	err = s.db.QueryRowContext(ctx, `INSERT INTO subscriptions (platform, channel, user_id, metrics, cron, time_zone, language, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		sub.Platform, sub.Channel, sub.User, string(mb), sub.Cron, sub.TimeZone, sub.Language, sub.CreatedBy, s.ts(sub.CreatedAt)).Scan(&sub.ID)
	if err != nil {
		return store.Subscription{}, s.fail("create subscription", err)
	}
	return sub, nil
}

// Subscriptions returns all subscriptions, oldest first.
func (s *Store) Subscriptions(ctx context.Context) ([]store.Subscription, error) {
	var rows []subscriptionRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, platform, channel, user_id, metrics, cron, time_zone, language, created_by, created_at
		FROM subscriptions ORDER BY id`); err != nil {
		return nil, s.fail("list subscriptions", err)
	}
	subs := make([]store.Subscription, 0, len(rows))
	for _, r := range rows {
		sub := store.Subscription{ID: store.SubscriptionID(r.ID), Platform: r.Platform, Channel: r.Channel, User: r.User,
			Cron: r.Cron, TimeZone: r.TimeZone, Language: r.Language, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.Time}
		if err := json.Unmarshal([]byte(r.Metrics), &sub.Metrics); err != nil {
			return nil, fmt.Errorf("list subscriptions: decode metrics of %d: %w", r.ID, err)
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// DeleteSubscription removes a subscription; its deliveries stay as history. Deleting an
// unknown one is store.ErrNotFound.
func (s *Store) DeleteSubscription(ctx context.Context, id store.SubscriptionID) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = $1`, int64(id))
	if err != nil {
		return s.fail("delete subscription", err)
	}
	n, err := affected(res)
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	return s.fail("delete subscription", err)
}

type deliveryRow struct {
	Subscription int64  `db:"subscription_id"`
	Slot         Time   `db:"slot"`
	Status       string `db:"status"`
	Late         bool   `db:"late"`
	Holder       string `db:"holder"`
	Attempts     int    `db:"attempts"`
	Detail       string `db:"detail"`
	ClaimedUntil Time   `db:"claimed_until"`
	UpdatedAt    Time   `db:"updated_at"`
}

// ClaimDelivery claims the delivery of a subscription for one slot time on behalf of holder.
// It returns true for exactly one caller across replicas: the first, or the first after the
// holder's lease ran out without a result, or the first after a failed attempt.
func (s *Store) ClaimDelivery(ctx context.Context, sub store.SubscriptionID, slot time.Time, holder string, late bool, lease time.Duration) (bool, error) {
	if holder == "" {
		return false, errors.New("claim delivery: empty holder")
	}
	now := s.clock()
	until := now.Add(lease)
	res, err := s.db.ExecContext(ctx, `INSERT INTO deliveries (subscription_id, slot, status, late, holder, attempts, detail, claimed_until, updated_at)
		VALUES ($1, $2, 'claimed', $3, $4, 1, '', $5, $6) ON CONFLICT (subscription_id, slot) DO NOTHING`,
		int64(sub), s.ts(slot), late, holder, s.ts(until), s.ts(now))
	if err != nil {
		return false, s.fail("claim delivery", err)
	}
	if n, err := affected(res); err != nil || n == 1 {
		return n == 1, s.fail("claim delivery", err)
	}
	res, err = s.db.ExecContext(ctx, `UPDATE deliveries
		SET status = 'claimed', late = $3, holder = $4, attempts = attempts + 1, claimed_until = $5, updated_at = $6
		WHERE subscription_id = $1 AND slot = $2
		AND ((status = 'claimed' AND claimed_until <= $6) OR status = 'failed')`,
		int64(sub), s.ts(slot), late, holder, s.ts(until), s.ts(now))
	if err != nil {
		return false, s.fail("reclaim delivery", err)
	}
	n, err := affected(res)
	return n == 1, s.fail("reclaim delivery", err)
}

// FinishDelivery records the outcome (sent or failed) of a delivery claimed by holder. It is
// store.ErrConflict when holder no longer holds the claim, and a no-op when the same outcome was
// already recorded by the same holder (so a retried call is safe).
func (s *Store) FinishDelivery(ctx context.Context, sub store.SubscriptionID, slot time.Time, holder string, status store.DeliveryStatus, detail string) error {
	if status != store.DeliverySent && status != store.DeliveryFailed {
		return fmt.Errorf("finish delivery: status %q is not sent or failed", status)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE deliveries SET status = $4, detail = $5, updated_at = $6
		WHERE subscription_id = $1 AND slot = $2 AND holder = $3 AND (status = 'claimed' OR (status = $4 AND detail = $5))`,
		int64(sub), s.ts(slot), holder, string(status), detail, s.ts(s.clock()))
	if err != nil {
		return s.fail("finish delivery", err)
	}
	n, err := affected(res)
	if err != nil || n == 1 {
		return s.fail("finish delivery", err)
	}
	if _, err := s.Delivery(ctx, sub, slot); err != nil {
		return err
	}
	return s.fail("finish delivery", fmt.Errorf("%w: %s does not hold the claim", store.ErrConflict, holder))
}

// Delivery returns the delivery of a subscription for a slot, or store.ErrNotFound.
func (s *Store) Delivery(ctx context.Context, sub store.SubscriptionID, slot time.Time) (store.Delivery, error) {
	var r deliveryRow
	err := s.db.GetContext(ctx, &r, `SELECT subscription_id, slot, status, late, holder, attempts, detail, claimed_until, updated_at
		FROM deliveries WHERE subscription_id = $1 AND slot = $2`, int64(sub), s.ts(slot))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Delivery{}, s.fail("load delivery", err)
	}
	return store.Delivery{Subscription: store.SubscriptionID(r.Subscription), Slot: r.Slot.Time,
		Status: store.DeliveryStatus(r.Status), Late: r.Late, Holder: r.Holder, Attempts: r.Attempts,
		Detail: r.Detail, ClaimedUntil: r.ClaimedUntil.Time, UpdatedAt: r.UpdatedAt.Time}, nil
}

// ---- scheduled work ----

// ClaimSlot claims one run of a scheduled job (an alert check, an escalation, a weekly review)
// for the slot time on behalf of holder. It returns true for exactly one caller across replicas:
// the first, or the first after the holder's lease ran out before it called FinishSlot. A
// finished slot is never claimed again.
func (s *Store) ClaimSlot(ctx context.Context, job string, slot time.Time, holder string, lease time.Duration) (bool, error) {
	if holder == "" {
		return false, errors.New("claim slot: empty holder")
	}
	now := s.clock()
	until := now.Add(lease)
	res, err := s.db.ExecContext(ctx, `INSERT INTO slots (job, slot, status, holder, attempts, claimed_until, updated_at)
		VALUES ($1, $2, 'claimed', $3, 1, $4, $5) ON CONFLICT (job, slot) DO NOTHING`,
		job, s.ts(slot), holder, s.ts(until), s.ts(now))
	if err != nil {
		return false, s.fail("claim slot", err)
	}
	if n, err := affected(res); err != nil || n == 1 {
		return n == 1, s.fail("claim slot", err)
	}
	res, err = s.db.ExecContext(ctx, `UPDATE slots SET holder = $3, attempts = attempts + 1, claimed_until = $4, updated_at = $5
		WHERE job = $1 AND slot = $2 AND status = 'claimed' AND claimed_until <= $5`,
		job, s.ts(slot), holder, s.ts(until), s.ts(now))
	if err != nil {
		return false, s.fail("reclaim slot", err)
	}
	n, err := affected(res)
	return n == 1, s.fail("reclaim slot", err)
}

// FinishSlot marks a slot claimed by holder as done. It is store.ErrConflict when holder does
// not hold it, and a no-op when holder already finished it.
func (s *Store) FinishSlot(ctx context.Context, job string, slot time.Time, holder string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE slots SET status = 'done', updated_at = $4
		WHERE job = $1 AND slot = $2 AND holder = $3`, job, s.ts(slot), holder, s.ts(s.clock()))
	if err != nil {
		return s.fail("finish slot", err)
	}
	n, err := affected(res)
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: %s does not hold %s at %s", store.ErrConflict, holder, job, slot.UTC().Format(time.RFC3339))
	}
	return s.fail("finish slot", err)
}

// ---- embeddings cache ----

// CachedEmbeddings returns the cached vectors among hashes; missing hashes are absent from the map.
func (s *Store) CachedEmbeddings(ctx context.Context, hashes []string) (map[string][]float32, error) {
	out := make(map[string][]float32, len(hashes))
	for start := 0; start < len(hashes); start += 500 {
		chunk := hashes[start:min(start+500, len(hashes))]
		args := make([]any, len(chunk))
		for i, h := range chunk {
			args[i] = h
		}
		rows, err := s.db.QueryContext(ctx, `SELECT hash, vector FROM embeddings WHERE hash IN (`+placeholders(1, len(chunk))+`)`, args...)
		if err != nil {
			return nil, s.fail("read embeddings", err)
		}
		for rows.Next() {
			var h string
			var b []byte
			if err := rows.Scan(&h, &b); err != nil {
				rows.Close()
				return nil, s.fail("read embeddings", err)
			}
			out[h] = decodeVector(b)
		}
		if err := rows.Close(); err != nil {
			return nil, s.fail("read embeddings", err)
		}
		if err := rows.Err(); err != nil {
			return nil, s.fail("read embeddings", err)
		}
	}
	return out, nil
}

// CacheEmbeddings stores vectors by content hash, replacing any with the same hash.
func (s *Store) CacheEmbeddings(ctx context.Context, vecs map[string][]float32) error {
	now := s.ts(s.clock())
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		for h, v := range vecs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO embeddings (hash, vector, created_at) VALUES ($1, $2, $3)
				ON CONFLICT (hash) DO UPDATE SET vector = excluded.vector`, h, encodeVector(v), now); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail("cache embeddings", err)
}

func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// placeholders returns "$from, $from+1, ..." for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}
