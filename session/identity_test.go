package session_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/session"
)

// Tests of the identity map (spec §2, IM-01 … IM-11): one object per row
// within a session, found by (mapping, primary key), held weakly while
// clean.

// The statements that load one row by primary key.
const (
	imSelectUser       = "SELECT users.id, users.name FROM users WHERE users.id = ?"
	imSelectTag        = "SELECT tags.name, tags.note FROM tags WHERE tags.name = ?"
	imSelectMembership = "SELECT memberships.user_id, memberships.group_id, memberships.role FROM memberships " +
		"WHERE memberships.user_id = ? AND memberships.group_id = ?"
)

// imSeedMembership inserts a membership row for a test's setup.
func imSeedMembership(e *env, userID, groupID int64, role string) {
	e.t.Helper()
	e.exec(ore.Insert(Memberships).Values(
		Memberships.UserID.To(userID), Memberships.GroupID.To(groupID), Memberships.Role.To(role)))
}

// imSeedTag inserts a tag row for a test's setup.
func imSeedTag(e *env, name, note string) {
	e.t.Helper()
	e.exec(ore.Insert(Tags).Values(Tags.Name.To(name), Tags.Note.To(note)))
}

// imSetUserName changes a user's row inside s's transaction, behind the
// session's back, and forgets the statement. (Inside the session's
// transaction: SQLite runs one transaction at a time, and a rollback of the
// session undoes the change.)
func imSetUserName(t *testing.T, e *env, s *session.Session, id int64, name string) {
	t.Helper()
	tx, err := s.Tx(e.ctx)
	require.NoError(t, err)
	_, err = tx.Exec(e.ctx, ore.Update(Users).Set(Users.Name.To(name)).Where(Users.ID.Eq(id)))
	require.NoError(t, err)
	e.reset()
}

// imDeleteUserRow deletes a user's row inside s's transaction, behind the
// session's back, and forgets the statement.
func imDeleteUserRow(t *testing.T, e *env, s *session.Session, id int64) {
	t.Helper()
	tx, err := s.Tx(e.ctx)
	require.NoError(t, err)
	_, err = tx.Exec(e.ctx, ore.Delete(Users).Where(Users.ID.Eq(id)))
	require.NoError(t, err)
	e.reset()
}

// imUserNameInDB reads a user's name as s's transaction sees it, and
// forgets the statement.
func imUserNameInDB(t *testing.T, e *env, s *session.Session, id int64) string {
	t.Helper()
	tx, err := s.Tx(e.ctx)
	require.NoError(t, err)
	name, err := ore.Scalar(e.ctx, tx, ore.Select1(Users.Name).From(Users).Where(Users.ID.Eq(id)))
	require.NoError(t, err)
	e.reset()
	return name
}

// imDropped runs fn, which works with s's objects and keeps none of them:
// once it returns, those objects are reachable only through the session.
// It is a function of its own, not inlined, so that no stack slot of the
// test keeps them alive.
//
//go:noinline
func imDropped(t *testing.T, fn func() error) {
	t.Helper()
	require.NoError(t, fn())
}

// imCollect runs the garbage collector twice: the first cycle finds the
// dropped objects and queues their finalizers; the second one is for what
// only they referred to. Session.Len waits for the queued finalizers
// itself, so no sleep is needed.
func imCollect() {
	runtime.GC()
	runtime.GC()
}

// IM-01: the identity key is the mapping and the primary key values, in
// the key's column order. The spec's identity class is the base mapper of
// an inheritance tree; ore has no mapped inheritance yet, so that part is
// out of scope here (each mapping is its own identity class). The identity
// token is for sharding, which ore does not do.
func TestIM01_KeyIsMappingAndPrimaryKeyInKeyOrder(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// Composite key (user_id, group_id): (1, 20) and (20, 1) are two
		// rows, so two objects.
		imSeedMembership(e, 1, 20, "x")
		imSeedMembership(e, 20, 1, "y")
		e.seedUsers("ed")
		e.exec(ore.Insert(Orders).Values(Orders.Description.To("o1"), Orders.IsOpen.To(true)))
		imSeedTag(e, "go", "old")
		s := e.session()

		m1, err := session.Get[Membership](e.ctx, s, int64(1), int64(20))
		require.NoError(t, err)
		assert.Equal(t, []string{imSelectMembership}, e.sql())
		assert.Equal(t, [][]any{{int64(1), int64(20)}}, e.args, "key values bound in key order")
		assert.Equal(t, "x", m1.Role)
		assert.Equal(t, []any{int64(1), int64(20)}, session.Inspect(m1).Key)

		e.reset()
		m2, err := session.Get[Membership](e.ctx, s, int64(20), int64(1))
		require.NoError(t, err)
		assert.Equal(t, []string{imSelectMembership}, e.sql(), "(20, 1) is another key than (1, 20)")
		assert.Equal(t, "y", m2.Role)
		assert.NotSame(t, m1, m2)
		assert.Equal(t, []any{int64(20), int64(1)}, session.Inspect(m2).Key)

		e.reset()
		assert.Same(t, m1, session.Lookup[Membership](s, int64(1), int64(20)))
		assert.Same(t, m2, session.Lookup[Membership](s, int64(20), int64(1)))
		again, err := session.Get[Membership](e.ctx, s, int64(1), int64(20))
		require.NoError(t, err)
		assert.Same(t, m1, again)
		assert.Empty(t, e.sql())

		// A query's rows find the same objects under the same keys.
		all, err := session.Query[Membership](s).OrderBy(Memberships.UserID.Asc()).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		assert.Same(t, m1, all[0])
		assert.Same(t, m2, all[1])
		assert.Len(t, e.sql(), 1)

		// The mapping is part of the key: a user and an order with the same
		// id are two entries.
		e.reset()
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		o, err := session.Get[Order](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Equal(t, []string{
			imSelectUser,
			"SELECT orders.id, orders.user_id, orders.description, orders.isopen FROM orders WHERE orders.id = ?",
		}, e.sql())
		assert.Equal(t, []any{int64(1)}, session.Inspect(u).Key)
		assert.Equal(t, []any{int64(1)}, session.Inspect(o).Key)
		assert.Same(t, u, session.Lookup[User](s, int64(1)))
		assert.Same(t, o, session.Lookup[Order](s, int64(1)))
		assert.Equal(t, 4, s.Len())

		// Natural key: the key is the name the application chose.
		e.reset()
		tag, err := session.Get[Tag](e.ctx, s, "go")
		require.NoError(t, err)
		assert.Equal(t, []string{imSelectTag}, e.sql())
		assert.Equal(t, []any{"go"}, session.Inspect(tag).Key)

		// A pending object has no identity yet, and is not in the map; its
		// flush gives it the key its fields say.
		e.reset()
		rust := &Tag{Name: "rust", Note: "new"}
		require.NoError(t, s.Add(rust))
		assert.Nil(t, session.Inspect(rust).Key)
		assert.Nil(t, session.Lookup[Tag](s, "rust"))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"INSERT INTO tags (name, note) VALUES (?, ?)"}, e.sql())
		assert.Equal(t, []any{"rust"}, session.Inspect(rust).Key)
		assert.Same(t, rust, session.Lookup[Tag](s, "rust"))
		e.reset()
		got, err := session.Get[Tag](e.ctx, s, "rust")
		require.NoError(t, err)
		assert.Same(t, rust, got)
		assert.Empty(t, e.sql())
	})
}

// IM-02: two queries for the same row give the same object.
func TestIM02_OneObjectPerRow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		s := e.session()
		byID := "SELECT users.id, users.name FROM users WHERE users.id = ? LIMIT ?"

		q1, err := session.Query[User](s).Where(Users.ID.Eq(1)).One(e.ctx)
		require.NoError(t, err)
		q2, err := session.Query[User](s).Where(Users.ID.Eq(1)).One(e.ctx)
		require.NoError(t, err)
		assert.Same(t, q1, q2)
		assert.Equal(t, []string{byID, byID}, e.sql(), "each query runs; the rows map to one object")

		e.reset()
		byName, err := session.Query[User](s).Where(Users.Name.Eq("ed")).First(e.ctx)
		require.NoError(t, err)
		assert.Same(t, q1, byName)
		all, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		assert.Same(t, q1, all[0])
		assert.NotSame(t, q1, all[1])
		assert.Equal(t, "jack", all[1].Name)
		got, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Same(t, q1, got)
		assert.Equal(t, []string{
			"SELECT users.id, users.name FROM users WHERE users.name = ? LIMIT ?",
			"SELECT users.id, users.name FROM users ORDER BY users.id",
		}, e.sql())

		// An object the session inserted is the one its row's queries
		// return.
		fred := &User{Name: "fred"}
		require.NoError(t, s.Add(fred))
		e.reset()
		found, err := session.Query[User](s).Where(Users.Name.Eq("fred")).One(e.ctx)
		require.NoError(t, err)
		assert.Same(t, fred, found)
		assert.Equal(t, []string{
			"INSERT INTO users (name) VALUES (?) RETURNING id",
			"SELECT users.id, users.name FROM users WHERE users.name = ? LIMIT ?",
		}, e.sql())
		assert.Equal(t, 3, s.Len())
	})
}

// IM-03: attaching an object under a key that another live object of the
// session holds fails, and changes nothing.
func TestIM03_AttachingConflictingObjectFails(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		// d is the row's object in another session, detached when that
		// session closes. (Closed before s begins: SQLite runs one
		// transaction at a time.)
		other := e.session()
		d, err := session.Get[User](e.ctx, other, int64(1))
		require.NoError(t, err)
		require.NoError(t, other.Close(e.ctx))
		require.Equal(t, session.Detached, session.StateOf(d))
		s := e.session()
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		require.NotSame(t, u, d)

		e.reset()
		err = s.Add(d)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		// Deleting a detached object attaches it first (ST-08): the same
		// conflict.
		err = s.Delete(d)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.Empty(t, e.sql())
		assert.Equal(t, session.Detached, session.StateOf(d))
		assert.Nil(t, session.SessionOf(d))
		assert.False(t, s.Contains(d))
		assert.Empty(t, s.Deleted())
		assert.Same(t, u, session.Lookup[User](s, int64(1)))
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Equal(t, 1, s.Len())

		// Once the holder has left the session, the key is free.
		require.NoError(t, s.Expunge(u))
		require.NoError(t, s.Add(d))
		assert.Same(t, d, session.Lookup[User](s, int64(1)))
		assert.Equal(t, session.Persistent, session.StateOf(d))
		assert.Empty(t, e.sql())
	})
}

// IM-03, with a holder the application dropped: only a live object
// blocks the key.
func TestIM03_DroppedHolderDoesNotBlockKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		imSeedTag(e, "go", "old")
		other := e.session()
		d, err := session.Get[Tag](e.ctx, other, "go")
		require.NoError(t, err)
		require.NoError(t, other.Close(e.ctx))
		require.Equal(t, session.Detached, session.StateOf(d))

		s := e.session()
		imDropped(t, func() error {
			_, err := session.Get[Tag](e.ctx, s, "go")
			return err
		})
		imCollect()
		e.reset()
		require.Equal(t, 0, s.Len())
		require.NoError(t, s.Add(d))
		assert.Same(t, d, session.Lookup[Tag](s, "go"))
		assert.Equal(t, session.Persistent, session.StateOf(d))
		assert.Empty(t, e.sql())
	})
}

// IM-04: a pending object with the key of a persistent one conflicts (a
// warning, then the database refuses the INSERT); with the persistent one
// marked for deletion in the same flush, the new object takes over its
// row with one UPDATE (a row switch).
func TestIM04_NewObjectWithKeyOfPersistentObject(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		imSeedTag(e, "go", "old")
		var warnings []string
		s := e.session(session.Options{Warn: func(msg string) { warnings = append(warnings, msg) }})

		// A conflict.
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		dup := &User{ID: 1, Name: "dup"}
		require.NoError(t, s.Add(dup))
		e.reset()
		err = s.Flush(e.ctx)
		assert.ErrorIs(t, err, ore.ErrUniqueViolation)
		assert.Equal(t, []string{"INSERT INTO users (id, name) VALUES (?, ?)"}, e.sql())
		if assert.Len(t, warnings, 1) {
			assert.Contains(t, warnings[0], "conflicts with the persistent")
		}
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, session.Transient, session.StateOf(dup))
		assert.Same(t, u, session.Lookup[User](s, int64(1)))

		// A row switch.
		warnings = nil
		old, err := session.Get[Tag](e.ctx, s, "go")
		require.NoError(t, err)
		require.NoError(t, s.Delete(old))
		repl := &Tag{Name: "go", Note: "new"}
		require.NoError(t, s.Add(repl))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE tags SET note = ? WHERE tags.name = ?"}, e.sql())
		assert.Equal(t, [][]any{{"new", "go"}}, e.args)
		assert.Empty(t, warnings)
		assert.Same(t, repl, session.Lookup[Tag](s, "go"))
		assert.Equal(t, session.Persistent, session.StateOf(repl))
		assert.Equal(t, session.Deleted, session.StateOf(old))
		assert.True(t, session.WasDeleted(old))
		require.NoError(t, s.Commit(e.ctx))
		note, err := ore.Scalar(e.ctx, e.db, ore.Select1(Tags.Note).From(Tags).Where(Tags.Name.Eq("go")))
		require.NoError(t, err)
		assert.Equal(t, "new", note)
	})
}

// IM-05: Get answers from the identity map without SQL, else SELECTs by
// key; it checks and converts the key values it is given. (The spec's
// "class not a subclass of the requested class" case needs mapped
// inheritance, which ore does not have yet. Where SQLAlchemy returns None
// for a missing row, Get returns an error matching ErrNotFound.)
func TestIM05_GetUsesIdentityMapFirst(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		imSeedMembership(e, 1, 20, "x")
		s := e.session()

		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Equal(t, []string{imSelectUser}, e.sql())
		assert.Equal(t, [][]any{{int64(1)}}, e.args)
		assert.Equal(t, "ed", u.Name)

		e.reset()
		again, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Same(t, u, again)
		// Values of another integer type convert to the key's int64.
		asInt, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Same(t, u, asInt)
		asInt32, err := session.Get[User](e.ctx, s, int32(1))
		require.NoError(t, err)
		assert.Same(t, u, asInt32)
		assert.Same(t, u, session.Lookup[User](s, 1))
		assert.Empty(t, e.sql())

		// No row: a SELECT each time (absence is not remembered).
		for range 2 {
			missing, err := session.Get[User](e.ctx, s, 99)
			assert.ErrorIs(t, err, session.ErrNotFound)
			assert.Nil(t, missing)
		}
		assert.Equal(t, []string{imSelectUser, imSelectUser}, e.sql())
		assert.Equal(t, [][]any{{int64(99)}, {int64(99)}}, e.args, "the int was converted to the key's type")

		// The wrong number of key values.
		e.reset()
		for _, key := range [][]any{nil, {1, 2}} {
			got, err := session.Get[User](e.ctx, s, key...)
			assert.ErrorIs(t, err, session.ErrInvalidRequest, "key %v", key)
			assert.Nil(t, got)
		}
		for _, key := range [][]any{{int64(1)}, {1, 20, 3}} {
			got, err := session.Get[Membership](e.ctx, s, key...)
			assert.ErrorIs(t, err, session.ErrInvalidRequest, "key %v", key)
			assert.Nil(t, got)
		}
		assert.Empty(t, e.sql())

		// A composite key as values in key order, or as a map by field or
		// column name.
		m, err := session.Get[Membership](e.ctx, s, map[string]any{"GroupID": 20, "UserID": 1})
		require.NoError(t, err)
		assert.Equal(t, "x", m.Role)
		assert.Equal(t, []string{imSelectMembership}, e.sql())
		assert.Equal(t, [][]any{{int64(1), int64(20)}}, e.args)
		e.reset()
		byColumn, err := session.Get[Membership](e.ctx, s, map[string]any{"user_id": int64(1), "group_id": int64(20)})
		require.NoError(t, err)
		assert.Same(t, m, byColumn)
		byValues, err := session.Get[Membership](e.ctx, s, 1, 20)
		require.NoError(t, err)
		assert.Same(t, m, byValues)
		incomplete, err := session.Get[Membership](e.ctx, s, map[string]any{"UserID": 1})
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.Nil(t, incomplete)
		assert.Empty(t, e.sql())
	})
}

// IM-06: Get of an expired object SELECTs to reload it; if its row is
// gone the object leaves the session (until a rollback brings it back).
// PopulateExisting and ForUpdate queries always SELECT.
func TestIM06_GetReloadsExpiredObject(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)

		imSetUserName(t, e, s, 1, "edward")
		require.NoError(t, s.Expire(u))
		got, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Same(t, u, got)
		assert.Equal(t, []string{imSelectUser}, e.sql())
		assert.Equal(t, "edward", u.Name)
		assert.Empty(t, session.Inspect(u).Expired)

		// Not expired any more: no SQL.
		e.reset()
		got, err = session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Same(t, u, got)
		assert.Empty(t, e.sql())

		// PopulateExisting and ForUpdate go to the database whatever the
		// map has. (SQLAlchemy's get takes them as options; here they are
		// options of a query by key.)
		populated, err := session.Query[User](s).Where(Users.ID.Eq(1)).PopulateExisting().One(e.ctx)
		require.NoError(t, err)
		assert.Same(t, u, populated)
		assert.Equal(t, []string{"SELECT users.id, users.name FROM users WHERE users.id = ? LIMIT ?"}, e.sql())
		t.Run("ForUpdate", func(t *testing.T) {
			e.reset()
			locked, err := session.Query[User](s).Where(Users.ID.Eq(1)).ForUpdate().One(e.ctx)
			require.NoError(t, err)
			assert.Same(t, u, locked)
			// FOR UPDATE where the database has row locks: ObjectQuery.ForUpdate
			// promises the lock "where the database can", and SQLAlchemy
			// leaves the clause out for SQLite, whose transactions lock the
			// whole database.
			want := "SELECT users.id, users.name FROM users WHERE users.id = ? LIMIT ?"
			if e.db.Dialect().Features().Has(compile.FeatRowLocking) {
				want += " FOR UPDATE"
			}
			assert.Equal(t, []string{want}, e.sql())
		})

		// The row is gone: Get finds nothing and the object leaves the
		// session.
		imDeleteUserRow(t, e, s, 1)
		require.NoError(t, s.Expire(u))
		gone, err := session.Get[User](e.ctx, s, int64(1))
		assert.ErrorIs(t, err, session.ErrNotFound)
		assert.Nil(t, gone)
		assert.Equal(t, []string{imSelectUser}, e.sql())
		assert.False(t, s.Contains(u))
		assert.Nil(t, session.Lookup[User](s, int64(1)))
		assert.Equal(t, 0, s.Len())

		// The rollback undoes the DELETE and brings the object back.
		require.NoError(t, s.Rollback(e.ctx))
		assert.True(t, s.Contains(u))
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Same(t, u, session.Lookup[User](s, int64(1)))
		e.reset()
		back, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Same(t, u, back)
		assert.Equal(t, []string{imSelectUser}, e.sql(), "the rollback expired it")
		assert.Equal(t, "ed", u.Name)
	})
}

// IM-07: a row of an object already in the map fills only its expired
// fields; loaded values and unflushed changes stay.
func TestIM07_RowsDoNotOverwriteLoadedState(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		byID := Users.ID.Eq(1)
		selectByID := "SELECT users.id, users.name FROM users WHERE users.id = ? LIMIT ?"

		// A loaded value stays, whatever the row says now.
		imSetUserName(t, e, s, 1, "db1")
		got, err := session.Query[User](s).Where(byID).One(e.ctx)
		require.NoError(t, err)
		assert.Same(t, u, got)
		assert.Equal(t, "ed", u.Name)
		assert.Equal(t, []string{selectByID}, e.sql())

		// So does an unflushed change (autoflush off, or it would be
		// flushed before the query).
		u.Name = "mine"
		e.reset()
		require.NoError(t, s.NoAutoflush(func() error {
			got, err := session.Query[User](s).Where(byID).One(e.ctx)
			assert.Same(t, u, got)
			return err
		}))
		assert.Equal(t, []string{selectByID}, e.sql())
		assert.Equal(t, "mine", u.Name)
		assert.Equal(t, []string{"Name"}, session.Inspect(u).Modified)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE users SET name = ? WHERE users.id = ?"}, e.sql())
		assert.Equal(t, [][]any{{"mine", int64(1)}}, e.args)

		// An expired field is filled from the row.
		imSetUserName(t, e, s, 1, "db2")
		require.NoError(t, s.Expire(u, "Name"))
		got, err = session.Query[User](s).Where(byID).One(e.ctx)
		require.NoError(t, err)
		assert.Same(t, u, got)
		assert.Equal(t, "db2", u.Name)
		assert.Equal(t, []string{selectByID}, e.sql())
		assert.Empty(t, session.Inspect(u).Expired)
		assert.Empty(t, session.Inspect(u).Modified)
	})
}

// IM-08: PopulateExisting overwrites every field of the objects it
// returns, unflushed changes included; autoflush writes those first.
func TestIM08_PopulateExistingOverwrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		selectByID := "SELECT users.id, users.name FROM users WHERE users.id = ? LIMIT ?"

		// Autoflush off: the change is discarded for the row's value.
		imSetUserName(t, e, s, 1, "db")
		u.Name = "mine"
		require.NoError(t, s.NoAutoflush(func() error {
			got, err := session.Query[User](s).Where(Users.ID.Eq(1)).PopulateExisting().One(e.ctx)
			assert.Same(t, u, got)
			return err
		}))
		assert.Equal(t, []string{selectByID}, e.sql())
		assert.Equal(t, "db", u.Name)
		assert.Empty(t, session.Inspect(u).Modified)
		assert.Empty(t, s.Dirty())
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql(), "nothing left to write")

		// Autoflush on: the change is flushed, then read back.
		u.Name = "mine again"
		got, err := session.Query[User](s).Where(Users.ID.Eq(1)).PopulateExisting().One(e.ctx)
		require.NoError(t, err)
		assert.Same(t, u, got)
		assert.Equal(t, []string{"UPDATE users SET name = ? WHERE users.id = ?", selectByID}, e.sql())
		assert.Equal(t, "mine again", u.Name)
		assert.Equal(t, "mine again", imUserNameInDB(t, e, s, 1))
	})
}

// IM-09: a deleted object leaves the map at the flush of its DELETE, not
// at Delete; a rollback brings it back, a commit not. After ExpungeAll,
// Get makes a new object.
func TestIM09_DeletedObjectsLeaveMapAtFlush(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)

		e.reset()
		require.NoError(t, s.Delete(u))
		assert.Same(t, u, session.Lookup[User](s, int64(1)), "still in the map until the flush")
		assert.Equal(t, 1, s.Len())
		assert.Empty(t, e.sql())
		require.NoError(t, s.Flush(e.ctx))
		// (After the loads of u's relationships, for UOW-06.)
		assert.Equal(t, append(userChildLoads(), "DELETE FROM users WHERE users.id = ?"), e.sql())
		assert.Nil(t, session.Lookup[User](s, int64(1)))
		assert.Equal(t, 0, s.Len())
		assert.Equal(t, session.Deleted, session.StateOf(u))
		e.reset()
		gone, err := session.Get[User](e.ctx, s, int64(1))
		assert.ErrorIs(t, err, session.ErrNotFound)
		assert.Nil(t, gone)
		assert.Equal(t, []string{imSelectUser}, e.sql(), "the map no longer answers for the key")

		// Rolled back: back in the map.
		require.NoError(t, s.Rollback(e.ctx))
		assert.Same(t, u, session.Lookup[User](s, int64(1)))
		assert.Equal(t, session.Persistent, session.StateOf(u))

		// Committed: gone for good.
		require.NoError(t, s.Delete(u))
		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, append(userChildLoads(), "DELETE FROM users WHERE users.id = ?"), e.sql())
		assert.Nil(t, session.Lookup[User](s, int64(1)))
		assert.Equal(t, session.Detached, session.StateOf(u))
		e.reset()
		gone, err = session.Get[User](e.ctx, s, int64(1))
		assert.ErrorIs(t, err, session.ErrNotFound)
		assert.Nil(t, gone)
		assert.Equal(t, []string{imSelectUser}, e.sql())

		// ExpungeAll empties the map: the same row makes a new object.
		jack, err := session.Get[User](e.ctx, s, int64(2))
		require.NoError(t, err)
		s.ExpungeAll()
		assert.Equal(t, 0, s.Len())
		e.reset()
		jack2, err := session.Get[User](e.ctx, s, int64(2))
		require.NoError(t, err)
		assert.NotSame(t, jack, jack2)
		assert.Equal(t, "jack", jack2.Name)
		assert.Equal(t, []string{imSelectUser}, e.sql())
		assert.Equal(t, session.Detached, session.StateOf(jack))
		assert.Same(t, jack2, session.Lookup[User](s, int64(2)))
	})
}

// IM-10: the map holds clean objects the session loaded weakly: once the
// application drops them they leave it, with no SQL and no event. Pending
// objects, objects marked for deletion and loaded objects with unflushed
// changes are kept until the flush. Go adaptations (session/doc.go,
// weak.go): a finalizer tells a changed dropped object from a clean one,
// so a changed one is still flushed; and objects the application made and
// gave to Add stay held after their flush too, since the session cannot
// put a finalizer on memory it did not allocate (the object may be a field
// or an array element).
func TestIM10_CleanObjectsAreHeldWeakly(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack", "mary")
		imSeedTag(e, "go", "")
		imSeedTag(e, "sql", "")
		transitions := 0
		s := e.session(session.Options{Listeners: []session.Listener{{
			StateChange: func(*session.Session, any, session.Transition) { transitions++ },
		}}})

		// Clean loaded objects, dropped: gone.
		imDropped(t, func() error {
			users, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
			if err != nil {
				return err
			}
			if len(users) != 3 {
				t.Errorf("loaded %d users, want 3", len(users))
			}
			_, err = session.Query[Tag](s).All(e.ctx)
			return err
		})
		require.Equal(t, 5, transitions, "loaded_as_persistent, once per object")
		imCollect()
		e.reset()
		assert.Equal(t, 0, s.Len())
		assert.Nil(t, session.Lookup[User](s, int64(1)))
		assert.Nil(t, session.Lookup[Tag](s, "go"))
		assert.Empty(t, s.Dirty())
		assert.Empty(t, e.sql())
		assert.Equal(t, 5, transitions, "leaving the map is no event")

		// The session works on after the entries vanished.
		require.NoError(t, s.Commit(e.ctx))
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Equal(t, "ed", u.Name)
		assert.Equal(t, []string{imSelectUser}, e.sql(), "a new object for the row")
		assert.Equal(t, 1, s.Len())
		runtime.KeepAlive(u)
	})
}

// IM-10, continued: what the session keeps although the application
// dropped it.
func TestIM10_ChangedPendingAndDeletedObjectsAreKept(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		imSeedTag(e, "go", "old")
		s := e.session()

		imDropped(t, func() error {
			// Both loads come before the changes: Get autoflushes.
			jack, err := session.Get[User](e.ctx, s, int64(2))
			if err != nil {
				return err
			}
			tag, err := session.Get[Tag](e.ctx, s, "go")
			if err != nil {
				return err
			}
			// A loaded object, changed.
			tag.Note = "changed"
			// A loaded object, marked for deletion.
			if err := s.Delete(jack); err != nil {
				return err
			}
			// Pending objects.
			if err := s.Add(&User{Name: "new"}); err != nil {
				return err
			}
			return s.Add(&Tag{Name: "sql", Note: "new"})
		})
		imCollect()
		e.reset()
		assert.Equal(t, 2, s.Len(), "the changed tag and the user marked for deletion")
		assert.Len(t, s.New(), 2)
		assert.Len(t, s.Deleted(), 1)
		assert.Len(t, s.Dirty(), 1)

		require.NoError(t, s.Flush(e.ctx))
		// The spec orders neither unrelated tables nor a table's INSERTs
		// against its UPDATEs: compare as sets.
		assert.ElementsMatch(t, []string{
			"INSERT INTO tags (name, note) VALUES (?, ?)",
			"UPDATE tags SET note = ? WHERE tags.name = ?",
			"INSERT INTO users (name) VALUES (?) RETURNING id",
			"DELETE FROM users WHERE users.id = ?",
			selectAddrs, loadOrders, // for UOW-06
		}, e.sql())
		assert.ElementsMatch(t, [][]any{{"sql", "new"}, {"changed", "go"}, {"new"}, {int64(2)}, {int64(2)}, {int64(2)}}, e.args)

		// After the flush: the deleted user has left the map; the objects
		// given to Add stay; the changed tag, clean again and dropped, goes
		// at the next collection.
		imCollect()
		e.reset()
		assert.Equal(t, 2, s.Len(), "the two objects given to Add")
		assert.NotNil(t, session.Lookup[User](s, int64(3)))
		assert.NotNil(t, session.Lookup[Tag](s, "sql"))
		assert.Nil(t, session.Lookup[Tag](s, "go"))
		assert.Empty(t, e.sql())

		require.NoError(t, s.Commit(e.ctx))
		tag, err := session.Get[Tag](e.ctx, s, "go")
		require.NoError(t, err)
		assert.Equal(t, "changed", tag.Note)
		assert.Equal(t, []string{imSelectTag}, e.sql())
	})
}

// IM-11: a query on other columns than the key goes to the database even
// when the object it finds is in the map; only Get by key can skip SQL.
func TestIM11_QueriesAreNotCached(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		byName := "SELECT users.id, users.name FROM users WHERE users.name = ? LIMIT ?"

		e.reset()
		for range 2 {
			got, err := session.Query[User](s).Where(Users.Name.Eq("ed")).One(e.ctx)
			require.NoError(t, err)
			assert.Same(t, u, got)
		}
		assert.Equal(t, []string{byName, byName}, e.sql())

		// A query by key goes to the database too; Get does not.
		e.reset()
		got, err := session.Query[User](s).Where(Users.ID.Eq(1)).One(e.ctx)
		require.NoError(t, err)
		assert.Same(t, u, got)
		got, err = session.Get[User](e.ctx, s, int64(1))
		require.NoError(t, err)
		assert.Same(t, u, got)
		assert.Equal(t, []string{"SELECT users.id, users.name FROM users WHERE users.id = ? LIMIT ?"}, e.sql())

		// The answer is the database's, not the map's: with the row
		// renamed, the object (still "ed" in memory) does not match.
		imSetUserName(t, e, s, 1, "eddie")
		none, err := session.Query[User](s).Where(Users.Name.Eq("ed")).One(e.ctx)
		assert.ErrorIs(t, err, session.ErrNotFound)
		assert.Nil(t, none)
		assert.Equal(t, []string{byName}, e.sql())
		assert.Equal(t, "ed", u.Name)
	})
}
