package session_test

import (
	"context"
	"fmt"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// The example's tables and objects.

type authorsTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk,identity"`
	Name ore.Col[string] `ore:"name"`
}

type postsTable struct {
	ore.Table
	ID       ore.Col[int64]  `ore:"id,pk,identity"`
	AuthorID ore.Col[int64]  `ore:"author_id"`
	Title    ore.Col[string] `ore:"title"`
}

func (t *postsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.AuthorID).References(Authors.ID)}
}

var (
	Authors = ore.NewTable[authorsTable]("authors")
	Posts   = ore.NewTable[postsTable]("posts")
)

type Author struct {
	ID    int64
	Name  string
	Posts mapper.Many[Post]
}

type Post struct {
	ID       int64
	AuthorID int64
	Title    string
}

func init() {
	mapper.Map[Author](Authors, func(b *mapper.Builder[Author], a *Author) {
		mapper.HasMany(b, &a.Posts, Posts.AuthorID).OrderBy(Posts.ID.Asc())
	})
	mapper.Map[Post](Posts)
}

// A session tracks the objects it loads and those it is given, and writes
// what changed when it flushes (before each query, and at Commit).
func Example() {
	ctx := context.Background()
	drv, _ := sqlite.NewDriver(":memory:", sqlite.Options{})
	db, _ := ore.Open(ctx, drv, ore.Options{})
	defer db.Close()
	_ = ore.NewMetaData(Authors, Posts).CreateAll(ctx, db, ore.CreateOptions{})

	s := session.New(db, session.Options{})
	defer s.Close(ctx)

	// New objects: one commit inserts the author, then her posts with her
	// new key.
	ann := &Author{Name: "ann"}
	ann.Posts.Add(&Post{Title: "hello"}, &Post{Title: "again"})
	_ = s.Add(ann)
	if err := s.Commit(ctx); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ann is author", ann.ID, "-", session.StateOf(ann))

	// One object per row: Get by key returns the object the session has.
	same, _ := session.Get[Author](ctx, s, ann.ID)
	fmt.Println("same object:", same == ann)

	// Queries return the session's objects too; relationships load on
	// first use.
	found, _ := session.Query[Author](s).Where(Authors.Name.Eq("ann")).One(ctx)
	posts, _ := found.Posts.Get(ctx)
	for _, p := range posts {
		fmt.Println("-", p.Title)
	}

	// Changes are plain assignments; the flush sends one UPDATE of the
	// changed column.
	posts[0].Title = "hello, world"
	fmt.Println("changed:", len(s.Dirty()))
	_ = s.Commit(ctx)
	title, _ := ore.Scalar(ctx, db, ore.Select1(Posts.Title).From(Posts).Where(Posts.ID.Eq(posts[0].ID)))
	fmt.Println("in the database:", title)

	// Output:
	// ann is author 1 - persistent
	// same object: true
	// - hello
	// - again
	// changed: 1
	// in the database: hello, world
}

// Loader options choose, per query, how relationships load: the same
// authors and posts cost 1+N statements lazily, 2 with SelectIn and 1
// with Joined.
func ExampleJoined() {
	ctx := context.Background()
	drv, _ := sqlite.NewDriver(":memory:", sqlite.Options{})
	db, _ := ore.Open(ctx, drv, ore.Options{})
	defer db.Close()
	_ = ore.NewMetaData(Authors, Posts).CreateAll(ctx, db, ore.CreateOptions{})
	statements := 0
	db.Listen(ore.Listener{AfterExecute: func(context.Context, *ore.ExecEvent) { statements++ }})

	s := session.New(db, session.Options{})
	for _, name := range []string{"ann", "bob", "cy"} {
		a := &Author{Name: name}
		a.Posts.Add(&Post{Title: name + "'s first"}, &Post{Title: name + "'s second"})
		_ = s.Add(a)
	}
	_ = s.Commit(ctx)
	_ = s.Close(ctx)

	posts := func(a *Author) *mapper.Many[Post] { return &a.Posts }
	for _, load := range []struct {
		name string
		opt  session.LoadOption[Author]
	}{
		{"lazy", session.Lazy(posts)},
		{"select-in", session.SelectIn(posts)},
		{"joined", session.Joined(posts)},
	} {
		s := session.New(db, session.Options{})
		statements = 0
		authors, _ := session.Query[Author](s).Options(load.opt).OrderBy(Authors.Name).All(ctx)
		n := 0
		for _, a := range authors {
			list, _ := a.Posts.Get(ctx)
			n += len(list)
		}
		fmt.Printf("%s: %d authors, %d posts, %d statements\n", load.name, len(authors), n, statements)
		_ = s.Close(ctx)
	}

	// Output:
	// lazy: 3 authors, 6 posts, 4 statements
	// select-in: 3 authors, 6 posts, 2 statements
	// joined: 3 authors, 6 posts, 1 statements
}
