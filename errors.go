package ore

import (
	"database/sql"
	"errors"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// ErrNoRows is returned by [One], [First] and [Scalar] when the query
// returns no rows. errors.Is(err, sql.ErrNoRows) holds for it too.
var ErrNoRows = noRowsError{}

type noRowsError struct{}

func (noRowsError) Error() string { return "ore: no rows in result set" }

// Unwrap returns sql.ErrNoRows, so code written against database/sql keeps
// working.
func (noRowsError) Unwrap() error { return sql.ErrNoRows }

// ErrTooManyRows is returned by [One] and [Scalar] when the query returns
// more than one row.
var ErrTooManyRows = errors.New("ore: more than one row in result set")

// ErrTxDone is returned by operations on a transaction that has been
// committed or rolled back.
var ErrTxDone = errors.New("ore: transaction already committed or rolled back")

// ErrClosed is returned by operations on a closed DB or Conn.
var ErrClosed = errors.New("ore: database closed")

// The error classes of database errors, the same on every database. Match
// them with errors.Is; errors.As reaches the driver's own error
// (*pgconn.PgError, *sqlite.Error) and [dialect.Error], which carries the
// constraint, table and column the database named.
var (
	ErrUniqueViolation      = dialect.ErrUniqueViolation
	ErrForeignKeyViolation  = dialect.ErrForeignKeyViolation
	ErrNotNullViolation     = dialect.ErrNotNullViolation
	ErrCheckViolation       = dialect.ErrCheckViolation
	ErrSerializationFailure = dialect.ErrSerializationFailure
	ErrDeadlock             = dialect.ErrDeadlock
	ErrDisconnect           = dialect.ErrDisconnect
	ErrQueryCanceled        = dialect.ErrQueryCanceled
)

// ErrUnsupported is matched by compile errors for a feature the database
// lacks (DISTINCT ON on SQLite, say).
var ErrUnsupported = compile.ErrUnsupported
