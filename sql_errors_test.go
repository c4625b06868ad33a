package ore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
)

// Badly declared tables.

type errsNoTableStruct struct { // no embedded ore.Table
	ID ore.Col[int64] `ore:"id"`
}

type errsBadTagTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id"`
	Size ore.Col[string] `ore:"size,primary"`
}

type errsDupColTable struct {
	ore.Table
	A ore.Col[int64] `ore:"x"`
	B ore.Col[int64] `ore:"x"`
}

var (
	errsNoTable  = ore.NewTable[errsNoTableStruct]("no_table")
	errsBadTag   = ore.NewTable[errsBadTagTable]("bad_tag")
	errsDupCol   = ore.NewTable[errsDupColTable]("dup_col")
	errsNilUsers *usersTable
)

// errsCase is a statement that fails to compile on at least one database.
type errsCase struct {
	name  string
	build func() ore.Statement

	pgErr, sqliteErr string // substrings of the errors; "" where it compiles
	pg, sqlite       string // the SQL where it compiles
	args             []any

	// recorded: the builder records the error, so Build returns it too.
	// Otherwise Build returns a tree that fails to compile.
	recorded bool
}

// errsFail is a case failing on both databases with the same message.
func errsFail(name, msg string, recorded bool, build func() ore.Statement) errsCase {
	return errsCase{name: name, build: build, pgErr: msg, sqliteErr: msg, recorded: recorded}
}

// errsSQLiteOnly is a case that compiles on PostgreSQL to pg and fails on
// SQLite, which lacks feature.
func errsSQLiteOnly(name, feature, pg string, args []any, build func() ore.Statement) errsCase {
	return errsCase{name: name, build: build, pg: pg, args: args,
		sqliteErr: "compile: " + feature + " is not supported by sqlite"}
}

func errsCases() []errsCase {
	long := strings.Repeat("a", 64)
	notInFrom := func(table, column string) string {
		return fmt.Sprintf(`column %q.%q refers to table %q, which is not in FROM`, table, column, table)
	}
	return []errsCase{
		// Nil and badly declared tables
		errsFail("nil table in FROM", "ore: nil FROM item", false, func() ore.Statement {
			return ore.Select1(ore.Count()).From(errsNilUsers)
		}),
		// The nil FROM item is the cause; that the selected columns' table
		// is then missing from FROM is its consequence.
		errsFail("nil table in FROM with its columns selected", "ore: nil FROM item", false, func() ore.Statement {
			return ore.Select2(Users.ID, Users.Name).From(errsNilUsers)
		}),
		errsFail("nil table in insert", "ore: nil table", true, func() ore.Statement {
			return ore.Insert(errsNilUsers).Values(Users.Name.To("x"))
		}),
		errsFail("nil table in insert with rows of different columns", "ore: nil table", true, func() ore.Statement {
			return ore.Insert(errsNilUsers).Values(Users.Name.To("a"), Users.Age.To(1)).Values(Users.Name.To("b"))
		}),
		errsFail("nil table in update", "ore: nil table", true, func() ore.Statement {
			return ore.Update(errsNilUsers).Set(Users.Name.To("x"))
		}),
		errsFail("nil table in delete", "ore: nil table", true, func() ore.Statement {
			return ore.Delete(errsNilUsers)
		}),
		// NewTable promises that a declaration error reaches every
		// statement using the table.
		errsFail("struct without ore.Table", "does not embed ore.Table", false, func() ore.Statement {
			return ore.Select1(errsNoTable.ID).From(Users)
		}),
		errsFail("bad tag option, table in FROM", `field Size: unknown column option "primary"`, false, func() ore.Statement {
			return ore.Select1(ore.Count()).From(errsBadTag)
		}),
		errsFail("bad tag option, its column selected", `field Size: unknown column option "primary"`, false, func() ore.Statement {
			return ore.Select1(errsBadTag.ID).From(errsBadTag)
		}),
		errsFail("bad tag option in insert", `field Size: unknown column option "primary"`, true, func() ore.Statement {
			return ore.Insert(errsBadTag).Values(errsBadTag.ID.To(1))
		}),
		errsFail("duplicate column name", `ore: table "dup_col": two columns named "x"`, true, func() ore.Statement {
			return ore.Delete(errsDupCol)
		}),
		errsFail("empty alias", `ore: table "users": empty alias`, false, func() ore.Statement {
			u := ore.Alias(Users, "")
			return ore.Select1(ore.Count()).From(u)
		}),

		// Expressions
		errsFail("unbound zero column", "ore: column is not bound to a table", false, func() ore.Statement {
			var zero ore.Col[int64]
			return ore.Select1(zero).From(Users)
		}),
		errsFail("empty IN list", "ore: IN with an empty list of values", false, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Where(Users.ID.In())
		}),
		errsFail("empty NOT IN list", "ore: IN with an empty list of values", false, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Where(Users.Name.NotIn())
		}),
		errsFail("And with no conditions", "ore: And/Or with no conditions", false, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Where(ore.Or(Users.Active, ore.And()))
		}),
		errsFail("nil condition", "ore: nil expression", false, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Where(nil)
		}),
		errsFail("Case with no When", "ore: Case with no When", false, func() ore.Statement {
			return ore.Select1(ore.Case[string]().Else(ore.Value("x"))).From(Users)
		}),
		errsFail("Coalesce with no expressions", "ore: Coalesce with no expressions", false, func() ore.Statement {
			return ore.Select1(ore.Coalesce[string]()).From(Users)
		}),
		errsFail("raw SQL with more placeholders than arguments", `compile: raw SQL "? = ?" has more placeholders than its 1 arguments`, false, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Where(ore.Raw[bool]("? = ?", 1))
		}),
		errsFail("raw SQL with more arguments than placeholders", `compile: raw SQL "TRUE" has 0 placeholders but 1 arguments`, false, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Where(ore.Raw[bool]("TRUE", 1))
		}),
		errsFail("invalid function name", `compile: invalid function name "x; drop table users"`, false, func() ore.Statement {
			return ore.Select1(ore.Func[int64]("x; drop table users", Users.ID)).From(Users)
		}),
		errsFail("identifier with a NUL byte", "contains a NUL byte", false, func() ore.Statement {
			return ore.Select1(ore.Column[int64](Users, "i\x00d")).From(Users)
		}),
		{
			name: "identifier over 63 bytes",
			build: func() ore.Statement {
				u := ore.Alias(Users, long)
				return ore.Select1(u.ID).From(u)
			},
			pgErr: `compile: identifier "` + long + `" is longer than postgres's 63 bytes`,
			// SQLite keeps names of any length.
			sqlite: `SELECT "` + long + `"."id" FROM "users" AS "` + long + `"`,
		},
		{
			name: "identifier of 63 bytes",
			build: func() ore.Statement {
				u := ore.Alias(Users, long[:63])
				return ore.Select1(u.ID).From(u)
			},
			pg:     `SELECT "` + long[:63] + `"."id" FROM "users" AS "` + long[:63] + `"`,
			sqlite: `SELECT "` + long[:63] + `"."id" FROM "users" AS "` + long[:63] + `"`,
		},
		errsFail("Cast to a Go type with no SQL type", "ore: Cast: no SQL type for []int; use CastTo", false, func() ore.Statement {
			return ore.Select1(ore.Cast[[]int](Users.ID)).From(Users)
		}),
		{
			name: "CastTo a type without a name",
			build: func() ore.Statement {
				return ore.Select1(ore.CastTo[int64](Users.ID, compile.Type{})).From(Users)
			},
			pgErr:     "compile: type unknown is not supported by postgres",
			sqliteErr: "compile: type unknown is not supported by sqlite",
		},

		// Scope
		errsFail("column whose table is not in FROM", notInFrom("posts", "title"), false, func() ore.Statement {
			return ore.Select1(Posts.Title).From(Users)
		}),
		errsFail("column of an aliased table by its own name", notInFrom("users", "name"), false, func() ore.Statement {
			u := ore.Alias(Users, "u")
			return ore.Select1(Users.Name).From(u)
		}),
		errsFail("column of a table in no enclosing FROM", notInFrom("tags", "id"), false, func() ore.Statement {
			return ore.Select1(Users.Name).From(Users).
				Where(ore.Exists(ore.Select1(Posts.ID).From(Posts).Where(Tags.ID.EqExpr(Posts.ID))))
		}),
		errsFail("column of a table only in a subquery", notInFrom("posts", "title"), false, func() ore.Statement {
			return ore.Select1(Posts.Title).From(Users).Where(ore.Exists(ore.Select1(Posts.ID).From(Posts)))
		}),
		{
			name: "correlated subquery",
			build: func() ore.Statement {
				return ore.Select1(Users.Name).From(Users).
					Where(ore.Exists(ore.Select1(Posts.ID).From(Posts).Where(Posts.UserID.EqExpr(Users.ID))))
			},
			pg:     `SELECT "users"."name" FROM "users" WHERE EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id")`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id")`,
		},
		// Only LATERAL lets a derived table see the FROM items before it.
		errsFail("derived table referring to another FROM item without LATERAL", notInFrom("users", "id"), false, func() ore.Statement {
			latest := ore.Subquery(ore.Select1(Posts.Title).From(Posts).Where(Posts.UserID.EqExpr(Users.ID)), "latest")
			return ore.Select2(Users.Name, ore.Column[string](latest, "title")).From(Users).CrossJoin(latest)
		}),
		errsFail("VALUES referring to the target table", notInFrom("counters", "value"), false, func() ore.Statement {
			return ore.Insert(Counters).Values(Counters.Name.To("x"),
				Counters.Value.ToExpr(ore.Add(Counters.Value, ore.Value[int64](1))))
		}),
		errsFail("RETURNING a column of another table", notInFrom("users", "name"), false, func() ore.Statement {
			return ore.Insert(Tags).Values(Tags.Name.To("x")).Returning(Users.Name)
		}),

		// SELECT clauses
		errsFail("join before From", "ore: join with nothing in FROM to join to; call From first", true, func() ore.Statement {
			return ore.Select1(Users.ID).Join(Posts, Posts.UserID.EqExpr(Users.ID))
		}),
		errsFail("negative Limit", "ore: Limit(-1): negative", true, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Limit(-1)
		}),
		errsFail("negative Offset", "ore: Offset(-5): negative", true, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).Limit(10).Offset(-5)
		}),
		errsFail("NoWait without ForUpdate", "ore: NoWait without ForUpdate or ForShare", true, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).NoWait()
		}),
		errsFail("SkipLocked without ForUpdate", "ore: SkipLocked without ForUpdate or ForShare", true, func() ore.Statement {
			return ore.Select1(Users.ID).From(Users).SkipLocked()
		}),
		errsFail("common table expression with an empty name", "ore: common table expression with an empty name", true, func() ore.Statement {
			c := ore.With("", ore.Select1(Users.ID).From(Users))
			return ore.Select1(ore.Count()).From(c).With(c)
		}),
		errsFail("nil statement", "ore: nil statement", false, func() ore.Statement { return nil }),

		// INSERT, UPDATE
		errsFail("insert rows with different numbers of columns", `ore: insert into "counters": row 2 assigns 1 columns, the first row 2`, true, func() ore.Statement {
			return ore.Insert(Counters).Values(Counters.Name.To("a"), Counters.Value.To(1)).Values(Counters.Name.To("b"))
		}),
		errsFail("insert rows assigning different columns", `ore: insert into "users": row 2 assigns "score", which the first row does not`, true, func() ore.Statement {
			return ore.Insert(Users).Values(Users.Name.To("a"), Users.Age.To(1)).Values(Users.Name.To("b"), Users.Score.To(1))
		}),
		errsFail("insert assigning a column of another table", `ore: insert into "tags": column "title" belongs to table "posts"`, true, func() ore.Statement {
			return ore.Insert(Tags).Values(Posts.Title.To("x"))
		}),
		errsFail("update assigning a column of another table", `ore: update "users": column "title" belongs to table "posts"`, true, func() ore.Statement {
			return ore.Update(Users).Set(Posts.Title.To("x")).Where(Users.ID.Eq(1))
		}),
		errsFail("insert assigning a column twice", `ore: insert into "users": column "name" assigned twice`, true, func() ore.Statement {
			return ore.Insert(Users).Values(Users.Name.To("a"), Users.Name.To("b"))
		}),
		errsFail("update assigning a column twice in one Set", `ore: update "users": column "name" assigned twice`, true, func() ore.Statement {
			return ore.Update(Users).Set(Users.Name.To("a"), Users.Age.To(3), Users.Name.To("b"))
		}),
		errsFail("update assigning a column twice over two Set calls", `ore: update "users": column "name" assigned twice`, true, func() ore.Statement {
			return ore.Update(Users).Set(Users.Name.To("a")).Set(Users.Name.To("b"))
		}),
		errsFail("update assigning an unbound column", `ore: update "users": ore: column is not bound to a table`, true, func() ore.Statement {
			var zero ore.Col[string]
			return ore.Update(Users).Set(zero.To("a"))
		}),
		errsFail("update with no Set", `ore: update "users": no columns set`, true, func() ore.Statement {
			return ore.Update(Users).Where(Users.ID.Eq(1))
		}),
		errsFail("DoUpdate without a conflict target", "compile: ON CONFLICT DO UPDATE needs a conflict target or a constraint", false, func() ore.Statement {
			return ore.Insert(Counters).Values(Counters.Name.To("a"), Counters.Value.To(1)).DoUpdate(Counters.Value.To(2))
		}),
		errsFail("DoUpdateWhere without DoUpdate", "ore: DoUpdateWhere without DoUpdate", true, func() ore.Statement {
			return ore.Insert(Counters).Values(Counters.Name.To("a"), Counters.Value.To(1)).
				OnConflict(Counters.Name).DoUpdateWhere(Counters.Value.Gt(0)).DoNothing()
		}),
		errsFail("conflict target of both columns and a constraint", "compile: ON CONFLICT with both a constraint and a target", false, func() ore.Statement {
			return ore.Insert(Counters).Values(Counters.Name.To("a"), Counters.Value.To(1)).
				OnConflict(Counters.Name).OnConstraint("counters_pkey").DoNothing()
		}),
		// excluded exists only in ON CONFLICT DO UPDATE; like a table
		// missing from FROM, it is an error the compiler can see.
		errsFail("excluded outside ON CONFLICT", "excluded", false, func() ore.Statement {
			return ore.Update(Users).Set(Users.Name.ToExpr(ore.Excluded(Users.Name))).Where(Users.ID.Eq(1))
		}),
		errsFail("DEFAULT VALUES with columns", `compile: INSERT INTO "users" with DEFAULT VALUES and columns`, false, func() ore.Statement {
			return ore.Insert(Users).Columns(Users.Name).DefaultValues()
		}),
		errsFail("Values then Select", "ore: Select on an INSERT that has Values or DEFAULT VALUES", true, func() ore.Statement {
			return ore.Insert(Tags).Values(Tags.Name.To("x")).Select(ore.Select1(Users.Name).From(Users))
		}),
		errsFail("Select then Values", "ore: Values on an INSERT that has a query or DEFAULT VALUES", true, func() ore.Statement {
			return ore.Insert(Tags).Columns(Tags.Name).Select(ore.Select1(Users.Name).From(Users)).Values(Tags.Name.To("x"))
		}),
		errsFail("insert without rows", `compile: INSERT INTO "users" needs exactly one of VALUES rows, a query, or DEFAULT VALUES`, false, func() ore.Statement {
			return ore.Insert(Users)
		}),

		// Features SQLite lacks
		errsSQLiteOnly("DISTINCT ON", "DISTINCT ON",
			`SELECT DISTINCT ON ("posts"."user_id") "posts"."user_id", "posts"."title" FROM "posts" ORDER BY "posts"."user_id", "posts"."views" DESC`, nil,
			func() ore.Statement {
				return ore.Select2(Posts.UserID, Posts.Title).From(Posts).DistinctOn(Posts.UserID).
					OrderBy(Posts.UserID, Posts.Views.Desc())
			}),
		errsSQLiteOnly("LATERAL", "LATERAL",
			`SELECT "users"."name", "latest"."title" FROM "users" CROSS JOIN LATERAL (SELECT "posts"."title" FROM "posts" WHERE "posts"."user_id" = "users"."id" ORDER BY "posts"."id" DESC LIMIT $1) AS "latest"`,
			[]any{int64(1)},
			func() ore.Statement {
				latest := ore.Subquery(ore.Select1(Posts.Title).From(Posts).Where(Posts.UserID.EqExpr(Users.ID)).
					OrderBy(Posts.ID.Desc()).Limit(1), "latest")
				return ore.Select2(Users.Name, ore.Column[string](latest, "title")).From(Users).CrossJoinLateral(latest)
			}),
		errsSQLiteOnly("FOR UPDATE", "FOR UPDATE/FOR SHARE",
			`SELECT "users"."id" FROM "users" WHERE "users"."id" = $1 FOR UPDATE NOWAIT`, []any{int64(1)},
			func() ore.Statement {
				return ore.Select1(Users.ID).From(Users).Where(Users.ID.Eq(1)).ForUpdate().NoWait()
			}),
		errsSQLiteOnly("FOR KEY SHARE", "FOR UPDATE/FOR SHARE",
			`SELECT "users"."id" FROM "users" FOR KEY SHARE SKIP LOCKED`, nil,
			func() ore.Statement {
				return ore.Select1(Users.ID).From(Users).ForKeyShare().SkipLocked()
			}),
		errsSQLiteOnly("INTERSECT ALL", "INTERSECT ALL/EXCEPT ALL",
			`SELECT "posts"."user_id" FROM "posts" INTERSECT ALL SELECT "users"."id" FROM "users"`, nil,
			func() ore.Statement {
				return ore.Select1(Posts.UserID).From(Posts).IntersectAll(ore.Select1(Users.ID).From(Users))
			}),
		errsSQLiteOnly("EXCEPT ALL", "INTERSECT ALL/EXCEPT ALL",
			`SELECT "posts"."user_id" FROM "posts" EXCEPT ALL SELECT "users"."id" FROM "users"`, nil,
			func() ore.Statement {
				return ore.Select1(Posts.UserID).From(Posts).ExceptAll(ore.Select1(Users.ID).From(Users))
			}),
		errsSQLiteOnly("ON CONSTRAINT", "ON CONFLICT ON CONSTRAINT",
			`INSERT INTO "tags" ("name") VALUES ($1) ON CONFLICT ON CONSTRAINT "tags_name_key" DO NOTHING`, []any{"go"},
			func() ore.Statement {
				return ore.Insert(Tags).Values(Tags.Name.To("go")).OnConstraint("tags_name_key").DoNothing()
			}),
		errsSQLiteOnly("common table expression with INSERT", "data-modifying statements in WITH",
			`WITH "ins" AS (INSERT INTO "tags" ("name") VALUES ($1) RETURNING "tags"."id") SELECT "ins"."id" FROM "ins"`, []any{"new"},
			func() ore.Statement {
				ins := ore.With("ins", ore.Insert(Tags).Values(Tags.Name.To("new")).Returning(Tags.ID))
				return ore.Select1(ore.Column[int64](ins, "id")).From(ins).With(ins)
			}),
		errsSQLiteOnly("common table expression with UPDATE", "data-modifying statements in WITH",
			`WITH "up" AS (UPDATE "counters" SET "value" = $1 RETURNING "counters"."name") SELECT count(*) FROM "up"`, []any{int64(0)},
			func() ore.Statement {
				up := ore.With("up", ore.Update(Counters).Set(Counters.Value.To(0)).Returning(Counters.Name))
				return ore.Select1(ore.Count()).From(up).With(up)
			}),
	}
}

// errsBuild builds c's statement, turning a panic into a test error.
func errsBuild(t *testing.T, c errsCase) (s ore.Statement, ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: building the statement panicked: %v", c.name, r)
			ok = false
		}
	}()
	return c.build(), true
}

func TestSQLErrors(t *testing.T) {
	var cases []sqlCase
	for _, c := range errsCases() {
		stmt, ok := errsBuild(t, c)
		if !ok {
			continue
		}
		cases = append(cases, sqlCase{name: c.name, stmt: stmt, pg: c.pg, sqlite: c.sqlite, args: c.args,
			pgErr: c.pgErr, sqliteErr: c.sqliteErr})
	}
	runSQLCases(t, cases)
}

// TestSQLErrorsAgree checks that no bad statement panics, and that
// Compile, DebugSQL and Build report the same error.
func TestSQLErrorsAgree(t *testing.T) {
	dialects := []compile.Dialect{postgres.Dialect{}, sqlite.Dialect{}}
	for _, c := range errsCases() {
		t.Run(c.name, func(t *testing.T) {
			var stmt ore.Statement
			require.NotPanics(t, func() { stmt = c.build() }, "build")
			for _, d := range dialects {
				if (d.Name() == "postgres" && c.pgErr == "") || (d.Name() == "sqlite" && c.sqliteErr == "") {
					continue
				}
				var compileErr, debugErr error
				require.NotPanics(t, func() {
					_, compileErr = ore.Compile(d, stmt)
					_, debugErr = ore.DebugSQL(d, stmt)
				}, d.Name())
				require.Error(t, compileErr, d.Name())
				assert.EqualError(t, debugErr, compileErr.Error(), "%s: DebugSQL", d.Name())
				if stmt == nil {
					continue
				}
				var tree compile.Stmt
				var buildErr error
				require.NotPanics(t, func() { tree, buildErr = stmt.Build() }, d.Name())
				if c.recorded {
					assert.EqualError(t, buildErr, compileErr.Error(), "%s: Build", d.Name())
					continue
				}
				require.NoError(t, buildErr, "%s: Build", d.Name())
				var treeErr error
				require.NotPanics(t, func() { _, treeErr = compile.Compile(d, tree) }, d.Name())
				assert.EqualError(t, treeErr, compileErr.Error(), "%s: compile.Compile of Build's tree", d.Name())
			}
		})
	}
}

// TestIdentifierCheckedPerDialect: compilers remember the identifiers
// they checked (see compile's knownIdents), per dialect: a name SQLite
// keeps as it is, PostgreSQL still refuses, however often the two
// alternate.
func TestIdentifierCheckedPerDialect(t *testing.T) {
	long := strings.Repeat("b", 64)
	u := ore.Alias(Users, long)
	stmt := ore.Select1(u.ID).From(u)
	for range 5 {
		c, err := ore.Compile(sqlite.Dialect{}, stmt)
		require.NoError(t, err)
		assert.Equal(t, `SELECT "`+long+`"."id" FROM "users" AS "`+long+`"`, c.SQL)
		_, err = ore.Compile(postgres.Dialect{}, stmt)
		require.ErrorContains(t, err, "is longer than postgres's 63 bytes")
	}
}
