package peers

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore/bench/peers/table"
	"github.com/ore-go/ore/internal/testdb"
)

func BenchmarkSelectByID(b *testing.B)      { benchPeers(b, SelectByID) }
func BenchmarkJoinGroupBy(b *testing.B)     { benchPeers(b, JoinGroupBy) }
func BenchmarkInsertReturning(b *testing.B) { benchPeers(b, InsertReturning) }
func BenchmarkUpdateByID(b *testing.B)      { benchPeers(b, UpdateByID) }

func benchPeers(b *testing.B, s Statement) {
	for _, l := range Libraries {
		b.Run(l.Name, func(b *testing.B) { Benchmark(b, l.Build[s]) })
	}
}

func library(t *testing.T, name string) Library {
	for _, l := range Libraries {
		if l.Name == name {
			return l
		}
	}
	require.FailNow(t, "no library "+name)
	return Library{}
}

// testValues are the values of the SQL and database tests.
var testValues = Values{ID: 2, Name: "cy", Email: "cy@example.com", Status: "paid", MinOrders: 1, Limit: 1}

// TestSQL shows what each library writes for the four statements (run with
// -v to read it) and checks it. The texts differ in quoting, qualification,
// parentheses, casts and layout; TestRunOnPostgres shows that they mean the
// same.
func TestSQL(t *testing.T) {
	type want struct {
		sql  string
		args []any
	}
	cases := map[string][NumStatements]want{
		"ore": {
			SelectByID: {`SELECT "users"."id", "users"."name", "users"."email" FROM "users" WHERE "users"."id" = $1`, []any{int64(2)}},
			JoinGroupBy: {`SELECT "users"."id", "users"."name", count(*) AS "order_count", sum("orders"."amount") AS "total"` +
				` FROM "users" JOIN "orders" ON "orders"."user_id" = "users"."id" WHERE "orders"."status" = $1` +
				` GROUP BY "users"."id", "users"."name" HAVING count(*) > $2 ORDER BY sum("orders"."amount") DESC LIMIT $3`,
				[]any{"paid", int64(1), int64(1)}},
			InsertReturning: {`INSERT INTO "users" ("name", "email") VALUES ($1, $2) RETURNING "users"."id"`, []any{"cy", "cy@example.com"}},
			UpdateByID:      {`UPDATE "users" SET "name" = $1, "email" = $2 WHERE "users"."id" = $3`, []any{"cy", "cy@example.com", int64(2)}},
		},
		"squirrel": {
			SelectByID: {`SELECT id, name, email FROM users WHERE id = $1`, []any{int64(2)}},
			JoinGroupBy: {`SELECT users.id, users.name, count(*) AS order_count, sum(orders.amount) AS total` +
				` FROM users JOIN orders ON orders.user_id = users.id WHERE orders.status = $1` +
				` GROUP BY users.id, users.name HAVING count(*) > $2 ORDER BY sum(orders.amount) DESC LIMIT 1`,
				[]any{"paid", int64(1)}},
			InsertReturning: {`INSERT INTO users (name,email) VALUES ($1,$2) RETURNING id`, []any{"cy", "cy@example.com"}},
			UpdateByID:      {`UPDATE users SET name = $1, email = $2 WHERE id = $3`, []any{"cy", "cy@example.com", int64(2)}},
		},
		"goqu": {
			SelectByID: {`SELECT "id", "name", "email" FROM "users" WHERE ("id" = $1)`, []any{int64(2)}},
			JoinGroupBy: {`SELECT "users"."id", "users"."name", COUNT(*) AS "order_count", SUM("orders"."amount") AS "total"` +
				` FROM "users" INNER JOIN "orders" ON ("orders"."user_id" = "users"."id") WHERE ("orders"."status" = $1)` +
				` GROUP BY "users"."id", "users"."name" HAVING (COUNT(*) > $2) ORDER BY SUM("orders"."amount") DESC LIMIT $3`,
				[]any{"paid", int64(1), int64(1)}},
			InsertReturning: {`INSERT INTO "users" ("name", "email") VALUES ($1, $2) RETURNING "id"`, []any{"cy", "cy@example.com"}},
			// goqu sorts a Record's keys.
			UpdateByID: {`UPDATE "users" SET "email"=$1,"name"=$2 WHERE ("id" = $3)`, []any{"cy@example.com", "cy", int64(2)}},
		},
		"jet": {
			SelectByID: {`
SELECT users.id AS "users.id",
     users.name AS "users.name",
     users.email AS "users.email"
FROM public.users
WHERE users.id = $1;
`, []any{int64(2)}},
			JoinGroupBy: {`
SELECT users.id AS "users.id",
     users.name AS "users.name",
     COUNT(*) AS "order_count",
     SUM(orders.amount) AS "total"
FROM public.users
     INNER JOIN public.orders ON (orders.user_id = users.id)
WHERE orders.status = $1::text
GROUP BY users.id, users.name
HAVING COUNT(*) > $2
ORDER BY SUM(orders.amount) DESC
LIMIT $3;
`, []any{"paid", int64(1), int64(1)}},
			InsertReturning: {`
INSERT INTO public.users (name, email)
VALUES ($1, $2)
RETURNING users.id AS "users.id";
`, []any{"cy", "cy@example.com"}},
			UpdateByID: {`
UPDATE public.users
SET name = $1::text,
    email = $2::text
WHERE users.id = $3;
`, []any{"cy", "cy@example.com", int64(2)}},
		},
		"bob": {
			SelectByID: {"SELECT \nid, name, email\nFROM users\nWHERE (\"id\" = $1)\n", []any{int64(2)}},
			JoinGroupBy: {"SELECT \n" + `"users"."id", "users"."name", count(*) AS "order_count", sum("orders"."amount") AS "total"` + "\n" +
				"FROM users\n" +
				`INNER JOIN orders ON ("orders"."user_id" = "users"."id")` + "\n" +
				`WHERE ("orders"."status" = $1)` + "\n" +
				`GROUP BY "users"."id", "users"."name"` + "\n" +
				"HAVING (count(*) > $2)\n" +
				`ORDER BY sum("orders"."amount") DESC` + "\n" +
				"LIMIT $3\n",
				[]any{"paid", int64(1), 1}},
			InsertReturning: {"INSERT INTO users(\"name\", \"email\")\nVALUES ($1, $2)\nRETURNING id\n", []any{"cy", "cy@example.com"}},
			UpdateByID:      {"UPDATE users SET\n\"name\" = $1,\n\"email\" = $2\nWHERE (\"id\" = $3)", []any{"cy", "cy@example.com", int64(2)}},
		},
		"bun": { // values written into the text
			SelectByID: {`SELECT "u"."id", "u"."name", "u"."email" FROM "users" AS "u" WHERE ("u".id = 2)`, nil},
			JoinGroupBy: {`SELECT "u"."id", "u"."name", count(*) AS order_count, sum(o.amount) AS total` +
				` FROM "users" AS "u" JOIN orders AS o ON o.user_id = u.id WHERE (o.status = 'paid')` +
				` GROUP BY u.id, u.name HAVING (count(*) > 1) ORDER BY sum(o.amount) DESC LIMIT 1`, nil},
			InsertReturning: {`INSERT INTO "users" ("name", "email") VALUES ('cy', 'cy@example.com') RETURNING id`, nil},
			UpdateByID:      {`UPDATE "users" AS "u" SET "name" = 'cy', "email" = 'cy@example.com' WHERE ("u"."id" = 2)`, nil},
		},
	}
	require.Len(t, cases, len(Libraries))
	for _, l := range Libraries {
		for s := range Statement(NumStatements) {
			t.Run(l.Name+"/"+s.String(), func(t *testing.T) {
				want, ok := cases[l.Name]
				require.True(t, ok, "no expected SQL")
				sql, args, err := l.Build[s](testValues)
				require.NoError(t, err)
				t.Logf("%s\nargs: %#v", strings.TrimSpace(sql), args)
				assert.Equal(t, want[s].sql, sql)
				assert.Equal(t, want[s].args, args)
				assert.Equal(t, l.Inlines, len(args) == 0, "Inlines must say whether the library binds")
			})
		}
	}
}

// schemaDDL is the benchmark schema with a few rows; ann has two paid orders
// (3500) and an open one, bob three paid ones (9150), cat one (99999).
const schemaDDL = `
CREATE TABLE users (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text NOT NULL,
	email      text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id    bigint NOT NULL REFERENCES users (id),
	amount     bigint NOT NULL,
	status     text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO users (name, email) VALUES
	('ann', 'ann@example.com'),
	('bob', 'bob@example.com'),
	('cat', 'cat@example.com');
INSERT INTO orders (user_id, amount, status) VALUES
	(1, 1000, 'paid'), (1, 2500, 'paid'), (1, 700, 'open'),
	(2, 9000, 'paid'), (2, 100, 'paid'), (2, 50, 'paid'),
	(3, 99999, 'paid');
`

// TestRunOnPostgres runs every library's statements on PostgreSQL and checks
// that they all do the same thing.
func TestRunOnPostgres(t *testing.T) {
	ctx := context.Background()
	pool := testdb.PGPool(t)
	_, err := pool.Exec(ctx, schemaDDL)
	require.NoError(t, err)
	var schema string
	require.NoError(t, pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema))

	type userRow struct {
		ID          int64
		Name, Email string
	}
	type topRow struct {
		ID         int64
		Name       string
		OrderCount int64
		Total      int64
	}
	for _, l := range Libraries {
		build := l.Build
		if l.Name == "jet" {
			// jet's tables name their schema; the test's is not "public".
			build = jetStatements(table.Users.FromSchema(schema), table.Orders.FromSchema(schema))
		}
		t.Run(l.Name, func(t *testing.T) {
			// run runs statement s in a transaction that is rolled back and
			// returns its rows as collect reads them; then it calls after,
			// if not nil, on the transaction.
			run := func(t *testing.T, s Statement, collect func(pgx.Rows) (any, error), after func(pgx.Tx)) any {
				sql, args, err := build[s](testValues)
				require.NoError(t, err)
				tx, err := pool.Begin(ctx)
				require.NoError(t, err)
				defer tx.Rollback(ctx)
				rows, err := tx.Query(ctx, sql, args...)
				require.NoError(t, err, sql)
				got, err := collect(rows)
				require.NoError(t, err, sql)
				if after != nil {
					after(tx)
				}
				return got
			}
			t.Run("SelectByID", func(t *testing.T) {
				got := run(t, SelectByID, func(rows pgx.Rows) (any, error) {
					return pgx.CollectRows(rows, pgx.RowToStructByPos[userRow])
				}, nil)
				assert.Equal(t, []userRow{{2, "bob", "bob@example.com"}}, got)
			})
			t.Run("JoinGroupBy", func(t *testing.T) {
				// Paid orders only, users with more than one, the largest sum
				// first, one row: bob, not ann (3500), nor cat (one order).
				got := run(t, JoinGroupBy, func(rows pgx.Rows) (any, error) {
					return pgx.CollectRows(rows, pgx.RowToStructByPos[topRow])
				}, nil)
				assert.Equal(t, []topRow{{2, "bob", 3, 9150}}, got)
			})
			t.Run("InsertReturning", func(t *testing.T) {
				var id int64
				got := run(t, InsertReturning, func(rows pgx.Rows) (any, error) {
					return pgx.CollectRows(rows, pgx.RowTo[int64])
				}, func(tx pgx.Tx) {
					// Identities are not rolled back: the id is whatever the
					// new row got.
					require.NoError(t, tx.QueryRow(ctx, "SELECT id FROM users WHERE name = 'cy' AND email = 'cy@example.com'").Scan(&id))
				})
				assert.Equal(t, []int64{id}, got)
				assert.Greater(t, id, int64(3))
			})
			t.Run("UpdateByID", func(t *testing.T) {
				var users []userRow
				got := run(t, UpdateByID, func(rows pgx.Rows) (any, error) {
					rows.Close()
					return rows.CommandTag().RowsAffected(), rows.Err()
				}, func(tx pgx.Tx) {
					rows, err := tx.Query(ctx, "SELECT id, name, email FROM users ORDER BY id")
					require.NoError(t, err)
					users, err = pgx.CollectRows(rows, pgx.RowToStructByPos[userRow])
					require.NoError(t, err)
				})
				assert.Equal(t, int64(1), got)
				assert.Equal(t, []userRow{{1, "ann", "ann@example.com"}, {2, "cy", "cy@example.com"}, {3, "cat", "cat@example.com"}}, users)
			})
		})
	}
}
