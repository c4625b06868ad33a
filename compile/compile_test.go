package compile_test

import (
	"math/bits"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
)

var users = &compile.Table{Name: "users"}

func col(name string) *compile.Column { return &compile.Column{Table: users, Name: name} }

func selectWhere(cond compile.Expr) *compile.Select {
	return &compile.Select{Columns: []compile.Expr{col("id")}, From: []compile.FromItem{users}, Where: cond}
}

func eq(name string, v any) compile.Expr {
	return &compile.Binary{Op: compile.OpEq, X: col(name), Y: &compile.Bind{Value: v}}
}

// Every feature has a name for error messages.
func TestFeatureNames(t *testing.T) {
	all := compile.Feature(0)
	for f := compile.FeatReturning; f != 0 && bits.TrailingZeros64(uint64(f)) < 63; f <<= 1 {
		name := f.String()
		if name == "unknown feature" {
			break
		}
		assert.NotEmpty(t, name)
		all |= f
	}
	assert.Equal(t, "RETURNING, ILIKE", (compile.FeatReturning | compile.FeatILike).String())
	assert.NotContains(t, all.String(), "unknown feature")
	assert.Contains(t, (compile.FeatOrderedInsertKeys << 1).String(), "unknown feature", "a bit past the last feature has no name")
}

// The cache returns the same SQL as compiling, for every statement, and
// only renders a shape once.
func TestCacheHitsAndMisses(t *testing.T) {
	k := compile.NewCache(postgres.Dialect{}, 0)
	for i := 0; i < 5; i++ {
		q, err := k.Compile(selectWhere(eq("name", i)))
		require.NoError(t, err)
		assert.Equal(t, `SELECT "users"."id" FROM "users" WHERE "users"."name" = $1`, q.SQL)
		assert.Equal(t, []any{i}, q.Args)
	}
	// A different identifier is a different shape.
	q, err := k.Compile(selectWhere(eq("email", "x")))
	require.NoError(t, err)
	assert.Equal(t, `SELECT "users"."id" FROM "users" WHERE "users"."email" = $1`, q.SQL)
	st := k.Stats()
	assert.Equal(t, compile.CacheStats{Hits: 4, Misses: 2, Size: 2}, st)
}

// Identifiers whose bytes could be mistaken for the key's own tokens, or
// that differ only where one ends and the next begins, never share a key.
func TestCacheKeysDoNotCollide(t *testing.T) {
	k := compile.NewCache(sqlite.Dialect{}, 0)
	pairs := [][2]string{{"a", "b"}, {"ab", ""}, {"a\x01", "b"}, {"a", "\x01b"}}
	for _, p := range pairs {
		s := &compile.Select{Columns: []compile.Expr{
			&compile.Column{Table: users, Name: p[0]},
			&compile.Column{Table: users, Name: p[1]},
		}, From: []compile.FromItem{users}}
		want, werr := compile.Compile(sqlite.Dialect{}, s)
		got, gerr := k.Compile(s)
		assert.Equal(t, werr == nil, gerr == nil, "%q", p)
		assert.Equal(t, want.SQL, got.SQL, "%q", p)
	}
}

// A full cache drops some shapes and keeps working.
func TestCacheEviction(t *testing.T) {
	k := compile.NewCache(postgres.Dialect{}, 8)
	for i := 0; i < 50; i++ {
		_, err := k.Compile(selectWhere(eq("c"+strings.Repeat("x", i), 1)))
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, k.Stats().Size, 8)
}

// Errors are never cached: a statement that fails fails every time.
func TestCacheDoesNotKeepErrors(t *testing.T) {
	k := compile.NewCache(postgres.Dialect{}, 0)
	bad := selectWhere(&compile.Binary{Op: compile.OpEq, X: &compile.Column{Table: &compile.Table{Name: "posts"}, Name: "id"}, Y: &compile.Bind{Value: 1}})
	for i := 0; i < 2; i++ {
		_, err := k.Compile(bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"posts"`)
	}
	assert.Zero(t, k.Stats().Size)
}

// Schema statements write their values into the text, so they bypass the
// cache: two checks with different literals compile to different SQL.
func TestCacheBypassesDDL(t *testing.T) {
	k := compile.NewCache(postgres.Dialect{}, 0)
	mk := func(v int) compile.Stmt {
		return &compile.CreateTable{Table: users, Columns: []compile.ColumnSpec{{Name: "n", Type: compile.Type{Kind: compile.TypeInt}}},
			Checks: []compile.CheckSpec{{Cond: &compile.Binary{Op: compile.OpGt, X: &compile.Column{Name: "n"}, Y: &compile.Bind{Value: v}}}}}
	}
	a, err := k.Compile(mk(1))
	require.NoError(t, err)
	b, err := k.Compile(mk(2))
	require.NoError(t, err)
	assert.Equal(t, `CREATE TABLE "users" ("n" integer, CHECK ("n" > 1))`, a.SQL)
	assert.Equal(t, `CREATE TABLE "users" ("n" integer, CHECK ("n" > 2))`, b.SQL)
	assert.Empty(t, a.Args)
	assert.Zero(t, k.Stats().Size)
}

// The cache is safe for concurrent use.
func TestCacheConcurrent(t *testing.T) {
	k := compile.NewCache(postgres.Dialect{}, 4)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				name := []string{"a", "b", "c", "d", "e", "f"}[(g+i)%6]
				q, err := k.Compile(selectWhere(eq(name, i)))
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, `SELECT "users"."id" FROM "users" WHERE "users"."`+name+`" = $1`, q.SQL)
			}
		}()
	}
	wg.Wait()
}

// DebugSQL writes values as literals, a negative number in parentheses so
// that a minus before it cannot start a comment.
func TestDebugSQL(t *testing.T) {
	s := selectWhere(&compile.Logical{Op: compile.OpAnd, List: []compile.Expr{
		eq("name", "O'Brien"),
		&compile.Binary{Op: compile.OpGt, X: col("age"), Y: &compile.Unary{Op: compile.OpNeg, X: &compile.Bind{Value: -5}}},
		eq("email", nil),
		&compile.Binary{Op: compile.OpEq, X: col("id"), Y: &compile.Param{Name: "id"}},
	}})
	got, err := compile.DebugSQL(postgres.Dialect{}, s)
	require.NoError(t, err)
	assert.Equal(t, `SELECT "users"."id" FROM "users" WHERE "users"."name" = 'O''Brien' AND "users"."age" > -(-5) AND "users"."email" = NULL AND "users"."id" = :id`, got)
}
