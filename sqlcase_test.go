package ore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/testdb"
)

// sqlCase is one statement with the SQL and arguments it must compile to on
// each database. Every case that compiles is also run on the real database
// (inside a transaction that is rolled back), so SQL that only looks right
// fails.
type sqlCase struct {
	name string
	stmt ore.Statement

	pg     string // expected PostgreSQL text; "" when compiling must fail
	sqlite string // expected SQLite text; "" when compiling must fail
	args   []any  // expected arguments on both databases
	// sqliteArgs, when non-nil, are SQLite's arguments where they differ.
	sqliteArgs []any

	pgErr     string // substring of the expected PostgreSQL compile error
	sqliteErr string // substring of the expected SQLite compile error

	params []ore.ParamValue // values for named parameters, to run the case
	// prepareOnly runs nothing: the statement is only prepared (PostgreSQL)
	// or stepped into an EXPLAIN (SQLite), for statements whose effect the
	// fixture data cannot absorb.
	prepareOnly bool
}

// testDialect is a database the SQL cases run on.
type testDialect struct {
	name    string
	dialect compile.Dialect
	run     func(t *testing.T, sql string, args []any, prepareOnly bool)
}

// runSQLCases checks every case on both databases.
func runSQLCases(t *testing.T, cases []sqlCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		require.Falsef(t, seen[c.name], "duplicate case name %q", c.name)
		seen[c.name] = true
	}
	for _, d := range testDialects(t) {
		t.Run(d.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { checkCase(t, d, c) })
			}
		})
	}
}

func checkCase(t *testing.T, d testDialect, c sqlCase) {
	want, wantErr, wantArgs := c.pg, c.pgErr, c.args
	if d.name == "sqlite" {
		want, wantErr = c.sqlite, c.sqliteErr
		if c.sqliteArgs != nil {
			wantArgs = c.sqliteArgs
		}
	}
	q, err := ore.Compile(d.dialect, c.stmt)
	if want == "" {
		require.Error(t, err, "compiled to %s", q.SQL)
		assert.Contains(t, err.Error(), wantErr)
		return
	}
	require.NoError(t, err)
	assert.Equal(t, want, q.SQL)
	if len(wantArgs) == 0 {
		assert.Empty(t, q.Args)
	} else {
		assert.Equal(t, wantArgs, q.Args)
	}
	args := q.Args
	if q.HasParams() {
		args, err = ore.BindParams(q, c.params...)
		require.NoError(t, err)
	}
	d.run(t, q.SQL, args, c.prepareOnly)
}

// testDialects returns PostgreSQL (a fresh schema) and SQLite (a fresh
// in-memory database), both holding the fixture.
func testDialects(t *testing.T) []testDialect {
	t.Helper()
	ctx := context.Background()
	pool := testdb.PGPool(t)
	_, err := pool.Exec(ctx, fixtureDDL["postgres"])
	require.NoError(t, err)
	lite := testdb.SQLite(t)
	_, err = lite.Exec(fixtureDDL["sqlite"])
	require.NoError(t, err)
	return []testDialect{
		{"postgres", postgres.Dialect{}, func(t *testing.T, sql string, args []any, prepareOnly bool) {
			runPG(t, pool, sql, args, prepareOnly)
		}},
		{"sqlite", sqlite.Dialect{}, func(t *testing.T, sql string, args []any, prepareOnly bool) {
			runSQLite(t, lite, sql, args, prepareOnly)
		}},
	}
}

func runPG(t *testing.T, pool *pgxpool.Pool, sql string, args []any, prepareOnly bool) {
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	if prepareOnly {
		_, err := tx.Prepare(ctx, "", sql)
		require.NoError(t, err, "prepare %s", sql)
		return
	}
	rows, err := tx.Query(ctx, sql, args...)
	require.NoError(t, err, "run %s", sql)
	for rows.Next() {
	}
	rows.Close()
	require.NoError(t, rows.Err(), "run %s", sql)
}

func runSQLite(t *testing.T, db *sql.DB, query string, args []any, prepareOnly bool) {
	tx, err := db.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	if prepareOnly {
		query = "EXPLAIN " + query
	}
	rows, err := tx.Query(query, args...)
	require.NoError(t, err, "run %s", query)
	for rows.Next() {
	}
	require.NoError(t, rows.Err(), "run %s", query)
	require.NoError(t, rows.Close())
}
