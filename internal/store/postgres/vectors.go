package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pgvector/pgvector-go"

	"github.com/metricbot/metricbot/internal/retrieve"
)

// ErrNoPgvector is returned by NewVectorIndex when the server cannot load the pgvector
// extension; callers fall back to an in-process index.
var ErrNoPgvector = errors.New("the pgvector extension is not available on this server")

// vectorLock is the advisory lock key held while creating the retrieval table.
const vectorLock = 0x6d62766563746f72

// VectorIndex is a retrieve.Index over pgvector: one row per item with its embedding in a
// vector(N) column, under one partial HNSW index per kind (cosine distance). Items whose text did
// not change keep their stored embedding. VectorIndex is safe for concurrent use and may be
// shared by replicas.
//
// Why partial indexes: a kind filter applied to one HNSW index over everything sees only the
// neighbours the scan produced. Iterative scan (hnsw.iterative_scan = relaxed_order, pgvector
// 0.8, also set here) keeps scanning until k rows pass the filter, but gives up after
// hnsw.max_scan_tuples (20,000): at 10,000 metrics and 100,000 values a metric search from a
// question that looks like a value returned 0 of 10 rows. With one index per kind the filter
// is the index itself, and a search over several kinds merges one scan per kind.
//
// The table is created at start-up rather than by a numbered migration because its column
// type depends on the embedding model's dimensions; a table built for other dimensions is
// refused with a message saying how to rebuild it.
type VectorIndex struct {
	db       *sqlx.DB
	embed    retrieve.Embedder
	dims     int
	efSearch int
}

var _ retrieve.Index = (*VectorIndex)(nil)

// NewVectorIndex prepares the retrieval table in the store's database for dims-dimensional
// embeddings computed by e. It returns an error wrapping ErrNoPgvector when the extension is
// missing.
func NewVectorIndex(ctx context.Context, s *Store, e retrieve.Embedder, dims int, log *slog.Logger) (*VectorIndex, error) {
	if dims <= 0 || dims > 2000 {
		return nil, fmt.Errorf("open vector index: %d dimensions; HNSW supports 1 to 2000", dims)
	}
	if log == nil {
		log = slog.Default()
	}
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open vector index: %w", classify(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(vectorLock)); err != nil {
		return nil, fmt.Errorf("open vector index: %w", classify(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(vectorLock))

	if _, err := conn.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS vector`); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && (pqErr.Code == "0A000" || pqErr.Code == "58P01" || pqErr.Code == "42501") {
			// feature_not_supported / undefined_file: not installed; insufficient_privilege.
			return nil, fmt.Errorf("open vector index: %w: %v", ErrNoPgvector, err)
		}
		return nil, fmt.Errorf("open vector index: create extension: %w", classify(err))
	}
	var have sql.NullInt64
	err = conn.QueryRowContext(ctx, `SELECT a.atttypmod FROM pg_attribute a
		WHERE a.attrelid = to_regclass('retrieval_items') AND a.attname = 'embedding'`).Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		ddl := fmt.Sprintf(`CREATE TABLE retrieval_items (
			kind       TEXT NOT NULL,
			key        TEXT NOT NULL,
			body       TEXT NOT NULL,
			text_hash  TEXT NOT NULL,
			payload    TEXT NOT NULL,
			embedding  vector(%d) NOT NULL,
			updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
			PRIMARY KEY (kind, key));`, dims) + IndexDDL()
		if _, err := conn.ExecContext(ctx, ddl); err != nil {
			return nil, fmt.Errorf("open vector index: create table: %w", classify(err))
		}
		log.Info("retrieval table created", "dims", dims)
	case err != nil:
		return nil, fmt.Errorf("open vector index: %w", classify(err))
	case int(have.Int64) != dims:
		return nil, fmt.Errorf("open vector index: retrieval_items holds %d-dimensional vectors but the embedder gives %d: DROP TABLE retrieval_items to rebuild it for the new model", have.Int64, dims)
	}
	return &VectorIndex{db: s.DB(), embed: e, dims: dims, efSearch: 100}, nil
}

// kinds are the item kinds the index keeps, each under its own partial HNSW index.
var kinds = []retrieve.Kind{retrieve.KindMetric, retrieve.KindDimension, retrieve.KindValue, retrieve.KindExample}

func knownKind(k retrieve.Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// IndexDDL returns the statements that create the per-kind HNSW indexes, e.g. to rebuild them
// after a bulk load into a table whose indexes were dropped (building once is much faster than
// inserting 100,000 rows into the graph one by one).
func IndexDDL() string {
	var b strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&b, "\nCREATE INDEX IF NOT EXISTS retrieval_items_%s ON retrieval_items USING hnsw (embedding vector_cosine_ops) WHERE kind = '%s';", k, k)
	}
	return b.String()
}

func textHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:16])
}

// Upsert embeds the items whose text is new or changed and writes all of them in one
// transaction, through COPY into a staging table.
func (v *VectorIndex) Upsert(ctx context.Context, items []retrieve.Item) error {
	if len(items) == 0 {
		return nil
	}
	items = lastPerKey(items)
	stored, err := v.storedHashes(ctx, items)
	if err != nil {
		return err
	}
	var todo []int
	var texts []string
	for i, it := range items {
		if !knownKind(it.Kind) {
			return fmt.Errorf("upsert retrieval items: %q has unknown kind %q", it.Key, it.Kind)
		}
		if stored[itemID(it)] != textHash(it.Text) {
			todo = append(todo, i)
			texts = append(texts, it.Text)
		}
	}
	vecs := make([][]float32, len(items))
	if len(texts) > 0 {
		got, err := v.embed.Embed(ctx, texts)
		if err != nil {
			return fmt.Errorf("upsert retrieval items: embed %d texts: %w", len(texts), err)
		}
		if len(got) != len(texts) {
			return fmt.Errorf("upsert retrieval items: got %d vectors for %d texts", len(got), len(texts))
		}
		for j, i := range todo {
			if len(got[j]) != v.dims {
				return fmt.Errorf("upsert retrieval items: embedding of %s %q has %d dimensions, want %d", items[i].Kind, items[i].Key, len(got[j]), v.dims)
			}
			vecs[i] = got[j]
		}
	}
	return v.write(ctx, items, vecs)
}

// Load writes items with embeddings computed elsewhere (e.g. a bulk import), replacing rows
// with the same kind and key.
func (v *VectorIndex) Load(ctx context.Context, items []retrieve.Item, vecs [][]float32) error {
	if len(items) != len(vecs) {
		return fmt.Errorf("load retrieval items: %d items but %d vectors", len(items), len(vecs))
	}
	for _, it := range items {
		if !knownKind(it.Kind) {
			return fmt.Errorf("load retrieval items: %q has unknown kind %q", it.Key, it.Kind)
		}
	}
	return v.write(ctx, items, vecs)
}

// write stores items; a nil vector keeps the stored embedding and only refreshes the payload.
func (v *VectorIndex) write(ctx context.Context, items []retrieve.Item, vecs [][]float32) error {
	tx, err := v.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upsert retrieval items: %w", classify(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE retrieval_staging (
		kind TEXT, key TEXT, body TEXT, text_hash TEXT, payload TEXT, embedding TEXT) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("upsert retrieval items: %w", classify(err))
	}
	stmt, err := tx.PrepareContext(ctx, `COPY retrieval_staging (kind, key, body, text_hash, payload, embedding) FROM STDIN`)
	if err != nil {
		return fmt.Errorf("upsert retrieval items: %w", classify(err))
	}
	for i, it := range items {
		var emb any
		if vecs[i] != nil {
			emb = pgvector.NewVector(vecs[i]).String()
		}
		if _, err := stmt.ExecContext(ctx, string(it.Kind), it.Key, it.Text, textHash(it.Text), string(it.Payload), emb); err != nil {
			stmt.Close()
			return fmt.Errorf("upsert retrieval items: copy: %w", classify(err))
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		stmt.Close()
		return fmt.Errorf("upsert retrieval items: copy: %w", classify(err))
	}
	if err := stmt.Close(); err != nil {
		return fmt.Errorf("upsert retrieval items: copy: %w", classify(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO retrieval_items (kind, key, body, text_hash, payload, embedding)
		SELECT kind, key, body, text_hash, payload, embedding::vector FROM retrieval_staging WHERE embedding IS NOT NULL
		ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body, text_hash = excluded.text_hash,
			payload = excluded.payload, embedding = excluded.embedding, updated_at = now()`); err != nil {
		return fmt.Errorf("upsert retrieval items: %w", classify(err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE retrieval_items r SET payload = s.payload, updated_at = now()
		FROM retrieval_staging s WHERE s.embedding IS NULL AND r.kind = s.kind AND r.key = s.key AND r.payload <> s.payload`); err != nil {
		return fmt.Errorf("upsert retrieval items: %w", classify(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upsert retrieval items: commit: %w", classify(err))
	}
	return nil
}

func itemID(it retrieve.Item) string { return string(it.Kind) + "\x00" + it.Key }

// lastPerKey keeps the last of items sharing a kind and key, as repeated upserts would.
func lastPerKey(items []retrieve.Item) []retrieve.Item {
	last := make(map[string]int, len(items))
	for i, it := range items {
		last[itemID(it)] = i
	}
	if len(last) == len(items) {
		return items
	}
	out := make([]retrieve.Item, 0, len(last))
	for i, it := range items {
		if last[itemID(it)] == i {
			out = append(out, it)
		}
	}
	return out
}

func (v *VectorIndex) storedHashes(ctx context.Context, items []retrieve.Item) (map[string]string, error) {
	kinds := make([]string, len(items))
	keys := make([]string, len(items))
	for i, it := range items {
		kinds[i], keys[i] = string(it.Kind), it.Key
	}
	rows, err := v.db.QueryContext(ctx, `SELECT r.kind, r.key, r.text_hash FROM retrieval_items r
		JOIN unnest($1::text[], $2::text[]) AS u(kind, key) ON r.kind = u.kind AND r.key = u.key`,
		pq.Array(kinds), pq.Array(keys))
	if err != nil {
		return nil, fmt.Errorf("upsert retrieval items: read stored hashes: %w", classify(err))
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var kind, key, hash string
		if err := rows.Scan(&kind, &key, &hash); err != nil {
			return nil, fmt.Errorf("upsert retrieval items: read stored hashes: %w", classify(err))
		}
		out[kind+"\x00"+key] = hash
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("upsert retrieval items: read stored hashes: %w", classify(err))
	}
	return out, nil
}

// Search embeds query and returns the k nearest items, restricted to kinds when given.
func (v *VectorIndex) Search(ctx context.Context, query string, k int, kinds ...retrieve.Kind) ([]retrieve.Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	qv, err := v.embed.Embed(ctx, []string{query})
	if err != nil {
		return nil, fmt.Errorf("search retrieval items: embed query: %w", err)
	}
	if len(qv) != 1 || len(qv[0]) != v.dims {
		return nil, fmt.Errorf("search retrieval items: query embedding has the wrong shape")
	}
	return v.SearchVector(ctx, qv[0], k, kinds...)
}

// SearchVector returns the k items nearest to q by cosine distance, restricted to kinds when
// given. It runs one index scan per kind and merges them.
func (v *VectorIndex) SearchVector(ctx context.Context, q []float32, k int, only ...retrieve.Kind) ([]retrieve.Hit, error) {
	if len(only) == 0 {
		only = kinds
	}
	parts := make([]string, 0, len(only))
	for _, kd := range only {
		if !knownKind(kd) {
			return nil, fmt.Errorf("search retrieval items: unknown kind %q", kd)
		}
		// The kind is one of the constants above, written as a literal so the planner can
		// match the partial index.
		parts = append(parts, `(SELECT kind, key, body, payload, embedding <=> $1 AS distance FROM retrieval_items
			WHERE kind = '`+string(kd)+`' ORDER BY embedding <=> $1 LIMIT $2)`)
	}
	var hits []retrieve.Hit
	err := func() error {
		tx, err := v.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback()
		// relaxed_order may return rows slightly out of order; the outer ORDER BY restores it.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SET LOCAL hnsw.iterative_scan = relaxed_order; SET LOCAL hnsw.ef_search = %d`, min(max(v.efSearch, k), 1000))); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT kind, key, body, payload, distance FROM (`+strings.Join(parts, " UNION ALL ")+`) nearest
			ORDER BY distance, kind, key LIMIT $2`, pgvector.NewVector(q), k)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it retrieve.Item
			var kind, payload string
			var dist float64
			if err := rows.Scan(&kind, &it.Key, &it.Text, &payload, &dist); err != nil {
				return err
			}
			it.Kind = retrieve.Kind(kind)
			if payload != "" {
				it.Payload = []byte(payload)
			}
			hits = append(hits, retrieve.Hit{Item: it, Score: 1 - dist})
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("search retrieval items: %w", classify(err))
	}
	if hits == nil {
		hits = []retrieve.Hit{}
	}
	return hits, nil
}

// Explain returns PostgreSQL's plan for a filtered search, for tests and operators checking
// that the HNSW index is used.
func (v *VectorIndex) Explain(ctx context.Context, k int, kind retrieve.Kind) (string, error) {
	if !knownKind(kind) {
		return "", fmt.Errorf("explain retrieval search: unknown kind %q", kind)
	}
	q := make([]float32, v.dims)
	q[0] = 1
	rows, err := v.db.QueryContext(ctx, `EXPLAIN SELECT kind, key FROM retrieval_items WHERE kind = '`+string(kind)+`'
		ORDER BY embedding <=> $1 LIMIT $2`, pgvector.NewVector(q), k)
	if err != nil {
		return "", fmt.Errorf("explain retrieval search: %w", classify(err))
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line + "\n")
	}
	return b.String(), rows.Err()
}
