package bench

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/sqlite"
)

// TIMESTAMP is a declared type modernc.org/sqlite reads back as time.Time,
// which database/sql needs to scan into a time.Time.
const liteEngineDDL = `
CREATE TABLE items (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	note       TEXT,
	qty        INTEGER NOT NULL,
	active     BOOLEAN NOT NULL,
	price      REAL NOT NULL,
	created_at TIMESTAMP NOT NULL,
	deleted_at TIMESTAMP
);
CREATE TABLE items_w (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	note       TEXT,
	qty        INTEGER NOT NULL,
	active     BOOLEAN NOT NULL,
	price      REAL NOT NULL,
	created_at TIMESTAMP NOT NULL,
	deleted_at TIMESTAMP
);
`

const (
	liteReadOneSQL   = pgSelectItems + ` WHERE "items"."id" = ?`
	liteReadManySQL  = pgSelectItems + ` WHERE "items"."id" > ? ORDER BY "items"."id" LIMIT ?`
	liteInsertOneSQL = pgInsertPrefix + `(?, ?, ?, ?, ?, ?, ?) RETURNING "items_w"."id"`
	liteUpdateSQL    = `UPDATE "items" SET "qty" = ?, "price" = ? WHERE "items"."id" = ?`
)

var liteInsertManySQL = valuesSQL(pgInsertPrefix, 100, 7, func(int) string { return "?" })

// liteEngine is the SQLite side: one database, opened by ore and by
// database/sql with the same DSN, so with the same pragmas (foreign keys,
// busy timeout, WAL for a file, _time_format=sqlite).
type liteEngine struct {
	ctx context.Context
	db  *ore.DB
	sql *sql.DB
}

// liteEngineCases sets up a database in a file of tb.TempDir() (WAL, what
// applications run), or in memory.
func liteEngineCases(tb testing.TB, memory bool) []engCase {
	ctx := context.Background()
	dsn := ":memory:"
	if !memory {
		dsn = filepath.Join(tb.TempDir(), "bench.db")
	}
	drv, err := sqlite.NewDriver(dsn, sqlite.Options{})
	require.NoError(tb, err)
	db, err := ore.Open(ctx, drv, ore.Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	// ore's connections keep an in-memory database alive; open one before
	// database/sql connects to it.
	require.NoError(tb, db.Ping(ctx))

	sdb, err := sql.Open("sqlite", drv.DSN())
	require.NoError(tb, err)
	tb.Cleanup(func() { sdb.Close() })
	if !memory {
		var mode string
		require.NoError(tb, sdb.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
		require.Equal(tb, "wal", mode)
	}

	_, err = sdb.ExecContext(ctx, liteEngineDDL)
	require.NoError(tb, err)
	tx, err := sdb.BeginTx(ctx, nil)
	require.NoError(tb, err)
	ins, err := tx.PrepareContext(ctx, `INSERT INTO items (id, name, note, qty, active, price, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	require.NoError(tb, err)
	for n := 1; n <= engRows; n++ {
		it := engRow(n)
		_, err := ins.ExecContext(ctx, it.ID, it.Name, it.Note, it.Qty, it.Active, it.Price, it.CreatedAt, it.DeletedAt)
		require.NoError(tb, err)
	}
	require.NoError(tb, ins.Close())
	require.NoError(tb, tx.Commit())
	_, err = sdb.ExecContext(ctx, "ANALYZE")
	require.NoError(tb, err)

	d := sqlite.Dialect{}
	requireSQL(tb, d, liteReadOneSQL, engReadOne(1), engReadOnceStmt)
	requireSQL(tb, d, liteReadManySQL, engReadMany(1), engReadManyStmt)
	requireSQL(tb, d, liteInsertOneSQL, engInsertOne(&engInput[0]), engInsertOneStmt)
	requireSQL(tb, d, liteInsertManySQL, engInsertMany(0), engInsertManyStmt)
	requireSQL(tb, d, liteUpdateSQL, engUpdate(1, 1, 1), engUpdateStmt)

	// Both sides read back what the generator made, times included.
	want := engRow(6)
	got, err := ore.One(ctx, db, engReadOne(6))
	require.NoError(tb, err)
	require.Equal(tb, want.Name, got.Name)
	require.Equal(tb, *want.Note, *got.Note)
	require.True(tb, want.CreatedAt.Equal(got.CreatedAt), "%v", got.CreatedAt)
	require.True(tb, want.DeletedAt.Equal(*got.DeletedAt), "%v", got.DeletedAt)
	var raw engItem
	require.NoError(tb, sdb.QueryRowContext(ctx, liteReadOneSQL, int64(6)).
		Scan(&raw.ID, &raw.Name, &raw.Note, &raw.Qty, &raw.Active, &raw.Price, &raw.CreatedAt, &raw.DeletedAt))
	require.Equal(tb, got, raw)

	e := &liteEngine{ctx: ctx, db: db, sql: sdb}
	return e.cases()
}

func (e *liteEngine) truncate(tb testing.TB) {
	_, err := e.sql.ExecContext(e.ctx, "DELETE FROM items_w")
	require.NoError(tb, err)
}

func (e *liteEngine) cases() []engCase {
	var cs []engCase
	add := func(op, impl string, step func(tb testing.TB, i int)) {
		cs = append(cs, engCase{op: op, impl: impl, step: step})
	}
	// Inserts start from an empty table.
	addInsert := func(op, impl string, step func(tb testing.TB, i int)) {
		cs = append(cs, engCase{op: op, impl: impl, setup: e.truncate, step: step})
	}
	ctx, db, sdb := e.ctx, e.db, e.sql
	oreCases := oreEngineCases(ctx, db, e.truncate)

	// read_one
	cs = append(cs, oreCases["read_one"]...)
	add("read_one", implDBSQLScan, func(tb testing.TB, i int) {
		id := engID(i)
		var it engItem
		err := sdb.QueryRowContext(ctx, liteReadOneSQL, id).Scan(&it.ID, &it.Name, &it.Note, &it.Qty, &it.Active, &it.Price, &it.CreatedAt, &it.DeletedAt)
		if err != nil {
			tb.Fatal(err)
		}
		checkItem(tb, &it, id)
		engSinkItem = it
	})

	// read_100
	cs = append(cs, oreCases["read_100"]...)
	add("read_100", implDBSQLScan, func(tb testing.TB, i int) {
		lo := engLow(i)
		rows, err := sdb.QueryContext(ctx, liteReadManySQL, lo, int64(100))
		if err != nil {
			tb.Fatal(err)
		}
		var items []engItem
		for rows.Next() {
			var it engItem
			if err := rows.Scan(&it.ID, &it.Name, &it.Note, &it.Qty, &it.Active, &it.Price, &it.CreatedAt, &it.DeletedAt); err != nil {
				tb.Fatal(err)
			}
			items = append(items, it)
		}
		if err := rows.Err(); err != nil {
			tb.Fatal(err)
		}
		rows.Close()
		checkItems(tb, items, lo)
		engSinkItems = items
	})

	// insert_one
	cs = append(cs, oreCases["insert_one"]...)
	addInsert("insert_one", implDBSQLScan, func(tb testing.TB, i int) {
		it := &engInput[i%len(engInput)]
		var id int64
		err := sdb.QueryRowContext(ctx, liteInsertOneSQL, it.Name, it.Note, it.Qty, it.Active, it.Price, it.CreatedAt, it.DeletedAt).Scan(&id)
		if err != nil {
			tb.Fatal(err)
		}
		engSinkID = id
	})

	// insert_100
	cs = append(cs, oreCases["insert_100"]...)
	addInsert("insert_100", implDBSQLScan, func(tb testing.TB, i int) {
		args := make([]any, 0, 700)
		for j := range 100 {
			args = engInsertArgs(args, &engInput[(i+j)%len(engInput)])
		}
		r, err := sdb.ExecContext(ctx, liteInsertManySQL, args...)
		if err != nil {
			tb.Fatal(err)
		}
		n, err := r.RowsAffected()
		if err != nil || n != 100 {
			tb.Fatal(n, err)
		}
		engSinkN = n
	})

	// update_one
	cs = append(cs, oreCases["update_one"]...)
	add("update_one", implDBSQLScan, func(tb testing.TB, i int) {
		it := &engInput[i%len(engInput)]
		r, err := sdb.ExecContext(ctx, liteUpdateSQL, it.Qty, it.Price, engID(i))
		if err != nil {
			tb.Fatal(err)
		}
		n, err := r.RowsAffected()
		if err != nil || n != 1 {
			tb.Fatal(n, err)
		}
		engSinkN = n
	})
	return cs
}
