package ore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// Result reports what a statement run by Exec did.
type Result struct {
	// RowsAffected is the number of rows inserted, updated or deleted.
	RowsAffected int64
}

// Exec runs s on a pooled connection and reports how many rows it
// affected; params supply its named parameters. Use it for statements whose
// rows (if any) are not wanted.
func (db *DB) Exec(ctx context.Context, s Statement, params ...ParamValue) (Result, error) {
	return execute(ctx, db, s, params)
}

// Exec runs s on the pinned connection.
func (c *Conn) Exec(ctx context.Context, s Statement, params ...ParamValue) (Result, error) {
	return execute(ctx, c, s, params)
}

// Query runs s on a pooled connection and returns its rows, untyped; the
// connection is held until the rows are closed. Prefer [All], [One],
// [First] and [Each], which scan into typed values and close for you.
func (db *DB) Query(ctx context.Context, s Statement, params ...ParamValue) (*Rows, error) {
	return queryRows(ctx, db, s, params)
}

// Query runs s on the pinned connection and returns its rows.
func (c *Conn) Query(ctx context.Context, s Statement, params ...ParamValue) (*Rows, error) {
	return queryRows(ctx, c, s, params)
}

// ExecSQL runs sql, already compiled for q's database (placeholders and
// quoting included), with args: for statements compiled once and run many
// times, as the session does with the statements of a mapping. Events, echo
// and error classes apply as for Exec.
func ExecSQL(ctx context.Context, q Querier, sql string, args ...any) (Result, error) {
	return execSQL(ctx, q, nil, sql, args)
}

// QuerySQL runs sql, already compiled for q's database, with args, and
// returns its rows; see [ExecSQL].
func QuerySQL(ctx context.Context, q Querier, sql string, args ...any) (*Rows, error) {
	return querySQL(ctx, q, nil, sql, args)
}

// compileFor compiles s through q's statement cache and binds params.
func compileFor(q Querier, s Statement, params []ParamValue) (string, []any, error) {
	n, err := buildStmt(s)
	if err != nil {
		return "", nil, err
	}
	c, err := q.engine().cache.Compile(n)
	if err != nil {
		return "", nil, err
	}
	if len(params) == 0 && !c.HasParams() {
		return c.SQL, c.Args, nil
	}
	args, err := BindParams(c, params...)
	return c.SQL, args, err
}

func execute(ctx context.Context, q Querier, s Statement, params []ParamValue) (Result, error) {
	sql, args, err := compileFor(q, s, params)
	if err != nil {
		return Result{}, err
	}
	return execSQL(ctx, q, s, sql, args)
}

// execSQL runs compiled SQL with the execute events around it. s, which
// may be nil, names the operation in errors.
func execSQL(ctx context.Context, q Querier, s Statement, sql string, args []any) (Result, error) {
	db := q.engine()
	l, err := q.take(ctx)
	if err != nil {
		return Result{}, err
	}
	ev := db.startEvent(ctx, q, sql, args)
	r, err := l.conn.Exec(ctx, sql, args)
	if ev != nil {
		ev.RowsAffected = r.RowsAffected
		err = db.finishEvent(ctx, ev, err)
	}
	q.give(l, err)
	if err != nil {
		return Result{}, wrapExecErr(ctx, s, err)
	}
	return Result{RowsAffected: r.RowsAffected}, nil
}

// startEvent returns the event of a statement about to run, after the
// BeforeExecute listeners; or nil if nobody listens.
func (db *DB) startEvent(ctx context.Context, q Querier, sql string, args []any) *ExecEvent {
	if len(db.listeners.load()) == 0 {
		return nil
	}
	ev := &ExecEvent{SQL: sql, Args: args, Start: time.Now(), InTx: q.inTx()}
	db.beforeExecute(ctx, ev)
	return ev
}

func (db *DB) finishEvent(ctx context.Context, ev *ExecEvent, err error) error {
	ev.Duration = time.Since(ev.Start)
	ev.Err = err
	return db.afterExecute(ctx, ev)
}

// wrapExecErr names the failed operation and, if ctx ended, makes the
// context's error visible to errors.Is whatever the driver reported.
func wrapExecErr(ctx context.Context, s Statement, err error) error {
	return wrapOpErr(ctx, describe(s), err)
}

// wrapOpErr is wrapExecErr for an operation named op.
func wrapOpErr(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("ore: %s: %w (%w)", op, cerr, err)
	}
	return fmt.Errorf("ore: %s: %w", op, err)
}

// describe names a statement for error messages: "select", "insert into
// users", ...
func describe(s Statement) string {
	if isNil(s) {
		return "exec"
	}
	n, err := s.Build()
	if err != nil {
		return "statement"
	}
	switch n := n.(type) {
	case *compile.Select, *compile.Compound:
		return "select"
	case *compile.Insert:
		return "insert into " + n.Table.Name
	case *compile.Update:
		return "update " + n.Table.Name
	case *compile.Delete:
		return "delete from " + n.Table.Name
	case *compile.CreateTable:
		return "create table " + n.Table.Name
	case *compile.DropTable:
		return "drop table " + n.Table.Name
	case *compile.CreateIndex:
		return "create index " + n.Name
	case *compile.AddForeignKey:
		return "alter table " + n.Table.Name
	case *compile.DropConstraint:
		return "alter table " + n.Table.Name
	}
	return "exec"
}

// ----------------------------------------------------------------------------
// Rows

// Rows are the rows of a query, read one at a time with Next and Scan.
// They hold a connection until closed: always Close them (reading every row
// closes them too).
type Rows struct {
	ctx    context.Context
	q      Querier
	s      Statement
	l      lease
	r      dialect.Rows
	ev     *ExecEvent
	closed bool
	err    error
}

func queryRows(ctx context.Context, q Querier, s Statement, params []ParamValue) (*Rows, error) {
	sql, args, err := compileFor(q, s, params)
	if err != nil {
		return nil, err
	}
	return querySQL(ctx, q, s, sql, args)
}

func querySQL(ctx context.Context, q Querier, s Statement, sql string, args []any) (*Rows, error) {
	db := q.engine()
	l, err := q.take(ctx)
	if err != nil {
		return nil, err
	}
	ev := db.startEvent(ctx, q, sql, args)
	r, err := l.conn.Query(ctx, sql, args)
	if err != nil {
		if ev != nil {
			err = db.finishEvent(ctx, ev, err)
		}
		q.give(l, err)
		return nil, wrapExecErr(ctx, s, err)
	}
	return &Rows{ctx: ctx, q: q, s: s, l: l, r: r, ev: ev}, nil
}

// Columns returns the names of the result's columns.
func (r *Rows) Columns() []string { return r.r.Columns() }

// Next advances to the next row, and reports whether there is one. At the
// end, or on an error, it closes the rows; see [Rows.Err].
func (r *Rows) Next() bool {
	if r.closed {
		return false
	}
	if r.r.Next() {
		return true
	}
	r.Close()
	return false
}

// Scan copies the current row into dest, one pointer per column. See
// [dialect.Rows] for the destination types every database supports.
func (r *Rows) Scan(dest ...any) error {
	if r.closed {
		return errors.New("ore: Scan on closed rows")
	}
	return r.r.Scan(dest...)
}

// Err returns the error that ended the rows; or nil.
func (r *Rows) Err() error { return r.err }

// Close closes the rows and gives the connection back. It returns the
// error that ended the rows, if any; closing twice is harmless.
func (r *Rows) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	err := r.r.Close()
	if r.ev != nil {
		r.ev.RowsAffected = r.r.RowsAffected()
		err = r.q.engine().finishEvent(r.ctx, r.ev, err)
	}
	r.q.give(r.l, err)
	if err != nil {
		r.err = wrapExecErr(r.ctx, r.s, err)
	}
	return r.err
}

// fail closes the rows because of err (a scan error, say), keeping the
// first error.
func (r *Rows) fail(err error) error {
	cerr := r.Close()
	if cerr != nil {
		return cerr
	}
	r.err = err
	return err
}
