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
	Books   mapper.Many[Book] // loaded on first use
}

type Book struct {
	ID       int64
	AuthorID int64
	Title    string
	Year     int32
	Pages    int32
	Price    float64
}

func init() {
	mapper.Map[Author](authors, func(b *mapper.Builder[Author], a *Author) {
		mapper.HasMany(b, &a.Books, books.AuthorID).OrderBy(books.Year.Asc())
	})
	mapper.Map[Book](books)
}

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
