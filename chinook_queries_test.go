package ore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/chinook"
	"github.com/ore-go/ore/internal/testdb"
)

// Realistic queries over the Chinook sample database. Each is built with
// ore, compiled for each database, run there with the raw driver, and its
// rows compared with those of the same query written by hand in SQL on the
// same database. Hand-checked values (the top-selling artist, the top
// countries, ...) make sure the two do not agree on a wrong answer, and the
// results of the two databases are compared with each other as well.

// chinookDB is one database holding Chinook, reached through its own driver.
type chinookDB struct {
	name    string
	dialect compile.Dialect
	conn    chinookConn
	// begin starts a transaction; the returned function rolls it back.
	begin func(t *testing.T) (chinookConn, func())
}

// chinookConn runs SQL on a database or a transaction of either driver.
type chinookConn interface {
	// query returns all rows of query, normalized by normalizeRow.
	query(t *testing.T, query string, args []any) [][]any
	// exec runs query and returns the number of rows it affected.
	exec(t *testing.T, query string, args []any) int64
}

// chinookDBs returns PostgreSQL (a fresh schema) and SQLite (a fresh
// in-memory database), both loaded with Chinook under PostgreSQL's names.
func chinookDBs(t *testing.T) []chinookDB {
	t.Helper()
	ctx := context.Background()
	pool := testdb.PGPool(t)
	require.NoError(t, chinook.LoadPG(ctx, pool, false))
	lite := testdb.SQLite(t)
	require.NoError(t, chinook.LoadSQLite(lite, false, true))
	return []chinookDB{
		{
			name: "postgres", dialect: postgres.Dialect{}, conn: pgChinook{pool},
			begin: func(t *testing.T) (chinookConn, func()) {
				tx, err := pool.Begin(ctx)
				require.NoError(t, err)
				return pgChinook{tx}, func() { assert.NoError(t, tx.Rollback(ctx)) }
			},
		},
		{
			name: "sqlite", dialect: sqlite.Dialect{}, conn: liteChinook{lite},
			begin: func(t *testing.T) (chinookConn, func()) {
				tx, err := lite.Begin()
				require.NoError(t, err)
				return liteChinook{tx}, func() { assert.NoError(t, tx.Rollback()) }
			},
		},
	}
}

// pgChinook runs SQL through pgx: a *pgxpool.Pool or a pgx.Tx.
type pgChinook struct {
	q interface {
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	}
}

func (c pgChinook) query(t *testing.T, query string, args []any) [][]any {
	t.Helper()
	rows, err := c.q.Query(context.Background(), query, args...)
	require.NoError(t, err, "postgres: %s", query)
	defer rows.Close()
	out := [][]any{}
	for rows.Next() {
		vals, err := rows.Values()
		require.NoError(t, err, "postgres: %s", query)
		out = append(out, normalizeRow(t, vals))
	}
	require.NoError(t, rows.Err(), "postgres: %s", query)
	return out
}

func (c pgChinook) exec(t *testing.T, query string, args []any) int64 {
	t.Helper()
	tag, err := c.q.Exec(context.Background(), query, args...)
	require.NoError(t, err, "postgres: %s", query)
	return tag.RowsAffected()
}

// liteChinook runs SQL through database/sql: a *sql.DB or a *sql.Tx.
type liteChinook struct {
	q interface {
		Query(query string, args ...any) (*sql.Rows, error)
		Exec(query string, args ...any) (sql.Result, error)
	}
}

func (c liteChinook) query(t *testing.T, query string, args []any) [][]any {
	t.Helper()
	rows, err := c.q.Query(query, args...)
	require.NoError(t, err, "sqlite: %s", query)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	out := [][]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...), "sqlite: %s", query)
		out = append(out, normalizeRow(t, vals))
	}
	require.NoError(t, rows.Err(), "sqlite: %s", query)
	return out
}

func (c liteChinook) exec(t *testing.T, query string, args []any) int64 {
	t.Helper()
	res, err := c.q.Exec(query, args...)
	require.NoError(t, err, "sqlite: %s", query)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	return n
}

// normalizeRow makes the values of both drivers comparable: integers become
// int64, numerics and floats float64 rounded to cents (money is NUMERIC on
// PostgreSQL but REAL on SQLite, where sums carry binary rounding errors),
// times UTC, bytes strings.
func normalizeRow(t *testing.T, row []any) []any {
	t.Helper()
	out := make([]any, len(row))
	for i, v := range row {
		switch v := v.(type) {
		case nil, string, bool:
			out[i] = v
		case []byte:
			out[i] = string(v)
		case int:
			out[i] = int64(v)
		case int16:
			out[i] = int64(v)
		case int32:
			out[i] = int64(v)
		case int64:
			out[i] = v
		case float32:
			out[i] = cents(float64(v))
		case float64:
			out[i] = cents(v)
		case pgtype.Numeric:
			f, err := v.Float64Value()
			require.NoError(t, err)
			require.True(t, f.Valid, "NULL numeric not reported as nil")
			out[i] = cents(f.Float64)
		case time.Time:
			out[i] = v.UTC()
		default:
			t.Fatalf("column %d: unexpected value %#v (%T)", i, v, v)
		}
	}
	return out
}

func cents(f float64) float64 { return math.Round(f*100) / 100 }

// sortedRows returns a sorted copy of rows, for comparing results whose
// order the query leaves open.
func sortedRows(rows [][]any) [][]any {
	key := func(r []any) string {
		var b strings.Builder
		for _, v := range r {
			fmt.Fprintf(&b, "%T:%v\x00", v, v)
		}
		return b.String()
	}
	out := slices.Clone(rows)
	slices.SortFunc(out, func(a, b []any) int { return strings.Compare(key(a), key(b)) })
	return out
}

func assertSameRows(t *testing.T, want, got [][]any, ordered bool, msgAndArgs ...any) bool {
	t.Helper()
	if !ordered {
		want, got = sortedRows(want), sortedRows(got)
	}
	return assert.Equal(t, want, got, msgAndArgs...)
}

// asPostgres returns SQLite's rows with the one known difference between
// the two loaded databases undone: customer 54's city (and the billing city
// of its invoices) is 'Edinburgh ' in the SQLite script and 'Edinburgh' in
// PostgreSQL, whose N'...' literals lose trailing blanks (internal/chinook/SOURCE.md).
func asPostgres(rows [][]any) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
		for j, v := range out[i] {
			if v == "Edinburgh " {
				out[i][j] = "Edinburgh"
			}
		}
	}
	return out
}

// chinookQuery is one SELECT: ore's form, the hand-written form, and what
// the result must contain.
type chinookQuery struct {
	name    string
	stmt    ore.Statement
	hand    string // the same query written by hand, for both databases
	ordered bool   // the query fixes the order of its rows
	// check asserts hand-verified facts about the rows of database db.
	check func(t *testing.T, db string, rows [][]any)
}

// TestChinook loads Chinook once into each database (slow under the race
// detector) and runs every query and statement on it. The statements run in
// transactions that are rolled back, so the order does not matter.
func TestChinook(t *testing.T) {
	dbs := chinookDBs(t)
	t.Run("queries", func(t *testing.T) { testChinookQueries(t, dbs) })
	t.Run("dml", func(t *testing.T) { testChinookDML(t, dbs) })
}

func testChinookQueries(t *testing.T, dbs []chinookDB) {
	for _, c := range chinookQueries() {
		t.Run(c.name, func(t *testing.T) {
			results := map[string][][]any{}
			for _, db := range dbs {
				t.Run(db.name, func(t *testing.T) {
					q, err := ore.Compile(db.dialect, c.stmt)
					require.NoError(t, err)
					got := db.conn.query(t, q.SQL, q.Args)
					want := db.conn.query(t, c.hand, nil)
					require.NotEmpty(t, want, "hand-written query returned no rows")
					assertSameRows(t, want, got, c.ordered, "ore: %s", q.SQL)
					c.check(t, db.name, got)
					results[db.name] = got
				})
			}
			if pg, lite := results["postgres"], results["sqlite"]; pg != nil && lite != nil {
				// The order of rows may differ between the databases where
				// money sums tie (exact on PostgreSQL, not quite on SQLite)
				// or text sorts (collations differ), so compare as sets.
				assertSameRows(t, pg, asPostgres(lite), false, "postgres and sqlite disagree")
			}
		})
	}
}

func chinookQueries() []chinookQuery {
	var (
		artist      = chinook.Artist
		album       = chinook.Album
		track       = chinook.Track
		genre       = chinook.Genre
		invoice     = chinook.Invoice
		invoiceLine = chinook.InvoiceLine
		customer    = chinook.Customer
		employee    = chinook.Employee
	)
	// NUMERIC keeps PostgreSQL's money arithmetic exact; a double precision
	// cast would make the product a float there too.
	quantity := ore.CastTo[float64](invoiceLine.Quantity, compile.Type{Kind: compile.TypeNumeric})
	revenue := ore.Sum(ore.Mul(invoiceLine.UnitPrice, quantity)).As("revenue")
	spent := ore.Sum(invoice.Total).As("spent")

	runningTotal := ore.Over(ore.Sum(invoice.Total), ore.Window{}.
		PartitionBy(invoice.CustomerID).
		OrderBy(invoice.InvoiceDate, invoice.InvoiceID).
		Rows(ore.UnboundedPreceding(), ore.CurrentRow())).As("running")

	rnk := ore.Over(ore.Rank(), ore.Window{}.PartitionBy(track.AlbumID).OrderBy(track.Milliseconds.Desc())).As("rnk")
	ranked := ore.Subquery(ore.Select5(track.AlbumID, track.TrackID, track.Name, track.Milliseconds, rnk).
		From(track).
		Join(album, album.AlbumID.EqExpr(ore.Deref(track.AlbumID))).
		Where(album.ArtistID.Eq(1)), "ranked")

	country := ore.Deref(invoice.BillingCountry).As("country")
	sales := ore.Sum(invoice.Total).As("sales")
	invoices := ore.Count().As("invoices")
	countrySales := ore.With("country_sales", ore.Select3(country, sales, invoices).
		From(invoice).GroupBy(invoice.BillingCountry))
	csSales := ore.Ref(countrySales, sales)

	trackCount := ore.ScalarSubquery(ore.Select1(ore.Count()).From(track).
		Where(ore.Deref(track.AlbumID).EqExpr(album.AlbumID))).As("tracks")

	jazzBuyers := ore.Select1(invoice.CustomerID).From(invoice).
		Join(invoiceLine, invoiceLine.InvoiceID.EqExpr(invoice.InvoiceID)).
		Join(track, track.TrackID.EqExpr(invoiceLine.TrackID)).
		Where(track.GenreID.InQuery(ore.Select1(ore.Ptr(genre.GenreID)).From(genre).
			Where(ore.Deref(genre.Name).Eq("Jazz"))))

	boss := ore.Alias(employee, "boss")
	manager := ore.Ptr(ore.Concat(boss.FirstName, ore.Value(" "), boss.LastName)).As("manager")

	return []chinookQuery{
		{
			name: "four-way join: top artists by revenue",
			stmt: ore.Select3(artist.ArtistID, artist.Name, revenue).
				From(invoiceLine).
				Join(track, track.TrackID.EqExpr(invoiceLine.TrackID)).
				Join(album, album.AlbumID.EqExpr(ore.Deref(track.AlbumID))).
				Join(artist, artist.ArtistID.EqExpr(album.ArtistID)).
				GroupBy(artist.ArtistID, artist.Name).
				OrderBy(revenue.Desc(), artist.ArtistID).
				Limit(5),
			hand: `SELECT ar.artist_id, ar.name, sum(il.unit_price * il.quantity) AS revenue
				FROM invoice_line il
				JOIN track t ON t.track_id = il.track_id
				JOIN album al ON al.album_id = t.album_id
				JOIN artist ar ON ar.artist_id = al.artist_id
				GROUP BY ar.artist_id, ar.name
				ORDER BY revenue DESC, ar.artist_id
				LIMIT 5`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				assert.Equal(t, [][]any{
					{int64(90), "Iron Maiden", 138.60},
					{int64(150), "U2", 105.93},
					{int64(50), "Metallica", 90.09},
					{int64(22), "Led Zeppelin", 86.13},
					{int64(149), "Lost", 81.59},
				}, rows)
			},
		},
		{
			name: "group by having: customers who spent over 45",
			stmt: ore.Select4(customer.CustomerID, customer.FirstName, customer.LastName, spent).
				From(customer).
				Join(invoice, invoice.CustomerID.EqExpr(customer.CustomerID)).
				GroupBy(customer.CustomerID, customer.FirstName, customer.LastName).
				Having(ore.Sum(invoice.Total).Gt(45)).
				OrderBy(spent.Desc(), customer.CustomerID),
			hand: `SELECT c.customer_id, c.first_name, c.last_name, sum(i.total) AS spent
				FROM customer c JOIN invoice i ON i.customer_id = c.customer_id
				GROUP BY c.customer_id, c.first_name, c.last_name
				HAVING sum(i.total) > 45
				ORDER BY spent DESC, c.customer_id`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				assert.Equal(t, [][]any{
					{int64(6), "Helena", "Holý", 49.62},
					{int64(26), "Richard", "Cunningham", 47.62},
					{int64(57), "Luis", "Rojas", 46.62},
					{int64(45), "Ladislav", "Kovács", 45.62},
					{int64(46), "Hugh", "O'Reilly", 45.62},
				}, rows)
			},
		},
		{
			name: "window: running total of invoices per customer",
			stmt: ore.Select5(invoice.CustomerID, invoice.InvoiceID, invoice.InvoiceDate, invoice.Total, runningTotal).
				From(invoice).
				Where(invoice.CustomerID.In(6, 26)).
				OrderBy(invoice.CustomerID, invoice.InvoiceDate, invoice.InvoiceID),
			hand: `SELECT customer_id, invoice_id, invoice_date, total,
					sum(total) OVER (PARTITION BY customer_id ORDER BY invoice_date, invoice_id
						ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
				FROM invoice
				WHERE customer_id IN (6, 26)
				ORDER BY customer_id, invoice_date, invoice_id`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				require.Len(t, rows, 14)
				day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
				assert.Equal(t, []any{int64(6), int64(46), day(2021, 7, 11), 8.91, 8.91}, rows[0])
				assert.Equal(t, []any{int64(6), int64(175), day(2023, 2, 15), 1.98, 10.89}, rows[1])
				assert.Equal(t, []any{int64(6), int64(404), day(2025, 11, 13), 25.86, 49.62}, rows[6])
				assert.Equal(t, []any{int64(26), int64(70), day(2021, 11, 7), 1.98, 1.98}, rows[7])
				assert.Equal(t, []any{int64(26), int64(354), day(2025, 4, 5), 8.91, 47.62}, rows[13])
			},
		},
		{
			name: "window in a derived table: two longest tracks of each AC/DC album",
			stmt: ore.Select5(ore.Ref(ranked, track.AlbumID), ore.Ref(ranked, track.TrackID), ore.Ref(ranked, track.Name),
				ore.Ref(ranked, track.Milliseconds), ore.Ref(ranked, rnk)).
				From(ranked).
				Where(ore.Ref(ranked, rnk).Le(2)).
				OrderBy(ore.Ref(ranked, track.AlbumID), ore.Ref(ranked, rnk), ore.Ref(ranked, track.TrackID)),
			hand: `SELECT album_id, track_id, name, milliseconds, rnk FROM (
					SELECT t.album_id, t.track_id, t.name, t.milliseconds,
						rank() OVER (PARTITION BY t.album_id ORDER BY t.milliseconds DESC) AS rnk
					FROM track t JOIN album a ON a.album_id = t.album_id
					WHERE a.artist_id = 1) ranked
				WHERE rnk <= 2
				ORDER BY album_id, rnk, track_id`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				assert.Equal(t, [][]any{
					{int64(1), int64(1), "For Those About To Rock (We Salute You)", int64(343719), int64(1)},
					{int64(1), int64(14), "Spellbound", int64(270863), int64(2)},
					{int64(4), int64(20), "Overdose", int64(369319), int64(1)},
					{int64(4), int64(17), "Let There Be Rock", int64(366654), int64(2)},
				}, rows)
			},
		},
		{
			name: "CTE: countries selling above the average",
			stmt: ore.Select3(ore.Ref(countrySales, country), csSales, ore.Ref(countrySales, invoices)).
				With(countrySales).
				From(countrySales).
				Where(csSales.GtExpr(ore.ScalarSubquery(ore.Select1(ore.Avg(csSales)).From(countrySales)))).
				OrderBy(csSales.Desc()).
				Limit(5),
			hand: `WITH country_sales AS (
					SELECT billing_country AS country, sum(total) AS sales, count(*) AS invoices
					FROM invoice GROUP BY billing_country)
				SELECT country, sales, invoices FROM country_sales
				WHERE sales > (SELECT avg(sales) FROM country_sales)
				ORDER BY sales DESC
				LIMIT 5`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				assert.Equal(t, [][]any{
					{"USA", 523.06, int64(91)},
					{"Canada", 303.96, int64(56)},
					{"France", 195.10, int64(35)},
					{"Brazil", 190.10, int64(35)},
					{"Germany", 156.48, int64(28)},
				}, rows)
			},
		},
		{
			name: "correlated scalar subquery in the select list: tracks per album",
			stmt: ore.Select3(album.AlbumID, album.Title, trackCount).
				From(album).
				Where(album.ArtistID.In(1, 22)).
				OrderBy(album.AlbumID),
			hand: `SELECT a.album_id, a.title,
					(SELECT count(*) FROM track t WHERE t.album_id = a.album_id) AS tracks
				FROM album a
				WHERE a.artist_id IN (1, 22)
				ORDER BY a.album_id`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				require.Len(t, rows, 16) // 2 AC/DC albums, 14 Led Zeppelin ones
				assert.Equal(t, []any{int64(1), "For Those About To Rock We Salute You", int64(10)}, rows[0])
				assert.Equal(t, []any{int64(4), "Let There Be Rock", int64(8)}, rows[1])
				assert.Equal(t, []any{int64(30), "BBC Sessions [Disc 1] [Live]", int64(14)}, rows[2])
				var sum int64
				for _, r := range rows {
					sum += r[2].(int64)
				}
				assert.Equal(t, int64(132), sum)
			},
		},
		{
			name: "IN subqueries: customers who bought jazz",
			stmt: ore.Select4(customer.CustomerID, customer.FirstName, customer.LastName, customer.Country).
				From(customer).
				Where(customer.CustomerID.InQuery(jazzBuyers)).
				OrderBy(customer.CustomerID),
			hand: `SELECT c.customer_id, c.first_name, c.last_name, c.country
				FROM customer c
				WHERE c.customer_id IN (
					SELECT i.customer_id FROM invoice i
					JOIN invoice_line il ON il.invoice_id = i.invoice_id
					JOIN track t ON t.track_id = il.track_id
					WHERE t.genre_id IN (SELECT genre_id FROM genre WHERE name = 'Jazz'))
				ORDER BY c.customer_id`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				require.Len(t, rows, 32)
				assert.Equal(t, int64(3), rows[0][0])
				assert.Equal(t, int64(59), rows[31][0])
			},
		},
		{
			name: "correlated EXISTS: employees who support customers",
			stmt: ore.Select3(employee.EmployeeID, employee.FirstName, employee.LastName).
				From(employee).
				Where(ore.Exists(ore.Select1(customer.CustomerID).From(customer).
					Where(customer.SupportRepID.EqExpr(ore.Ptr(employee.EmployeeID))))).
				OrderBy(employee.EmployeeID),
			hand: `SELECT e.employee_id, e.first_name, e.last_name
				FROM employee e
				WHERE EXISTS (SELECT 1 FROM customer c WHERE c.support_rep_id = e.employee_id)
				ORDER BY e.employee_id`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				assert.Equal(t, [][]any{
					{int64(3), "Jane", "Peacock"},
					{int64(4), "Margaret", "Park"},
					{int64(5), "Steve", "Johnson"},
				}, rows)
			},
		},
		{
			name: "correlated NOT EXISTS: unsold tracks per media type",
			stmt: ore.Select2(track.MediaTypeID, ore.Count()).
				From(track).
				Where(ore.NotExists(ore.Select1(invoiceLine.InvoiceLineID).From(invoiceLine).
					Where(invoiceLine.TrackID.EqExpr(track.TrackID)))).
				GroupBy(track.MediaTypeID),
			hand: `SELECT t.media_type_id, count(*)
				FROM track t
				WHERE NOT EXISTS (SELECT 1 FROM invoice_line il WHERE il.track_id = t.track_id)
				GROUP BY t.media_type_id`,
			check: func(t *testing.T, _ string, rows [][]any) {
				// 3503 tracks, of which 1984 distinct ones were sold.
				assert.Equal(t, [][]any{
					{int64(1), int64(1289)},
					{int64(2), int64(108)},
					{int64(3), int64(111)},
					{int64(4), int64(3)},
					{int64(5), int64(8)},
				}, sortedRows(rows))
			},
		},
		{
			name: "self-join: employees and their managers",
			stmt: ore.Select4(employee.EmployeeID, employee.FirstName, employee.LastName, manager).
				From(employee).
				LeftJoin(boss, employee.ReportsTo.EqExpr(ore.Ptr(boss.EmployeeID))).
				OrderBy(employee.EmployeeID),
			hand: `SELECT e.employee_id, e.first_name, e.last_name, m.first_name || ' ' || m.last_name AS manager
				FROM employee e LEFT JOIN employee m ON m.employee_id = e.reports_to
				ORDER BY e.employee_id`,
			ordered: true,
			check: func(t *testing.T, _ string, rows [][]any) {
				assert.Equal(t, [][]any{
					{int64(1), "Andrew", "Adams", nil},
					{int64(2), "Nancy", "Edwards", "Andrew Adams"},
					{int64(3), "Jane", "Peacock", "Nancy Edwards"},
					{int64(4), "Margaret", "Park", "Nancy Edwards"},
					{int64(5), "Steve", "Johnson", "Nancy Edwards"},
					{int64(6), "Michael", "Mitchell", "Andrew Adams"},
					{int64(7), "Robert", "King", "Michael Mitchell"},
					{int64(8), "Laura", "Callahan", "Michael Mitchell"},
				}, rows)
			},
		},
		{
			name: "union: customer and employee cities",
			stmt: ore.Select1(customer.City).From(customer).
				Union(ore.Select1(employee.City).From(employee)),
			hand: `SELECT city FROM customer UNION SELECT city FROM employee`,
			check: func(t *testing.T, db string, rows [][]any) {
				// 53 distinct customer cities, and the employees' Calgary and
				// Lethbridge (Edmonton has a customer too).
				assert.Len(t, rows, 55)
				assert.Contains(t, rows, []any{"Lethbridge"})
				assert.Contains(t, rows, []any{"Calgary"})
				edinburgh := "Edinburgh"
				if db == "sqlite" {
					edinburgh = "Edinburgh "
				}
				assert.Contains(t, rows, []any{edinburgh})
			},
		},
		{
			name: "except: employee cities without customers",
			stmt: ore.Select1(employee.City).From(employee).
				Except(ore.Select1(customer.City).From(customer)),
			hand: `SELECT city FROM employee EXCEPT SELECT city FROM customer`,
			check: func(t *testing.T, _ string, rows [][]any) {
				assert.Equal(t, [][]any{{"Calgary"}, {"Lethbridge"}}, sortedRows(rows))
			},
		},
	}
}

// chinookDML is one INSERT, UPDATE or DELETE: ore's form, the hand-written
// form, and a query reading the state they change.
type chinookDML struct {
	name  string
	setup string // SQL run first in each transaction; or ""
	stmt  ore.Statement
	// hand is the same statement written by hand; both databases run it
	// unless handSQLite is set.
	hand       string
	handSQLite string
	// state reads, in a fixed order, the rows the statement changes.
	state    string
	affected int64 // hand-verified rows affected
	// check asserts hand-verified facts about the state before and after.
	check func(t *testing.T, db string, before, after [][]any)
}

// artistAlbumCountTable is a summary table the upsert test creates: the
// number of albums of each artist, refreshed from album.
type artistAlbumCountTable struct {
	ore.Table
	ArtistID ore.Col[int64] `ore:"artist_id,pk"`
	Albums   ore.Col[int64] `ore:"albums"`
}

var artistAlbumCount = ore.NewTable[artistAlbumCountTable]("artist_album_count")

func testChinookDML(t *testing.T, dbs []chinookDB) {
	for _, c := range chinookDMLs() {
		t.Run(c.name, func(t *testing.T) {
			results := map[string][][]any{}
			for _, db := range dbs {
				t.Run(db.name, func(t *testing.T) {
					q, err := ore.Compile(db.dialect, c.stmt)
					require.NoError(t, err)
					hand := c.hand
					if db.name == "sqlite" && c.handSQLite != "" {
						hand = c.handSQLite
					}
					// Each statement runs in its own transaction, rolled back,
					// so the two start from the same state.
					run := func(query string, args []any) (before, after [][]any, affected int64) {
						tx, rollback := db.begin(t)
						defer rollback()
						if c.setup != "" {
							tx.exec(t, c.setup, nil)
						}
						before = tx.query(t, c.state, nil)
						affected = tx.exec(t, query, args)
						after = tx.query(t, c.state, nil)
						return before, after, affected
					}
					oreBefore, oreAfter, oreAffected := run(q.SQL, q.Args)
					handBefore, handAfter, handAffected := run(hand, nil)

					require.NotEmpty(t, handAfter)
					assert.Equal(t, handBefore, oreBefore)
					assert.Equal(t, c.affected, handAffected, "hand-written: %s", hand)
					assert.Equal(t, c.affected, oreAffected, "ore: %s", q.SQL)
					assertSameRows(t, handAfter, oreAfter, true, "ore: %s", q.SQL)
					assert.NotEqual(t, oreBefore, oreAfter, "ore's statement changed nothing")
					c.check(t, db.name, oreBefore, oreAfter)
					if c.setup == "" {
						assert.Equal(t, oreBefore, db.conn.query(t, c.state, nil), "rollback left changes")
					}
					results[db.name] = oreAfter
				})
			}
			if pg, lite := results["postgres"], results["sqlite"]; pg != nil && lite != nil {
				assertSameRows(t, pg, asPostgres(lite), false, "postgres and sqlite disagree")
			}
		})
	}
}

func chinookDMLs() []chinookDML {
	var (
		track         = chinook.Track
		genre         = chinook.Genre
		album         = chinook.Album
		mediaType     = chinook.MediaType
		invoiceLine   = chinook.InvoiceLine
		playlistTrack = chinook.PlaylistTrack
		counts        = artistAlbumCount
	)
	name := func(s string) *string { return &s }
	bestGenre := ore.Select1(track.GenreID).
		From(invoiceLine).
		Join(track, track.TrackID.EqExpr(invoiceLine.TrackID)).
		GroupBy(track.GenreID).
		OrderBy(ore.Sum(invoiceLine.Quantity).Desc()).
		Limit(1)

	return []chinookDML{
		{
			name: "upsert: a new genre and a renamed one",
			stmt: ore.Insert(genre).
				Values(genre.GenreID.To(26), genre.Name.To(name("Synthwave"))).
				Values(genre.GenreID.To(1), genre.Name.To(name("Rock & Roll"))).
				OnConflict(genre.GenreID).
				DoUpdate(genre.Name.ToExpr(ore.Excluded(genre.Name))),
			hand: `INSERT INTO genre (genre_id, name) VALUES (26, 'Synthwave'), (1, 'Rock & Roll')
				ON CONFLICT (genre_id) DO UPDATE SET name = excluded.name`,
			state:    `SELECT genre_id, name FROM genre ORDER BY genre_id`,
			affected: 2, // one row inserted, one updated
			check: func(t *testing.T, _ string, before, after [][]any) {
				require.Len(t, before, 25)
				require.Len(t, after, 26)
				assert.Equal(t, []any{int64(1), "Rock"}, before[0])
				assert.Equal(t, []any{int64(1), "Rock & Roll"}, after[0])
				assert.Equal(t, []any{int64(26), "Synthwave"}, after[25])
				assert.Equal(t, before[1:], after[1:25])
			},
		},
		{
			name: "upsert from a query: refresh album counts where they changed",
			setup: `CREATE TABLE artist_album_count (artist_id integer PRIMARY KEY, albums integer NOT NULL);
				INSERT INTO artist_album_count (artist_id, albums) VALUES (1, 2), (22, 0), (25, 7)`,
			stmt: ore.Insert(counts).
				Columns(counts.ArtistID, counts.Albums).
				Select(ore.Select2(album.ArtistID, ore.Count()).From(album).GroupBy(album.ArtistID)).
				OnConflict(counts.ArtistID).
				DoUpdate(counts.Albums.ToExpr(ore.Excluded(counts.Albums))).
				DoUpdateWhere(counts.Albums.NeExpr(ore.Excluded(counts.Albums))),
			hand: `INSERT INTO artist_album_count (artist_id, albums)
				SELECT artist_id, count(*) FROM album GROUP BY artist_id
				ON CONFLICT (artist_id) DO UPDATE SET albums = excluded.albums
				WHERE artist_album_count.albums <> excluded.albums`,
			state: `SELECT artist_id, albums FROM artist_album_count ORDER BY artist_id`,
			// 204 artists have albums; AC/DC's count (2) is already right.
			affected: 203,
			check: func(t *testing.T, _ string, before, after [][]any) {
				assert.Equal(t, [][]any{{int64(1), int64(2)}, {int64(22), int64(0)}, {int64(25), int64(7)}}, before)
				require.Len(t, after, 205)
				assert.Contains(t, after, []any{int64(1), int64(2)})
				assert.Contains(t, after, []any{int64(22), int64(14)})
				assert.Contains(t, after, []any{int64(25), int64(7)}) // no albums: left alone
				assert.Contains(t, after, []any{int64(90), int64(21)})
				var sum int64
				for _, r := range after {
					sum += r[1].(int64)
				}
				assert.Equal(t, int64(347+7), sum)
			},
		},
		{
			name: "update with a subquery: dearer tracks of the best-selling genre",
			stmt: ore.Update(track).
				Set(track.UnitPrice.ToExpr(ore.Add(track.UnitPrice, ore.Value(0.10)))).
				Where(track.GenreID.EqExpr(ore.ScalarSubquery(bestGenre))),
			hand: `UPDATE track SET unit_price = unit_price + 0.10
				WHERE genre_id = (
					SELECT t.genre_id FROM invoice_line il JOIN track t ON t.track_id = il.track_id
					GROUP BY t.genre_id ORDER BY sum(il.quantity) DESC LIMIT 1)`,
			state:    `SELECT genre_id, count(*), sum(unit_price) FROM track GROUP BY genre_id ORDER BY genre_id`,
			affected: 1297, // Rock sells most (835 units, Latin 386 next) and has 1297 tracks
			check: func(t *testing.T, _ string, before, after [][]any) {
				require.Len(t, after, 25)
				assert.Equal(t, []any{int64(1), int64(1297), 1284.03}, before[0]) // 1297 × 0.99
				assert.Equal(t, []any{int64(1), int64(1297), 1413.73}, after[0])  // 1297 × 1.09
				assert.Equal(t, before[1:], after[1:])
			},
		},
		{
			name: "delete using a join: playlist entries of protected AAC tracks",
			stmt: ore.Delete(playlistTrack).
				Using(track, mediaType).
				Where(
					playlistTrack.TrackID.EqExpr(track.TrackID),
					track.MediaTypeID.EqExpr(mediaType.MediaTypeID),
					ore.Deref(mediaType.Name).Eq("Protected AAC audio file"),
				),
			hand: `DELETE FROM playlist_track pt USING track t, media_type m
				WHERE pt.track_id = t.track_id AND t.media_type_id = m.media_type_id
					AND m.name = 'Protected AAC audio file'`,
			handSQLite: `DELETE FROM playlist_track WHERE track_id IN (
					SELECT t.track_id FROM track t JOIN media_type m ON m.media_type_id = t.media_type_id
					WHERE m.name = 'Protected AAC audio file')`,
			state:    `SELECT playlist_id, count(*) FROM playlist_track GROUP BY playlist_id ORDER BY playlist_id`,
			affected: 713,
			check: func(t *testing.T, _ string, before, after [][]any) {
				total := func(rows [][]any) (n int64) {
					for _, r := range rows {
						n += r[1].(int64)
					}
					return n
				}
				assert.Equal(t, int64(8715), total(before))
				assert.Equal(t, int64(8715-713), total(after))
			},
		},
	}
}
