package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// ExecModePgBouncer is the query execution mode that is safe behind a
// connection pooler in transaction mode (PgBouncer and the like): one round
// trip per statement, no named prepared statements, parameter types taken
// from the Go values. Set it with Options.ExecMode, or with
// default_query_exec_mode=exec in the DSN.
const ExecModePgBouncer = pgx.QueryExecModeExec

// Options configures a Driver beyond its DSN.
type Options struct {
	// ExecMode is how statements are sent; zero means the DSN's
	// default_query_exec_mode, else pgx's default (prepared statements
	// cached per connection, the fastest). See [ExecModePgBouncer].
	ExecMode pgx.QueryExecMode

	// AfterConnect, if set, runs on every new connection before it is
	// used: the place to register custom types with conn.TypeMap().
	AfterConnect func(ctx context.Context, conn *pgx.Conn) error

	// CancelGrace is how long a statement whose context is cancelled may
	// take to stop after the server was asked to cancel it, before the
	// connection is cut (and later replaced). Zero means one second.
	CancelGrace time.Duration
}

// Driver connects to PostgreSQL through pgx. It is safe for concurrent use.
type Driver struct {
	cfg  *pgx.ConnConfig
	opts Options
}

var (
	_ dialect.Driver           = (*Driver)(nil)
	_ dialect.InspectingDriver = (*Driver)(nil)
)

// NewDriver returns a Driver for the server and database dsn names, a URL
// (postgres://user:pass@host:5432/db?sslmode=disable) or keyword/value
// string as pgx.ParseConfig accepts it. It does not connect.
func NewDriver(dsn string, opts Options) (*Driver, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return NewDriverConfig(cfg, opts), nil
}

// NewDriverConfig returns a Driver for a pgx configuration, for settings a
// DSN cannot carry (TLS, dialers, tracers). The driver copies cfg.
func NewDriverConfig(cfg *pgx.ConnConfig, opts Options) *Driver {
	cfg = cfg.Copy()
	if opts.ExecMode != 0 {
		cfg.DefaultQueryExecMode = opts.ExecMode
	}
	grace := opts.CancelGrace
	if grace <= 0 {
		grace = time.Second
	}
	// On cancellation, ask the server to cancel the statement and keep the
	// connection; cut it only if the server does not answer in time.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: grace}
	}
	return &Driver{cfg: cfg, opts: opts}
}

// Dialect returns PostgreSQL's SQL dialect.
func (d *Driver) Dialect() compile.Dialect { return Dialect{} }

// Introspector returns PostgreSQL's schema introspection, which reads
// pg_catalog through the connection it is given.
func (d *Driver) Introspector() dialect.Introspector { return introspector{} }

// Close does nothing: a PostgreSQL driver holds nothing but its connections.
func (d *Driver) Close() error { return nil }

// Connect opens a connection.
func (d *Driver) Connect(ctx context.Context) (dialect.Conn, error) {
	c, err := pgx.ConnectConfig(ctx, d.cfg)
	if err != nil {
		// Not a disconnect: there was no connection. Server errors (bad
		// password, no such database) keep their codes.
		return nil, classify(err, false)
	}
	if d.opts.AfterConnect != nil {
		if err := d.opts.AfterConnect(ctx, c); err != nil {
			c.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("postgres: after connect: %w", err)
		}
	}
	return &Conn{c: c}, nil
}

// Conn is a connection, a pgx.Conn underneath. The engine hands it out
// through the dialect.Conn interface; [Conn.PgxConn] reaches pgx.
type Conn struct {
	c      *pgx.Conn
	broken bool
}

// PgxConn returns the pgx connection, for what ore does not wrap (COPY,
// LISTEN/NOTIFY, large objects). Do not close it or leave it busy.
func (c *Conn) PgxConn() *pgx.Conn { return c.c }

// Exec runs sql. Without args it goes through the simple protocol, which
// allows several statements in one string.
func (c *Conn) Exec(ctx context.Context, sql string, args []any) (dialect.Result, error) {
	tag, err := c.c.Exec(ctx, sql, args...)
	if err != nil {
		return dialect.Result{}, c.fail(err)
	}
	return dialect.Result{RowsAffected: tag.RowsAffected()}, nil
}

// Query runs sql and returns its rows.
func (c *Conn) Query(ctx context.Context, sql string, args []any) (dialect.Rows, error) {
	inTx := c.c.PgConn().TxStatus() != 'I'
	r, err := c.c.Query(ctx, sql, args...)
	if err != nil {
		return nil, c.fail(err)
	}
	rows := &Rows{r: r, conn: c, ctx: ctx, inTx: inTx}
	if len(r.FieldDescriptions()) == 0 {
		// pgx learns the columns from the first row or the end of the
		// result; with neither, the statement returns no columns or failed
		// before its first row (an error, a cancellation). Either way the
		// result is complete: end it, so that a failure is the query's.
		r.Close()
		rows.done, rows.cols = true, []string{}
		if err := r.Err(); err != nil {
			return nil, c.fail(err)
		}
	}
	return rows, nil
}

// Begin starts a transaction with opts.
func (c *Conn) Begin(ctx context.Context, opts dialect.TxOptions) error {
	sql := "BEGIN"
	if opts.Isolation != dialect.LevelDefault || opts.ReadOnly || opts.Deferrable {
		var b strings.Builder
		b.WriteString("BEGIN")
		if opts.Isolation != dialect.LevelDefault {
			b.WriteString(" ISOLATION LEVEL ")
			b.WriteString(opts.Isolation.String())
		}
		if opts.ReadOnly {
			b.WriteString(" READ ONLY")
		}
		if opts.Deferrable {
			b.WriteString(" DEFERRABLE")
		}
		sql = b.String()
	}
	_, err := c.c.Exec(ctx, sql)
	if err != nil {
		return c.fail(err)
	}
	return nil
}

// ErrCommitRolledBack is returned by Commit when the transaction had
// failed, so the server rolled it back instead of committing.
var ErrCommitRolledBack = errors.New("postgres: commit: the transaction had failed and was rolled back")

// Commit commits the transaction.
func (c *Conn) Commit(ctx context.Context) error {
	tag, err := c.c.Exec(ctx, "COMMIT")
	if err != nil {
		return c.fail(err)
	}
	if tag.String() == "ROLLBACK" {
		return ErrCommitRolledBack
	}
	return nil
}

// Rollback rolls the transaction back.
func (c *Conn) Rollback(ctx context.Context) error {
	if c.c.PgConn().TxStatus() == 'I' {
		return nil
	}
	if _, err := c.c.Exec(ctx, "ROLLBACK"); err != nil {
		return c.fail(err)
	}
	return nil
}

// Ping checks the connection with an empty statement.
func (c *Conn) Ping(ctx context.Context) error {
	if err := c.c.Ping(ctx); err != nil {
		return c.fail(err)
	}
	return nil
}

// Close closes the connection, waiting at most five seconds to say goodbye
// to the server.
func (c *Conn) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.c.Close(ctx)
}

// State reports the connection's state from pgx's view of the protocol.
func (c *Conn) State() dialect.ConnState {
	pc := c.c.PgConn()
	switch {
	case c.broken || pc.IsClosed():
		return dialect.StateBroken
	case pc.IsBusy():
		return dialect.StateBusy
	case pc.TxStatus() != 'I':
		return dialect.StateInTx
	}
	return dialect.StateIdle
}

// fail classifies err and marks the connection broken if it is lost.
func (c *Conn) fail(err error) error {
	err = classify(err, c.c.IsClosed())
	if errors.Is(err, dialect.ErrDisconnect) {
		c.broken = true
	}
	return err
}

// Rows are a query's rows, pgx.Rows underneath.
type Rows struct {
	r    pgx.Rows
	conn *Conn
	ctx  context.Context // the query's
	cols []string
	done bool // Next returned false: the result was read to its end
	inTx bool // the query runs inside a transaction
	// stopped is set when Close asked the server to cancel the statement
	// because its rows were abandoned.
	stopped bool
}

// abandonGrace is how long Close reads the rest of an abandoned result
// before it asks the server to stop the statement.
const abandonGrace = 100 * time.Millisecond

// Columns returns the result's column names.
func (r *Rows) Columns() []string {
	if r.cols == nil {
		fds := r.r.FieldDescriptions()
		r.cols = make([]string, len(fds))
		for i, fd := range fds {
			r.cols[i] = fd.Name
		}
	}
	return r.cols
}

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.r.Next() {
		return true
	}
	r.done = true
	return false
}

// Scan reads the current row through pgx's type map.
func (r *Rows) Scan(dest ...any) error { return r.r.Scan(dest...) }

// Err returns the error that ended the rows, classified.
func (r *Rows) Err() error {
	err := r.r.Err()
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if r.stopped && r.ctx.Err() == nil && errors.As(err, &pe) && pe.Code == codeQueryCanceled {
		// The cancellation Close asked for: the rows were not wanted.
		return nil
	}
	return r.conn.fail(err)
}

// Close closes the rows. The connection can only be used again once the
// server has sent the whole result, which pgx reads and discards; if that
// takes longer than a moment (a large result, a slow query), Close asks the
// server to cancel the statement, so that leaving a loop early stays cheap.
// Inside a transaction it reads on instead, since a cancelled statement
// would abort the transaction.
func (r *Rows) Close() error {
	if r.done || r.inTx {
		r.r.Close()
		r.done = true
		return r.Err()
	}
	r.done = true
	pc := r.conn.c.PgConn()
	cancelled := make(chan struct{})
	t := time.AfterFunc(abandonGrace, func() {
		defer close(cancelled)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = pc.CancelRequest(ctx) // if it fails, Close just reads on
	})
	r.r.Close()
	if !t.Stop() {
		// Wait until the server has the request, so that it cannot reach
		// the connection's next statement: an idle backend ignores it.
		<-cancelled
		r.stopped = true
	}
	return r.Err()
}

// RowsAffected returns the command tag's row count.
func (r *Rows) RowsAffected() int64 { return r.r.CommandTag().RowsAffected() }

// PgxRows returns the pgx rows, for raw access (RawValues).
func (r *Rows) PgxRows() pgx.Rows { return r.r }

// ----------------------------------------------------------------------------
// Errors

// SQLSTATE codes ore classifies.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeNotNullViolation     = "23502"
	codeCheckViolation       = "23514"
	codeSerializationFailure = "40001"
	codeDeadlock             = "40P01"
	codeQueryCanceled        = "57014"
)

// classify wraps err in a *dialect.Error with its class. closed reports
// whether the connection is closed after the error.
func classify(err error, closed bool) error {
	if err == nil {
		return nil
	}
	var de *dialect.Error
	if errors.As(err, &de) {
		return err
	}
	e := &dialect.Error{Err: err, Message: err.Error()}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		e.Code, e.Message = pe.Code, pe.Message
		e.Schema, e.Table, e.Column, e.Constraint = pe.SchemaName, pe.TableName, pe.ColumnName, pe.ConstraintName
		switch {
		case pe.Code == codeUniqueViolation:
			e.Class = dialect.ErrUniqueViolation
		case pe.Code == codeForeignKeyViolation:
			e.Class = dialect.ErrForeignKeyViolation
		case pe.Code == codeNotNullViolation:
			e.Class = dialect.ErrNotNullViolation
		case pe.Code == codeCheckViolation:
			e.Class = dialect.ErrCheckViolation
		case pe.Code == codeSerializationFailure:
			e.Class = dialect.ErrSerializationFailure
		case pe.Code == codeDeadlock:
			e.Class = dialect.ErrDeadlock
		case pe.Code == codeQueryCanceled:
			e.Class = dialect.ErrQueryCanceled
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // admin shutdown, crash shutdown, cannot connect now
			e.Class = dialect.ErrDisconnect
		}
		if e.Class == nil && closed {
			e.Class = dialect.ErrDisconnect
		}
		return e
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		e.Class = dialect.ErrQueryCanceled
	case errors.As(err, &ce):
		// Connecting failed: nothing was lost.
	case closed, errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne), errors.Is(err, net.ErrClosed):
		e.Class = dialect.ErrDisconnect
	}
	return e
}
