package reload

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

const good = `timezone: UTC
sources: [{name: f, table: f, primary_key: [id], time: day}]
metrics:
  - {name: %s, label: x, description: x, type: simple, source: f, agg: count}
`

func writeCatalog(t *testing.T, dir, metric string) {
	t.Helper()
	body := []byte(sprintf(good, metric))
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), body, 0o644); err != nil {
		t.Fatal(err)
	}
}

func sprintf(f, s string) string { return fmt.Sprintf(f, s) }

// TestReload checks that a valid change is picked up, an invalid one keeps the old catalog, and
// SIGHUP reloads.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	writeCatalog(t, dir, "first")
	w, err := New(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.debounce = time.Millisecond
	results := make(chan error, 10)
	w.reloaded = func(err error) { results <- err }
	w.ready = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	<-w.ready
	await := func() error {
		select {
		case err := <-results:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("no reload within 10s")
		}
		return nil
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := await(); err != nil {
		t.Fatalf("SIGHUP reload: %v", err)
	}

	writeCatalog(t, dir, "second")
	for {
		if err := await(); err != nil {
			t.Fatalf("reload after a valid edit: %v", err)
		}
		if _, ok := w.Current().Metric("second"); ok {
			break
		}
	}

	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("metrics: [{name: Bad}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := await(); err == nil {
		t.Fatal("reload of an invalid catalog: got no error")
	}
	if _, ok := w.Current().Metric("second"); !ok {
		t.Fatal("invalid catalog replaced the previous one")
	}
}
