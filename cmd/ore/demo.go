package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
)

// The demo's schema: a small bookshop.

type authorsTable struct {
	ore.Table
	ID      ore.Col[int64]   `ore:"id,pk,identity"`
	Name    ore.Col[string]  `ore:"name,size=100,unique"`
	Country ore.Col[*string] `ore:"country,size=2"`
}

type booksTable struct {
	ore.Table
	ID       ore.Col[int64]   `ore:"id,pk,identity"`
	AuthorID ore.Col[int64]   `ore:"author_id,index"`
	Title    ore.Col[string]  `ore:"title"`
	Year     ore.Col[int32]   `ore:"year"`
	Pages    ore.Col[int32]   `ore:"pages"`
	Price    ore.Col[float64] `ore:"price,type=numeric(8,2)"`
}

func (t *booksTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.ForeignKey(t.AuthorID).References(authors.ID).OnDelete(ore.Cascade),
		ore.Check(t.Price.Ge(0)),
	}
}

type stockTable struct {
	ore.Table
	BookID ore.Col[int64] `ore:"book_id,pk"`
	Count  ore.Col[int64] `ore:"count"`
}

func (t *stockTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.ForeignKey(t.BookID).References(books.ID).OnDelete(ore.Cascade),
		ore.Check(t.Count.Ge(0)).Named("stock_count_check"),
	}
}

var (
	authors = ore.NewTable[authorsTable]("authors")
	books   = ore.NewTable[booksTable]("books")
	stock   = ore.NewTable[stockTable]("stock")

	bookshop = ore.NewMetaData(authors, books, stock)
)

// demo walks through ore's Core on dsn, or on a new SQLite file.
func demo(ctx context.Context, dsn string, out io.Writer) error {
	where := "on " + redact(dsn)
	if dsn == "" {
		dir, err := os.MkdirTemp("", "ore-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "bookshop.db")
		where = "in a new SQLite file, " + dsn
	}
	drv, err := driverFor(dsn)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "ore demo: a bookshop %s\n", where)
	opts := ore.Options{Echo: slog.New(echoHandler{out})}
	db, err := ore.Open(ctx, drv, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Ping(ctx); err != nil {
		return fmt.Errorf("cannot reach the database: %w", err)
	}
	if db.Dialect().Features().Has(compile.FeatSchemas) {
		// Work in a schema of our own, dropped at the end, through a second
		// DB whose connections use it.
		schema := fmt.Sprintf("ore_demo_%d", os.Getpid())
		if _, err := db.Exec(ctx, ore.SQL[struct{}]("CREATE SCHEMA "+schema)); err != nil {
			return err
		}
		defer db.Exec(context.WithoutCancel(ctx), ore.SQL[struct{}]("DROP SCHEMA "+schema+" CASCADE"))
		drv, err := driverFor(withSearchPath(dsn, schema))
		if err != nil {
			return err
		}
		inSchema, err := ore.Open(ctx, drv, opts)
		if err != nil {
			return err
		}
		defer inSchema.Close()
		return tour(ctx, inSchema, out)
	}
	return tour(ctx, db, out)
}

// withSearchPath returns the PostgreSQL URL dsn with search_path set.
func withSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// tour is the demo itself.
func tour(ctx context.Context, db *ore.DB, out io.Writer) error {
	q := db
	section := func(title string) { fmt.Fprintf(out, "\n== %s\n", title) }

	section("Create the schema from its Go declaration, in foreign key order")
	if err := bookshop.CreateAll(ctx, db, ore.CreateOptions{}); err != nil {
		return err
	}

	section("Insert rows, one statement for many, RETURNING the new keys")
	country := func(s string) *string { return &s }
	ids, err := ore.All(ctx, q, ore.Into[int64](ore.Insert(authors).
		Values(authors.Name.To("Ursula K. Le Guin"), authors.Country.To(country("US"))).
		Values(authors.Name.To("Italo Calvino"), authors.Country.To(country("IT"))).
		Values(authors.Name.To("Stanisław Lem"), authors.Country.To(country("PL"))).
		Returning(authors.ID)))
	if err != nil {
		return err
	}
	leGuin, calvino, lem := ids[0], ids[1], ids[2]
	ins := ore.Insert(books)
	for _, b := range []struct {
		author      int64
		title       string
		year, pages int32
		price       float64
	}{
		{leGuin, "The Left Hand of Darkness", 1969, 304, 9.99},
		{leGuin, "The Dispossessed", 1974, 387, 11.50},
		{leGuin, "A Wizard of Earthsea", 1968, 183, 8.25},
		{calvino, "Invisible Cities", 1972, 165, 10.00},
		{calvino, "If on a winter's night a traveler", 1979, 260, 12.00},
		{lem, "Solaris", 1961, 204, 9.00},
	} {
		ins = ins.Values(books.AuthorID.To(b.author), books.Title.To(b.title), books.Year.To(b.year),
			books.Pages.To(b.pages), books.Price.To(b.price))
	}
	if _, err := q.Exec(ctx, ins); err != nil {
		return err
	}

	section("Join and aggregate: books and pages per author, authors with two books or more")
	perAuthor, err := ore.All(ctx, q, ore.Select3(authors.Name, ore.Count().As("books"), ore.Cast[int64](ore.Sum(books.Pages)).As("pages")).
		From(authors).
		Join(books, books.AuthorID.EqExpr(authors.ID)).
		GroupBy(authors.Name).
		Having(ore.Count().Ge(2)).
		OrderBy(ore.Count().Desc(), authors.Name))
	if err != nil {
		return err
	}
	table(out, []string{"author", "books", "pages"}, perAuthor, func(r ore.Row3[string, int64, int64]) []any {
		return []any{r.V1, r.V2, r.V3}
	})

	section("A window function: each book's rank by length among its author's books")
	byLength := ore.Window{}.PartitionBy(books.AuthorID).OrderBy(books.Pages.Desc())
	ranked, err := ore.All(ctx, q, ore.Select3(authors.Name, books.Title, ore.Over(ore.Rank(), byLength).As("rank")).
		From(books).
		Join(authors, authors.ID.EqExpr(books.AuthorID)).
		OrderBy(authors.Name, ore.Over(ore.Rank(), byLength).As("rank")))
	if err != nil {
		return err
	}
	table(out, []string{"author", "title", "rank"}, ranked, func(r ore.Row3[string, string, int64]) []any {
		return []any{r.V1, r.V2, r.V3}
	})

	section("Upsert: receive stock, adding to what is there")
	receive := func(book, n int64) ore.InsertStmt {
		return ore.Insert(stock).Values(stock.BookID.To(book), stock.Count.To(n)).
			OnConflict(stock.BookID).
			DoUpdate(stock.Count.ToExpr(ore.Add(stock.Count, ore.Excluded(stock.Count))))
	}
	solaris, err := ore.Scalar(ctx, q, ore.Select1(books.ID).From(books).Where(books.Title.Eq("Solaris")))
	if err != nil {
		return err
	}
	for _, n := range []int64{3, 2} {
		if _, err := q.Exec(ctx, receive(solaris, n)); err != nil {
			return err
		}
	}
	count, err := ore.Scalar(ctx, q, ore.Select1(stock.Count).From(stock).Where(stock.BookID.Eq(solaris)))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Solaris in stock: %d\n", count)

	section("A transaction: sell four copies, then try to sell four more")
	sell := func(n int64) (err error) {
		tx, err := q.Begin(ctx, ore.TxOptions{})
		if err != nil {
			return err
		}
		defer tx.End(&err)
		_, err = tx.Exec(ctx, ore.Update(stock).
			Set(stock.Count.ToExpr(ore.Sub(stock.Count, ore.Value(n)))).
			Where(stock.BookID.Eq(solaris)))
		return err
	}
	if err := sell(4); err != nil {
		return err
	}
	err = sell(4)
	switch {
	case errors.Is(err, ore.ErrCheckViolation):
		fmt.Fprintln(out, "refused, as it should be: the CHECK (count >= 0) constraint failed, and the transaction rolled back")
	case err != nil:
		return err
	default:
		return errors.New("selling more copies than in stock succeeded")
	}
	count, err = ore.Scalar(ctx, q, ore.Select1(stock.Count).From(stock).Where(stock.BookID.Eq(solaris)))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Solaris in stock: %d\n", count)

	section("The ORM: a session, its identity map, and one commit for every change")
	if err := ormTour(ctx, db, out); err != nil {
		return err
	}

	section("Relationships: loader options, and a delete that cascades")
	if err := relationsTour(ctx, db, out); err != nil {
		return err
	}

	section("Done")
	st := db.Stats()
	fmt.Fprintf(out, "connections opened: %d; statement shapes compiled: %d, reused: %d\n",
		st.Pool.Created(), st.Cache.Misses, st.Cache.Hits)
	return nil
}

// table prints rows as an aligned table.
func table[R any](out io.Writer, header []string, rows []R, cells func(R) []any) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, r := range rows {
		var parts []string
		for _, c := range cells(r) {
			parts = append(parts, fmt.Sprint(c))
		}
		fmt.Fprintln(w, strings.Join(parts, "\t"))
	}
	w.Flush()
}

// redact hides a password in a DSN.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:scheme+3] + user + ":***" + dsn[at:]
	}
	return dsn
}
