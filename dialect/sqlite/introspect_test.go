package sqlite_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/chinook"
)

// inspectDB returns a connection to a new in-memory database on which
// script has run, and SQLite's introspector.
func inspectDB(t *testing.T, script string) (dialect.Conn, dialect.Introspector) {
	t.Helper()
	d, err := sqlite.NewDriver(":memory:", sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	conn, err := d.Connect(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = conn.Exec(context.Background(), script, nil)
	require.NoError(t, err)
	return conn, d.Introspector()
}

// The schema covers every type name reflection knows, keys of each kind,
// named and unnamed constraints, indexes of each kind, a view, a table
// whose name needs quotes, and an attached database.
const inspectSchema = `
CREATE TABLE kinds (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	i INT NOT NULL DEFAULT 0,
	si SMALLINT,
	ti TINYINT,
	bi BIGINT,
	b BOOLEAN NOT NULL DEFAULT FALSE,
	b2 bool,
	r REAL,
	f FLOAT,
	d DOUBLE,
	dp DOUBLE PRECISION,
	n NUMERIC(10,2),
	n0 NUMERIC,
	dc DECIMAL(12, 4),
	t TEXT DEFAULT 'it''s',
	cl CLOB,
	vc VARCHAR(100),
	nvc NVARCHAR(160),
	cv CHARACTER VARYING(20),
	bl BLOB,
	dt DATE,
	tm TIME,
	ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
	dtm DATETIME,
	tstz TIMESTAMPTZ,
	u UUID,
	j JSON,
	other CHAR(3),
	untyped,
	g INT GENERATED ALWAYS AS (i * 2) STORED
);

CREATE TABLE plain (id INTEGER PRIMARY KEY, name TEXT NOT NULL);

CREATE TABLE parent (
	a TEXT,
	b INT,
	code TEXT NOT NULL,
	label TEXT,
	CONSTRAINT parent_pk PRIMARY KEY (b, a),
	CONSTRAINT parent_code_key UNIQUE (code),
	UNIQUE (label, code)
);

CREATE TABLE child (
	id INTEGER PRIMARY KEY,
	pa TEXT,
	pb INT,
	plain_id INTEGER REFERENCES plain ON DELETE SET NULL,
	kind_id INTEGER CONSTRAINT child_kind_fk REFERENCES kinds (id) ON DELETE CASCADE ON UPDATE RESTRICT,
	other_id INTEGER,
	note TEXT CHECK (note <> 'a (b'' c') CONSTRAINT note_len CHECK (length(note) < 100),
	CONSTRAINT child_parent_fk FOREIGN KEY (pb, pa) REFERENCES parent (b, a) ON UPDATE CASCADE ON DELETE SET DEFAULT,
	FOREIGN KEY (other_id) REFERENCES plain (id) ON DELETE NO ACTION ON UPDATE SET NULL,
	CHECK (pa IS NULL OR pb IS NOT NULL), -- a ) in a comment
	CONSTRAINT "child ""check"" (2)" CHECK (id > 0)
);

CREATE INDEX child_pab ON child (pa, pb);
CREATE UNIQUE INDEX child_note_u ON child (note);
CREATE INDEX child_lower_note ON child (lower(note), id DESC);
CREATE INDEX child_partial ON child (other_id) WHERE other_id IS NOT NULL AND note <> 'x';

CREATE VIEW child_notes AS SELECT id, note FROM child WHERE note IS NOT NULL;

CREATE TABLE "odd ""name"" [x]" (
	"the id" INTEGER PRIMARY KEY,
	"select" TEXT UNIQUE CHECK ("select" <> ''),
	"parent id" INTEGER REFERENCES "odd ""name"" [x]"
);
CREATE INDEX "odd ""index""" ON "odd ""name"" [x]" ("parent id");

ATTACH ':memory:' AS aux;
CREATE TABLE aux.things (id INTEGER PRIMARY KEY, name TEXT CONSTRAINT things_name_u UNIQUE, kind TEXT);
CREATE INDEX aux.things_kind ON things (kind);
`

const oddTable = `odd "name" [x]`

func bigint() compile.Type                 { return compile.Type{Kind: compile.TypeBigInt} }
func kind(k compile.TypeKind) compile.Type { return compile.Type{Kind: k} }
func varchar(n int) compile.Type           { return compile.Type{Kind: compile.TypeVarchar, Length: n} }
func named(s string) compile.Type          { return compile.Type{Kind: compile.TypeNamed, Name: s} }

func TestIntrospectSchemas(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, inspectSchema)

	def, err := in.DefaultSchema(ctx, conn)
	require.NoError(t, err)
	assert.Equal(t, "main", def)

	schemas, err := in.Schemas(ctx, conn)
	require.NoError(t, err)
	assert.Equal(t, []string{"main", "aux"}, schemas, "temp holds nothing yet")

	tables, err := in.Tables(ctx, conn, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"child", "kinds", oddTable, "parent", "plain"}, tables, "no sqlite_sequence, no view")
	tables, err = in.Tables(ctx, conn, "main")
	require.NoError(t, err)
	assert.Equal(t, []string{"child", "kinds", oddTable, "parent", "plain"}, tables)
	tables, err = in.Tables(ctx, conn, "aux")
	require.NoError(t, err)
	assert.Equal(t, []string{"things"}, tables)

	views, err := in.Views(ctx, conn, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"child_notes"}, views)
	views, err = in.Views(ctx, conn, "aux")
	require.NoError(t, err)
	assert.Empty(t, views)

	def2, err := in.ViewDefinition(ctx, conn, "", "child_notes")
	require.NoError(t, err)
	assert.Equal(t, "SELECT id, note FROM child WHERE note IS NOT NULL", def2)

	_, err = conn.Exec(ctx, `CREATE TEMP TABLE scratch (x INT); CREATE TEMP VIEW scratch_view AS SELECT x FROM scratch`, nil)
	require.NoError(t, err)
	schemas, err = in.Schemas(ctx, conn)
	require.NoError(t, err)
	assert.Equal(t, []string{"main", "temp", "aux"}, schemas)
	tables, err = in.Tables(ctx, conn, "temp")
	require.NoError(t, err)
	assert.Equal(t, []string{"scratch"}, tables)
	views, err = in.Views(ctx, conn, "temp")
	require.NoError(t, err)
	assert.Equal(t, []string{"scratch_view"}, views)
	cols, err := in.Columns(ctx, conn, "temp", "scratch")
	require.NoError(t, err)
	assert.Equal(t, []dialect.ColumnInfo{{Name: "x", DBType: "INT", Type: kind(compile.TypeInt), Nullable: true}}, cols)

	_, err = in.Tables(ctx, conn, "nosuch")
	assert.ErrorContains(t, err, `sqlite: no such schema "nosuch": `)
	assert.NotErrorIs(t, err, dialect.ErrNoSuchTable)
	_, err = in.Views(ctx, conn, "nosuch")
	assert.ErrorContains(t, err, `sqlite: no such schema "nosuch"`)
}

func TestIntrospectColumns(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, inspectSchema)
	columns := func(schema, table string) []dialect.ColumnInfo {
		t.Helper()
		cols, err := in.Columns(ctx, conn, schema, table)
		require.NoError(t, err)
		return cols
	}

	assert.Equal(t, []dialect.ColumnInfo{
		{Name: "id", DBType: "INTEGER", Type: bigint(), Identity: true},
		{Name: "i", DBType: "INT", Type: kind(compile.TypeInt), Default: "0"},
		{Name: "si", DBType: "SMALLINT", Type: kind(compile.TypeSmallInt), Nullable: true},
		{Name: "ti", DBType: "TINYINT", Type: kind(compile.TypeSmallInt), Nullable: true},
		{Name: "bi", DBType: "BIGINT", Type: bigint(), Nullable: true},
		{Name: "b", DBType: "BOOLEAN", Type: kind(compile.TypeBool), Default: "FALSE"},
		{Name: "b2", DBType: "bool", Type: kind(compile.TypeBool), Nullable: true},
		{Name: "r", DBType: "REAL", Type: kind(compile.TypeReal), Nullable: true},
		{Name: "f", DBType: "FLOAT", Type: kind(compile.TypeReal), Nullable: true},
		{Name: "d", DBType: "DOUBLE", Type: kind(compile.TypeDouble), Nullable: true},
		{Name: "dp", DBType: "DOUBLE PRECISION", Type: kind(compile.TypeDouble), Nullable: true},
		{Name: "n", DBType: "NUMERIC(10,2)", Type: compile.Type{Kind: compile.TypeNumeric, Precision: 10, Scale: 2}, Nullable: true},
		{Name: "n0", DBType: "NUMERIC", Type: kind(compile.TypeNumeric), Nullable: true},
		{Name: "dc", DBType: "DECIMAL(12, 4)", Type: compile.Type{Kind: compile.TypeNumeric, Precision: 12, Scale: 4}, Nullable: true},
		{Name: "t", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true, Default: "'it''s'"},
		{Name: "cl", DBType: "CLOB", Type: kind(compile.TypeText), Nullable: true},
		{Name: "vc", DBType: "VARCHAR(100)", Type: varchar(100), Nullable: true},
		{Name: "nvc", DBType: "NVARCHAR(160)", Type: varchar(160), Nullable: true},
		{Name: "cv", DBType: "CHARACTER VARYING(20)", Type: varchar(20), Nullable: true},
		{Name: "bl", DBType: "BLOB", Type: kind(compile.TypeBytes), Nullable: true},
		{Name: "dt", DBType: "DATE", Type: kind(compile.TypeDate), Nullable: true},
		{Name: "tm", DBType: "TIME", Type: kind(compile.TypeTime), Nullable: true},
		{Name: "ts", DBType: "TIMESTAMP", Type: kind(compile.TypeTimestamp), Nullable: true, Default: "CURRENT_TIMESTAMP"},
		{Name: "dtm", DBType: "DATETIME", Type: kind(compile.TypeTimestamp), Nullable: true},
		{Name: "tstz", DBType: "TIMESTAMPTZ", Type: kind(compile.TypeTimestampTZ), Nullable: true},
		{Name: "u", DBType: "UUID", Type: kind(compile.TypeUUID), Nullable: true},
		{Name: "j", DBType: "JSON", Type: kind(compile.TypeJSON), Nullable: true},
		{Name: "other", DBType: "CHAR(3)", Type: named("CHAR(3)"), Nullable: true},
		{Name: "untyped", DBType: "", Type: named(""), Nullable: true},
		{Name: "g", DBType: "INT", Type: kind(compile.TypeInt), Nullable: true},
	}, columns("", "kinds"))

	// A plain INTEGER PRIMARY KEY is the rowid: never NULL, but not what
	// ore declares for identity columns.
	assert.Equal(t, []dialect.ColumnInfo{
		{Name: "id", DBType: "INTEGER", Type: bigint()},
		{Name: "name", DBType: "TEXT", Type: kind(compile.TypeText)},
	}, columns("", "plain"))

	// Other primary key columns of a rowid table accept NULL unless
	// declared NOT NULL.
	assert.Equal(t, []dialect.ColumnInfo{
		{Name: "a", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
		{Name: "b", DBType: "INT", Type: kind(compile.TypeInt), Nullable: true},
		{Name: "code", DBType: "TEXT", Type: kind(compile.TypeText)},
		{Name: "label", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
	}, columns("", "parent"))

	childCols := []dialect.ColumnInfo{
		{Name: "id", DBType: "INTEGER", Type: bigint()},
		{Name: "pa", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
		{Name: "pb", DBType: "INT", Type: kind(compile.TypeInt), Nullable: true},
		{Name: "plain_id", DBType: "INTEGER", Type: bigint(), Nullable: true},
		{Name: "kind_id", DBType: "INTEGER", Type: bigint(), Nullable: true},
		{Name: "other_id", DBType: "INTEGER", Type: bigint(), Nullable: true},
		{Name: "note", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
	}
	assert.Equal(t, childCols, columns("", "child"))
	assert.Equal(t, childCols, columns("main", "CHILD"), "names are case-insensitive")

	assert.Equal(t, []dialect.ColumnInfo{
		{Name: "the id", DBType: "INTEGER", Type: bigint()},
		{Name: "select", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
		{Name: "parent id", DBType: "INTEGER", Type: bigint(), Nullable: true},
	}, columns("", oddTable))

	// A view's columns take the declared types of the columns they show.
	assert.Equal(t, []dialect.ColumnInfo{
		{Name: "id", DBType: "INTEGER", Type: bigint(), Nullable: true},
		{Name: "note", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
	}, columns("", "child_notes"))

	assert.Equal(t, []dialect.ColumnInfo{
		{Name: "id", DBType: "INTEGER", Type: bigint()},
		{Name: "name", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
		{Name: "kind", DBType: "TEXT", Type: kind(compile.TypeText), Nullable: true},
	}, columns("aux", "things"))
}

func TestIntrospectKeys(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, inspectSchema)
	pk := func(schema, table string) dialect.PrimaryKeyInfo {
		t.Helper()
		pk, err := in.PrimaryKey(ctx, conn, schema, table)
		require.NoError(t, err)
		return pk
	}
	fks := func(schema, table string) []dialect.ForeignKeyInfo {
		t.Helper()
		fks, err := in.ForeignKeys(ctx, conn, schema, table)
		require.NoError(t, err)
		return fks
	}

	assert.Equal(t, dialect.PrimaryKeyInfo{Columns: []string{"id"}}, pk("", "kinds"))
	assert.Equal(t, dialect.PrimaryKeyInfo{Columns: []string{"id"}}, pk("", "plain"))
	assert.Equal(t, dialect.PrimaryKeyInfo{Name: "parent_pk", Columns: []string{"b", "a"}}, pk("", "parent"), "in key order")
	assert.Equal(t, dialect.PrimaryKeyInfo{Columns: []string{"the id"}}, pk("", oddTable))
	assert.Equal(t, dialect.PrimaryKeyInfo{}, pk("", "child_notes"))
	assert.Equal(t, dialect.PrimaryKeyInfo{Columns: []string{"id"}}, pk("aux", "things"))

	assert.Equal(t, []dialect.ForeignKeyInfo{
		{Columns: []string{"plain_id"}, RefTable: "plain", RefColumns: []string{"id"},
			OnDelete: compile.FKSetNull, OnUpdate: compile.FKNoAction},
		{Name: "child_kind_fk", Columns: []string{"kind_id"}, RefTable: "kinds", RefColumns: []string{"id"},
			OnDelete: compile.FKCascade, OnUpdate: compile.FKRestrict},
		{Name: "child_parent_fk", Columns: []string{"pb", "pa"}, RefTable: "parent", RefColumns: []string{"b", "a"},
			OnDelete: compile.FKSetDefault, OnUpdate: compile.FKCascade},
		{Columns: []string{"other_id"}, RefTable: "plain", RefColumns: []string{"id"},
			OnDelete: compile.FKNoAction, OnUpdate: compile.FKSetNull},
	}, fks("", "child"))
	assert.Equal(t, []dialect.ForeignKeyInfo{
		{Columns: []string{"parent id"}, RefTable: oddTable, RefColumns: []string{"the id"}},
	}, fks("", oddTable))
	assert.Empty(t, fks("", "parent"))
	assert.Empty(t, fks("", "child_notes"))
	assert.Empty(t, fks("aux", "things"))
}

func TestIntrospectForeignKeyTargets(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, `
		CREATE TABLE target (Id INTEGER PRIMARY KEY, Code TEXT UNIQUE);
		CREATE TABLE source (
			a INTEGER REFERENCES TARGET (ID),
			b TEXT REFERENCES "Target" (code),
			c INTEGER REFERENCES later (id),
			d INTEGER REFERENCES later
		);
		CREATE TABLE dup (a, b, CONSTRAINT first UNIQUE (a, b), CONSTRAINT second UNIQUE (B, A), UNIQUE (A, B));
	`)
	fks, err := in.ForeignKeys(ctx, conn, "", "source")
	require.NoError(t, err)
	assert.Equal(t, []dialect.ForeignKeyInfo{
		// Spelled as the referred table declares its names.
		{Columns: []string{"a"}, RefTable: "target", RefColumns: []string{"Id"}},
		{Columns: []string{"b"}, RefTable: "target", RefColumns: []string{"Code"}},
		// SQLite accepts references to tables that do not exist yet.
		{Columns: []string{"c"}, RefTable: "later", RefColumns: []string{"id"}},
		{Columns: []string{"d"}, RefTable: "later"},
	}, fks)

	// Identical unique constraints share one index; (b, a) is another.
	us, err := in.UniqueConstraints(ctx, conn, "", "dup")
	require.NoError(t, err)
	assert.Equal(t, []dialect.UniqueInfo{
		{Name: "first", Columns: []string{"a", "b"}},
		{Name: "second", Columns: []string{"b", "a"}},
	}, us)
}

func TestIntrospectIndexesAndConstraints(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, inspectSchema)
	indexes := func(schema, table string) []dialect.IndexInfo {
		t.Helper()
		ixs, err := in.Indexes(ctx, conn, schema, table)
		require.NoError(t, err)
		return ixs
	}
	uniques := func(schema, table string) []dialect.UniqueInfo {
		t.Helper()
		us, err := in.UniqueConstraints(ctx, conn, schema, table)
		require.NoError(t, err)
		return us
	}
	checks := func(schema, table string) []dialect.CheckInfo {
		t.Helper()
		cs, err := in.CheckConstraints(ctx, conn, schema, table)
		require.NoError(t, err)
		return cs
	}

	assert.Equal(t, []dialect.IndexInfo{
		{Name: "child_lower_note", Columns: []string{"", "id"}, Expressions: []string{"lower(note)", ""}},
		{Name: "child_note_u", Columns: []string{"note"}, Unique: true},
		{Name: "child_pab", Columns: []string{"pa", "pb"}},
		{Name: "child_partial", Columns: []string{"other_id"}, Predicate: "other_id IS NOT NULL AND note <> 'x'"},
	}, indexes("", "child"))
	assert.Empty(t, uniques("", "child"), "a unique index is no constraint")
	assert.Equal(t, []dialect.CheckInfo{
		{Expr: "note <> 'a (b'' c'"},
		{Name: "note_len", Expr: "length(note) < 100"},
		{Expr: "pa IS NULL OR pb IS NOT NULL"},
		{Name: `child "check" (2)`, Expr: "id > 0"},
	}, checks("", "child"))

	// sqlite_autoindex_parent_1 is the primary key's.
	assert.Equal(t, []dialect.IndexInfo{
		{Name: "sqlite_autoindex_parent_2", Columns: []string{"code"}, Unique: true, Constraint: true},
		{Name: "sqlite_autoindex_parent_3", Columns: []string{"label", "code"}, Unique: true, Constraint: true},
	}, indexes("", "parent"))
	assert.Equal(t, []dialect.UniqueInfo{
		{Name: "parent_code_key", Columns: []string{"code"}},
		{Columns: []string{"label", "code"}},
	}, uniques("", "parent"))
	assert.Empty(t, checks("", "parent"))

	assert.Empty(t, indexes("", "kinds"))
	assert.Empty(t, uniques("", "kinds"))
	assert.Empty(t, checks("", "kinds"))

	assert.Equal(t, []dialect.IndexInfo{
		{Name: `odd "index"`, Columns: []string{"parent id"}},
		{Name: `sqlite_autoindex_odd "name" [x]_1`, Columns: []string{"select"}, Unique: true, Constraint: true},
	}, indexes("", oddTable))
	assert.Equal(t, []dialect.UniqueInfo{{Columns: []string{"select"}}}, uniques("", oddTable))
	assert.Equal(t, []dialect.CheckInfo{{Expr: `"select" <> ''`}}, checks("", oddTable))

	assert.Empty(t, indexes("", "child_notes"))
	assert.Empty(t, uniques("", "child_notes"))
	assert.Empty(t, checks("", "child_notes"))

	assert.Equal(t, []dialect.IndexInfo{
		{Name: "sqlite_autoindex_things_1", Columns: []string{"name"}, Unique: true, Constraint: true},
		{Name: "things_kind", Columns: []string{"kind"}},
	}, indexes("aux", "things"))
	assert.Equal(t, []dialect.UniqueInfo{{Name: "things_name_u", Columns: []string{"name"}}}, uniques("aux", "things"))
}

// A CONSTRAINT name names every constraint after it up to the next comma
// (and reaches from the last column to the first table constraint): what
// SQLite's own errors report is the truth to match.
func TestIntrospectCheckNames(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, `CREATE TABLE quirks (
		a INT CONSTRAINT a_nn NOT NULL CHECK (a > 0) CHECK (a < 100),
		b INT CONSTRAINT b_nn NOT NULL,
		CHECK (b > 0),
		CHECK (b < 100)
	)`)
	checks, err := in.CheckConstraints(ctx, conn, "", "quirks")
	require.NoError(t, err)
	assert.Equal(t, []dialect.CheckInfo{
		{Name: "a_nn", Expr: "a > 0"},
		{Name: "a_nn", Expr: "a < 100"},
		{Name: "b_nn", Expr: "b > 0"},
		{Expr: "b < 100"},
	}, checks)
	for _, c := range []struct {
		a, b int
		want string // SQLite names an unnamed check by its text
	}{{0, 1, "a_nn"}, {100, 1, "a_nn"}, {1, 0, "b_nn"}, {1, 100, "b < 100"}} {
		_, err := conn.Exec(ctx, `INSERT INTO quirks VALUES (?, ?)`, []any{c.a, c.b})
		var de *dialect.Error
		require.ErrorAs(t, err, &de)
		assert.ErrorIs(t, err, dialect.ErrCheckViolation)
		assert.Equal(t, c.want, de.Constraint, "a=%d b=%d", c.a, c.b)
	}
}

func TestIntrospectNoSuchTable(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, inspectSchema)
	calls := map[string]func(schema, table string) error{
		"Columns": func(s, n string) error { _, err := in.Columns(ctx, conn, s, n); return err },
		"PrimaryKey": func(s, n string) error {
			_, err := in.PrimaryKey(ctx, conn, s, n)
			return err
		},
		"ForeignKeys": func(s, n string) error { _, err := in.ForeignKeys(ctx, conn, s, n); return err },
		"Indexes":     func(s, n string) error { _, err := in.Indexes(ctx, conn, s, n); return err },
		"UniqueConstraints": func(s, n string) error {
			_, err := in.UniqueConstraints(ctx, conn, s, n)
			return err
		},
		"CheckConstraints": func(s, n string) error {
			_, err := in.CheckConstraints(ctx, conn, s, n)
			return err
		},
		"ViewDefinition": func(s, n string) error { _, err := in.ViewDefinition(ctx, conn, s, n); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call("", "nosuch")
			assert.ErrorIs(t, err, dialect.ErrNoSuchTable)
			assert.ErrorContains(t, err, `"nosuch"`)
			err = call("aux", "kinds") // only in main
			assert.ErrorIs(t, err, dialect.ErrNoSuchTable)
			assert.ErrorContains(t, err, `"kinds" in schema "aux"`)
			err = call("", "sqlite_schema")
			assert.ErrorIs(t, err, dialect.ErrNoSuchTable)
			err = call("nosuch", "kinds")
			assert.ErrorContains(t, err, `sqlite: no such schema "nosuch"`)
			assert.NotErrorIs(t, err, dialect.ErrNoSuchTable, "a missing schema is another error")
		})
	}
	_, err := in.ViewDefinition(ctx, conn, "", "child")
	assert.ErrorIs(t, err, dialect.ErrNoSuchTable, "a table is not a view")
}

func TestIntrospectVirtualTable(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, `CREATE VIRTUAL TABLE docs USING fts5(title, body)`)

	// FTS5 keeps its data in ordinary tables, which are listed too.
	tables, err := in.Tables(ctx, conn, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"docs", "docs_config", "docs_content", "docs_data", "docs_docsize", "docs_idx"}, tables)

	// The hidden columns docs and rank are left out.
	cols, err := in.Columns(ctx, conn, "", "docs")
	require.NoError(t, err)
	assert.Equal(t, []dialect.ColumnInfo{
		{Name: "title", Type: named(""), Nullable: true},
		{Name: "body", Type: named(""), Nullable: true},
	}, cols)
	pk, err := in.PrimaryKey(ctx, conn, "", "docs")
	require.NoError(t, err)
	assert.Empty(t, pk.Columns)
	checks, err := in.CheckConstraints(ctx, conn, "", "docs")
	require.NoError(t, err)
	assert.Empty(t, checks)
}

func TestIntrospectRowid(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, `
		CREATE TABLE alias_table_pk (id INTEGER, CONSTRAINT k PRIMARY KEY (id DESC));
		CREATE TABLE desc_quirk (id INTEGER PRIMARY KEY DESC);
		CREATE TABLE int_pk (id INT PRIMARY KEY);
		CREATE TABLE no_rowid (id INTEGER PRIMARY KEY) WITHOUT ROWID;
		CREATE TABLE auto_table_pk (id INTEGER, PRIMARY KEY (id AUTOINCREMENT));
	`)
	for table, want := range map[string]dialect.ColumnInfo{
		// A table constraint on an INTEGER column makes it the rowid.
		"alias_table_pk": {Name: "id", DBType: "INTEGER", Type: bigint()},
		// Written on the column, INTEGER PRIMARY KEY DESC is not the rowid:
		// NULL is allowed.
		"desc_quirk": {Name: "id", DBType: "INTEGER", Type: bigint(), Nullable: true},
		// Only INTEGER, not INT, makes the rowid.
		"int_pk": {Name: "id", DBType: "INT", Type: kind(compile.TypeInt), Nullable: true},
		// A WITHOUT ROWID table's key is NOT NULL.
		"no_rowid":      {Name: "id", DBType: "INTEGER", Type: bigint()},
		"auto_table_pk": {Name: "id", DBType: "INTEGER", Type: bigint(), Identity: true},
	} {
		cols, err := in.Columns(ctx, conn, "", table)
		require.NoError(t, err)
		assert.Equal(t, []dialect.ColumnInfo{want}, cols, table)
	}
	// What the database does agrees.
	_, err := conn.Exec(ctx, `INSERT INTO desc_quirk VALUES (NULL)`, nil)
	assert.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO int_pk VALUES (NULL)`, nil)
	assert.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO no_rowid VALUES (NULL)`, nil)
	assert.ErrorIs(t, err, dialect.ErrNotNullViolation)
}

func TestIntrospectChinook(t *testing.T) {
	ctx := context.Background()
	conn, in := inspectDB(t, chinook.SQLiteScript(false))

	tables, err := in.Tables(ctx, conn, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"Album", "Artist", "Customer", "Employee", "Genre", "Invoice", "InvoiceLine",
		"MediaType", "Playlist", "PlaylistTrack", "Track"}, tables)

	// Columns as Chinook_Sqlite.sql declares them: name, type, NOT NULL.
	integer := func(name string, notNull bool) dialect.ColumnInfo {
		return dialect.ColumnInfo{Name: name, DBType: "INTEGER", Type: bigint(), Nullable: !notNull}
	}
	nvarchar := func(name string, n int, notNull bool) dialect.ColumnInfo {
		return dialect.ColumnInfo{Name: name, DBType: "NVARCHAR(" + strconv.Itoa(n) + ")", Type: varchar(n), Nullable: !notNull}
	}
	datetime := func(name string, notNull bool) dialect.ColumnInfo {
		return dialect.ColumnInfo{Name: name, DBType: "DATETIME", Type: kind(compile.TypeTimestamp), Nullable: !notNull}
	}
	money := func(name string) dialect.ColumnInfo {
		return dialect.ColumnInfo{Name: name, DBType: "NUMERIC(10,2)",
			Type: compile.Type{Kind: compile.TypeNumeric, Precision: 10, Scale: 2}}
	}
	const notNull, null = true, false
	wantCols := map[string][]dialect.ColumnInfo{
		"Album":  {integer("AlbumId", notNull), nvarchar("Title", 160, notNull), integer("ArtistId", notNull)},
		"Artist": {integer("ArtistId", notNull), nvarchar("Name", 120, null)},
		"Customer": {
			integer("CustomerId", notNull), nvarchar("FirstName", 40, notNull), nvarchar("LastName", 20, notNull),
			nvarchar("Company", 80, null), nvarchar("Address", 70, null), nvarchar("City", 40, null),
			nvarchar("State", 40, null), nvarchar("Country", 40, null), nvarchar("PostalCode", 10, null),
			nvarchar("Phone", 24, null), nvarchar("Fax", 24, null), nvarchar("Email", 60, notNull),
			integer("SupportRepId", null),
		},
		"Employee": {
			integer("EmployeeId", notNull), nvarchar("LastName", 20, notNull), nvarchar("FirstName", 20, notNull),
			nvarchar("Title", 30, null), integer("ReportsTo", null), datetime("BirthDate", null),
			datetime("HireDate", null), nvarchar("Address", 70, null), nvarchar("City", 40, null),
			nvarchar("State", 40, null), nvarchar("Country", 40, null), nvarchar("PostalCode", 10, null),
			nvarchar("Phone", 24, null), nvarchar("Fax", 24, null), nvarchar("Email", 60, null),
		},
		"Genre": {integer("GenreId", notNull), nvarchar("Name", 120, null)},
		"Invoice": {
			integer("InvoiceId", notNull), integer("CustomerId", notNull), datetime("InvoiceDate", notNull),
			nvarchar("BillingAddress", 70, null), nvarchar("BillingCity", 40, null), nvarchar("BillingState", 40, null),
			nvarchar("BillingCountry", 40, null), nvarchar("BillingPostalCode", 10, null), money("Total"),
		},
		"InvoiceLine": {
			integer("InvoiceLineId", notNull), integer("InvoiceId", notNull), integer("TrackId", notNull),
			money("UnitPrice"), integer("Quantity", notNull),
		},
		"MediaType":     {integer("MediaTypeId", notNull), nvarchar("Name", 120, null)},
		"Playlist":      {integer("PlaylistId", notNull), nvarchar("Name", 120, null)},
		"PlaylistTrack": {integer("PlaylistId", notNull), integer("TrackId", notNull)},
		"Track": {
			integer("TrackId", notNull), nvarchar("Name", 200, notNull), integer("AlbumId", null),
			integer("MediaTypeId", notNull), integer("GenreId", null), nvarchar("Composer", 220, null),
			integer("Milliseconds", notNull), integer("Bytes", null), money("UnitPrice"),
		},
	}
	pk := func(name string, cols ...string) dialect.PrimaryKeyInfo {
		return dialect.PrimaryKeyInfo{Name: name, Columns: cols}
	}
	wantPKs := map[string]dialect.PrimaryKeyInfo{
		"Album": pk("PK_Album", "AlbumId"), "Artist": pk("PK_Artist", "ArtistId"),
		"Customer": pk("PK_Customer", "CustomerId"), "Employee": pk("PK_Employee", "EmployeeId"),
		"Genre": pk("PK_Genre", "GenreId"), "Invoice": pk("PK_Invoice", "InvoiceId"),
		"InvoiceLine": pk("PK_InvoiceLine", "InvoiceLineId"), "MediaType": pk("PK_MediaType", "MediaTypeId"),
		"Playlist": pk("PK_Playlist", "PlaylistId"), "PlaylistTrack": pk("PK_PlaylistTrack", "PlaylistId", "TrackId"),
		"Track": pk("PK_Track", "TrackId"),
	}
	// Every foreign key is unnamed, NO ACTION both ways, and refers to
	// a column of the same name.
	fk := func(col, table string) dialect.ForeignKeyInfo {
		return dialect.ForeignKeyInfo{Columns: []string{col}, RefTable: table, RefColumns: []string{col}}
	}
	wantFKs := map[string][]dialect.ForeignKeyInfo{
		"Album":         {fk("ArtistId", "Artist")},
		"Customer":      {{Columns: []string{"SupportRepId"}, RefTable: "Employee", RefColumns: []string{"EmployeeId"}}},
		"Employee":      {{Columns: []string{"ReportsTo"}, RefTable: "Employee", RefColumns: []string{"EmployeeId"}}},
		"Invoice":       {fk("CustomerId", "Customer")},
		"InvoiceLine":   {fk("InvoiceId", "Invoice"), fk("TrackId", "Track")},
		"PlaylistTrack": {fk("PlaylistId", "Playlist"), fk("TrackId", "Track")},
		"Track":         {fk("AlbumId", "Album"), fk("GenreId", "Genre"), fk("MediaTypeId", "MediaType")},
	}
	ix := func(name, col string) dialect.IndexInfo {
		return dialect.IndexInfo{Name: name, Columns: []string{col}}
	}
	wantIndexes := map[string][]dialect.IndexInfo{
		"Album":         {ix("IFK_AlbumArtistId", "ArtistId")},
		"Customer":      {ix("IFK_CustomerSupportRepId", "SupportRepId")},
		"Employee":      {ix("IFK_EmployeeReportsTo", "ReportsTo")},
		"Invoice":       {ix("IFK_InvoiceCustomerId", "CustomerId")},
		"InvoiceLine":   {ix("IFK_InvoiceLineInvoiceId", "InvoiceId"), ix("IFK_InvoiceLineTrackId", "TrackId")},
		"PlaylistTrack": {ix("IFK_PlaylistTrackPlaylistId", "PlaylistId"), ix("IFK_PlaylistTrackTrackId", "TrackId")},
		"Track":         {ix("IFK_TrackAlbumId", "AlbumId"), ix("IFK_TrackGenreId", "GenreId"), ix("IFK_TrackMediaTypeId", "MediaTypeId")},
	}

	nFKs := 0
	for _, table := range tables {
		cols, err := in.Columns(ctx, conn, "", table)
		require.NoError(t, err)
		assert.Equal(t, wantCols[table], cols, table)

		pk, err := in.PrimaryKey(ctx, conn, "", table)
		require.NoError(t, err)
		assert.Equal(t, wantPKs[table], pk, table)

		fks, err := in.ForeignKeys(ctx, conn, "", table)
		require.NoError(t, err)
		assert.Equal(t, wantFKs[table], fks, table)
		nFKs += len(fks)

		ixs, err := in.Indexes(ctx, conn, "", table)
		require.NoError(t, err)
		assert.Equal(t, wantIndexes[table], ixs, table)

		us, err := in.UniqueConstraints(ctx, conn, "", table)
		require.NoError(t, err)
		assert.Empty(t, us, table)
		cs, err := in.CheckConstraints(ctx, conn, "", table)
		require.NoError(t, err)
		assert.Empty(t, cs, table)
	}
	assert.Equal(t, 11, nFKs)
}
