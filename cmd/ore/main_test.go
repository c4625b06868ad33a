package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore/internal/chinook"
	"github.com/ore-go/ore/internal/testdb"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, for making files
)

// runOre runs the command line with args and returns what it printed.
func runOre(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// pgExec runs sql on the PostgreSQL database dsn names.
func pgExec(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	require.NoError(t, err)
}

// sqliteFile returns the path of a new SQLite database file holding what
// sql creates.
func sqliteFile(t *testing.T, sql string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := openSQLiteFile(path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(sql)
	require.NoError(t, err)
	return path
}

func openSQLiteFile(path string) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
}

// searchPath returns the schema a DSN of testdb.PGSchema works in.
func searchPath(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	schema := u.Query().Get("search_path")
	require.NotEmpty(t, schema)
	return schema
}

// ----------------------------------------------------------------------------
// ore demo

var demoSections = []string{
	"== Create the schema from its Go declaration, in foreign key order",
	"== Insert rows, one statement for many, RETURNING the new keys",
	"== Join and aggregate: books and pages per author, authors with two books or more",
	"== A window function: each book's rank by length among its author's books",
	"== Upsert: receive stock, adding to what is there",
	"== A transaction: sell four copies, then try to sell four more",
	"== The ORM: a session, its identity map, and one commit for every change",
	"== Relationships: loader options, and a delete that cascades",
	"== Done",
}

// assertDemo checks the demo's output: every section, in order, and the
// results the bookshop's rows give.
func assertDemo(t *testing.T, out string) {
	t.Helper()
	last := -1
	for _, s := range demoSections {
		i := strings.Index(out, "\n"+s+"\n")
		if assert.GreaterOrEqual(t, i, 0, "section %q missing", s) {
			assert.Greater(t, i, last, "section %q out of order", s)
			last = i
		}
	}
	for _, re := range []string{
		`(?m)^author\s+books\s+pages\nUrsula K\. Le Guin\s+3\s+874\nItalo Calvino\s+2\s+425\n`,
		`(?m)^Stanisław Lem\s+Solaris\s+1$`,
		`(?m)^Ursula K\. Le Guin\s+A Wizard of Earthsea\s+3$`,
		`(?m)^Solaris in stock: 5$`,
		`(?m)^refused, as it should be: the CHECK \(count >= 0\) constraint failed, and the transaction rolled back$`,
		`(?m)^Solaris in stock: 1$`,
		`(?m)^  sql> CREATE TABLE "books" .*FOREIGN KEY \("author_id"\) REFERENCES "authors" \("id"\) ON DELETE CASCADE`,
		`(?m)^connections opened: \d+; statement shapes compiled: \d+, reused: \d+$`,
		`(?m)^Get by primary key returns the same object, without SQL: true\n  sql> SELECT .*"books"`,
		`(?m)^her books, loaded on first use: A Wizard of Earthsea \(1968\), The Left Hand of Darkness \(1969\), The Dispossessed \(1974\)$`,
		`(?m)^before the commit: 1 new object; 2 changed`,
		`(?m)^  sql> UPDATE "books" SET "price" = \S+ WHERE "books"\."id" = \S+ \[7\.99 \d+\]`,
		`(?m)^  sql> INSERT INTO "books" \("author_id", "title", "year", "pages", "price"\) VALUES .* RETURNING "id"`,
		`(?m)^committed: "The Lathe of Heaven" is book 7, by author 1$`,
		// The same objects with each loader: 1+N statements, 2, 1.
		`(?m)^-- every author with their books, loaded lazy \(on first use\):\n(  sql> .*\n)*3 authors, 7 books; statements: 4$`,
		`(?m)^-- every author with their books, loaded select-in \(one more query\):\n(  sql> .*\n)*3 authors, 7 books; statements: 2$`,
		`(?m)^-- every author with their books, loaded joined \(the same query\):\n(  sql> .*\n)*3 authors, 7 books; statements: 1$`,
		`(?m)^A Wizard of Earthsea \(7\.99\) by Ursula K\. Le Guin, books by that author: 4\nSolaris \(9\.00\) by Stanisław Lem, books by that author: 1\nstatements: 2$`,
		`(?m)^  sql> DELETE FROM "books" WHERE "books"\."id" = \S+ \[4\]`,
		`(?m)^"Invisible Cities" deleted; books by Calvino left: 1$`,
	} {
		assert.Regexp(t, re, out)
	}
	// Authors first, then books, then stock: foreign key order.
	a, b, s := strings.Index(out, `CREATE TABLE "authors"`), strings.Index(out, `CREATE TABLE "books"`), strings.Index(out, `CREATE TABLE "stock"`)
	assert.True(t, 0 <= a && a < b && b < s, "tables created in foreign key order")
}

func TestDemoSQLite(t *testing.T) {
	start := time.Now()
	out, stderr, err := runOre(t, "demo")
	elapsed := time.Since(start)
	require.NoError(t, err, "%s", out)
	assert.Empty(t, stderr)
	assertDemo(t, out)
	// No server, no setup, and quick.
	assert.Less(t, elapsed, 20*time.Second)
	t.Logf("demo on SQLite: %v", elapsed)

	m := regexp.MustCompile(`^ore demo: a bookshop in a new SQLite file, (\S+)\n`).FindStringSubmatch(out)
	require.NotNil(t, m, "first line: %q", strings.SplitN(out, "\n", 2)[0])
	_, err = os.Stat(m[1])
	assert.True(t, errors.Is(err, os.ErrNotExist), "the demo's file is removed: %v", err)
}

func TestDemoPostgres(t *testing.T) {
	dsn := testdb.PGSchema(t)
	out, stderr, err := runOre(t, "demo", "--dsn", dsn)
	require.NoError(t, err, "%s", out)
	assert.Empty(t, stderr)
	assertDemo(t, out)
	assert.True(t, strings.HasPrefix(out, "ore demo: a bookshop on postgres://"), out[:min(len(out), 100)])

	// The demo works in a schema of its own and drops it.
	schema := fmt.Sprintf("ore_demo_%d", os.Getpid())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.PGDSN())
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n))
	assert.Zero(t, n, "schema %s left behind", schema)
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, searchPath(t, dsn)).Scan(&n))
	assert.Zero(t, n, "tables left in the DSN's schema")
}

func TestDemoErrors(t *testing.T) {
	_, _, err := runOre(t, "demo", "--dsn", "mysql://x")
	assert.Equal(t, 2, exitCode(err))
	assert.EqualError(t, err, `bad DSN: unknown scheme "mysql" (want postgres://, file: or a path)`)
	_, _, err = runOre(t, "demo", "extra")
	assert.Equal(t, 2, exitCode(err))
	assert.EqualError(t, err, `demo: unexpected argument "extra"`)
}

// ----------------------------------------------------------------------------
// ore inspect

// inspectSQL is a small schema with every kind of thing inspect reports.
const inspectSQL = `
CREATE TABLE "authors" (
	"id" INTEGER PRIMARY KEY,
	"name" VARCHAR(100) NOT NULL,
	"email" TEXT,
	CONSTRAINT "authors_email_key" UNIQUE ("email")
);
CREATE TABLE "books" (
	"id" INTEGER NOT NULL,
	"author_id" INTEGER NOT NULL,
	"title" TEXT NOT NULL DEFAULT 'untitled',
	"price" NUMERIC(8,2),
	CONSTRAINT "books_pk" PRIMARY KEY ("id"),
	CONSTRAINT "books_author_fk" FOREIGN KEY ("author_id") REFERENCES "authors" ("id") ON DELETE CASCADE,
	CONSTRAINT "books_price_check" CHECK (price >= 0)
);
CREATE INDEX "books_author_title_idx" ON "books" ("author_id", "title");
CREATE UNIQUE INDEX "books_lower_title_idx" ON "books" (lower(title)) WHERE price IS NOT NULL;
CREATE VIEW "cheap_books" AS SELECT "title" FROM "books" WHERE price < 10;
`

func TestInspectSQLite(t *testing.T) {
	path := sqliteFile(t, inspectSQL)
	out, stderr, err := runOre(t, "inspect", path)
	require.NoError(t, err)
	assert.Empty(t, stderr)
	assert.Equal(t, `sqlite database, schema main: 2 tables, 1 views

table authors
  id     INTEGER       not null
  name   VARCHAR(100)  not null
  email  TEXT
  primary key (id)
  unique authors_email_key (email)

table books
  id         INTEGER       not null
  author_id  INTEGER       not null
  title      TEXT          not null, default 'untitled'
  price      NUMERIC(8,2)
  primary key books_pk (id)
  foreign key books_author_fk (author_id) references authors(id) on delete cascade
  check books_price_check (price >= 0)
  index books_author_title_idx (author_id, title)
  unique index books_lower_title_idx (lower(title)) where price IS NOT NULL

view cheap_books
  title  TEXT
  as SELECT "title" FROM "books" WHERE price < 10
`, out)

	// --schema names the schema; main is SQLite's.
	out2, _, err := runOre(t, "inspect", "--schema", "main", path)
	require.NoError(t, err)
	assert.Equal(t, out, out2)
	_, _, err = runOre(t, "inspect", "--schema", "nope", path)
	require.Error(t, err)
	assert.Equal(t, 1, exitCode(err))
	assert.Contains(t, errorLine(err), `no such schema "nope"`)
}

func TestInspectPostgres(t *testing.T) {
	dsn := testdb.PGSchema(t)
	pgExec(t, dsn, inspectSQL)
	schema := searchPath(t, dsn)
	out, stderr, err := runOre(t, "inspect", dsn)
	require.NoError(t, err)
	assert.Empty(t, stderr)
	for _, line := range []string{
		"postgres database, schema " + schema + ": 2 tables, 1 views\n",
		"\ntable authors\n",
		"\n  name   character varying(100)  not null\n",
		"\n  email  text\n",
		"\n  primary key authors_pkey (id)\n",
		"\n  unique authors_email_key (email)\n",
		"\n  title      text          not null, default 'untitled'::text\n",
		"\n  price      numeric(8,2)\n",
		"\n  primary key books_pk (id)\n",
		"\n  foreign key books_author_fk (author_id) references authors(id) on delete cascade\n",
		"\n  check books_price_check (price >= 0::numeric)\n",
		"\n  index books_author_title_idx (author_id, title)\n",
		"\n  unique index books_lower_title_idx (lower(title)) where price IS NOT NULL\n",
		"\nview cheap_books\n",
	} {
		assert.Contains(t, out, line)
	}
	// The unique constraint's index is shown once, as the constraint.
	assert.NotContains(t, out, "index authors_email_key")

	// The same schema, named, through a DSN without a search path. Only
	// the view's query differs: PostgreSQL qualifies the names that are
	// not on the search path.
	out2, _, err := runOre(t, "inspect", "--schema", schema, testdb.PGDSN())
	require.NoError(t, err)
	viewDef := regexp.MustCompile(`(?m)^  as .*$`)
	assert.Equal(t, viewDef.ReplaceAllString(out, ""), viewDef.ReplaceAllString(out2, ""))
	assert.Contains(t, out2, "FROM "+schema+".books")
	_, _, err = runOre(t, "inspect", "--schema", schema+"_nope", testdb.PGDSN())
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf("ore: no such schema %q", schema+"_nope"), errorLine(err))
}

// The JSON form, as a consumer would read it.
type jsonReport struct {
	Dialect string `json:"dialect"`
	Schema  string `json:"schema"`
	Tables  []struct {
		Name    string `json:"name"`
		Columns []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			Kind     string `json:"kind"`
			Nullable bool   `json:"nullable"`
			Default  string `json:"default"`
			Identity bool   `json:"identity"`
		} `json:"columns"`
		PrimaryKey *struct {
			Name    string   `json:"name"`
			Columns []string `json:"columns"`
		} `json:"primary_key"`
		ForeignKeys []struct {
			Name       string   `json:"name"`
			Columns    []string `json:"columns"`
			RefSchema  string   `json:"ref_schema"`
			RefTable   string   `json:"ref_table"`
			RefColumns []string `json:"ref_columns"`
			OnDelete   string   `json:"on_delete"`
			OnUpdate   string   `json:"on_update"`
		} `json:"foreign_keys"`
		Indexes []struct {
			Name       string   `json:"name"`
			Keys       []string `json:"keys"`
			Unique     bool     `json:"unique"`
			Predicate  string   `json:"predicate"`
			Constraint bool     `json:"constraint"`
		} `json:"indexes"`
		Uniques []struct {
			Name    string   `json:"name"`
			Columns []string `json:"columns"`
		} `json:"unique_constraints"`
		Checks []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"check_constraints"`
	} `json:"tables"`
	Views []struct {
		Name    string `json:"name"`
		Columns []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			Kind     string `json:"kind"`
			Nullable bool   `json:"nullable"`
		} `json:"columns"`
		Definition string `json:"definition"`
	} `json:"views"`
}

func TestInspectJSON(t *testing.T) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		t.Run(dbName, func(t *testing.T) {
			var dsn string
			if dbName == "sqlite" {
				dsn = sqliteFile(t, inspectSQL)
			} else {
				dsn = testdb.PGSchema(t)
				pgExec(t, dsn, inspectSQL)
			}
			out, _, err := runOre(t, "inspect", "--json", dsn)
			require.NoError(t, err)
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			var rep jsonReport
			require.NoError(t, dec.Decode(&rep))
			assert.False(t, dec.More(), "one JSON document")
			// Lists are lists, never null.
			assert.NotContains(t, out, ": null")

			assert.Equal(t, dbName, rep.Dialect)
			if dbName == "sqlite" {
				assert.Equal(t, "main", rep.Schema)
			} else {
				assert.Equal(t, searchPath(t, dsn), rep.Schema)
			}
			require.Len(t, rep.Tables, 2)
			authors, books := rep.Tables[0], rep.Tables[1]
			assert.Equal(t, "authors", authors.Name)
			assert.Equal(t, "books", books.Name)

			require.Len(t, books.Columns, 4)
			assert.Equal(t, "title", books.Columns[2].Name)
			assert.Equal(t, "text", books.Columns[2].Kind)
			assert.False(t, books.Columns[2].Nullable)
			assert.Contains(t, books.Columns[2].Default, "'untitled'")
			assert.Equal(t, "numeric", books.Columns[3].Kind)
			assert.True(t, books.Columns[3].Nullable)
			assert.Equal(t, "varchar", authors.Columns[1].Kind)

			require.NotNil(t, books.PrimaryKey)
			assert.Equal(t, "books_pk", books.PrimaryKey.Name)
			assert.Equal(t, []string{"id"}, books.PrimaryKey.Columns)

			require.Len(t, books.ForeignKeys, 1)
			fk := books.ForeignKeys[0]
			assert.Equal(t, "books_author_fk", fk.Name)
			assert.Equal(t, []string{"author_id"}, fk.Columns)
			assert.Empty(t, fk.RefSchema)
			assert.Equal(t, "authors", fk.RefTable)
			assert.Equal(t, []string{"id"}, fk.RefColumns)
			assert.Equal(t, "cascade", fk.OnDelete)
			assert.Equal(t, "no action", fk.OnUpdate)

			require.Len(t, books.Checks, 1)
			assert.Equal(t, "books_price_check", books.Checks[0].Name)
			assert.Contains(t, books.Checks[0].Expr, "price >= 0")

			require.Len(t, books.Indexes, 2)
			assert.Equal(t, "books_author_title_idx", books.Indexes[0].Name)
			assert.Equal(t, []string{"author_id", "title"}, books.Indexes[0].Keys)
			assert.False(t, books.Indexes[0].Unique)
			assert.Equal(t, "books_lower_title_idx", books.Indexes[1].Name)
			assert.Equal(t, []string{"lower(title)"}, books.Indexes[1].Keys)
			assert.True(t, books.Indexes[1].Unique)
			assert.Equal(t, "price IS NOT NULL", books.Indexes[1].Predicate)

			require.Len(t, authors.Uniques, 1)
			assert.Equal(t, "authors_email_key", authors.Uniques[0].Name)
			assert.Equal(t, []string{"email"}, authors.Uniques[0].Columns)
			// The constraint's own index is listed, and marked as such.
			require.Len(t, authors.Indexes, 1)
			assert.Equal(t, []string{"email"}, authors.Indexes[0].Keys)
			assert.True(t, authors.Indexes[0].Unique)
			assert.True(t, authors.Indexes[0].Constraint)

			require.Len(t, rep.Views, 1)
			assert.Equal(t, "cheap_books", rep.Views[0].Name)
			require.Len(t, rep.Views[0].Columns, 1)
			assert.Equal(t, "title", rep.Views[0].Columns[0].Name)
			assert.Contains(t, rep.Views[0].Definition, "10")
		})
	}
}

func TestInspectErrors(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	for _, c := range []struct {
		name  string
		args  []string
		usage bool
		msg   string // errorLine's output, or its start
	}{
		{"no DSN", []string{"inspect"}, true, "ore: inspect: missing DSN"},
		{"two DSNs", []string{"inspect", "a.db", "b.db"}, true, `ore: inspect: unexpected argument "b.db"`},
		{"unknown flag", []string{"inspect", "--bogus", "a.db"}, true, "ore: inspect: flag provided but not defined: -bogus"},
		{"flag without value", []string{"inspect", "a.db", "--schema"}, true, "ore: inspect: flag needs an argument: -schema"},
		{"bad scheme", []string{"inspect", "mysql://localhost/db"}, true,
			`ore: bad DSN: unknown scheme "mysql" (want postgres://, file: or a path)`},
		{"bad postgres DSN", []string{"inspect", "postgres://%zz"}, true, "ore: bad DSN: "},
		{"unreachable server", []string{"inspect", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/test?connect_timeout=5", closedPort)}, false,
			"ore: cannot reach the database: "},
		{"SQLite file in no directory", []string{"inspect", filepath.Join(t.TempDir(), "missing", "x.db")}, false,
			"ore: cannot reach the database: "},
		{"SQLite file that is a directory", []string{"inspect", t.TempDir()}, false, "ore: cannot reach the database: "},
		{"no command", nil, true, "ore: no command given"},
		{"unknown command", []string{"inspekt"}, true, `ore: unknown command "inspekt"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			stdout, stderr, err := runOre(t, c.args...)
			require.Error(t, err)
			assert.Less(t, time.Since(start), 10*time.Second)
			assert.Empty(t, stdout)
			line := errorLine(err)
			assert.True(t, strings.HasPrefix(line, c.msg), "%q, want %q", line, c.msg)
			assert.NotContains(t, line, "\n")
			assert.False(t, strings.HasPrefix(line, "ore: ore: "), line)
			if c.usage {
				assert.Equal(t, 2, exitCode(err), "%v", err)
			} else {
				assert.Equal(t, 1, exitCode(err), "%v", err)
			}
			if c.args == nil || c.name == "unknown command" {
				assert.Equal(t, usage, stderr, "usage on stderr")
			}
		})
	}
}

func TestHelpAndErrorLine(t *testing.T) {
	stdout, stderr, err := runOre(t, "help")
	require.NoError(t, err)
	assert.Equal(t, usage, stdout)
	assert.Empty(t, stderr)

	assert.Equal(t, "ore: pool: connect: failed to connect: line two", errorLine(errors.New("ore: pool: connect: failed to connect:\n\tline two")))
	assert.Equal(t, "ore: no such schema", errorLine(errors.New("no such schema")))
	assert.Equal(t, 2, exitCode(fmt.Errorf("wrapped: %w", usageError{"x"})))
	assert.Equal(t, 1, exitCode(errors.New("x")))
}

// ----------------------------------------------------------------------------
// ore gen

// chinookColumns is the number of columns of each Chinook table, by the
// generated struct's name.
var chinookColumns = map[string]int{
	"AlbumTable": 3, "ArtistTable": 2, "CustomerTable": 13, "EmployeeTable": 15, "GenreTable": 2, "InvoiceTable": 9,
	"InvoiceLineTable": 5, "MediaTypeTable": 2, "PlaylistTable": 2, "PlaylistTrackTable": 2, "TrackTable": 9,
}

// genMain is the program of the temporary module: a typed query on the
// generated tables, and a look at what they declare.
const genMain = `package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"

	"gentest/chinook"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	dsn := os.Getenv("CHINOOK_DSN")
	var drv ore.Driver
	var err error
	if strings.HasPrefix(dsn, "postgres://") {
		drv, err = postgres.NewDriver(dsn, postgres.Options{})
	} else {
		drv, err = sqlite.NewDriver(dsn, sqlite.Options{})
	}
	if err != nil {
		return err
	}
	db, err := ore.Open(ctx, drv, ore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	artist, album := chinook.Artist, chinook.Album
	top, err := ore.All(ctx, db, ore.Select2(artist.Name, ore.Count().As("albums")).
		From(album).
		Join(artist, artist.ArtistID.EqExpr(album.ArtistID)).
		GroupBy(artist.ArtistID, artist.Name).
		OrderBy(ore.Count().Desc(), artist.Name).
		Limit(3))
	if err != nil {
		return err
	}
	for _, r := range top {
		fmt.Printf("%s %d\n", *r.V1, r.V2)
	}

	total, err := ore.Scalar(ctx, db, ore.Select1(ore.Sum(chinook.Invoice.Total)).From(chinook.Invoice))
	if err != nil {
		return err
	}
	fmt.Printf("sales %.2f\n", total)

	sorted, cycles, err := chinook.Tables.SortedTables()
	if err != nil {
		return err
	}
	fks, indexes := 0, 0
	for _, t := range sorted {
		spec, err := t.Spec()
		if err != nil {
			return err
		}
		fks += len(spec.ForeignKeys)
		indexes += len(spec.Indexes)
	}
	fmt.Printf("tables %d, foreign keys %d, indexes %d, cycles %d\n", len(sorted), fks, indexes, len(cycles))
	return nil
}
`

func TestGenChinook(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	goSum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)

	for _, dbName := range []string{"postgres", "sqlite"} {
		t.Run(dbName, func(t *testing.T) {
			var dsn string
			if dbName == "postgres" {
				dsn = testdb.PGSchema(t)
				ctx := context.Background()
				conn, err := pgx.Connect(ctx, dsn)
				require.NoError(t, err)
				require.NoError(t, chinook.LoadPG(ctx, conn, false))
				conn.Close(ctx)
			} else {
				dsn = filepath.Join(t.TempDir(), "chinook.db")
				db, err := openSQLiteFile(dsn)
				require.NoError(t, err)
				require.NoError(t, chinook.LoadSQLite(db, false, false))
				require.NoError(t, db.Close())
			}

			src, stderr, err := runOre(t, "gen", "--pkg", "chinook", dsn)
			require.NoError(t, err)
			assert.Empty(t, stderr)
			formatted, err := format.Source([]byte(src))
			require.NoError(t, err)
			assert.Equal(t, src, string(formatted), "gofmt-ed")
			assertGenerated(t, dbName, src)

			// A module of its own, using this one.
			dir := t.TempDir()
			files := map[string]string{
				"go.mod": "module gentest\n\ngo 1.26\n\nrequire github.com/ore-go/ore v0.0.0\n\n" +
					"replace github.com/ore-go/ore => " + root + "\n",
				"go.sum":             string(goSum),
				"main.go":            genMain,
				"chinook/chinook.go": src,
			}
			for name, text := range files {
				path := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
			}
			cmd := exec.Command(goTool, "run", ".")
			cmd.Dir = dir
			// The module proxy stays on: on a fresh machine the module cache
			// lacks go.mod files that only this module's graph needs (the
			// driver's older dependencies); go.sum verifies what it fetches.
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "CHINOOK_DSN="+dsn)
			start := time.Now()
			out, err := cmd.CombinedOutput()
			t.Logf("go run: %v", time.Since(start))
			require.NoError(t, err, "%s", out)
			assert.Equal(t, "Iron Maiden 21\nLed Zeppelin 14\nDeep Purple 11\nsales 2328.60\n"+
				"tables 11, foreign keys 11, indexes 11, cycles 0\n", string(out))
		})
	}
}

// assertGenerated checks the generated source: one typed column per
// column of each table, with types from the database's.
func assertGenerated(t *testing.T, dbName, src string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "chinook.go", src, 0)
	require.NoError(t, err)
	assert.Equal(t, "chinook", f.Name.Name)
	fields := map[string]map[string]string{} // struct -> field -> type
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields[ts.Name.Name] = map[string]string{}
			for _, fld := range st.Fields.List {
				var b bytes.Buffer
				require.NoError(t, format.Node(&b, token.NewFileSet(), fld.Type))
				typ := b.String()
				if len(fld.Names) == 0 {
					assert.Equal(t, "ore.Table", typ)
					continue
				}
				require.Len(t, fld.Names, 1)
				assert.True(t, strings.HasPrefix(typ, "ore.Col["), "%s.%s: %s", ts.Name.Name, fld.Names[0].Name, typ)
				assert.NotEqual(t, "ore.Col[any]", typ, "%s.%s has no Go type", ts.Name.Name, fld.Names[0].Name)
				fields[ts.Name.Name][fld.Names[0].Name] = typ
			}
		}
	}
	counts := map[string]int{}
	for name, fs := range fields {
		counts[name] = len(fs)
	}
	assert.Equal(t, chinookColumns, counts)

	integer := "ore.Col[int32]" // INT in the PostgreSQL script
	if dbName == "sqlite" {
		integer = "ore.Col[int64]" // INTEGER in SQLite's
	}
	track := fields["TrackTable"]
	assert.Equal(t, integer, track["TrackID"])
	assert.Equal(t, "ore.Col[string]", track["Name"])
	assert.Equal(t, "ore.Col[*"+strings.TrimPrefix(integer, "ore.Col["), track["AlbumID"])
	assert.Equal(t, "ore.Col[*string]", track["Composer"])
	assert.Equal(t, "ore.Col[float64]", track["UnitPrice"])
	assert.Equal(t, "ore.Col[time.Time]", fields["InvoiceTable"]["InvoiceDate"])
	assert.Equal(t, "ore.Col[*time.Time]", fields["EmployeeTable"]["BirthDate"])

	for _, want := range []string{
		"`ore:\"unit_price,type=numeric(10,2)\"`", // PostgreSQL's names
		"`ore:\"invoice_date,type=timestamp\"`",
		"`ore:\"name,size=200\"`",
		`ore.PrimaryKey(t.PlaylistID, t.TrackID).Named("playlist_track_pkey")`,
		`ore.ForeignKey(t.AlbumID).References(Album.AlbumID).Named("track_album_id_fkey")`,
		`ore.Index(t.GenreID).Named("track_genre_id_idx")`,
		`Track         = ore.NewTable[TrackTable]("track")`,
	} {
		if dbName == "sqlite" {
			want = strings.NewReplacer(
				"unit_price", "UnitPrice", "invoice_date", "InvoiceDate", `"name,`, `"Name,`,
				"playlist_track_pkey", "PK_PlaylistTrack", `.Named("track_album_id_fkey")`, "",
				"track_genre_id_idx", "IFK_TrackGenreId", `"track"`, `"Track"`,
			).Replace(want)
		}
		assert.Contains(t, src, want)
	}
}

func TestGenErrors(t *testing.T) {
	path := sqliteFile(t, inspectSQL)
	for _, c := range []struct {
		name  string
		args  []string
		usage bool
		msg   string
	}{
		{"missing --pkg", []string{"gen", path}, true, "ore: gen: --pkg is required"},
		{"invalid package name", []string{"gen", "--pkg", "1x", path}, true, `ore: gen: "1x" is not a valid package name`},
		{"keyword as package name", []string{"gen", "--pkg", "func", path}, true, `ore: gen: "func" is not a valid package name`},
		{"missing DSN", []string{"gen", "--pkg", "x"}, true, "ore: gen: missing DSN"},
		{"bad DSN", []string{"gen", "--pkg", "x", "mysql://localhost/db"}, true, `ore: bad DSN: unknown scheme "mysql"`},
		{"unopenable file", []string{"gen", "--pkg", "x", filepath.Join(t.TempDir(), "no", "x.db")}, false, "ore: cannot reach the database: "},
		{"no such schema", []string{"gen", "--pkg", "x", "--schema", "nope", path}, false, `ore: inspect tables: sqlite: no such schema "nope"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, _, err := runOre(t, c.args...)
			require.Error(t, err)
			assert.Empty(t, stdout, "nothing generated")
			line := errorLine(err)
			assert.True(t, strings.HasPrefix(line, c.msg), "%q, want %q", line, c.msg)
			if c.usage {
				assert.Equal(t, 2, exitCode(err), "%v", err)
			} else {
				assert.Equal(t, 1, exitCode(err), "%v", err)
			}
		})
	}

	// A database with tables but nothing else: the smallest source.
	src, _, err := runOre(t, "gen", "--pkg", "books", path)
	require.NoError(t, err)
	assert.Contains(t, src, "package books\n")
	assert.Contains(t, src, `ore.CheckSQL("price >= 0").Named("books_price_check")`)
	assert.Contains(t, src, `ore.UniqueIndex(ore.Raw[any]("lower(title)")).Named("books_lower_title_idx").Where(ore.Raw[bool]("price IS NOT NULL"))`)
}

func TestGenNames(t *testing.T) {
	// Names that need care: a table whose Go name is the MetaData's, a
	// column named like the embedded Table, "?" in SQL text.
	path := sqliteFile(t, `
CREATE TABLE "tables" ("id" INTEGER PRIMARY KEY, "table" TEXT, "user_id" INTEGER, "UserID" INTEGER,
	CONSTRAINT "tables_table_check" CHECK ("table" <> '?'));
CREATE INDEX "tables_partial" ON "tables" ("user_id") WHERE "table" <> '?';
CREATE TABLE "order" ("id" INTEGER PRIMARY KEY, "tables_id" INTEGER REFERENCES "tables" ("id"));
`)
	src, _, err := runOre(t, "gen", "--pkg", "shop", path)
	require.NoError(t, err)
	f, err := parser.ParseFile(token.NewFileSet(), "shop.go", src, 0)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gd.Specs {
			var names []*ast.Ident
			switch spec := spec.(type) {
			case *ast.TypeSpec:
				names = []*ast.Ident{spec.Name}
			case *ast.ValueSpec:
				names = spec.Names
			}
			for _, n := range names {
				assert.False(t, seen[n.Name], "%s declared twice", n.Name)
				seen[n.Name] = true
			}
		}
	}
	for _, want := range []string{
		`Tables2 = ore.NewTable[Tables2Table]("tables")`,
		"Table2  ore.Col[*string] `ore:\"table\"`",
		"UserID  ore.Col[*int64]  `ore:\"user_id\"`",
		"UserID2 ore.Col[*int64]  `ore:\"UserID\"`",
		`ore.CheckSQL("\"table\" <> '?'").Named("tables_table_check")`,
		`ore.Index(t.UserID).Named("tables_partial").Where(ore.Raw[bool]("\"table\" <> '??'"))`,
		`ore.ForeignKey(t.TablesID).References(Tables2.ID)`,
		`var Tables = ore.NewMetaData(Tables2, Order)`,
	} {
		assert.Contains(t, src, want)
	}
}
