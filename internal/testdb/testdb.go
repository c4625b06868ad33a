// Package testdb gives tests real databases: a fresh PostgreSQL schema per
// test on the server named by ORE_PG_DSN, and a fresh in-memory SQLite
// database per test.
//
// PostgreSQL tests skip when the server cannot be reached, unless
// ORE_REQUIRE_PG is set (as CI sets it), in which case they fail.
package testdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DefaultPGDSN is the server tests use when ORE_PG_DSN is not set.
const DefaultPGDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// EnvPGDSN names the PostgreSQL server for tests; EnvRequirePG, when set,
// turns an unreachable server from a skip into a failure.
const (
	EnvPGDSN     = "ORE_PG_DSN"
	EnvRequirePG = "ORE_REQUIRE_PG"
)

// PGDSN returns the DSN of the test server.
func PGDSN() string {
	if dsn := os.Getenv(EnvPGDSN); dsn != "" {
		return dsn
	}
	return DefaultPGDSN
}

var (
	pgOnce sync.Once
	pgErr  error
)

// RequirePG skips (or, under ORE_REQUIRE_PG, fails) t unless the test
// server is reachable.
func RequirePG(t testing.TB) {
	t.Helper()
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, PGDSN())
		if err != nil {
			pgErr = err
			return
		}
		pgErr = conn.Ping(ctx)
		conn.Close(ctx)
	})
	if pgErr == nil {
		return
	}
	if os.Getenv(EnvRequirePG) != "" {
		t.Fatalf("PostgreSQL required (%s is set) but not reachable at %s: %v", EnvRequirePG, PGDSN(), pgErr)
	}
	t.Skipf("PostgreSQL not reachable at %s (set %s): %v", PGDSN(), EnvPGDSN, pgErr)
}

var schemaSeq atomic.Int64

// PGSchema creates a fresh schema for t and returns a DSN whose connections
// use it as their search path. The schema is dropped when t ends. Each call
// makes a new schema, so tests (and test binaries) never share one.
func PGSchema(t testing.TB) string {
	t.Helper()
	RequirePG(t)
	schema := schemaName(t.Name())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, PGDSN())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE; CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), PGDSN())
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(PGDSN(), schema)
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// schemaName returns a schema name unique to this process and call, with
// the test's name in it for whoever looks at the server meanwhile.
func schemaName(test string) string {
	base := unsafeChars.ReplaceAllString(strings.ToLower(test), "_")
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d/%d/%d", test, os.Getpid(), schemaSeq.Add(1), time.Now().UnixNano()))
	suffix := hex.EncodeToString(sum[:5])
	if len(base) > 40 {
		base = base[:40]
	}
	return "t_" + base + "_" + suffix
}

func withSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		// Keyword/value form.
		return dsn + " search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// PGPool returns a pgx pool on a fresh schema for t, closed when t ends.
func PGPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dsn := PGSchema(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatalf("pgxpool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

var memSeq atomic.Int64

// SQLiteDSN returns the DSN of a fresh in-memory database that every
// connection opening the same DSN in this process shares, with foreign keys
// on.
func SQLiteDSN(t testing.TB) string {
	name := unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_")
	return fmt.Sprintf("file:/%s_%d_%d?vfs=memdb&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_time_format=sqlite",
		name, os.Getpid(), memSeq.Add(1))
}

// SQLite returns a database/sql handle on a fresh in-memory SQLite
// database, closed when t ends.
func SQLite(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", SQLiteDSN(t))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	// The memdb database lives while a connection holds it.
	db.SetMaxIdleConns(4)
	db.SetConnMaxLifetime(0)
	if err := db.Ping(); err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
