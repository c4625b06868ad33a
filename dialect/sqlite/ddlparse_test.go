package sqlite

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ore-go/ore/compile"
)

type tok struct {
	kind tokKind
	text string
}

func tokens(src string) []tok {
	var out []tok
	for _, t := range tokenize(src) {
		out = append(out, tok{t.kind, src[t.pos:t.end]})
	}
	return out
}

func TestTokenize(t *testing.T) {
	w := func(s string) tok { return tok{tokWord, s} }
	id := func(s string) tok { return tok{tokIdent, s} }
	str := func(s string) tok { return tok{tokString, s} }
	p := func(s string) tok { return tok{tokPunct, s} }
	cases := []struct {
		name string
		src  string
		want []tok
	}{
		{"empty", "", nil},
		{"space only", " \t\r\n\f\v", nil},
		{"words and punctuation", "CREATE TABLE t(a INT,b);",
			[]tok{w("CREATE"), w("TABLE"), w("t"), p("("), w("a"), w("INT"), p(","), w("b"), p(")"), p(";")}},
		{"word characters", "_a$1 é9 x.y", []tok{w("_a$1"), w("é9"), w("x"), p("."), w("y")}},
		{"operators are single characters", "a<=b||c", []tok{w("a"), p("<"), p("="), w("b"), p("|"), p("|"), w("c")}},
		{"string with doubled quote and parenthesis", `'it''s (' x`, []tok{str(`'it''s ('`), w("x")}},
		{"empty string", `''''`, []tok{str(`''''`)}},
		{"strings side by side", `'a''b' 'c'`, []tok{str(`'a''b'`), str(`'c'`)}},
		{"double-quoted identifier", `"a ""b"" (c" d`, []tok{id(`"a ""b"" (c"`), w("d")}},
		{"bracketed identifier keeps quotes and parentheses", `[a "b" 'c' (] d`, []tok{id(`[a "b" 'c' (]`), w("d")}},
		{"backquoted identifier", "`a``b,)` d", []tok{id("`a``b,)`"), w("d")}},
		{"line comment", "a -- x ( ' \" \nb", []tok{w("a"), w("b")}},
		{"line comment at the end", "a -- (", []tok{w("a")}},
		{"block comment", "a /* ) ' \" -- */ b", []tok{w("a"), w("b")}},
		{"block comment does not nest", "a /* /* */ b */", []tok{w("a"), w("b"), p("*"), p("/")}},
		{"comment markers inside a string", `'--' '/*' b`, []tok{str(`'--'`), str(`'/*'`), w("b")}},
		{"comment markers inside an identifier", `"--" [/*] b`, []tok{id(`"--"`), id(`[/*]`), w("b")}},
		{"minus and slash alone", "a-b/c", []tok{w("a"), p("-"), w("b"), p("/"), w("c")}},
		{"blob literal", "X'00ff'", []tok{w("X"), str("'00ff'")}},
		{"unterminated string", "a 'b(", []tok{w("a"), str("'b(")}},
		{"unterminated identifiers", `"a [b`, []tok{id(`"a [b`)}},
		{"unterminated bracket", `[a`, []tok{id(`[a`)}},
		{"unterminated block comment", "a /* b", []tok{w("a")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, tokens(c.src))
		})
	}
}

func TestUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`abc`:        `abc`,
		`"a""b"`:     `a"b`,
		`[a""b]`:     `a""b`,
		"`a``b`":     "a`b",
		`'a''b'`:     `a'b`,
		`""`:         ``,
		`"`:          `"`,
		`"unclosed`:  `"unclosed`,
		`[unclosed`:  `[unclosed`,
		`"my table"`: `my table`,
	} {
		assert.Equal(t, want, unquote(in), in)
	}
}

func TestParseCreateTable(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want tableDDL
	}{
		{
			name: "no constraints",
			src:  `CREATE TABLE t (a INT, b NUMERIC(10, 2))`,
		},
		{
			name: "named table constraints",
			src: `CREATE TABLE "t" (a INT, b TEXT, c INT,
				CONSTRAINT "pk t" PRIMARY KEY (a, b),
				CONSTRAINT [u_b] UNIQUE (b COLLATE nocase DESC, c),
				CONSTRAINT ` + "`c``k`" + ` CHECK (a > 0),
				CONSTRAINT fk FOREIGN KEY (c, a) REFERENCES "other table" ("x", y) ON DELETE CASCADE)`,
			want: tableDDL{
				pkName:      "pk t",
				uniques:     []namedCols{{"u_b", []string{"b", "c"}}},
				checks:      []checkDDL{{"c`k", "a > 0"}},
				foreignKeys: []fkDDL{{namedCols{"fk", []string{"c", "a"}}, "other table"}},
			},
		},
		{
			name: "unnamed table constraints",
			src:  `CREATE TABLE t (a, b, PRIMARY KEY (a), UNIQUE (a, b), CHECK (b <> a), FOREIGN KEY (b) REFERENCES u)`,
			want: tableDDL{
				uniques:     []namedCols{{"", []string{"a", "b"}}},
				checks:      []checkDDL{{"", "b <> a"}},
				foreignKeys: []fkDDL{{namedCols{"", []string{"b"}}, "u"}},
			},
		},
		{
			name: "column constraints",
			src: `CREATE TABLE t (
				id INTEGER CONSTRAINT pk PRIMARY KEY AUTOINCREMENT,
				a TEXT NOT NULL CONSTRAINT a_u UNIQUE CHECK (length(a) < 10) CONSTRAINT a_ck CHECK (a <> ''),
				b INT CONSTRAINT b_nn NOT NULL REFERENCES u (x) ON UPDATE SET NULL,
				c INT CONSTRAINT c_fk REFERENCES [u] UNIQUE)`,
			want: tableDDL{
				pkName:        "pk",
				autoincrement: true,
				uniques:       []namedCols{{"a_u", []string{"a"}}, {"c_fk", []string{"c"}}},
				checks:        []checkDDL{{"a_u", "length(a) < 10"}, {"a_ck", "a <> ''"}},
				foreignKeys: []fkDDL{
					{namedCols{"b_nn", []string{"b"}}, "u"},
					{namedCols{"c_fk", []string{"c"}}, "u"},
				},
			},
		},
		{
			name: "checks with strings, comments and nested parentheses",
			src: `CREATE TABLE t (
				a TEXT CHECK (a IN ('(', ')', 'it''s', '"', ']')) -- a comment with a ( and a '
				, b TEXT /* , c INT CHECK (c) */ DEFAULT (')') CHECK ((b || ')') <> "a"),
				CONSTRAINT "odd ""name"" (" CHECK (coalesce(a, /* ) */ b) IS NOT NULL),
				CHECK ( /* first */ a <> b -- last
				))`,
			want: tableDDL{checks: []checkDDL{
				{"", `a IN ('(', ')', 'it''s', '"', ']')`},
				{"", `(b || ')') <> "a"`},
				{`odd "name" (`, `coalesce(a, /* ) */ b) IS NOT NULL`},
				{"", "/* first */ a <> b -- last"},
			}},
		},
		{
			name: "constraints without commas between them",
			src:  `CREATE TABLE t (a, b, CONSTRAINT u1 UNIQUE (a) CONSTRAINT c1 CHECK (a > 0) CHECK (b > 0) UNIQUE (b))`,
			want: tableDDL{
				uniques: []namedCols{{"u1", []string{"a"}}, {"c1", []string{"b"}}},
				checks:  []checkDDL{{"c1", "a > 0"}, {"c1", "b > 0"}},
			},
		},
		{
			name: "a name stays until the next one, or the next column",
			src: `CREATE TABLE t (a INT CONSTRAINT nn NOT NULL UNIQUE, b INT CONSTRAINT d DEFAULT 1 CHECK (b > 0),
				c INT CHECK (c > 0), d INT CONSTRAINT d1 CHECK (d > 0) CONSTRAINT d2 NOT NULL CHECK (d > 1))`,
			want: tableDDL{
				uniques: []namedCols{{"nn", []string{"a"}}},
				checks:  []checkDDL{{"d", "b > 0"}, {"", "c > 0"}, {"d1", "d > 0"}, {"d2", "d > 1"}},
			},
		},
		{
			name: "the last column's name reaches the first table constraint only",
			src: `CREATE TABLE t (a INT, b INT CONSTRAINT nn NOT NULL, CHECK (a > 0), CHECK (b > 0),
				CONSTRAINT k CHECK (a > 1), UNIQUE (a))`,
			want: tableDDL{
				uniques: []namedCols{{"", []string{"a"}}},
				checks:  []checkDDL{{"nn", "a > 0"}, {"", "b > 0"}, {"k", "a > 1"}},
			},
		},
		{
			name: "keywords inside types, defaults and generated columns are skipped",
			src: `CREATE TABLE t (a "CHECK"(1), b DEFAULT ('UNIQUE'), c GENERATED ALWAYS AS (a + 1) STORED,
				d AS (upper(b)) VIRTUAL, "unique" INT, "primary" INT PRIMARY KEY)`,
		},
		{
			name: "table-level AUTOINCREMENT",
			src:  `CREATE TABLE t (id INTEGER, CONSTRAINT k PRIMARY KEY (id AUTOINCREMENT))`,
			want: tableDDL{pkName: "k", autoincrement: true},
		},
		{
			name: "AUTOINCREMENT in strings and identifiers does not count",
			src:  `CREATE TABLE t (id INTEGER PRIMARY KEY, "AUTOINCREMENT" TEXT DEFAULT 'AUTOINCREMENT')`,
		},
		{
			name: "options after the body",
			src:  `CREATE TEMP TABLE IF NOT EXISTS t (a TEXT PRIMARY KEY) WITHOUT ROWID, STRICT`,
		},
		{
			name: "qualified and quoted table name",
			src:  `CREATE TABLE "main"."a (b)" (x CHECK (x))`,
			want: tableDDL{checks: []checkDDL{{"", "x"}}},
		},
		{
			name: "CREATE TABLE AS declares nothing",
			src:  `CREATE TABLE t AS SELECT 1 AS a CHECK (1)`,
		},
		{
			name: "virtual table declares nothing",
			src:  `CREATE VIRTUAL TABLE t USING fts5(a, b UNINDEXED, CHECK (1))`,
		},
		{
			name: "not a CREATE TABLE",
			src:  ``,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, parseCreateTable(c.src))
		})
	}
}

func TestIsVirtualTable(t *testing.T) {
	assert.True(t, isVirtualTable(`CREATE VIRTUAL TABLE t USING fts5(a)`))
	assert.True(t, isVirtualTable(`create /* x */ virtual table t using rtree(id, a, b)`))
	assert.False(t, isVirtualTable(`CREATE TABLE virtual (a)`))
	assert.False(t, isVirtualTable(`CREATE TABLE t (virtual)`))
}

func TestParseCreateIndex(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		keys  []string
		where string
		ok    bool
	}{
		{"columns", `CREATE INDEX i ON t (a, b)`, []string{"a", "b"}, "", true},
		{"order and collation", `CREATE UNIQUE INDEX "i" ON "t" (a DESC, b COLLATE nocase ASC, c)`,
			[]string{"a", "b COLLATE nocase", "c"}, "", true},
		{"expressions", `CREATE INDEX i ON t (lower(a), (b || ','), substr(c, 1, 2) DESC)`,
			[]string{"lower(a)", "(b || ',')", "substr(c, 1, 2)"}, "", true},
		{"partial", `CREATE INDEX IF NOT EXISTS i ON t (a) WHERE a IS NOT NULL AND b > 'x'`,
			[]string{"a"}, "a IS NOT NULL AND b > 'x'", true},
		{"partial with a semicolon", `CREATE INDEX i ON t (a) WHERE b = ';' ;`, []string{"a"}, "b = ';'", true},
		{"comment after the condition", "CREATE INDEX i ON t (a) WHERE /* why */ b -- the end", []string{"a"}, "/* why */ b", true},
		{"names that look like keywords", `CREATE INDEX "ON" ON [WHERE] ("(", ")") WHERE "WHERE" <> ')'`,
			[]string{`"("`, `")"`}, `"WHERE" <> ')'`, true},
		{"qualified", `CREATE INDEX main.i ON t(a)`, []string{"a"}, "", true},
		{"comments kept inside a key", `CREATE INDEX i ON t (a /* ( */ + 1, b) -- (`, []string{"a /* ( */ + 1", "b"}, "", true},
		{"no key list", `CREATE INDEX i ON t`, nil, "", false},
		{"no ON", `CREATE INDEX i`, nil, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keys, where, ok := parseCreateIndex(c.src)
			assert.Equal(t, c.keys, keys)
			assert.Equal(t, c.where, where)
			assert.Equal(t, c.ok, ok)
		})
	}
}

func TestParseCreateView(t *testing.T) {
	for src, want := range map[string]string{
		`CREATE VIEW v AS SELECT 1`:                                         `SELECT 1`,
		`CREATE VIEW "as" AS SELECT a AS b FROM t;`:                         `SELECT a AS b FROM t`,
		`CREATE TEMP VIEW IF NOT EXISTS v (a, "as") AS  SELECT 1, 2`:        `SELECT 1, 2`,
		"CREATE VIEW v AS\n  -- the rows\n  SELECT * FROM t WHERE x = 'AS'": "-- the rows\n  SELECT * FROM t WHERE x = 'AS'",
		"CREATE VIEW v AS SELECT 1 -- one":                                  "SELECT 1",
		`CREATE VIEW v AS`:                                                  ``,
		`CREATE VIEW v`:                                                     ``,
	} {
		assert.Equal(t, want, parseCreateView(src), src)
	}
}

func TestColumnType(t *testing.T) {
	named := func(s string) compile.Type { return compile.Type{Kind: compile.TypeNamed, Name: s} }
	for decl, want := range map[string]compile.Type{
		"INTEGER":              {Kind: compile.TypeBigInt},
		"integer":              {Kind: compile.TypeBigInt},
		"BIGINT":               {Kind: compile.TypeBigInt},
		"INT":                  {Kind: compile.TypeInt},
		"SMALLINT":             {Kind: compile.TypeSmallInt},
		"TINYINT":              {Kind: compile.TypeSmallInt},
		"BOOLEAN":              {Kind: compile.TypeBool},
		"bool":                 {Kind: compile.TypeBool},
		"REAL":                 {Kind: compile.TypeReal},
		"FLOAT":                {Kind: compile.TypeReal},
		"DOUBLE":               {Kind: compile.TypeDouble},
		"DOUBLE PRECISION":     {Kind: compile.TypeDouble},
		"double   precision":   {Kind: compile.TypeDouble},
		"NUMERIC":              {Kind: compile.TypeNumeric},
		"NUMERIC(10)":          {Kind: compile.TypeNumeric, Precision: 10},
		"NUMERIC(10,2)":        {Kind: compile.TypeNumeric, Precision: 10, Scale: 2},
		"decimal ( 12 , 4 )":   {Kind: compile.TypeNumeric, Precision: 12, Scale: 4},
		"TEXT":                 {Kind: compile.TypeText},
		"CLOB":                 {Kind: compile.TypeText},
		"VARCHAR":              {Kind: compile.TypeVarchar},
		"VARCHAR(100)":         {Kind: compile.TypeVarchar, Length: 100},
		"NVARCHAR(160)":        {Kind: compile.TypeVarchar, Length: 160},
		"CHARACTER VARYING(5)": {Kind: compile.TypeVarchar, Length: 5},
		"BLOB":                 {Kind: compile.TypeBytes},
		"DATE":                 {Kind: compile.TypeDate},
		"TIME":                 {Kind: compile.TypeTime},
		"TIMESTAMP":            {Kind: compile.TypeTimestamp},
		"DATETIME":             {Kind: compile.TypeTimestamp},
		"TIMESTAMPTZ":          {Kind: compile.TypeTimestampTZ},
		"UUID":                 {Kind: compile.TypeUUID},
		"JSON":                 {Kind: compile.TypeJSON},
		"":                     named(""),
		"CHAR(10)":             named("CHAR(10)"),
		"INT(11)":              named("INT(11)"),
		"VARCHAR(10,2)":        named("VARCHAR(10,2)"),
		"NUMERIC(a)":           named("NUMERIC(a)"),
		"NUMERIC(-1)":          named("NUMERIC(-1)"),
		"VARCHAR()":            named("VARCHAR()"),
		"VARCHAR(10":           named("VARCHAR(10"),
		"UNSIGNED BIG INT":     named("UNSIGNED BIG INT"),
		"weird type":           named("weird type"),
	} {
		assert.Equal(t, want, columnType(decl), decl)
	}
}
