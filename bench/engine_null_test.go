package bench

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
	"github.com/ore-go/ore/dialect/postgres"
)

// The null driver answers ore's statements from memory, without a network
// or a database, and without allocating: run through it, the benchmarks
// measure nothing but ore's engine (statement cache, pool, events, scan
// plans, wrappers), which a real database's round trip and its variations
// hide. The "driver" implementation calls the null driver directly with the
// same SQL and arguments, as a raw driver's user would, so the difference
// between the two is ore's own cost per statement.

// nullDriver speaks PostgreSQL's dialect.
type nullDriver struct{ rows [][]any }

func (d *nullDriver) Dialect() compile.Dialect { return postgres.Dialect{} }
func (d *nullDriver) Close() error             { return nil }

// Connect is not inlined, so that the compiler cannot see the concrete
// type behind the "driver" benchmarks' calls: like a real driver's, their
// arguments then escape to the heap.
//
//go:noinline
func (d *nullDriver) Connect(context.Context) (dialect.Conn, error) {
	return &nullConn{d: d}, nil
}

// nullConn serves the engine benchmarks' five statements. Its rows object
// is reused, so that serving costs no allocation.
type nullConn struct {
	d      *nullDriver
	rows   nullRows
	nextID int64
}

var (
	errNullSQL = errors.New("null driver: unknown statement")
	itemCols   = []string{"id", "name", "note", "qty", "active", "price", "created_at", "deleted_at"}
	idCols     = []string{"id"}
)

func (c *nullConn) Exec(_ context.Context, sql string, args []any) (dialect.Result, error) {
	switch {
	case sql == pgUpdateSQL:
		return dialect.Result{RowsAffected: 1}, nil
	case sql == pgInsertManySQL:
		return dialect.Result{RowsAffected: int64(len(args) / 7)}, nil
	}
	return dialect.Result{}, errNullSQL
}

func (c *nullConn) Query(_ context.Context, sql string, args []any) (dialect.Rows, error) {
	if c.rows.open {
		return nil, errors.New("null driver: rows already open")
	}
	r := &c.rows
	*r = nullRows{open: true}
	switch sql {
	case pgReadOneSQL:
		id := args[0].(int64)
		r.cols, r.data = itemCols, c.d.rows[id-1:id]
	case pgReadManySQL:
		lo, n := args[0].(int64), args[1].(int64)
		r.cols, r.data = itemCols, c.d.rows[lo:lo+n]
	case pgInsertOneSQL:
		c.nextID++
		r.cols, r.id, r.data = idCols, c.nextID, c.d.rows[:1]
	default:
		r.open = false
		return nil, errNullSQL
	}
	return r, nil
}

func (c *nullConn) Begin(context.Context, dialect.TxOptions) error { return nil }
func (c *nullConn) Commit(context.Context) error                   { return nil }
func (c *nullConn) Rollback(context.Context) error                 { return nil }
func (c *nullConn) Ping(context.Context) error                     { return nil }
func (c *nullConn) Close() error                                   { return nil }

func (c *nullConn) State() dialect.ConnState {
	if c.rows.open {
		return dialect.StateBusy
	}
	return dialect.StateIdle
}

// nullRows serves rows of engItem values, or one id for RETURNING.
type nullRows struct {
	cols []string
	data [][]any
	id   int64 // the RETURNING id, when cols is idCols
	i    int   // rows read
	open bool
}

func (r *nullRows) Columns() []string { return r.cols }

func (r *nullRows) Next() bool {
	if r.i >= len(r.data) {
		return false
	}
	r.i++
	return true
}

func (r *nullRows) Scan(dest ...any) error {
	if len(r.cols) == 1 {
		*dest[0].(*int64) = r.id
		return nil
	}
	row := r.data[r.i-1]
	if len(dest) != len(row) {
		return fmt.Errorf("null driver: %d destinations for %d columns", len(dest), len(row))
	}
	for i, d := range dest {
		switch d := d.(type) {
		case *int64:
			*d = row[i].(int64)
		case *string:
			*d = row[i].(string)
		case **string:
			*d = row[i].(*string)
		case *int32:
			*d = row[i].(int32)
		case *bool:
			*d = row[i].(bool)
		case *float64:
			*d = row[i].(float64)
		case *time.Time:
			*d = row[i].(time.Time)
		case **time.Time:
			*d = row[i].(*time.Time)
		default:
			return fmt.Errorf("null driver: cannot scan into %T", d)
		}
	}
	return nil
}

func (r *nullRows) Err() error          { return nil }
func (r *nullRows) Close() error        { r.open = false; return nil }
func (r *nullRows) RowsAffected() int64 { return int64(r.i) }

// nullEngineCases opens ore on the null driver.
func nullEngineCases(tb testing.TB) []engCase {
	ctx := context.Background()
	drv := &nullDriver{rows: make([][]any, engRows)}
	for i := range drv.rows {
		it := engRow(i + 1)
		drv.rows[i] = []any{it.ID, it.Name, it.Note, it.Qty, it.Active, it.Price, it.CreatedAt, it.DeletedAt}
	}
	db, err := ore.Open(ctx, drv, ore.Options{})
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	raw, err := drv.Connect(ctx)
	require.NoError(tb, err)

	var cs []engCase
	add := func(op, impl string, step func(tb testing.TB, i int)) {
		cs = append(cs, engCase{op: op, impl: impl, step: step})
	}

	// The ore side runs the same loops as on PostgreSQL.
	for _, c := range (&pgEngine{ctx: ctx, db: db}).oreCases() {
		add(c.op, c.impl, c.step)
	}

	add("read_one", implDriver, func(tb testing.TB, i int) {
		id := engID(i)
		rows, err := raw.Query(ctx, pgReadOneSQL, []any{id})
		if err != nil {
			tb.Fatal(err)
		}
		var it engItem
		if !rows.Next() {
			tb.Fatal("no row")
		}
		if err := rows.Scan(&it.ID, &it.Name, &it.Note, &it.Qty, &it.Active, &it.Price, &it.CreatedAt, &it.DeletedAt); err != nil {
			tb.Fatal(err)
		}
		rows.Close()
		checkItem(tb, &it, id)
		engSinkItem = it
	})
	add("read_100", implDriver, func(tb testing.TB, i int) {
		lo := engLow(i)
		rows, err := raw.Query(ctx, pgReadManySQL, []any{lo, int64(100)})
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
		rows.Close()
		checkItems(tb, items, lo)
		engSinkItems = items
	})
	add("insert_one", implDriver, func(tb testing.TB, i int) {
		it := &engInput[i%len(engInput)]
		rows, err := raw.Query(ctx, pgInsertOneSQL, []any{it.Name, it.Note, it.Qty, it.Active, it.Price, it.CreatedAt, it.DeletedAt})
		if err != nil {
			tb.Fatal(err)
		}
		var id int64
		if !rows.Next() {
			tb.Fatal("no row")
		}
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		rows.Close()
		engSinkID = id
	})
	add("insert_100", implDriver, func(tb testing.TB, i int) {
		args := make([]any, 0, 700)
		for j := range 100 {
			args = engInsertArgs(args, &engInput[(i+j)%len(engInput)])
		}
		r, err := raw.Exec(ctx, pgInsertManySQL, args)
		if err != nil || r.RowsAffected != 100 {
			tb.Fatal(r, err)
		}
		engSinkN = r.RowsAffected
	})
	add("update_one", implDriver, func(tb testing.TB, i int) {
		it := &engInput[i%len(engInput)]
		r, err := raw.Exec(ctx, pgUpdateSQL, []any{it.Qty, it.Price, engID(i)})
		if err != nil || r.RowsAffected != 1 {
			tb.Fatal(r, err)
		}
		engSinkN = r.RowsAffected
	})
	return cs
}

// implDriver calls the null driver directly.
const implDriver = "driver"
