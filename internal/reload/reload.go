// Package reload keeps the catalog in force for a running process and reloads it when its files
// change or the process receives SIGHUP. A new catalog replaces the old one only after it has been
// validated completely; an invalid one is logged and the old one keeps serving.
package reload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/metricbot/metricbot/catalog"
)

// Watcher holds the current catalog of a directory. It is safe for concurrent use.
type Watcher struct {
	dir     string
	log     *slog.Logger
	current atomic.Pointer[catalog.Catalog]
	// debounce is how long to wait after a file event for more events (editors write in
	// several steps).
	debounce time.Duration
	// reloaded, if set, is called after every reload attempt (tests use it instead of sleeping).
	reloaded func(error)
	// ready, if set, is closed once Run watches files and signals.
	ready chan struct{}
}

// New loads the catalog in dir. It fails when the catalog is invalid: a process must not start
// without a valid catalog.
func New(dir string, log *slog.Logger) (*Watcher, error) {
	c, err := catalog.Load(dir)
	if err != nil {
		return nil, err
	}
	w := &Watcher{dir: dir, log: log, debounce: 200 * time.Millisecond}
	w.current.Store(c)
	return w, nil
}

// Current returns the catalog in force.
func (w *Watcher) Current() *catalog.Catalog { return w.current.Load() }

// Reload loads and validates the catalog again. On success the new catalog is in force; on
// failure the old one stays and the error is returned.
func (w *Watcher) Reload() error {
	c, err := catalog.Load(w.dir)
	if err != nil {
		w.log.Error("catalog reload failed; keeping the previous catalog", "dir", w.dir, "err", err)
	} else {
		w.current.Store(c)
		w.log.Info("catalog reloaded", "dir", w.dir, "metrics", len(c.Metrics), "dimensions", len(c.Dimensions))
	}
	if w.reloaded != nil {
		w.reloaded(err)
	}
	return err
}

// Run watches the directory (and its subdirectories) and SIGHUP until ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch catalog: %w", err)
	}
	defer fw.Close()
	err = filepath.WalkDir(w.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return fw.Add(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("watch catalog %s: %w", w.dir, err)
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if w.ready != nil {
		close(w.ready)
	}

	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			w.log.Info("SIGHUP: reloading catalog", "dir", w.dir)
			_ = w.Reload()
		case ev, ok := <-fw.Events:
			if !ok {
				return errors.New("watch catalog: watcher closed")
			}
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
					_ = fw.Add(ev.Name)
				}
			}
			if !relevant(ev.Name) {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(w.debounce)
			} else {
				timer.Reset(w.debounce)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			_ = w.Reload()
		case err, ok := <-fw.Errors:
			if !ok {
				return errors.New("watch catalog: watcher closed")
			}
			w.log.Warn("catalog watcher error", "err", err)
		}
	}
}

func relevant(name string) bool {
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}
