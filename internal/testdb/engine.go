package testdb

import (
	"context"
	"testing"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
)

// OpenPG returns an ore.DB on a fresh PostgreSQL schema for t, closed when
// t ends.
func OpenPG(t testing.TB, opts ore.Options) *ore.DB {
	t.Helper()
	drv, err := postgres.NewDriver(PGSchema(t), postgres.Options{})
	if err != nil {
		t.Fatalf("postgres driver: %v", err)
	}
	return open(t, drv, opts)
}

// OpenSQLite returns an ore.DB on a fresh in-memory SQLite database for t,
// closed when t ends.
func OpenSQLite(t testing.TB, opts ore.Options) *ore.DB {
	t.Helper()
	drv, err := sqlite.NewDriver(":memory:", sqlite.Options{})
	if err != nil {
		t.Fatalf("sqlite driver: %v", err)
	}
	return open(t, drv, opts)
}

func open(t testing.TB, drv ore.Driver, opts ore.Options) *ore.DB {
	t.Helper()
	db, err := ore.Open(context.Background(), drv, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// ForEachDB runs body once on PostgreSQL and once on SQLite, as subtests
// named "postgres" and "sqlite", each on a fresh database.
func ForEachDB(t *testing.T, opts ore.Options, body func(t *testing.T, db *ore.DB)) {
	t.Helper()
	t.Run("postgres", func(t *testing.T) { body(t, OpenPG(t, opts)) })
	t.Run("sqlite", func(t *testing.T) { body(t, OpenSQLite(t, opts)) })
}
