package session_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/internal/testdb"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// The fixture schema of the ORM tests (spec §0): users with addresses and
// orders, items with keywords through item_keywords, self-referential
// nodes; and tables for the rules that need more: a versioned table, a
// natural key, a composite key, server defaults.

type usersTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk,identity"`
	Name ore.Col[string] `ore:"name"`
}

type addressesTable struct {
	ore.Table
	ID           ore.Col[int64]  `ore:"id,pk,identity"`
	UserID       ore.Col[*int64] `ore:"user_id"`
	EmailAddress ore.Col[string] `ore:"email_address"`
}

func (t *addressesTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.UserID).References(Users.ID)}
}

type ordersTable struct {
	ore.Table
	ID          ore.Col[int64]  `ore:"id,pk,identity"`
	UserID      ore.Col[*int64] `ore:"user_id"`
	Description ore.Col[string] `ore:"description"`
	IsOpen      ore.Col[bool]   `ore:"isopen"`
}

func (t *ordersTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.UserID).References(Users.ID)}
}

type itemsTable struct {
	ore.Table
	ID          ore.Col[int64]  `ore:"id,pk,identity"`
	Description ore.Col[string] `ore:"description"`
}

type keywordsTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk,identity"`
	Name ore.Col[string] `ore:"name"`
}

type itemKeywordsTable struct {
	ore.Table
	ItemID    ore.Col[int64] `ore:"item_id,pk"`
	KeywordID ore.Col[int64] `ore:"keyword_id,pk"`
}

func (t *itemKeywordsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.ForeignKey(t.ItemID).References(Items.ID),
		ore.ForeignKey(t.KeywordID).References(Keywords.ID),
	}
}

type nodesTable struct {
	ore.Table
	ID       ore.Col[int64]  `ore:"id,pk,identity"`
	ParentID ore.Col[*int64] `ore:"parent_id"`
	Data     ore.Col[string] `ore:"data"`
}

func (t *nodesTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.ParentID).References(t.ID)}
}

// accounts has a version counter (optimistic locking).
type accountsTable struct {
	ore.Table
	ID      ore.Col[int64]  `ore:"id,pk,identity"`
	Owner   ore.Col[string] `ore:"owner"`
	Balance ore.Col[int64]  `ore:"balance"`
	Version ore.Col[int64]  `ore:"version"`
}

// tags has a natural primary key, which the application chooses and may
// change.
type tagsTable struct {
	ore.Table
	Name ore.Col[string] `ore:"name,pk,size=40"`
	Note ore.Col[string] `ore:"note"`
}

// memberships has a composite primary key.
type membershipsTable struct {
	ore.Table
	UserID  ore.Col[int64]  `ore:"user_id,pk"`
	GroupID ore.Col[int64]  `ore:"group_id,pk"`
	Role    ore.Col[string] `ore:"role"`
}

// events has server defaults, fetched back at INSERT.
type eventsTable struct {
	ore.Table
	ID       ore.Col[int64]     `ore:"id,pk,identity"`
	Title    ore.Col[string]    `ore:"title"`
	Priority ore.Col[int64]     `ore:"priority,default=5"`
	Created  ore.Col[time.Time] `ore:"created,type=timestamptz,default=CURRENT_TIMESTAMP"`
}

var (
	Users        = ore.NewTable[usersTable]("users")
	Addresses    = ore.NewTable[addressesTable]("addresses")
	Orders       = ore.NewTable[ordersTable]("orders")
	Items        = ore.NewTable[itemsTable]("items")
	Keywords     = ore.NewTable[keywordsTable]("keywords")
	ItemKeywords = ore.NewTable[itemKeywordsTable]("item_keywords")
	Nodes        = ore.NewTable[nodesTable]("nodes")
	Accounts     = ore.NewTable[accountsTable]("accounts")
	Tags         = ore.NewTable[tagsTable]("tags")
	Memberships  = ore.NewTable[membershipsTable]("memberships")
	Events       = ore.NewTable[eventsTable]("events")

	fixtureTables = ore.NewMetaData(Users, Addresses, Orders, Items, Keywords, ItemKeywords, Nodes, Accounts, Tags, Memberships, Events)
)

// The mapped types.

type User struct {
	ID        int64
	Name      string
	Addresses mapper.Many[Address]
	Orders    mapper.Many[Order]
}

type Address struct {
	ID           int64
	UserID       *int64
	EmailAddress string
	User         mapper.One[User]
}

type Order struct {
	ID          int64
	UserID      *int64
	Description string
	IsOpen      bool `ore:"isopen"`
}

type Item struct {
	ID          int64
	Description string
	Keywords    mapper.Many[Keyword]
}

type Keyword struct {
	ID   int64
	Name string
}

type Node struct {
	ID       int64
	ParentID *int64
	Data     string
	Children mapper.Many[Node]
	Parent   mapper.One[Node]
}

type Account struct {
	ID      int64
	Owner   string
	Balance int64
	Version int64
}

type Tag struct {
	Name string
	Note string
}

type Membership struct {
	UserID  int64
	GroupID int64
	Role    string
}

type Event struct {
	ID       int64
	Title    string
	Priority int64
	Created  time.Time
}

func init() {
	mapper.Map[User](Users, func(b *mapper.Builder[User], u *User) {
		mapper.HasMany(b, &u.Addresses, Addresses.UserID).BackPopulates("User").OrderBy(Addresses.ID.Asc())
		mapper.HasMany(b, &u.Orders, Orders.UserID).OrderBy(Orders.ID.Asc())
	})
	mapper.Map[Address](Addresses, func(b *mapper.Builder[Address], a *Address) {
		mapper.BelongsTo(b, &a.User, Addresses.UserID).BackPopulates("Addresses")
	})
	mapper.Map[Order](Orders)
	mapper.Map[Item](Items, func(b *mapper.Builder[Item], i *Item) {
		mapper.ManyToMany(b, &i.Keywords, ItemKeywords, ItemKeywords.ItemID, ItemKeywords.KeywordID).OrderBy(Keywords.ID.Asc())
	})
	mapper.Map[Keyword](Keywords)
	mapper.Map[Node](Nodes, func(b *mapper.Builder[Node], n *Node) {
		mapper.HasMany(b, &n.Children, Nodes.ParentID).BackPopulates("Parent").OrderBy(Nodes.ID.Asc())
		mapper.BelongsTo(b, &n.Parent, Nodes.ParentID).BackPopulates("Children")
	})
	mapper.Map[Account](Accounts, func(b *mapper.Builder[Account], a *Account) {
		mapper.Version(b, &a.Version)
	})
	mapper.Map[Tag](Tags)
	mapper.Map[Membership](Memberships)
	mapper.Map[Event](Events)
}

// ----------------------------------------------------------------------------
// The test environment

// env is one database with the fixture schema, and a recorder of the
// statements sent to it.
type env struct {
	t   *testing.T
	ctx context.Context
	db  *ore.DB

	mu     sync.Mutex
	stmts  []string // statements, normalized (see normalize)
	args   [][]any
	begins int // transactions begun
}

// forEachDB runs body on PostgreSQL and on SQLite, each on a fresh
// database with the fixture schema.
func forEachDB(t *testing.T, body func(t *testing.T, e *env)) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		e := &env{t: t, ctx: context.Background(), db: db}
		require.NoError(t, fixtureTables.CreateAll(e.ctx, db, ore.CreateOptions{}))
		db.Listen(ore.Listener{
			AfterExecute: func(_ context.Context, ev *ore.ExecEvent) {
				e.mu.Lock()
				defer e.mu.Unlock()
				e.stmts = append(e.stmts, normalize(ev.SQL))
				e.args = append(e.args, ev.Args)
			},
			Begin: func(context.Context, *ore.TxEvent) {
				e.mu.Lock()
				defer e.mu.Unlock()
				e.begins++
			},
		})
		body(t, e)
	})
}

var placeholder = regexp.MustCompile(`\$\d+`)

// normalize writes a statement as the spec does: no identifier quotes,
// "?" placeholders.
func normalize(sql string) string {
	return strings.ReplaceAll(placeholder.ReplaceAllString(sql, "?"), `"`, "")
}

// reset forgets the statements recorded so far.
func (e *env) reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stmts, e.args, e.begins = nil, nil, 0
}

// sql returns the statements recorded since the last reset.
func (e *env) sql() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.stmts...)
}

// session returns a new session on e's database, closed when the test
// ends.
func (e *env) session(opts ...session.Options) *session.Session {
	var o session.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s := session.New(e.db, o)
	e.t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// exec runs SQL for a test's setup, outside any session, and forgets it.
func (e *env) exec(stmt ore.Statement) {
	e.t.Helper()
	_, err := e.db.Exec(e.ctx, stmt)
	require.NoError(e.t, err)
	e.reset()
}

// seedUsers inserts users with the names given, one statement each, so
// that a fresh database gives them the ids 1, 2, ...; it forgets the
// statements.
func (e *env) seedUsers(names ...string) {
	e.t.Helper()
	for _, n := range names {
		e.exec(ore.Insert(Users).Values(Users.Name.To(n)))
	}
}
