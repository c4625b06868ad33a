package session_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// Relationship loading: lazy, joined, select-in, raise, contains-eager,
// nested option paths (spec REL-01..REL-14, REL-17..REL-19).

// Tables of these tests only: a one-to-one (passports of users) and a
// parent with a two-column key (shelves) and its children (books).

type passportsTable struct {
	ore.Table
	ID     ore.Col[int64]  `ore:"id,pk,identity"`
	UserID ore.Col[*int64] `ore:"user_id"`
	Number ore.Col[string] `ore:"number"`
}

func (t *passportsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.UserID).References(Users.ID)}
}

type shelvesTable struct {
	ore.Table
	Site ore.Col[int64]  `ore:"site,pk"`
	Code ore.Col[int64]  `ore:"code,pk"`
	Name ore.Col[string] `ore:"name"`
}

type booksTable struct {
	ore.Table
	ID        ore.Col[int64]  `ore:"id,pk,identity"`
	ShelfSite ore.Col[*int64] `ore:"shelf_site"`
	ShelfCode ore.Col[*int64] `ore:"shelf_code"`
	Title     ore.Col[string] `ore:"title"`
}

func (t *booksTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.ShelfSite, t.ShelfCode).References(Shelves.Site, Shelves.Code)}
}

var (
	Passports     = ore.NewTable[passportsTable]("passports")
	Shelves       = ore.NewTable[shelvesTable]("shelves")
	Books         = ore.NewTable[booksTable]("books")
	loadingTables = ore.NewMetaData(Passports, Shelves, Books)
)

// Citizen is a user mapped with a one-to-one passport and addresses in
// descending order of their email.
type Citizen struct {
	ID        int64
	Name      string
	Passport  mapper.One[Passport]
	Addresses mapper.Many[Address]
}

type Passport struct {
	ID     int64
	UserID *int64
	Number string
}

// Guarded is a user whose addresses declare Raise and orders RaiseOnSQL.
type Guarded struct {
	ID        int64
	Name      string
	Addresses mapper.Many[Address]
	Orders    mapper.Many[Order]
}

// Tree is a node whose children declare Joined.
type Tree struct {
	ID       int64
	ParentID *int64
	Data     string
	Children mapper.Many[Tree]
}

// Topic is a keyword with its items: the other side of Item.Keywords.
type Topic struct {
	ID    int64
	Name  string
	Items mapper.Many[Item]
}

type Shelf struct {
	Site  int64
	Code  int64
	Name  string
	Books mapper.Many[Book]
}

type Book struct {
	ID        int64
	ShelfSite *int64
	ShelfCode *int64
	Title     string
	Shelf     mapper.One[Shelf]
}

func init() {
	mapper.Map[Citizen](Users, func(b *mapper.Builder[Citizen], c *Citizen) {
		mapper.HasOne(b, &c.Passport, Passports.UserID)
		mapper.HasMany(b, &c.Addresses, Addresses.UserID).OrderBy(Addresses.EmailAddress.Desc())
	})
	mapper.Map[Passport](Passports)
	mapper.Map[Guarded](Users, func(b *mapper.Builder[Guarded], g *Guarded) {
		mapper.HasMany(b, &g.Addresses, Addresses.UserID).Load(mapper.Raise).OrderBy(Addresses.ID.Asc())
		mapper.HasMany(b, &g.Orders, Orders.UserID).Load(mapper.RaiseOnSQL).OrderBy(Orders.ID.Asc())
	})
	mapper.Map[Tree](Nodes, func(b *mapper.Builder[Tree], t *Tree) {
		mapper.HasMany(b, &t.Children, Nodes.ParentID).Load(mapper.Joined).OrderBy(Nodes.ID.Asc())
	})
	mapper.Map[Topic](Keywords, func(b *mapper.Builder[Topic], t *Topic) {
		mapper.ManyToMany(b, &t.Items, ItemKeywords, ItemKeywords.KeywordID, ItemKeywords.ItemID).OrderBy(Items.ID.Asc())
	})
	mapper.Map[Shelf](Shelves, func(b *mapper.Builder[Shelf], s *Shelf) {
		mapper.HasMany(b, &s.Books, Books.ShelfSite, Books.ShelfCode).OrderBy(Books.ID.Asc())
	})
	mapper.Map[Book](Books, func(b *mapper.Builder[Book], k *Book) {
		mapper.BelongsTo(b, &k.Shelf, Books.ShelfSite, Books.ShelfCode)
	})
}

func userOrders(u *User) *mapper.Many[Order]           { return &u.Orders }
func itemKeywords(i *Item) *mapper.Many[Keyword]       { return &i.Keywords }
func topicItems(t *Topic) *mapper.Many[Item]           { return &t.Items }
func nodeChildren(n *Node) *mapper.Many[Node]          { return &n.Children }
func nodeParent(n *Node) *mapper.One[Node]             { return &n.Parent }
func citizenPassport(c *Citizen) *mapper.One[Passport] { return &c.Passport }
func citizenAddresses(c *Citizen) *mapper.Many[Address] {
	return &c.Addresses
}
func guardedAddresses(g *Guarded) *mapper.Many[Address] { return &g.Addresses }
func shelfBooks(s *Shelf) *mapper.Many[Book]            { return &s.Books }
func bookShelf(b *Book) *mapper.One[Shelf]              { return &b.Shelf }

// The statements the tests expect.
const (
	ldAddressCols        = "addresses.id, addresses.user_id, addresses.email_address"
	ldAliasAddress       = "ore_addresses_1.id, ore_addresses_1.user_id, ore_addresses_1.email_address"
	ldSelectNodes        = "SELECT nodes.id, nodes.parent_id, nodes.data FROM nodes"
	ldNodeCols           = "nodes.id, nodes.parent_id, nodes.data"
	ldSelectItems        = "SELECT items.id, items.description FROM items"
	ldSelectOrders       = "SELECT orders.id, orders.user_id, orders.description, orders.isopen FROM orders"
	ldLazyAddrs          = eagerSelectAddresses + " WHERE addresses.user_id = ? ORDER BY addresses.id"
	ldUsersJoinAddresses = "SELECT users.id, users.name, " + ldAliasAddress +
		" FROM users LEFT JOIN addresses AS ore_addresses_1 ON users.id = ore_addresses_1.user_id"
)

// ldSeed makes eagerSeed's users and addresses; orders o1, o3 of ed and
// o2 of wendy; items 1 (blue, red), 2 (red, round) and 3 (none); and the
// nodes root(1) → a(2) → a1(4) → a1x(6), a(2) → a2(5), root(1) → b(3), and
// solo(7) alone.
func ldSeed(e *env) {
	eagerSeed(e)
	for _, o := range []struct {
		user int64
		desc string
	}{{1, "o1"}, {2, "o2"}, {1, "o3"}} {
		e.exec(ore.Insert(Orders).Values(Orders.UserID.To(ptr(o.user)), Orders.Description.To(o.desc), Orders.IsOpen.To(true)))
	}
	for _, d := range []string{"item1", "item2", "item3"} {
		e.exec(ore.Insert(Items).Values(Items.Description.To(d)))
	}
	for _, n := range []string{"blue", "red", "round"} {
		e.exec(ore.Insert(Keywords).Values(Keywords.Name.To(n)))
	}
	for _, ik := range [][2]int64{{1, 1}, {1, 2}, {2, 2}, {2, 3}} {
		e.exec(ore.Insert(ItemKeywords).Values(ItemKeywords.ItemID.To(ik[0]), ItemKeywords.KeywordID.To(ik[1])))
	}
	for _, n := range []struct {
		parent *int64
		data   string
	}{{nil, "root"}, {ptr(int64(1)), "a"}, {ptr(int64(1)), "b"}, {ptr(int64(2)), "a1"}, {ptr(int64(2)), "a2"}, {ptr(int64(4)), "a1x"}, {nil, "solo"}} {
		e.exec(ore.Insert(Nodes).Values(Nodes.ParentID.To(n.parent), Nodes.Data.To(n.data)))
	}
}

// ldTables creates the tables of these tests.
func ldTables(e *env) {
	require.NoError(e.t, loadingTables.CreateAll(e.ctx, e.db, ore.CreateOptions{}))
	e.reset()
}

func names(users []*User) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.Name)
	}
	return out
}

func nodeData(nodes []*Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Data)
	}
	return out
}

func keywordNames(ks []*Keyword) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Name)
	}
	return out
}

func itemDescriptions(items []*Item) []string {
	var out []string
	for _, i := range items {
		out = append(out, i.Description)
	}
	return out
}

func TestREL01_LazyByDefaultLoadsOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		users, err := session.Query[User](s).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{eagerSelectUsers}, e.sql())
		assert.False(t, users[0].Addresses.Loaded())

		e.reset()
		got, err := users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{ldLazyAddrs}, e.sql())
		assert.Equal(t, []any{int64(1)}, e.args[0])
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(got))

		// Loaded: no SQL the second time.
		e.reset()
		again, err := users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, got, again)
		assert.Empty(t, e.sql())
	})
}

func TestREL02_PendingAndTransientLoadWithoutSQL(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		u := &User{Name: "new"}
		a := &Address{EmailAddress: "new@a"}
		got, err := u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
		ref, err := a.User.Get(e.ctx)
		require.NoError(t, err)
		assert.Nil(t, ref)

		require.NoError(t, s.Add(u))
		require.NoError(t, s.Add(a))
		assert.Equal(t, session.Pending, session.StateOf(u))
		got, err = u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
		ref, err = a.User.Get(e.ctx)
		require.NoError(t, err)
		assert.Nil(t, ref)
		assert.Empty(t, e.sql())
	})
}

func TestREL04_JoinedCollections(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		users, err := session.Query[User](s).Options(session.Joined(userAddresses)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{ldUsersJoinAddresses + " ORDER BY users.id, ore_addresses_1.id"}, e.sql())
		// One object per user although ed has two rows; jack, without
		// addresses, has an empty, loaded collection (REL-10).
		assert.Equal(t, []string{"ed", "wendy", "jack"}, names(users))
		e.reset()
		want := [][]string{{"ed@a", "ed@b"}, {"wendy@a"}, nil}
		for i, u := range users {
			assert.True(t, u.Addresses.Loaded(), u.Name)
			got, err := u.Addresses.Get(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, want[i], emails(got), u.Name)
		}
		assert.Empty(t, e.sql())
		// The addresses are the session's objects.
		a1, err := session.Get[Address](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Same(t, a1, users[0].Addresses.Items()[0])
		assert.Equal(t, session.Persistent, session.StateOf(a1))
		assert.Empty(t, e.sql())
	})
}

// Two joined collections multiply each other's rows: each collection
// still gets each object once, in its order; each object loads once.
func TestREL04_TwoJoinedCollections(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		var loads []string
		s := e.session(session.Options{Listeners: []session.Listener{{Load: func(_ *session.Session, obj any) {
			switch o := obj.(type) {
			case *User:
				loads = append(loads, o.Name)
			case *Address:
				loads = append(loads, o.EmailAddress)
			case *Order:
				loads = append(loads, o.Description)
			}
		}}}})
		users, err := session.Query[User](s).Options(session.Joined(userAddresses), session.Joined(userOrders)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT users.id, users.name, " + ldAliasAddress +
			", ore_orders_1.id, ore_orders_1.user_id, ore_orders_1.description, ore_orders_1.isopen FROM users" +
			" LEFT JOIN addresses AS ore_addresses_1 ON users.id = ore_addresses_1.user_id" +
			" LEFT JOIN orders AS ore_orders_1 ON users.id = ore_orders_1.user_id" +
			" ORDER BY users.id, ore_addresses_1.id, ore_orders_1.id"}, e.sql())
		assert.Equal(t, []string{"ed", "wendy", "jack"}, names(users))
		descriptions := func(os []*Order) []string {
			var out []string
			for _, o := range os {
				out = append(out, o.Description)
			}
			return out
		}
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(users[0].Addresses.Items()))
		assert.Equal(t, []string{"o1", "o3"}, descriptions(users[0].Orders.Items()))
		assert.Equal(t, []string{"o2"}, descriptions(users[1].Orders.Items()))
		assert.True(t, users[2].Orders.Loaded())
		assert.Empty(t, users[2].Orders.Items())
		assert.ElementsMatch(t, []string{"ed", "wendy", "jack", "ed@a", "ed@b", "wendy@a", "o1", "o2", "o3"}, loads)
	})
}

func TestREL04_JoinedReferences(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		ldTables(e)
		e.exec(ore.Insert(Passports).Values(Passports.UserID.To(ptr(int64(2))), Passports.Number.To("P-wendy")))
		s := e.session()

		// Many-to-one; a NULL key gives a loaded nil.
		addrs, err := session.Query[Address](s).Options(session.Joined(addressUser)).OrderBy(Addresses.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT " + ldAddressCols + ", ore_users_1.id, ore_users_1.name FROM addresses" +
			" LEFT JOIN users AS ore_users_1 ON addresses.user_id = ore_users_1.id ORDER BY addresses.id"}, e.sql())
		require.Len(t, addrs, 4)
		var owners []string
		for _, a := range addrs {
			require.True(t, a.User.Loaded())
			if u := a.User.Value(); u != nil {
				owners = append(owners, u.Name)
			} else {
				owners = append(owners, "")
			}
		}
		assert.Equal(t, []string{"ed", "wendy", "ed", ""}, owners)
		assert.Same(t, addrs[0].User.Value(), addrs[2].User.Value())

		// One-to-one.
		e.reset()
		citizens, err := session.Query[Citizen](s).Options(session.Joined(citizenPassport)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT users.id, users.name, ore_passports_1.id, ore_passports_1.user_id, ore_passports_1.number FROM users" +
			" LEFT JOIN passports AS ore_passports_1 ON users.id = ore_passports_1.user_id ORDER BY users.id"}, e.sql())
		require.Len(t, citizens, 3)
		for _, c := range citizens {
			assert.True(t, c.Passport.Loaded(), c.Name)
		}
		assert.Nil(t, citizens[0].Passport.Value())
		require.NotNil(t, citizens[1].Passport.Value())
		assert.Equal(t, "P-wendy", citizens[1].Passport.Value().Number)
	})
}

func TestREL04_JoinedNestedPathsChainAliases(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		users, err := session.Query[User](s).Options(session.Joined(userAddresses, session.Joined(addressUser))).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT users.id, users.name, " + ldAliasAddress + ", ore_users_1.id, ore_users_1.name FROM users" +
			" LEFT JOIN addresses AS ore_addresses_1 ON users.id = ore_addresses_1.user_id" +
			" LEFT JOIN users AS ore_users_1 ON ore_addresses_1.user_id = ore_users_1.id" +
			" ORDER BY users.id, ore_addresses_1.id"}, e.sql())
		require.Len(t, users, 3)
		for _, u := range users {
			for _, a := range u.Addresses.Items() {
				assert.True(t, a.User.Loaded())
				assert.Same(t, u, a.User.Value())
			}
		}
	})
}

func TestREL04_JoinedForUpdateLocksTheObjectsRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		users, err := session.Query[User](s).Options(session.Joined(userAddresses)).OrderBy(Users.ID).ForUpdate().All(e.ctx)
		require.NoError(t, err)
		assert.Len(t, users, 3)
		want := ldUsersJoinAddresses + " ORDER BY users.id, ore_addresses_1.id"
		locksRows := e.db.Dialect().Features().Has(compile.FeatRowLocking) // else ForUpdate adds nothing
		if locksRows {
			// The joined tables are on the nullable side of outer joins.
			want += " FOR UPDATE OF users"
		}
		assert.Equal(t, []string{want}, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// Wrapped, the query locks its rows inside the subquery.
		s = e.session()
		e.reset()
		users, err = session.Query[User](s).Options(session.Joined(userAddresses)).OrderBy(Users.ID).Limit(2).ForUpdate().All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed", "wendy"}, names(users))
		lock := ""
		if locksRows {
			lock = " FOR UPDATE"
		}
		assert.Equal(t, []string{"SELECT ore_anon_1.id, ore_anon_1.name, " + ldAliasAddress +
			" FROM (SELECT users.id, users.name FROM users ORDER BY users.id LIMIT ?" + lock + ") AS ore_anon_1" +
			" LEFT JOIN addresses AS ore_addresses_1 ON ore_anon_1.id = ore_addresses_1.user_id" +
			" ORDER BY ore_anon_1.id, ore_addresses_1.id"}, e.sql())
	})
}

func TestREL05_JoinedWrapsLimitedQueries(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		users, err := session.Query[User](s).Options(session.Joined(userAddresses)).
			OrderBy(Users.Name.Desc()).Limit(2).Offset(1).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT ore_anon_1.id, ore_anon_1.name, " + ldAliasAddress +
			" FROM (SELECT users.id, users.name FROM users ORDER BY users.name DESC LIMIT ? OFFSET ?) AS ore_anon_1" +
			" LEFT JOIN addresses AS ore_addresses_1 ON ore_anon_1.id = ore_addresses_1.user_id" +
			" ORDER BY ore_anon_1.name DESC, ore_addresses_1.id"}, e.sql())
		assert.Equal(t, []any{int64(2), int64(1)}, e.args[0])
		assert.Equal(t, []string{"jack", "ed"}, names(users))
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(users[1].Addresses.Items()))

		// An ordering term that is not a column of users is selected in
		// the subquery under a label, and ordered by outside.
		e.reset()
		users, err = session.Query[User](s).Options(session.Joined(userAddresses)).
			OrderBy(ore.Raw[int64]("length(?)", Users.Name), Users.ID).Limit(2).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT ore_anon_1.id, ore_anon_1.name, " + ldAliasAddress +
			" FROM (SELECT users.id, users.name, length(users.name) AS ore_col_1 FROM users ORDER BY length(users.name), users.id LIMIT ?) AS ore_anon_1" +
			" LEFT JOIN addresses AS ore_addresses_1 ON ore_anon_1.id = ore_addresses_1.user_id" +
			" ORDER BY ore_anon_1.ore_col_1, ore_anon_1.id, ore_addresses_1.id"}, e.sql())
		assert.Equal(t, []string{"ed", "jack"}, names(users))

		// First and One limit the users, not the joined rows.
		require.NoError(t, s.Close(e.ctx))
		s = e.session()
		e.reset()
		ed, err := session.Query[User](s).Options(session.Joined(userAddresses)).OrderBy(Users.ID).First(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(ed.Addresses.Items()))
		assert.Contains(t, e.sql()[0], "FROM (SELECT users.id, users.name FROM users ORDER BY users.id LIMIT ?) AS ore_anon_1")
		require.NoError(t, s.Close(e.ctx))
		s = e.session()
		ed, err = session.Query[User](s).Options(session.Joined(userAddresses)).Where(Users.ID.Eq(1)).One(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(ed.Addresses.Items()))

		// A many-to-one repeats no row: no subquery.
		e.reset()
		_, err = session.Query[Address](s).Options(session.Joined(addressUser)).OrderBy(Addresses.ID).Limit(2).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT " + ldAddressCols + ", ore_users_1.id, ore_users_1.name FROM addresses" +
			" LEFT JOIN users AS ore_users_1 ON addresses.user_id = ore_users_1.id ORDER BY addresses.id LIMIT ?"}, e.sql())
	})
}

// Changing the strategy changes the statements, never which objects come
// back nor their order; the application's joins and conditions do not
// reach the eager join.
func TestREL05_SameObjectsUnderEveryStrategy(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		byEmail := Addresses.UserID.EqExpr(ore.Ptr(Users.ID))
		queries := map[string]func(session.ObjectQuery[User]) session.ObjectQuery[User]{
			"limit offset": func(q session.ObjectQuery[User]) session.ObjectQuery[User] {
				return q.OrderBy(Users.Name.Desc()).Limit(2).Offset(1)
			},
			"limit 1": func(q session.ObjectQuery[User]) session.ObjectQuery[User] { return q.OrderBy(Users.ID).Limit(1) },
			"distinct offset": func(q session.ObjectQuery[User]) session.ObjectQuery[User] {
				return q.Distinct().OrderBy(Users.ID).Offset(1)
			},
			"order by expression": func(q session.ObjectQuery[User]) session.ObjectQuery[User] {
				return q.OrderBy(ore.Raw[int64]("length(?)", Users.Name).Desc(), Users.ID).Limit(2)
			},
			"filtering join": func(q session.ObjectQuery[User]) session.ObjectQuery[User] {
				return q.Join(Addresses, byEmail).Where(Addresses.EmailAddress.Eq("ed@b")).OrderBy(Users.ID).Limit(5)
			},
		}
		strategies := map[string][]session.LoadOption[User]{
			"lazy":      nil,
			"select-in": {session.SelectIn(userAddresses)},
			"joined":    {session.Joined(userAddresses)},
		}
		for name, build := range queries {
			results := map[string][]string{}
			var collections []string
			for strategy, opts := range strategies {
				s := e.session()
				users, err := build(session.Query[User](s).Options(opts...)).All(e.ctx)
				require.NoError(t, err, "%s, %s", name, strategy)
				results[strategy] = names(users)
				// Every strategy fills the whole collection, whatever the
				// query's own joins matched.
				var all []string
				for _, u := range users {
					got, err := u.Addresses.Get(e.ctx)
					require.NoError(t, err)
					all = append(all, emails(got)...)
				}
				if collections == nil {
					collections = all
				}
				assert.Equal(t, collections, all, "%s, %s", name, strategy)
				require.NoError(t, s.Close(e.ctx))
			}
			assert.NotEmpty(t, results["lazy"], name)
			assert.Equal(t, results["lazy"], results["select-in"], name)
			assert.Equal(t, results["lazy"], results["joined"], name)
		}
	})
}

func TestREL05_UserJoinDoesNotFilterTheEagerJoin(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		users, err := session.Query[User](e.session()).
			Join(Addresses, Addresses.UserID.EqExpr(ore.Ptr(Users.ID))).
			Where(Addresses.EmailAddress.Eq("ed@b")).
			Options(session.Joined(userAddresses)).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT users.id, users.name, " + ldAliasAddress +
			" FROM users JOIN addresses ON addresses.user_id = users.id" +
			" LEFT JOIN addresses AS ore_addresses_1 ON users.id = ore_addresses_1.user_id" +
			" WHERE addresses.email_address = ? ORDER BY ore_addresses_1.id"}, e.sql())
		require.Len(t, users, 1)
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(users[0].Addresses.Items()))
	})
}

// Joined and select-in loads leave loaded relationships of objects the
// session has alone, unless the query populates existing objects.
func TestREL06_EagerLoadsKeepLoadedRelationships(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session(session.Options{NoExpireOnCommit: true})
		ed, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		_, err = ed.Addresses.Get(e.ctx)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx)) // keeps the collection loaded
		e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(ptr(int64(1))), Addresses.EmailAddress.To("ed@c")))
		for _, opt := range []session.LoadOption[User]{session.Joined(userAddresses), session.SelectIn(userAddresses)} {
			users, err := session.Query[User](s).Options(opt).OrderBy(Users.ID).All(e.ctx)
			require.NoError(t, err)
			assert.Same(t, ed, users[0])
			assert.Equal(t, []string{"ed@a", "ed@b"}, emails(ed.Addresses.Items()))
			assert.Equal(t, []string{"wendy@a"}, emails(users[1].Addresses.Items()))
		}
		users, err := session.Query[User](s).Options(session.Joined(userAddresses)).OrderBy(Users.ID).PopulateExisting().All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@a", "ed@b", "ed@c"}, emails(users[0].Addresses.Items()))
	})
}

func TestREL06_SelectInManyToMany(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		s := e.session()
		items, err := session.Query[Item](s).Options(session.SelectIn(itemKeywords)).OrderBy(Items.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{
			ldSelectItems + " ORDER BY items.id",
			"SELECT keywords.id, keywords.name, item_keywords.item_id FROM keywords" +
				" JOIN item_keywords ON item_keywords.keyword_id = keywords.id" +
				" WHERE item_keywords.item_id IN (?, ?, ?) ORDER BY keywords.id",
		}, e.sql())
		assert.Equal(t, []any{int64(1), int64(2), int64(3)}, e.args[1])
		e.reset()
		want := [][]string{{"blue", "red"}, {"red", "round"}, nil}
		for i, it := range items {
			got, err := it.Keywords.Get(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, want[i], keywordNames(got), it.Description)
		}
		assert.Empty(t, e.sql())
		assert.Same(t, items[0].Keywords.Items()[1], items[1].Keywords.Items()[0], "one object per row")
	})
}

// Composite keys: a tuple IN on both databases, for collections and
// references; joined and lazy loads match every key column.
func TestREL06_CompositeKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldTables(e)
		for _, sh := range []struct {
			site, code int64
			name       string
		}{{1, 1, "s11"}, {1, 2, "s12"}, {2, 1, "s21"}} {
			e.exec(ore.Insert(Shelves).Values(Shelves.Site.To(sh.site), Shelves.Code.To(sh.code), Shelves.Name.To(sh.name)))
		}
		for _, b := range []struct {
			site, code *int64
			title      string
		}{{ptr(int64(1)), ptr(int64(1)), "b1"}, {ptr(int64(1)), ptr(int64(2)), "b2"}, {ptr(int64(1)), ptr(int64(1)), "b3"}, {nil, nil, "b4"}} {
			e.exec(ore.Insert(Books).Values(Books.ShelfSite.To(b.site), Books.ShelfCode.To(b.code), Books.Title.To(b.title)))
		}
		const selectShelves = "SELECT shelves.site, shelves.code, shelves.name FROM shelves"
		const selectBooks = "SELECT books.id, books.shelf_site, books.shelf_code, books.title FROM books"
		titles := func(bs []*Book) []string {
			var out []string
			for _, b := range bs {
				out = append(out, b.Title)
			}
			return out
		}
		wantBooks := [][]string{{"b1", "b3"}, {"b2"}, nil}

		s := e.session()
		shelves, err := session.Query[Shelf](s).Options(session.SelectIn(shelfBooks)).OrderBy(Shelves.Site, Shelves.Code).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{
			selectShelves + " ORDER BY shelves.site, shelves.code",
			selectBooks + " WHERE (books.shelf_site, books.shelf_code) IN ((?, ?), (?, ?), (?, ?)) ORDER BY books.id",
		}, e.sql())
		assert.Equal(t, []any{int64(1), int64(1), int64(1), int64(2), int64(2), int64(1)}, e.args[1])
		for i, sh := range shelves {
			assert.True(t, sh.Books.Loaded())
			assert.Equal(t, wantBooks[i], titles(sh.Books.Items()), sh.Name)
		}
		require.NoError(t, s.Close(e.ctx))

		e.reset()
		s = e.session()
		books, err := session.Query[Book](s).Options(session.SelectIn(bookShelf)).OrderBy(Books.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{
			selectBooks + " ORDER BY books.id",
			selectShelves + " WHERE (shelves.site, shelves.code) IN ((?, ?), (?, ?))",
		}, e.sql())
		assert.Equal(t, []any{int64(1), int64(1), int64(1), int64(2)}, e.args[1])
		var onShelf []string
		for _, b := range books {
			require.True(t, b.Shelf.Loaded())
			if sh := b.Shelf.Value(); sh != nil {
				onShelf = append(onShelf, sh.Name)
			} else {
				onShelf = append(onShelf, "")
			}
		}
		assert.Equal(t, []string{"s11", "s12", "s11", ""}, onShelf)
		require.NoError(t, s.Close(e.ctx))

		e.reset()
		s = e.session()
		shelves, err = session.Query[Shelf](s).Options(session.Joined(shelfBooks)).OrderBy(Shelves.Site, Shelves.Code).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT shelves.site, shelves.code, shelves.name," +
			" ore_books_1.id, ore_books_1.shelf_site, ore_books_1.shelf_code, ore_books_1.title FROM shelves" +
			" LEFT JOIN books AS ore_books_1 ON shelves.site = ore_books_1.shelf_site AND shelves.code = ore_books_1.shelf_code" +
			" ORDER BY shelves.site, shelves.code, ore_books_1.id"}, e.sql())
		for i, sh := range shelves {
			assert.Equal(t, wantBooks[i], titles(sh.Books.Items()), sh.Name)
		}
		require.NoError(t, s.Close(e.ctx))

		e.reset()
		s = e.session()
		s12, err := session.Get[Shelf](e.ctx, s, 1, 2)
		require.NoError(t, err)
		e.reset()
		got, err := s12.Books.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"b2"}, titles(got))
		assert.Equal(t, []string{selectBooks + " WHERE books.shelf_site = ? AND books.shelf_code = ? ORDER BY books.id"}, e.sql())
	})
}

func TestREL08_RaiseDeclaredAndPerQuery(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		s := e.session()

		// Declared Raise and RaiseOnSQL: an error, and no SQL.
		gs, err := session.Query[Guarded](s).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		e.reset()
		_, err = gs[0].Addresses.Get(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, "Guarded.Addresses is not available due to its Raise loader strategy")
		_, err = gs[0].Orders.Get(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, "Guarded.Orders is not available due to its RaiseOnSQL loader strategy")
		assert.Empty(t, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// A query's option overrides the declaration, for its objects.
		s = e.session()
		gs, err = session.Query[Guarded](s).Options(session.Lazy(guardedAddresses)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		e.reset()
		got, err := gs[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(got))
		assert.Equal(t, []string{ldLazyAddrs}, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// Raise as an option.
		s = e.session()
		users, err := session.Query[User](s).Options(session.Raise(userAddresses)).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		e.reset()
		_, err = users[0].Addresses.Get(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, "User.Addresses is not available due to its Raise loader strategy")
		assert.False(t, users[0].Addresses.Loaded())
		// Other relationships load as declared.
		_, err = users[0].Orders.Get(e.ctx)
		require.NoError(t, err)
		assert.Len(t, e.sql(), 1)
		require.NoError(t, s.Close(e.ctx))

		// RaiseOnSQL as an option: a target in the identity map, or a
		// NULL key, needs no SQL and loads; another is an error.
		s = e.session()
		ed, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		addrs, err := session.Query[Address](s).Options(session.RaiseOnSQL(addressUser)).OrderBy(Addresses.ID).All(e.ctx)
		require.NoError(t, err)
		e.reset()
		u, err := addrs[0].User.Get(e.ctx)
		require.NoError(t, err)
		assert.Same(t, ed, u)
		u, err = addrs[3].User.Get(e.ctx)
		require.NoError(t, err)
		assert.Nil(t, u)
		_, err = addrs[1].User.Get(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, "Address.User is not available due to its RaiseOnSQL loader strategy")
		assert.Empty(t, e.sql())
	})
}

func TestREL10_JoinedEmptyCollectionsAreLoaded(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		s := e.session()
		items, err := session.Query[Item](s).Options(session.Joined(itemKeywords)).Where(Items.ID.Eq(3)).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, items, 1)
		e.reset()
		assert.True(t, items[0].Keywords.Loaded())
		got, err := items[0].Keywords.Get(e.ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
		assert.Empty(t, e.sql())
	})
}

func TestREL12_ContainsEager(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		byUser := Addresses.UserID.EqExpr(ore.Ptr(Users.ID))
		users, err := session.Query[User](s).
			Join(Addresses, byUser).
			Where(ore.Like(Addresses.EmailAddress, "%@a")).
			OrderBy(Users.ID, Addresses.ID).
			Options(session.ContainsEager(userAddresses)).All(e.ctx)
		require.NoError(t, err)
		// No join of its own: the query's columns.
		assert.Equal(t, []string{"SELECT users.id, users.name, " + ldAddressCols +
			" FROM users JOIN addresses ON addresses.user_id = users.id" +
			" WHERE addresses.email_address LIKE ? ORDER BY users.id, addresses.id"}, e.sql())
		// The collections hold what the query matched: ed@b is not there.
		assert.Equal(t, []string{"ed", "wendy"}, names(users))
		e.reset()
		assert.True(t, users[0].Addresses.Loaded())
		assert.Equal(t, []string{"ed@a"}, emails(users[0].Addresses.Items()))
		assert.Equal(t, []string{"wendy@a"}, emails(users[1].Addresses.Items()))

		// A loaded collection is left as it is...
		all, err := session.Query[User](s).Join(Addresses, byUser).OrderBy(Users.ID, Addresses.ID).
			Options(session.ContainsEager(userAddresses)).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed", "wendy"}, names(all), "one object per user")
		assert.Equal(t, []string{"ed@a"}, emails(users[0].Addresses.Items()))
		// ... unless the query populates existing objects.
		_, err = session.Query[User](s).Join(Addresses, byUser).OrderBy(Users.ID, Addresses.ID).
			Options(session.ContainsEager(userAddresses)).PopulateExisting().All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(users[0].Addresses.Items()))

		// Not sticky: after expiry the collection loads whole, lazily.
		_, err = session.Query[User](s).Join(Addresses, byUser).Where(Addresses.EmailAddress.Eq("ed@b")).
			Options(session.ContainsEager(userAddresses)).PopulateExisting().All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@b"}, emails(users[0].Addresses.Items()))
		require.NoError(t, s.Expire(users[0], "Addresses"))
		e.reset()
		got, err := users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(got))
		assert.Equal(t, []string{ldLazyAddrs}, e.sql())
	})
}

// With a joined collection and a limit the query is wrapped: the
// contains-eager columns are selected inside under labels, and the joins
// of the objects they load are made outside from those.
func TestREL12_ContainsEagerInAWrappedQuery(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		users, err := session.Query[User](e.session()).
			Join(Addresses, Addresses.UserID.EqExpr(ore.Ptr(Users.ID))).
			OrderBy(Users.ID, Addresses.ID).Limit(2).
			Options(session.ContainsEager(userAddresses, session.Joined(addressUser)), session.Joined(userOrders)).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT ore_anon_1.id, ore_anon_1.name, ore_anon_1.ore_col_1, ore_anon_1.ore_col_2, ore_anon_1.ore_col_3," +
			" ore_users_1.id, ore_users_1.name, ore_orders_1.id, ore_orders_1.user_id, ore_orders_1.description, ore_orders_1.isopen" +
			" FROM (SELECT users.id, users.name, addresses.id AS ore_col_1, addresses.user_id AS ore_col_2, addresses.email_address AS ore_col_3" +
			" FROM users JOIN addresses ON addresses.user_id = users.id ORDER BY users.id, addresses.id LIMIT ?) AS ore_anon_1" +
			" LEFT JOIN users AS ore_users_1 ON ore_anon_1.ore_col_2 = ore_users_1.id" +
			" LEFT JOIN orders AS ore_orders_1 ON ore_anon_1.id = ore_orders_1.user_id" +
			" ORDER BY ore_anon_1.id, ore_anon_1.ore_col_1, ore_orders_1.id"}, e.sql())
		// The limit counts the query's rows: ed's two.
		require.Equal(t, []string{"ed"}, names(users))
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(users[0].Addresses.Items()))
		assert.Same(t, users[0], users[0].Addresses.Items()[1].User.Value())
		assert.Len(t, users[0].Orders.Items(), 2)
	})
}

func TestREL12_ContainsEagerFromAnAlias(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		s := e.session()
		a := ore.Alias(Addresses, "a")
		addrs, err := session.Query[Address](s).
			LeftJoin(Users, Addresses.UserID.EqExpr(ore.Ptr(Users.ID))).
			OrderBy(Addresses.ID).
			Options(session.ContainsEager(addressUser)).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT " + ldAddressCols + ", users.id, users.name FROM addresses" +
			" LEFT JOIN users ON addresses.user_id = users.id ORDER BY addresses.id"}, e.sql())
		require.Len(t, addrs, 4)
		assert.Equal(t, "ed", addrs[0].User.Value().Name)
		assert.True(t, addrs[3].User.Loaded())
		assert.Nil(t, addrs[3].User.Value())

		// Nested: users with the addresses the query joined as "a", and
		// those addresses' users from the same rows.
		require.NoError(t, s.Close(e.ctx))
		s = e.session()
		e.reset()
		u2 := ore.Alias(Users, "u2")
		users, err := session.Query[User](s).
			Join(a, a.UserID.EqExpr(ore.Ptr(Users.ID))).
			Join(u2, u2.ID.EqExpr(ore.Deref(a.UserID))).
			OrderBy(Users.ID, a.ID).
			Options(session.ContainsEagerFrom(userAddresses, a, session.ContainsEagerFrom(addressUser, u2))).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT users.id, users.name, a.id, a.user_id, a.email_address, u2.id, u2.name FROM users" +
			" JOIN addresses AS a ON a.user_id = users.id JOIN users AS u2 ON u2.id = a.user_id ORDER BY users.id, a.id"}, e.sql())
		assert.Equal(t, []string{"ed", "wendy"}, names(users))
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(users[0].Addresses.Items()))
		assert.Same(t, users[0], users[0].Addresses.Items()[1].User.Value())

		// Misuse.
		_, err = session.Query[User](s).Options(session.ContainsEagerFrom(userAddresses, Users)).All(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, `table "users" is not Address's table "addresses"`)
		_, err = session.Query[User](s).Options(session.Joined(userAddresses, session.ContainsEager(addressUser))).All(e.ctx)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.ErrorContains(t, err, "only valid at the top of its options or under another ContainsEager")
	})
}

func TestREL13_OptionsStayWithTheObjects(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		s := e.session()
		roots, err := session.Query[Node](s).Where(Nodes.ParentID.IsNull()).OrderBy(Nodes.ID).
			Options(session.Lazy(nodeChildren, session.SelectIn(nodeChildren))).All(e.ctx)
		require.NoError(t, err)
		require.Equal(t, []string{"root", "solo"}, nodeData(roots))
		assert.Len(t, e.sql(), 1)

		// The lazy load applies the options given for it: the children's
		// children come with a select-in.
		e.reset()
		kids, err := roots[0].Children.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b"}, nodeData(kids))
		assert.Equal(t, []string{
			ldSelectNodes + " WHERE nodes.parent_id = ? ORDER BY nodes.id",
			ldSelectNodes + " WHERE nodes.parent_id IN (?, ?) ORDER BY nodes.id",
		}, e.sql())
		assert.Equal(t, []any{int64(2), int64(3)}, e.args[1])
		assert.True(t, kids[0].Children.Loaded())
		assert.Equal(t, []string{"a1", "a2"}, nodeData(kids[0].Children.Items()))
		// One level only: the grandchildren's children are not loaded.
		assert.False(t, kids[0].Children.Items()[0].Children.Loaded())

		// After expiry, the same again.
		require.NoError(t, s.Expire(roots[0], "Children"))
		require.NoError(t, s.Expire(kids[0], "Children"))
		e.reset()
		_, err = roots[0].Children.Get(e.ctx)
		require.NoError(t, err)
		assert.Len(t, e.sql(), 2)

		// Nested joined under a select-in, kept for the lazy load after
		// expiry.
		e.reset()
		users, err := session.Query[User](s).Options(session.SelectIn(userAddresses, session.Joined(addressUser))).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Len(t, e.sql(), 2)
		require.NoError(t, s.Expire(users[0], "Addresses"))
		e.reset()
		got, err := users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(got))
		assert.Equal(t, []string{"SELECT " + ldAddressCols + ", ore_users_1.id, ore_users_1.name FROM addresses" +
			" LEFT JOIN users AS ore_users_1 ON addresses.user_id = ore_users_1.id" +
			" WHERE addresses.user_id = ? ORDER BY addresses.id"}, e.sql())

		// A query that populates the objects replaces their options.
		_, err = session.Query[User](s).PopulateExisting().OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		require.NoError(t, s.Expire(users[0], "Addresses"))
		e.reset()
		_, err = users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{ldLazyAddrs}, e.sql())

		// They stay with the objects while they are in the session only.
		_, err = session.Query[User](s).Options(session.Lazy(userAddresses, session.Joined(addressUser))).PopulateExisting().All(e.ctx)
		require.NoError(t, err)
		require.NoError(t, s.Close(e.ctx))
		s2 := e.session()
		require.NoError(t, s2.Add(users[0]))
		require.NoError(t, s2.Expire(users[0], "Addresses"))
		e.reset()
		_, err = users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{ldLazyAddrs}, e.sql())
	})
}

func TestREL14_CollectionOrderUnderEveryStrategy(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		ldTables(e)
		want := [][]string{{"ed@b", "ed@a"}, {"wendy@a"}, nil}
		check := func(citizens []*Citizen) {
			t.Helper()
			require.Len(t, citizens, 3)
			for i, c := range citizens {
				got, err := c.Addresses.Get(e.ctx)
				require.NoError(t, err)
				assert.Equal(t, want[i], emails(got), c.Name)
			}
		}
		run := func(opts ...session.LoadOption[Citizen]) []string {
			s := e.session()
			defer s.Close(e.ctx)
			e.reset()
			citizens, err := session.Query[Citizen](s).Options(opts...).OrderBy(Users.ID).All(e.ctx)
			require.NoError(t, err)
			check(citizens)
			return e.sql()
		}
		lazy := run()
		require.Len(t, lazy, 4)
		assert.Equal(t, eagerSelectAddresses+" WHERE addresses.user_id = ? ORDER BY addresses.email_address DESC", lazy[1])
		assert.Equal(t, []string{"SELECT users.id, users.name, " + ldAliasAddress +
			" FROM users LEFT JOIN addresses AS ore_addresses_1 ON users.id = ore_addresses_1.user_id" +
			" ORDER BY users.id, ore_addresses_1.email_address DESC"}, run(session.Joined(citizenAddresses)))
		assert.Equal(t, []string{
			eagerSelectUsers,
			eagerSelectAddresses + " WHERE addresses.user_id IN (?, ?, ?) ORDER BY addresses.email_address DESC",
		}, run(session.SelectIn(citizenAddresses)))
	})
}

func TestREL17_ManyToManyEachWay(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		const selectKeywords = "SELECT keywords.id, keywords.name FROM keywords"
		wantKeywords := [][]string{{"blue", "red"}, {"red", "round"}, nil}
		wantItems := [][]string{{"item1"}, {"item1", "item2"}, {"item2"}}
		type result struct {
			sql  []string
			args [][]any
		}
		items := func(opts ...session.LoadOption[Item]) result {
			s := e.session()
			defer s.Close(e.ctx)
			e.reset()
			got, err := session.Query[Item](s).Options(opts...).OrderBy(Items.ID).All(e.ctx)
			require.NoError(t, err)
			require.Len(t, got, 3)
			for i, it := range got {
				ks, err := it.Keywords.Get(e.ctx)
				require.NoError(t, err)
				assert.Equal(t, wantKeywords[i], keywordNames(ks), it.Description)
			}
			return result{e.sql(), e.args}
		}
		topics := func(opts ...session.LoadOption[Topic]) result {
			s := e.session()
			defer s.Close(e.ctx)
			e.reset()
			got, err := session.Query[Topic](s).Options(opts...).OrderBy(Keywords.ID).All(e.ctx)
			require.NoError(t, err)
			require.Len(t, got, 3)
			for i, tp := range got {
				its, err := tp.Items.Get(e.ctx)
				require.NoError(t, err)
				assert.Equal(t, wantItems[i], itemDescriptions(its), tp.Name)
			}
			return result{e.sql(), e.args}
		}

		lazy := items()
		require.Len(t, lazy.sql, 4)
		assert.Equal(t, "SELECT keywords.id, keywords.name FROM keywords JOIN item_keywords ON item_keywords.keyword_id = keywords.id"+
			" WHERE item_keywords.item_id = ? ORDER BY keywords.id", lazy.sql[1])
		assert.Equal(t, []string{"SELECT items.id, items.description, ore_keywords_1.id, ore_keywords_1.name FROM items" +
			" LEFT JOIN item_keywords AS ore_item_keywords_1 ON items.id = ore_item_keywords_1.item_id" +
			" LEFT JOIN keywords AS ore_keywords_1 ON ore_item_keywords_1.keyword_id = ore_keywords_1.id" +
			" ORDER BY items.id, ore_keywords_1.id"}, items(session.Joined(itemKeywords)).sql)
		assert.Len(t, items(session.SelectIn(itemKeywords)).sql, 2)

		lazy = topics()
		require.Len(t, lazy.sql, 4)
		assert.Equal(t, ldSelectItems+" JOIN item_keywords ON item_keywords.item_id = items.id"+
			" WHERE item_keywords.keyword_id = ? ORDER BY items.id", lazy.sql[1])
		assert.Equal(t, []string{"SELECT keywords.id, keywords.name, ore_items_1.id, ore_items_1.description FROM keywords" +
			" LEFT JOIN item_keywords AS ore_item_keywords_1 ON keywords.id = ore_item_keywords_1.keyword_id" +
			" LEFT JOIN items AS ore_items_1 ON ore_item_keywords_1.item_id = ore_items_1.id" +
			" ORDER BY keywords.id, ore_items_1.id"}, topics(session.Joined(topicItems)).sql)
		in := topics(session.SelectIn(topicItems))
		assert.Equal(t, []string{
			selectKeywords + " ORDER BY keywords.id",
			"SELECT items.id, items.description, item_keywords.keyword_id FROM items" +
				" JOIN item_keywords ON item_keywords.item_id = items.id" +
				" WHERE item_keywords.keyword_id IN (?, ?, ?) ORDER BY items.id",
		}, in.sql)
		assert.Equal(t, []any{int64(1), int64(2), int64(3)}, in.args[1])
	})
}

func TestREL18_SelfReferential(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		roots := func(opts ...session.LoadOption[Node]) ([]*Node, *session.Session) {
			s := e.session()
			e.reset()
			got, err := session.Query[Node](s).Where(Nodes.ParentID.IsNull()).OrderBy(Nodes.ID).Options(opts...).All(e.ctx)
			require.NoError(t, err)
			require.Equal(t, []string{"root", "solo"}, nodeData(got))
			return got, s
		}
		// Two levels of children, whatever loaded them.
		checkTree := func(rs []*Node) {
			t.Helper()
			kids, err := rs[0].Children.Get(e.ctx)
			require.NoError(t, err)
			require.Equal(t, []string{"a", "b"}, nodeData(kids))
			grand, err := kids[0].Children.Get(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{"a1", "a2"}, nodeData(grand))
			none, err := kids[1].Children.Get(e.ctx)
			require.NoError(t, err)
			assert.Empty(t, none)
			none, err = rs[1].Children.Get(e.ctx)
			require.NoError(t, err)
			assert.Empty(t, none)
		}
		const byParent = ldSelectNodes + " WHERE nodes.parent_id = ? ORDER BY nodes.id"
		const whereRoots = " WHERE nodes.parent_id IS NULL ORDER BY nodes.id"

		rs, s := roots()
		checkTree(rs)
		assert.Equal(t, []string{ldSelectNodes + whereRoots, byParent, byParent, byParent, byParent}, e.sql())
		require.NoError(t, s.Close(e.ctx))

		rs, s = roots(session.Joined(nodeChildren, session.Joined(nodeChildren)))
		assert.Equal(t, []string{"SELECT " + ldNodeCols +
			", ore_nodes_1.id, ore_nodes_1.parent_id, ore_nodes_1.data, ore_nodes_2.id, ore_nodes_2.parent_id, ore_nodes_2.data FROM nodes" +
			" LEFT JOIN nodes AS ore_nodes_1 ON nodes.id = ore_nodes_1.parent_id" +
			" LEFT JOIN nodes AS ore_nodes_2 ON ore_nodes_1.id = ore_nodes_2.parent_id" +
			" WHERE nodes.parent_id IS NULL ORDER BY nodes.id, ore_nodes_1.id, ore_nodes_2.id"}, e.sql())
		e.reset()
		checkTree(rs)
		assert.Empty(t, e.sql())
		assert.False(t, rs[0].Children.Items()[0].Children.Items()[0].Children.Loaded(), "a third level is not loaded")
		require.NoError(t, s.Close(e.ctx))

		rs, s = roots(session.SelectIn(nodeChildren, session.SelectIn(nodeChildren)))
		assert.Equal(t, []string{
			ldSelectNodes + whereRoots,
			ldSelectNodes + " WHERE nodes.parent_id IN (?, ?) ORDER BY nodes.id",
			ldSelectNodes + " WHERE nodes.parent_id IN (?, ?) ORDER BY nodes.id",
		}, e.sql())
		assert.Equal(t, []any{int64(1), int64(7)}, e.args[1])
		assert.Equal(t, []any{int64(2), int64(3)}, e.args[2])
		e.reset()
		checkTree(rs)
		assert.Empty(t, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// Many-to-one up two levels, joined.
		s = e.session()
		e.reset()
		leaves, err := session.Query[Node](s).Where(Nodes.ID.In(4, 5)).OrderBy(Nodes.ID).
			Options(session.Joined(nodeParent, session.Joined(nodeParent))).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT " + ldNodeCols +
			", ore_nodes_1.id, ore_nodes_1.parent_id, ore_nodes_1.data, ore_nodes_2.id, ore_nodes_2.parent_id, ore_nodes_2.data FROM nodes" +
			" LEFT JOIN nodes AS ore_nodes_1 ON nodes.parent_id = ore_nodes_1.id" +
			" LEFT JOIN nodes AS ore_nodes_2 ON ore_nodes_1.parent_id = ore_nodes_2.id" +
			" WHERE nodes.id IN (?, ?) ORDER BY nodes.id"}, e.sql())
		require.Len(t, leaves, 2)
		e.reset()
		for _, l := range leaves {
			p, err := l.Parent.Get(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, "a", p.Data)
			gp, err := p.Parent.Get(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, "root", gp.Data)
		}
		assert.Same(t, leaves[0].Parent.Value(), leaves[1].Parent.Value())
		assert.Empty(t, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// A declared joined self-reference joins one level: it is not
		// followed twice along a path.
		s = e.session()
		e.reset()
		trees, err := session.Query[Tree](s).Where(Nodes.ParentID.IsNull()).OrderBy(Nodes.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT " + ldNodeCols + ", ore_nodes_1.id, ore_nodes_1.parent_id, ore_nodes_1.data FROM nodes" +
			" LEFT JOIN nodes AS ore_nodes_1 ON nodes.id = ore_nodes_1.parent_id" +
			" WHERE nodes.parent_id IS NULL ORDER BY nodes.id, ore_nodes_1.id"}, e.sql())
		require.Len(t, trees, 2)
		a := trees[0].Children.Items()[0]
		assert.Equal(t, "a", a.Data)
		assert.False(t, a.Children.Loaded())
		e.reset()
		grand, err := a.Children.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"a1", "a2"}, []string{grand[0].Data, grand[1].Data})
		assert.Equal(t, []string{byParent}, e.sql())
	})
}

func TestREL19_JoinFiltersAndRepeatsButFillsNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		eagerSeed(e)
		users, err := session.Query[User](e.session()).
			Join(Addresses, Addresses.UserID.EqExpr(ore.Ptr(Users.ID))).
			OrderBy(Users.ID, Addresses.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT users.id, users.name FROM users JOIN addresses ON addresses.user_id = users.id ORDER BY users.id, addresses.id"}, e.sql())
		// jack has no address: filtered out; ed has two: repeated.
		assert.Equal(t, []string{"ed", "ed", "wendy"}, names(users))
		assert.Same(t, users[0], users[1])
		for _, u := range users {
			assert.False(t, u.Addresses.Loaded())
		}
	})
}

// Option paths nest through any strategy, with the statement counts of
// the strategies they choose.
func TestREL04_REL06_NestedOptionPaths(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ldSeed(e)
		const addressesWithUsers = "SELECT " + ldAddressCols + ", ore_users_1.id, ore_users_1.name FROM addresses" +
			" LEFT JOIN users AS ore_users_1 ON addresses.user_id = ore_users_1.id"

		// Select-in, then joined.
		s := e.session()
		users, err := session.Query[User](s).Options(session.SelectIn(userAddresses, session.Joined(addressUser))).OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{
			eagerSelectUsers,
			addressesWithUsers + " WHERE addresses.user_id IN (?, ?, ?) ORDER BY addresses.id",
		}, e.sql())
		e.reset()
		for _, u := range users {
			for _, a := range u.Addresses.Items() {
				require.True(t, a.User.Loaded())
				assert.Same(t, u, a.User.Value())
			}
		}
		assert.Equal(t, []string{"ed@a", "ed@b"}, emails(users[0].Addresses.Items()))
		assert.Empty(t, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// Joined, then select-in.
		s = e.session()
		e.reset()
		addrs, err := session.Query[Address](s).Options(session.Joined(addressUser, session.SelectIn(userOrders))).OrderBy(Addresses.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{
			addressesWithUsers + " ORDER BY addresses.id",
			ldSelectOrders + " WHERE orders.user_id IN (?, ?) ORDER BY orders.id",
		}, e.sql())
		assert.Equal(t, []any{int64(1), int64(2)}, e.args[1])
		e.reset()
		orders, err := addrs[0].User.Value().Orders.Get(e.ctx)
		require.NoError(t, err)
		assert.Len(t, orders, 2)
		assert.Empty(t, e.sql())
		require.NoError(t, s.Close(e.ctx))

		// Three steps: select-in, joined, select-in.
		s = e.session()
		e.reset()
		users, err = session.Query[User](s).
			Options(session.SelectIn(userAddresses, session.Joined(addressUser, session.SelectIn(userOrders)))).
			OrderBy(Users.ID).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{
			eagerSelectUsers,
			addressesWithUsers + " WHERE addresses.user_id IN (?, ?, ?) ORDER BY addresses.id",
			ldSelectOrders + " WHERE orders.user_id IN (?, ?) ORDER BY orders.id",
		}, e.sql())
		assert.True(t, users[0].Orders.Loaded())
		assert.False(t, users[2].Orders.Loaded(), "jack has no address: no path reaches his orders")
	})
}
