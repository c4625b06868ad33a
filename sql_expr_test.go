package ore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/testdb"
)

func TestSQLExpr(t *testing.T) {
	manager := ore.Alias(Users, "m")
	byID := ore.Param[int64]("uid")
	limit := ore.Param[int64]("n")
	exprViews := Posts.Views.As("v")

	var ids17 []int64
	for i := range int64(17) {
		ids17 = append(ids17, i+1)
	}
	var names20 []string
	for i := range 20 {
		names20 = append(names20, fmt.Sprintf("n%d", i))
	}
	var times17 []time.Time
	for i := range 17 {
		times17 = append(times17, time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC))
	}
	// Without a JSON form for times, SQLite falls back to a list padded to
	// 32 by repeating the last value.
	times32 := make([]any, 0, 32)
	for i := range 32 {
		times32 = append(times32, times17[min(i, 16)])
	}

	runSQLCases(t, []sqlCase{
		// Comparisons
		{
			name:   "eq",
			stmt:   ore.Select1(Users.ID).From(Users).Where(Users.Name.Eq("ann")),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."name" = $1`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."name" = ?`,
			args:   []any{"ann"},
		},
		{
			name: "ne lt le gt ge",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(Users.Age.Ne(27), Users.Age.Lt(60), Users.Age.Le(41), Users.Age.Gt(18), Users.Age.Ge(19)),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."age" <> $1 AND "users"."age" < $2 AND "users"."age" <= $3 AND "users"."age" > $4 AND "users"."age" >= $5`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."age" <> ? AND "users"."age" < ? AND "users"."age" <= ? AND "users"."age" > ? AND "users"."age" >= ?`,
			args:   []any{int32(27), int32(60), int32(41), int32(18), int32(19)},
		},
		{
			name: "comparisons with expressions",
			stmt: ore.Select1(Posts.ID).From(Posts).
				Where(Posts.Views.GtExpr(Posts.ID), Posts.Views.GeExpr(Posts.UserID), Posts.ID.LeExpr(Posts.Views),
					Posts.UserID.LtExpr(Posts.Views), Posts.UserID.NeExpr(Posts.Views)),
			pg:     `SELECT "posts"."id" FROM "posts" WHERE "posts"."views" > "posts"."id" AND "posts"."views" >= "posts"."user_id" AND "posts"."id" <= "posts"."views" AND "posts"."user_id" < "posts"."views" AND "posts"."user_id" <> "posts"."views"`,
			sqlite: `SELECT "posts"."id" FROM "posts" WHERE "posts"."views" > "posts"."id" AND "posts"."views" >= "posts"."user_id" AND "posts"."id" <= "posts"."views" AND "posts"."user_id" < "posts"."views" AND "posts"."user_id" <> "posts"."views"`,
		},
		{
			name:   "eq expr in a join",
			stmt:   ore.Select2(Users.Name, Posts.Title).From(Users).Join(Posts, Posts.UserID.EqExpr(Users.ID)),
			pg:     `SELECT "users"."name", "posts"."title" FROM "users" JOIN "posts" ON "posts"."user_id" = "users"."id"`,
			sqlite: `SELECT "users"."name", "posts"."title" FROM "users" JOIN "posts" ON "posts"."user_id" = "users"."id"`,
		},
		{
			// Comparisons do not associate, and SQLite ranks < above =:
			// a comparison inside another is always parenthesized.
			name:   "comparison of a comparison",
			stmt:   ore.Select1(Users.ID).From(Users).Where(Users.Active.EqExpr(Users.Age.Gt(30))),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."active" = ("users"."age" > $1)`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."active" = ("users"."age" > ?)`,
			args:   []any{int32(30)},
		},
		{
			name: "is distinct from",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(Users.Email.IsDistinctFrom(nil), Users.ManagerID.IsNotDistinctFrom(dmlPtr(int64(1)))),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."email" IS DISTINCT FROM $1 AND "users"."manager_id" IS NOT DISTINCT FROM $2`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."email" IS DISTINCT FROM ? AND "users"."manager_id" IS NOT DISTINCT FROM ?`,
			args:   []any{(*string)(nil), dmlPtr(int64(1))},
		},
		{
			name: "is null and is not null",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(Users.ManagerID.IsNotNull(), Users.Email.IsNull(), Users.Age.Gt(20).IsNotNull()),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."manager_id" IS NOT NULL AND "users"."email" IS NULL AND ("users"."age" > $1) IS NOT NULL`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."manager_id" IS NOT NULL AND "users"."email" IS NULL AND ("users"."age" > ?) IS NOT NULL`,
			args:   []any{int32(20)},
		},
		{
			name: "between and not between",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(Users.Age.Between(20, 40), Users.Score.NotBetween(5, 8)),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."age" BETWEEN $1 AND $2 AND "users"."score" NOT BETWEEN $3 AND $4`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."age" BETWEEN ? AND ? AND "users"."score" NOT BETWEEN ? AND ?`,
			args:   []any{int32(20), int32(40), 5.0, 8.0},
		},
		{
			name: "between of arithmetic, inside a comparison",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(Users.Active.EqExpr(ore.Add(Users.Age, ore.Value[int32](1)).Between(20, 40))),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."active" = ("users"."age" + $1 BETWEEN $2 AND $3)`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."active" = ("users"."age" + ? BETWEEN ? AND ?)`,
			args:   []any{int32(1), int32(20), int32(40)},
		},

		// IN lists
		{
			name:   "in with one value",
			stmt:   ore.Select1(Users.ID).From(Users).Where(Users.Name.In("ann")),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."name" IN ($1)`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."name" IN (?)`,
			args:   []any{"ann"},
		},
		{
			name:   "in padded to a power of two",
			stmt:   ore.Select1(Users.Name).From(Users).Where(Users.ID.In(1, 2, 3)),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."id" IN ($1, $2, $3, $4)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (?, ?, ?, ?)`,
			args:   []any{int64(1), int64(2), int64(3), int64(3)},
		},
		{
			name:   "not in padded to a power of two",
			stmt:   ore.Select1(Users.Name).From(Users).Where(Users.Age.NotIn(19, 27, 34, 41, 50)),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."age" NOT IN ($1, $2, $3, $4, $5, $6, $7, $8)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."age" NOT IN (?, ?, ?, ?, ?, ?, ?, ?)`,
			args:   []any{int32(19), int32(27), int32(34), int32(41), int32(50), int32(50), int32(50), int32(50)},
		},
		{
			name:   "in with sixteen values stays a list",
			stmt:   ore.Select1(Users.Name).From(Users).Where(Users.ID.In(ids17[:16]...)),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (` + exprPlaceholders("$", 1, 16) + `)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (` + exprPlaceholders("?", 1, 16) + `)`,
			args:   exprAnys(ids17[:16]),
		},
		{
			name:       "in with a long list",
			stmt:       ore.Select1(Users.Name).From(Users).Where(Users.ID.In(ids17...)),
			pg:         `SELECT "users"."name" FROM "users" WHERE "users"."id" = ANY($1)`,
			sqlite:     `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (SELECT value FROM json_each(?))`,
			args:       []any{ids17},
			sqliteArgs: []any{"[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"},
		},
		{
			name:       "not in with a long list",
			stmt:       ore.Select1(Users.ID).From(Users).Where(Users.Name.NotIn(names20...)),
			pg:         `SELECT "users"."id" FROM "users" WHERE "users"."name" <> ALL($1)`,
			sqlite:     `SELECT "users"."id" FROM "users" WHERE "users"."name" NOT IN (SELECT value FROM json_each(?))`,
			args:       []any{names20},
			sqliteArgs: []any{`["n0","n1","n2","n3","n4","n5","n6","n7","n8","n9","n10","n11","n12","n13","n14","n15","n16","n17","n18","n19"]`},
		},
		{
			name:       "in with a long list of times",
			stmt:       ore.Select1(Users.ID).From(Users).Where(Users.CreatedAt.In(times17...)),
			pg:         `SELECT "users"."id" FROM "users" WHERE "users"."created_at" = ANY($1)`,
			sqlite:     `SELECT "users"."id" FROM "users" WHERE "users"."created_at" IN (` + exprPlaceholders("?", 1, 32) + `)`,
			args:       []any{times17},
			sqliteArgs: times32,
		},

		// Boolean logic
		{
			name: "and inside or needs no parentheses",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(ore.Or(ore.And(Users.Active.Eq(true), Users.Age.Gt(30)), Users.Name.Eq("dee"))),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."active" = $1 AND "users"."age" > $2 OR "users"."name" = $3`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."active" = ? AND "users"."age" > ? OR "users"."name" = ?`,
			args:   []any{true, int32(30), "dee"},
		},
		{
			name: "or inside and is parenthesized",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(ore.Or(Users.Age.Lt(20), Users.Age.Gt(40)), Users.Active.Eq(true)),
			pg:     `SELECT "users"."id" FROM "users" WHERE ("users"."age" < $1 OR "users"."age" > $2) AND "users"."active" = $3`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE ("users"."age" < ? OR "users"."age" > ?) AND "users"."active" = ?`,
			args:   []any{int32(20), int32(40), true},
		},
		{
			name: "nested ands and ors of one kind",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(ore.Or(ore.Or(Users.ID.Eq(1), Users.ID.Eq(2)),
					ore.And(Users.Active, ore.And(Users.Age.Gt(18), Users.Score.Gt(7))))),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."id" = $1 OR "users"."id" = $2 OR "users"."active" AND "users"."age" > $3 AND "users"."score" > $4`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."id" = ? OR "users"."id" = ? OR "users"."active" AND "users"."age" > ? AND "users"."score" > ?`,
			args:   []any{int64(1), int64(2), int32(18), 7.0},
		},
		{
			// NOT ranks below comparisons in both databases; ore still sets
			// a comparison under NOT apart.
			name: "not",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(ore.Not(ore.And(Users.Active, ore.Or(Users.Age.Lt(20), Users.Name.Eq("ann")))),
					ore.Not(Users.Email.IsNull()), ore.Not(ore.Not(Users.Active))),
			pg:     `SELECT "users"."id" FROM "users" WHERE NOT ("users"."active" AND ("users"."age" < $1 OR "users"."name" = $2)) AND NOT "users"."email" IS NULL AND NOT NOT "users"."active"`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE NOT ("users"."active" AND ("users"."age" < ? OR "users"."name" = ?)) AND NOT "users"."email" IS NULL AND NOT NOT "users"."active"`,
			args:   []any{int32(20), "ann"},
		},
		{
			name: "long and chain from repeated Where calls",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(ore.And(Users.Active, Users.Age.Gt(18))).
				Where(Users.Score.Gt(1)).
				Where(Users.Name.Ne("x"), Users.Email.IsNotNull()).
				Where(ore.Or(Users.ID.Eq(1), Users.ID.Eq(4))).
				Where(Users.ManagerID.IsNull()),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."active" AND "users"."age" > $1 AND "users"."score" > $2 AND "users"."name" <> $3 AND "users"."email" IS NOT NULL AND ("users"."id" = $4 OR "users"."id" = $5) AND "users"."manager_id" IS NULL`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."active" AND "users"."age" > ? AND "users"."score" > ? AND "users"."name" <> ? AND "users"."email" IS NOT NULL AND ("users"."id" = ? OR "users"."id" = ?) AND "users"."manager_id" IS NULL`,
			args:   []any{int32(18), 1.0, "x", int64(1), int64(4)},
		},

		// Arithmetic and concatenation
		{
			name: "arithmetic associativity",
			stmt: ore.Select2(ore.Sub(Posts.Views, ore.Sub(Posts.ID, Posts.UserID)),
				ore.Sub(ore.Sub(Posts.Views, Posts.ID), Posts.UserID)).From(Posts),
			pg:     `SELECT "posts"."views" - ("posts"."id" - "posts"."user_id"), "posts"."views" - "posts"."id" - "posts"."user_id" FROM "posts"`,
			sqlite: `SELECT "posts"."views" - ("posts"."id" - "posts"."user_id"), "posts"."views" - "posts"."id" - "posts"."user_id" FROM "posts"`,
		},
		{
			name: "arithmetic precedence",
			stmt: ore.Select5(
				ore.Mul(ore.Add(Posts.Views, Posts.ID), Posts.UserID),
				ore.Add(Posts.Views, ore.Mul(Posts.ID, Posts.UserID)),
				ore.Div(Posts.Views, ore.Mul(Posts.ID, Posts.UserID)),
				ore.Mod(ore.Mul(Posts.Views, Posts.ID), Posts.UserID),
				ore.Mod(Posts.Views, ore.Mul(Posts.ID, Posts.UserID)),
			).From(Posts),
			pg:     `SELECT ("posts"."views" + "posts"."id") * "posts"."user_id", "posts"."views" + "posts"."id" * "posts"."user_id", "posts"."views" / ("posts"."id" * "posts"."user_id"), "posts"."views" * "posts"."id" % "posts"."user_id", "posts"."views" % ("posts"."id" * "posts"."user_id") FROM "posts"`,
			sqlite: `SELECT ("posts"."views" + "posts"."id") * "posts"."user_id", "posts"."views" + "posts"."id" * "posts"."user_id", "posts"."views" / ("posts"."id" * "posts"."user_id"), "posts"."views" * "posts"."id" % "posts"."user_id", "posts"."views" % ("posts"."id" * "posts"."user_id") FROM "posts"`,
		},
		{
			// A minus sign is never followed by another: "--" starts a
			// comment.
			name: "neg",
			stmt: ore.Select4(ore.Neg(Posts.Views), ore.Neg(ore.Neg(Posts.Views)),
				ore.Neg(ore.Add(Posts.Views, Posts.ID)), ore.Sub(Posts.Views, ore.Neg(Posts.ID))).From(Posts),
			pg:     `SELECT -"posts"."views", -(-"posts"."views"), -("posts"."views" + "posts"."id"), "posts"."views" - -"posts"."id" FROM "posts"`,
			sqlite: `SELECT -"posts"."views", -(-"posts"."views"), -("posts"."views" + "posts"."id"), "posts"."views" - -"posts"."id" FROM "posts"`,
		},
		{
			// || ranks below + in PostgreSQL and above * in SQLite.
			name: "concatenation mixed with arithmetic",
			stmt: ore.Select2(
				ore.Concat(Users.Name, ore.Value(" is "), ore.Cast[string](ore.Add(Users.Age, ore.Value[int32](1)))),
				ore.Concat(Users.Name, ore.Raw[string]("? * 2", Users.Age)),
			).From(Users).Where(ore.Concat(Users.Name, ore.Value("!")).Eq("ann!")),
			pg:     `SELECT "users"."name" || $1 || CAST("users"."age" + $2 AS text), "users"."name" || ("users"."age" * 2) FROM "users" WHERE "users"."name" || $3 = $4`,
			sqlite: `SELECT "users"."name" || ? || CAST("users"."age" + ? AS TEXT), "users"."name" || ("users"."age" * 2) FROM "users" WHERE "users"."name" || ? = ?`,
			args:   []any{" is ", int32(1), "!", "ann!"},
		},

		// LIKE
		{
			name:   "like and not like",
			stmt:   ore.Select1(Users.ID).From(Users).Where(ore.Like(Users.Name, "a%"), ore.NotLike(Users.Name, "%z")),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."name" LIKE $1 AND "users"."name" NOT LIKE $2`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE "users"."name" LIKE ? AND "users"."name" NOT LIKE ?`,
			args:   []any{"a%", "%z"},
		},
		{
			name: "ilike and not ilike",
			stmt: ore.Select1(Users.ID).From(Users).
				Where(ore.ILike(Users.Name, "A%"), ore.NotILike(Users.Email, "%@EXAMPLE.ORG")),
			pg:     `SELECT "users"."id" FROM "users" WHERE "users"."name" ILIKE $1 AND "users"."email" NOT ILIKE $2`,
			sqlite: `SELECT "users"."id" FROM "users" WHERE lower("users"."name") LIKE lower(?) AND lower("users"."email") NOT LIKE lower(?)`,
			args:   []any{"A%", "%@EXAMPLE.ORG"},
		},

		// Functions
		{
			name:   "counts",
			stmt:   ore.Select3(ore.Count(), ore.CountOf(Users.Email), ore.CountDistinct(Users.Active)).From(Users),
			pg:     `SELECT count(*), count("users"."email"), count(DISTINCT "users"."active") FROM "users"`,
			sqlite: `SELECT count(*), count("users"."email"), count(DISTINCT "users"."active") FROM "users"`,
		},
		{
			name: "sum avg min max",
			stmt: ore.Select4(ore.Sum(Posts.Views), ore.Avg(Posts.Views), ore.Min(Posts.Title), ore.Max(Posts.PublishedAt)).
				From(Posts).Where(Posts.UserID.Eq(1)),
			pg:     `SELECT sum("posts"."views"), avg("posts"."views"), min("posts"."title"), max("posts"."published_at") FROM "posts" WHERE "posts"."user_id" = $1`,
			sqlite: `SELECT sum("posts"."views"), avg("posts"."views"), min("posts"."title"), max("posts"."published_at") FROM "posts" WHERE "posts"."user_id" = ?`,
			args:   []any{int64(1)},
		},
		{
			name: "coalesce and ifnull",
			stmt: ore.Select2(ore.Coalesce(Users.Email, ore.Null[*string]()), ore.IfNull(Users.ManagerID, 0)).
				From(Users),
			pg:     `SELECT coalesce("users"."email", NULL), coalesce("users"."manager_id", $1) FROM "users"`,
			sqlite: `SELECT coalesce("users"."email", NULL), coalesce("users"."manager_id", ?) FROM "users"`,
			args:   []any{int64(0)},
		},
		{
			name:   "lower upper length",
			stmt:   ore.Select3(ore.Lower(Users.Name), ore.Upper(Users.Name), ore.Length(Users.Name)).From(Users),
			pg:     `SELECT lower("users"."name"), upper("users"."name"), length("users"."name") FROM "users"`,
			sqlite: `SELECT lower("users"."name"), upper("users"."name"), length("users"."name") FROM "users"`,
		},
		{
			name:   "now",
			stmt:   ore.Select2(Users.ID, ore.Now()).From(Users).Where(Users.CreatedAt.LtExpr(ore.Now())),
			pg:     `SELECT "users"."id", CURRENT_TIMESTAMP FROM "users" WHERE "users"."created_at" < CURRENT_TIMESTAMP`,
			sqlite: `SELECT "users"."id", CURRENT_TIMESTAMP FROM "users" WHERE "users"."created_at" < CURRENT_TIMESTAMP`,
		},
		{
			name: "func",
			stmt: ore.Select2(ore.Func[float64]("round", Users.Score),
				ore.Func[int32]("abs", ore.Sub(Users.Age, ore.Value[int32](30)))).From(Users),
			pg:     `SELECT round("users"."score"), abs("users"."age" - $1) FROM "users"`,
			sqlite: `SELECT round("users"."score"), abs("users"."age" - ?) FROM "users"`,
			args:   []any{int32(30)},
		},
		{
			name: "case when else",
			stmt: ore.Select2(Users.Name,
				ore.Case(ore.When(Users.Age.Lt(20), ore.Value("young")), ore.When(Users.Age.Lt(40), ore.Value("adult"))).
					Else(ore.Value("senior")).As("band")).From(Users),
			pg:     `SELECT "users"."name", CASE WHEN "users"."age" < $1 THEN $2 WHEN "users"."age" < $3 THEN $4 ELSE $5 END AS "band" FROM "users"`,
			sqlite: `SELECT "users"."name", CASE WHEN "users"."age" < ? THEN ? WHEN "users"."age" < ? THEN ? ELSE ? END AS "band" FROM "users"`,
			args:   []any{int32(20), "young", int32(40), "adult", "senior"},
		},
		{
			name:   "case without else",
			stmt:   ore.Select1(ore.Case(ore.When(Users.Active, ore.Value("on")))).From(Users),
			pg:     `SELECT CASE WHEN "users"."active" THEN $1 END FROM "users"`,
			sqlite: `SELECT CASE WHEN "users"."active" THEN ? END FROM "users"`,
			args:   []any{"on"},
		},
		{
			// SQLite casts to affinity names; dates and times stay TEXT.
			name: "cast by Go type",
			stmt: ore.Select6(ore.Cast[int64](Users.Age), ore.Cast[string](Users.ID), ore.Cast[float64](Users.Age),
				ore.Cast[bool](Users.Age), ore.Cast[int16](Users.Age), ore.Cast[time.Time](Users.CreatedAt)).From(Users),
			pg:     `SELECT CAST("users"."age" AS bigint), CAST("users"."id" AS text), CAST("users"."age" AS double precision), CAST("users"."age" AS boolean), CAST("users"."age" AS smallint), CAST("users"."created_at" AS timestamptz) FROM "users"`,
			sqlite: `SELECT CAST("users"."age" AS INTEGER), CAST("users"."id" AS TEXT), CAST("users"."age" AS REAL), CAST("users"."age" AS INTEGER), CAST("users"."age" AS INTEGER), CAST("users"."created_at" AS TEXT) FROM "users"`,
		},
		{
			name: "cast by Go type to binary, json and uuid",
			stmt: ore.Select4(ore.Cast[[]byte](Users.Name), ore.Cast[json.RawMessage](ore.Null[string]()),
				ore.Cast[[16]byte](ore.Null[string]()), ore.Cast[float32](Users.Score)).From(Users),
			pg:     `SELECT CAST("users"."name" AS bytea), CAST(NULL AS jsonb), CAST(NULL AS uuid), CAST("users"."score" AS real) FROM "users"`,
			sqlite: `SELECT CAST("users"."name" AS BLOB), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST("users"."score" AS REAL) FROM "users"`,
		},
		{
			name: "cast to a named SQL type",
			stmt: ore.Select4(
				ore.CastTo[string](Users.Score, compile.Type{Kind: compile.TypeVarchar, Length: 10}),
				ore.CastTo[float64](Users.Score, compile.Type{Kind: compile.TypeNumeric, Precision: 10, Scale: 2}),
				ore.CastTo[string](Users.CreatedAt, compile.Type{Kind: compile.TypeDate}),
				ore.CastTo[int64](Users.Age, compile.Type{Kind: compile.TypeNamed, Name: "int8"}),
			).From(Users),
			pg:     `SELECT CAST("users"."score" AS varchar(10)), CAST("users"."score" AS numeric(10,2)), CAST("users"."created_at" AS date), CAST("users"."age" AS int8) FROM "users"`,
			sqlite: `SELECT CAST("users"."score" AS TEXT), CAST("users"."score" AS NUMERIC), CAST("users"."created_at" AS TEXT), CAST("users"."age" AS int8) FROM "users"`,
		},

		// Values, literals, raw SQL
		{
			name: "value null true false",
			stmt: ore.Select3(ore.Value("seven"), ore.Null[*string]().As("nothing"), ore.True()).From(Users).
				Where(Users.Active.EqExpr(ore.True()), Users.Active.NeExpr(ore.False())),
			pg:     `SELECT $1, NULL AS "nothing", TRUE FROM "users" WHERE "users"."active" = TRUE AND "users"."active" <> FALSE`,
			sqlite: `SELECT ?, NULL AS "nothing", TRUE FROM "users" WHERE "users"."active" = TRUE AND "users"."active" <> FALSE`,
			args:   []any{"seven"},
		},
		{
			// A raw fragment is set apart wherever an operator surrounds it;
			// its expression arguments are set apart inside it.
			name: "raw with values, expressions and a literal question mark",
			stmt: ore.Select1(ore.Raw[int32]("? * 2", ore.Add(Users.Age, ore.Value[int32](1)))).From(Users).
				Where(Users.Active.Eq(true), ore.Raw[bool]("? > ? AND ? || '??' <> ?", Users.Age, 30, Users.Name, "ann?")),
			pg:     `SELECT ("users"."age" + $1) * 2 FROM "users" WHERE "users"."active" = $2 AND ("users"."age" > $3 AND "users"."name" || '?' <> $4)`,
			sqlite: `SELECT ("users"."age" + ?) * 2 FROM "users" WHERE "users"."active" = ? AND ("users"."age" > ? AND "users"."name" || '?' <> ?)`,
			args:   []any{int32(1), true, 30, "ann?"},
		},

		// Labels
		{
			// As documents that a label stands for its expression everywhere
			// but at the top of a select list and of ORDER BY.
			name: "label nested in a select-list expression",
			stmt: ore.Select3(exprViews, ore.Mul(exprViews, ore.Value[int64](2)).As("twice"),
				ore.Cast[string](exprViews)).From(Posts).Where(exprViews.Gt(100)),
			pg:     `SELECT "posts"."views" AS "v", "posts"."views" * $1 AS "twice", CAST("posts"."views" AS text) FROM "posts" WHERE "posts"."views" > $2`,
			sqlite: `SELECT "posts"."views" AS "v", "posts"."views" * ? AS "twice", CAST("posts"."views" AS TEXT) FROM "posts" WHERE "posts"."views" > ?`,
			args:   []any{int64(2), int64(100)},
		},
		{
			// PostgreSQL accepts an output name in ORDER BY only as a whole
			// item, never inside an expression.
			name:   "label nested in an ORDER BY expression",
			stmt:   ore.Select1(exprViews).From(Posts).OrderBy(exprViews.Desc(), ore.Add(exprViews, Posts.ID)),
			pg:     `SELECT "posts"."views" AS "v" FROM "posts" ORDER BY "v" DESC, "posts"."views" + "posts"."id"`,
			sqlite: `SELECT "posts"."views" AS "v" FROM "posts" ORDER BY "v" DESC, "posts"."views" + "posts"."id"`,
		},
		{
			name:   "label of a label",
			stmt:   ore.Select1(exprViews.As("w")).From(Posts),
			pg:     `SELECT "posts"."views" AS "w" FROM "posts"`,
			sqlite: `SELECT "posts"."views" AS "w" FROM "posts"`,
		},

		// Nullability
		{
			name: "deref and ptr compare a nullable column with a non-null one",
			stmt: ore.Select2(Users.Name, manager.Name).From(Users).
				Join(manager, ore.Deref(Users.ManagerID).EqExpr(manager.ID)).
				Where(Users.ManagerID.EqExpr(ore.Ptr(manager.ID))),
			pg:     `SELECT "users"."name", "m"."name" FROM "users" JOIN "users" AS "m" ON "users"."manager_id" = "m"."id" WHERE "users"."manager_id" = "m"."id"`,
			sqlite: `SELECT "users"."name", "m"."name" FROM "users" JOIN "users" AS "m" ON "users"."manager_id" = "m"."id" WHERE "users"."manager_id" = "m"."id"`,
		},
		{
			name: "sql.Null column",
			stmt: ore.Select1(Users.Nickname).From(Users).
				Where(Users.Nickname.Ne(sql.Null[string]{V: "d", Valid: true}), Users.Nickname.IsNotNull()),
			pg:     `SELECT "users"."nickname" FROM "users" WHERE "users"."nickname" <> $1 AND "users"."nickname" IS NOT NULL`,
			sqlite: `SELECT "users"."nickname" FROM "users" WHERE "users"."nickname" <> ? AND "users"."nickname" IS NOT NULL`,
			args:   []any{sql.Null[string]{V: "d", Valid: true}},
		},

		// Named parameters
		{
			name: "named params",
			stmt: ore.Select1(Users.Name).From(Users).
				Where(ore.Or(Users.ID.EqExpr(byID), ore.Deref(Users.ManagerID).EqExpr(byID))).
				OrderBy(Users.ID).LimitExpr(limit),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."id" = $1 OR "users"."manager_id" = $2 ORDER BY "users"."id" LIMIT $3`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."id" = ? OR "users"."manager_id" = ? ORDER BY "users"."id" LIMIT ?`,
			args:   []any{&compile.Param{Name: "uid"}, &compile.Param{Name: "uid"}, &compile.Param{Name: "n"}},
			params: []ore.ParamValue{byID.Bind(1), limit.Bind(2)},
		},
	})
}

// exprPlaceholders returns n placeholders from the first, separated by
// commas: "$1, $2" or "?, ?".
func exprPlaceholders(mark string, first, n int) string {
	list := make([]string, n)
	for i := range list {
		if mark == "$" {
			list[i] = fmt.Sprintf("$%d", first+i)
		} else {
			list[i] = mark
		}
	}
	return strings.Join(list, ", ")
}

func exprAnys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// TestSQLExprLongInListSameRows checks that an IN list long enough to be
// sent as one array (PostgreSQL) or one JSON document (SQLite) matches the
// same rows as a short list of the same values.
func TestSQLExprLongInListSameRows(t *testing.T) {
	ctx := context.Background()
	pool := testdb.PGPool(t)
	_, err := pool.Exec(ctx, fixtureDDL["postgres"])
	require.NoError(t, err)
	lite := testdb.SQLite(t)
	_, err = lite.Exec(fixtureDDL["sqlite"])
	require.NoError(t, err)

	cases := []struct {
		name        string
		score       any // every user's score is set to it first
		short, long ore.Statement
		want        int64
	}{
		// A float32 binds as the float64 it widens to: 0.1f is
		// 0.10000000149011612, not 0.1, whatever the list's length. The
		// JSON form would write 0.1, so SQLite keeps placeholders for it.
		{"float32", float32(0.1),
			exprCountIn(ore.Cast[float32](Users.Score), float32(0.1), 1),
			exprCountIn(ore.Cast[float32](Users.Score), float32(0.1), 17), 4},
		{"float64", 0.1,
			exprCountIn(Users.Score, 0.1, 1), exprCountIn(Users.Score, 0.1, 17), 4},
		{"bool", 0.0,
			exprCountIn(Users.Active, true, 1), exprCountIn(Users.Active, true, 17), 3},
		{"int32", 0.0,
			exprCountIn(Users.Age, int32(34), 1), exprCountIn(Users.Age, int32(34), 17), 1},
		{"string", 0.0,
			exprCountIn(Users.Name, "bob", 1), exprCountIn(Users.Name, "bob", 17), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, long := range []bool{false, true} {
				stmt := c.short
				if long {
					stmt = c.long
				}
				pq, err := ore.Compile(postgres.Dialect{}, stmt)
				require.NoError(t, err)
				lq, err := ore.Compile(sqlite.Dialect{}, stmt)
				require.NoError(t, err)
				if long {
					require.Contains(t, pq.SQL, "ANY(")
					if c.name == "float32" {
						require.NotContains(t, lq.SQL, "json_each(")
					} else {
						require.Contains(t, lq.SQL, "json_each(")
					}
				}

				tx, err := pool.Begin(ctx)
				require.NoError(t, err)
				_, err = tx.Exec(ctx, `UPDATE users SET score = $1`, c.score)
				require.NoError(t, err)
				var n int64
				require.NoError(t, tx.QueryRow(ctx, pq.SQL, pq.Args...).Scan(&n), pq.SQL)
				require.NoError(t, tx.Rollback(ctx))
				assert.Equal(t, c.want, n, "postgres, long list %v: %s", long, pq.SQL)

				ltx, err := lite.Begin()
				require.NoError(t, err)
				_, err = ltx.Exec(`UPDATE users SET score = ?`, c.score)
				require.NoError(t, err)
				require.NoError(t, ltx.QueryRow(lq.SQL, lq.Args...).Scan(&n), lq.SQL)
				require.NoError(t, ltx.Rollback())
				assert.Equal(t, c.want, n, "sqlite, long list %v: %s", long, lq.SQL)
			}
		})
	}
}

// exprCountIn returns SELECT count(*) FROM users WHERE x IN (v, v, ...),
// with v n times.
func exprCountIn[T any](x ore.Expr[T], v T, n int) ore.Statement {
	list := make([]T, n)
	for i := range list {
		list[i] = v
	}
	return ore.Select1(ore.Count()).From(Users).Where(x.In(list...))
}
