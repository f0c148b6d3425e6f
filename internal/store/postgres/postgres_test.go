package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/metricbot/metricbot/internal/store"
	"github.com/metricbot/metricbot/internal/store/postgres"
	"github.com/metricbot/metricbot/internal/store/storetest"
)

var (
	_     storetest.Store = (*postgres.Store)(nil)
	quiet                 = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// adminDSN is the server the store tests create their databases on.
func adminDSN() string {
	if dsn := os.Getenv("METRICBOT_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&connect_timeout=5"
}

// unavailable fails the test under CI and skips it loudly elsewhere.
func unavailable(t testing.TB, service string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI: %v", service, err)
	}
	t.Skipf("SKIPPING: %s is not reachable (%v); these tests need it and run in CI", service, err)
}

// freshDatabase creates an empty database with a unique name on the server of admin and
// returns a DSN for it; the database is dropped when the test ends.
func freshDatabase(t testing.TB, admin, service string) string {
	t.Helper()
	db, err := sql.Open("postgres", admin)
	if err == nil {
		err = db.PingContext(t.Context())
	}
	if err != nil {
		unavailable(t, service, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "mb_store_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(t.Context(), `CREATE DATABASE `+name); err != nil {
		db.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil || u.Scheme == "" {
		t.Fatalf("test DSN must be a URL: %q", admin)
	}
	u.Path = "/" + name
	return u.String()
}

func openDSN(t *testing.T, dsn string, now func() time.Time) storetest.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{Now: now, Logger: quiet, MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		dsn := freshDatabase(t, adminDSN(), "PostgreSQL at 127.0.0.1:5432")
		return func(t *testing.T, now func() time.Time) storetest.Store { return openDSN(t, dsn, now) }
	})
}

func TestKilledProcess(t *testing.T) {
	target := os.Getenv("METRICBOT_STORETEST_CRASH_TARGET")
	if target == "" {
		target = freshDatabase(t, adminDSN(), "PostgreSQL at 127.0.0.1:5432")
	}
	storetest.RunKilled(t, target, openDSN)
}

func TestReplicasMigrateTogether(t *testing.T) {
	dsn := freshDatabase(t, adminDSN(), "PostgreSQL at 127.0.0.1:5432")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(t.Context(), dsn, postgres.Options{Logger: quiet})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("open by a replica starting at the same time: %v", err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dsn := freshDatabase(t, adminDSN(), "PostgreSQL at 127.0.0.1:5432")
	s, err := postgres.Open(t.Context(), dsn, postgres.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (42, '0042_future.sql')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = postgres.Open(t.Context(), dsn, postgres.Options{Logger: quiet})
	var tooNew *store.SchemaTooNewError
	if !errors.As(err, &tooNew) || tooNew.Database != 42 || tooNew.Binary != 2 {
		t.Fatalf("open newer database: got %v, want SchemaTooNewError 42/2", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	tests := []struct {
		name, dsn, wantIn string
	}{
		{"url", "postgres://metricbot:s3cr3t-pw@127.0.0.1:1/state?sslmode=disable", "127.0.0.1:1/state"},
		{"key value", "host=127.0.0.1 port=1 user=metricbot password=s3cr3t-pw dbname=state sslmode=disable", "127.0.0.1:1/state"},
		{"unparsable", "postgres://metricbot:s3cr3t-pw@127.0.0.1:notaport/state", "cannot parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgres.Open(t.Context(), tt.dsn, postgres.Options{Logger: quiet, ConnectTimeout: time.Second})
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "open postgres store") || !strings.Contains(msg, tt.wantIn) {
				t.Errorf("got %q, want it to start with %q and name %q", msg, "open postgres store", tt.wantIn)
			}
			if strings.Contains(msg, "s3cr3t") {
				t.Errorf("error %q shows the password", msg)
			}
		})
	}
}

// proxy forwards TCP connections to a server and can be cut and restored, like a database
// that restarts or a network that fails.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, addr: "127.0.0.1:0", target: target}
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func TestStoreFailingWhileRunning(t *testing.T) {
	dsn := freshDatabase(t, adminDSN(), "PostgreSQL at 127.0.0.1:5432")
	u, _ := url.Parse(dsn)
	p := newProxy(t, u.Host)
	u.Host = p.addr
	s, err := postgres.Open(t.Context(), u.String(), postgres.Options{Logger: quiet, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	p.down() // the database goes away while the bot runs
	key := store.EventKey{Platform: "slack", EventID: "during-outage"}
	_, err = s.ClaimEvent(t.Context(), key, time.Minute)
	if !store.IsRetryable(err) {
		t.Fatalf("write during the outage: got %v, want a retryable error", err)
	}
	if _, err := s.Conversation(t.Context(), store.ThreadKey{Platform: "slack"}); !store.IsRetryable(err) {
		t.Errorf("read during the outage: got %v, want a retryable error", err)
	}

	var waits int
	r := store.Retrier{Sleep: func(context.Context, time.Duration) error {
		waits++
		if waits == 2 {
			p.up() // the database is back after two waits
		}
		return nil
	}}
	err = r.Do(t.Context(), func(ctx context.Context) error {
		_, err := s.ClaimEvent(ctx, key, time.Minute)
		return err
	})
	if err != nil {
		t.Fatalf("write retried across the outage: %v", err)
	}
	if waits != 2 {
		t.Errorf("got %d waits, want 2", waits)
	}
	if _, err := s.Event(t.Context(), key); err != nil {
		t.Errorf("event written after the outage: %v", err)
	}
}
