package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// The demo's mapped objects: plain structs, whose fields match the
// tables' columns by name (AuthorID is author_id).

type Author struct {
	ID      int64
	Name    string
	Country *string
	Books   mapper.Many[Book] // loaded on first use, unless a query says otherwise
}

type Book struct {
	ID       int64
	AuthorID int64
	Title    string
	Year     int32
	Pages    int32
	Price    float64
	Author   mapper.One[Author]
}

func init() {
	mapper.Map[Author](authors, func(b *mapper.Builder[Author], a *Author) {
		// An author owns her books: deleting her, or taking a book out of
		// her collection, deletes the book.
		mapper.HasMany(b, &a.Books, books.AuthorID).OrderBy(books.Year.Asc()).
			BackPopulates("Author").Cascade("all, delete-orphan")
	})
	mapper.Map[Book](books, func(b *mapper.Builder[Book], bk *Book) {
		mapper.BelongsTo(b, &bk.Author, books.AuthorID).BackPopulates("Books")
	})
}

func authorBooks(a *Author) *mapper.Many[Book] { return &a.Books }
func bookAuthor(b *Book) *mapper.One[Author]   { return &b.Author }

// ormTour shows the session: objects through the identity map, lazy
// loading, and a commit that writes exactly what changed.
func ormTour(ctx context.Context, db *ore.DB, out io.Writer) error {
	s := session.New(db, session.Options{})
	defer s.Close(ctx)

	leGuin, err := session.Query[Author](s).Where(authors.Name.Eq("Ursula K. Le Guin")).One(ctx)
	if err != nil {
		return err
	}
	again, err := session.Get[Author](ctx, s, leGuin.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Get by primary key returns the same object, without SQL: %v\n", again == leGuin)

	list, err := leGuin.Books.Get(ctx)
	if err != nil {
		return err
	}
	var titles []string
	for _, b := range list {
		titles = append(titles, fmt.Sprintf("%s (%d)", b.Title, b.Year))
	}
	fmt.Fprintf(out, "her books, loaded on first use: %s\n", strings.Join(titles, ", "))

	// Change one book, add another through the relationship: nothing is
	// written until the commit, which inserts the new book with its
	// author's key and updates the one changed column.
	list[0].Price = 7.99
	lathe := &Book{Title: "The Lathe of Heaven", Year: 1971, Pages: 184, Price: 9.50}
	leGuin.Books.Add(lathe)
	fmt.Fprintf(out, "before the commit: %d new object; %d changed (a book's price, her collection of books)\n", len(s.New()), len(s.Dirty()))
	if err := s.Commit(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "committed: %q is book %d, by author %d\n", lathe.Title, lathe.ID, lathe.AuthorID)
	return nil
}

// relationsTour shows loader options, which change how many statements
// load the same objects, and a delete that cascades.
func relationsTour(ctx context.Context, db *ore.DB, out io.Writer) error {
	var statements int
	stop := db.Listen(ore.Listener{AfterExecute: func(context.Context, *ore.ExecEvent) { statements++ }})
	defer stop()

	strategies := []struct {
		name string
		opt  session.LoadOption[Author]
	}{
		{"lazy (on first use)", session.Lazy(authorBooks)},
		{"select-in (one more query)", session.SelectIn(authorBooks)},
		{"joined (the same query)", session.Joined(authorBooks)},
	}
	for _, st := range strategies {
		fmt.Fprintf(out, "-- every author with their books, loaded %s:\n", st.name)
		s := session.New(db, session.Options{})
		statements = 0
		all, err := session.Query[Author](s).Options(st.opt).OrderBy(authors.Name).All(ctx)
		if err != nil {
			s.Close(ctx)
			return err
		}
		n := 0
		for _, a := range all {
			list, err := a.Books.Get(ctx)
			if err != nil {
				s.Close(ctx)
				return err
			}
			n += len(list)
		}
		fmt.Fprintf(out, "%d authors, %d books; statements: %d\n", len(all), n, statements)
		if err := s.Close(ctx); err != nil {
			return err
		}
	}

	s := session.New(db, session.Options{})
	defer s.Close(ctx)
	fmt.Fprintln(out, "-- the two cheapest books with their authors (select-in), and the authors' books (joined): a path of options")
	statements = 0
	cheap, err := session.Query[Book](s).
		Options(session.SelectIn(bookAuthor, session.Joined(authorBooks))).
		OrderBy(books.Price, books.ID).Limit(2).All(ctx)
	if err != nil {
		return err
	}
	for _, b := range cheap {
		a, err := b.Author.Get(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s (%.2f) by %s, books by that author: %d\n", b.Title, b.Price, a.Name, a.Books.Len())
	}
	fmt.Fprintf(out, "statements: %d\n", statements)

	fmt.Fprintln(out, "-- a book taken out of its author's collection is deleted (delete-orphan)")
	calvino, err := session.Query[Author](s).Where(authors.Name.Eq("Italo Calvino")).One(ctx)
	if err != nil {
		return err
	}
	list, err := calvino.Books.Get(ctx)
	if err != nil {
		return err
	}
	calvino.Books.Remove(list[0])
	if err := s.Commit(ctx); err != nil {
		return err
	}
	left, err := ore.One(ctx, db, ore.Select[int64](ore.Count()).From(books).Where(books.AuthorID.Eq(calvino.ID)))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%q deleted; books by Calvino left: %d\n", list[0].Title, left)
	return nil
}
