package ore_test

import (
	"context"
	"fmt"
	"slices"
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

// selPostRow and selAuthorRow are row types for Select[R]. The cases run
// their statements without scanning rows, so these only fix R.
type selPostRow struct {
	ID    int64  `ore:"id"`
	Title string `ore:"title"`
	Views int64  `ore:"views"`
}

type selAuthorRow struct {
	ID     int64   `ore:"id"`
	Name   string  `ore:"name"`
	Email  *string `ore:"email"`
	Author string  `ore:"author"`
}

// selTotalViews is a labelled aggregate that cases reuse in several clauses.
var (
	selTotalViews = ore.Sum(Posts.Views).As("total_views")
	selIDs        = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
)

func TestSQLSelect(t *testing.T) {
	var cases []sqlCase
	cases = append(cases, selectListCases()...)
	cases = append(cases, selectFromCases()...)
	cases = append(cases, selectJoinCases()...)
	cases = append(cases, selectClauseCases()...)
	cases = append(cases, selectLockCases()...)
	cases = append(cases, selectSetOpCases()...)
	cases = append(cases, selectWindowCases()...)
	cases = append(cases, selectSubqueryCases()...)
	runSQLCases(t, cases)
	t.Run("results", checkSelectResults)
}

// checkSelectResults runs the statements whose rendering decides what they
// return (the grouping of set operators, members with their own LIMIT,
// recursion, OFFSET without LIMIT) and compares the rows of both databases
// with the rows the fixture should give.
func checkSelectResults(t *testing.T) {
	authors, managers, _, withEmail := selSetMembers()
	mostRead, newest := selMostReadAndNewest()
	cases := []struct {
		name string
		stmt ore.Statement
		// want is the rows, sorted since compounds without ORDER BY have
		// no order, with their columns joined by "|".
		want []string
	}{
		// {1, 2, 4} ∪ {1, 2} = {1, 2, 4}, ∩ {1, 3, 4}; grouped the other
		// way it would be {1, 2, 4}.
		{"union then intersect", authors.Union(managers).Intersect(withEmail), []string{"1", "4"}},
		// {1, 2} ∩ {1, 3, 4} = {1}, ∪ {1, 2, 4}; left to right it would be
		// {1, 4}.
		{"union of an intersect", authors.Union(managers.Intersect(withEmail)), []string{"1", "2", "4"}},
		{"intersect then union", authors.Intersect(managers).Union(withEmail), []string{"1", "2", "3", "4"}},
		{"except", ore.Select1(Users.ID).From(Users).Except(authors), []string{"3"}},
		{"members with their own limit", mostRead.UnionAll(newest), []string{"Bob here", "Dee's notes"}},
		{"compound member with its own limit",
			authors.Union(managers).OrderBy(Posts.UserID).Limit(2).Union(withEmail), []string{"1", "2", "3", "4"}},
		{"offset on the compound", authors.Union(managers).OrderBy(Posts.UserID).Offset(1), []string{"2", "4"}},
		{"offset without limit", ore.Select2(Posts.ID, Posts.Title).From(Posts).OrderBy(Posts.ID).Offset(1),
			[]string{"2|Again", "3|Bob here", "4|Dee's notes"}},
		{"recursive count", selCountToFive(), []string{"1", "2", "3", "4", "5"}},
		{"management chain", selManagementChain(), []string{"ann|0", "bob|1", "cid|1", "dee|2"}},
	}

	ctx := context.Background()
	pool := testdb.PGPool(t)
	_, err := pool.Exec(ctx, fixtureDDL["postgres"])
	require.NoError(t, err)
	lite := testdb.SQLite(t)
	_, err = lite.Exec(fixtureDDL["sqlite"])
	require.NoError(t, err)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := ore.Compile(postgres.Dialect{}, c.stmt)
			require.NoError(t, err)
			rows, err := pool.Query(ctx, q.SQL, q.Args...)
			require.NoError(t, err)
			defer rows.Close()
			var got []string
			for rows.Next() {
				vals, err := rows.Values()
				require.NoError(t, err)
				got = append(got, selJoin(vals))
			}
			require.NoError(t, rows.Err())
			slices.Sort(got)
			assert.Equal(t, c.want, got, "postgres: %s", q.SQL)

			q, err = ore.Compile(sqlite.Dialect{}, c.stmt)
			require.NoError(t, err)
			lrows, err := lite.Query(q.SQL, q.Args...)
			require.NoError(t, err)
			defer lrows.Close()
			cols, err := lrows.Columns()
			require.NoError(t, err)
			got = nil
			for lrows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				require.NoError(t, lrows.Scan(ptrs...))
				got = append(got, selJoin(vals))
			}
			require.NoError(t, lrows.Err())
			slices.Sort(got)
			assert.Equal(t, c.want, got, "sqlite: %s", q.SQL)
		})
	}
}

func selJoin(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, "|")
}

func selectListCases() []sqlCase {
	return []sqlCase{
		{
			name:   "columns of one table",
			stmt:   ore.Select3(Users.ID, Users.Name, Users.Email).From(Users).OrderBy(Users.ID),
			pg:     `SELECT "users"."id", "users"."name", "users"."email" FROM "users" ORDER BY "users"."id"`,
			sqlite: `SELECT "users"."id", "users"."name", "users"."email" FROM "users" ORDER BY "users"."id"`,
		},
		{
			name:   "star",
			stmt:   ore.Select[selPostRow](ore.Star()).From(Posts).Where(Posts.Views.Gt(100)),
			pg:     `SELECT * FROM "posts" WHERE "posts"."views" > $1`,
			sqlite: `SELECT * FROM "posts" WHERE "posts"."views" > ?`,
			args:   []any{int64(100)},
		},
		{
			name: "table star next to a joined column",
			stmt: ore.Select[map[string]any](Posts.Star(), Users.Name.As("author")).
				From(Posts).Join(Users, Users.ID.EqExpr(Posts.UserID)),
			pg:     `SELECT "posts".*, "users"."name" AS "author" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id"`,
			sqlite: `SELECT "posts".*, "users"."name" AS "author" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id"`,
		},
		{
			name: "struct rows with a label",
			stmt: ore.Select[selAuthorRow](Users.ID, Users.Name, Users.Email, ore.Upper(Users.Name).As("author")).
				From(Users).Where(Users.Active.Eq(true)),
			pg:     `SELECT "users"."id", "users"."name", "users"."email", upper("users"."name") AS "author" FROM "users" WHERE "users"."active" = $1`,
			sqlite: `SELECT "users"."id", "users"."name", "users"."email", upper("users"."name") AS "author" FROM "users" WHERE "users"."active" = ?`,
			args:   []any{true},
		},
		{
			name: "more columns added to a statement",
			stmt: ore.Select[selPostRow](Posts.ID).From(Posts).Columns(Posts.Title, Posts.Views).
				OrderBy(Posts.ID),
			pg:     `SELECT "posts"."id", "posts"."title", "posts"."views" FROM "posts" ORDER BY "posts"."id"`,
			sqlite: `SELECT "posts"."id", "posts"."title", "posts"."views" FROM "posts" ORDER BY "posts"."id"`,
		},
		{
			// A labelled expression used inside another stands for what it
			// names: only the outermost select-list item gets "AS name".
			name:   "label reused inside another expression",
			stmt:   ore.Select2(selTotalViews, ore.Div(selTotalViews, ore.Count()).As("per_post")).From(Posts),
			pg:     `SELECT sum("posts"."views") AS "total_views", sum("posts"."views") / count(*) AS "per_post" FROM "posts"`,
			sqlite: `SELECT sum("posts"."views") AS "total_views", sum("posts"."views") / count(*) AS "per_post" FROM "posts"`,
		},
		{
			name:      "select with no columns",
			stmt:      ore.Select[selPostRow]().From(Posts),
			pgErr:     "SELECT with no columns",
			sqliteErr: "SELECT with no columns",
		},
		{
			name:   "labels",
			stmt:   ore.Select2(Users.Name.As("author"), Users.CreatedAt.As("joined")).From(Users),
			pg:     `SELECT "users"."name" AS "author", "users"."created_at" AS "joined" FROM "users"`,
			sqlite: `SELECT "users"."name" AS "author", "users"."created_at" AS "joined" FROM "users"`,
		},
		{
			// Concat chains without parentheses; the arithmetic keeps the
			// ones that change its meaning, and no others.
			name: "arithmetic and concatenation",
			stmt: ore.Select4(
				ore.Concat(Posts.Title, ore.Value(" by "), Users.Name).As("byline"),
				ore.Mul(ore.Add(Posts.Views, ore.Value[int64](1)), ore.Value[int64](2)).As("weighted"),
				ore.Sub(ore.Value[int64](1000), ore.Sub(Posts.Views, ore.Value[int64](5))).As("to_go"),
				ore.Add(ore.Neg(ore.Mod(Posts.Views, ore.Value[int64](7))), ore.Neg(Posts.ID)).As("odd"),
			).From(Posts).Join(Users, Users.ID.EqExpr(Posts.UserID)),
			pg:     `SELECT "posts"."title" || $1 || "users"."name" AS "byline", ("posts"."views" + $2) * $3 AS "weighted", $4 - ("posts"."views" - $5) AS "to_go", -("posts"."views" % $6) + -"posts"."id" AS "odd" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id"`,
			sqlite: `SELECT "posts"."title" || ? || "users"."name" AS "byline", ("posts"."views" + ?) * ? AS "weighted", ? - ("posts"."views" - ?) AS "to_go", -("posts"."views" % ?) + -"posts"."id" AS "odd" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id"`,
			args:   []any{" by ", int64(1), int64(2), int64(1000), int64(5), int64(7)},
		},
		{
			// The CAST type names differ: SQLite names a type affinity.
			name: "functions",
			stmt: ore.Select4(ore.Lower(Users.Name), ore.Length(Users.Name), ore.IfNull(Users.Email, "no email"),
				ore.Cast[string](Users.Age)).From(Users),
			pg:     `SELECT lower("users"."name"), length("users"."name"), coalesce("users"."email", $1), CAST("users"."age" AS text) FROM "users"`,
			sqlite: `SELECT lower("users"."name"), length("users"."name"), coalesce("users"."email", ?), CAST("users"."age" AS TEXT) FROM "users"`,
			args:   []any{"no email"},
		},
		{
			name: "generic function",
			stmt: ore.Select2(Posts.Title, ore.Func[string]("replace", Posts.Title, ore.Value(" "), ore.Value("-")).As("slug")).
				From(Posts),
			pg:     `SELECT "posts"."title", replace("posts"."title", $1, $2) AS "slug" FROM "posts"`,
			sqlite: `SELECT "posts"."title", replace("posts"."title", ?, ?) AS "slug" FROM "posts"`,
			args:   []any{" ", "-"},
		},
		{
			name: "case expression",
			stmt: ore.Select2(Posts.Title, ore.Case(
				ore.When(Posts.Views.Ge(100), ore.Value("popular")),
				ore.When(Posts.Views.Ge(20), ore.Value("read")),
			).Else(ore.Value("quiet")).As("reach")).From(Posts),
			pg:     `SELECT "posts"."title", CASE WHEN "posts"."views" >= $1 THEN $2 WHEN "posts"."views" >= $3 THEN $4 ELSE $5 END AS "reach" FROM "posts"`,
			sqlite: `SELECT "posts"."title", CASE WHEN "posts"."views" >= ? THEN ? WHEN "posts"."views" >= ? THEN ? ELSE ? END AS "reach" FROM "posts"`,
			args:   []any{int64(100), "popular", int64(20), "read", "quiet"},
		},
		{
			name:   "Select1 of an aggregate",
			stmt:   ore.Select1(ore.Count()).From(Posts).Where(Posts.PublishedAt.IsNotNull()),
			pg:     `SELECT count(*) FROM "posts" WHERE "posts"."published_at" IS NOT NULL`,
			sqlite: `SELECT count(*) FROM "posts" WHERE "posts"."published_at" IS NOT NULL`,
		},
		{
			name:   "select without FROM",
			stmt:   ore.Select1(ore.Now()),
			pg:     `SELECT CURRENT_TIMESTAMP`,
			sqlite: `SELECT CURRENT_TIMESTAMP`,
		},
		{
			name: "Select5",
			stmt: ore.Select5(Posts.ID, Posts.Title, Users.Name, Posts.Views, Posts.PublishedAt).
				From(Posts).Join(Users, Users.ID.EqExpr(Posts.UserID)).OrderBy(Posts.ID),
			pg:     `SELECT "posts"."id", "posts"."title", "users"."name", "posts"."views", "posts"."published_at" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id" ORDER BY "posts"."id"`,
			sqlite: `SELECT "posts"."id", "posts"."title", "users"."name", "posts"."views", "posts"."published_at" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id" ORDER BY "posts"."id"`,
		},
		{
			name:   "Select6",
			stmt:   ore.Select6(Users.ID, Users.Name, Users.Email, Users.Age, Users.Active, Users.Score).From(Users),
			pg:     `SELECT "users"."id", "users"."name", "users"."email", "users"."age", "users"."active", "users"."score" FROM "users"`,
			sqlite: `SELECT "users"."id", "users"."name", "users"."email", "users"."age", "users"."active", "users"."score" FROM "users"`,
		},
		{
			name:   "distinct",
			stmt:   ore.Select1(Posts.UserID).Distinct().From(Posts).OrderBy(Posts.UserID),
			pg:     `SELECT DISTINCT "posts"."user_id" FROM "posts" ORDER BY "posts"."user_id"`,
			sqlite: `SELECT DISTINCT "posts"."user_id" FROM "posts" ORDER BY "posts"."user_id"`,
		},
		{
			name:   "count distinct",
			stmt:   ore.Select1(ore.CountDistinct(PostTags.TagID)).From(PostTags),
			pg:     `SELECT count(DISTINCT "post_tags"."tag_id") FROM "post_tags"`,
			sqlite: `SELECT count(DISTINCT "post_tags"."tag_id") FROM "post_tags"`,
		},
		{
			// Each author's latest post.
			name: "distinct on",
			stmt: ore.Select3(Posts.UserID, Posts.Title, Posts.PublishedAt).DistinctOn(Posts.UserID).From(Posts).
				OrderBy(Posts.UserID, Posts.PublishedAt.Desc().NullsLast()),
			pg:        `SELECT DISTINCT ON ("posts"."user_id") "posts"."user_id", "posts"."title", "posts"."published_at" FROM "posts" ORDER BY "posts"."user_id", "posts"."published_at" DESC NULLS LAST`,
			sqliteErr: "DISTINCT ON is not supported by sqlite",
		},
		{
			name:      "distinct on with no expressions",
			stmt:      ore.Select1(Posts.UserID).DistinctOn().From(Posts),
			pgErr:     "DistinctOn with no expressions",
			sqliteErr: "DistinctOn with no expressions",
		},
		{
			name:      "column of a table not in FROM",
			stmt:      ore.Select2(Posts.Title, Users.Name).From(Posts),
			pgErr:     `column "users"."name" refers to table "users", which is not in FROM`,
			sqliteErr: `column "users"."name" refers to table "users", which is not in FROM`,
		},
	}
}

// selCountToFive counts from 1 to 5 with a recursive common table
// expression.
func selCountToFive() ore.Statement {
	nums := ore.With("nums", nil).Columns("n")
	n := ore.Column[int64](nums, "n")
	nums = nums.As(ore.Select1(ore.Cast[int64](ore.Value[int64](1))).
		UnionAll(ore.Select1(ore.Add(n, ore.Value[int64](1))).From(nums).Where(n.Lt(5))))
	return ore.Select1(n).From(nums).WithRecursive(nums)
}

// selManagementChain lists every user with their distance from the top of
// the management hierarchy.
func selManagementChain() ore.Statement {
	chain := ore.With("chain", nil).Columns("id", "name", "depth")
	chainID := ore.Column[int64](chain, "id")
	chainName := ore.Column[string](chain, "name")
	chainDepth := ore.Column[int64](chain, "depth")
	chain = chain.As(ore.Select3(Users.ID, Users.Name, ore.Cast[int64](ore.Value[int64](0))).
		From(Users).Where(Users.ManagerID.IsNull()).
		UnionAll(ore.Select3(Users.ID, Users.Name, ore.Add(chainDepth, ore.Value[int64](1))).
			From(Users).Join(chain, ore.Ptr(chainID).EqExpr(Users.ManagerID))))
	return ore.Select2(chainName, chainDepth).From(chain).OrderBy(chainDepth, chainName).WithRecursive(chain)
}

func selectFromCases() []sqlCase {
	p := ore.Alias(Posts, "p")
	boss := ore.Alias(Users, "boss")

	totals := ore.Subquery(ore.Select2(Posts.UserID, ore.Sum(Posts.Views).As("total_views")).
		From(Posts).GroupBy(Posts.UserID), "totals")
	totalViews := ore.Ref(totals, ore.Sum(Posts.Views).As("total_views"))

	recent := ore.With("recent", ore.Select3(Posts.ID, Posts.UserID, Posts.Title).
		From(Posts).Where(Posts.PublishedAt.IsNotNull()))

	active := ore.With("active_users", ore.Select1(Users.ID).From(Users).Where(Users.Active.Eq(true)))
	activeID := ore.Ref(active, Users.ID)
	theirPosts := ore.With("their_posts", ore.Select2(Posts.UserID, Posts.Views).From(Posts).
		Where(Posts.UserID.InQuery(ore.Select1(activeID).From(active))))
	theirUserID := ore.Ref(theirPosts, Posts.UserID)

	stats := ore.With("author_stats", ore.Select2(Posts.UserID, ore.Count()).From(Posts).GroupBy(Posts.UserID)).
		Columns("author_id", "post_count")
	statsAuthor := ore.Column[int64](stats, "author_id")
	statsCount := ore.Column[int64](stats, "post_count")

	published := ore.Select2(Posts.ID, Posts.Views).From(Posts).Where(Posts.PublishedAt.IsNotNull())
	pubMat := ore.With("pub", published).Materialized()
	pubNotMat := ore.With("pub", published).NotMaterialized()
	pubViews := ore.Ref(pubMat, Posts.Views)

	unfinished := ore.With("nums", nil)
	jsonKey := ore.Raw[string]("j.key")

	return []sqlCase{
		{
			name:   "aliased table",
			stmt:   ore.Select2(p.ID, p.Title).From(p).Where(p.Views.Gt(100)),
			pg:     `SELECT "p"."id", "p"."title" FROM "posts" AS "p" WHERE "p"."views" > $1`,
			sqlite: `SELECT "p"."id", "p"."title" FROM "posts" AS "p" WHERE "p"."views" > ?`,
			args:   []any{int64(100)},
		},
		{
			// A user's manager is another row of users: the LEFT JOIN keeps
			// users without one, so the manager's name is nullable.
			name: "self-join",
			stmt: ore.Select2(Users.Name, ore.Ptr(boss.Name).As("manager")).From(Users).
				LeftJoin(boss, boss.ID.EqExpr(ore.Deref(Users.ManagerID))).OrderBy(Users.ID),
			pg:     `SELECT "users"."name", "boss"."name" AS "manager" FROM "users" LEFT JOIN "users" AS "boss" ON "boss"."id" = "users"."manager_id" ORDER BY "users"."id"`,
			sqlite: `SELECT "users"."name", "boss"."name" AS "manager" FROM "users" LEFT JOIN "users" AS "boss" ON "boss"."id" = "users"."manager_id" ORDER BY "users"."id"`,
		},
		{
			name: "derived table",
			stmt: ore.Select2(ore.Ref(totals, Posts.UserID), totalViews).From(totals).
				Where(totalViews.Gt(100)).OrderBy(totalViews.Desc()),
			pg:     `SELECT "totals"."user_id", "totals"."total_views" FROM (SELECT "posts"."user_id", sum("posts"."views") AS "total_views" FROM "posts" GROUP BY "posts"."user_id") AS "totals" WHERE "totals"."total_views" > $1 ORDER BY "totals"."total_views" DESC`,
			sqlite: `SELECT "totals"."user_id", "totals"."total_views" FROM (SELECT "posts"."user_id", sum("posts"."views") AS "total_views" FROM "posts" GROUP BY "posts"."user_id") AS "totals" WHERE "totals"."total_views" > ? ORDER BY "totals"."total_views" DESC`,
			args:   []any{int64(100)},
		},
		{
			name: "cte",
			stmt: ore.Select2(Users.Name, ore.Ref(recent, Posts.Title)).From(recent).
				Join(Users, Users.ID.EqExpr(ore.Ref(recent, Posts.UserID))).With(recent),
			pg:     `WITH "recent" AS (SELECT "posts"."id", "posts"."user_id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL) SELECT "users"."name", "recent"."title" FROM "recent" JOIN "users" ON "users"."id" = "recent"."user_id"`,
			sqlite: `WITH "recent" AS (SELECT "posts"."id", "posts"."user_id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL) SELECT "users"."name", "recent"."title" FROM "recent" JOIN "users" ON "users"."id" = "recent"."user_id"`,
		},
		{
			// Two With calls make one WITH clause; the second CTE reads the
			// first.
			name: "ctes that build on each other",
			stmt: ore.Select2(theirUserID, ore.Sum(ore.Ref(theirPosts, Posts.Views))).From(theirPosts).
				GroupBy(theirUserID).With(active).With(theirPosts),
			pg:     `WITH "active_users" AS (SELECT "users"."id" FROM "users" WHERE "users"."active" = $1), "their_posts" AS (SELECT "posts"."user_id", "posts"."views" FROM "posts" WHERE "posts"."user_id" IN (SELECT "active_users"."id" FROM "active_users")) SELECT "their_posts"."user_id", sum("their_posts"."views") FROM "their_posts" GROUP BY "their_posts"."user_id"`,
			sqlite: `WITH "active_users" AS (SELECT "users"."id" FROM "users" WHERE "users"."active" = ?), "their_posts" AS (SELECT "posts"."user_id", "posts"."views" FROM "posts" WHERE "posts"."user_id" IN (SELECT "active_users"."id" FROM "active_users")) SELECT "their_posts"."user_id", sum("their_posts"."views") FROM "their_posts" GROUP BY "their_posts"."user_id"`,
			args:   []any{true},
		},
		{
			name: "cte with column names",
			stmt: ore.Select2(Users.Name, statsCount).From(Users).Join(stats, statsAuthor.EqExpr(Users.ID)).
				Where(statsCount.Ge(2)).With(stats),
			pg:     `WITH "author_stats" ("author_id", "post_count") AS (SELECT "posts"."user_id", count(*) FROM "posts" GROUP BY "posts"."user_id") SELECT "users"."name", "author_stats"."post_count" FROM "users" JOIN "author_stats" ON "author_stats"."author_id" = "users"."id" WHERE "author_stats"."post_count" >= $1`,
			sqlite: `WITH "author_stats" ("author_id", "post_count") AS (SELECT "posts"."user_id", count(*) FROM "posts" GROUP BY "posts"."user_id") SELECT "users"."name", "author_stats"."post_count" FROM "users" JOIN "author_stats" ON "author_stats"."author_id" = "users"."id" WHERE "author_stats"."post_count" >= ?`,
			args:   []any{int64(2)},
		},
		{
			name:   "materialized cte",
			stmt:   ore.Select1(ore.Sum(pubViews)).From(pubMat).With(pubMat),
			pg:     `WITH "pub" AS MATERIALIZED (SELECT "posts"."id", "posts"."views" FROM "posts" WHERE "posts"."published_at" IS NOT NULL) SELECT sum("pub"."views") FROM "pub"`,
			sqlite: `WITH "pub" AS MATERIALIZED (SELECT "posts"."id", "posts"."views" FROM "posts" WHERE "posts"."published_at" IS NOT NULL) SELECT sum("pub"."views") FROM "pub"`,
		},
		{
			name:   "not materialized cte",
			stmt:   ore.Select1(ore.Max(ore.Ref(pubNotMat, Posts.Views))).From(pubNotMat).With(pubNotMat),
			pg:     `WITH "pub" AS NOT MATERIALIZED (SELECT "posts"."id", "posts"."views" FROM "posts" WHERE "posts"."published_at" IS NOT NULL) SELECT max("pub"."views") FROM "pub"`,
			sqlite: `WITH "pub" AS NOT MATERIALIZED (SELECT "posts"."id", "posts"."views" FROM "posts" WHERE "posts"."published_at" IS NOT NULL) SELECT max("pub"."views") FROM "pub"`,
		},
		{
			// Without the CAST, PostgreSQL types the untyped $1 of the
			// non-recursive term as text, and text + $2 has no operator.
			name:   "recursive cte that counts",
			stmt:   selCountToFive(),
			pg:     `WITH RECURSIVE "nums" ("n") AS (SELECT CAST($1 AS bigint) UNION ALL SELECT "nums"."n" + $2 FROM "nums" WHERE "nums"."n" < $3) SELECT "nums"."n" FROM "nums"`,
			sqlite: `WITH RECURSIVE "nums" ("n") AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT "nums"."n" + ? FROM "nums" WHERE "nums"."n" < ?) SELECT "nums"."n" FROM "nums"`,
			args:   []any{int64(1), int64(1), int64(5)},
		},
		{
			name:   "recursive cte walking the management chain",
			stmt:   selManagementChain(),
			pg:     `WITH RECURSIVE "chain" ("id", "name", "depth") AS (SELECT "users"."id", "users"."name", CAST($1 AS bigint) FROM "users" WHERE "users"."manager_id" IS NULL UNION ALL SELECT "users"."id", "users"."name", "chain"."depth" + $2 FROM "users" JOIN "chain" ON "chain"."id" = "users"."manager_id") SELECT "chain"."name", "chain"."depth" FROM "chain" ORDER BY "chain"."depth", "chain"."name"`,
			sqlite: `WITH RECURSIVE "chain" ("id", "name", "depth") AS (SELECT "users"."id", "users"."name", CAST(? AS INTEGER) FROM "users" WHERE "users"."manager_id" IS NULL UNION ALL SELECT "users"."id", "users"."name", "chain"."depth" + ? FROM "users" JOIN "chain" ON "chain"."id" = "users"."manager_id") SELECT "chain"."name", "chain"."depth" FROM "chain" ORDER BY "chain"."depth", "chain"."name"`,
			args:   []any{int64(0), int64(1)},
		},
		{
			name:      "recursive cte never completed",
			stmt:      ore.Select1(ore.Column[int64](unfinished, "n")).From(unfinished).WithRecursive(unfinished),
			pgErr:     `common table expression "nums" has no statement`,
			sqliteErr: `common table expression "nums" has no statement`,
		},
		{
			name: "several FROM items",
			stmt: ore.Select2(Users.Name, Posts.Title).From(Users, Posts).
				Where(Posts.UserID.EqExpr(Users.ID), Posts.Views.Ge(100)),
			pg:     `SELECT "users"."name", "posts"."title" FROM "users", "posts" WHERE "posts"."user_id" = "users"."id" AND "posts"."views" >= $1`,
			sqlite: `SELECT "users"."name", "posts"."title" FROM "users", "posts" WHERE "posts"."user_id" = "users"."id" AND "posts"."views" >= ?`,
			args:   []any{int64(100)},
		},
		{
			// json_each exists on both databases with a "key" column. A
			// Raw expression is parenthesized as an operand since ore
			// cannot know what operators it holds.
			name: "raw FROM item",
			stmt: ore.Select2(jsonKey, Users.Email).From(ore.RawFrom("json_each(?) AS j", `{"ann": 1, "dee": 2}`)).
				Join(Users, Users.Name.EqExpr(jsonKey)),
			pg:     `SELECT j.key, "users"."email" FROM json_each($1) AS j JOIN "users" ON "users"."name" = (j.key)`,
			sqlite: `SELECT j.key, "users"."email" FROM json_each(?) AS j JOIN "users" ON "users"."name" = (j.key)`,
			args:   []any{`{"ann": 1, "dee": 2}`},
		},
	}
}

func selectJoinCases() []sqlCase {
	a := ore.Alias(Users, "a")
	b := ore.Alias(Users, "b")

	stats := ore.Subquery(ore.Select2(Posts.UserID, ore.Count().As("post_count")).From(Posts).
		GroupBy(Posts.UserID), "stats")
	statsUser := ore.Column[int64](stats, "user_id")

	latest := ore.Subquery(ore.Select2(Posts.Title, Posts.PublishedAt).From(Posts).
		Where(Posts.UserID.EqExpr(Users.ID)).OrderBy(Posts.PublishedAt.Desc().NullsLast()).Limit(1), "latest")
	topTags := ore.Subquery(ore.Select1(Tags.Name).From(Tags).Join(PostTags, PostTags.TagID.EqExpr(Tags.ID)).
		Where(PostTags.PostID.EqExpr(Posts.ID)).OrderBy(Tags.Name).Limit(2), "top_tags")

	return []sqlCase{
		{
			name: "inner join",
			stmt: ore.Select2(Posts.Title, Users.Name).From(Posts).Join(Users, Users.ID.EqExpr(Posts.UserID)).
				Where(Users.Active.Eq(true)).OrderBy(Posts.ID),
			pg:     `SELECT "posts"."title", "users"."name" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id" WHERE "users"."active" = $1 ORDER BY "posts"."id"`,
			sqlite: `SELECT "posts"."title", "users"."name" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id" WHERE "users"."active" = ? ORDER BY "posts"."id"`,
			args:   []any{true},
		},
		{
			// count(posts.id), not count(*): authors without posts count 0.
			name: "left join with a count",
			stmt: ore.Select2(Users.Name, ore.CountOf(Posts.ID).As("posts")).From(Users).
				LeftJoin(Posts, Posts.UserID.EqExpr(Users.ID)).GroupBy(Users.ID, Users.Name).OrderBy(Users.ID),
			pg:     `SELECT "users"."name", count("posts"."id") AS "posts" FROM "users" LEFT JOIN "posts" ON "posts"."user_id" = "users"."id" GROUP BY "users"."id", "users"."name" ORDER BY "users"."id"`,
			sqlite: `SELECT "users"."name", count("posts"."id") AS "posts" FROM "users" LEFT JOIN "posts" ON "posts"."user_id" = "users"."id" GROUP BY "users"."id", "users"."name" ORDER BY "users"."id"`,
		},
		{
			name: "right join",
			stmt: ore.Select2(Tags.Name, ore.CountOf(PostTags.PostID).As("uses")).From(PostTags).
				RightJoin(Tags, Tags.ID.EqExpr(PostTags.TagID)).GroupBy(Tags.Name),
			pg:     `SELECT "tags"."name", count("post_tags"."post_id") AS "uses" FROM "post_tags" RIGHT JOIN "tags" ON "tags"."id" = "post_tags"."tag_id" GROUP BY "tags"."name"`,
			sqlite: `SELECT "tags"."name", count("post_tags"."post_id") AS "uses" FROM "post_tags" RIGHT JOIN "tags" ON "tags"."id" = "post_tags"."tag_id" GROUP BY "tags"."name"`,
		},
		{
			name: "full join",
			stmt: ore.Select2(ore.Ptr(Users.Name), ore.Ptr(Posts.Title)).From(Users).
				FullJoin(Posts, Posts.UserID.EqExpr(Users.ID)),
			pg:     `SELECT "users"."name", "posts"."title" FROM "users" FULL JOIN "posts" ON "posts"."user_id" = "users"."id"`,
			sqlite: `SELECT "users"."name", "posts"."title" FROM "users" FULL JOIN "posts" ON "posts"."user_id" = "users"."id"`,
		},
		{
			name:   "cross join",
			stmt:   ore.Select2(Users.Name, Tags.Name).From(Users).CrossJoin(Tags).Where(Users.Active.Eq(true)),
			pg:     `SELECT "users"."name", "tags"."name" FROM "users" CROSS JOIN "tags" WHERE "users"."active" = $1`,
			sqlite: `SELECT "users"."name", "tags"."name" FROM "users" CROSS JOIN "tags" WHERE "users"."active" = ?`,
			args:   []any{true},
		},
		{
			name: "chained joins",
			stmt: ore.Select2(Posts.Title, Tags.Name).From(Posts).
				Join(PostTags, PostTags.PostID.EqExpr(Posts.ID)).
				Join(Tags, Tags.ID.EqExpr(PostTags.TagID)).
				Where(Tags.Name.Eq("go")),
			pg:     `SELECT "posts"."title", "tags"."name" FROM "posts" JOIN "post_tags" ON "post_tags"."post_id" = "posts"."id" JOIN "tags" ON "tags"."id" = "post_tags"."tag_id" WHERE "tags"."name" = $1`,
			sqlite: `SELECT "posts"."title", "tags"."name" FROM "posts" JOIN "post_tags" ON "post_tags"."post_id" = "posts"."id" JOIN "tags" ON "tags"."id" = "post_tags"."tag_id" WHERE "tags"."name" = ?`,
			args:   []any{"go"},
		},
		{
			name: "chained left joins",
			stmt: ore.Select3(Users.Name, ore.Ptr(Posts.Title), ore.Ptr(Tags.Name)).From(Users).
				LeftJoin(Posts, Posts.UserID.EqExpr(Users.ID)).
				LeftJoin(PostTags, PostTags.PostID.EqExpr(Posts.ID)).
				LeftJoin(Tags, Tags.ID.EqExpr(PostTags.TagID)).
				OrderBy(Users.ID, Posts.ID, Tags.Name),
			pg:     `SELECT "users"."name", "posts"."title", "tags"."name" FROM "users" LEFT JOIN "posts" ON "posts"."user_id" = "users"."id" LEFT JOIN "post_tags" ON "post_tags"."post_id" = "posts"."id" LEFT JOIN "tags" ON "tags"."id" = "post_tags"."tag_id" ORDER BY "users"."id", "posts"."id", "tags"."name"`,
			sqlite: `SELECT "users"."name", "posts"."title", "tags"."name" FROM "users" LEFT JOIN "posts" ON "posts"."user_id" = "users"."id" LEFT JOIN "post_tags" ON "post_tags"."post_id" = "posts"."id" LEFT JOIN "tags" ON "tags"."id" = "post_tags"."tag_id" ORDER BY "users"."id", "posts"."id", "tags"."name"`,
		},
		{
			// Users who share a manager, each pair once.
			name: "join on a composite condition",
			stmt: ore.Select2(a.Name, b.Name).From(a).
				Join(b, ore.And(a.ManagerID.EqExpr(b.ManagerID), a.ID.LtExpr(b.ID))),
			pg:     `SELECT "a"."name", "b"."name" FROM "users" AS "a" JOIN "users" AS "b" ON "a"."manager_id" = "b"."manager_id" AND "a"."id" < "b"."id"`,
			sqlite: `SELECT "a"."name", "b"."name" FROM "users" AS "a" JOIN "users" AS "b" ON "a"."manager_id" = "b"."manager_id" AND "a"."id" < "b"."id"`,
		},
		{
			// IN lists of bound values are padded to a power of two by
			// repeating the last value, so that lengths 3 and 4 share one
			// SQL text.
			name: "join condition with an IN list",
			stmt: ore.Select2(Posts.Title, PostTags.TagID).From(Posts).
				Join(PostTags, ore.And(PostTags.PostID.EqExpr(Posts.ID), PostTags.TagID.In(1, 2, 3))),
			pg:     `SELECT "posts"."title", "post_tags"."tag_id" FROM "posts" JOIN "post_tags" ON "post_tags"."post_id" = "posts"."id" AND "post_tags"."tag_id" IN ($1, $2, $3, $4)`,
			sqlite: `SELECT "posts"."title", "post_tags"."tag_id" FROM "posts" JOIN "post_tags" ON "post_tags"."post_id" = "posts"."id" AND "post_tags"."tag_id" IN (?, ?, ?, ?)`,
			args:   []any{int64(1), int64(2), int64(3), int64(3)},
		},
		{
			name: "derived table joined to a table",
			stmt: ore.Select2(Users.Name, ore.Column[int64](stats, "post_count")).From(Users).
				Join(stats, statsUser.EqExpr(Users.ID)).OrderBy(Users.Name),
			pg:     `SELECT "users"."name", "stats"."post_count" FROM "users" JOIN (SELECT "posts"."user_id", count(*) AS "post_count" FROM "posts" GROUP BY "posts"."user_id") AS "stats" ON "stats"."user_id" = "users"."id" ORDER BY "users"."name"`,
			sqlite: `SELECT "users"."name", "stats"."post_count" FROM "users" JOIN (SELECT "posts"."user_id", count(*) AS "post_count" FROM "posts" GROUP BY "posts"."user_id") AS "stats" ON "stats"."user_id" = "users"."id" ORDER BY "users"."name"`,
		},
		{
			name: "join lateral",
			stmt: ore.Select2(Users.Name, ore.Ref(latest, Posts.Title)).From(Users).
				JoinLateral(latest, ore.True()),
			pg:        `SELECT "users"."name", "latest"."title" FROM "users" JOIN LATERAL (SELECT "posts"."title", "posts"."published_at" FROM "posts" WHERE "posts"."user_id" = "users"."id" ORDER BY "posts"."published_at" DESC NULLS LAST LIMIT $1) AS "latest" ON TRUE`,
			sqliteErr: "LATERAL is not supported by sqlite",
			args:      []any{int64(1)},
		},
		{
			name: "left join lateral",
			stmt: ore.Select2(Users.Name, ore.Ptr(ore.Ref(latest, Posts.Title))).From(Users).
				LeftJoinLateral(latest, ore.True()).OrderBy(Users.ID),
			pg:        `SELECT "users"."name", "latest"."title" FROM "users" LEFT JOIN LATERAL (SELECT "posts"."title", "posts"."published_at" FROM "posts" WHERE "posts"."user_id" = "users"."id" ORDER BY "posts"."published_at" DESC NULLS LAST LIMIT $1) AS "latest" ON TRUE ORDER BY "users"."id"`,
			sqliteErr: "LATERAL is not supported by sqlite",
			args:      []any{int64(1)},
		},
		{
			name:      "cross join lateral",
			stmt:      ore.Select2(Posts.Title, ore.Ref(topTags, Tags.Name)).From(Posts).CrossJoinLateral(topTags),
			pg:        `SELECT "posts"."title", "top_tags"."name" FROM "posts" CROSS JOIN LATERAL (SELECT "tags"."name" FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" WHERE "post_tags"."post_id" = "posts"."id" ORDER BY "tags"."name" LIMIT $1) AS "top_tags"`,
			sqliteErr: "LATERAL is not supported by sqlite",
			args:      []any{int64(2)},
		},
		{
			name:      "join before FROM",
			stmt:      ore.Select1(Users.Name).Join(Posts, Posts.UserID.EqExpr(Users.ID)),
			pgErr:     "join with nothing in FROM",
			sqliteErr: "join with nothing in FROM",
		},
	}
}

func selectClauseCases() []sqlCase {
	postCount := ore.Count().As("post_count")
	id := ore.Param[int64]("id")
	pageSize := ore.Param[int64]("page_size")
	skip := ore.Param[int64]("skip")

	// One base statement extended two ways: neither extension may leak
	// into the other or into the base.
	base := ore.Select2(Posts.ID, Posts.Title).From(Posts).Where(Posts.PublishedAt.IsNotNull())
	popular := base.Where(Posts.Views.Ge(100)).OrderBy(Posts.Views.Desc())
	byAnn := base.Where(Posts.UserID.Eq(1)).OrderBy(Posts.ID)

	return []sqlCase{
		{
			name: "and with a nested or",
			stmt: ore.Select1(Users.Name).From(Users).
				Where(Users.Active.Eq(true), ore.Or(Users.Age.Lt(20), Users.Age.Gt(40))),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."active" = $1 AND ("users"."age" < $2 OR "users"."age" > $3)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."active" = ? AND ("users"."age" < ? OR "users"."age" > ?)`,
			args:   []any{true, int32(20), int32(40)},
		},
		{
			// AND binds tighter than OR: no parentheses needed.
			name: "or of ands",
			stmt: ore.Select1(Posts.Title).From(Posts).Where(ore.Or(
				ore.And(Posts.Views.Gt(100), Posts.PublishedAt.IsNotNull()),
				ore.And(Posts.UserID.Eq(4), Posts.Views.Gt(10)),
			)),
			pg:     `SELECT "posts"."title" FROM "posts" WHERE "posts"."views" > $1 AND "posts"."published_at" IS NOT NULL OR "posts"."user_id" = $2 AND "posts"."views" > $3`,
			sqlite: `SELECT "posts"."title" FROM "posts" WHERE "posts"."views" > ? AND "posts"."published_at" IS NOT NULL OR "posts"."user_id" = ? AND "posts"."views" > ?`,
			args:   []any{int64(100), int64(4), int64(10)},
		},
		{
			name: "and inside or inside and",
			stmt: ore.Select1(Users.Name).From(Users).Where(ore.And(
				Users.Active.Eq(true),
				ore.Or(ore.And(Users.Age.Ge(18), Users.Age.Lt(30)), Users.Score.Gt(9)),
			)),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."active" = $1 AND ("users"."age" >= $2 AND "users"."age" < $3 OR "users"."score" > $4)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."active" = ? AND ("users"."age" >= ? AND "users"."age" < ? OR "users"."score" > ?)`,
			args:   []any{true, int32(18), int32(30), float64(9)},
		},
		{
			name: "not of an or",
			stmt: ore.Select1(Users.Name).From(Users).
				Where(ore.Not(ore.Or(Users.Active.Eq(false), Users.Email.IsNull()))),
			pg:     `SELECT "users"."name" FROM "users" WHERE NOT ("users"."active" = $1 OR "users"."email" IS NULL)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE NOT ("users"."active" = ? OR "users"."email" IS NULL)`,
			args:   []any{false},
		},
		{
			name:   "not of a boolean column",
			stmt:   ore.Select1(Users.Name).From(Users).Where(ore.Not(Users.Active)),
			pg:     `SELECT "users"."name" FROM "users" WHERE NOT "users"."active"`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE NOT "users"."active"`,
		},
		{
			// NOT binds more loosely than LIKE and = on both databases, so
			// no parentheses are needed.
			name: "not of a comparison",
			stmt: ore.Select1(Users.Name).From(Users).
				Where(ore.Not(ore.Like(Users.Name, "a%")), ore.Not(Users.Age.Eq(19))),
			pg:     `SELECT "users"."name" FROM "users" WHERE NOT "users"."name" LIKE $1 AND NOT "users"."age" = $2`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE NOT "users"."name" LIKE ? AND NOT "users"."age" = ?`,
			args:   []any{"a%", int32(19)},
		},
		{
			// An OR given to Where keeps its parentheses next to the AND
			// that a second Where adds.
			name: "where called twice",
			stmt: ore.Select1(Posts.Title).From(Posts).
				Where(ore.Or(Posts.UserID.Eq(1), Posts.UserID.Eq(2))).Where(Posts.Views.Lt(200)),
			pg:     `SELECT "posts"."title" FROM "posts" WHERE ("posts"."user_id" = $1 OR "posts"."user_id" = $2) AND "posts"."views" < $3`,
			sqlite: `SELECT "posts"."title" FROM "posts" WHERE ("posts"."user_id" = ? OR "posts"."user_id" = ?) AND "posts"."views" < ?`,
			args:   []any{int64(1), int64(2), int64(200)},
		},
		{
			name: "between, not in and is distinct from",
			stmt: ore.Select1(Posts.Title).From(Posts).
				Where(Posts.Views.Between(10, 200), Posts.UserID.NotIn(3), Posts.Title.IsDistinctFrom("Hello")),
			pg:     `SELECT "posts"."title" FROM "posts" WHERE "posts"."views" BETWEEN $1 AND $2 AND "posts"."user_id" NOT IN ($3) AND "posts"."title" IS DISTINCT FROM $4`,
			sqlite: `SELECT "posts"."title" FROM "posts" WHERE "posts"."views" BETWEEN ? AND ? AND "posts"."user_id" NOT IN (?) AND "posts"."title" IS DISTINCT FROM ?`,
			args:   []any{int64(10), int64(200), int64(3), "Hello"},
		},
		{
			// Past 16 bound values an IN list becomes one array argument on
			// PostgreSQL and one JSON argument on SQLite: one SQL text for
			// every length.
			name:       "long in list",
			stmt:       ore.Select1(Posts.Title).From(Posts).Where(Posts.ID.In(selIDs...)),
			pg:         `SELECT "posts"."title" FROM "posts" WHERE "posts"."id" = ANY($1)`,
			sqlite:     `SELECT "posts"."title" FROM "posts" WHERE "posts"."id" IN (SELECT value FROM json_each(?))`,
			args:       []any{selIDs},
			sqliteArgs: []any{"[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"},
		},
		{
			// SQLite has no ILIKE; lower() on both sides does the same for
			// ASCII text.
			name:   "ilike search",
			stmt:   ore.Select1(Posts.Title).From(Posts).Where(ore.ILike(Posts.Title, "%HELLO%")),
			pg:     `SELECT "posts"."title" FROM "posts" WHERE "posts"."title" ILIKE $1`,
			sqlite: `SELECT "posts"."title" FROM "posts" WHERE lower("posts"."title") LIKE lower(?)`,
			args:   []any{"%HELLO%"},
		},
		{
			name: "group by with having",
			stmt: ore.Select2(Posts.UserID, ore.Count().As("posts")).From(Posts).GroupBy(Posts.UserID).
				Having(ore.Count().Ge(2)),
			pg:     `SELECT "posts"."user_id", count(*) AS "posts" FROM "posts" GROUP BY "posts"."user_id" HAVING count(*) >= $1`,
			sqlite: `SELECT "posts"."user_id", count(*) AS "posts" FROM "posts" GROUP BY "posts"."user_id" HAVING count(*) >= ?`,
			args:   []any{int64(2)},
		},
		{
			name: "having on a labelled aggregate",
			stmt: ore.Select2(Posts.UserID, selTotalViews).From(Posts).GroupBy(Posts.UserID).
				Having(selTotalViews.Gt(100)).OrderBy(selTotalViews.Desc()),
			pg:     `SELECT "posts"."user_id", sum("posts"."views") AS "total_views" FROM "posts" GROUP BY "posts"."user_id" HAVING sum("posts"."views") > $1 ORDER BY "total_views" DESC`,
			sqlite: `SELECT "posts"."user_id", sum("posts"."views") AS "total_views" FROM "posts" GROUP BY "posts"."user_id" HAVING sum("posts"."views") > ? ORDER BY "total_views" DESC`,
			args:   []any{int64(100)},
		},
		{
			name: "group by two columns with an or in having",
			stmt: ore.Select3(Tags.Name, ore.Count(), ore.Sum(Posts.Views)).From(Tags).
				Join(PostTags, PostTags.TagID.EqExpr(Tags.ID)).
				Join(Posts, Posts.ID.EqExpr(PostTags.PostID)).
				Where(Posts.PublishedAt.IsNotNull()).
				GroupBy(Tags.ID, Tags.Name).
				Having(ore.Or(ore.Count().Gt(1), ore.Sum(Posts.Views).Ge(300))).
				OrderBy(Tags.Name),
			pg:     `SELECT "tags"."name", count(*), sum("posts"."views") FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" JOIN "posts" ON "posts"."id" = "post_tags"."post_id" WHERE "posts"."published_at" IS NOT NULL GROUP BY "tags"."id", "tags"."name" HAVING count(*) > $1 OR sum("posts"."views") >= $2 ORDER BY "tags"."name"`,
			sqlite: `SELECT "tags"."name", count(*), sum("posts"."views") FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" JOIN "posts" ON "posts"."id" = "post_tags"."post_id" WHERE "posts"."published_at" IS NOT NULL GROUP BY "tags"."id", "tags"."name" HAVING count(*) > ? OR sum("posts"."views") >= ? ORDER BY "tags"."name"`,
			args:   []any{int64(1), int64(300)},
		},
		{
			// Ascending is the default: Asc writes no keyword.
			name:   "order by desc and asc",
			stmt:   ore.Select2(Posts.ID, Posts.Title).From(Posts).OrderBy(Posts.Views.Desc(), Posts.ID.Asc()),
			pg:     `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."views" DESC, "posts"."id"`,
			sqlite: `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."views" DESC, "posts"."id"`,
		},
		{
			// Drafts (no published_at) first, then the newest. OrderBy is
			// called before Join here: clauses are written in SQL's order,
			// whatever the order of the calls.
			name: "order by with nulls first and last",
			stmt: ore.Select2(Posts.Title, Posts.PublishedAt).From(Posts).
				OrderBy(Posts.PublishedAt.Desc().NullsFirst(), Users.Nickname.Asc().NullsLast()).
				Join(Users, Users.ID.EqExpr(Posts.UserID)),
			pg:     `SELECT "posts"."title", "posts"."published_at" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id" ORDER BY "posts"."published_at" DESC NULLS FIRST, "users"."nickname" NULLS LAST`,
			sqlite: `SELECT "posts"."title", "posts"."published_at" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id" ORDER BY "posts"."published_at" DESC NULLS FIRST, "users"."nickname" NULLS LAST`,
		},
		{
			name: "order by a label",
			stmt: ore.Select2(Posts.UserID, postCount).From(Posts).GroupBy(Posts.UserID).
				OrderBy(postCount.Desc(), Posts.UserID),
			pg:     `SELECT "posts"."user_id", count(*) AS "post_count" FROM "posts" GROUP BY "posts"."user_id" ORDER BY "post_count" DESC, "posts"."user_id"`,
			sqlite: `SELECT "posts"."user_id", count(*) AS "post_count" FROM "posts" GROUP BY "posts"."user_id" ORDER BY "post_count" DESC, "posts"."user_id"`,
		},
		{
			// Inside an expression a label stands for what it names:
			// databases do not resolve output names there.
			name: "order by an expression of a label",
			stmt: ore.Select2(Posts.UserID, postCount).From(Posts).GroupBy(Posts.UserID).
				OrderBy(ore.Neg(postCount)),
			pg:     `SELECT "posts"."user_id", count(*) AS "post_count" FROM "posts" GROUP BY "posts"."user_id" ORDER BY -count(*)`,
			sqlite: `SELECT "posts"."user_id", count(*) AS "post_count" FROM "posts" GROUP BY "posts"."user_id" ORDER BY -count(*)`,
		},
		{
			name:   "limit",
			stmt:   ore.Select1(Posts.Title).From(Posts).OrderBy(Posts.Views.Desc()).Limit(3),
			pg:     `SELECT "posts"."title" FROM "posts" ORDER BY "posts"."views" DESC LIMIT $1`,
			sqlite: `SELECT "posts"."title" FROM "posts" ORDER BY "posts"."views" DESC LIMIT ?`,
			args:   []any{int64(3)},
		},
		{
			name:   "limit and offset",
			stmt:   ore.Select2(Posts.ID, Posts.Title).From(Posts).OrderBy(Posts.ID).Limit(2).Offset(2),
			pg:     `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."id" LIMIT $1 OFFSET $2`,
			sqlite: `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."id" LIMIT ? OFFSET ?`,
			args:   []any{int64(2), int64(2)},
		},
		{
			// SQLite's grammar has no OFFSET without LIMIT; -1 is no limit.
			name:   "offset without limit",
			stmt:   ore.Select2(Posts.ID, Posts.Title).From(Posts).OrderBy(Posts.ID).Offset(1),
			pg:     `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."id" OFFSET $1`,
			sqlite: `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."id" LIMIT -1 OFFSET ?`,
			args:   []any{int64(1)},
		},
		{
			name:      "negative limit",
			stmt:      ore.Select1(Posts.Title).From(Posts).Limit(-1),
			pgErr:     "Limit(-1): negative",
			sqliteErr: "Limit(-1): negative",
		},
		{
			name: "limit and offset parameters",
			stmt: ore.Select2(Posts.ID, Posts.Title).From(Posts).OrderBy(Posts.ID.Desc()).
				LimitExpr(pageSize).OffsetExpr(skip),
			pg:     `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."id" DESC LIMIT $1 OFFSET $2`,
			sqlite: `SELECT "posts"."id", "posts"."title" FROM "posts" ORDER BY "posts"."id" DESC LIMIT ? OFFSET ?`,
			args:   []any{&compile.Param{Name: "page_size"}, &compile.Param{Name: "skip"}},
			params: []ore.ParamValue{pageSize.Bind(2), skip.Bind(1)},
		},
		{
			name:   "typed parameter",
			stmt:   ore.Select3(Users.ID, Users.Name, Users.Email).From(Users).Where(Users.ID.EqExpr(id)),
			pg:     `SELECT "users"."id", "users"."name", "users"."email" FROM "users" WHERE "users"."id" = $1`,
			sqlite: `SELECT "users"."id", "users"."name", "users"."email" FROM "users" WHERE "users"."id" = ?`,
			args:   []any{&compile.Param{Name: "id"}},
			params: []ore.ParamValue{id.Bind(2)},
		},
		{
			// A parameter used twice takes two placeholders, both filled
			// from the one value.
			name: "typed parameter used twice",
			stmt: ore.Select1(Users.Name).From(Users).
				Where(ore.Or(Users.ID.EqExpr(id), Users.ManagerID.EqExpr(ore.Ptr[int64](id)))),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."id" = $1 OR "users"."manager_id" = $2`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."id" = ? OR "users"."manager_id" = ?`,
			args:   []any{&compile.Param{Name: "id"}, &compile.Param{Name: "id"}},
			params: []ore.ParamValue{id.Bind(1)},
		},
		{
			name:   "shared base extended one way",
			stmt:   popular,
			pg:     `SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL AND "posts"."views" >= $1 ORDER BY "posts"."views" DESC`,
			sqlite: `SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL AND "posts"."views" >= ? ORDER BY "posts"."views" DESC`,
			args:   []any{int64(100)},
		},
		{
			name:   "shared base extended another way",
			stmt:   byAnn,
			pg:     `SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL AND "posts"."user_id" = $1 ORDER BY "posts"."id"`,
			sqlite: `SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL AND "posts"."user_id" = ? ORDER BY "posts"."id"`,
			args:   []any{int64(1)},
		},
		{
			name:   "shared base itself",
			stmt:   base,
			pg:     `SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL`,
			sqlite: `SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL`,
		},
	}
}

func selectLockCases() []sqlCase {
	p := ore.Alias(Posts, "p")
	counter := ore.Select2(Counters.Name, Counters.Value).From(Counters).Where(Counters.Name.Eq("visits"))
	const lockErr = "FOR UPDATE/FOR SHARE is not supported by sqlite"
	return []sqlCase{
		{
			name:      "for update",
			stmt:      counter.ForUpdate(),
			pg:        `SELECT "counters"."name", "counters"."value" FROM "counters" WHERE "counters"."name" = $1 FOR UPDATE`,
			sqliteErr: lockErr,
			args:      []any{"visits"},
		},
		{
			name:      "for share",
			stmt:      counter.ForShare(),
			pg:        `SELECT "counters"."name", "counters"."value" FROM "counters" WHERE "counters"."name" = $1 FOR SHARE`,
			sqliteErr: lockErr,
			args:      []any{"visits"},
		},
		{
			name:      "for no key update",
			stmt:      counter.ForNoKeyUpdate(),
			pg:        `SELECT "counters"."name", "counters"."value" FROM "counters" WHERE "counters"."name" = $1 FOR NO KEY UPDATE`,
			sqliteErr: lockErr,
			args:      []any{"visits"},
		},
		{
			name:      "for key share",
			stmt:      counter.ForKeyShare(),
			pg:        `SELECT "counters"."name", "counters"."value" FROM "counters" WHERE "counters"."name" = $1 FOR KEY SHARE`,
			sqliteErr: lockErr,
			args:      []any{"visits"},
		},
		{
			name:      "for update nowait",
			stmt:      counter.ForUpdate().NoWait(),
			pg:        `SELECT "counters"."name", "counters"."value" FROM "counters" WHERE "counters"."name" = $1 FOR UPDATE NOWAIT`,
			sqliteErr: lockErr,
			args:      []any{"visits"},
		},
		{
			// A work queue: take the oldest draft nobody else holds.
			name: "for update skip locked",
			stmt: ore.Select2(Posts.ID, Posts.Title).From(Posts).Where(Posts.PublishedAt.IsNull()).
				OrderBy(Posts.ID).Limit(1).ForUpdate().SkipLocked(),
			pg:        `SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NULL ORDER BY "posts"."id" LIMIT $1 FOR UPDATE SKIP LOCKED`,
			sqliteErr: lockErr,
			args:      []any{int64(1)},
		},
		{
			name: "for update of one table of a join",
			stmt: ore.Select2(Posts.ID, Users.Name).From(Posts).Join(Users, Users.ID.EqExpr(Posts.UserID)).
				Where(Users.Active.Eq(true)).ForUpdate().LockOf(Posts),
			pg:        `SELECT "posts"."id", "users"."name" FROM "posts" JOIN "users" ON "users"."id" = "posts"."user_id" WHERE "users"."active" = $1 FOR UPDATE OF "posts"`,
			sqliteErr: lockErr,
			args:      []any{true},
		},
		{
			// OF names the alias, as PostgreSQL requires for an aliased table.
			name: "for share of an aliased table with nowait",
			stmt: ore.Select2(p.ID, ore.Ptr(Users.Name)).From(p).LeftJoin(Users, Users.ID.EqExpr(p.UserID)).
				ForShare().LockOf(p).NoWait(),
			pg:        `SELECT "p"."id", "users"."name" FROM "posts" AS "p" LEFT JOIN "users" ON "users"."id" = "p"."user_id" FOR SHARE OF "p" NOWAIT`,
			sqliteErr: lockErr,
		},
		{
			name:      "lock of without a lock",
			stmt:      ore.Select1(Posts.ID).From(Posts).LockOf(Posts),
			pgErr:     "LockOf without ForUpdate or ForShare",
			sqliteErr: "LockOf without ForUpdate or ForShare",
		},
	}
}

// selSetMembers returns the ids of users who wrote posts ({1, 2, 4} in the
// fixture), who manage someone ({1, 2}), who are active ({1, 2, 4}) and who
// have an email ({1, 3, 4}): sets on which the grouping of set operators
// changes the result.
func selSetMembers() (authors, managers, active, withEmail ore.SelectStmt[int64]) {
	authors = ore.Select1(Posts.UserID).From(Posts)
	managers = ore.Select1(ore.Deref(Users.ManagerID)).From(Users).Where(Users.ManagerID.IsNotNull())
	active = ore.Select1(Users.ID).From(Users).Where(Users.Active.Eq(true))
	withEmail = ore.Select1(Users.ID).From(Users).Where(Users.Email.IsNotNull())
	return authors, managers, active, withEmail
}

// selMostReadAndNewest returns the title of the most read post and of the
// newest published one, as set members with their own ORDER BY and LIMIT.
func selMostReadAndNewest() (mostRead, newest ore.SelectStmt[string]) {
	mostRead = ore.Select1(Posts.Title).From(Posts).OrderBy(Posts.Views.Desc()).Limit(1)
	newest = ore.Select1(Posts.Title).From(Posts).Where(Posts.PublishedAt.IsNotNull()).
		OrderBy(Posts.PublishedAt.Desc()).Limit(1)
	return mostRead, newest
}

func selectSetOpCases() []sqlCase {
	authors, managers, active, withEmail := selSetMembers()
	mostRead, newest := selMostReadAndNewest()

	label := Users.Name.As("label")
	kind := ore.Value("user").As("kind")
	userNames := ore.Select2(label, kind).From(Users)
	tagNames := ore.Select2(Tags.Name, ore.Value("tag")).From(Tags)
	const allErr = "INTERSECT ALL/EXCEPT ALL is not supported by sqlite"

	since := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	recent := ore.With("recent_authors", ore.Select1(Posts.UserID).From(Posts).Where(Posts.PublishedAt.Gt(&since)))
	recentID := ore.Ref(recent, Posts.UserID)

	return []sqlCase{
		{
			name:   "union",
			stmt:   authors.Union(managers),
			pg:     `SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
			sqlite: `SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
		},
		{
			name:   "union all",
			stmt:   userNames.UnionAll(tagNames),
			pg:     `SELECT "users"."name" AS "label", $1 AS "kind" FROM "users" UNION ALL SELECT "tags"."name", $2 FROM "tags"`,
			sqlite: `SELECT "users"."name" AS "label", ? AS "kind" FROM "users" UNION ALL SELECT "tags"."name", ? FROM "tags"`,
			args:   []any{"user", "tag"},
		},
		{
			name:   "intersect",
			stmt:   authors.Intersect(managers),
			pg:     `SELECT "posts"."user_id" FROM "posts" INTERSECT SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
			sqlite: `SELECT "posts"."user_id" FROM "posts" INTERSECT SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
		},
		{
			name:   "except",
			stmt:   ore.Select1(Users.ID).From(Users).Except(authors),
			pg:     `SELECT "users"."id" FROM "users" EXCEPT SELECT "posts"."user_id" FROM "posts"`,
			sqlite: `SELECT "users"."id" FROM "users" EXCEPT SELECT "posts"."user_id" FROM "posts"`,
		},
		{
			name:      "intersect all",
			stmt:      authors.IntersectAll(managers),
			pg:        `SELECT "posts"."user_id" FROM "posts" INTERSECT ALL SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
			sqliteErr: allErr,
		},
		{
			name:      "except all",
			stmt:      authors.ExceptAll(managers),
			pg:        `SELECT "posts"."user_id" FROM "posts" EXCEPT ALL SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
			sqliteErr: allErr,
		},
		{
			name:   "three unions",
			stmt:   authors.Union(managers).Union(active),
			pg:     `SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL UNION SELECT "users"."id" FROM "users" WHERE "users"."active" = $1`,
			sqlite: `SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL UNION SELECT "users"."id" FROM "users" WHERE "users"."active" = ?`,
			args:   []any{true},
		},
		{
			// UNION and EXCEPT rank alike and group left to right on both
			// databases.
			name:   "union all then except",
			stmt:   authors.UnionAll(managers).Except(active),
			pg:     `SELECT "posts"."user_id" FROM "posts" UNION ALL SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL EXCEPT SELECT "users"."id" FROM "users" WHERE "users"."active" = $1`,
			sqlite: `SELECT "posts"."user_id" FROM "posts" UNION ALL SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL EXCEPT SELECT "users"."id" FROM "users" WHERE "users"."active" = ?`,
			args:   []any{true},
		},
		{
			// A member's ORDER BY and LIMIT must not apply to the whole:
			// PostgreSQL takes parenthesized members, SQLite does not and
			// reads each from a subquery instead.
			name:   "members with their own order by and limit",
			stmt:   mostRead.UnionAll(newest),
			pg:     `(SELECT "posts"."title" FROM "posts" ORDER BY "posts"."views" DESC LIMIT $1) UNION ALL (SELECT "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL ORDER BY "posts"."published_at" DESC LIMIT $2)`,
			sqlite: `SELECT * FROM (SELECT "posts"."title" FROM "posts" ORDER BY "posts"."views" DESC LIMIT ?) UNION ALL SELECT * FROM (SELECT "posts"."title" FROM "posts" WHERE "posts"."published_at" IS NOT NULL ORDER BY "posts"."published_at" DESC LIMIT ?)`,
			args:   []any{int64(1), int64(1)},
		},
		{
			// PostgreSQL ranks INTERSECT above UNION, SQLite reads left to
			// right: the left UNION is grouped so both compute the same.
			name:   "union then intersect",
			stmt:   authors.Union(managers).Intersect(withEmail),
			pg:     `(SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL) INTERSECT SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL`,
			sqlite: `SELECT * FROM (SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL) INTERSECT SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL`,
		},
		{
			// A compound on the right is always grouped: without it SQLite
			// would compute (authors UNION managers) INTERSECT withEmail.
			name:   "union of an intersect",
			stmt:   authors.Union(managers.Intersect(withEmail)),
			pg:     `SELECT "posts"."user_id" FROM "posts" UNION (SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL INTERSECT SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL)`,
			sqlite: `SELECT "posts"."user_id" FROM "posts" UNION SELECT * FROM (SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL INTERSECT SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL)`,
		},
		{
			// INTERSECT first, then UNION, means the same on both without
			// parentheses.
			name:   "intersect then union",
			stmt:   authors.Intersect(managers).Union(withEmail),
			pg:     `SELECT "posts"."user_id" FROM "posts" INTERSECT SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL UNION SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL`,
			sqlite: `SELECT "posts"."user_id" FROM "posts" INTERSECT SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL UNION SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL`,
		},
		{
			// The compound's ORDER BY sorts the combined rows by output
			// column names, so columns are written unqualified.
			name: "order by and limit on the compound",
			stmt: ore.Select1(Users.Name).From(Users).Union(ore.Select1(Tags.Name).From(Tags)).
				OrderBy(Users.Name.Desc()).Limit(3).Offset(1),
			pg:     `SELECT "users"."name" FROM "users" UNION SELECT "tags"."name" FROM "tags" ORDER BY "name" DESC LIMIT $1 OFFSET $2`,
			sqlite: `SELECT "users"."name" FROM "users" UNION SELECT "tags"."name" FROM "tags" ORDER BY "name" DESC LIMIT ? OFFSET ?`,
			args:   []any{int64(3), int64(1)},
		},
		{
			name:   "order by a label on the compound",
			stmt:   userNames.UnionAll(tagNames).OrderBy(kind, label),
			pg:     `SELECT "users"."name" AS "label", $1 AS "kind" FROM "users" UNION ALL SELECT "tags"."name", $2 FROM "tags" ORDER BY "kind", "label"`,
			sqlite: `SELECT "users"."name" AS "label", ? AS "kind" FROM "users" UNION ALL SELECT "tags"."name", ? FROM "tags" ORDER BY "kind", "label"`,
			args:   []any{"user", "tag"},
		},
		{
			// SQLite's grammar has no OFFSET without LIMIT, for compounds too.
			name:   "offset on the compound",
			stmt:   authors.Union(managers).OrderBy(Posts.UserID).Offset(1),
			pg:     `SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL ORDER BY "user_id" OFFSET $1`,
			sqlite: `SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL ORDER BY "user_id" LIMIT -1 OFFSET ?`,
			args:   []any{int64(1)},
		},
		{
			// The inner compound's ORDER BY and LIMIT are its own, so it is
			// grouped even though UNION after UNION needs no grouping.
			name:   "compound member with its own order by and limit",
			stmt:   authors.Union(managers).OrderBy(Posts.UserID).Limit(2).Union(withEmail),
			pg:     `(SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL ORDER BY "user_id" LIMIT $1) UNION SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL`,
			sqlite: `SELECT * FROM (SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL ORDER BY "user_id" LIMIT ?) UNION SELECT "users"."id" FROM "users" WHERE "users"."email" IS NOT NULL`,
			args:   []any{int64(2)},
		},
		{
			name:   "compound with a cte",
			stmt:   ore.Select1(recentID).From(recent).Union(managers).With(recent),
			pg:     `WITH "recent_authors" AS (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."published_at" > $1) SELECT "recent_authors"."user_id" FROM "recent_authors" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
			sqlite: `WITH "recent_authors" AS (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."published_at" > ?) SELECT "recent_authors"."user_id" FROM "recent_authors" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL`,
			args:   []any{&since},
		},
		{
			// A member's own WITH clause is grouped with it.
			name:   "member with its own cte",
			stmt:   managers.Union(ore.Select1(recentID).From(recent).With(recent)),
			pg:     `SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL UNION (WITH "recent_authors" AS (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."published_at" > $1) SELECT "recent_authors"."user_id" FROM "recent_authors")`,
			sqlite: `SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL UNION SELECT * FROM (WITH "recent_authors" AS (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."published_at" > ?) SELECT "recent_authors"."user_id" FROM "recent_authors")`,
			args:   []any{&since},
		},
		{
			name:   "compound in a derived table",
			stmt:   ore.Select1(ore.Count()).From(ore.Subquery(authors.Union(managers), "people")),
			pg:     `SELECT count(*) FROM (SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL) AS "people"`,
			sqlite: `SELECT count(*) FROM (SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users" WHERE "users"."manager_id" IS NOT NULL) AS "people"`,
		},
	}
}

func selectWindowCases() []sqlCase {
	byAuthor := ore.Window{}.PartitionBy(Posts.UserID).OrderBy(Posts.Views.Desc())
	inOrder := ore.Window{}.PartitionBy(Posts.UserID).OrderBy(Posts.ID)
	return []sqlCase{
		{
			name: "row number per partition",
			stmt: ore.Select3(Posts.UserID, Posts.Title, ore.Over(ore.RowNumber(), byAuthor).As("place")).
				From(Posts),
			pg:     `SELECT "posts"."user_id", "posts"."title", row_number() OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" DESC) AS "place" FROM "posts"`,
			sqlite: `SELECT "posts"."user_id", "posts"."title", row_number() OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" DESC) AS "place" FROM "posts"`,
		},
		{
			name: "rank and dense rank",
			stmt: ore.Select3(Users.Name,
				ore.Over(ore.Rank(), ore.Window{}.OrderBy(Users.Score.Desc())),
				ore.Over(ore.DenseRank(), ore.Window{}.OrderBy(Users.Active.Desc(), Users.Age))).From(Users),
			pg:     `SELECT "users"."name", rank() OVER (ORDER BY "users"."score" DESC), dense_rank() OVER (ORDER BY "users"."active" DESC, "users"."age") FROM "users"`,
			sqlite: `SELECT "users"."name", rank() OVER (ORDER BY "users"."score" DESC), dense_rank() OVER (ORDER BY "users"."active" DESC, "users"."age") FROM "users"`,
		},
		{
			name:   "ntile",
			stmt:   ore.Select2(Users.Name, ore.Over(ore.Ntile(2), ore.Window{}.OrderBy(Users.CreatedAt)).As("half")).From(Users),
			pg:     `SELECT "users"."name", ntile($1) OVER (ORDER BY "users"."created_at") AS "half" FROM "users"`,
			sqlite: `SELECT "users"."name", ntile(?) OVER (ORDER BY "users"."created_at") AS "half" FROM "users"`,
			args:   []any{int64(2)},
		},
		{
			name: "lag and lead",
			stmt: ore.Select4(Posts.Title,
				ore.Over(ore.Lag(Posts.Views, 1, ore.Value[int64](0)), inOrder).As("prev_views"),
				ore.Over(ore.Lead(Posts.Title, 1, ore.Value("(last)")), inOrder).As("next_title"),
				ore.Over(ore.Lead(Posts.PublishedAt, 2, nil), inOrder).As("later")).From(Posts),
			pg:     `SELECT "posts"."title", lag("posts"."views", $1, $2) OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."id") AS "prev_views", lead("posts"."title", $3, $4) OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."id") AS "next_title", lead("posts"."published_at", $5) OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."id") AS "later" FROM "posts"`,
			sqlite: `SELECT "posts"."title", lag("posts"."views", ?, ?) OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."id") AS "prev_views", lead("posts"."title", ?, ?) OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."id") AS "next_title", lead("posts"."published_at", ?) OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."id") AS "later" FROM "posts"`,
			args:   []any{int64(1), int64(0), int64(1), "(last)", int64(2)},
		},
		{
			name: "first value",
			stmt: ore.Select2(Posts.Title, ore.Over(ore.FirstValue(Posts.Title), byAuthor).As("authors_best")).
				From(Posts),
			pg:     `SELECT "posts"."title", first_value("posts"."title") OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" DESC) AS "authors_best" FROM "posts"`,
			sqlite: `SELECT "posts"."title", first_value("posts"."title") OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" DESC) AS "authors_best" FROM "posts"`,
		},
		{
			// The total row count next to each row of a page.
			name:   "aggregate over the whole result",
			stmt:   ore.Select2(Posts.Title, ore.Over(ore.Count(), ore.Window{}).As("total")).From(Posts).Limit(2),
			pg:     `SELECT "posts"."title", count(*) OVER () AS "total" FROM "posts" LIMIT $1`,
			sqlite: `SELECT "posts"."title", count(*) OVER () AS "total" FROM "posts" LIMIT ?`,
			args:   []any{int64(2)},
		},
		{
			name: "running total with a rows frame",
			stmt: ore.Select2(Posts.ID, ore.Over(ore.Sum(Posts.Views),
				ore.Window{}.OrderBy(Posts.ID).Rows(ore.UnboundedPreceding(), ore.CurrentRow())).As("running")).From(Posts),
			pg:     `SELECT "posts"."id", sum("posts"."views") OVER (ORDER BY "posts"."id" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "running" FROM "posts"`,
			sqlite: `SELECT "posts"."id", sum("posts"."views") OVER (ORDER BY "posts"."id" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "running" FROM "posts"`,
		},
		{
			name: "moving average with offsets",
			stmt: ore.Select2(Posts.ID, ore.Over(ore.Avg(Posts.Views),
				ore.Window{}.OrderBy(Posts.ID).Rows(ore.Preceding(1), ore.Following(1))).As("smoothed")).From(Posts),
			pg:     `SELECT "posts"."id", avg("posts"."views") OVER (ORDER BY "posts"."id" ROWS BETWEEN $1 PRECEDING AND $2 FOLLOWING) AS "smoothed" FROM "posts"`,
			sqlite: `SELECT "posts"."id", avg("posts"."views") OVER (ORDER BY "posts"."id" ROWS BETWEEN ? PRECEDING AND ? FOLLOWING) AS "smoothed" FROM "posts"`,
			args:   []any{int64(1), int64(1)},
		},
		{
			name: "range frame over the whole partition",
			stmt: ore.Select2(Posts.Title, ore.Over(ore.Max(Posts.Views), ore.Window{}.PartitionBy(Posts.UserID).
				OrderBy(Posts.Views).Range(ore.UnboundedPreceding(), ore.UnboundedFollowing()))).From(Posts),
			pg:     `SELECT "posts"."title", max("posts"."views") OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM "posts"`,
			sqlite: `SELECT "posts"."title", max("posts"."views") OVER (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM "posts"`,
		},
		{
			// Posts with views within 100 of this one's, this one excluded.
			name: "range frame with offsets excluding the current row",
			stmt: ore.Select2(Posts.Title, ore.Over(ore.Count(), ore.Window{}.OrderBy(Posts.Views).
				Range(ore.Preceding(100), ore.Following(100)).ExcludeCurrentRow()).As("similar")).From(Posts),
			pg:     `SELECT "posts"."title", count(*) OVER (ORDER BY "posts"."views" RANGE BETWEEN $1 PRECEDING AND $2 FOLLOWING EXCLUDE CURRENT ROW) AS "similar" FROM "posts"`,
			sqlite: `SELECT "posts"."title", count(*) OVER (ORDER BY "posts"."views" RANGE BETWEEN ? PRECEDING AND ? FOLLOWING EXCLUDE CURRENT ROW) AS "similar" FROM "posts"`,
			args:   []any{int64(100), int64(100)},
		},
		{
			name: "groups frame excluding ties",
			stmt: ore.Select2(Users.Name, ore.Over(ore.Sum(Users.Score), ore.Window{}.OrderBy(Users.Active).
				Groups(ore.Preceding(1), ore.CurrentRow()).ExcludeTies())).From(Users),
			pg:     `SELECT "users"."name", sum("users"."score") OVER (ORDER BY "users"."active" GROUPS BETWEEN $1 PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM "users"`,
			sqlite: `SELECT "users"."name", sum("users"."score") OVER (ORDER BY "users"."active" GROUPS BETWEEN ? PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM "users"`,
			args:   []any{int64(1)},
		},
		{
			name: "groups frame excluding the group",
			stmt: ore.Select2(Users.Name, ore.Over(ore.CountOf(Users.Email), ore.Window{}.OrderBy(Users.Active).
				Groups(ore.CurrentRow(), ore.UnboundedFollowing()).ExcludeGroup())).From(Users),
			pg:     `SELECT "users"."name", count("users"."email") OVER (ORDER BY "users"."active" GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP) FROM "users"`,
			sqlite: `SELECT "users"."name", count("users"."email") OVER (ORDER BY "users"."active" GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP) FROM "users"`,
		},
		{
			// The WINDOW clause comes after HAVING and before ORDER BY.
			name: "named window",
			stmt: ore.Select3(Posts.Title,
				ore.OverWindow(ore.RowNumber(), "by_author").As("place"),
				ore.OverWindow(ore.Sum(Posts.Views), "by_author").As("views_so_far")).
				From(Posts).Window("by_author", byAuthor).OrderBy(Posts.UserID),
			pg:     `SELECT "posts"."title", row_number() OVER "by_author" AS "place", sum("posts"."views") OVER "by_author" AS "views_so_far" FROM "posts" WINDOW "by_author" AS (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" DESC) ORDER BY "posts"."user_id"`,
			sqlite: `SELECT "posts"."title", row_number() OVER "by_author" AS "place", sum("posts"."views") OVER "by_author" AS "views_so_far" FROM "posts" WINDOW "by_author" AS (PARTITION BY "posts"."user_id" ORDER BY "posts"."views" DESC) ORDER BY "posts"."user_id"`,
		},
		{
			name: "window building on a named window",
			stmt: ore.Select2(Posts.Title, ore.Over(ore.Sum(Posts.Views),
				ore.Window{}.Base("w").Rows(ore.UnboundedPreceding(), ore.CurrentRow()))).
				From(Posts).Window("w", inOrder),
			pg:     `SELECT "posts"."title", sum("posts"."views") OVER ("w" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM "posts" WINDOW "w" AS (PARTITION BY "posts"."user_id" ORDER BY "posts"."id")`,
			sqlite: `SELECT "posts"."title", sum("posts"."views") OVER ("w" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM "posts" WINDOW "w" AS (PARTITION BY "posts"."user_id" ORDER BY "posts"."id")`,
		},
		{
			// In a window's ORDER BY a label stands for its expression:
			// output names are not visible there.
			name: "window ordered by a labelled aggregate",
			stmt: ore.Select3(Posts.UserID, ore.Count().As("post_count"),
				ore.Over(ore.Rank(), ore.Window{}.OrderBy(ore.Count().As("post_count").Desc())).As("place")).
				From(Posts).GroupBy(Posts.UserID),
			pg:     `SELECT "posts"."user_id", count(*) AS "post_count", rank() OVER (ORDER BY count(*) DESC) AS "place" FROM "posts" GROUP BY "posts"."user_id"`,
			sqlite: `SELECT "posts"."user_id", count(*) AS "post_count", rank() OVER (ORDER BY count(*) DESC) AS "place" FROM "posts" GROUP BY "posts"."user_id"`,
		},
		{
			name: "filter on aggregates",
			stmt: ore.Select3(Posts.UserID, ore.Count().As("posts"),
				ore.Filter(ore.Count(), Posts.PublishedAt.IsNotNull()).As("published")).
				From(Posts).GroupBy(Posts.UserID),
			pg:     `SELECT "posts"."user_id", count(*) AS "posts", count(*) FILTER (WHERE "posts"."published_at" IS NOT NULL) AS "published" FROM "posts" GROUP BY "posts"."user_id"`,
			sqlite: `SELECT "posts"."user_id", count(*) AS "posts", count(*) FILTER (WHERE "posts"."published_at" IS NOT NULL) AS "published" FROM "posts" GROUP BY "posts"."user_id"`,
		},
		{
			name: "filtered aggregate as a window function",
			stmt: ore.Select2(Posts.Title, ore.Over(
				ore.Filter(ore.Sum(Posts.Views), ore.And(Posts.PublishedAt.IsNotNull(), Posts.Views.Gt(20))),
				ore.Window{}.PartitionBy(Posts.UserID)).As("published_views")).From(Posts),
			pg:     `SELECT "posts"."title", sum("posts"."views") FILTER (WHERE "posts"."published_at" IS NOT NULL AND "posts"."views" > $1) OVER (PARTITION BY "posts"."user_id") AS "published_views" FROM "posts"`,
			sqlite: `SELECT "posts"."title", sum("posts"."views") FILTER (WHERE "posts"."published_at" IS NOT NULL AND "posts"."views" > ?) OVER (PARTITION BY "posts"."user_id") AS "published_views" FROM "posts"`,
			args:   []any{int64(20)},
		},
		{
			name:      "filter on something not a function",
			stmt:      ore.Select1(ore.Filter(Posts.Views, Posts.Views.Gt(1))).From(Posts),
			pgErr:     "Filter needs a function call",
			sqliteErr: "Filter needs a function call",
		},
	}
}

func selectSubqueryCases() []sqlCase {
	p2 := ore.Alias(Posts, "p2")
	return []sqlCase{
		{
			name: "correlated scalar subquery in the select list",
			stmt: ore.Select2(Users.Name, ore.ScalarSubquery(ore.Select1(ore.Count()).From(Posts).
				Where(Posts.UserID.EqExpr(Users.ID))).As("post_count")).From(Users).OrderBy(Users.ID),
			pg:     `SELECT "users"."name", (SELECT count(*) FROM "posts" WHERE "posts"."user_id" = "users"."id") AS "post_count" FROM "users" ORDER BY "users"."id"`,
			sqlite: `SELECT "users"."name", (SELECT count(*) FROM "posts" WHERE "posts"."user_id" = "users"."id") AS "post_count" FROM "users" ORDER BY "users"."id"`,
		},
		{
			// The inner "users" is the subquery's own FROM item, not the
			// outer one.
			name: "scalar subquery in where",
			stmt: ore.Select1(Users.Name).From(Users).
				Where(Users.Score.GtExpr(ore.ScalarSubquery(ore.Select1(ore.Avg(Users.Score)).From(Users)))),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."score" > (SELECT avg("users"."score") FROM "users")`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."score" > (SELECT avg("users"."score") FROM "users")`,
		},
		{
			// Posts read more than their author's average.
			name: "correlated subquery over an alias of the outer table",
			stmt: ore.Select1(Posts.Title).From(Posts).Where(Posts.Views.GtExpr(ore.ScalarSubquery(
				ore.Select1(ore.Cast[int64](ore.Avg(p2.Views))).From(p2).Where(p2.UserID.EqExpr(Posts.UserID))))),
			pg:     `SELECT "posts"."title" FROM "posts" WHERE "posts"."views" > (SELECT CAST(avg("p2"."views") AS bigint) FROM "posts" AS "p2" WHERE "p2"."user_id" = "posts"."user_id")`,
			sqlite: `SELECT "posts"."title" FROM "posts" WHERE "posts"."views" > (SELECT CAST(avg("p2"."views") AS INTEGER) FROM "posts" AS "p2" WHERE "p2"."user_id" = "posts"."user_id")`,
		},
		{
			name: "exists",
			stmt: ore.Select1(Users.Name).From(Users).Where(ore.Exists(ore.Select1(Posts.ID).From(Posts).
				Where(Posts.UserID.EqExpr(Users.ID), Posts.PublishedAt.IsNotNull()))),
			pg:     `SELECT "users"."name" FROM "users" WHERE EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id" AND "posts"."published_at" IS NOT NULL)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id" AND "posts"."published_at" IS NOT NULL)`,
		},
		{
			name: "not exists",
			stmt: ore.Select1(Tags.Name).From(Tags).Where(ore.NotExists(ore.Select1(PostTags.PostID).From(PostTags).
				Where(PostTags.TagID.EqExpr(Tags.ID)))),
			pg:     `SELECT "tags"."name" FROM "tags" WHERE NOT EXISTS (SELECT "post_tags"."post_id" FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id")`,
			sqlite: `SELECT "tags"."name" FROM "tags" WHERE NOT EXISTS (SELECT "post_tags"."post_id" FROM "post_tags" WHERE "post_tags"."tag_id" = "tags"."id")`,
		},
		{
			name: "exists or a condition",
			stmt: ore.Select1(Users.Name).From(Users).Where(ore.Or(Users.ManagerID.IsNull(),
				ore.Exists(ore.Select1(Posts.ID).From(Posts).Where(Posts.UserID.EqExpr(Users.ID))))),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."manager_id" IS NULL OR EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id")`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."manager_id" IS NULL OR EXISTS (SELECT "posts"."id" FROM "posts" WHERE "posts"."user_id" = "users"."id")`,
		},
		{
			name: "in subquery",
			stmt: ore.Select1(Users.Name).From(Users).
				Where(Users.ID.InQuery(ore.Select1(Posts.UserID).From(Posts).Where(Posts.Views.Gt(100)))),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."views" > $1)`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."views" > ?)`,
			args:   []any{int64(100)},
		},
		{
			name: "not in subquery",
			stmt: ore.Select1(Tags.Name).From(Tags).
				Where(Tags.ID.NotInQuery(ore.Select1(PostTags.TagID).From(PostTags))),
			pg:     `SELECT "tags"."name" FROM "tags" WHERE "tags"."id" NOT IN (SELECT "post_tags"."tag_id" FROM "post_tags")`,
			sqlite: `SELECT "tags"."name" FROM "tags" WHERE "tags"."id" NOT IN (SELECT "post_tags"."tag_id" FROM "post_tags")`,
		},
		{
			name: "in a compound subquery",
			stmt: ore.Select1(Users.Name).From(Users).Where(Users.ID.InQuery(
				ore.Select1(Posts.UserID).From(Posts).Union(ore.Select1(ore.Deref(Users.ManagerID)).From(Users)))),
			pg:     `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users")`,
			sqlite: `SELECT "users"."name" FROM "users" WHERE "users"."id" IN (SELECT "posts"."user_id" FROM "posts" UNION SELECT "users"."manager_id" FROM "users")`,
		},
		{
			// A scalar subquery is a primary: arithmetic around it adds no
			// parentheses of its own.
			name: "scalar subquery in arithmetic",
			stmt: ore.Select2(Posts.Title, ore.Sub(Posts.Views, ore.ScalarSubquery(
				ore.Select1(ore.Min(p2.Views)).From(p2))).As("above_least")).From(Posts),
			pg:     `SELECT "posts"."title", "posts"."views" - (SELECT min("p2"."views") FROM "posts" AS "p2") AS "above_least" FROM "posts"`,
			sqlite: `SELECT "posts"."title", "posts"."views" - (SELECT min("p2"."views") FROM "posts" AS "p2") AS "above_least" FROM "posts"`,
		},
	}
}
