package session_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/session"
)

// Expiry and refresh (spec §4).
//
// Go cannot run code when a field is read, so "accessing an expired
// attribute" is s.Load(ctx, obj) here (session/doc.go): it loads every
// expired column of obj in one SELECT naming the primary key and the
// expired columns, and costs no SQL when nothing is expired. Until then an
// expired field holds the last value the session knew to be in the
// database.
//
// Rows are changed behind the session's back with Core statements on the
// database (e.exec), always while the session has no transaction open:
// SQLite's session transaction holds the write lock (BEGIN IMMEDIATE), so
// a write from another connection would wait for it. Sessions that must
// keep loaded, unexpired objects across such a change use
// NoExpireOnCommit.

// The statements the tests expect.
const (
	expSelectUser      = "SELECT users.id, users.name FROM users WHERE users.id = ?"
	expSelectUserKey   = "SELECT users.id FROM users WHERE users.id = ?"
	expUpdateUserName  = "UPDATE users SET name = ? WHERE users.id = ?"
	expSelectOrder     = "SELECT orders.id, orders.user_id, orders.description, orders.isopen FROM orders WHERE orders.id = ?"
	expUpdateOrderDesc = "UPDATE orders SET description = ? WHERE orders.id = ?"
	expSelectAddress   = "SELECT addresses.id, addresses.user_id, addresses.email_address FROM addresses WHERE addresses.id = ?"
	// The lazy loads of User.Addresses and User.Orders.
	expLoadAddresses = "SELECT addresses.id, addresses.user_id, addresses.email_address FROM addresses WHERE addresses.user_id = ? ORDER BY addresses.id"
	expLoadOrders    = "SELECT orders.id, orders.user_id, orders.description, orders.isopen FROM orders WHERE orders.user_id = ? ORDER BY orders.id"
)

// expRenameUser sets a user's name in the database, outside any session.
func expRenameUser(e *env, id int64, name string) {
	e.t.Helper()
	e.exec(ore.Update(Users).Set(Users.Name.To(name)).Where(Users.ID.Eq(id)))
}

// expSeedAddress inserts an address of user userID, outside any session.
func expSeedAddress(e *env, userID int64, email string) {
	e.t.Helper()
	e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(&userID), Addresses.EmailAddress.To(email)))
}

// expSeedOrder inserts an order of user userID, outside any session.
func expSeedOrder(e *env, userID int64, description string, isOpen bool) {
	e.t.Helper()
	e.exec(ore.Insert(Orders).Values(Orders.UserID.To(&userID), Orders.Description.To(description), Orders.IsOpen.To(isOpen)))
}

// expEmails returns the email addresses of addrs, in order.
func expEmails(addrs []*Address) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.EmailAddress
	}
	return out
}

// expLoadUserRelations loads u's two relationships, so that an expiry
// later has both loaded relationships to expire.
func expLoadUserRelations(t *testing.T, e *env, u *User) {
	t.Helper()
	_, err := u.Addresses.Get(e.ctx)
	require.NoError(t, err)
	_, err = u.Orders.Get(e.ctx)
	require.NoError(t, err)
}

func TestEXP01_CommitExpiresEveryObject(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		s := e.session()
		users, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, users, 2)
		u1, u2 := users[0], users[1]

		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Empty(t, e.sql(), "nothing to flush")
		for _, u := range users {
			assert.Equal(t, session.Persistent, session.StateOf(u))
			assert.Equal(t, []string{"ID", "Name"}, session.Inspect(u).Expired)
		}

		expRenameUser(e, 1, "ed2")
		expRenameUser(e, 2, "jack2")
		// Until it is loaded, an expired field holds the last value the
		// session knew.
		assert.Equal(t, "ed", u1.Name)

		// Loading one object is one SELECT by key, of that object only.
		require.NoError(t, s.Load(e.ctx, u1))
		assert.Equal(t, []string{expSelectUser}, e.sql())
		assert.Equal(t, [][]any{{int64(1)}}, e.args)
		assert.Equal(t, "ed2", u1.Name)
		assert.Empty(t, session.Inspect(u1).Expired)
		assert.Equal(t, []string{"ID", "Name"}, session.Inspect(u2).Expired, "u2 is still expired")
		assert.Equal(t, "jack", u2.Name)

		// Loaded objects cost nothing more.
		e.reset()
		require.NoError(t, s.Load(e.ctx, u1))
		assert.Empty(t, e.sql())

		// Get of the other, expired object reloads it: one SELECT.
		got, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		assert.Same(t, u2, got)
		assert.Equal(t, []string{expSelectUser}, e.sql())
		assert.Equal(t, "jack2", u2.Name)
		assert.Empty(t, session.Inspect(u2).Expired)
		require.NoError(t, s.Commit(e.ctx))

		// With NoExpireOnCommit, values stay as they were, stale, until
		// ExpireAll.
		s2 := e.session(session.Options{NoExpireOnCommit: true})
		v, err := session.Get[User](e.ctx, s2, 1)
		require.NoError(t, err)
		require.NoError(t, s2.Commit(e.ctx))
		assert.Empty(t, session.Inspect(v).Expired)
		expRenameUser(e, 1, "ed3")
		require.NoError(t, s2.Load(e.ctx, v))
		assert.Empty(t, e.sql(), "nothing expired, nothing loaded")
		assert.Equal(t, "ed2", v.Name, "stale")

		s2.ExpireAll()
		assert.Equal(t, []string{"ID", "Name"}, session.Inspect(v).Expired)
		require.NoError(t, s2.Load(e.ctx, v))
		assert.Equal(t, []string{expSelectUser}, e.sql())
		assert.Equal(t, "ed3", v.Name)
		assert.Empty(t, session.Inspect(v).Expired)
	})
}

func TestEXP02_ExpireDiscardsUnflushedChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("user1")
		s := e.session(session.Options{NoExpireOnCommit: true})
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx))
		expRenameUser(e, 1, "user1-db")

		u.Name = "user2"
		require.Equal(t, []any{u}, s.Dirty())
		require.NoError(t, s.Expire(u))
		assert.Empty(t, e.sql(), "expire sends nothing")
		// The change is gone: the field is back to the last value the
		// session knew, and is expired.
		assert.Equal(t, "user1", u.Name)
		assert.Empty(t, s.Dirty())
		assert.Equal(t, []string{"ID", "Name"}, session.Inspect(u).Expired)
		assert.Empty(t, session.Inspect(u).Modified)

		// The next load reads the database.
		require.NoError(t, s.Load(e.ctx, u))
		assert.Equal(t, []string{expSelectUser}, e.sql())
		assert.Equal(t, "user1-db", u.Name)
		assert.Empty(t, session.Inspect(u).Expired)

		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Empty(t, e.sql(), "the discarded change is not written")
	})
}

func TestEXP03_OneSelectLoadsAllExpiredColumns(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		expSeedOrder(e, 1, "d1", false)
		s := e.session(session.Options{NoExpireOnCommit: true})
		o, err := session.Get[Order](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx))
		e.exec(ore.Update(Orders).Set(Orders.UserID.To(new(int64(2))), Orders.Description.To("d2"), Orders.IsOpen.To(true)).Where(Orders.ID.Eq(1)))

		// All columns expired: one SELECT loads them all.
		require.NoError(t, s.Expire(o))
		assert.Equal(t, []string{"ID", "UserID", "Description", "IsOpen"}, session.Inspect(o).Expired)
		require.NoError(t, s.Load(e.ctx, o))
		assert.Equal(t, []string{expSelectOrder}, e.sql())
		assert.Equal(t, [][]any{{int64(1)}}, e.args)
		require.NotNil(t, o.UserID)
		assert.Equal(t, int64(2), *o.UserID)
		assert.Equal(t, "d2", o.Description)
		assert.True(t, o.IsOpen)
		assert.Empty(t, session.Inspect(o).Expired)

		// Two columns expired: one SELECT of the key and those two.
		require.NoError(t, s.Commit(e.ctx))
		e.exec(ore.Update(Orders).Set(Orders.Description.To("d3"), Orders.IsOpen.To(false)).Where(Orders.ID.Eq(1)))
		require.NoError(t, s.Expire(o, "Description", "IsOpen"))
		assert.Equal(t, []string{"Description", "IsOpen"}, session.Inspect(o).Expired)
		require.NoError(t, s.Load(e.ctx, o))
		assert.Equal(t, []string{"SELECT orders.id, orders.description, orders.isopen FROM orders WHERE orders.id = ?"}, e.sql())
		assert.Equal(t, "d3", o.Description)
		assert.False(t, o.IsOpen)
		assert.Empty(t, session.Inspect(o).Expired)

		e.reset()
		require.NoError(t, s.Load(e.ctx, o))
		assert.Empty(t, e.sql())
	})
}

func TestEXP04_ExpiredRelationshipsLoadSeparately(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		expSeedAddress(e, 1, "ed@a")
		expSeedAddress(e, 1, "ed@b")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		expLoadUserRelations(t, e, u)
		a1 := u.Addresses.Items()[0]
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{"ID", "Name", "Addresses", "Orders"}, session.Inspect(u).Expired)
		assert.False(t, u.Addresses.Loaded())
		assert.Nil(t, u.Addresses.Items())

		expRenameUser(e, 1, "ed2")
		expSeedAddress(e, 1, "ed@c")
		e.exec(ore.Update(Addresses).Set(Addresses.EmailAddress.To("ed@a2")).Where(Addresses.ID.Eq(1)))

		// Loading the columns loads no relationship.
		require.NoError(t, s.Load(e.ctx, u))
		assert.Equal(t, []string{expSelectUser}, e.sql())
		assert.Equal(t, "ed2", u.Name)
		assert.False(t, u.Addresses.Loaded())
		assert.False(t, u.Orders.Loaded())
		assert.Equal(t, []string{"Addresses", "Orders"}, session.Inspect(u).Expired)

		// The relationship loads by itself, with its own SELECT.
		e.reset()
		addrs, err := u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{expLoadAddresses}, e.sql())
		assert.Equal(t, []string{"ed@a2", "ed@b", "ed@c"}, expEmails(addrs))
		assert.Same(t, a1, addrs[0], "the identity map's object, its expired fields filled in")
		assert.True(t, u.Addresses.Loaded())
		assert.Equal(t, []string{"Orders"}, session.Inspect(u).Expired)

		// Expiring only the relationship leaves the columns loaded.
		require.NoError(t, s.Expire(u, "Addresses"))
		assert.False(t, u.Addresses.Loaded())
		assert.Equal(t, []string{"Addresses", "Orders"}, session.Inspect(u).Expired)
		e.reset()
		require.NoError(t, s.Load(e.ctx, u))
		assert.Empty(t, e.sql(), "no column is expired")
		assert.False(t, u.Addresses.Loaded())
		addrs, err = u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{expLoadAddresses}, e.sql())
		assert.Len(t, addrs, 3)
	})
}

func TestEXP05_ExpireNamedFieldsOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		expSeedOrder(e, 1, "d1", false)
		// Without autoflush, so that the reload and the flush of the kept
		// change show as separate steps.
		s := e.session(session.Options{NoExpireOnCommit: true, NoAutoflush: true})
		o, err := session.Get[Order](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx))
		e.exec(ore.Update(Orders).Set(Orders.UserID.To(new(int64(2))), Orders.Description.To("d-db"), Orders.IsOpen.To(true)).Where(Orders.ID.Eq(1)))

		o.Description = "d-local"
		require.NoError(t, s.Expire(o, "IsOpen"))
		assert.Empty(t, e.sql())
		assert.Equal(t, []string{"IsOpen"}, session.Inspect(o).Expired)
		assert.Equal(t, "d-local", o.Description, "the change to a field not named stays")
		assert.Equal(t, []string{"Description"}, session.Inspect(o).Modified)

		require.NoError(t, s.Load(e.ctx, o))
		assert.Equal(t, []string{"SELECT orders.id, orders.isopen FROM orders WHERE orders.id = ?"}, e.sql())
		assert.True(t, o.IsOpen, "the expired field is the database's")
		assert.Equal(t, "d-local", o.Description)
		require.NotNil(t, o.UserID)
		assert.Equal(t, int64(1), *o.UserID, "fields not expired are not reloaded")
		assert.Empty(t, session.Inspect(o).Expired)
		// The value the session knew for Description is still its
		// committed value: the change is still a change.
		assert.Equal(t, []string{"Description"}, session.Inspect(o).Modified)

		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{expUpdateOrderDesc}, e.sql())
		assert.Equal(t, [][]any{{"d-local", int64(1)}}, e.args)
	})
}

func TestEXP06_SettingAnExpiredFieldDoesNotLoadIt(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Expire(u, "Name"))
		assert.Equal(t, []string{"Name"}, session.Inspect(u).Expired)

		// Assigning is plain Go; what matters is that nothing loads the
		// field before the flush writes it: the flush sends the UPDATE
		// alone.
		e.reset()
		u.Name = "somenewname"
		assert.Equal(t, []string{"Name"}, session.Inspect(u).Modified)
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{expUpdateUserName}, e.sql())
		assert.Equal(t, [][]any{{"somenewname", int64(1)}}, e.args)
		assert.Equal(t, "somenewname", u.Name)

		// The flush wrote the value, so the session knows it: the field
		// is no longer expired (SQLAlchemy's flush clears the expired
		// marker of every attribute it has a value for), and loading
		// costs nothing.
		e.reset()
		assert.Empty(t, session.Inspect(u).Expired)
		require.NoError(t, s.Load(e.ctx, u))
		assert.Empty(t, e.sql())
		assert.Equal(t, "somenewname", u.Name)

		require.NoError(t, s.Commit(e.ctx))
		s2 := e.session()
		got, err := session.Get[User](e.ctx, s2, 1)
		require.NoError(t, err)
		assert.Equal(t, "somenewname", got.Name)
	})
}

func TestEXP07_ChangesAfterExpireSurviveTheReload(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		expSeedOrder(e, 1, "d1", false)
		s := e.session(session.Options{NoAutoflush: true})
		o, err := session.Get[Order](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx)) // expires o
		e.exec(ore.Update(Orders).Set(Orders.IsOpen.To(true)).Where(Orders.ID.Eq(1)))

		// Set after expiry: kept by the reload of the expired fields.
		o.Description = "mine"
		assert.Empty(t, e.sql())
		require.NoError(t, s.Load(e.ctx, o))
		assert.Equal(t, []string{expSelectOrder}, e.sql())
		assert.Equal(t, "mine", o.Description)
		assert.True(t, o.IsOpen, "the other expired fields are the database's")
		assert.Empty(t, session.Inspect(o).Expired)
		assert.Equal(t, []string{"Description"}, session.Inspect(o).Modified)
		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{expUpdateOrderDesc}, e.sql())
		assert.Equal(t, [][]any{{"mine", int64(1)}}, e.args)

		// The row's value becomes the committed value of a field set after
		// expiry: set to what the database now has (but not what the
		// session last knew), the field is no change, and the flush sends
		// nothing.
		e.exec(ore.Update(Orders).Set(Orders.Description.To("d-db")).Where(Orders.ID.Eq(1)))
		o.Description = "d-db"
		require.NoError(t, s.Load(e.ctx, o))
		assert.Equal(t, []string{expSelectOrder}, e.sql())
		assert.Equal(t, "d-db", o.Description)
		assert.Empty(t, session.Inspect(o).Expired)
		assert.Empty(t, session.Inspect(o).Modified)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())
	})
}

func TestEXP08_ExpireOfNonPersistentObjectsFails(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		other := e.session()
		theirs, err := session.Get[User](e.ctx, other, 1)
		require.NoError(t, err)
		e.reset()

		// Pending.
		p := &User{Name: "new"}
		require.NoError(t, s.Add(p))
		assert.ErrorIs(t, s.Expire(p), session.ErrInvalidRequest)
		assert.ErrorIs(t, s.Expire(p, "Name"), session.ErrInvalidRequest)
		assert.Equal(t, session.Pending, session.StateOf(p))
		assert.Equal(t, "new", p.Name)
		assert.Empty(t, session.Inspect(p).Expired)

		// Transient.
		tr := &User{Name: "t"}
		assert.ErrorIs(t, s.Expire(tr), session.ErrInvalidRequest)
		assert.Equal(t, session.Transient, session.StateOf(tr))

		// Persistent in another session.
		assert.ErrorIs(t, s.Expire(theirs), session.ErrInvalidRequest)
		assert.Equal(t, session.Persistent, session.StateOf(theirs))
		assert.Same(t, other, session.Inspect(theirs).Session)
		assert.Empty(t, session.Inspect(theirs).Expired)

		// Detached.
		require.NoError(t, other.Expunge(theirs))
		assert.ErrorIs(t, s.Expire(theirs), session.ErrInvalidRequest)
		assert.ErrorIs(t, other.Expire(theirs), session.ErrInvalidRequest)
		assert.Equal(t, session.Detached, session.StateOf(theirs))
		assert.Empty(t, session.Inspect(theirs).Expired)

		assert.Empty(t, e.sql())
	})
}

func TestEXP09_ExpiredObjectWhoseRowIsGone(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx)) // expires u
		e.exec(ore.Delete(Users).Where(Users.ID.Eq(1)))

		err = s.Load(e.ctx, u)
		assert.ErrorIs(t, err, session.ErrObjectDeleted)
		assert.Equal(t, []string{expSelectUser}, e.sql())
		// Nothing is changed by the failed load.
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Equal(t, []string{"ID", "Name"}, session.Inspect(u).Expired)
		assert.Equal(t, "ed", u.Name)

		e.reset()
		err = s.Refresh(e.ctx, u)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.Equal(t, []string{expSelectUser}, e.sql())
		assert.Equal(t, "ed", u.Name)
	})
}

func TestEXP10_Refresh(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		expSeedAddress(e, 1, "ed@a")

		// refresh(u): u's own unflushed change is expired away, other
		// objects' changes are flushed first, then one SELECT reloads the
		// columns. Lazy relationships are expired with the rest, not
		// reloaded: they load on their next Get.
		s := e.session(session.Options{NoExpireOnCommit: true})
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		jack, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		expLoadUserRelations(t, e, u)
		require.NoError(t, s.Commit(e.ctx))
		expRenameUser(e, 1, "ed-db")
		expSeedAddress(e, 1, "ed@b")
		u.Name = "mine"
		jack.Name = "jack2"
		require.NoError(t, s.Refresh(e.ctx, u))
		assert.Equal(t, []string{expUpdateUserName, expSelectUser}, e.sql())
		assert.Equal(t, [][]any{{"jack2", int64(2)}, {int64(1)}}, e.args)
		assert.Equal(t, "ed-db", u.Name)
		assert.Empty(t, session.Inspect(u).Modified)
		assert.Equal(t, []string{"Addresses", "Orders"}, session.Inspect(u).Expired)
		assert.False(t, u.Addresses.Loaded())
		assert.False(t, u.Orders.Loaded())
		e.reset()
		addrs, err := u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{expLoadAddresses}, e.sql())
		assert.Equal(t, []string{"ed@a", "ed@b"}, expEmails(addrs))
		require.NoError(t, s.Close(e.ctx))

		// A refresh clears the expiry: Get and Load cost nothing after it.
		s = e.session()
		u, err = session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Expire(u))
		e.reset()
		require.NoError(t, s.Refresh(e.ctx, u))
		assert.Equal(t, []string{expSelectUser}, e.sql())
		assert.Empty(t, session.Inspect(u).Expired)
		e.reset()
		got, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Same(t, u, got)
		require.NoError(t, s.Load(e.ctx, u))
		assert.Empty(t, e.sql())
		assert.Equal(t, "ed-db", u.Name)
		require.NoError(t, s.Close(e.ctx))

		// refresh(u, Name, Addresses): a lazy relationship named is
		// reloaded too; one not named is left as it is.
		s = e.session(session.Options{NoExpireOnCommit: true})
		u, err = session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		expLoadUserRelations(t, e, u)
		require.NoError(t, s.Commit(e.ctx))
		expRenameUser(e, 1, "ed-db2")
		expSeedAddress(e, 1, "ed@c")
		require.NoError(t, s.Refresh(e.ctx, u, "Name", "Addresses"))
		assert.Equal(t, []string{expSelectUser, expLoadAddresses}, e.sql())
		assert.Equal(t, "ed-db2", u.Name)
		assert.True(t, u.Addresses.Loaded())
		assert.Equal(t, []string{"ed@a", "ed@b", "ed@c"}, expEmails(u.Addresses.Items()))
		assert.True(t, u.Orders.Loaded())
		assert.Empty(t, session.Inspect(u).Expired)
		e.reset()
		_, err = u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Empty(t, e.sql())

		// Naming only a relationship: the SELECT of the row has just the
		// key (the row must still exist), then the relationship loads.
		require.NoError(t, s.Commit(e.ctx))
		expRenameUser(e, 1, "ed-db3")
		expSeedAddress(e, 1, "ed@d")
		require.NoError(t, s.Refresh(e.ctx, u, "Addresses"))
		assert.Equal(t, []string{expSelectUserKey, expLoadAddresses}, e.sql())
		assert.Equal(t, []string{"ed@a", "ed@b", "ed@c", "ed@d"}, expEmails(u.Addresses.Items()))
		assert.Equal(t, "ed-db2", u.Name, "a column not named is not reloaded")
		assert.Empty(t, session.Inspect(u).Expired)
	})
}

func TestEXP11_ExpireAll(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		expSeedAddress(e, 1, "ed@a")
		s := e.session(session.Options{NoExpireOnCommit: true})
		u1, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		u2, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		a, err := session.Get[Address](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx))
		expRenameUser(e, 1, "ed2")
		expRenameUser(e, 2, "jack2")
		e.exec(ore.Update(Addresses).Set(Addresses.EmailAddress.To("ed@b")).Where(Addresses.ID.Eq(1)))

		u1.Name = "unflushed"
		s.ExpireAll()
		assert.Empty(t, e.sql())
		assert.Equal(t, []string{"ID", "Name"}, session.Inspect(u1).Expired)
		assert.Equal(t, []string{"ID", "Name"}, session.Inspect(u2).Expired)
		assert.Equal(t, []string{"ID", "UserID", "EmailAddress"}, session.Inspect(a).Expired)
		assert.Equal(t, "ed", u1.Name, "the unflushed change is discarded")
		assert.Empty(t, s.Dirty())

		for _, obj := range []any{u1, u2, a} {
			require.NoError(t, s.Load(e.ctx, obj))
			assert.Empty(t, session.Inspect(obj).Expired)
		}
		assert.Equal(t, []string{expSelectUser, expSelectUser, expSelectAddress}, e.sql())
		assert.Equal(t, "ed2", u1.Name)
		assert.Equal(t, "jack2", u2.Name)
		assert.Equal(t, "ed@b", a.EmailAddress)

		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Empty(t, e.sql())
	})
}

func TestEXP12_QueryFillsInExpiredFieldsOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		expSeedOrder(e, 1, "d1", false)
		s := e.session(session.Options{NoExpireOnCommit: true})
		users, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, users, 2)
		u1, u2 := users[0], users[1]
		o, err := session.Get[Order](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Commit(e.ctx))
		expRenameUser(e, 1, "ed2")
		expRenameUser(e, 2, "jack2")
		e.exec(ore.Update(Orders).Set(Orders.Description.To("d2"), Orders.IsOpen.To(true)).Where(Orders.ID.Eq(1)))

		// An expired object is filled in from the query's row; one that
		// is not expired keeps its (stale) values.
		require.NoError(t, s.Expire(u1))
		again, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT users.id, users.name FROM users ORDER BY users.id"}, e.sql())
		require.Len(t, again, 2)
		assert.Same(t, u1, again[0])
		assert.Same(t, u2, again[1])
		assert.Equal(t, "ed2", u1.Name)
		assert.Equal(t, "jack", u2.Name)
		assert.Empty(t, session.Inspect(u1).Expired)
		assert.Empty(t, session.Inspect(u2).Expired)
		e.reset()
		require.NoError(t, s.Load(e.ctx, u1))
		assert.Empty(t, e.sql(), "the query cleared the expiry")

		// Within one object, only the expired fields are filled in.
		require.NoError(t, s.Expire(o, "IsOpen"))
		got, err := session.Query[Order](s).Where(Orders.ID.Eq(1)).One(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{"SELECT orders.id, orders.user_id, orders.description, orders.isopen FROM orders WHERE orders.id = ? LIMIT ?"}, e.sql())
		assert.Same(t, o, got)
		assert.True(t, o.IsOpen)
		assert.Equal(t, "d1", o.Description, "not expired: not overwritten")
		assert.Empty(t, session.Inspect(o).Expired)
		assert.Empty(t, session.Inspect(o).Modified)

		// PopulateExisting, by contrast, overwrites every field.
		_, err = session.Query[Order](s).Where(Orders.ID.Eq(1)).PopulateExisting().One(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, "d2", o.Description)
	})
}

func TestEXP14_PendingObjectsAreNeverExpired(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		expSeedAddress(e, 1, "ed@a")

		// ExpireAll leaves pending objects alone.
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		p := &User{Name: "pending"}
		require.NoError(t, s.Add(p))
		u.Name = "changed"
		e.reset()
		s.ExpireAll()
		assert.Empty(t, e.sql())
		assert.Equal(t, session.Pending, session.StateOf(p))
		assert.Equal(t, "pending", p.Name)
		assert.Empty(t, session.Inspect(p).Expired)
		assert.Equal(t, []any{p}, s.New())
		assert.Equal(t, []string{"ID", "Name"}, session.Inspect(u).Expired)
		assert.Equal(t, "ed", u.Name)
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"INSERT INTO users (name) VALUES (?) RETURNING id"}, e.sql())
		assert.Equal(t, [][]any{{"pending"}}, e.args)
		require.NoError(t, s.Rollback(e.ctx))

		// Rollback makes pending objects transient with their values as
		// they were; persistent ones are expired.
		s = e.session()
		u, err = session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		expLoadUserRelations(t, e, u)
		newad := &Address{EmailAddress: "a new address"}
		u.Addresses.Add(newad)
		u.Name = "some new name"
		require.Equal(t, session.Pending, session.StateOf(newad))
		require.Len(t, u.Addresses.Items(), 2)
		e.reset()
		require.NoError(t, s.Rollback(e.ctx))
		assert.Empty(t, e.sql())
		assert.Equal(t, session.Transient, session.StateOf(newad))
		assert.Equal(t, "a new address", newad.EmailAddress)
		assert.Empty(t, session.Inspect(newad).Expired)
		assert.Equal(t, "ed", u.Name)
		assert.Equal(t, []string{"ID", "Name", "Addresses", "Orders"}, session.Inspect(u).Expired)
		require.NoError(t, s.Load(e.ctx, u))
		addrs, err := u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{expSelectUser, expLoadAddresses}, e.sql())
		assert.Equal(t, []string{"ed@a"}, expEmails(addrs))
		require.NoError(t, s.Rollback(e.ctx))

		// Expiring a collection drops the appends made while it was not
		// loaded.
		s = e.session(session.Options{NoExpireOnCommit: true, NoAutoflush: true})
		u, err = session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		expLoadUserRelations(t, e, u)
		require.NoError(t, s.Commit(e.ctx))
		expSeedAddress(e, 1, "ed@c")
		require.NoError(t, s.Expire(u, "Addresses"))
		a2 := &Address{EmailAddress: "ed@b"}
		u.Addresses.Add(a2) // not loaded: kept as a pending append
		assert.False(t, u.Addresses.Loaded())
		require.NoError(t, s.Expire(u, "Addresses"))
		assert.Equal(t, []string{"Addresses"}, session.Inspect(u).Expired)
		addrs, err = u.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{expLoadAddresses}, e.sql())
		assert.Equal(t, []string{"ed@a", "ed@c"}, expEmails(addrs), "only the database's rows")
		assert.NotContains(t, addrs, a2)
		assert.Empty(t, session.Inspect(u).Expired)
		// a2 itself joined the session when it was appended (save-update
		// cascade); only the collection's record of the append is gone.
		assert.Equal(t, session.Pending, session.StateOf(a2))
	})
}
