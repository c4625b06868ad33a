package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ore-go/ore/dialect"
)

// Conn is a connection: a modernc.org/sqlite driver connection with a cache
// of prepared statements.
type Conn struct {
	c     driver.Conn
	stmts *stmtCache // or nil when caching is off
	inTx  bool
	// readOnly is set while a read-only transaction holds query_only on.
	readOnly bool
	open     map[*Rows]struct{} // rows not yet closed
	broken   bool
	args     []driver.NamedValue // reused: modernc binds arguments before returning
}

var _ dialect.Conn = (*Conn)(nil)

func newConn(c driver.Conn, cacheSize int) *Conn {
	conn := &Conn{c: c}
	switch {
	case cacheSize == 0:
		conn.stmts = newStmtCache(128)
	case cacheSize > 0:
		conn.stmts = newStmtCache(cacheSize)
	}
	return conn
}

// Exec runs sql. Without args it runs as a script: several statements
// separated by semicolons are allowed.
func (c *Conn) Exec(ctx context.Context, sql string, args []any) (dialect.Result, error) {
	if len(args) == 0 {
		r, err := c.c.(driver.ExecerContext).ExecContext(ctx, sql, nil)
		if err != nil {
			return dialect.Result{}, c.fail(err)
		}
		return result(r), nil
	}
	nv, err := c.namedValues(args)
	if err != nil {
		return dialect.Result{}, err
	}
	st, err := c.prepare(ctx, sql)
	if err != nil {
		return dialect.Result{}, err
	}
	r, err := st.s.(driver.StmtExecContext).ExecContext(ctx, nv)
	c.release(st)
	if err != nil {
		return dialect.Result{}, c.fail(err)
	}
	return result(r), nil
}

func result(r driver.Result) dialect.Result {
	n, err := r.RowsAffected()
	if err != nil {
		n = -1
	}
	return dialect.Result{RowsAffected: n}
}

// Query runs sql and returns its rows.
func (c *Conn) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	nv, err := c.namedValues(args)
	if err != nil {
		return nil, err
	}
	st, err := c.prepare(ctx, sql)
	if err != nil {
		return nil, err
	}
	r, err := st.s.(driver.StmtQueryContext).QueryContext(ctx, nv)
	if err != nil {
		c.release(st)
		return nil, c.fail(err)
	}
	cols := r.Columns()
	rows := &Rows{r: r, conn: c, st: st, cols: cols, vals: make([]driver.Value, len(cols))}
	if c.open == nil {
		c.open = make(map[*Rows]struct{})
	}
	c.open[rows] = struct{}{}
	return rows, nil
}

// namedValues converts args to the values modernc.org/sqlite binds.
func (c *Conn) namedValues(args []any) ([]driver.NamedValue, error) {
	nv := c.args[:0]
	for i, a := range args {
		v, err := convertArg(a)
		if err != nil {
			return nil, fmt.Errorf("sqlite: argument %d: %w", i+1, err)
		}
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	c.args = nv
	return nv, nil
}

// prepare returns a prepared statement for sql: the cached one unless it is
// in use by open rows, else a new one.
func (c *Conn) prepare(ctx context.Context, sql string) (*cachedStmt, error) {
	if c.stmts != nil {
		if st := c.stmts.get(sql); st != nil && !st.busy {
			st.busy = true
			return st, nil
		}
	}
	s, err := c.c.(driver.ConnPrepareContext).PrepareContext(ctx, sql)
	if err != nil {
		return nil, c.fail(err)
	}
	st := &cachedStmt{sql: sql, s: s, busy: true}
	if c.stmts != nil && c.stmts.get(sql) == nil {
		c.stmts.put(st)
	} else {
		st.uncached = true
	}
	return st, nil
}

// release marks st free again, closing it if it is not cached.
func (c *Conn) release(st *cachedStmt) {
	st.busy = false
	if st.uncached || st.evicted {
		st.s.Close()
	}
}

// Begin starts a transaction. Isolation levels are accepted and ignored:
// SQLite transactions are serializable. A read-write transaction takes the
// write lock at once (BEGIN IMMEDIATE), so that concurrent writers queue on
// the busy timeout instead of failing when they upgrade from reading. A
// read-only one starts deferred, with the query_only pragma on until it
// ends, so that writes in it fail as they would on other databases.
func (c *Conn) Begin(ctx context.Context, opts dialect.TxOptions) error {
	if !opts.ReadOnly {
		if _, err := c.Exec(ctx, "BEGIN IMMEDIATE", nil); err != nil {
			return err
		}
		c.inTx = true
		return nil
	}
	if _, err := c.Exec(ctx, "PRAGMA query_only = 1", nil); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "BEGIN DEFERRED", nil); err != nil {
		c.endReadOnly()
		return err
	}
	c.inTx, c.readOnly = true, true
	return nil
}

// endReadOnly turns query_only off after a read-only transaction; if that
// fails, the connection is not reused.
func (c *Conn) endReadOnly() {
	if _, err := c.Exec(context.Background(), "PRAGMA query_only = 0", nil); err != nil {
		c.broken = true
	}
	c.readOnly = false
}

// Commit commits the transaction. If it fails with the database busy, the
// transaction stays open: roll it back or retry.
func (c *Conn) Commit(ctx context.Context) error {
	if _, err := c.Exec(ctx, "COMMIT", nil); err != nil {
		return err
	}
	c.inTx = false
	if c.readOnly {
		c.endReadOnly()
	}
	return nil
}

// Rollback rolls the transaction back. SQLite rolls some failed
// transactions back by itself; rolling back then is not an error.
func (c *Conn) Rollback(ctx context.Context) error {
	_, err := c.Exec(ctx, "ROLLBACK", nil)
	if err != nil && strings.Contains(err.Error(), "no transaction is active") {
		err = nil
	}
	if err == nil {
		c.inTx = false
		if c.readOnly {
			c.endReadOnly()
		}
	}
	return err
}

// Ping checks the connection.
func (c *Conn) Ping(ctx context.Context) error {
	if err := c.c.(driver.Pinger).Ping(ctx); err != nil {
		return c.fail(err)
	}
	return nil
}

// errConnClosed ends rows whose connection was closed before them.
var errConnClosed = errors.New("sqlite: connection closed while its rows were open")

// Close closes the connection's open rows, its cached statements and the
// connection itself. Rows closed this way report an error; closing them
// again is harmless.
func (c *Conn) Close() error {
	for r := range c.open {
		if r.err == nil {
			r.err = errConnClosed
		}
		r.Close()
	}
	if c.stmts != nil {
		c.stmts.closeAll()
	}
	c.broken = true
	return c.c.Close()
}

// State reports the connection's state.
func (c *Conn) State() dialect.ConnState {
	switch {
	case c.broken:
		return dialect.StateBroken
	case len(c.open) > 0:
		return dialect.StateBusy
	case c.inTx:
		return dialect.StateInTx
	}
	return dialect.StateIdle
}

func (c *Conn) fail(err error) error {
	err = classify(err)
	if errors.Is(err, dialect.ErrDisconnect) {
		c.broken = true
	}
	return err
}

// ----------------------------------------------------------------------------
// Rows

// Rows are a query's rows.
type Rows struct {
	r      driver.Rows
	conn   *Conn
	st     *cachedStmt
	cols   []string
	vals   []driver.Value
	n      int64 // rows read
	err    error
	closed bool
}

// Columns returns the result's column names.
func (r *Rows) Columns() []string { return r.cols }

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.closed || r.err != nil {
		return false
	}
	if err := r.r.Next(r.vals); err != nil {
		if err != io.EOF {
			r.err = r.conn.fail(err)
		}
		r.Close()
		return false
	}
	r.n++
	return true
}

// Scan converts the current row's values into dest.
func (r *Rows) Scan(dest ...any) error {
	if len(dest) != len(r.vals) {
		return fmt.Errorf("sqlite: Scan: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		if err := scanValue(r.vals[i], d); err != nil {
			return fmt.Errorf("sqlite: Scan column %d (%s): %w", i, r.cols[i], err)
		}
	}
	return nil
}

// Err returns the error that ended the rows.
func (r *Rows) Err() error { return r.err }

// Close closes the rows and frees the statement for reuse.
func (r *Rows) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	if err := r.r.Close(); err != nil && r.err == nil {
		r.err = r.conn.fail(err)
	}
	delete(r.conn.open, r)
	r.conn.release(r.st)
	return r.err
}

// RowsAffected returns the number of rows read: for INSERT, UPDATE and
// DELETE with RETURNING, the rows the statement affected.
func (r *Rows) RowsAffected() int64 { return r.n }

// ----------------------------------------------------------------------------
// Statement cache

type cachedStmt struct {
	sql      string
	s        driver.Stmt
	busy     bool // rows or an Exec are using it
	uncached bool // not in the cache: close after use
	evicted  bool // dropped from the cache while busy: close after use
	elem     *list.Element
}

// stmtCache is a least-recently-used cache of prepared statements.
type stmtCache struct {
	size int
	m    map[string]*cachedStmt
	lru  list.List // of *cachedStmt, most recent first
}

func newStmtCache(size int) *stmtCache {
	return &stmtCache{size: size, m: make(map[string]*cachedStmt)}
}

func (k *stmtCache) get(sql string) *cachedStmt {
	st := k.m[sql]
	if st != nil {
		k.lru.MoveToFront(st.elem)
	}
	return st
}

func (k *stmtCache) put(st *cachedStmt) {
	st.elem = k.lru.PushFront(st)
	k.m[st.sql] = st
	for len(k.m) > k.size {
		old := k.lru.Remove(k.lru.Back()).(*cachedStmt)
		delete(k.m, old.sql)
		if old.busy {
			old.evicted = true
		} else {
			old.s.Close()
		}
	}
}

func (k *stmtCache) closeAll() {
	for _, st := range k.m {
		if !st.busy {
			st.s.Close()
		} else {
			st.evicted = true
		}
	}
	clear(k.m)
	k.lru.Init()
}
