package ore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/testdb"
)

func dmlPtr[T any](v T) *T { return &v }

var dmlTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func TestSQLDML(t *testing.T) {
	aliasedCounters := ore.Alias(Counters, "c")
	aliasedUsers := ore.Alias(Users, "u")
	aliasedPosts := ore.Alias(Posts, "p")
	tagSource := ore.With("src", ore.Select1(ore.Concat(Users.Name, ore.Value("-tag")).As("label")).
		From(Users).Where(Users.Age.Gt(30)))
	gone := ore.With("gone", ore.Delete(PostTags).Where(PostTags.TagID.Eq(3)).Returning(PostTags.PostID))

	runSQLCases(t, []sqlCase{
		// INSERT
		{
			name: "insert one row",
			stmt: ore.Insert(Users).Values(Users.Name.To("eve"), Users.Email.To(dmlPtr("eve@example.com")),
				Users.Age.To(29), Users.CreatedAt.To(dmlTime)),
			pg:     `INSERT INTO "users" ("name", "email", "age", "created_at") VALUES ($1, $2, $3, $4)`,
			sqlite: `INSERT INTO "users" ("name", "email", "age", "created_at") VALUES (?, ?, ?, ?)`,
			args:   []any{"eve", dmlPtr("eve@example.com"), int32(29), dmlTime},
		},
		{
			// Each row's values land in the first row's column order.
			name: "insert many rows with columns in any order",
			stmt: ore.Insert(Counters).
				Values(Counters.Name.To("a"), Counters.Value.To(1)).
				Values(Counters.Value.To(2), Counters.Name.To("b")).
				Values(Counters.Name.To("c"), Counters.Value.To(3)),
			pg:     `INSERT INTO "counters" ("name", "value") VALUES ($1, $2), ($3, $4), ($5, $6)`,
			sqlite: `INSERT INTO "counters" ("name", "value") VALUES (?, ?), (?, ?), (?, ?)`,
			args:   []any{"a", int64(1), "b", int64(2), "c", int64(3)},
		},
		{
			name: "insert expressions and a scalar subquery",
			stmt: ore.Insert(Counters).Values(Counters.Name.ToExpr(ore.Lower(ore.Value("POSTS"))),
				Counters.Value.ToExpr(ore.ScalarSubquery(ore.Select1(ore.Count()).From(Posts)))),
			pg:     `INSERT INTO "counters" ("name", "value") VALUES (lower($1), (SELECT count(*) FROM "posts"))`,
			sqlite: `INSERT INTO "counters" ("name", "value") VALUES (lower(?), (SELECT count(*) FROM "posts"))`,
			args:   []any{"POSTS"},
		},
		{
			name: "insert select",
			stmt: ore.Insert(Tags).Columns(Tags.Name).
				Select(ore.Select1(ore.Lower(Users.Name)).From(Users).Where(Users.Active.Eq(false))),
			pg:     `INSERT INTO "tags" ("name") SELECT lower("users"."name") FROM "users" WHERE "users"."active" = $1`,
			sqlite: `INSERT INTO "tags" ("name") SELECT lower("users"."name") FROM "users" WHERE "users"."active" = ?`,
			args:   []any{false},
		},
		{
			name: "insert select from the target table",
			stmt: ore.Insert(Counters).Columns(Counters.Name, Counters.Value).
				Select(ore.Select2(ore.Concat(Counters.Name, ore.Value("_copy")), Counters.Value).From(Counters)),
			pg:     `INSERT INTO "counters" ("name", "value") SELECT "counters"."name" || $1, "counters"."value" FROM "counters"`,
			sqlite: `INSERT INTO "counters" ("name", "value") SELECT "counters"."name" || ?, "counters"."value" FROM "counters"`,
			args:   []any{"_copy"},
		},
		{
			name:   "insert default values",
			stmt:   ore.Insert(Counters).DefaultValues(),
			pg:     `INSERT INTO "counters" DEFAULT VALUES`,
			sqlite: `INSERT INTO "counters" DEFAULT VALUES`,
			// Every fixture table has a NOT NULL column without a default
			// (counters.name here), so the row cannot be stored.
			prepareOnly: true,
		},
		{
			// SQLite has no DEFAULT keyword in VALUES: the statement must
			// not compile to SQL that SQLite cannot parse.
			name:      "insert to default",
			stmt:      ore.Insert(Users).Values(Users.Name.To("fay"), Users.Age.ToDefault(), Users.Active.ToDefault()),
			pg:        `INSERT INTO "users" ("name", "age", "active") VALUES ($1, DEFAULT, DEFAULT)`,
			args:      []any{"fay"},
			sqliteErr: "DEFAULT",
		},
		{
			name: "insert returning columns, labels and expressions",
			stmt: ore.Insert(Counters).Values(Counters.Name.To("new"), Counters.Value.To(5)).
				Returning(Counters.Name, Counters.Value.As("v"), ore.Mul(Counters.Value, ore.Value[int64](2)).As("double")),
			pg:     `INSERT INTO "counters" ("name", "value") VALUES ($1, $2) RETURNING "counters"."name", "counters"."value" AS "v", "counters"."value" * $3 AS "double"`,
			sqlite: `INSERT INTO "counters" ("name", "value") VALUES (?, ?) RETURNING "counters"."name", "counters"."value" AS "v", "counters"."value" * ? AS "double"`,
			args:   []any{"new", int64(5), int64(2)},
		},
		{
			name:   "insert returning star",
			stmt:   ore.Insert(Tags).Values(Tags.Name.To("rust")).Returning(ore.Star()),
			pg:     `INSERT INTO "tags" ("name") VALUES ($1) RETURNING *`,
			sqlite: `INSERT INTO "tags" ("name") VALUES (?) RETURNING *`,
			args:   []any{"rust"},
		},
		{
			// SQLite rejects "table".* in RETURNING; for the target table it
			// means the same as *.
			name:   "insert returning table star",
			stmt:   ore.Insert(Tags).Values(Tags.Name.To("zig")).Returning(Tags.Star()),
			pg:     `INSERT INTO "tags" ("name") VALUES ($1) RETURNING "tags".*`,
			sqlite: `INSERT INTO "tags" ("name") VALUES (?) RETURNING *`,
			args:   []any{"zig"},
		},
		{
			// 'ANN' collides with 'ann' in the partial unique index
			// users_lower_name, on lower(name) WHERE active; without a
			// target every unique index counts.
			name:   "on conflict do nothing without target",
			stmt:   ore.Insert(Users).Values(Users.Name.To("ANN")).DoNothing(),
			pg:     `INSERT INTO "users" ("name") VALUES ($1) ON CONFLICT DO NOTHING`,
			sqlite: `INSERT INTO "users" ("name") VALUES (?) ON CONFLICT DO NOTHING`,
			args:   []any{"ANN"},
		},
		{
			// The same index named as the target: its expression and its
			// predicate, written unqualified as in CREATE INDEX.
			name: "on conflict on an expression index with a predicate",
			stmt: ore.Insert(Users).Values(Users.Name.To("ANN"), Users.Active.To(true)).
				OnConflict(ore.Lower(Users.Name)).OnConflictWhere(Users.Active).DoNothing(),
			pg:     `INSERT INTO "users" ("name", "active") VALUES ($1, $2) ON CONFLICT (lower("name")) WHERE "active" DO NOTHING`,
			sqlite: `INSERT INTO "users" ("name", "active") VALUES (?, ?) ON CONFLICT (lower("name")) WHERE "active" DO NOTHING`,
			args:   []any{"ANN", true},
		},
		{
			name:   "on conflict columns do nothing",
			stmt:   ore.Insert(Tags).Values(Tags.Name.To("go")).OnConflict(Tags.Name).DoNothing(),
			pg:     `INSERT INTO "tags" ("name") VALUES ($1) ON CONFLICT ("name") DO NOTHING`,
			sqlite: `INSERT INTO "tags" ("name") VALUES (?) ON CONFLICT ("name") DO NOTHING`,
			args:   []any{"go"},
		},
		{
			name: "upsert adding to the existing value",
			stmt: ore.Insert(Counters).Values(Counters.Name.To("visits"), Counters.Value.To(1)).
				OnConflict(Counters.Name).
				DoUpdate(Counters.Value.ToExpr(ore.Add(Counters.Value, ore.Excluded(Counters.Value)))).
				Returning(Counters.Value),
			pg:     `INSERT INTO "counters" ("name", "value") VALUES ($1, $2) ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + excluded."value" RETURNING "counters"."value"`,
			sqlite: `INSERT INTO "counters" ("name", "value") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + excluded."value" RETURNING "counters"."value"`,
			args:   []any{"visits", int64(1)},
		},
		{
			name: "upsert of several columns",
			stmt: ore.Insert(Users).
				Values(Users.Name.To("ann2"), Users.Email.To(dmlPtr("ann@example.com")), Users.Score.To(1.5)).
				OnConflict(Users.Email).
				DoUpdate(Users.Name.ToExpr(ore.Excluded(Users.Name)),
					Users.Score.ToExpr(ore.Mul(ore.Add(Users.Score, ore.Excluded(Users.Score)), ore.Value(2.0)))),
			pg:     `INSERT INTO "users" ("name", "email", "score") VALUES ($1, $2, $3) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name", "score" = ("users"."score" + excluded."score") * $4`,
			sqlite: `INSERT INTO "users" ("name", "email", "score") VALUES (?, ?, ?) ON CONFLICT ("email") DO UPDATE SET "name" = excluded."name", "score" = ("users"."score" + excluded."score") * ?`,
			args:   []any{"ann2", dmlPtr("ann@example.com"), 1.5, 2.0},
		},
		{
			name: "upsert do update where",
			stmt: ore.Insert(Counters).Values(Counters.Name.To("likes"), Counters.Value.To(7)).
				OnConflict(Counters.Name).
				DoUpdate(Counters.Value.ToExpr(ore.Excluded(Counters.Value))).
				DoUpdateWhere(Counters.Value.LtExpr(ore.Excluded(Counters.Value)), Counters.Value.Ge(0)),
			pg:     `INSERT INTO "counters" ("name", "value") VALUES ($1, $2) ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value" WHERE "counters"."value" < excluded."value" AND "counters"."value" >= $3`,
			sqlite: `INSERT INTO "counters" ("name", "value") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value" WHERE "counters"."value" < excluded."value" AND "counters"."value" >= ?`,
			args:   []any{"likes", int64(7), int64(0)},
		},
		{
			// An index predicate infers any unique index whose rows it
			// covers, partial or not: here the plain unique index on email.
			name: "on conflict with an index predicate",
			stmt: ore.Insert(Users).Values(Users.Name.To("cid2"), Users.Email.To(dmlPtr("cid@example.com"))).
				OnConflict(Users.Email).OnConflictWhere(Users.Active).DoNothing(),
			pg:     `INSERT INTO "users" ("name", "email") VALUES ($1, $2) ON CONFLICT ("email") WHERE "active" DO NOTHING`,
			sqlite: `INSERT INTO "users" ("name", "email") VALUES (?, ?) ON CONFLICT ("email") WHERE "active" DO NOTHING`,
			args:   []any{"cid2", dmlPtr("cid@example.com")},
		},
		{
			name: "upsert into an aliased table",
			stmt: ore.Insert(aliasedCounters).Values(aliasedCounters.Name.To("likes"), aliasedCounters.Value.To(1)).
				OnConflict(aliasedCounters.Name).
				DoUpdate(aliasedCounters.Value.ToExpr(ore.Add(aliasedCounters.Value, ore.Excluded(aliasedCounters.Value)))).
				Returning(aliasedCounters.Value),
			pg: `INSERT INTO "counters" AS "c" ("name", "value") VALUES ($1, $2) ON CONFLICT ("name") DO UPDATE SET "value" = "c"."value" + excluded."value" RETURNING "c"."value"`,
			// SQLite resolves RETURNING by the table's own name.
			sqlite: `INSERT INTO "counters" AS "c" ("name", "value") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "value" = "c"."value" + excluded."value" RETURNING "counters"."value"`,
			args:   []any{"likes", int64(1)},
		},
		{
			name: "on conflict on constraint",
			stmt: ore.Insert(Counters).Values(Counters.Name.To("visits"), Counters.Value.To(1)).
				OnConstraint("counters_pkey").DoNothing(),
			pg:        `INSERT INTO "counters" ("name", "value") VALUES ($1, $2) ON CONFLICT ON CONSTRAINT "counters_pkey" DO NOTHING`,
			args:      []any{"visits", int64(1)},
			sqliteErr: "ON CONFLICT ON CONSTRAINT is not supported by sqlite",
		},
		{
			// SQLite would read ON CONFLICT right after FROM as a join
			// constraint, hence WHERE TRUE.
			name: "insert select on conflict",
			stmt: ore.Insert(Tags).Columns(Tags.Name).
				Select(ore.Select1(ore.Lower(Users.Name)).From(Users)).
				OnConflict(Tags.Name).DoNothing(),
			pg:     `INSERT INTO "tags" ("name") SELECT lower("users"."name") FROM "users" ON CONFLICT ("name") DO NOTHING`,
			sqlite: `INSERT INTO "tags" ("name") SELECT lower("users"."name") FROM "users" WHERE TRUE ON CONFLICT ("name") DO NOTHING`,
		},
		{
			name: "insert select with where on conflict do update",
			stmt: ore.Insert(Counters).Columns(Counters.Name, Counters.Value).
				Select(ore.Select2(Counters.Name, Counters.Value).From(Counters).Where(Counters.Value.Gt(5))).
				OnConflict(Counters.Name).
				DoUpdate(Counters.Value.ToExpr(ore.Add(Counters.Value, ore.Excluded(Counters.Value)))),
			pg:     `INSERT INTO "counters" ("name", "value") SELECT "counters"."name", "counters"."value" FROM "counters" WHERE "counters"."value" > $1 ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + excluded."value"`,
			sqlite: `INSERT INTO "counters" ("name", "value") SELECT "counters"."name", "counters"."value" FROM "counters" WHERE "counters"."value" > ? ON CONFLICT ("name") DO UPDATE SET "value" = "counters"."value" + excluded."value"`,
			args:   []any{int64(5)},
		},
		{
			// The parse ambiguity is at the end of the last SELECT of a
			// compound query too.
			name: "insert union on conflict",
			stmt: ore.Insert(Tags).Columns(Tags.Name).
				Select(ore.Select1(ore.Lower(Users.Name)).From(Users).
					Union(ore.Select1(ore.Lower(Posts.Title)).From(Posts))).
				OnConflict(Tags.Name).DoNothing(),
			pg:     `INSERT INTO "tags" ("name") SELECT lower("users"."name") FROM "users" UNION SELECT lower("posts"."title") FROM "posts" ON CONFLICT ("name") DO NOTHING`,
			sqlite: `INSERT INTO "tags" ("name") SELECT lower("users"."name") FROM "users" UNION SELECT lower("posts"."title") FROM "posts" WHERE TRUE ON CONFLICT ("name") DO NOTHING`,
		},
		{
			name: "insert with a common table expression",
			stmt: ore.Insert(Tags).With(tagSource).Columns(Tags.Name).
				Select(ore.Select1(ore.Column[string](tagSource, "label")).From(tagSource)),
			pg:     `WITH "src" AS (SELECT "users"."name" || $1 AS "label" FROM "users" WHERE "users"."age" > $2) INSERT INTO "tags" ("name") SELECT "src"."label" FROM "src"`,
			sqlite: `WITH "src" AS (SELECT "users"."name" || ? AS "label" FROM "users" WHERE "users"."age" > ?) INSERT INTO "tags" ("name") SELECT "src"."label" FROM "src"`,
			args:   []any{"-tag", int32(30)},
		},

		// UPDATE
		{
			name:   "update with values",
			stmt:   ore.Update(Users).Set(Users.Name.To("anna"), Users.Age.To(35)).Where(Users.ID.Eq(1)),
			pg:     `UPDATE "users" SET "name" = $1, "age" = $2 WHERE "users"."id" = $3`,
			sqlite: `UPDATE "users" SET "name" = ?, "age" = ? WHERE "users"."id" = ?`,
			args:   []any{"anna", int32(35), int64(1)},
		},
		{
			name: "update with expressions over several Set calls",
			stmt: ore.Update(Posts).
				Set(Posts.Views.ToExpr(ore.Add(Posts.Views, ore.Value[int64](1)))).
				Set(Posts.Title.ToExpr(ore.Upper(Posts.Title)), Posts.PublishedAt.ToExpr(ore.Ptr(ore.Now()))).
				Where(Posts.PublishedAt.IsNull()),
			pg:     `UPDATE "posts" SET "views" = "posts"."views" + $1, "title" = upper("posts"."title"), "published_at" = CURRENT_TIMESTAMP WHERE "posts"."published_at" IS NULL`,
			sqlite: `UPDATE "posts" SET "views" = "posts"."views" + ?, "title" = upper("posts"."title"), "published_at" = CURRENT_TIMESTAMP WHERE "posts"."published_at" IS NULL`,
			args:   []any{int64(1)},
		},
		{
			name: "update from another table",
			stmt: ore.Update(Posts).
				Set(Posts.Title.ToExpr(ore.Concat(Users.Name, ore.Value(": "), Posts.Title)), Posts.Views.To(0)).
				From(Users).
				Where(Posts.UserID.EqExpr(Users.ID), Users.Age.Lt(30)),
			pg:     `UPDATE "posts" SET "title" = "users"."name" || $1 || "posts"."title", "views" = $2 FROM "users" WHERE "posts"."user_id" = "users"."id" AND "users"."age" < $3`,
			sqlite: `UPDATE "posts" SET "title" = "users"."name" || ? || "posts"."title", "views" = ? FROM "users" WHERE "posts"."user_id" = "users"."id" AND "users"."age" < ?`,
			args:   []any{": ", int64(0), int32(30)},
		},
		{
			// SQLite's RETURNING can only name the target table's columns,
			// not those of the FROM tables.
			name: "update from returning a column of the from table",
			stmt: ore.Update(Posts).Set(Posts.Views.To(0)).From(Users).
				Where(Posts.UserID.EqExpr(Users.ID)).
				Returning(Posts.ID, Users.Name),
			pg:        `UPDATE "posts" SET "views" = $1 FROM "users" WHERE "posts"."user_id" = "users"."id" RETURNING "posts"."id", "users"."name"`,
			args:      []any{int64(0)},
			sqliteErr: "RETURNING",
		},
		{
			name: "update with a correlated subquery in set",
			stmt: ore.Update(Users).Set(Users.Score.ToExpr(ore.Coalesce(
				ore.ScalarSubquery(ore.Select1(ore.Avg(Posts.Views)).From(Posts).Where(Posts.UserID.EqExpr(Users.ID))),
				ore.Value(0.0)))),
			pg:     `UPDATE "users" SET "score" = coalesce((SELECT avg("posts"."views") FROM "posts" WHERE "posts"."user_id" = "users"."id"), $1)`,
			sqlite: `UPDATE "users" SET "score" = coalesce((SELECT avg("posts"."views") FROM "posts" WHERE "posts"."user_id" = "users"."id"), ?)`,
			args:   []any{0.0},
		},
		{
			name: "update with subqueries in where",
			stmt: ore.Update(Posts).Set(Posts.Views.To(0)).
				Where(Posts.UserID.InQuery(ore.Select1(Users.ID).From(Users).Where(Users.Active.Eq(true))),
					ore.Exists(ore.Select1(PostTags.TagID).From(PostTags).Where(PostTags.PostID.EqExpr(Posts.ID)))),
			pg:     `UPDATE "posts" SET "views" = $1 WHERE "posts"."user_id" IN (SELECT "users"."id" FROM "users" WHERE "users"."active" = $2) AND EXISTS (SELECT "post_tags"."tag_id" FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id")`,
			sqlite: `UPDATE "posts" SET "views" = ? WHERE "posts"."user_id" IN (SELECT "users"."id" FROM "users" WHERE "users"."active" = ?) AND EXISTS (SELECT "post_tags"."tag_id" FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id")`,
			args:   []any{int64(0), true},
		},
		{
			name: "update returning",
			stmt: ore.Update(Counters).Set(Counters.Value.ToExpr(ore.Mul(Counters.Value, ore.Value[int64](2)))).
				Where(Counters.Name.Eq("visits")).
				Returning(Counters.Name, Counters.Value.As("doubled")),
			pg:     `UPDATE "counters" SET "value" = "counters"."value" * $1 WHERE "counters"."name" = $2 RETURNING "counters"."name", "counters"."value" AS "doubled"`,
			sqlite: `UPDATE "counters" SET "value" = "counters"."value" * ? WHERE "counters"."name" = ? RETURNING "counters"."name", "counters"."value" AS "doubled"`,
			args:   []any{int64(2), "visits"},
		},
		{
			name: "update of an aliased table returning",
			stmt: ore.Update(aliasedUsers).Set(aliasedUsers.Score.ToExpr(ore.Add(aliasedUsers.Score, ore.Value(0.5)))).
				Where(aliasedUsers.ID.Eq(2)).
				Returning(aliasedUsers.ID, aliasedUsers.Score),
			pg: `UPDATE "users" AS "u" SET "score" = "u"."score" + $1 WHERE "u"."id" = $2 RETURNING "u"."id", "u"."score"`,
			// SQLite resolves RETURNING by the table's own name.
			sqlite: `UPDATE "users" AS "u" SET "score" = "u"."score" + ? WHERE "u"."id" = ? RETURNING "users"."id", "users"."score"`,
			args:   []any{0.5, int64(2)},
		},
		{
			// As in VALUES, SQLite has no DEFAULT in SET.
			name:      "update to default",
			stmt:      ore.Update(Users).Set(Users.Score.ToDefault()).Where(Users.ID.Eq(3)),
			pg:        `UPDATE "users" SET "score" = DEFAULT WHERE "users"."id" = $1`,
			args:      []any{int64(3)},
			sqliteErr: "DEFAULT",
		},

		// DELETE
		{
			name:   "delete with where",
			stmt:   ore.Delete(PostTags).Where(PostTags.TagID.Eq(2)),
			pg:     `DELETE FROM "post_tags" WHERE "post_tags"."tag_id" = $1`,
			sqlite: `DELETE FROM "post_tags" WHERE "post_tags"."tag_id" = ?`,
			args:   []any{int64(2)},
		},
		{
			name:   "delete every row",
			stmt:   ore.Delete(PostTags),
			pg:     `DELETE FROM "post_tags"`,
			sqlite: `DELETE FROM "post_tags"`,
		},
		{
			name:   "delete using",
			stmt:   ore.Delete(Posts).Using(Users).Where(Posts.UserID.EqExpr(Users.ID), Users.Age.Gt(30)),
			pg:     `DELETE FROM "posts" USING "users" WHERE "posts"."user_id" = "users"."id" AND "users"."age" > $1`,
			sqlite: `DELETE FROM "posts" WHERE EXISTS (SELECT 1 FROM "users" WHERE "posts"."user_id" = "users"."id" AND "users"."age" > ?)`,
			args:   []any{int32(30)},
		},
		{
			name: "delete using two tables returning",
			stmt: ore.Delete(Posts).Using(PostTags, Tags).
				Where(PostTags.PostID.EqExpr(Posts.ID), PostTags.TagID.EqExpr(Tags.ID), Tags.Name.Eq("go")).
				Returning(Posts.ID, Posts.Title),
			pg:     `DELETE FROM "posts" USING "post_tags", "tags" WHERE "post_tags"."post_id" = "posts"."id" AND "post_tags"."tag_id" = "tags"."id" AND "tags"."name" = $1 RETURNING "posts"."id", "posts"."title"`,
			sqlite: `DELETE FROM "posts" WHERE EXISTS (SELECT 1 FROM "post_tags", "tags" WHERE "post_tags"."post_id" = "posts"."id" AND "post_tags"."tag_id" = "tags"."id" AND "tags"."name" = ?) RETURNING "posts"."id", "posts"."title"`,
			args:   []any{"go"},
		},
		{
			// The USING tables are inside EXISTS on SQLite, out of
			// RETURNING's reach: no rewrite can keep this statement.
			name: "delete using returning a column of the using table",
			stmt: ore.Delete(Posts).Using(Users).Where(Posts.UserID.EqExpr(Users.ID)).
				Returning(Posts.ID, Users.Name),
			pg:        `DELETE FROM "posts" USING "users" WHERE "posts"."user_id" = "users"."id" RETURNING "posts"."id", "users"."name"`,
			sqliteErr: "RETURNING",
		},
		{
			name:   "delete returning",
			stmt:   ore.Delete(Counters).Where(Counters.Value.Lt(5)).Returning(Counters.Name, Counters.Value),
			pg:     `DELETE FROM "counters" WHERE "counters"."value" < $1 RETURNING "counters"."name", "counters"."value"`,
			sqlite: `DELETE FROM "counters" WHERE "counters"."value" < ? RETURNING "counters"."name", "counters"."value"`,
			args:   []any{int64(5)},
		},
		{
			name:   "delete from an aliased table returning",
			stmt:   ore.Delete(aliasedPosts).Where(aliasedPosts.Views.Lt(50)).Returning(aliasedPosts.ID),
			pg:     `DELETE FROM "posts" AS "p" WHERE "p"."views" < $1 RETURNING "p"."id"`,
			sqlite: `DELETE FROM "posts" AS "p" WHERE "p"."views" < ? RETURNING "posts"."id"`,
			args:   []any{int64(50)},
		},
		{
			name: "delete with subquery conditions",
			stmt: ore.Delete(Posts).Where(
				Posts.UserID.NotInQuery(ore.Select1(Users.ID).From(Users).Where(Users.Active.Eq(false))),
				Posts.Views.LtExpr(ore.ScalarSubquery(ore.Select1(ore.Max(aliasedPosts.Views)).From(aliasedPosts))),
				ore.NotExists(ore.Select1(PostTags.TagID).From(PostTags).Where(PostTags.PostID.EqExpr(Posts.ID), PostTags.TagID.Eq(3)))),
			pg:     `DELETE FROM "posts" WHERE "posts"."user_id" NOT IN (SELECT "users"."id" FROM "users" WHERE "users"."active" = $1) AND "posts"."views" < (SELECT max("p"."views") FROM "posts" AS "p") AND NOT EXISTS (SELECT "post_tags"."tag_id" FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id" AND "post_tags"."tag_id" = $2)`,
			sqlite: `DELETE FROM "posts" WHERE "posts"."user_id" NOT IN (SELECT "users"."id" FROM "users" WHERE "users"."active" = ?) AND "posts"."views" < (SELECT max("p"."views") FROM "posts" AS "p") AND NOT EXISTS (SELECT "post_tags"."tag_id" FROM "post_tags" WHERE "post_tags"."post_id" = "posts"."id" AND "post_tags"."tag_id" = ?)`,
			args:   []any{false, int64(3)},
		},
		{
			name:      "data-modifying common table expression",
			stmt:      ore.Select1(ore.Count()).From(gone).With(gone),
			pg:        `WITH "gone" AS (DELETE FROM "post_tags" WHERE "post_tags"."tag_id" = $1 RETURNING "post_tags"."post_id") SELECT count(*) FROM "gone"`,
			args:      []any{int64(3)},
			sqliteErr: "data-modifying statements in WITH is not supported by sqlite",
		},
	})
}

// pgWithoutDeleteUsing is PostgreSQL without DELETE ... USING, so that the
// WHERE EXISTS form written for SQLite can be run on PostgreSQL as well.
type pgWithoutDeleteUsing struct{ postgres.Dialect }

func (pgWithoutDeleteUsing) Features() compile.Feature {
	return postgres.Dialect{}.Features() &^ compile.FeatDeleteUsing
}

// TestSQLDMLDeleteUsingSameRows runs DELETE ... USING and its WHERE EXISTS
// rewrite and checks that they leave the same posts behind.
func TestSQLDMLDeleteUsingSameRows(t *testing.T) {
	ctx := context.Background()
	pool := testdb.PGPool(t)
	_, err := pool.Exec(ctx, fixtureDDL["postgres"])
	require.NoError(t, err)
	lite := testdb.SQLite(t)
	_, err = lite.Exec(fixtureDDL["sqlite"])
	require.NoError(t, err)

	boss := ore.Alias(Users, "boss")
	cases := []struct {
		name string
		stmt ore.DeleteStmt
		left []int64 // ids of the posts left
	}{
		{"condition on the using table",
			ore.Delete(Posts).Using(Users).Where(Posts.UserID.EqExpr(Users.ID), Users.Age.Gt(30)),
			[]int64{3, 4}},
		{"several matches for one row",
			ore.Delete(Posts).Using(PostTags).Where(PostTags.PostID.EqExpr(Posts.ID), PostTags.TagID.Ne(3)),
			[]int64{3}},
		{"two using tables",
			ore.Delete(Posts).Using(PostTags, Tags).
				Where(PostTags.PostID.EqExpr(Posts.ID), PostTags.TagID.EqExpr(Tags.ID), Tags.Name.Eq("go")),
			[]int64{2, 3}},
		{"self join through an alias",
			ore.Delete(Posts).Using(Users, boss).
				Where(Posts.UserID.EqExpr(Users.ID), ore.Deref(Users.ManagerID).EqExpr(boss.ID), boss.Name.Eq("ann")),
			[]int64{1, 2, 4}},
		{"no matching row",
			ore.Delete(Posts).Using(Users).Where(Posts.UserID.EqExpr(Users.ID), Users.Age.Gt(100)),
			[]int64{1, 2, 3, 4}},
		{"no where: every row matches",
			ore.Delete(Posts).Using(Tags),
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			using, err := ore.Compile(postgres.Dialect{}, c.stmt)
			require.NoError(t, err)
			require.Contains(t, using.SQL, " USING ")
			exists, err := ore.Compile(pgWithoutDeleteUsing{}, c.stmt)
			require.NoError(t, err)
			require.Contains(t, exists.SQL, " WHERE EXISTS (SELECT 1 FROM ")
			lq, err := ore.Compile(sqlite.Dialect{}, c.stmt)
			require.NoError(t, err)
			require.Contains(t, lq.SQL, " WHERE EXISTS (SELECT 1 FROM ")

			assert.Equal(t, c.left, pgPostsLeft(t, pool, using), "postgres, USING")
			assert.Equal(t, c.left, pgPostsLeft(t, pool, exists), "postgres, WHERE EXISTS")
			assert.Equal(t, c.left, sqlitePostsLeft(t, lite, lq), "sqlite, WHERE EXISTS")
		})
	}
}

// pgPostsLeft runs q in a transaction that it rolls back, and returns the
// ids of the posts left after it.
func pgPostsLeft(t *testing.T, pool *pgxpool.Pool, q compile.Compiled) []int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, q.SQL, q.Args...)
	require.NoError(t, err, q.SQL)
	rows, err := tx.Query(ctx, `SELECT id FROM posts ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}

func sqlitePostsLeft(t *testing.T, db *sql.DB, q compile.Compiled) []int64 {
	t.Helper()
	tx, err := db.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.Exec(q.SQL, q.Args...)
	require.NoError(t, err, q.SQL)
	rows, err := tx.Query(`SELECT id FROM posts ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}
