// Package chinook loads the Chinook sample database (a digital media store:
// artists, albums, tracks, invoices, playlists; see SOURCE.md and
// LICENSE.md) into PostgreSQL and SQLite for tests, and declares its tables
// for ore.
//
// The two scripts name things differently: PostgreSQL's uses snake_case
// (invoice_line.invoice_line_id), SQLite's PascalCase (InvoiceLine.InvoiceLineId).
// [LoadSQLite] can rename SQLite's tables and columns to PostgreSQL's names,
// so that one declaration ([Album], [Track], ...) serves both databases.
package chinook

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

var (
	//go:embed Chinook_PostgreSql.sql
	pgScript string
	//go:embed Chinook_Sqlite.sql
	sqliteScript string
	//go:embed Chinook_PostgreSql_AutoIncrementPKs.sql
	pgAutoScript string
	//go:embed Chinook_Sqlite_AutoIncrementPKs.sql
	sqliteAutoScript string
)

// The row counts of the tables, identical in both scripts.
var RowCounts = map[string]int{
	"album": 347, "artist": 275, "customer": 59, "employee": 8, "genre": 25,
	"invoice": 412, "invoice_line": 2240, "media_type": 5, "playlist": 18,
	"playlist_track": 8715, "track": 3503,
}

// psqlPreamble matches the part of the PostgreSQL scripts that only psql
// understands: dropping and creating the database and connecting to it.
var psqlPreamble = regexp.MustCompile(`(?s)^.*?\\c [a-z_]+;\n`)

// PGScript returns the PostgreSQL script without its psql preamble, ready
// to run in the current database and schema. autoIncrement selects the
// variant whose keys are identity columns.
func PGScript(autoIncrement bool) string {
	s := pgScript
	if autoIncrement {
		s = pgAutoScript
	}
	return psqlPreamble.ReplaceAllString(s, "")
}

// SQLiteScript returns the SQLite script. autoIncrement selects the variant
// whose keys are AUTOINCREMENT.
func SQLiteScript(autoIncrement bool) string {
	if autoIncrement {
		return sqliteAutoScript
	}
	return sqliteScript
}

// PGExecer is what LoadPG runs the script with: *pgx.Conn, pgx.Tx and
// *pgxpool.Pool all are.
type PGExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// LoadPG runs the PostgreSQL script on conn, in its current search path.
func LoadPG(ctx context.Context, conn PGExecer, autoIncrement bool) error {
	if _, err := conn.Exec(ctx, PGScript(autoIncrement)); err != nil {
		return fmt.Errorf("chinook: load postgres: %w", err)
	}
	return nil
}

// LoadSQLite runs the SQLite script on db. With snakeCase, it then renames
// every table and column to the PostgreSQL script's name (AlbumId →
// album_id, InvoiceLine → invoice_line), keeping keys and indexes.
func LoadSQLite(db *sql.DB, autoIncrement, snakeCase bool) error {
	if _, err := db.Exec(SQLiteScript(autoIncrement)); err != nil {
		return fmt.Errorf("chinook: load sqlite: %w", err)
	}
	if !snakeCase {
		return nil
	}
	return renameSQLite(db)
}

func renameSQLite(db *sql.DB) error {
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, table := range tables {
		cols, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
		if err != nil {
			return err
		}
		var names []string
		for cols.Next() {
			var name string
			if err := cols.Scan(&name); err != nil {
				cols.Close()
				return err
			}
			names = append(names, name)
		}
		cols.Close()
		for _, col := range names {
			if _, err := db.Exec(fmt.Sprintf(`ALTER TABLE %q RENAME COLUMN %q TO %q`, table, col, SnakeCase(col))); err != nil {
				return fmt.Errorf("chinook: rename %s.%s: %w", table, col, err)
			}
		}
		if _, err := db.Exec(fmt.Sprintf(`ALTER TABLE %q RENAME TO %q`, table, SnakeCase(table)+"_tmp")); err != nil {
			return err
		}
		if _, err := db.Exec(fmt.Sprintf(`ALTER TABLE %q RENAME TO %q`, SnakeCase(table)+"_tmp", SnakeCase(table))); err != nil {
			return err
		}
	}
	return nil
}

var camelBoundary = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// SnakeCase converts a Chinook PascalCase name to the PostgreSQL script's
// snake_case one: InvoiceLineId → invoice_line_id.
func SnakeCase(name string) string {
	return strings.ToLower(camelBoundary.ReplaceAllString(name, "${1}_${2}"))
}
