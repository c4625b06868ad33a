package ore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/testdb"
)

// The seed corpora are in testdata/fuzz/<target>; plain `go test` runs
// them. Fuzz with, for example:
//
//	go test -run '^$' -fuzz '^FuzzValuesNeverInSQL$' -fuzztime 30s .

type fuzzItemsTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk"`
	Name ore.Col[string] `ore:"name"`
	Data ore.Col[[]byte] `ore:"data"`
	N    ore.Col[int64]  `ore:"n"`
}

var fuzzItems = ore.NewTable[fuzzItemsTable]("fuzz_items")

var fuzzDialects = []compile.Dialect{postgres.Dialect{}, sqlite.Dialect{}}

// valueShape is a statement built around the fuzzed values.
type valueShape struct {
	name string
	stmt ore.Statement
	// values must each be among the arguments, or inside one (an array or
	// JSON argument that carries a long IN list).
	values []any
	// args, when non-nil, are the exact arguments on every dialect.
	args []any
}

// valueShapes returns the statements that carry s, b and n as values.
func valueShapes(s string, b []byte, n int64) []valueShape {
	t := fuzzItems
	long := []string{s}
	longN := []int64{n}
	longB := [][]byte{b}
	for i := range compile.InListHookThreshold {
		long = append(long, "v"+strconv.Itoa(i))
		longN = append(longN, int64(i))
		longB = append(longB, []byte{byte(i)})
	}
	return []valueShape{
		{
			name:   "select eq",
			stmt:   ore.Select2(t.ID, t.Name).From(t).Where(t.Name.Eq(s), t.Data.Eq(b), t.N.Eq(n)),
			values: []any{s, b, n},
			args:   []any{s, b, n},
		},
		{
			name: "select like",
			stmt: ore.Select1(t.ID).From(t).Where(ore.Or(
				ore.Like(t.Name, s), ore.ILike(t.Name, s), ore.NotLike(t.Name, s), ore.NotILike(t.Name, s))),
			values: []any{s},
			args:   []any{s, s, s, s},
		},
		{
			name: "select in",
			stmt: ore.Select1(t.ID).From(t).Where(
				t.Name.In(s, s+"'"), t.N.NotIn(n, n^1), t.Data.In(b)),
			values: []any{s, s + "'", n, n ^ 1, b},
			args:   []any{s, s + "'", n, n ^ 1, b},
		},
		{
			// Long lists take the dialects' IN-list hooks: an array argument
			// on PostgreSQL, a JSON one on SQLite.
			name: "select long in",
			stmt: ore.Select1(t.ID).From(t).Where(
				t.Name.In(long...), t.N.NotIn(longN...), t.Data.In(longB...)),
			values: []any{s, n, b},
		},
		{
			name: "select values and raw",
			stmt: ore.Select2(ore.Value(s), ore.Case(ore.When(t.N.Between(n, n), ore.Value(b))).Else(t.Data)).
				From(t).Where(ore.Raw[bool]("? <> ?", t.Name, s)),
			values: []any{s, n, b},
			args:   []any{s, n, n, b, s},
		},
		{
			name: "insert",
			stmt: ore.Insert(t).
				Values(t.ID.To(n), t.Name.To(s), t.Data.To(b)).
				Values(t.Data.To(b), t.Name.To(s+s), t.ID.To(n+1)).
				Returning(t.ID),
			values: []any{n, s, b, s + s, n + 1},
			args:   []any{n, s, b, n + 1, s + s, b},
		},
		{
			name: "update",
			stmt: ore.Update(t).Set(t.Name.To(s), t.Data.To(b), t.N.ToExpr(ore.Add(t.N, ore.Value(n)))).
				Where(t.Name.Ne(s)).Returning(t.Name),
			values: []any{s, b, n},
			args:   []any{s, b, n, s},
		},
		{
			name: "upsert",
			stmt: ore.Insert(t).Values(t.ID.To(n), t.Name.To(s), t.Data.To(b)).
				OnConflict(t.ID).
				DoUpdate(t.Name.ToExpr(ore.Concat(ore.Excluded(t.Name), ore.Value(s))), t.Data.To(b)).
				DoUpdateWhere(t.Name.Ne(s)),
			values: []any{n, s, b},
			args:   []any{n, s, b, s, b, s},
		},
		{
			name:   "delete",
			stmt:   ore.Delete(t).Where(t.Name.Eq(s), t.Data.Ne(b)).Returning(t.ID),
			values: []any{s, b},
			args:   []any{s, b},
		},
	}
}

// FuzzValuesNeverInSQL checks that values only ever travel as arguments:
// the SQL text of a statement is the same whatever its values, never
// contains them, and every value is among the arguments.
func FuzzValuesNeverInSQL(f *testing.F) {
	f.Add("it's", []byte(`a\'b`), int64(-1))
	caches := make([]*compile.Cache, len(fuzzDialects))
	for i, d := range fuzzDialects {
		caches[i] = compile.NewCache(d, 0)
	}
	f.Fuzz(func(t *testing.T, s string, b []byte, n int64) {
		// Neutral values of the same kind: a string's validity as UTF-8
		// decides whether SQLite can carry a long IN list as JSON.
		ns := "v"
		if !utf8.ValidString(s) {
			ns = "v\xff"
		}
		neutral := valueShapes(ns, []byte("v"), 0)
		for i, shape := range valueShapes(s, b, n) {
			for j, d := range fuzzDialects {
				what := shape.name + " on " + d.Name()
				fixed := mustCompile(t, what+" (neutral values)", d, neutral[i].stmt)
				q := mustCompile(t, what, d, shape.stmt)

				assert.Equal(t, fixed.SQL, q.SQL, "%s: the SQL text depends on the values", what)
				for _, v := range []string{s, string(b), strconv.FormatInt(n, 10)} {
					if len(v) > 3 && !strings.Contains(fixed.SQL, v) {
						assert.NotContains(t, q.SQL, v, "%s: a value is in the SQL text", what)
					}
				}
				for _, v := range shape.values {
					assert.Truef(t, argsHold(q.Args, v), "%s: value %s is not among the arguments %s", what, brief(v), brief(q.Args))
				}
				if shape.args != nil {
					assert.Equal(t, shape.args, q.Args, what)
				}

				// The shape-keyed cache gives what compiling afresh gives,
				// although it has seen other values (and other inputs) before.
				node, err := shape.stmt.Build()
				require.NoError(t, err)
				cached, err := caches[j].Compile(node)
				require.NoError(t, err, what)
				assert.Equal(t, q.SQL, cached.SQL, "%s: cached SQL", what)
				assert.Equal(t, q.Args, cached.Args, "%s: cached arguments", what)

				// DebugSQL inlines the values; it only has to survive them.
				noPanic(t, "DebugSQL of "+what, func() { _, err = ore.DebugSQL(d, shape.stmt) })
				assert.NoError(t, err, "DebugSQL of %s", what)
			}
		}
	})
}

// mustCompile compiles stmt, failing t if compilation fails or panics.
func mustCompile(t *testing.T, what string, d compile.Dialect, stmt ore.Statement) compile.Compiled {
	t.Helper()
	var q compile.Compiled
	var err error
	noPanic(t, "compiling "+what, func() { q, err = ore.Compile(d, stmt) })
	require.NoError(t, err, what)
	return q
}

func noPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v\n%s", what, r, debug.Stack())
		}
	}()
	fn()
}

// brief formats v for a failure message, cut short: fuzzed values can be
// long.
func brief(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// argsHold reports whether v is one of args, an element of an array
// argument, or an element of a JSON array argument.
func argsHold(args []any, v any) bool {
	for _, a := range args {
		if reflect.DeepEqual(a, v) {
			return true
		}
		rv := reflect.ValueOf(a)
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8 {
			for i := range rv.Len() {
				if reflect.DeepEqual(rv.Index(i).Interface(), v) {
					return true
				}
			}
		}
		if doc, ok := a.(string); ok && strings.HasPrefix(doc, "[") {
			dec := json.NewDecoder(strings.NewReader(doc))
			dec.UseNumber()
			var elems []any
			if dec.Decode(&elems) != nil {
				continue
			}
			for _, e := range elems {
				switch e := e.(type) {
				case string:
					if e == v {
						return true
					}
				case json.Number:
					if n, ok := v.(int64); ok && e.String() == strconv.FormatInt(n, 10) {
						return true
					}
				}
			}
		}
	}
	return false
}

// ----------------------------------------------------------------------------
// Identifiers

type fuzzIdentTable struct {
	ore.Table
	// Unused: a table declaration needs a column; the fuzzed one is made
	// with ore.Column.
	Unused ore.Col[string] `ore:"unused"`
}

// identDB is a real database the identifier round trip runs on.
type identDB struct {
	d compile.Dialect
	// maxIdent is the longest identifier in bytes the database keeps
	// whole; 0 for no limit.
	maxIdent int
	// tableName returns the table to use for the fuzzed name, which is
	// the name itself where the database allows it as a table name.
	tableName func(name string) string
	exec      func(sql string, args ...any) error
	// query runs a one-row, one-column query and returns the column's name
	// and the row's value.
	query func(sql string, args ...any) (column, value string, err error)
	// columns returns the names of the columns of table as the catalog
	// has them; nil if there is no table of exactly that name.
	columns func(table string) ([]string, error)
}

// FuzzIdentifierRoundTrip checks that any name the databases can hold
// survives as a table and column name: created with the dialect's own
// quoting, written and read through ore-compiled SQL, and read back from
// the result and the catalog unchanged. Names a database cannot hold must
// fail compilation with ore's error instead.
func FuzzIdentifierRoundTrip(f *testing.F) {
	f.Add(`a"b`)
	ctx := context.Background()
	pool := testdb.PGPool(f)
	lite := testdb.SQLite(f)
	dbs := []identDB{pgIdentDB(ctx, pool), sqliteIdentDB(lite)}
	f.Fuzz(func(t *testing.T, name string) {
		for _, db := range dbs {
			identRoundTrip(t, db, name)
		}
	})
}

func identRoundTrip(t *testing.T, db identDB, name string) {
	table := db.tableName(name)
	decl := ore.NewTable[fuzzIdentTable](table)
	col := ore.Column[string](decl, name)
	value := "value of " + name
	insert := ore.Insert(decl).Values(col.To(value))
	sel := ore.Select1(col).From(decl).Where(col.Eq(value))

	var why []string // why the database cannot hold name
	if name == "" {
		why = append(why, "empty")
	}
	if strings.IndexByte(name, 0) >= 0 {
		why = append(why, "NUL byte")
	}
	if !utf8.ValidString(name) {
		why = append(why, "not valid UTF-8")
	}
	if db.maxIdent > 0 && len(name) > db.maxIdent {
		why = append(why, "longer than "+db.d.Name()+"'s "+strconv.Itoa(db.maxIdent)+" bytes")
	}
	if len(why) > 0 {
		for _, stmt := range []ore.Statement{insert, sel} {
			var err error
			noPanic(t, "compiling for "+db.d.Name(), func() { _, err = ore.Compile(db.d, stmt) })
			require.Error(t, err, "%q cannot be an identifier on %s (%s), yet it compiled", name, db.d.Name(), strings.Join(why, ", "))
			assert.Regexp(t, `^(ore|compile): `, err.Error())
			assert.True(t, slices.ContainsFunc(why, func(w string) bool { return strings.Contains(err.Error(), w) }),
				"the error %q gives none of the reasons %q", err, why)
		}
		return
	}

	insertQ := mustCompile(t, "insert for "+db.d.Name(), db.d, insert)
	selQ := mustCompile(t, "select for "+db.d.Name(), db.d, sel)

	ident := func(s string) string { return string(db.d.AppendIdent(nil, s)) }
	ddl := "CREATE TABLE " + ident(table) + " (" + ident(name) + " text NOT NULL)"
	require.NoError(t, db.exec(ddl), "%s: %s", db.d.Name(), ddl)
	defer func() {
		assert.NoError(t, db.exec("DROP TABLE "+ident(table)), db.d.Name())
	}()

	require.NoError(t, db.exec(insertQ.SQL, insertQ.Args...), "%s: %s", db.d.Name(), insertQ.SQL)
	column, got, err := db.query(selQ.SQL, selQ.Args...)
	require.NoError(t, err, "%s: %s", db.d.Name(), selQ.SQL)
	assert.Equal(t, name, column, "%s: the result names the column differently", db.d.Name())
	assert.Equal(t, value, got, db.d.Name())

	cols, err := db.columns(table)
	require.NoError(t, err, db.d.Name())
	assert.Equal(t, []string{name}, cols, "%s: the catalog has other columns for table %q", db.d.Name(), table)
}

func pgIdentDB(ctx context.Context, pool *pgxpool.Pool) identDB {
	return identDB{
		d:         postgres.Dialect{},
		maxIdent:  63, // NAMEDATALEN - 1; longer names are truncated
		tableName: func(name string) string { return name },
		exec: func(sql string, args ...any) error {
			_, err := pool.Exec(ctx, sql, args...)
			return err
		},
		query: func(sql string, args ...any) (string, string, error) {
			rows, err := pool.Query(ctx, sql, args...)
			if err != nil {
				return "", "", err
			}
			defer rows.Close()
			column := ""
			if fds := rows.FieldDescriptions(); len(fds) == 1 {
				column = fds[0].Name
			}
			var value string
			n := 0
			for rows.Next() {
				n++
				if err := rows.Scan(&value); err != nil {
					return "", "", err
				}
			}
			if err := rows.Err(); err != nil {
				return "", "", err
			}
			if n != 1 {
				return "", "", fmt.Errorf("%d rows, want 1", n)
			}
			return column, value, nil
		},
		columns: func(table string) ([]string, error) {
			rows, err := pool.Query(ctx, `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
				WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped
				ORDER BY a.attnum`, table)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var cols []string
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					return nil, err
				}
				cols = append(cols, c)
			}
			return cols, rows.Err()
		},
	}
}

func sqliteIdentDB(db *sql.DB) identDB {
	return identDB{
		d: sqlite.Dialect{},
		tableName: func(name string) string {
			// SQLite reserves table names starting with sqlite_ (in any
			// case) for itself; such names still work as column names.
			if len(name) >= 7 && strings.EqualFold(name[:7], "sqlite_") {
				return "t_" + name
			}
			return name
		},
		exec: func(query string, args ...any) error {
			_, err := db.Exec(query, args...)
			return err
		},
		query: func(query string, args ...any) (string, string, error) {
			rows, err := db.Query(query, args...)
			if err != nil {
				return "", "", err
			}
			defer rows.Close()
			names, err := rows.Columns()
			if err != nil {
				return "", "", err
			}
			column := ""
			if len(names) == 1 {
				column = names[0]
			}
			var value string
			n := 0
			for rows.Next() {
				n++
				if err := rows.Scan(&value); err != nil {
					return "", "", err
				}
			}
			if err := rows.Err(); err != nil {
				return "", "", err
			}
			if n != 1 {
				return "", "", fmt.Errorf("%d rows, want 1", n)
			}
			return column, value, nil
		},
		columns: func(table string) ([]string, error) {
			// pragma_table_info matches names ignoring ASCII case; the
			// schema table is compared exactly.
			rows, err := db.Query(`SELECT p.name FROM sqlite_schema s, pragma_table_info(s.name) p
				WHERE s.type = 'table' AND s.name = ? ORDER BY p.cid`, table)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var cols []string
			for rows.Next() {
				var c string
				if err := rows.Scan(&c); err != nil {
					return nil, err
				}
				cols = append(cols, c)
			}
			return cols, rows.Err()
		},
	}
}
