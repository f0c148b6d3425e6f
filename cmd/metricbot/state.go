package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/metricbot/metricbot/bot"
	"github.com/metricbot/metricbot/internal/answer"
	"github.com/metricbot/metricbot/internal/digest"
	"github.com/metricbot/metricbot/internal/store/postgres"
	"github.com/metricbot/metricbot/internal/store/sqlite"
)

// stateStore is the state the commands use.
type stateStore interface {
	bot.Store
	answer.AlertSource
	digest.SubscriptionStore
	scheduleStore
	examples
	Close() error
}

var (
	_ stateStore = (*sqlite.Store)(nil)
	_ stateStore = (*postgres.Store)(nil)
)

// openState opens the configured state store: PostgreSQL when state.dsn is set, else the
// embedded SQLite file state.db in the data directory. An unreachable store is an error: the bot
// must not start without its memory.
func openState(ctx context.Context, a *app) (stateStore, error) {
	log := a.log.With("component", "state")
	if dsn := a.cfg.State.DSN.Reveal(); dsn != "" {
		st, err := postgres.Open(ctx, dsn, postgres.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("open state store: %w", err)
		}
		return st, nil
	}
	if err := os.MkdirAll(a.cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(a.cfg.DataDir, "state.db"), sqlite.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open state store: %w", err)
	}
	return st, nil
}
