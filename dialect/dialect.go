// Package dialect is ore's DBAPI layer: the interfaces a database driver
// implements so that the engine (package ore) can run statements on it, and
// the error classes every driver reports the same way.
//
// It is to ore what database/sql/driver is to database/sql: applications do
// not call it; driver packages (dialect/postgres, dialect/sqlite) implement
// it, and the engine drives it. Each driver also supplies its
// [compile.Dialect], which tells the compiler how its SQL differs.
//
// # Errors
//
// A driver wraps every error a database reports in an [*Error] carrying one
// of the classes below ([ErrUniqueViolation], [ErrDisconnect], ...) and what
// the database said about it (constraint, table, column). Callers match the
// class with errors.Is, and still reach the driver's own error with
// errors.As, since [*Error] unwraps to it.
//
// # Evolution
//
// The interfaces here may gain methods as the engine needs them; they are
// meant to be implemented by ore's own driver packages and by test fakes.
package dialect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ore-go/ore/compile"
)

// Driver opens connections to one database and says how to compile SQL
// for it.
type Driver interface {
	// Dialect returns the SQL dialect of the database.
	Dialect() compile.Dialect

	// Connect opens a new connection. It honours ctx's deadline and
	// cancellation.
	Connect(ctx context.Context) (Conn, error)

	// Close releases what the driver holds beyond its connections (for
	// example the connection that keeps an in-memory database alive). The
	// engine calls it after closing every connection.
	Close() error
}

// Conn is one connection to the database. It is used by one goroutine at a
// time; the engine's pool guarantees that.
type Conn interface {
	// Exec runs sql with args and reports how many rows it affected. With no
	// args, sql may hold several statements separated by semicolons.
	Exec(ctx context.Context, sql string, args []any) (Result, error)

	// Query runs sql with args and returns its rows. The connection is busy
	// until the rows are closed.
	Query(ctx context.Context, sql string, args []any) (Rows, error)

	// Begin starts a transaction.
	Begin(ctx context.Context, opts TxOptions) error
	// Commit commits the transaction Begin started.
	Commit(ctx context.Context) error
	// Rollback rolls it back. Rolling back when no transaction is open is
	// not an error.
	Rollback(ctx context.Context) error

	// Ping checks that the connection still works.
	Ping(ctx context.Context) error

	// Close closes the connection for good.
	Close() error

	// State reports what the connection is doing; the pool reuses only
	// connections that are idle and healthy.
	State() ConnState
}

// ConnState is the state of a connection, as [Conn.State] reports it.
type ConnState uint8

// The connection states.
const (
	StateIdle   ConnState = iota // ready for a statement, outside a transaction
	StateInTx                    // inside a transaction
	StateBusy                    // rows still open
	StateBroken                  // closed, or failed beyond recovery
)

var stateNames = [...]string{"idle", "in transaction", "busy", "broken"}

func (s ConnState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("ConnState(%d)", s)
}

// Rows is the result of a query, read one row at a time.
type Rows interface {
	// Columns returns the names of the result's columns.
	Columns() []string
	// Next advances to the next row and reports whether there is one.
	Next() bool
	// Scan copies the current row's columns into dest, one pointer per
	// column. Besides the pointer types of the driver's own values, every
	// driver scans into pointers to Go's integer, float, string, []byte,
	// bool and time.Time types, pointers to those pointer types (NULL gives
	// nil), sql.Scanner implementations and *any.
	Scan(dest ...any) error
	// Err returns the error that ended the iteration; or nil.
	Err() error
	// Close releases the rows; the connection is then free. It is safe to
	// call more than once.
	Close() error
	// RowsAffected reports, after the rows are read, the number of rows the
	// statement affected (for INSERT ... RETURNING and the like).
	RowsAffected() int64
}

// Result reports what a statement run by Exec did.
type Result struct {
	RowsAffected int64
}

// IsolationLevel is a transaction isolation level.
type IsolationLevel uint8

// The isolation levels. LevelDefault leaves the database's default.
const (
	LevelDefault IsolationLevel = iota
	LevelReadUncommitted
	LevelReadCommitted
	LevelRepeatableRead
	LevelSerializable
)

var levelNames = [...]string{"", "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"}

// String returns the level as SQL writes it ("READ COMMITTED"), or "" for
// LevelDefault.
func (l IsolationLevel) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("IsolationLevel(%d)", l)
}

// TxOptions are the options of a transaction.
type TxOptions struct {
	Isolation  IsolationLevel // zero: the database's default
	ReadOnly   bool
	Deferrable bool // PostgreSQL: a SERIALIZABLE READ ONLY transaction that waits for a safe snapshot
}

// ----------------------------------------------------------------------------
// Errors

// The error classes. A driver reports each database error as an [*Error]
// whose Class is one of these (or nil when the error fits none).
var (
	// ErrUniqueViolation is the class of errors raised when a row would
	// duplicate a primary key or unique constraint.
	ErrUniqueViolation = errors.New("unique violation")
	// ErrForeignKeyViolation is the class of errors raised when a row would
	// refer to a missing row, or a referenced row would be removed.
	ErrForeignKeyViolation = errors.New("foreign key violation")
	// ErrNotNullViolation is the class of errors raised when a NOT NULL
	// column would be NULL.
	ErrNotNullViolation = errors.New("not null violation")
	// ErrCheckViolation is the class of errors raised when a CHECK
	// constraint fails.
	ErrCheckViolation = errors.New("check violation")
	// ErrSerializationFailure is the class of errors raised when a
	// transaction cannot be serialized with concurrent ones and must be
	// retried from the start (SQLite reports it as "database is busy" when
	// a transaction cannot take the write lock).
	ErrSerializationFailure = errors.New("serialization failure")
	// ErrDeadlock is the class of errors raised when the database broke a
	// deadlock by aborting this transaction; it may be retried.
	ErrDeadlock = errors.New("deadlock")
	// ErrDisconnect is the class of errors that mean the connection is lost:
	// the server went away or ended the session. The connection is never
	// reused.
	ErrDisconnect = errors.New("disconnect")
	// ErrQueryCanceled is the class of errors raised when a statement was
	// cancelled, by its context or by the server (statement timeout).
	ErrQueryCanceled = errors.New("query canceled")
)

// Error is a database error, classified. It unwraps to the driver's own
// error (*pgconn.PgError, *sqlite.Error, a network error).
type Error struct {
	Class      error  // one of the Err* classes; or nil
	Code       string // the database's code: SQLSTATE on PostgreSQL, the extended result code on SQLite
	Message    string // the database's message
	Schema     string // where the database reports them; or ""
	Table      string
	Column     string
	Constraint string
	Err        error // the driver's error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Class != nil {
		b.WriteString(e.Class.Error())
		switch {
		case e.Constraint != "":
			b.WriteString(" on ")
			b.WriteString(e.Constraint)
		case e.Table != "" && e.Column != "":
			b.WriteString(" on ")
			b.WriteString(e.Table)
			b.WriteString(".")
			b.WriteString(e.Column)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the driver's error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's class.
func (e *Error) Is(target error) bool { return e.Class != nil && target == e.Class }

// Retryable reports whether err is a serialization failure or a deadlock:
// a transaction that failed with it may succeed if run again.
func Retryable(err error) bool {
	return errors.Is(err, ErrSerializationFailure) || errors.Is(err, ErrDeadlock)
}
