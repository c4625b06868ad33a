package session_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
	"github.com/ore-go/ore/session"
)

// Persistence through relationships and cascades (spec §3 UOW-04…07, 09,
// 11, 17, 21…23; §5 REL-15, REL-16; §6 CAS-01…16; ST-25, EXP-13).
//
// The fixture's tables are mapped again here with other cascades: owned
// children ("all, delete-orphan"), a relationship without save-update,
// many-to-many both ways and with delete. Tables of their own serve
// post-update (widgets and entries refer to each other), single-parent
// (members and profiles) and passive deletes (ON DELETE CASCADE).

type widgetsTable struct {
	ore.Table
	WidgetID        ore.Col[int64]  `ore:"widget_id,pk,identity"`
	Name            ore.Col[string] `ore:"name"`
	FavoriteEntryID ore.Col[*int64] `ore:"favorite_entry_id"`
}

func (t *widgetsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.FavoriteEntryID).References(Entries.EntryID)}
}

type entriesTable struct {
	ore.Table
	EntryID  ore.Col[int64]  `ore:"entry_id,pk,identity"`
	WidgetID ore.Col[*int64] `ore:"widget_id"`
	Name     ore.Col[string] `ore:"name"`
}

func (t *entriesTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.WidgetID).References(Widgets.WidgetID)}
}

type profilesTable struct {
	ore.Table
	ID    ore.Col[int64]  `ore:"id,pk,identity"`
	Theme ore.Col[string] `ore:"theme"`
}

type membersTable struct {
	ore.Table
	ID        ore.Col[int64]  `ore:"id,pk,identity"`
	Name      ore.Col[string] `ore:"name"`
	ProfileID ore.Col[*int64] `ore:"profile_id"`
}

func (t *membersTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.ProfileID).References(Profiles.ID)}
}

type pdParentsTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk,identity"`
	Name ore.Col[string] `ore:"name"`
}

type pdChildrenTable struct {
	ore.Table
	ID       ore.Col[int64]  `ore:"id,pk,identity"`
	ParentID ore.Col[int64]  `ore:"parent_id"`
	Name     ore.Col[string] `ore:"name"`
}

func (t *pdChildrenTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.ParentID).References(PDParents.ID).OnDelete(ore.Cascade)}
}

var (
	Widgets    = ore.NewTable[widgetsTable]("widgets")
	Entries    = ore.NewTable[entriesTable]("entries")
	Profiles   = ore.NewTable[profilesTable]("profiles")
	Members    = ore.NewTable[membersTable]("members")
	PDParents  = ore.NewTable[pdParentsTable]("pd_parents")
	PDChildren = ore.NewTable[pdChildrenTable]("pd_children")

	cascadeTables = ore.NewMetaData(Widgets, Entries, Profiles, Members, PDParents, PDChildren)
)

// OwnedUser owns its addresses and orders: "all, delete-orphan".
type OwnedUser struct {
	ID        int64
	Name      string
	Addresses mapper.Many[OwnedAddress]
	Orders    mapper.Many[OwnedOrder]
}

type OwnedAddress struct {
	ID           int64
	UserID       *int64
	EmailAddress string
	User         mapper.One[OwnedUser]
}

type OwnedOrder struct {
	ID          int64
	UserID      *int64
	Description string
	IsOpen      bool `ore:"isopen"`
}

// LooseUser's addresses have no save-update cascade.
type LooseUser struct {
	ID        int64
	Name      string
	Addresses mapper.Many[LooseAddress]
}

type LooseAddress struct {
	ID           int64
	UserID       *int64
	EmailAddress string
}

// BItem and BKeyword are related many-to-many both ways.
type BItem struct {
	ID          int64
	Description string
	Keywords    mapper.Many[BKeyword]
}

type BKeyword struct {
	ID    int64
	Name  string
	Items mapper.Many[BItem]
}

// DItem deletes its keywords with it.
type DItem struct {
	ID          int64
	Description string
	Keywords    mapper.Many[Keyword]
}

// Widget and Entry refer to each other: the favorite entry is written
// after both rows exist (post-update).
type Widget struct {
	WidgetID        int64
	Name            string
	FavoriteEntryID *int64
	FavoriteEntry   mapper.One[Entry]
	Entries         mapper.Many[Entry]
}

type Entry struct {
	EntryID  int64
	WidgetID *int64
	Name     string
}

// A Member owns its profile alone: many-to-one, delete-orphan,
// single-parent.
type Member struct {
	ID        int64
	Name      string
	ProfileID *int64
	Profile   mapper.One[Profile]
}

type Profile struct {
	ID    int64
	Theme string
}

// PDParent leaves unloaded children to the database's ON DELETE CASCADE;
// PDAllParent leaves all of them.
type PDParent struct {
	ID       int64
	Name     string
	Children mapper.Many[PDChild]
}

type PDAllParent struct {
	ID       int64
	Name     string
	Children mapper.Many[PDChild]
}

type PDChild struct {
	ID       int64
	ParentID int64
	Name     string
}

func init() {
	mapper.Map[OwnedUser](Users, func(b *mapper.Builder[OwnedUser], u *OwnedUser) {
		mapper.HasMany(b, &u.Addresses, Addresses.UserID).Cascade("all, delete-orphan").BackPopulates("User").OrderBy(Addresses.ID.Asc())
		mapper.HasMany(b, &u.Orders, Orders.UserID).Cascade("all, delete-orphan").OrderBy(Orders.ID.Asc())
	})
	mapper.Map[OwnedAddress](Addresses, func(b *mapper.Builder[OwnedAddress], a *OwnedAddress) {
		mapper.BelongsTo(b, &a.User, Addresses.UserID).BackPopulates("Addresses")
	})
	mapper.Map[OwnedOrder](Orders)
	mapper.Map[LooseUser](Users, func(b *mapper.Builder[LooseUser], u *LooseUser) {
		mapper.HasMany(b, &u.Addresses, Addresses.UserID).Cascade("merge")
	})
	mapper.Map[LooseAddress](Addresses)
	mapper.Map[BItem](Items, func(b *mapper.Builder[BItem], i *BItem) {
		mapper.ManyToMany(b, &i.Keywords, ItemKeywords, ItemKeywords.ItemID, ItemKeywords.KeywordID).BackPopulates("Items").OrderBy(Keywords.ID.Asc())
	})
	mapper.Map[BKeyword](Keywords, func(b *mapper.Builder[BKeyword], k *BKeyword) {
		mapper.ManyToMany(b, &k.Items, ItemKeywords, ItemKeywords.KeywordID, ItemKeywords.ItemID).BackPopulates("Keywords").OrderBy(Items.ID.Asc())
	})
	mapper.Map[DItem](Items, func(b *mapper.Builder[DItem], i *DItem) {
		mapper.ManyToMany(b, &i.Keywords, ItemKeywords, ItemKeywords.ItemID, ItemKeywords.KeywordID).Cascade("all").OrderBy(Keywords.ID.Asc())
	})
	mapper.Map[Widget](Widgets, func(b *mapper.Builder[Widget], w *Widget) {
		mapper.BelongsTo(b, &w.FavoriteEntry, Widgets.FavoriteEntryID).PostUpdate()
		mapper.HasMany(b, &w.Entries, Entries.WidgetID).OrderBy(Entries.EntryID.Asc())
	})
	mapper.Map[Entry](Entries)
	mapper.Map[Member](Members, func(b *mapper.Builder[Member], m *Member) {
		mapper.BelongsTo(b, &m.Profile, Members.ProfileID).Cascade("all, delete-orphan").SingleParent()
	})
	mapper.Map[Profile](Profiles)
	mapper.Map[PDParent](PDParents, func(b *mapper.Builder[PDParent], p *PDParent) {
		mapper.HasMany(b, &p.Children, PDChildren.ParentID).Cascade("all").PassiveDeletes(mapper.PassiveDeletesUnloaded).OrderBy(PDChildren.ID.Asc())
	})
	mapper.Map[PDAllParent](PDParents, func(b *mapper.Builder[PDAllParent], p *PDAllParent) {
		mapper.HasMany(b, &p.Children, PDChildren.ParentID).PassiveDeletes(mapper.PassiveDeletesAll).OrderBy(PDChildren.ID.Asc())
	})
	mapper.Map[PDChild](PDChildren)
}

// cascadeEnv is forEachDB with the tables of this file created too.
func cascadeEnv(t *testing.T, body func(t *testing.T, e *env)) {
	forEachDB(t, func(t *testing.T, e *env) {
		require.NoError(t, cascadeTables.CreateAll(e.ctx, e.db, ore.CreateOptions{}))
		e.reset()
		body(t, e)
	})
}

// warnings collects a session's warnings.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

type addressRow struct {
	ID           int64
	UserID       *int64
	EmailAddress string
}

// addressRows reads the addresses table, in q (the session's transaction
// while it is open).
func addressRows(t *testing.T, e *env, q ore.Querier) []addressRow {
	t.Helper()
	rows, err := ore.All(e.ctx, q, ore.Select[addressRow](Addresses.ID, Addresses.UserID, Addresses.EmailAddress).From(Addresses).OrderBy(Addresses.ID.Asc()))
	require.NoError(t, err)
	return rows
}

type pairRow struct {
	A int64 `ore:"item_id"`
	B int64 `ore:"keyword_id"`
}

func itemKeywordRows(t *testing.T, e *env, q ore.Querier) []pairRow {
	t.Helper()
	rows, err := ore.All(e.ctx, q, ore.Select[pairRow](ItemKeywords.ItemID, ItemKeywords.KeywordID).From(ItemKeywords).
		OrderBy(ItemKeywords.ItemID.Asc(), ItemKeywords.KeywordID.Asc()))
	require.NoError(t, err)
	return rows
}

func count(t *testing.T, e *env, q ore.Querier, table ore.TableRef) int64 {
	t.Helper()
	n, err := ore.One(e.ctx, q, ore.Select[int64](ore.Count()).From(table))
	require.NoError(t, err)
	return n
}

// seedAddresses gives user 1 ("ed") the addresses ed@a and ed@b (ids 1
// and 2), and user 2 ("wendy") wendy@a (id 3).
func seedAddresses(e *env) {
	e.seedUsers("ed", "wendy")
	for _, a := range []struct {
		user  int64
		email string
	}{{1, "ed@a"}, {1, "ed@b"}, {2, "wendy@a"}} {
		e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(ptr(a.user)), Addresses.EmailAddress.To(a.email)))
	}
}

const (
	insertAddress     = insertAddr
	insertAddresses2  = "INSERT INTO addresses (user_id, email_address) VALUES (?, ?), (?, ?) RETURNING id"
	updateAddressUser = "UPDATE addresses SET user_id = ? WHERE addresses.id = ?"
	deleteAddress     = "DELETE FROM addresses WHERE addresses.id = ?"
	deleteAddresses2  = "DELETE FROM addresses WHERE addresses.id IN (?, ?)"
	loadAddresses     = selectAddrs
	loadOrders        = "SELECT orders.id, orders.user_id, orders.description, orders.isopen FROM orders WHERE orders.user_id = ? ORDER BY orders.id"
)

// userChildLoads are the SELECTs a flush sends before deleting a User
// whose relationships are not loaded: its addresses and orders, to set
// their keys to NULL (spec UOW-06).
func userChildLoads() []string { return []string{selectAddrs, loadOrders} }

func getT[T any](t *testing.T, e *env, s *session.Session, key ...any) *T {
	t.Helper()
	obj, err := session.Get[T](e.ctx, s, key...)
	require.NoError(t, err)
	return obj
}

func items[T any](t *testing.T, e *env, m *mapper.Many[T]) []*T {
	t.Helper()
	got, err := m.Get(e.ctx)
	require.NoError(t, err)
	return got
}

// ----------------------------------------------------------------------------
// Unit of work through relationships

func TestUOW04_ParentsBeforeChildrenOnInsert(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		a1, a2 := &Address{EmailAddress: "a1"}, &Address{EmailAddress: "a2"}
		u1 := &User{Name: "u1"}
		u1.Addresses.Add(a1, a2)
		require.NoError(t, s.Add(u1))
		require.NoError(t, s.Flush(e.ctx))

		if flushOnPG(e) {
			assert.Equal(t, []string{insertUser, insertAddresses2}, e.sql())
			assert.Equal(t, []any{flushPtr(u1.ID), "a1", flushPtr(u1.ID), "a2"}, e.args[1])
		} else {
			assert.Equal(t, []string{insertUser, insertAddress, insertAddress}, e.sql())
			assert.Equal(t, []any{flushPtr(u1.ID), "a1"}, e.args[1])
			assert.Equal(t, []any{flushPtr(u1.ID), "a2"}, e.args[2])
		}
		require.NotNil(t, a1.UserID)
		assert.Equal(t, u1.ID, *a1.UserID)
		// The other side was set when u1 was added (REL-15).
		assert.Same(t, u1, a1.User.Value())
		assert.Equal(t, []addressRow{{a1.ID, &u1.ID, "a1"}, {a2.ID, &u1.ID, "a2"}}, addressRows(t, e, flushTx(t, e, s)))
	})
}

func TestUOW05_ChildrenBeforeParentsOnDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u := getT[User](t, e, s, int64(1))
		addrs := items(t, e, &u.Addresses)
		require.Len(t, addrs, 2)
		// Deleted in the opposite order: the flush orders them.
		require.NoError(t, s.Delete(u))
		require.NoError(t, s.Delete(addrs[1]))
		require.NoError(t, s.Delete(addrs[0]))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		// (Its orders, which the delete does not cascade to, are loaded
		// to set their keys to NULL: UOW-06. It has none.)
		assert.Equal(t, []string{loadOrders, deleteAddresses2, deleteUser}, e.sql())
		assert.ElementsMatch(t, []any{int64(1), int64(2)}, e.args[1])
		for _, obj := range []any{u, addrs[0], addrs[1]} {
			assert.Equal(t, session.Deleted, session.StateOf(obj))
		}
	})
}

func TestUOW06_DeletingParentNullsChildren(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()

		// Unloaded collection: loaded by the flush, then each child's key
		// set to NULL before the parent's DELETE.
		u := getT[User](t, e, s, int64(1))
		require.False(t, u.Addresses.Loaded())
		require.NoError(t, s.Delete(u))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		// (Its orders too: it has none.)
		assert.Equal(t, []string{loadAddresses, loadOrders, updateAddressUser, updateAddressUser, deleteUser}, e.sql())
		assert.Equal(t, [][]any{{int64(1)}, {int64(1)}, {nil, int64(1)}, {nil, int64(2)}, {int64(1)}}, flushArgs(e))
		assert.Equal(t, []addressRow{{1, nil, "ed@a"}, {2, nil, "ed@b"}, {3, ptr(int64(2)), "wendy@a"}}, addressRows(t, e, flushTx(t, e, s)))
		// The children stay persistent, with their keys NULL.
		a := session.Lookup[Address](s, int64(1))
		require.NotNil(t, a)
		assert.Equal(t, session.Persistent, session.StateOf(a))
		assert.Nil(t, a.UserID)

		// Loaded collection: no SELECT.
		w := getT[User](t, e, s, int64(2))
		require.Len(t, items(t, e, &w.Addresses), 1)
		require.Empty(t, items(t, e, &w.Orders))
		require.NoError(t, s.Delete(w))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{updateAddressUser, deleteUser}, e.sql())
		assert.Equal(t, [][]any{{nil, int64(3)}, {int64(2)}}, flushArgs(e))
	})
}

func TestUOW07_OrderingIsMapperLevel(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		// No relationship links them, and the child is added first.
		a := &Address{ID: 1, UserID: flushPtr[int64](1), EmailAddress: "a"}
		u := &User{ID: 1, Name: "u"}
		require.NoError(t, s.AddAll(a, u))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"INSERT INTO users (id, name) VALUES (?, ?)",
			"INSERT INTO addresses (id, user_id, email_address) VALUES (?, ?, ?)",
		}, e.sql())

		e.reset()
		require.NoError(t, s.Delete(u))
		require.NoError(t, s.Delete(a))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{deleteAddress, deleteUser}, e.sql())
	})
}

func TestUOW09_CyclesSortRowByRow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		n1, n2, n3 := &Node{Data: "n1"}, &Node{Data: "n2"}, &Node{Data: "n3"}
		n1.Children.Add(n2, n3)
		require.NoError(t, s.Add(n1))
		require.NoError(t, s.Flush(e.ctx))
		insertNode := "INSERT INTO nodes (parent_id, data) VALUES (?, ?) RETURNING id"
		if flushOnPG(e) {
			assert.Equal(t, []string{insertNode, "INSERT INTO nodes (parent_id, data) VALUES (?, ?), (?, ?) RETURNING id"}, e.sql())
			assert.Equal(t, []any{flushPtr(n1.ID), "n2", flushPtr(n1.ID), "n3"}, e.args[1])
		} else {
			assert.Equal(t, []string{insertNode, insertNode, insertNode}, e.sql())
		}
		assert.Equal(t, n1.ID, *n3.ParentID)
		assert.Same(t, n1, n2.Parent.Value(), "back-populated")

		e.reset()
		for _, n := range []*Node{n1, n2, n3} {
			require.NoError(t, s.Delete(n))
		}
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM nodes WHERE nodes.id IN (?, ?)", "DELETE FROM nodes WHERE nodes.id = ?"}, e.sql())
		assert.ElementsMatch(t, []any{n2.ID, n3.ID}, e.args[0])
		assert.Equal(t, []any{n1.ID}, e.args[1])
	})
}

func TestUOW11_PostUpdate(t *testing.T) {
	cascadeEnv(t, func(t *testing.T, e *env) {
		s := e.session()
		w := &Widget{Name: "w1"}
		e1 := &Entry{Name: "e1"}
		w.Entries.Add(e1)
		w.FavoriteEntry.Set(e1)
		require.NoError(t, s.Add(w))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"INSERT INTO widgets (name, favorite_entry_id) VALUES (?, ?) RETURNING widget_id",
			"INSERT INTO entries (widget_id, name) VALUES (?, ?) RETURNING entry_id",
			"UPDATE widgets SET favorite_entry_id = ? WHERE widgets.widget_id = ?",
		}, e.sql())
		assert.Equal(t, [][]any{{"w1", nil}, {w.WidgetID, "e1"}, {e1.EntryID, w.WidgetID}}, flushArgs(e))
		require.NotNil(t, w.FavoriteEntryID)
		assert.Equal(t, e1.EntryID, *w.FavoriteEntryID)

		// A change of the favorite only: one UPDATE.
		e2 := &Entry{Name: "e2"}
		w.Entries.Add(e2)
		w.FavoriteEntry.Set(e2)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"INSERT INTO entries (widget_id, name) VALUES (?, ?) RETURNING entry_id",
			"UPDATE widgets SET favorite_entry_id = ? WHERE widgets.widget_id = ?",
		}, e.sql())
		assert.Equal(t, []any{e2.EntryID, w.WidgetID}, flushArgs(e)[1])

		// Deleting the rows that point at each other: the post-update key
		// is cleared first.
		e.reset()
		for _, obj := range []any{w, e1, e2} {
			require.NoError(t, s.Delete(obj))
		}
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"UPDATE widgets SET favorite_entry_id = ? WHERE widgets.widget_id = ?",
			"DELETE FROM entries WHERE entries.entry_id IN (?, ?)",
			"DELETE FROM widgets WHERE widgets.widget_id = ?",
		}, e.sql())
		assert.Equal(t, []any{nil, w.WidgetID}, flushArgs(e)[0])
		tx := flushTx(t, e, s)
		assert.Zero(t, count(t, e, tx, Widgets))
		assert.Zero(t, count(t, e, tx, Entries))
	})
}

func TestUOW17_ManyToManyWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		i1 := &Item{Description: "i1"}
		k1, k2 := &Keyword{Name: "k1"}, &Keyword{Name: "k2"}
		i1.Keywords.Add(k1, k2)
		require.NoError(t, s.Add(i1))
		require.NoError(t, s.Flush(e.ctx))
		insertKeyword := "INSERT INTO keywords (name) VALUES (?) RETURNING id"
		assoc := "INSERT INTO item_keywords (item_id, keyword_id) VALUES (?, ?), (?, ?)"
		if flushOnPG(e) {
			assert.Equal(t, []string{"INSERT INTO items (description) VALUES (?) RETURNING id",
				"INSERT INTO keywords (name) VALUES (?), (?) RETURNING id", assoc}, e.sql())
		} else {
			assert.Equal(t, []string{"INSERT INTO items (description) VALUES (?) RETURNING id", insertKeyword, insertKeyword, assoc}, e.sql())
		}
		assert.Equal(t, []any{i1.ID, k1.ID, i1.ID, k2.ID}, e.args[len(e.args)-1])
		assert.Equal(t, []pairRow{{i1.ID, k1.ID}, {i1.ID, k2.ID}}, itemKeywordRows(t, e, flushTx(t, e, s)))

		// Removing: one DELETE matched on every association column.
		e.reset()
		i1.Keywords.Remove(k1)
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM item_keywords WHERE item_keywords.item_id = ? AND item_keywords.keyword_id = ?"}, e.sql())
		assert.Equal(t, []any{i1.ID, k1.ID}, e.args[0])
		assert.Equal(t, []pairRow{{i1.ID, k2.ID}}, itemKeywordRows(t, e, flushTx(t, e, s)))

		// A changed column with the collection unloaded: only the UPDATE.
		require.NoError(t, s.Commit(e.ctx))
		e.reset()
		i1.Description = "i1 again"
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE items SET description = ? WHERE items.id = ?"}, e.sql())
		require.False(t, i1.Keywords.Loaded())

		// Adding to the unloaded collection writes the row without loading.
		e.reset()
		i1.Keywords.Add(k1)
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"INSERT INTO item_keywords (item_id, keyword_id) VALUES (?, ?)"}, e.sql())
		assert.False(t, i1.Keywords.Loaded())

		// A row gone behind the session's back: stale data.
		tx := flushTx(t, e, s)
		_, err := tx.Exec(e.ctx, ore.Delete(ItemKeywords).Where(ItemKeywords.KeywordID.Eq(k2.ID)))
		require.NoError(t, err)
		i1.Keywords.Remove(k2)
		err = s.Flush(e.ctx)
		require.ErrorIs(t, err, session.ErrStaleData)
		assert.Contains(t, err.Error(), `DELETE statement on table "item_keywords" expected to delete 1 row; 0 were matched`)
		require.NoError(t, s.Rollback(e.ctx))
	})
}

func TestUOW17_BidirectionalLinkIsOneRow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		i := &BItem{Description: "i"}
		k := &BKeyword{Name: "k"}
		i.Keywords.Add(k)
		require.NoError(t, s.Add(i))
		// The other side knows, in memory (REL-15).
		assert.Equal(t, []*BItem{i}, k.Items.Items())
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []pairRow{{i.ID, k.ID}}, itemKeywordRows(t, e, flushTx(t, e, s)))

		// Unlinking from the other side removes the row, once.
		e.reset()
		k.Items.Remove(i)
		assert.Empty(t, i.Keywords.Items())
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM item_keywords WHERE item_keywords.item_id = ? AND item_keywords.keyword_id = ?"}, e.sql())
		assert.Empty(t, itemKeywordRows(t, e, flushTx(t, e, s)))
	})
}

func TestUOW21_FlushNeverEditsRelationships(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u := getT[User](t, e, s, int64(1))
		addrs := items(t, e, &u.Addresses)
		require.NoError(t, s.Delete(addrs[1]))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, addrs, u.Addresses.Items(), "still in the collection after the flush")

		require.NoError(t, s.Commit(e.ctx))
		e.reset()
		assert.Equal(t, []string{"ed@a"}, emails(items(t, e, &u.Addresses)), "reloaded after the commit")
		assert.Contains(t, e.sql(), loadAddresses)
	})
}

func TestUOW22_ChildKeyWithoutParentChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(nil), Addresses.EmailAddress.To("free@a")))
		s := e.session()
		u := getT[User](t, e, s, int64(1))
		require.Len(t, items(t, e, &u.Addresses), 2)
		free := getT[Address](t, e, s, int64(4))

		// Appending: no SQL now, then only the child's UPDATE.
		e.reset()
		u.Addresses.Add(free)
		assert.Empty(t, e.sql())
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{updateAddressUser}, e.sql())
		assert.Equal(t, [][]any{{int64(1), int64(4)}}, flushArgs(e))

		// Setting the reference to nil: the key goes NULL.
		a := getT[Address](t, e, s, int64(3))
		e.reset()
		a.User.Set(nil)
		assert.Empty(t, e.sql())
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{updateAddressUser}, e.sql())
		assert.Equal(t, [][]any{{nil, int64(3)}}, flushArgs(e))
		assert.Equal(t, []addressRow{{1, ptr(int64(1)), "ed@a"}, {2, ptr(int64(1)), "ed@b"}, {3, nil, "wendy@a"}, {4, ptr(int64(1)), "free@a"}},
			addressRows(t, e, flushTx(t, e, s)))
	})
}

func TestUOW23_RelatedObjectNotInSession(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		var w warnings
		s := e.session(session.Options{Warn: w.add})
		u := getT[LooseUser](t, e, s, int64(1))
		require.Len(t, items(t, e, &u.Addresses), 0)
		a := &LooseAddress{EmailAddress: "a"}
		u.Addresses.Add(a) // no save-update cascade: a stays out
		assert.False(t, s.Contains(a))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())
		require.Len(t, w.list(), 1)
		assert.Contains(t, w.list()[0], "LooseAddress is related to an object being flushed, but is not in the session")
	})
}

// ----------------------------------------------------------------------------
// Both sides in memory

func TestREL15_BackPopulatesInMemory(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u1, u2 := getT[User](t, e, s, int64(1)), getT[User](t, e, s, int64(2))
		a1 := items(t, e, &u1.Addresses)[0]
		require.Len(t, items(t, e, &u2.Addresses), 1)
		a1User, err := a1.User.Get(e.ctx) // from the identity map
		require.NoError(t, err)
		require.Same(t, u1, a1User)
		e.reset()

		// Appending to u2's collection moves a1: its reference, and u1's
		// loaded collection, follow with no SQL.
		u2.Addresses.Add(a1)
		assert.Same(t, u2, a1.User.Value())
		assert.Equal(t, []string{"ed@b"}, emails(u1.Addresses.Items()))
		assert.Equal(t, []string{"wendy@a", "ed@a"}, emails(u2.Addresses.Items()))

		// Setting the reference moves it back.
		a1.User.Set(u1)
		assert.Equal(t, []string{"ed@b", "ed@a"}, emails(u1.Addresses.Items()))
		assert.Equal(t, []string{"wendy@a"}, emails(u2.Addresses.Items()))

		// nil removes it from the old owner's collection.
		a1.User.Set(nil)
		assert.Equal(t, []string{"ed@b"}, emails(u1.Addresses.Items()))
		assert.Empty(t, e.sql())

		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{updateAddressUser}, e.sql())
		assert.Equal(t, [][]any{{nil, int64(1)}}, flushArgs(e))
	})
}

func TestREL15_UnloadedSideStaysUnloaded(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u1 := getT[User](t, e, s, int64(1))
		u2 := getT[User](t, e, s, int64(2))
		a1 := getT[Address](t, e, s, int64(1))
		e.reset()

		// a1's reference was never loaded: its old owner is found in the
		// identity map by the foreign key, its collection left unloaded.
		a1.User.Set(u2)
		assert.Empty(t, e.sql())
		assert.False(t, u1.Addresses.Loaded())
		assert.False(t, u2.Addresses.Loaded())

		// Loading later shows the move (after the autoflush writes it).
		assert.Equal(t, []string{"ed@b"}, emails(items(t, e, &u1.Addresses)))
		assert.Equal(t, []string{"ed@a", "wendy@a"}, emails(items(t, e, &u2.Addresses)))
		assert.Equal(t, []string{updateAddressUser, loadAddresses, loadAddresses}, e.sql())
	})
}

func TestREL16_AppendToUnloadedCollection(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session(session.Options{NoAutoflush: true})
		u := getT[User](t, e, s, int64(1))
		e.reset()
		news := []*Address{{EmailAddress: "n1"}, {EmailAddress: "n2"}, {EmailAddress: "n3"}}
		for _, a := range news {
			u.Addresses.Add(a)
		}
		assert.Empty(t, e.sql(), "three appends, no SQL")
		assert.False(t, u.Addresses.Loaded())
		for _, a := range news {
			assert.Equal(t, session.Pending, session.StateOf(a), "added through the save-update cascade")
			assert.Same(t, u, a.User.Value())
		}
		// Loading (without autoflush) merges the appended objects in.
		got := items(t, e, &u.Addresses)
		assert.Equal(t, []string{"ed@a", "ed@b", "n1", "n2", "n3"}, emails(got))
		assert.Equal(t, []string{loadAddresses}, e.sql())
	})
}

// ----------------------------------------------------------------------------
// Cascades

func TestCAS01_CascadeSets(t *testing.T) {
	m, err := mapper.Of[User]()
	require.NoError(t, err)
	assert.Equal(t, mapper.CascadeSaveUpdate|mapper.CascadeMerge, m.Relation("Addresses").Cascades(), "the default")
	all, err := mapper.ParseCascade("all")
	require.NoError(t, err)
	assert.Equal(t, "save-update, merge, refresh-expire, expunge, delete", all.String())
	owned, err := mapper.ParseCascade("all, delete-orphan")
	require.NoError(t, err)
	assert.True(t, owned.Has(mapper.CascadeDelete|mapper.CascadeDeleteOrphan))
	_, err = mapper.ParseCascade("save-update, explode")
	assert.ErrorContains(t, err, `unknown cascade "explode"`)
	none, err := mapper.ParseCascade("none")
	require.NoError(t, err)
	assert.Zero(t, none)
}

func TestCAS02_SaveUpdate(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u := &User{Name: "new"}
		a := &Address{EmailAddress: "a"}
		u.Addresses.Add(a)
		require.NoError(t, s.Add(u))
		assert.Equal(t, session.Pending, session.StateOf(a), "added with its parent")

		ed := getT[User](t, e, s, int64(1))
		b := &Address{EmailAddress: "b"}
		ed.Addresses.Add(b) // unloaded collection of a persistent parent
		assert.Equal(t, session.Pending, session.StateOf(b), "appended to a parent in the session")
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, session.Persistent, session.StateOf(a))
		assert.Equal(t, ed.ID, *b.UserID)
	})
}

func TestCAS03_SaveUpdateIsOneDirectional(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u := getT[User](t, e, s, int64(1))
		require.Empty(t, items(t, e, &u.Addresses))
		// The reverse side of a new object: the object is not added. (It
		// is not attached to any session, so nothing tells the other side
		// until it is added: then u's collection learns of it.)
		a := &Address{EmailAddress: "a"}
		a.User.Set(u)
		assert.False(t, s.Contains(a))
		assert.Empty(t, u.Addresses.Items())
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())

		require.NoError(t, s.Add(a))
		assert.Equal(t, []*Address{a}, u.Addresses.Items())
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{insertAddress}, e.sql())
		assert.Equal(t, []any{ptr(u.ID), "a"}, e.args[0])
	})
}

func TestCAS04_SaveUpdatePullsInRemovedChildren(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s1 := e.session()
		u := getT[User](t, e, s1, int64(1))
		addrs := items(t, e, &u.Addresses)
		require.NoError(t, s1.Close(e.ctx))

		// Removed while detached; the parent joins a new session.
		u.Addresses.Remove(addrs[1])
		s2 := e.session()
		require.NoError(t, s2.Add(u))
		assert.True(t, s2.Contains(addrs[1]), "the removed child comes along")
		e.reset()
		require.NoError(t, s2.Flush(e.ctx))
		assert.Equal(t, []string{updateAddressUser}, e.sql())
		assert.Equal(t, [][]any{{nil, int64(2)}}, flushArgs(e))
	})
}

func TestCAS05_Delete(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u := getT[OwnedUser](t, e, s, int64(1))
		require.NoError(t, s.Delete(u))
		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{loadAddresses, loadOrders, deleteAddresses2, deleteUser}, e.sql())
		assert.Equal(t, []addressRow{{3, ptr(int64(2)), "wendy@a"}}, addressRows(t, e, e.db))

		// Loaded children are marked at Delete.
		s2 := e.session()
		w := getT[OwnedUser](t, e, s2, int64(2))
		wa := items(t, e, &w.Addresses)
		require.NoError(t, s2.Delete(w))
		assert.ElementsMatch(t, []any{w, wa[0]}, s2.Deleted())
		e.reset()
		require.NoError(t, s2.Flush(e.ctx))
		assert.Equal(t, []string{loadOrders, deleteAddress, deleteUser}, e.sql())
		assert.Equal(t, session.Deleted, session.StateOf(wa[0]))
	})
}

func TestCAS06_DeleteThroughManyToMany(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		i := &DItem{Description: "i"}
		k1, k2 := &Keyword{Name: "k1"}, &Keyword{Name: "k2"}
		i.Keywords.Add(k1, k2)
		require.NoError(t, s.Add(i))
		require.NoError(t, s.Commit(e.ctx))

		require.NoError(t, s.Delete(i))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assocDelete := "DELETE FROM item_keywords WHERE item_keywords.item_id = ? AND item_keywords.keyword_id = ?"
		assert.Equal(t, []string{
			"SELECT keywords.id, keywords.name FROM keywords JOIN item_keywords ON item_keywords.keyword_id = keywords.id WHERE item_keywords.item_id = ? ORDER BY keywords.id",
			assocDelete, assocDelete,
			"DELETE FROM keywords WHERE keywords.id IN (?, ?)",
			"DELETE FROM items WHERE items.id = ?",
		}, e.sql())
		tx := flushTx(t, e, s)
		assert.Zero(t, count(t, e, tx, Keywords))
		assert.Zero(t, count(t, e, tx, ItemKeywords))
	})
}

func TestCAS07_DeleteOrphan(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		for _, d := range []string{"o1", "o2"} {
			e.exec(ore.Insert(Orders).Values(Orders.UserID.To(ptr(int64(1))), Orders.Description.To(d), Orders.IsOpen.To(true)))
		}
		s := e.session()
		u := getT[OwnedUser](t, e, s, int64(1))
		addrs := items(t, e, &u.Addresses)
		u.Addresses.Remove(addrs[1])
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{deleteAddress}, e.sql())
		assert.Equal(t, []any{int64(2)}, e.args[0])
		assert.Equal(t, session.Deleted, session.StateOf(addrs[1]))

		// Replacing the collection: the old orders deleted, the new ones
		// inserted.
		olds := items(t, e, &u.Orders)
		o3, o4 := &OwnedOrder{Description: "o3"}, &OwnedOrder{Description: "o4"}
		u.Orders.Set([]*OwnedOrder{o3, o4})
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		insertOrder := "INSERT INTO orders (user_id, description, isopen) VALUES (?, ?, ?) RETURNING id"
		if flushOnPG(e) {
			assert.Equal(t, []string{"INSERT INTO orders (user_id, description, isopen) VALUES (?, ?, ?), (?, ?, ?) RETURNING id",
				"DELETE FROM orders WHERE orders.id IN (?, ?)"}, e.sql())
		} else {
			assert.Equal(t, []string{insertOrder, insertOrder, "DELETE FROM orders WHERE orders.id IN (?, ?)"}, e.sql())
		}
		for _, o := range olds {
			assert.Equal(t, session.Deleted, session.StateOf(o))
		}

		// Emptying it deletes them all; the user stays.
		u.Orders.Set(nil)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM orders WHERE orders.id IN (?, ?)"}, e.sql())
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Zero(t, count(t, e, flushTx(t, e, s), Orders))
	})
}

func TestCAS08_PendingOrphanIsDropped(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u := getT[OwnedUser](t, e, s, int64(1))
		a := &OwnedAddress{EmailAddress: "a"}
		u.Addresses.Add(a)
		require.Equal(t, session.Pending, session.StateOf(a))
		u.Addresses.Remove(a)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql(), "never inserted")
		assert.Equal(t, session.Transient, session.StateOf(a))

		// Moved to another parent before the flush: not an orphan.
		b := &OwnedAddress{EmailAddress: "b"}
		u.Addresses.Add(b)
		u.Addresses.Remove(b)
		other := &OwnedUser{Name: "other"}
		other.Addresses.Add(b)
		require.NoError(t, s.Add(other))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, session.Persistent, session.StateOf(b))
		assert.Equal(t, other.ID, *b.UserID)
	})
}

func TestCAS09_StandaloneObjectIsNoOrphan(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		alone := &OwnedAddress{EmailAddress: "alone"}
		keyed := &OwnedAddress{EmailAddress: "keyed", UserID: ptr(int64(1))}
		require.NoError(t, s.AddAll(alone, keyed))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, session.Persistent, session.StateOf(alone))
		assert.Equal(t, []addressRow{{alone.ID, nil, "alone"}, {keyed.ID, ptr(int64(1)), "keyed"}}, addressRows(t, e, flushTx(t, e, s)))
	})
}

func TestCAS10_SingleParent(t *testing.T) {
	cascadeEnv(t, func(t *testing.T, e *env) {
		s := e.session()
		p := &Profile{Theme: "dark"}
		m1, m2 := &Member{Name: "m1"}, &Member{Name: "m2"}
		m1.Profile.Set(p)
		m2.Profile.Set(p)
		require.NoError(t, s.AddAll(m1, m2))
		e.reset()
		err := s.Flush(e.ctx)
		require.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.Contains(t, err.Error(), "held by two Member objects through Member.Profile, which allows a single parent")
		assert.Empty(t, e.sql(), "refused before any SQL")

		m2.Profile.Set(nil)
		require.NoError(t, s.Flush(e.ctx))
		require.NoError(t, s.Commit(e.ctx))

		// The profile is an orphan once its member lets go: deleted.
		m1.Profile.Set(nil)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"SELECT profiles.id, profiles.theme FROM profiles WHERE profiles.id = ?", // the old target, to delete it
			"UPDATE members SET profile_id = ? WHERE members.id = ?",
			"DELETE FROM profiles WHERE profiles.id = ?",
		}, e.sql())
		assert.Zero(t, count(t, e, flushTx(t, e, s), Profiles))
	})
}

func TestCAS10_DeleteOrphanOnManyToOneNeedsSingleParent(t *testing.T) {
	type badProfile struct {
		ID    int64
		Theme string
	}
	type badMember struct {
		ID        int64
		Name      string
		ProfileID *int64
		Profile   mapper.One[badProfile]
	}
	mapper.Map[badProfile](Profiles)
	mapper.Map[badMember](Members, func(b *mapper.Builder[badMember], m *badMember) {
		mapper.BelongsTo(b, &m.Profile, Members.ProfileID).Cascade("all, delete-orphan")
	})
	_, err := mapper.Of[badMember]()
	assert.ErrorContains(t, err, "delete-orphan on a many-to-one or many-to-many needs SingleParent")
}

func TestCAS11_DeleteAndOrphanInOneFlush(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u := getT[OwnedUser](t, e, s, int64(1))
		require.Empty(t, items(t, e, &u.Orders))
		addrs := items(t, e, &u.Addresses)
		u.Addresses.Remove(addrs[0])
		require.NoError(t, s.Delete(u))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{deleteAddresses2, deleteUser}, e.sql())
		assert.ElementsMatch(t, []any{int64(1), int64(2)}, e.args[0])
	})
}

func TestCAS12_ExpungeAndMergeCascade(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u := getT[OwnedUser](t, e, s, int64(1))
		addrs := items(t, e, &u.Addresses)
		require.NoError(t, s.Expunge(u))
		for _, a := range addrs {
			assert.Equal(t, session.Detached, session.StateOf(a), "expunged with its owner")
		}
		// The default cascade has no expunge.
		plain := getT[User](t, e, s, int64(2))
		pa := items(t, e, &plain.Addresses)
		require.NoError(t, s.Expunge(plain))
		assert.Equal(t, session.Persistent, session.StateOf(pa[0]))
	})
}

func TestST25_MergeCascades(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s1 := e.session()
		u := getT[User](t, e, s1, int64(1))
		addrs := items(t, e, &u.Addresses)
		require.NoError(t, s1.Close(e.ctx))

		// Changed while detached: a field of a child, a new child.
		addrs[0].EmailAddress = "ed@changed"
		n := &Address{EmailAddress: "ed@new"}
		u.Addresses.Add(n)

		s2 := e.session()
		e.reset()
		var m *User
		require.NoError(t, s2.NoAutoflush(func() error {
			var err error
			m, err = session.Merge(e.ctx, s2, u)
			return err
		}))
		// The parent and each child by key, then the parent's collection,
		// to compare the merged one with what the database has.
		assert.Equal(t, []string{selectUser, expSelectAddress, expSelectAddress, loadAddresses}, e.sql())
		assert.NotSame(t, u, m)
		got := m.Addresses.Items()
		require.Len(t, got, 3)
		assert.Equal(t, []string{"ed@changed", "ed@b", "ed@new"}, emails(got))
		for i, a := range got {
			assert.True(t, s2.Contains(a))
			owner, err := a.User.Get(e.ctx)
			require.NoError(t, err)
			assert.Same(t, m, owner, "the copies refer to the merged parent")
			if i < 2 {
				assert.NotSame(t, addrs[i], a, "copies, never the source's objects")
			}
		}
		assert.NotSame(t, n, got[2])
		assert.Equal(t, session.Detached, session.StateOf(u))
		assert.Equal(t, session.Transient, session.StateOf(n))

		e.reset()
		require.NoError(t, s2.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE addresses SET email_address = ? WHERE addresses.id = ?", insertAddress}, e.sql())
		assert.Equal(t, []any{ptr(int64(1)), "ed@new"}, e.args[1])
	})
}

func TestCAS13_PassiveDeletes(t *testing.T) {
	cascadeEnv(t, func(t *testing.T, e *env) {
		for _, name := range []string{"p1", "p2"} {
			e.exec(ore.Insert(PDParents).Values(PDParents.Name.To(name)))
		}
		for _, c := range []struct {
			parent int64
			name   string
		}{{1, "c1"}, {1, "c2"}, {2, "c3"}} {
			e.exec(ore.Insert(PDChildren).Values(PDChildren.ParentID.To(c.parent), PDChildren.Name.To(c.name)))
		}
		s := e.session()

		// Unloaded children: not loaded; the database deletes them
		// (CAS-16: on SQLite too, whose connections enable foreign keys).
		p1 := getT[PDParent](t, e, s, int64(1))
		require.NoError(t, s.Delete(p1))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM pd_parents WHERE pd_parents.id = ?"}, e.sql())
		tx := flushTx(t, e, s)
		assert.Equal(t, int64(1), count(t, e, tx, PDChildren), "the database's ON DELETE CASCADE")

		// Loaded children: deleted by the session, and leave it.
		p2 := getT[PDParent](t, e, s, int64(2))
		kids := items(t, e, &p2.Children)
		require.NoError(t, s.Delete(p2))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM pd_children WHERE pd_children.id = ?", "DELETE FROM pd_parents WHERE pd_parents.id = ?"}, e.sql())
		assert.Equal(t, session.Deleted, session.StateOf(kids[0]))
	})
}

func TestCAS14_PassiveDeletesAll(t *testing.T) {
	cascadeEnv(t, func(t *testing.T, e *env) {
		e.exec(ore.Insert(PDParents).Values(PDParents.Name.To("p1")))
		for _, name := range []string{"c1", "c2"} {
			e.exec(ore.Insert(PDChildren).Values(PDChildren.ParentID.To(1), PDChildren.Name.To(name)))
		}
		s := e.session()
		p := getT[PDAllParent](t, e, s, int64(1))
		kids := items(t, e, &p.Children)
		require.Len(t, kids, 2)
		require.NoError(t, s.Delete(p))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		// Loaded, yet neither nulled nor deleted by the session.
		assert.Equal(t, []string{"DELETE FROM pd_parents WHERE pd_parents.id = ?"}, e.sql())
		assert.Zero(t, count(t, e, flushTx(t, e, s), PDChildren))
	})
}

func TestCAS15_BulkStatementsDoNotCascade(t *testing.T) {
	cascadeEnv(t, func(t *testing.T, e *env) {
		e.exec(ore.Insert(PDParents).Values(PDParents.Name.To("p1")))
		e.exec(ore.Insert(PDChildren).Values(PDChildren.ParentID.To(1), PDChildren.Name.To("c1")))
		s := e.session()
		p := getT[PDParent](t, e, s, int64(1))
		kids := items(t, e, &p.Children)
		tx := flushTx(t, e, s)
		_, err := tx.Exec(e.ctx, ore.Delete(PDParents).Where(PDParents.ID.Eq(1)))
		require.NoError(t, err)
		// The session knows nothing of it: no cascade marked anything.
		assert.Empty(t, s.Deleted())
		assert.Equal(t, session.Persistent, session.StateOf(p))
		assert.Equal(t, session.Persistent, session.StateOf(kids[0]))
	})
}

func TestEXP13_RefreshExpireCascade(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		s := e.session()
		u := getT[OwnedUser](t, e, s, int64(1))
		addrs := items(t, e, &u.Addresses)
		addrs[0].EmailAddress = "unsaved"
		require.NoError(t, s.Expire(u))
		assert.ElementsMatch(t, []string{"ID", "UserID", "EmailAddress"}, session.Inspect(addrs[0]).Expired, "expired with its owner")
		require.NoError(t, s.Load(e.ctx, addrs[0]))
		assert.Equal(t, "ed@a", addrs[0].EmailAddress, "its unflushed change discarded")

		// Refresh reloads the owner and only expires the related objects.
		addrs = items(t, e, &u.Addresses)
		e.reset()
		require.NoError(t, s.Refresh(e.ctx, u))
		assert.Equal(t, []string{"SELECT users.id, users.name FROM users WHERE users.id = ?"}, e.sql())
		assert.ElementsMatch(t, []string{"ID", "UserID", "EmailAddress"}, session.Inspect(addrs[1]).Expired)

		// The default cascade has no refresh-expire.
		plain := getT[User](t, e, s, int64(2))
		pa := items(t, e, &plain.Addresses)
		require.NoError(t, s.Expire(plain))
		assert.Empty(t, session.Inspect(pa[0]).Expired)
	})
}

func TestCAS16_ForeignKeysEnforcedOnEveryDatabase(t *testing.T) {
	cascadeEnv(t, func(t *testing.T, e *env) {
		e.exec(ore.Insert(PDParents).Values(PDParents.Name.To("p1")))
		e.exec(ore.Insert(PDChildren).Values(PDChildren.ParentID.To(1), PDChildren.Name.To("c1")))
		s := e.session()
		tx := flushTx(t, e, s)
		if !flushOnPG(e) {
			// SQLite checks foreign keys only where the connection asks:
			// the driver turns them on for every connection it opens.
			on, err := ore.One(e.ctx, tx, ore.SQL[int64]("PRAGMA foreign_keys"))
			require.NoError(t, err)
			assert.Equal(t, int64(1), on)
		}
		// A child of no parent is refused; deleting the parent deletes
		// the child (ON DELETE CASCADE).
		orphan := &PDChild{ParentID: 99, Name: "nobody's"}
		require.NoError(t, s.Add(orphan))
		err := s.Flush(e.ctx)
		require.ErrorIs(t, err, ore.ErrForeignKeyViolation)
		require.NoError(t, s.Rollback(e.ctx))
		p := getT[PDParent](t, e, s, int64(1))
		require.NoError(t, s.Delete(p))
		require.NoError(t, s.Commit(e.ctx))
		assert.Zero(t, count(t, e, e.db, PDChildren))
	})
}

func TestUOW11_PostUpdateClearedWithoutLoading(t *testing.T) {
	cascadeEnv(t, func(t *testing.T, e *env) {
		s := e.session()
		w := &Widget{Name: "w1"}
		e1 := &Entry{Name: "e1"}
		w.Entries.Add(e1)
		w.FavoriteEntry.Set(e1)
		require.NoError(t, s.Add(w))
		require.NoError(t, s.Commit(e.ctx))

		// In a new session, neither relationship loaded: the rows still
		// refer to each other, and the flush clears the key first.
		s2 := e.session()
		w2 := getT[Widget](t, e, s2, w.WidgetID)
		en2 := getT[Entry](t, e, s2, e1.EntryID)
		require.NoError(t, s2.Delete(en2))
		require.NoError(t, s2.Delete(w2))
		e.reset()
		require.NoError(t, s2.Flush(e.ctx))
		assert.Equal(t, []string{
			"SELECT entries.entry_id, entries.widget_id, entries.name FROM entries WHERE entries.widget_id = ? ORDER BY entries.entry_id", // UOW-06: w2's entries
			"UPDATE widgets SET favorite_entry_id = ? WHERE widgets.widget_id = ?",
			"DELETE FROM entries WHERE entries.entry_id = ?",
			"DELETE FROM widgets WHERE widgets.widget_id = ?",
		}, e.sql())
		require.NoError(t, s2.Commit(e.ctx))
		assert.Zero(t, count(t, e, e.db, Widgets))
	})
}

func TestCAS07_ReplacedWithoutLoading(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		seedAddresses(e)
		for _, d := range []string{"o1", "o2"} {
			e.exec(ore.Insert(Orders).Values(Orders.UserID.To(ptr(int64(1))), Orders.Description.To(d), Orders.IsOpen.To(true)))
		}
		s := e.session()

		// Owned orders replaced, never loaded: the flush loads what the
		// database has, and deletes the orders that left.
		u := getT[OwnedUser](t, e, s, int64(1))
		o3 := &OwnedOrder{Description: "o3"}
		u.Orders.Set([]*OwnedOrder{o3})
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		insertOrder := "INSERT INTO orders (user_id, description, isopen) VALUES (?, ?, ?) RETURNING id"
		assert.Equal(t, []string{loadOrders, insertOrder, "DELETE FROM orders WHERE orders.id IN (?, ?)"}, e.sql())
		assert.Equal(t, []*OwnedOrder{o3}, u.Orders.Items(), "the field keeps what was set")

		// Plain addresses replaced, never loaded: the ones that left get
		// NULL keys.
		w := getT[User](t, e, s, int64(1))
		w.Addresses.Set(nil)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{loadAddresses, updateAddressUser, updateAddressUser}, e.sql())
		assert.Equal(t, []addressRow{{1, nil, "ed@a"}, {2, nil, "ed@b"}, {3, ptr(int64(2)), "wendy@a"}}, addressRows(t, e, flushTx(t, e, s)))
	})
}
