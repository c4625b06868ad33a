package ore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/internal/chinook"
	"github.com/ore-go/ore/internal/testdb"
)

// ----------------------------------------------------------------------------
// The round-trip schema: every type kind and every kind of constraint.

type schKindsTable struct {
	ore.Table
	ID     ore.Col[int64]             `ore:"id,pk,identity"`
	Small  ore.Col[int16]             `ore:"small,default=0"`
	Medium ore.Col[int32]             `ore:"medium"`
	Big    ore.Col[*int64]            `ore:"big,index"`
	Flag   ore.Col[bool]              `ore:"flag,default=true"`
	Name   ore.Col[string]            `ore:"name,size=40,unique"`
	Body   ore.Col[*string]           `ore:"body"`
	Price  ore.Col[float64]           `ore:"price,type=numeric(10,2),default=0"`
	Amount ore.Col[sql.Null[float64]] `ore:"amount,type=numeric(12)"`
	Ratio  ore.Col[float64]           `ore:"ratio,default=1.5"`
	Weight ore.Col[*float32]          `ore:"weight"`
	Day    ore.Col[time.Time]         `ore:"day,type=date"`
	Clock  ore.Col[*string]           `ore:"clock,type=time"`
	At     ore.Col[time.Time]         `ore:"at,type=timestamp,default=CURRENT_TIMESTAMP"`
	AtTZ   ore.Col[*time.Time]        `ore:"at_tz"`
	Blob   ore.Col[[]byte]            `ore:"blob"`
	Token  ore.Col[*[16]byte]         `ore:"token"`
	Doc    ore.Col[json.RawMessage]   `ore:"doc,default='{}'"`
}

func (t *schKindsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.Check(t.Price.Ge(0)),
		ore.CheckSQL("length(name) > 0").Named("sch_kinds_name_check"),
		// SQL text, where "?" is no placeholder.
		ore.CheckSQL("body <> '?'"),
		ore.Unique(t.Small, t.Medium).Named("sch_kinds_small_medium_key"),
		ore.Unique(t.Day, t.Clock),
		ore.UniqueIndex(ore.Lower(t.Name)),
		ore.Index(t.Day, t.At),
		ore.Index(t.Ratio).Where(t.Big.IsNotNull()).Named("sch_kinds_partial"),
	}
}

type schParentTable struct {
	ore.Table
	// A key column is NOT NULL, even declared with a pointer type.
	Code   ore.Col[*string] `ore:"code,size=10"`
	Region ore.Col[int32]   `ore:"region"`
	Label  ore.Col[*string] `ore:"label,default='none'"`
}

func (t *schParentTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		// Key order differs from column order.
		ore.PrimaryKey(t.Region, t.Code).Named("sch_parent_pk"),
		ore.Unique(t.Label).Named("sch_parent_label_key"),
		ore.Check(t.Region.Gt(0)).Named("sch_parent_region_check"),
	}
}

type schChildTable struct {
	ore.Table
	ID           ore.Col[int32]   `ore:"id,pk,identity"`
	ParentRegion ore.Col[int32]   `ore:"parent_region"`
	ParentCode   ore.Col[string]  `ore:"parent_code,size=10"`
	UpID         ore.Col[*int32]  `ore:"up_id"`
	KindID       ore.Col[*int64]  `ore:"kind_id"`
	AltKindID    ore.Col[*int64]  `ore:"alt_kind_id"`
	Note         ore.Col[*string] `ore:"note"`
}

func (t *schChildTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.ForeignKey(t.ParentRegion, t.ParentCode).References(schParent.Region, schParent.Code).
			OnDelete(ore.Cascade).OnUpdate(ore.Cascade).Named("sch_child_parent_fk"),
		ore.ForeignKey(t.UpID).References(t.ID).OnDelete(ore.SetNull),
		ore.ForeignKey(t.KindID).References(schKinds.ID).OnDelete(ore.Restrict).OnUpdate(ore.SetDefault),
		ore.ForeignKey(t.AltKindID).References(schKinds.ID),
		ore.CheckSQL("up_id <> id"),
	}
}

// schTag has an integer key that is not an identity: on SQLite the rowid,
// but no AUTOINCREMENT.
type schTagTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk"`
	Name ore.Col[string] `ore:"name,size=20"`
}

var (
	schKinds  = ore.NewTable[schKindsTable]("sch_kinds")
	schParent = ore.NewTable[schParentTable]("sch_parent")
	schChild  = ore.NewTable[schChildTable]("sch_child")
	schTag    = ore.NewTable[schTagTable]("sch_tag")
)

// schChecks are the declared tables' check conditions, written by hand as
// SQL, in declaration order.
var schChecks = map[string][]string{
	"sch_kinds":  {`"price" >= 0`, `length(name) > 0`, `body <> '?'`},
	"sch_parent": {`"region" > 0`},
	"sch_child":  {`up_id <> id`},
	"sch_tag":    nil,
}

func TestSchemaRoundTrip(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		// Declared so that a table comes before the tables it refers to.
		md := ore.NewMetaData(schChild, schTag, schKinds, schParent)
		require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{}))

		got := ore.NewMetaData()
		require.NoError(t, got.Reflect(ctx, db, ore.ReflectOptions{}))
		names := tableNames(got.Tables())
		assert.ElementsMatch(t, []string{"sch_kinds", "sch_parent", "sch_child", "sch_tag"}, names)
		for _, want := range md.Tables() {
			t.Run(want.Name(), func(t *testing.T) {
				refl := got.Table(want.Name())
				require.NotNil(t, refl, "table %s not reflected", want.Name())
				assertSameTable(t, db.Dialect().Name(), ore.TableOf(want), refl, schChecks[want.Name()])
			})
		}

		// The reflection creates the same tables again elsewhere.
		var db2 *ore.DB
		if db.Dialect().Name() == "postgres" {
			db2 = testdb.OpenPG(t, ore.Options{})
		} else {
			db2 = testdb.OpenSQLite(t, ore.Options{})
		}
		require.NoError(t, got.CreateAll(ctx, db2, ore.CreateOptions{}))
		again := ore.NewMetaData()
		require.NoError(t, again.Reflect(ctx, db2, ore.ReflectOptions{}))
		assert.Equal(t, names, tableNames(again.Tables()))
		for _, want := range md.Tables() {
			t.Run(want.Name()+" again", func(t *testing.T) {
				refl := again.Table(want.Name())
				require.NotNil(t, refl, "table %s not reflected", want.Name())
				assertSameTable(t, db.Dialect().Name(), ore.TableOf(want), refl, schChecks[want.Name()])
			})
		}

		// The reflected tables work in statements.
		k, p, c := got.Table("sch_kinds"), got.Table("sch_parent"), got.Table("sch_child")
		_, err := db.Exec(ctx, ore.Insert(p).Values(p.C("region").To(int32(7)), p.C("code").To("ab")))
		require.NoError(t, err)
		_, err = db.Exec(ctx, ore.Insert(k).Values(
			k.C("medium").To(int32(3)), k.C("name").To("Widget"),
			k.C("day").To(time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)),
			k.C("blob").To([]byte{1, 2, 3}),
		))
		require.NoError(t, err)
		kind, err := ore.One(ctx, db, ore.Select4(k.C("id"), k.C("name"), k.C("small"), k.C("flag")).
			From(k).Where(k.C("name").Eq("Widget")))
		require.NoError(t, err)
		assert.EqualValues(t, 1, kind.V1, "identity value")
		assert.Equal(t, "Widget", kind.V2)
		assert.EqualValues(t, 0, kind.V3, "server default")
		assert.Contains(t, []any{true, int64(1)}, kind.V4, "server default true")

		_, err = db.Exec(ctx, ore.Insert(c).Values(c.C("parent_region").To(int32(7)), c.C("parent_code").To("ab"),
			c.C("kind_id").To(kind.V1)))
		require.NoError(t, err)
		label, err := ore.Scalar(ctx, db, ore.Select1(p.C("label")).From(p).Where(p.C("code").Eq("ab")))
		require.NoError(t, err)
		assert.Equal(t, "none", label, "server default of a reflected table")
		rows, err := ore.All(ctx, db, ore.Select2(c.C("parent_code"), k.C("name")).
			From(c).Join(k, k.C("id").EqExpr(c.C("kind_id"))))
		require.NoError(t, err)
		require.Len(t, rows, 1)
		assert.Equal(t, "ab", rows[0].V1)
		assert.Equal(t, "Widget", rows[0].V2)

		// The key's actions are there: RESTRICT keeps the kind, CASCADE
		// takes the child with its parent.
		_, err = db.Exec(ctx, ore.Delete(k))
		assert.ErrorIs(t, err, ore.ErrForeignKeyViolation)
		_, err = db.Exec(ctx, ore.Delete(p))
		require.NoError(t, err)
		n, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(c))
		require.NoError(t, err)
		assert.Equal(t, int64(0), n)
	})
}

func tableNames(tables []*ore.Table) []string {
	var out []string
	for _, t := range tables {
		out = append(out, t.Name())
	}
	return out
}

// assertSameTable compares a declared table with its reflection, part by
// part. checks are the declared checks' SQL, in declaration order. Where a
// database cannot keep what was declared, the rule is spelled out below.
func assertSameTable(t *testing.T, dialect string, declared, reflected *ore.Table, checks []string) {
	t.Helper()
	want, err := declared.Spec()
	require.NoError(t, err)
	got, err := reflected.Spec()
	require.NoError(t, err)
	sqlite := dialect == "sqlite"

	// Columns, in order.
	require.Equal(t, columnNames(want.Columns), columnNames(got.Columns), "columns")
	for i, w := range want.Columns {
		g := got.Columns[i]
		wantType := w.Type
		if sqlite && w.Identity {
			// SQLite's only identity is INTEGER PRIMARY KEY AUTOINCREMENT:
			// the column is a 64-bit integer whatever its declared size.
			wantType = compile.Type{Kind: compile.TypeBigInt}
		}
		assert.Equal(t, wantType, g.Type, "type of %s", w.Name)
		// Key and identity columns are NOT NULL, whatever the Go type.
		assert.Equal(t, w.Nullable && !w.PrimaryKey && !w.Identity, g.Nullable, "nullability of %s", w.Name)
		assert.Equal(t, w.Identity, g.Identity, "identity of %s", w.Name)
		assert.Equal(t, w.PrimaryKey, g.PrimaryKey, "primary key flag of %s", w.Name)
		assert.Equal(t, normalizeSQL(w.Default), normalizeSQL(g.Default), "default of %s: %q", w.Name, g.Default)
	}

	// Primary key.
	assert.Equal(t, want.PrimaryKey, got.PrimaryKey, "primary key columns")
	assertConstraintName(t, dialect, want.PKName, got.PKName, "_pkey", "primary key")

	// Foreign keys, as a set.
	fkKey := func(fk ore.ForeignKeyDef) string {
		return strings.Join(fk.Columns, ",") + "->" + fk.RefSchema + "." + fk.RefTable + "(" + strings.Join(fk.RefColumns, ",") +
			") delete " + fk.Delete.String() + " update " + fk.Update.String()
	}
	require.ElementsMatch(t, mapSlice(want.ForeignKeys, fkKey), mapSlice(got.ForeignKeys, fkKey), "foreign keys")
	for _, w := range want.ForeignKeys {
		i := slices.IndexFunc(got.ForeignKeys, func(g ore.ForeignKeyDef) bool { return fkKey(g) == fkKey(w) })
		assertConstraintName(t, dialect, w.Name, got.ForeignKeys[i].Name, "_fkey", "foreign key "+fkKey(w))
	}

	// Unique constraints, as a set.
	uKey := func(u ore.UniqueDef) string { return strings.Join(u.Columns, ",") }
	require.ElementsMatch(t, mapSlice(want.Uniques, uKey), mapSlice(got.Uniques, uKey), "unique constraints")
	for _, w := range want.Uniques {
		i := slices.IndexFunc(got.Uniques, func(g ore.UniqueDef) bool { return uKey(g) == uKey(w) })
		assertConstraintName(t, dialect, w.Name, got.Uniques[i].Name, "_key", "unique "+uKey(w))
	}

	// Indexes, as a set. ore names every index it creates (table_cols_idx
	// when the declaration does not), so names must survive on both.
	ixKey := func(ix ore.IndexDef) string {
		var keys []string
		for _, e := range ix.Exprs {
			keys = append(keys, exprText(t, e))
		}
		s := ix.Name + ": (" + strings.Join(keys, ",") + ")"
		if ix.Unique {
			s = "unique " + s
		}
		if ix.Predicate != nil {
			s += " where " + exprText(t, ix.Predicate)
		}
		return s
	}
	assert.ElementsMatch(t, mapSlice(want.Indexes, ixKey), mapSlice(got.Indexes, ixKey), "indexes")

	// Checks: their conditions as text, and their names where declared.
	require.Len(t, checks, len(want.Checks), "bug in the test: checks of %s", declared.Name())
	for i, ch := range want.Checks {
		if _, ok := ch.Cond.(*compile.Raw); ok {
			require.Contains(t, mapSlice(checks, normalizeSQL), exprText(t, ch.Cond), "bug in the test: check %d", i)
		}
	}
	var gotChecks []string
	for _, g := range got.Checks {
		gotChecks = append(gotChecks, exprText(t, g.Cond))
	}
	assert.ElementsMatch(t, mapSlice(checks, normalizeSQL), gotChecks, "checks")
	for i, w := range want.Checks {
		j := slices.IndexFunc(got.Checks, func(g ore.CheckDef) bool { return exprText(t, g.Cond) == normalizeSQL(checks[i]) })
		if j >= 0 {
			assertConstraintName(t, dialect, w.Name, got.Checks[j].Name, "_check", "check "+checks[i])
		}
	}
}

// assertConstraintName checks a reflected constraint's name. A declared
// name comes back as declared. An undeclared one is the database's
// choice: PostgreSQL names every constraint itself (table_cols_suffix),
// while SQLite keeps only the names written in CREATE TABLE, so none.
func assertConstraintName(t *testing.T, dialect, declared, reflected, pgSuffix, what string) {
	t.Helper()
	switch {
	case declared != "":
		assert.Equal(t, declared, reflected, "name of %s", what)
	case dialect == "sqlite":
		assert.Empty(t, reflected, "name of %s", what)
	default:
		assert.True(t, strings.HasSuffix(reflected, pgSuffix), "name of %s: %q, want PostgreSQL's own, ending in %s", what, reflected, pgSuffix)
	}
}

func columnNames(cols []*ore.ColumnDef) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.Name)
	}
	return out
}

func mapSlice[T, U any](s []T, f func(T) U) []U {
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// exprText returns an index key, index predicate or check condition as
// normalized text: a column's name, or raw SQL (as reflection gives it)
// normalized, or a declared expression rendered for reading and
// normalized.
func exprText(t *testing.T, e compile.Expr) string {
	t.Helper()
	switch e := e.(type) {
	case *compile.Column:
		return e.Name
	}
	// Rendered as the database receives it ("??" in raw text is "?", and
	// values are literals); declared expressions come with qualified
	// columns, which the databases do not keep.
	c, err := compile.CompileExpr(postgres.Dialect{}, e)
	require.NoError(t, err)
	text := placeholder.ReplaceAllStringFunc(c.SQL, func(p string) string {
		i, err := strconv.Atoi(p[1:])
		require.NoError(t, err)
		switch v := c.Args[i-1].(type) {
		case string:
			return "'" + strings.ReplaceAll(v, "'", "''") + "'"
		default:
			return fmt.Sprint(v)
		}
	})
	return normalizeSQL(qualifier.ReplaceAllString(text, ""))
}

var (
	qualifier   = regexp.MustCompile(`"[a-z_]+"\.`)
	placeholder = regexp.MustCompile(`\$\d+`)
)

var (
	casts  = regexp.MustCompile(`::[a-z_]+(\[\])?`)
	spaces = regexp.MustCompile(`\s+`)
)

// normalizeSQL makes SQL expression text comparable across databases and
// between what was written and what a catalog gives back: without spaces,
// double quotes, parentheses and PostgreSQL's casts (0::numeric,
// 'x'::character varying), in lower case. PostgreSQL rewrites what it
// keeps (adding casts and parentheses); SQLite keeps the text as written.
func normalizeSQL(s string) string {
	s = strings.ToLower(s)
	s = spaces.ReplaceAllString(s, "")
	s = strings.NewReplacer(`"`, "", "(", "", ")", "").Replace(s)
	return casts.ReplaceAllString(s, "")
}

// ----------------------------------------------------------------------------
// CreateAll and DropAll

// Two tables in dependency order, declared the other way round, and two
// that refer to each other.

type depChildTable struct {
	ore.Table
	ID       ore.Col[int64] `ore:"id,pk"`
	ParentID ore.Col[int64] `ore:"parent_id"`
}

func (t *depChildTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.ParentID).References(depParent.ID)}
}

type depParentTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk"`
	Name ore.Col[string] `ore:"name,index"`
}

type cycATable struct {
	ore.Table
	ID  ore.Col[int64]  `ore:"id,pk"`
	BID ore.Col[*int64] `ore:"b_id"`
}

func (t *cycATable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.BID).References(cycB.ID)}
}

type cycBTable struct {
	ore.Table
	ID  ore.Col[int64]  `ore:"id,pk"`
	AID ore.Col[*int64] `ore:"a_id"`
}

func (t *cycBTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.AID).References(cycA.ID).OnDelete(ore.Cascade)}
}

var (
	depChild  = ore.NewTable[depChildTable]("dep_child")
	depParent = ore.NewTable[depParentTable]("dep_parent")
	cycA      = ore.NewTable[cycATable]("cyc_a")
	cycB      = ore.NewTable[cycBTable]("cyc_b")
)

// depSchema holds the four tables, a child before its parent.
func depSchema() *ore.MetaData { return ore.NewMetaData(depChild, cycA, depParent, cycB) }

// recordSQL returns the statements db runs from now on, as far as they
// have gone, and whether each failed.
func recordSQL(db *ore.DB) (stmts func() []string, stop func()) {
	var mu sync.Mutex
	var list []string
	stop = db.Listen(ore.Listener{AfterExecute: func(_ context.Context, e *ore.ExecEvent) {
		mu.Lock()
		defer mu.Unlock()
		s := e.SQL
		if e.Err != nil {
			s += " -- failed"
		}
		list = append(list, s)
	}})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(list)
	}, stop
}

func tableList(t *testing.T, ctx context.Context, db *ore.DB) []string {
	t.Helper()
	in, err := ore.Inspect(ctx, db)
	require.NoError(t, err)
	names, err := in.Tables(ctx, "")
	require.NoError(t, err)
	return names
}

func TestCreateAllOrder(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		md := depSchema()
		sorted, cycles, err := md.SortedTables()
		require.NoError(t, err)
		// The cycle's keys are set aside, so cyc_a comes first, as added;
		// dep_child waits for dep_parent.
		assert.Equal(t, []string{"cyc_a", "dep_parent", "dep_child", "cyc_b"}, tableNames(sorted))
		cycleFKs := map[string][]string{}
		for tbl, fks := range cycles {
			for _, fk := range fks {
				cycleFKs[tbl.Name()] = append(cycleFKs[tbl.Name()], strings.Join(fk.Columns, ",")+"->"+fk.RefTable)
			}
		}
		assert.Equal(t, map[string][]string{"cyc_a": {"b_id->cyc_b"}, "cyc_b": {"a_id->cyc_a"}}, cycleFKs)

		stmts, stop := recordSQL(db)
		require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{}))
		stop()
		var want []string
		if db.Dialect().Name() == "postgres" {
			// The cycle's keys come after both tables, by ALTER TABLE, with
			// the names DropAll drops them by.
			want = []string{
				`CREATE TABLE "cyc_a" ("id" bigint NOT NULL, "b_id" bigint, PRIMARY KEY ("id"))`,
				`CREATE TABLE "dep_parent" ("id" bigint NOT NULL, "name" text NOT NULL, PRIMARY KEY ("id"))`,
				`CREATE INDEX "dep_parent_name_idx" ON "dep_parent" ("name")`,
				`CREATE TABLE "dep_child" ("id" bigint NOT NULL, "parent_id" bigint NOT NULL, PRIMARY KEY ("id"), FOREIGN KEY ("parent_id") REFERENCES "dep_parent" ("id"))`,
				`CREATE TABLE "cyc_b" ("id" bigint NOT NULL, "a_id" bigint, PRIMARY KEY ("id"))`,
				`ALTER TABLE "cyc_a" ADD CONSTRAINT "cyc_a_b_id_fkey" FOREIGN KEY ("b_id") REFERENCES "cyc_b" ("id")`,
				`ALTER TABLE "cyc_b" ADD CONSTRAINT "cyc_b_a_id_fkey" FOREIGN KEY ("a_id") REFERENCES "cyc_a" ("id") ON DELETE CASCADE`,
			}
		} else {
			// SQLite cannot add a foreign key to a table, and needs not:
			// a key may refer to a table created later.
			want = []string{
				`CREATE TABLE "cyc_a" ("id" INTEGER NOT NULL, "b_id" INTEGER, PRIMARY KEY ("id"), FOREIGN KEY ("b_id") REFERENCES "cyc_b" ("id"))`,
				`CREATE TABLE "dep_parent" ("id" INTEGER NOT NULL, "name" TEXT NOT NULL, PRIMARY KEY ("id"))`,
				`CREATE INDEX "dep_parent_name_idx" ON "dep_parent" ("name")`,
				`CREATE TABLE "dep_child" ("id" INTEGER NOT NULL, "parent_id" INTEGER NOT NULL, PRIMARY KEY ("id"), FOREIGN KEY ("parent_id") REFERENCES "dep_parent" ("id"))`,
				`CREATE TABLE "cyc_b" ("id" INTEGER NOT NULL, "a_id" INTEGER, PRIMARY KEY ("id"), FOREIGN KEY ("a_id") REFERENCES "cyc_a" ("id") ON DELETE CASCADE)`,
			}
		}
		assert.Equal(t, want, stmts())
		assert.Equal(t, []string{"cyc_a", "cyc_b", "dep_child", "dep_parent"}, tableList(t, ctx, db))

		// Rows that refer to each other, through keys that hold.
		exec := func(s ore.Statement) {
			t.Helper()
			_, err := db.Exec(ctx, s)
			require.NoError(t, err)
		}
		one := int64(1)
		exec(ore.Insert(cycA).Values(cycA.ID.To(1)))
		exec(ore.Insert(cycB).Values(cycB.ID.To(1), cycB.AID.To(&one)))
		exec(ore.Update(cycA).Set(cycA.BID.To(&one)).Where(cycA.ID.Eq(1)))
		exec(ore.Insert(depParent).Values(depParent.ID.To(1), depParent.Name.To("p")))
		exec(ore.Insert(depChild).Values(depChild.ID.To(1), depChild.ParentID.To(1)))
		missing := int64(99)
		_, err = db.Exec(ctx, ore.Insert(cycA).Values(cycA.ID.To(2), cycA.BID.To(&missing)))
		assert.ErrorIs(t, err, ore.ErrForeignKeyViolation, "the key added after the tables holds")
		_, err = db.Exec(ctx, ore.Insert(depChild).Values(depChild.ID.To(2), depChild.ParentID.To(99)))
		assert.ErrorIs(t, err, ore.ErrForeignKeyViolation)

		stmts, stop = recordSQL(db)
		require.NoError(t, md.DropAll(ctx, db, ore.DropOptions{}))
		stop()
		if db.Dialect().Name() == "postgres" {
			want = []string{
				`ALTER TABLE "cyc_a" DROP CONSTRAINT "cyc_a_b_id_fkey"`,
				`ALTER TABLE "cyc_b" DROP CONSTRAINT "cyc_b_a_id_fkey"`,
			}
		} else {
			want = []string{`PRAGMA defer_foreign_keys = ON`}
		}
		want = append(want, `DROP TABLE "cyc_b"`, `DROP TABLE "dep_child"`, `DROP TABLE "dep_parent"`, `DROP TABLE "cyc_a"`)
		assert.Equal(t, want, stmts())
		assert.Empty(t, tableList(t, ctx, db))
	})
}

func TestCreateAllIfNotExists(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		md := depSchema()
		require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{IfNotExists: true}))
		assert.Equal(t, []string{"cyc_a", "cyc_b", "dep_child", "dep_parent"}, tableList(t, ctx, db))
		_, err := db.Exec(ctx, ore.Insert(depParent).Values(depParent.ID.To(1), depParent.Name.To("kept")))
		require.NoError(t, err)

		stmts, stop := recordSQL(db)
		require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{IfNotExists: true}))
		stop()
		assert.Empty(t, stmts(), "nothing to create")
		name, err := ore.Scalar(ctx, db, ore.Select1(depParent.Name).From(depParent))
		require.NoError(t, err)
		assert.Equal(t, "kept", name)

		// Without it, the second run fails, and the first statement's
		// failure leaves everything as it was.
		err = md.CreateAll(ctx, db, ore.CreateOptions{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cyc_a")

		// A table that went missing is created again, alone.
		_, err = db.Exec(ctx, ore.DropTable(depChild))
		require.NoError(t, err)
		stmts, stop = recordSQL(db)
		require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{IfNotExists: true}))
		stop()
		require.Len(t, stmts(), 1)
		assert.True(t, strings.HasPrefix(stmts()[0], `CREATE TABLE "dep_child" `), stmts()[0])
		assert.Equal(t, []string{"cyc_a", "cyc_b", "dep_child", "dep_parent"}, tableList(t, ctx, db))
	})
}

func TestDropAllIfExists(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		md := depSchema()
		require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{}))
		one := int64(1)
		_, err := db.Exec(ctx, ore.Insert(cycA).Values(cycA.ID.To(1)))
		require.NoError(t, err)
		_, err = db.Exec(ctx, ore.Insert(cycB).Values(cycB.ID.To(1), cycB.AID.To(&one)))
		require.NoError(t, err)

		// Half dropped: cyc_b and dep_parent's child are gone. On
		// PostgreSQL, cyc_a's key to cyc_b goes with cyc_b.
		dropB := `DROP TABLE "cyc_b"`
		if db.Dialect().Name() == "postgres" {
			dropB += " CASCADE"
		}
		_, err = db.Exec(ctx, ore.SQL[struct{}](dropB))
		require.NoError(t, err)
		_, err = db.Exec(ctx, ore.DropTable(depChild))
		require.NoError(t, err)
		require.Equal(t, []string{"cyc_a", "dep_parent"}, tableList(t, ctx, db))

		// Without IfExists the missing tables fail DropAll, which drops
		// nothing.
		require.Error(t, md.DropAll(ctx, db, ore.DropOptions{}))
		assert.Equal(t, []string{"cyc_a", "dep_parent"}, tableList(t, ctx, db))

		require.NoError(t, md.DropAll(ctx, db, ore.DropOptions{IfExists: true}))
		assert.Empty(t, tableList(t, ctx, db))
		require.NoError(t, md.DropAll(ctx, db, ore.DropOptions{IfExists: true}), "on nothing at all")
	})
}

// Declarations CreateAll must refuse.

type schGoodTable struct {
	ore.Table
	ID ore.Col[int64] `ore:"id,pk"`
}

type schBadTypeTable struct {
	ore.Table
	ID    ore.Col[int64]      `ore:"id,pk"`
	Ratio ore.Col[complex128] `ore:"ratio"`
}

type schBadFKTable struct {
	ore.Table
	ID ore.Col[int64]  `ore:"id,pk"`
	A  ore.Col[int64]  `ore:"a"`
	B  ore.Col[*int64] `ore:"b"`
}

func (t *schBadFKTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.A, t.B).References(depParent.ID, cycA.ID)}
}

var (
	schGood    = ore.NewTable[schGoodTable]("sch_good")
	schBadType = ore.NewTable[schBadTypeTable]("sch_bad_type")
	schBadFK   = ore.NewTable[schBadFKTable]("sch_bad_fk")
)

func TestCreateAllDeclarationErrors(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()

		stmts, stop := recordSQL(db)
		err := ore.NewMetaData(schGood, schBadType).CreateAll(ctx, db, ore.CreateOptions{})
		stop()
		require.Error(t, err)
		assert.Contains(t, err.Error(), `table "sch_bad_type": column "ratio": no SQL type for Go type complex128`)
		// sch_good was created, then rolled back with the transaction.
		require.Len(t, stmts(), 1)
		assert.True(t, strings.HasPrefix(stmts()[0], `CREATE TABLE "sch_good"`), stmts()[0])
		assert.Empty(t, tableList(t, ctx, db))

		stmts, stop = recordSQL(db)
		err = ore.NewMetaData(schGood, depParent, cycA, schBadFK).CreateAll(ctx, db, ore.CreateOptions{})
		stop()
		require.Error(t, err)
		assert.Contains(t, err.Error(), `table "sch_bad_fk": foreign key on [a b]: columns of two tables, "dep_parent" and "cyc_a"`)
		assert.Empty(t, stmts())
		assert.Empty(t, tableList(t, ctx, db))

		if db.Dialect().Name() == "sqlite" {
			// SQLite's one identity is the INTEGER PRIMARY KEY AUTOINCREMENT.
			err = ore.NewMetaData(schPGOnly).CreateAll(ctx, db, ore.CreateOptions{})
			assert.ErrorContains(t, err, `table "sch_pg_only": identity column "seq" must be the table's only primary key column, of an integer type, on sqlite`)
			assert.Empty(t, tableList(t, ctx, db))
		}

		// DropAll refuses it too, before dropping anything.
		require.NoError(t, ore.NewMetaData(schGood).CreateAll(ctx, db, ore.CreateOptions{}))
		require.Error(t, ore.NewMetaData(schGood, schBadFK).DropAll(ctx, db, ore.DropOptions{IfExists: true}))
		assert.Equal(t, []string{"sch_good"}, tableList(t, ctx, db))
	})
}

func TestCreateTableIfNotExistsStatements(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		for range 2 {
			_, err := db.Exec(ctx, ore.CreateTableIfNotExists(depParent))
			require.NoError(t, err)
			ixs, err := ore.CreateIndexes(depParent, true)
			require.NoError(t, err)
			require.Len(t, ixs, 1)
			_, err = db.Exec(ctx, ixs[0])
			require.NoError(t, err)
		}
		_, err := db.Exec(ctx, ore.CreateTable(depParent))
		assert.Error(t, err, "CREATE TABLE of a table that exists")
		in, err := ore.Inspect(ctx, db)
		require.NoError(t, err)
		ixs, err := in.Indexes(ctx, "", "dep_parent")
		require.NoError(t, err)
		require.Len(t, ixs, 1)
		assert.Equal(t, "dep_parent_name_idx", ixs[0].Name)
		for range 2 {
			_, err := db.Exec(ctx, ore.DropTableIfExists(depParent))
			require.NoError(t, err)
		}
		_, err = db.Exec(ctx, ore.DropTable(depParent))
		assert.Error(t, err, "DROP TABLE of a table that does not exist")
	})
}

// ----------------------------------------------------------------------------
// Inspector

func TestInspectorCache(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		require.NoError(t, ore.NewMetaData(depParent, depChild).CreateAll(ctx, db, ore.CreateOptions{}))
		in, err := ore.Inspect(ctx, db)
		require.NoError(t, err)
		tables, err := in.Tables(ctx, "")
		require.NoError(t, err)
		assert.Equal(t, []string{"dep_child", "dep_parent"}, tables)
		cols, err := in.Columns(ctx, "", "dep_parent")
		require.NoError(t, err)
		assert.Len(t, cols, 2)

		_, err = db.Exec(ctx, ore.SQL[struct{}](`CREATE TABLE "sch_late" ("id" INTEGER PRIMARY KEY)`))
		require.NoError(t, err)
		_, err = db.Exec(ctx, ore.SQL[struct{}](`ALTER TABLE "dep_parent" ADD COLUMN "extra" INTEGER`))
		require.NoError(t, err)

		// Cached: the inspector answers as before.
		tables, err = in.Tables(ctx, "")
		require.NoError(t, err)
		assert.Equal(t, []string{"dep_child", "dep_parent"}, tables)
		has, err := in.HasTable(ctx, "", "sch_late")
		require.NoError(t, err)
		assert.False(t, has)
		cols, err = in.Columns(ctx, "", "dep_parent")
		require.NoError(t, err)
		assert.Len(t, cols, 2)

		// A new inspector, or the old one with its cache cleared, sees the
		// changes.
		fresh, err := ore.Inspect(ctx, db)
		require.NoError(t, err)
		has, err = fresh.HasTable(ctx, "", "sch_late")
		require.NoError(t, err)
		assert.True(t, has)
		in.ClearCache()
		tables, err = in.Tables(ctx, "")
		require.NoError(t, err)
		assert.Equal(t, []string{"dep_child", "dep_parent", "sch_late"}, tables)
		cols, err = in.Columns(ctx, "", "dep_parent")
		require.NoError(t, err)
		assert.Equal(t, []string{"id", "name", "extra"}, mapSlice(cols, func(c dialect.ColumnInfo) string { return c.Name }))

		def, err := in.DefaultSchema(ctx)
		require.NoError(t, err)
		schemas, err := in.Schemas(ctx)
		require.NoError(t, err)
		assert.Contains(t, schemas, def)
		if db.Dialect().Name() == "sqlite" {
			assert.Equal(t, "main", def)
		}
		// The default schema by name is the same as "".
		tables, err = in.Tables(ctx, def)
		require.NoError(t, err)
		assert.Equal(t, []string{"dep_child", "dep_parent", "sch_late"}, tables)
	})
}

func TestInspectorSortedTables(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		require.NoError(t, depSchema().CreateAll(ctx, db, ore.CreateOptions{}))
		_, err := db.Exec(ctx, ore.SQL[struct{}](`CREATE TABLE "a_first" ("id" INTEGER PRIMARY KEY, "child_id" INTEGER REFERENCES "dep_child" ("id"))`))
		require.NoError(t, err)
		in, err := ore.Inspect(ctx, db)
		require.NoError(t, err)
		sorted, cycles, err := in.SortedTables(ctx, "")
		require.NoError(t, err)
		// By name where the keys allow: the cycle's keys set aside, cyc_a
		// and cyc_b come first; a_first waits for dep_child, which waits
		// for dep_parent.
		assert.Equal(t, []string{"cyc_a", "cyc_b", "dep_parent", "dep_child", "a_first"}, sorted)
		require.Len(t, cycles, 2)
		require.Len(t, cycles["cyc_a"], 1)
		require.Len(t, cycles["cyc_b"], 1)
		a, b := cycles["cyc_a"][0], cycles["cyc_b"][0]
		assert.Equal(t, []string{"b_id"}, a.Columns)
		assert.Equal(t, "cyc_b", a.RefTable)
		assert.Equal(t, []string{"id"}, a.RefColumns)
		assert.Equal(t, []string{"a_id"}, b.Columns)
		assert.Equal(t, "cyc_a", b.RefTable)
		assert.Equal(t, ore.Cascade, b.OnDelete)
		if db.Dialect().Name() == "postgres" {
			assert.Equal(t, "cyc_a_b_id_fkey", a.Name, "the name CreateAll gave it")
		}
	})
}

func TestInspectNoSuchTable(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		require.NoError(t, ore.NewMetaData(depParent).CreateAll(ctx, db, ore.CreateOptions{}))
		in, err := ore.Inspect(ctx, db)
		require.NoError(t, err)
		has, err := in.HasTable(ctx, "", "nope")
		require.NoError(t, err)
		assert.False(t, has)
		has, err = in.HasTable(ctx, "", "dep_parent")
		require.NoError(t, err)
		assert.True(t, has)

		calls := map[string]func() error{
			"Columns":           func() error { _, err := in.Columns(ctx, "", "nope"); return err },
			"PrimaryKey":        func() error { _, err := in.PrimaryKey(ctx, "", "nope"); return err },
			"ForeignKeys":       func() error { _, err := in.ForeignKeys(ctx, "", "nope"); return err },
			"Indexes":           func() error { _, err := in.Indexes(ctx, "", "nope"); return err },
			"UniqueConstraints": func() error { _, err := in.UniqueConstraints(ctx, "", "nope"); return err },
			"CheckConstraints":  func() error { _, err := in.CheckConstraints(ctx, "", "nope"); return err },
			"ViewDefinition":    func() error { _, err := in.ViewDefinition(ctx, "", "dep_parent"); return err },
		}
		for name, call := range calls {
			err := call()
			assert.ErrorIs(t, err, ore.ErrNoSuchTable, name)
			if err != nil {
				assert.True(t, strings.HasPrefix(err.Error(), "ore: inspect "), "%s: %v", name, err)
			}
		}

		err = ore.NewMetaData().Reflect(ctx, db, ore.ReflectOptions{Only: []string{"dep_parent", "nope"}})
		assert.ErrorIs(t, err, ore.ErrNoSuchTable)
		assert.ErrorContains(t, err, `"nope"`)
		md := ore.NewMetaData()
		require.NoError(t, md.Reflect(ctx, db, ore.ReflectOptions{Only: []string{"dep_parent"}}))
		assert.Equal(t, []string{"dep_parent"}, tableNames(md.Tables()))
	})
}

// ----------------------------------------------------------------------------
// Reflecting Chinook

// chinookSchema is Chinook's schema as its scripts declare it, in the
// SQLite script's PascalCase names (the PostgreSQL script's are their
// snake_case forms). Columns are "Name type", with "!" for NOT NULL; an int
// is INT in the PostgreSQL script and INTEGER (64 bits) in SQLite's, a
// timestamp TIMESTAMP and DATETIME, a varchar VARCHAR and NVARCHAR.
var chinookSchema = []struct {
	table   string
	columns string
	pk      []string
}{
	{"Album", "AlbumId int!, Title varchar(160)!, ArtistId int!", []string{"AlbumId"}},
	{"Artist", "ArtistId int!, Name varchar(120)", []string{"ArtistId"}},
	{"Customer", "CustomerId int!, FirstName varchar(40)!, LastName varchar(20)!, Company varchar(80), Address varchar(70), " +
		"City varchar(40), State varchar(40), Country varchar(40), PostalCode varchar(10), Phone varchar(24), Fax varchar(24), " +
		"Email varchar(60)!, SupportRepId int", []string{"CustomerId"}},
	{"Employee", "EmployeeId int!, LastName varchar(20)!, FirstName varchar(20)!, Title varchar(30), ReportsTo int, " +
		"BirthDate timestamp, HireDate timestamp, Address varchar(70), City varchar(40), State varchar(40), Country varchar(40), " +
		"PostalCode varchar(10), Phone varchar(24), Fax varchar(24), Email varchar(60)", []string{"EmployeeId"}},
	{"Genre", "GenreId int!, Name varchar(120)", []string{"GenreId"}},
	{"Invoice", "InvoiceId int!, CustomerId int!, InvoiceDate timestamp!, BillingAddress varchar(70), BillingCity varchar(40), " +
		"BillingState varchar(40), BillingCountry varchar(40), BillingPostalCode varchar(10), Total numeric(10,2)!", []string{"InvoiceId"}},
	{"InvoiceLine", "InvoiceLineId int!, InvoiceId int!, TrackId int!, UnitPrice numeric(10,2)!, Quantity int!", []string{"InvoiceLineId"}},
	{"MediaType", "MediaTypeId int!, Name varchar(120)", []string{"MediaTypeId"}},
	{"Playlist", "PlaylistId int!, Name varchar(120)", []string{"PlaylistId"}},
	{"PlaylistTrack", "PlaylistId int!, TrackId int!", []string{"PlaylistId", "TrackId"}},
	{"Track", "TrackId int!, Name varchar(200)!, AlbumId int, MediaTypeId int!, GenreId int, Composer varchar(220), " +
		"Milliseconds int!, Bytes int, UnitPrice numeric(10,2)!", []string{"TrackId"}},
}

// chinookFKs are the scripts' foreign keys, each with the index on its
// column as each script names it.
var chinookFKs = []struct {
	table, column, refTable, refColumn string
	pgIndex, sqliteIndex               string
}{
	{"Album", "ArtistId", "Artist", "ArtistId", "album_artist_id_idx", "IFK_AlbumArtistId"},
	{"Customer", "SupportRepId", "Employee", "EmployeeId", "customer_support_rep_id_idx", "IFK_CustomerSupportRepId"},
	{"Employee", "ReportsTo", "Employee", "EmployeeId", "employee_reports_to_idx", "IFK_EmployeeReportsTo"},
	{"Invoice", "CustomerId", "Customer", "CustomerId", "invoice_customer_id_idx", "IFK_InvoiceCustomerId"},
	{"InvoiceLine", "InvoiceId", "Invoice", "InvoiceId", "invoice_line_invoice_id_idx", "IFK_InvoiceLineInvoiceId"},
	{"InvoiceLine", "TrackId", "Track", "TrackId", "invoice_line_track_id_idx", "IFK_InvoiceLineTrackId"},
	{"PlaylistTrack", "PlaylistId", "Playlist", "PlaylistId", "playlist_track_playlist_id_idx", "IFK_PlaylistTrackPlaylistId"},
	{"PlaylistTrack", "TrackId", "Track", "TrackId", "playlist_track_track_id_idx", "IFK_PlaylistTrackTrackId"},
	{"Track", "AlbumId", "Album", "AlbumId", "track_album_id_idx", "IFK_TrackAlbumId"},
	{"Track", "GenreId", "Genre", "GenreId", "track_genre_id_idx", "IFK_TrackGenreId"},
	{"Track", "MediaTypeId", "MediaType", "MediaTypeId", "track_media_type_id_idx", "IFK_TrackMediaTypeId"},
}

// loadChinook runs the Chinook script of db's database on db.
func loadChinook(t *testing.T, db *ore.DB) {
	t.Helper()
	script := chinook.SQLiteScript(false)
	if db.Dialect().Name() == "postgres" {
		script = chinook.PGScript(false)
	}
	// Some titles end in "?", which raw SQL would take for a placeholder.
	_, err := db.Exec(context.Background(), ore.SQL[struct{}](strings.ReplaceAll(script, "?", "??")))
	require.NoError(t, err)
}

func TestReflectChinook(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		loadChinook(t, db)
		pg := db.Dialect().Name() == "postgres"
		name := func(s string) string {
			if pg {
				return chinook.SnakeCase(s)
			}
			return s
		}
		names := func(ss []string) []string { return mapSlice(ss, name) }

		md := ore.NewMetaData()
		require.NoError(t, md.Reflect(ctx, db, ore.ReflectOptions{}))
		var wantTables []string
		for _, tbl := range chinookSchema {
			wantTables = append(wantTables, name(tbl.table))
		}
		require.ElementsMatch(t, wantTables, tableNames(md.Tables()))
		require.Len(t, md.Tables(), 11)

		allFKs := 0
		for _, decl := range chinookSchema {
			tbl := md.Table(name(decl.table))
			require.NotNil(t, tbl, decl.table)
			spec, err := tbl.Spec()
			require.NoError(t, err)

			var cols []string
			for _, c := range strings.Split(decl.columns, ", ") {
				col, typ, _ := strings.Cut(c, " ")
				notNull := strings.HasSuffix(typ, "!")
				want, err := ore.ParseType(strings.TrimSuffix(typ, "!"))
				require.NoError(t, err)
				if want.Kind == compile.TypeInt && !pg {
					want.Kind = compile.TypeBigInt
				}
				def := tbl.Column(name(col))
				require.NotNil(t, def, "%s.%s", decl.table, col)
				assert.Equal(t, want, def.Def().Type, "type of %s.%s", decl.table, col)
				assert.Equal(t, !notNull, def.Def().Nullable, "nullability of %s.%s", decl.table, col)
				assert.False(t, def.Def().Identity, "%s.%s: no identity nor AUTOINCREMENT in this script", decl.table, col)
				cols = append(cols, name(col))
			}
			assert.Equal(t, cols, columnNames(spec.Columns), "columns of %s", decl.table)

			assert.Equal(t, names(decl.pk), spec.PrimaryKey, "primary key of %s", decl.table)
			if pg {
				assert.Equal(t, name(decl.table)+"_pkey", spec.PKName)
			} else {
				assert.Equal(t, "PK_"+decl.table, spec.PKName)
			}

			var wantFKs, wantIndexes []string
			for _, fk := range chinookFKs {
				if fk.table != decl.table {
					continue
				}
				fkName, ixName := "", fk.sqliteIndex
				if pg {
					fkName = name(fk.table) + "_" + name(fk.column) + "_fkey"
					ixName = fk.pgIndex
				}
				wantFKs = append(wantFKs, fkName+": "+name(fk.column)+" -> "+name(fk.refTable)+"."+name(fk.refColumn)+" NO ACTION NO ACTION")
				wantIndexes = append(wantIndexes, ixName+": "+name(fk.column))
			}
			var gotFKs, gotIndexes []string
			for _, fk := range spec.ForeignKeys {
				require.Len(t, fk.Columns, 1)
				require.Len(t, fk.RefColumns, 1)
				assert.Empty(t, fk.RefSchema)
				gotFKs = append(gotFKs, fk.Name+": "+fk.Columns[0]+" -> "+fk.RefTable+"."+fk.RefColumns[0]+" "+fk.Delete.String()+" "+fk.Update.String())
			}
			for _, ix := range spec.Indexes {
				require.Len(t, ix.Exprs, 1)
				assert.False(t, ix.Unique)
				assert.Nil(t, ix.Predicate)
				gotIndexes = append(gotIndexes, ix.Name+": "+exprText(t, ix.Exprs[0]))
			}
			assert.ElementsMatch(t, wantFKs, gotFKs, "foreign keys of %s", decl.table)
			assert.ElementsMatch(t, wantIndexes, gotIndexes, "indexes of %s", decl.table)
			assert.Empty(t, spec.Uniques, decl.table)
			assert.Empty(t, spec.Checks, decl.table)
			allFKs += len(spec.ForeignKeys)
		}
		assert.Equal(t, 11, allFKs)

		// The reflected tables in a query: tracks per genre.
		track, genre := md.Table(name("Track")), md.Table(name("Genre"))
		genreID := name("GenreId")
		perGenre, err := ore.All(ctx, db, ore.Select2(genre.C(name("Name")), ore.Count().As("n")).
			From(track).
			Join(genre, genre.C(genreID).EqExpr(track.C(genreID))).
			GroupBy(genre.C(genreID), genre.C(name("Name"))).
			OrderBy(ore.Count().Desc()).
			Limit(4))
		require.NoError(t, err)
		assert.Equal(t, []ore.Row2[any, int64]{
			{V1: "Rock", V2: 1297}, {V1: "Latin", V2: 579}, {V1: "Metal", V2: 374}, {V1: "Alternative & Punk", V2: 332},
		}, perGenre)

		// And sorted for creation: every table after those it refers to.
		sorted, cycles, err := md.SortedTables()
		require.NoError(t, err)
		assert.Empty(t, cycles)
		pos := map[string]int{}
		for i, tbl := range sorted {
			pos[tbl.Name()] = i
		}
		for _, fk := range chinookFKs {
			if fk.table != fk.refTable {
				assert.Less(t, pos[name(fk.refTable)], pos[name(fk.table)], "%s before %s", fk.refTable, fk.table)
			}
		}
	})
}

// What only PostgreSQL has: identity columns outside the key, and "?" as
// an operator (jsonb has a key).
type schPGOnlyTable struct {
	ore.Table
	Code ore.Col[string]          `ore:"code,pk"`
	Seq  ore.Col[int64]           `ore:"seq,identity"`
	Doc  ore.Col[json.RawMessage] `ore:"doc"`
}

func (t *schPGOnlyTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.CheckSQL("doc ? 'a'").Named("sch_pg_only_doc_check"),
		ore.Index(t.Seq).Where(ore.Raw[bool]("doc ?? 'b'")),
	}
}

var schPGOnly = ore.NewTable[schPGOnlyTable]("sch_pg_only")

func TestSchemaRoundTripPostgresOnly(t *testing.T) {
	ctx := context.Background()
	db := testdb.OpenPG(t, ore.Options{})
	require.NoError(t, ore.NewMetaData(schPGOnly).CreateAll(ctx, db, ore.CreateOptions{}))
	got := ore.NewMetaData()
	require.NoError(t, got.Reflect(ctx, db, ore.ReflectOptions{}))
	require.NotNil(t, got.Table("sch_pg_only"))
	assertSameTable(t, "postgres", ore.TableOf(schPGOnly), got.Table("sch_pg_only"), []string{"doc ? 'a'"})

	db2 := testdb.OpenPG(t, ore.Options{})
	require.NoError(t, got.CreateAll(ctx, db2, ore.CreateOptions{}))
	again := ore.NewMetaData()
	require.NoError(t, again.Reflect(ctx, db2, ore.ReflectOptions{}))
	require.NotNil(t, again.Table("sch_pg_only"))
	assertSameTable(t, "postgres", ore.TableOf(schPGOnly), again.Table("sch_pg_only"), []string{"doc ? 'a'"})

	tbl := again.Table("sch_pg_only")
	_, err := db2.Exec(ctx, ore.Insert(tbl).Values(tbl.C("code").To("x"), tbl.C("doc").To(json.RawMessage(`{"a": 1}`))))
	require.NoError(t, err)
	seq, err := ore.Scalar(ctx, db2, ore.Select1(tbl.C("seq")).From(tbl))
	require.NoError(t, err)
	assert.EqualValues(t, 1, seq)
	_, err = db2.Exec(ctx, ore.Insert(tbl).Values(tbl.C("code").To("y"), tbl.C("doc").To(json.RawMessage(`{"b": 1}`))))
	assert.ErrorIs(t, err, ore.ErrCheckViolation)
}

func TestReflectViewsAndSchemas(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		require.NoError(t, ore.NewMetaData(depParent).CreateAll(ctx, db, ore.CreateOptions{}))
		_, err := db.Exec(ctx, ore.Insert(depParent).Values(depParent.ID.To(1), depParent.Name.To("one")).
			Values(depParent.ID.To(2), depParent.Name.To("two")))
		require.NoError(t, err)
		_, err = db.Exec(ctx, ore.SQL[struct{}](`CREATE VIEW "parent_names" AS SELECT "name" FROM "dep_parent" WHERE "id" > 1`))
		require.NoError(t, err)

		md := ore.NewMetaData()
		require.NoError(t, md.Reflect(ctx, db, ore.ReflectOptions{}))
		assert.Equal(t, []string{"dep_parent"}, tableNames(md.Tables()), "views only when asked for")
		md = ore.NewMetaData()
		require.NoError(t, md.Reflect(ctx, db, ore.ReflectOptions{Views: true}))
		assert.Equal(t, []string{"dep_parent", "parent_names"}, tableNames(md.Tables()))
		view := md.Table("parent_names")
		spec, err := view.Spec()
		require.NoError(t, err)
		assert.Equal(t, []string{"name"}, columnNames(spec.Columns))
		assert.Empty(t, spec.PrimaryKey)
		names, err := ore.All(ctx, db, ore.Select1(view.C("name")).From(view))
		require.NoError(t, err)
		assert.Equal(t, []any{"two"}, names)
		_, err = ore.All(ctx, db, ore.Select1(view.C("nope")).From(view))
		assert.ErrorContains(t, err, `table "parent_names" has no column "nope"`)

		// Another schema's tables keep their schema in statements.
		in, err := ore.Inspect(ctx, db)
		require.NoError(t, err)
		schema, err := in.DefaultSchema(ctx)
		require.NoError(t, err)
		other := "main"
		if db.Dialect().Name() == "postgres" {
			other = schema + "_x"
			_, err = db.Exec(ctx, ore.SQL[struct{}](`CREATE SCHEMA "`+other+`"`))
			require.NoError(t, err)
			t.Cleanup(func() {
				_, err := db.Exec(context.Background(), ore.SQL[struct{}](`DROP SCHEMA "`+other+`" CASCADE`))
				assert.NoError(t, err)
			})
			_, err = db.Exec(ctx, ore.SQL[struct{}](`CREATE TABLE "`+other+`"."dep_parent" ("id" bigint PRIMARY KEY, "name" text NOT NULL)`))
			require.NoError(t, err)
			_, err = db.Exec(ctx, ore.SQL[struct{}](`INSERT INTO "`+other+`"."dep_parent" VALUES (1, 'elsewhere')`))
			require.NoError(t, err)
		}
		md = ore.NewMetaData()
		require.NoError(t, md.Reflect(ctx, db, ore.ReflectOptions{Schema: other}))
		require.Len(t, md.Tables(), 1)
		p := md.TableIn(other, "dep_parent")
		require.NotNil(t, p)
		assert.Nil(t, md.Table("dep_parent"), "not in the default schema")
		sqlText, err := ore.DebugSQL(db.Dialect(), ore.Select1(p.C("name")).From(p))
		require.NoError(t, err)
		assert.Contains(t, sqlText, `FROM "`+other+`"."dep_parent"`)
		got, err := ore.All(ctx, db, ore.Select1(p.C("name")).From(p).OrderBy(p.C("id")))
		require.NoError(t, err)
		if db.Dialect().Name() == "postgres" {
			assert.Equal(t, []any{"elsewhere"}, got)
		} else {
			assert.Equal(t, []any{"one", "two"}, got)
		}
	})
}

// ----------------------------------------------------------------------------
// Names ore makes up

type schLongTable struct {
	ore.Table
	ID      ore.Col[int64]  `ore:"id,pk"`
	First   ore.Col[string] `ore:"first_rather_long_column"`
	Second  ore.Col[string] `ore:"second_rather_long_column"`
	Body    ore.Col[string] `ore:"body,index"`
	OtherID ore.Col[*int64] `ore:"other_id"`
}

func (t *schLongTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.Index(t.First, t.Second),
		ore.UniqueIndex(t.First, t.Second).Where(t.Body.Ne("")),
		ore.Index(t.Body),
		ore.Index(ore.Lower(t.Body)),
		ore.Index(ore.Upper(t.Body)),
		ore.ForeignKey(t.OtherID).References(schLongOther.ID),
	}
}

type schLongOtherTable struct {
	ore.Table
	ID              ore.Col[int64]  `ore:"id,pk"`
	LongReferenceID ore.Col[*int64] `ore:"long_reference_id"`
}

func (t *schLongOtherTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.LongReferenceID).References(schLong.ID)}
}

var (
	schLong      = ore.NewTable[schLongTable]("sch_long_table_name_for_generated_names")
	schLongOther = ore.NewTable[schLongOtherTable]("sch_long_other_table_name_for_the_generated_names")
)

func TestSchemaGeneratedNames(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		// Unnamed indexes get names that fit PostgreSQL's 63 bytes, and are
		// numbered, as PostgreSQL numbers its own, rather than clash.
		spec, err := ore.TableOf(schLong).Spec()
		require.NoError(t, err)
		assert.Equal(t, []string{
			"sch_long_table_name_for_generated_names_body_idx",
			"sch_long_table_name_for_generated_names_first_rather_long_c_idx",
			"sch_long_table_name_for_generated_names_first_rather_long__idx1",
			"sch_long_table_name_for_generated_names_body_idx1",
			"sch_long_table_name_for_generated_names_expr_idx",
			"sch_long_table_name_for_generated_names_expr_idx1",
		}, mapSlice(spec.Indexes, func(ix ore.IndexDef) string { return ix.Name }))

		md := ore.NewMetaData(schLong, schLongOther)
		stmts, stop := recordSQL(db)
		require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{}))
		stop()
		got := ore.NewMetaData()
		require.NoError(t, got.Reflect(ctx, db, ore.ReflectOptions{}))
		for _, tbl := range md.Tables() {
			refl := got.Table(tbl.Name())
			require.NotNil(t, refl)
			assertSameTable(t, db.Dialect().Name(), tbl, refl, nil)
		}
		if db.Dialect().Name() == "postgres" {
			// The cycle's keys, added after the tables, named by ore.
			assert.Contains(t, stmts(), `ALTER TABLE "sch_long_other_table_name_for_the_generated_names" `+
				`ADD CONSTRAINT "sch_long_other_table_name_for_the_generated_names_long_ref_fkey" `+
				`FOREIGN KEY ("long_reference_id") REFERENCES "sch_long_table_name_for_generated_names" ("id")`)
			assert.Contains(t, stmts(), `ALTER TABLE "sch_long_table_name_for_generated_names" `+
				`ADD CONSTRAINT "sch_long_table_name_for_generated_names_other_id_fkey" `+
				`FOREIGN KEY ("other_id") REFERENCES "sch_long_other_table_name_for_the_generated_names" ("id")`)
		}
		require.NoError(t, md.DropAll(ctx, db, ore.DropOptions{}))
		assert.Empty(t, tableList(t, ctx, db))
	})
}

// A table in a named schema: PostgreSQL's namespaces, SQLite's attached
// databases (main is always there).
type schInSchemaTable struct {
	ore.Table `ore:"schema=main"`
	ID        ore.Col[int64]  `ore:"id,pk"`
	Name      ore.Col[string] `ore:"name,index"`
	ParentID  ore.Col[*int64] `ore:"parent_id"`
}

func (t *schInSchemaTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.ParentID).References(t.ID).OnDelete(ore.Cascade)}
}

func TestSchemaQualifiedSQLite(t *testing.T) {
	ctx := context.Background()
	db := testdb.OpenSQLite(t, ore.Options{})
	tbl := ore.NewTable[schInSchemaTable]("sch_in_schema")
	md := ore.NewMetaData(tbl)
	require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{}))
	require.NoError(t, md.CreateAll(ctx, db, ore.CreateOptions{IfNotExists: true}))
	got := ore.NewMetaData()
	require.NoError(t, got.Reflect(ctx, db, ore.ReflectOptions{Schema: "main"}))
	refl := got.TableIn("main", "sch_in_schema")
	require.NotNil(t, refl)
	assertSameTable(t, "sqlite", ore.TableOf(tbl), refl, nil)
	_, err := db.Exec(ctx, ore.Insert(tbl).Values(tbl.ID.To(1), tbl.Name.To("x")))
	require.NoError(t, err)
	n, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(refl))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	require.NoError(t, md.DropAll(ctx, db, ore.DropOptions{}))
	assert.Empty(t, tableList(t, ctx, db))
}

func TestReflectedTableByHand(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := context.Background()
		// A table learnt at run time, described without a struct.
		spec := &ore.TableSpec{
			Columns: []*ore.ColumnDef{
				{Name: "id", Type: compile.Type{Kind: compile.TypeBigInt}, PrimaryKey: true},
				{Name: "label", Type: compile.Type{Kind: compile.TypeVarchar, Length: 20}, Nullable: true, Default: "'none'"},
			},
			PrimaryKey: []string{"id"},
			Checks:     []ore.CheckDef{ore.CheckSQL("label <> '?'")},
			Indexes:    []ore.IndexDef{{Name: "dyn_label_idx", Exprs: []compile.Expr{&compile.Column{Name: "label"}}}},
		}
		dyn, err := ore.NewReflectedTable("", "dyn", spec)
		require.NoError(t, err)
		require.NoError(t, ore.NewMetaData(dyn).CreateAll(ctx, db, ore.CreateOptions{}))
		_, err = db.Exec(ctx, ore.Insert(dyn).Values(dyn.C("id").To(int64(1))).Values(dyn.C("id").To(int64(2))))
		require.NoError(t, err)
		_, err = db.Exec(ctx, ore.Update(dyn).Set(dyn.C("label").To("two")).Where(dyn.C("id").Eq(int64(2))))
		require.NoError(t, err)
		rows, err := ore.All(ctx, db, ore.Select2(dyn.C("id"), dyn.C("label")).From(dyn).OrderBy(dyn.C("id")))
		require.NoError(t, err)
		assert.Equal(t, []ore.Row2[any, any]{{V1: int64(1), V2: "none"}, {V1: int64(2), V2: "two"}}, rows)
		_, err = db.Exec(ctx, ore.Insert(dyn).Values(dyn.C("id").To(int64(3)), dyn.C("label").To("?")))
		assert.ErrorIs(t, err, ore.ErrCheckViolation, "the check, with its question mark")

		got := ore.NewMetaData()
		require.NoError(t, got.Reflect(ctx, db, ore.ReflectOptions{}))
		require.NotNil(t, got.Table("dyn"))
		assertSameTable(t, db.Dialect().Name(), dyn, got.Table("dyn"), []string{"label <> '?'"})

		// C works on declared tables too, and fails the statement for a
		// column that is not there.
		require.NoError(t, ore.NewMetaData(depParent).CreateAll(ctx, db, ore.CreateOptions{}))
		_, err = db.Exec(ctx, ore.Insert(depParent).Values(depParent.ID.To(1), depParent.Name.To("p")))
		require.NoError(t, err)
		names, err := ore.All(ctx, db, ore.Select1(depParent.C("name")).From(depParent))
		require.NoError(t, err)
		assert.Equal(t, []any{"p"}, names)
		_, err = ore.All(ctx, db, ore.Select1(dyn.C("nope")).From(dyn))
		assert.ErrorContains(t, err, `ore: table "dyn" has no column "nope"`)
	})

	for _, c := range []struct {
		name string
		spec *ore.TableSpec
		msg  string
	}{
		{"nil spec", nil, `ore: reflected table "x" with no columns`},
		{"no columns", &ore.TableSpec{}, `ore: reflected table "x" with no columns`},
		{"nil column", &ore.TableSpec{Columns: []*ore.ColumnDef{nil}}, `ore: reflected table "x": column 0 has no name`},
		{"unnamed column", &ore.TableSpec{Columns: []*ore.ColumnDef{{Name: "a"}, {}}}, `ore: reflected table "x": column 1 has no name`},
		{"two of a name", &ore.TableSpec{Columns: []*ore.ColumnDef{{Name: "a"}, {Name: "a"}}}, `ore: reflected table "x": two columns named "a"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tbl, err := ore.NewReflectedTable("", "x", c.spec)
			assert.Nil(t, tbl)
			assert.EqualError(t, err, c.msg)
		})
	}
	_, err := ore.NewReflectedTable("", "", &ore.TableSpec{Columns: []*ore.ColumnDef{{Name: "a"}}})
	assert.EqualError(t, err, "ore: reflected table with no name")
}
