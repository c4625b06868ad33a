package ore_test

import (
	"context"
	"fmt"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
)

type authorsTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk,identity"`
	Name ore.Col[string] `ore:"name"`
}

type booksTable struct {
	ore.Table
	ID       ore.Col[int64]  `ore:"id,pk,identity"`
	AuthorID ore.Col[int64]  `ore:"author_id"`
	Title    ore.Col[string] `ore:"title"`
	Pages    ore.Col[int64]  `ore:"pages"`
}

var (
	Authors = ore.NewTable[authorsTable]("authors")
	Books   = ore.NewTable[booksTable]("books")
)

// Statements are typed values; compiling them for a database gives SQL
// text with bound arguments.
func Example() {
	q := ore.Select2(Authors.Name, ore.Count().As("books")).
		From(Authors).
		Join(Books, Books.AuthorID.EqExpr(Authors.ID)).
		Where(Books.Pages.Gt(100)).
		GroupBy(Authors.Name).
		Having(ore.Count().Ge(2)).
		OrderBy(ore.Count().As("books").Desc()).
		Limit(5)

	pg, _ := ore.Compile(postgres.Dialect{}, q)
	fmt.Println(pg.SQL)
	fmt.Println(pg.Args)
	lite, _ := ore.Compile(sqlite.Dialect{}, q)
	fmt.Println(lite.SQL)
	// Output:
	// SELECT "authors"."name", count(*) AS "books" FROM "authors" JOIN "books" ON "books"."author_id" = "authors"."id" WHERE "books"."pages" > $1 GROUP BY "authors"."name" HAVING count(*) >= $2 ORDER BY "books" DESC LIMIT $3
	// [100 2 5]
	// SELECT "authors"."name", count(*) AS "books" FROM "authors" JOIN "books" ON "books"."author_id" = "authors"."id" WHERE "books"."pages" > ? GROUP BY "authors"."name" HAVING count(*) >= ? ORDER BY "books" DESC LIMIT ?
}

// A DB runs statements and scans their rows into the query's row type.
func ExampleAll() {
	ctx := context.Background()
	drv, _ := sqlite.NewDriver(":memory:", sqlite.Options{})
	db, err := ore.Open(ctx, drv, ore.Options{})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	db.Exec(ctx, ore.SQL[struct{}](`
		CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
		CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors, title TEXT NOT NULL, pages INTEGER NOT NULL)`))

	ursula, _ := ore.Scalar(ctx, db, ore.Into[int64](
		ore.Insert(Authors).Values(Authors.Name.To("Ursula K. Le Guin")).Returning(Authors.ID)))
	db.Exec(ctx, ore.Insert(Books).
		Values(Books.AuthorID.To(ursula), Books.Title.To("The Dispossessed"), Books.Pages.To(387)).
		Values(Books.AuthorID.To(ursula), Books.Title.To("A Wizard of Earthsea"), Books.Pages.To(183)))

	type book struct {
		Title string
		Pages int64
	}
	books, err := ore.All(ctx, db, ore.Select[book](Books.Title, Books.Pages).From(Books).OrderBy(Books.Pages))
	if err != nil {
		panic(err)
	}
	for _, b := range books {
		fmt.Println(b.Title, b.Pages)
	}
	// Output:
	// A Wizard of Earthsea 183
	// The Dispossessed 387
}
