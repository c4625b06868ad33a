package sqlite

import (
	"context"
	"errors"
	"strconv"
	"strings"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ore-go/ore/dialect"
)

// classify wraps err in a *dialect.Error with its class, and the table,
// column or constraint SQLite's message names.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var de *dialect.Error
	if errors.As(err, &de) {
		return err
	}
	e := &dialect.Error{Err: err, Message: err.Error()}
	var se *msqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		e.Code = strconv.Itoa(code)
		switch code {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			e.Class = dialect.ErrUniqueViolation
			where := after(se.Error(), "UNIQUE constraint failed: ")
			if name, ok := strings.CutPrefix(where, "index '"); ok {
				// A unique index on expressions has no columns to name.
				e.Constraint = strings.TrimSuffix(name, "'")
			} else {
				e.Table, e.Column = tableColumn(where)
			}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			e.Class = dialect.ErrForeignKeyViolation
		case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			// ON DELETE/UPDATE RESTRICT is enforced by a trigger that
			// raises the foreign key error.
			if strings.Contains(se.Error(), "FOREIGN KEY constraint failed") {
				e.Class = dialect.ErrForeignKeyViolation
			}
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			e.Class = dialect.ErrNotNullViolation
			e.Table, e.Column = tableColumn(after(se.Error(), "NOT NULL constraint failed: "))
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			e.Class = dialect.ErrCheckViolation
			e.Constraint = after(se.Error(), "CHECK constraint failed: ")
		}
		switch code & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			// Another connection holds the lock past the busy timeout, or a
			// snapshot went stale: the transaction must start over.
			e.Class = dialect.ErrSerializationFailure
		case sqlite3.SQLITE_INTERRUPT:
			e.Class = dialect.ErrQueryCanceled
		}
		return e
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		e.Class = dialect.ErrQueryCanceled
	}
	return e
}

// tableColumn splits "table.column" as SQLite's messages name a column.
// For constraints on several columns SQLite lists them all; the first is
// returned.
func tableColumn(s string) (table, column string) {
	s, _, _ = strings.Cut(s, ", ")
	table, column, _ = strings.Cut(s, ".")
	return table, column
}

// after returns what follows prefix in msg, without SQLite's trailing
// " (code)".
func after(msg, prefix string) string {
	_, s, ok := strings.Cut(msg, prefix)
	if !ok {
		return ""
	}
	if i := strings.LastIndex(s, " ("); i >= 0 {
		s = s[:i]
	}
	return s
}
