package session_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/session"
)

// Object states and their transitions (spec §1, ST-01..ST-27).
//
// ST-25 (merge cascading along relationships) is not here: Merge copies
// column fields only, and relationship merging is a later piece of work.

const (
	statesSelectUser   = "SELECT users.id, users.name FROM users WHERE users.id = ?"
	statesInsertUser   = "INSERT INTO users (name) VALUES (?) RETURNING id"
	statesInsertUserID = "INSERT INTO users (id, name) VALUES (?, ?)"
	statesUpdateUser   = "UPDATE users SET name = ? WHERE users.id = ?"
	statesDeleteUser   = "DELETE FROM users WHERE users.id = ?"
)

// statesEvents records a session's state transitions, per object and in
// one log together with the flush events around them, so that a test can
// tell when during a flush a transition fired.
type statesEvents struct {
	log []string
	by  map[any][]session.Transition
}

func statesListen(s *session.Session) *statesEvents {
	r := &statesEvents{by: map[any][]session.Transition{}}
	s.Listen(session.Listener{
		StateChange: func(_ *session.Session, obj any, t session.Transition) {
			r.by[obj] = append(r.by[obj], t)
			r.log = append(r.log, t.String())
		},
		AfterFlush:         func(context.Context, *session.Session) { r.log = append(r.log, "after_flush") },
		AfterFlushPostexec: func(context.Context, *session.Session) { r.log = append(r.log, "after_flush_postexec") },
	})
	return r
}

// of returns the transitions obj went through, in order.
func (r *statesEvents) of(obj any) []session.Transition { return r.by[obj] }

func (r *statesEvents) reset() {
	r.log = nil
	r.by = map[any][]session.Transition{}
}

// statesCountUsers counts the committed rows of users, outside any session.
func statesCountUsers(t *testing.T, e *env) int64 {
	t.Helper()
	n, err := ore.Scalar(e.ctx, e.db, ore.Select1(ore.Count()).From(Users))
	require.NoError(t, err)
	return n
}

// statesUserName reads the committed name of user id, outside any session.
func statesUserName(t *testing.T, e *env, id int64) string {
	t.Helper()
	name, err := ore.Scalar(e.ctx, e.db, ore.Select1(Users.Name).From(Users).Where(Users.ID.Eq(id)))
	require.NoError(t, err)
	return name
}

// statesKey is what Inspect reports as the identity of a one-column int64 key.
func statesKey(id int64) []any { return []any{id} }

func TestST01_NewObjectIsTransient(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		u := &User{Name: "ed"}

		assert.Equal(t, session.Transient, session.StateOf(u))
		info := session.Inspect(u)
		assert.Equal(t, session.Transient, info.Status)
		assert.Nil(t, info.Key, "a transient object has no identity key")
		assert.Nil(t, info.Session)
		assert.False(t, info.WasDeleted)
		assert.Nil(t, session.SessionOf(u))
		assert.False(t, s.Contains(u))
		assert.Empty(t, s.New())
		assert.Zero(t, s.Len())
		assert.Empty(t, e.sql())
	})
}

func TestST02_AddMakesPending(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		ev := statesListen(s)
		u := &User{Name: "ed"}

		require.NoError(t, s.Add(u))
		assert.Equal(t, session.Pending, session.StateOf(u))
		assert.True(t, s.Contains(u))
		assert.Equal(t, []any{u}, s.New())
		info := session.Inspect(u)
		assert.Nil(t, info.Key, "a pending object has no identity key yet")
		assert.Same(t, s, info.Session)
		assert.Equal(t, []session.Transition{session.TransientToPending}, ev.of(u))

		// Adding again changes nothing and fires nothing.
		require.NoError(t, s.Add(u))
		assert.Equal(t, session.Pending, session.StateOf(u))
		assert.Equal(t, []any{u}, s.New())
		assert.Equal(t, []session.Transition{session.TransientToPending}, ev.of(u))

		assert.Empty(t, e.sql(), "add sends no SQL")
		assert.Zero(t, e.begins, "add begins no database transaction")
	})
}

func TestST03_AddOfObjectInAnotherSessionFails(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s1, s2 := e.session(), e.session()

		persistent, err := session.Get[User](e.ctx, s1, 1)
		require.NoError(t, err)
		pending := &User{Name: "ed"}
		require.NoError(t, s1.Add(pending))
		e.reset()

		assert.ErrorIs(t, s2.Add(pending), session.ErrInvalidRequest)
		assert.ErrorIs(t, s2.Add(persistent), session.ErrInvalidRequest)
		// s2 is unchanged; both objects still belong to s1.
		assert.Empty(t, s2.New())
		assert.Zero(t, s2.Len())
		assert.Nil(t, session.Lookup[User](s2, 1))
		assert.False(t, s2.Contains(pending))
		assert.False(t, s2.Contains(persistent))
		assert.Same(t, s1, session.SessionOf(pending))
		assert.Same(t, s1, session.SessionOf(persistent))
		assert.Equal(t, session.Pending, session.StateOf(pending))
		assert.Equal(t, session.Persistent, session.StateOf(persistent))

		// [DECISION] Go cannot release objects when a session is garbage
		// collected: an explicit Close lets them go, and then s2 can take
		// them.
		require.NoError(t, s1.Close(e.ctx))
		require.NoError(t, s2.Add(pending))
		require.NoError(t, s2.Add(persistent))
		assert.Equal(t, session.Pending, session.StateOf(pending))
		assert.Equal(t, session.Persistent, session.StateOf(persistent))
		assert.Same(t, persistent, session.Lookup[User](s2, 1))
		assert.Empty(t, e.sql())
	})
}

func TestST04_FlushMakesPersistent(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		ev := statesListen(s)
		u := &User{Name: "ed"}
		require.NoError(t, s.Add(u))
		ev.reset()
		e.reset()

		require.NoError(t, s.Flush(e.ctx))
		ev.log = append(ev.log, "flush returned")

		assert.Equal(t, []string{statesInsertUser}, e.sql())
		assert.Equal(t, []any{"ed"}, e.args[0])
		assert.Equal(t, int64(1), u.ID)
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Equal(t, statesKey(1), session.Inspect(u).Key)
		assert.Empty(t, s.New())
		assert.True(t, s.Contains(u))
		assert.Same(t, u, session.Lookup[User](s, 1))
		assert.Equal(t, 1, s.Len())
		// pending_to_persistent fires inside the flush, once the SQL has run.
		assert.Equal(t, []string{"after_flush", "pending_to_persistent", "after_flush_postexec", "flush returned"}, ev.log)
		assert.Equal(t, []session.Transition{session.PendingToPersistent}, ev.of(u))
	})
}

func TestST05_LoadedObjectsArePersistent(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		s := e.session()
		ev := statesListen(s)
		var loads []any
		s.Listen(session.Listener{Load: func(_ *session.Session, obj any) { loads = append(loads, obj) }})

		u1, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		users, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, users, 2)
		u2 := users[1]

		assert.Equal(t, []string{statesSelectUser, "SELECT users.id, users.name FROM users ORDER BY users.id"}, e.sql())
		assert.Same(t, u1, users[0], "the query returns the object the session has")
		for _, u := range []*User{u1, u2} {
			assert.Equal(t, session.Persistent, session.StateOf(u))
			assert.True(t, s.Contains(u))
			assert.Equal(t, statesKey(u.ID), session.Inspect(u).Key)
		}
		assert.Equal(t, "ed", u2.Name)
		// One loaded_as_persistent (and one load event) per new object: u1
		// was in the session already when the query returned its row.
		assert.Equal(t, []session.Transition{session.LoadedAsPersistent}, ev.of(u1))
		assert.Equal(t, []session.Transition{session.LoadedAsPersistent}, ev.of(u2))
		assert.Equal(t, []any{u1, u2}, loads)
	})
}

func TestST06_DeleteMarksThenFlushDeletes(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		ev := statesListen(s)
		e.reset()

		require.NoError(t, s.Delete(u))
		assert.Empty(t, e.sql(), "delete only marks")
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Equal(t, []any{u}, s.Deleted())
		assert.True(t, s.Contains(u))
		assert.Same(t, u, session.Lookup[User](s, 1))
		assert.Empty(t, ev.of(u))

		require.NoError(t, s.Flush(e.ctx))
		// (After the loads of u's relationships, for UOW-06.)
		assert.Equal(t, append(userChildLoads(), statesDeleteUser), e.sql())
		assert.Equal(t, []any{int64(1)}, e.args[2])
		info := session.Inspect(u)
		assert.Equal(t, session.Deleted, info.Status)
		assert.Same(t, s, info.Session, "a deleted object still belongs to its session")
		assert.True(t, info.WasDeleted)
		assert.False(t, s.Contains(u))
		assert.Empty(t, s.Deleted())
		assert.Nil(t, session.Lookup[User](s, 1))
		assert.Zero(t, s.Len())
		assert.Equal(t, []string{"after_flush", "persistent_to_deleted", "after_flush_postexec"}, ev.log)
	})
}

func TestST07_DeleteOfTransientOrPendingFails(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		u := &User{Name: "ed"}

		assert.ErrorIs(t, s.Delete(u), session.ErrInvalidRequest)
		assert.Equal(t, session.Transient, session.StateOf(u))
		assert.Empty(t, s.Deleted())

		require.NoError(t, s.Add(u))
		assert.ErrorIs(t, s.Delete(u), session.ErrInvalidRequest)
		assert.Equal(t, session.Pending, session.StateOf(u))
		assert.Equal(t, []any{u}, s.New())
		assert.Empty(t, s.Deleted())

		// Expunge is how a pending object is discarded.
		require.NoError(t, s.Expunge(u))
		assert.Equal(t, session.Transient, session.StateOf(u))
		assert.Empty(t, s.New())
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())
	})
}

func TestST08_DeleteOfDetachedAttaches(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s1 := e.session()
		u, err := session.Get[User](e.ctx, s1, 1)
		require.NoError(t, err)
		require.NoError(t, s1.Expunge(u))
		require.NoError(t, s1.Close(e.ctx))
		require.Equal(t, session.Detached, session.StateOf(u))

		s2 := e.session()
		ev := statesListen(s2)
		e.reset()
		require.NoError(t, s2.Delete(u))
		assert.Empty(t, e.sql())
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Same(t, s2, session.SessionOf(u))
		assert.Equal(t, []any{u}, s2.Deleted())
		assert.Equal(t, []session.Transition{session.DetachedToPersistent}, ev.of(u))

		require.NoError(t, s2.Flush(e.ctx))
		assert.Equal(t, append(userChildLoads(), statesDeleteUser), e.sql())
		assert.Equal(t, session.Deleted, session.StateOf(u))
		assert.Equal(t, []session.Transition{session.DetachedToPersistent, session.PersistentToDeleted}, ev.of(u))
	})
}

func TestST09_CommitDetachesDeleted(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		// [DECISION] deleted objects are detached on every commit, with or
		// without expiry on commit.
		for i, opts := range []session.Options{{}, {NoExpireOnCommit: true}} {
			s := e.session(opts)
			id := int64(i + 1)
			u, err := session.Get[User](e.ctx, s, id)
			require.NoError(t, err)
			ev := statesListen(s)
			e.reset()

			require.NoError(t, s.Delete(u))
			require.NoError(t, s.Commit(e.ctx))

			assert.Equal(t, append(userChildLoads(), statesDeleteUser), e.sql(), "opts %+v", opts)
			info := session.Inspect(u)
			assert.Equal(t, session.Detached, info.Status, "opts %+v", opts)
			assert.Nil(t, info.Session, "opts %+v", opts)
			assert.True(t, info.WasDeleted, "opts %+v", opts)
			assert.False(t, s.Contains(u))
			assert.Empty(t, s.Deleted())
			assert.Nil(t, session.Lookup[User](s, id))
			assert.Equal(t, []session.Transition{session.PersistentToDeleted, session.DeletedToDetached}, ev.of(u), "opts %+v", opts)
		}
		assert.Zero(t, statesCountUsers(t, e))
	})
}

func TestST10_DeletedObjectCannotBeReAdded(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Delete(u))
		require.NoError(t, s.Flush(e.ctx))
		require.Equal(t, session.Deleted, session.StateOf(u))

		assert.ErrorIs(t, s.Add(u), session.ErrInvalidRequest, "deleted, before the commit")
		assert.Equal(t, session.Deleted, session.StateOf(u))
		require.NoError(t, s.Commit(e.ctx))
		require.Equal(t, session.Detached, session.StateOf(u))
		assert.ErrorIs(t, s.Add(u), session.ErrInvalidRequest, "detached after its deletion was committed")
		assert.Equal(t, session.Detached, session.StateOf(u))
		assert.Empty(t, s.New())

		require.NoError(t, session.MakeTransient(u))
		info := session.Inspect(u)
		assert.Equal(t, session.Transient, info.Status)
		assert.False(t, info.WasDeleted)
		assert.Nil(t, info.Key)
		require.NoError(t, s.Add(u))
		assert.Equal(t, session.Pending, session.StateOf(u))
		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		// The object still has its id, so the new row takes it.
		assert.Equal(t, []string{statesInsertUserID}, e.sql())
		assert.Equal(t, []any{int64(1), "jack"}, e.args[0])
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Equal(t, int64(1), statesCountUsers(t, e))
	})
}

func TestST11_RollbackMakesPendingTransient(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		u := &User{Name: "ed"}
		require.NoError(t, s.Add(u))
		ev := statesListen(s)

		require.NoError(t, s.Rollback(e.ctx))
		info := session.Inspect(u)
		assert.Equal(t, session.Transient, info.Status)
		assert.Nil(t, info.Session)
		assert.Nil(t, info.Key)
		assert.False(t, s.Contains(u))
		assert.Empty(t, s.New())
		// Its values are left as they were, not expired.
		assert.Equal(t, "ed", u.Name)
		assert.Empty(t, info.Expired)
		assert.Equal(t, []session.Transition{session.PendingToTransient}, ev.of(u))
		assert.Empty(t, e.sql())

		// It can be added again.
		require.NoError(t, s.Add(u))
		assert.Equal(t, session.Pending, session.StateOf(u))
	})
}

func TestST12_RollbackMakesFlushedObjectsTransient(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		ev := statesListen(s)
		u := &User{Name: "ed"}
		require.NoError(t, s.Add(u))
		require.NoError(t, s.Flush(e.ctx))
		require.Equal(t, session.Persistent, session.StateOf(u))
		require.NotNil(t, session.Lookup[User](s, u.ID))

		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, []string{statesInsertUser}, e.sql())
		info := session.Inspect(u)
		assert.Equal(t, session.Transient, info.Status)
		assert.Nil(t, info.Key, "the identity key is gone with the row")
		assert.Nil(t, info.Session)
		assert.False(t, s.Contains(u))
		assert.Nil(t, session.Lookup[User](s, int64(1)))
		assert.Zero(t, s.Len())
		assert.Equal(t, []session.Transition{
			session.TransientToPending, session.PendingToPersistent, session.PersistentToTransient,
		}, ev.of(u))
		assert.Zero(t, statesCountUsers(t, e), "the INSERT was rolled back")
	})
}

func TestST13_RollbackRestoresDeleted(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("u1", "u2")
		s := e.session()
		u1, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		u2, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		ev := statesListen(s)
		e.reset()

		// u1 deleted by a flush; u3 inserted and then deleted by flushes of
		// the same transaction; u2 only marked.
		require.NoError(t, s.Delete(u1))
		u3 := &User{Name: "u3"}
		require.NoError(t, s.Add(u3))
		require.NoError(t, s.Flush(e.ctx))
		require.NoError(t, s.Delete(u3))
		require.NoError(t, s.Flush(e.ctx))
		require.NoError(t, s.Delete(u2))
		// (u1's relationships are loaded for UOW-06; u3's are known: it
		// was new.)
		assert.Equal(t, append(userChildLoads(), statesInsertUser, statesDeleteUser, statesDeleteUser), e.sql())
		assert.Equal(t, []any{int64(1)}, e.args[3])
		assert.Equal(t, []any{int64(3)}, e.args[4])
		require.False(t, s.Contains(u1))
		require.Equal(t, session.Deleted, session.StateOf(u3))

		require.NoError(t, s.Rollback(e.ctx))

		info := session.Inspect(u1)
		assert.Equal(t, session.Persistent, info.Status)
		assert.False(t, info.WasDeleted)
		assert.True(t, s.Contains(u1))
		assert.Same(t, u1, session.Lookup[User](s, 1))
		assert.Equal(t, []session.Transition{session.PersistentToDeleted, session.DeletedToPersistent}, ev.of(u1))

		// Only marked: it never left the persistent state, and is no longer
		// marked.
		assert.Equal(t, session.Persistent, session.StateOf(u2))
		assert.True(t, s.Contains(u2))
		assert.Empty(t, s.Deleted())

		// Pending in this transaction wins over deleted: u3 is transient.
		assert.Equal(t, session.Transient, session.StateOf(u3))
		assert.False(t, s.Contains(u3))
		assert.Nil(t, session.Lookup[User](s, 3))
		assert.NotContains(t, ev.of(u3), session.DeletedToPersistent)

		assert.Equal(t, 2, s.Len())
		assert.Equal(t, int64(2), statesCountUsers(t, e))
	})
}

func TestST14_RollbackExpiresEverything(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed", "fred", "wendy")
		// Whatever NoExpireOnCommit says.
		for i, opts := range []session.Options{{}, {NoExpireOnCommit: true}} {
			changedID, otherID := int64(2*i+1), int64(2*i+2)
			before := []string{"jack", "fred"}[i] // the name of changedID
			s := e.session(opts)
			u, err := session.Get[User](e.ctx, s, changedID)
			require.NoError(t, err)
			other, err := session.Get[User](e.ctx, s, otherID)
			require.NoError(t, err)
			u.Name = "changed"

			require.NoError(t, s.Rollback(e.ctx))
			for _, obj := range []*User{u, other} {
				assert.Equal(t, session.Persistent, session.StateOf(obj))
				assert.Subset(t, session.Inspect(obj).Expired, []string{"ID", "Name"}, "opts %+v", opts)
			}
			// The row of the untouched object changes behind the session's
			// back: the reload must read it, not a remembered value.
			e.exec(ore.Update(Users).Set(Users.Name.To("renamed")).Where(Users.ID.Eq(otherID)))

			// Go cannot load on a field read: Load is the reload the next
			// attribute access does in SQLAlchemy.
			require.NoError(t, s.Load(e.ctx, u))
			require.NoError(t, s.Load(e.ctx, other))
			assert.Equal(t, []string{statesSelectUser, statesSelectUser}, e.sql(), "one SELECT per object, opts %+v", opts)
			assert.Equal(t, before, u.Name, "the value before the transaction, opts %+v", opts)
			assert.Equal(t, "renamed", other.Name, "opts %+v", opts)
			assert.NotContains(t, session.Inspect(u).Expired, "Name")
			require.NoError(t, s.Close(e.ctx))
		}
	})
}

func TestST15_RollbackRestoresIdentityKeySwitches(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// tags has a natural key (name) that the application may change.
		e.exec(ore.Insert(Tags).Values(Tags.Name.To("u1"), Tags.Note.To("first")))
		e.exec(ore.Insert(Tags).Values(Tags.Name.To("u2"), Tags.Note.To("second")))
		s := e.session()
		t1, err := session.Get[Tag](e.ctx, s, "u1")
		require.NoError(t, err)
		t2, err := session.Get[Tag](e.ctx, s, "u2")
		require.NoError(t, err)
		e.reset()

		require.NoError(t, s.Delete(t1))
		require.NoError(t, s.Flush(e.ctx))
		t2.Name = "u1" // takes over the deleted row's key
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"DELETE FROM tags WHERE tags.name = ?",
			"UPDATE tags SET name = ? WHERE tags.name = ?",
		}, e.sql())
		assert.Equal(t, []any{"u1", "u2"}, e.args[1])
		require.Same(t, t2, session.Lookup[Tag](s, "u1"))
		require.Nil(t, session.Lookup[Tag](s, "u2"))

		require.NoError(t, s.Rollback(e.ctx))
		assert.Same(t, t1, session.Lookup[Tag](s, "u1"))
		assert.Same(t, t2, session.Lookup[Tag](s, "u2"))
		assert.Equal(t, session.Persistent, session.StateOf(t1))
		assert.Equal(t, session.Persistent, session.StateOf(t2))
		assert.Equal(t, []any{"u1"}, session.Inspect(t1).Key)
		assert.Equal(t, []any{"u2"}, session.Inspect(t2).Key)

		// Each object reloads its own row, by its restored key.
		e.reset()
		require.NoError(t, s.Load(e.ctx, t1))
		require.NoError(t, s.Load(e.ctx, t2))
		assert.Equal(t, []string{
			"SELECT tags.name, tags.note FROM tags WHERE tags.name = ?",
			"SELECT tags.name, tags.note FROM tags WHERE tags.name = ?",
		}, e.sql())
		if assert.Len(t, e.args, 2) {
			assert.Equal(t, []any{"u1"}, e.args[0])
			assert.Equal(t, []any{"u2"}, e.args[1])
		}
		assert.Equal(t, Tag{Name: "u1", Note: "first"}, *t1)
		assert.Equal(t, Tag{Name: "u2", Note: "second"}, *t2)
	})
}

func TestST16_Expunge(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed", "fred")
		s := e.session()
		persistent, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		deleted, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		pending := &User{Name: "new"}
		require.NoError(t, s.Add(pending))
		require.NoError(t, s.Delete(deleted))
		ev := statesListen(s)
		e.reset()

		// persistent -> detached
		require.NoError(t, s.Expunge(persistent))
		info := session.Inspect(persistent)
		assert.Equal(t, session.Detached, info.Status)
		assert.Nil(t, info.Session)
		assert.Equal(t, statesKey(1), info.Key, "a detached object keeps its identity")
		assert.False(t, s.Contains(persistent))
		assert.Nil(t, session.Lookup[User](s, 1))
		assert.Equal(t, []session.Transition{session.PersistentToDetached}, ev.of(persistent))

		// pending -> transient
		require.NoError(t, s.Expunge(pending))
		assert.Equal(t, session.Transient, session.StateOf(pending))
		assert.Nil(t, session.SessionOf(pending))
		assert.Empty(t, s.New())
		assert.Equal(t, []session.Transition{session.PendingToTransient}, ev.of(pending))

		// deleted -> detached, still was-deleted
		require.NoError(t, s.Flush(e.ctx))
		require.Equal(t, session.Deleted, session.StateOf(deleted))
		require.NoError(t, s.Expunge(deleted))
		info = session.Inspect(deleted)
		assert.Equal(t, session.Detached, info.Status)
		assert.Nil(t, info.Session)
		assert.True(t, info.WasDeleted)
		assert.Equal(t, []session.Transition{session.PersistentToDeleted, session.DeletedToDetached}, ev.of(deleted))

		// Not in the session (any more, or ever): an error.
		assert.ErrorIs(t, s.Expunge(persistent), session.ErrInvalidRequest)
		assert.ErrorIs(t, s.Expunge(&User{Name: "stranger"}), session.ErrInvalidRequest)

		// A rollback does not bring expunged objects back.
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, session.Detached, session.StateOf(persistent))
		assert.Equal(t, session.Transient, session.StateOf(pending))
		info = session.Inspect(deleted)
		assert.Equal(t, session.Detached, info.Status)
		assert.True(t, info.WasDeleted)
		assert.Nil(t, info.Session)
		assert.Nil(t, session.Lookup[User](s, 1))
		assert.Nil(t, session.Lookup[User](s, 2))
		assert.Zero(t, s.Len())
		assert.Equal(t, append(userChildLoads(), statesDeleteUser), e.sql(), "only the deletion's flush sent SQL")

		// ExpungeAll does the same to every object.
		e.reset()
		ev.reset()
		u3, err := session.Get[User](e.ctx, s, 3)
		require.NoError(t, err)
		p2 := &User{Name: "newer"}
		require.NoError(t, s.Add(p2))
		s.ExpungeAll()
		assert.Equal(t, []string{statesSelectUser}, e.sql())
		assert.Equal(t, session.Detached, session.StateOf(u3))
		assert.Equal(t, session.Transient, session.StateOf(p2))
		assert.Zero(t, s.Len())
		assert.Empty(t, s.New())
		assert.Equal(t, []session.Transition{session.LoadedAsPersistent, session.PersistentToDetached}, ev.of(u3))
		assert.Equal(t, []session.Transition{session.TransientToPending, session.PendingToTransient}, ev.of(p2))
	})
}

func TestST17_CloseDetachesAndResets(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		s := e.session()
		changed, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		untouched, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		changed.Name = "changed"
		require.NoError(t, s.Flush(e.ctx))
		pending := &User{Name: "new"}
		require.NoError(t, s.Add(pending))
		ev := statesListen(s)
		assert.Equal(t, []string{statesSelectUser, statesSelectUser, statesUpdateUser}, e.sql())
		require.Equal(t, 1, e.begins)
		e.reset()

		require.NoError(t, s.Close(e.ctx))
		assert.Empty(t, e.sql(), "close flushes nothing")
		assert.False(t, s.InTransaction())
		assert.Equal(t, session.Detached, session.StateOf(changed))
		assert.Equal(t, session.Detached, session.StateOf(untouched))
		assert.Equal(t, session.Transient, session.StateOf(pending))
		assert.Zero(t, s.Len())
		assert.Empty(t, s.New())
		assert.Equal(t, []session.Transition{session.PersistentToDetached}, ev.of(untouched))
		assert.Equal(t, []session.Transition{session.PendingToTransient}, ev.of(pending))
		// The connection's transaction was rolled back.
		assert.Equal(t, "jack", statesUserName(t, e, 1))
		assert.Equal(t, int64(2), statesCountUsers(t, e))

		// Close is expunge_all plus releasing the connection: an object
		// that was loaded keeps its loaded values, unexpired, as with
		// Expunge, so that loading it needs no session.
		info := session.Inspect(untouched)
		assert.NotContains(t, info.Expired, "ID")
		assert.NotContains(t, info.Expired, "Name")
		assert.NoError(t, s.Load(e.ctx, untouched), "nothing to load on a detached object whose fields were loaded")

		// The session is usable again, and begins a new transaction.
		e.reset()
		again, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Equal(t, []string{statesSelectUser}, e.sql())
		assert.Equal(t, 1, e.begins)
		assert.True(t, s.InTransaction())
		assert.NotSame(t, changed, again, "the detached object is not the session's any more")
		assert.Equal(t, "jack", again.Name)
		assert.Equal(t, session.Persistent, session.StateOf(again))
	})
}

func TestST18_DetachedReAdd(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		s1 := e.session()
		modified, err := session.Get[User](e.ctx, s1, 1)
		require.NoError(t, err)
		unmodified, err := session.Get[User](e.ctx, s1, 2)
		require.NoError(t, err)
		require.NoError(t, s1.Expunge(modified))
		require.NoError(t, s1.Expunge(unmodified))
		require.NoError(t, s1.Close(e.ctx))

		modified.Name = "modified while detached"
		s2 := e.session()
		ev := statesListen(s2)
		e.reset()
		require.NoError(t, s2.Add(modified))
		require.NoError(t, s2.Add(unmodified))
		assert.Empty(t, e.sql())
		for _, u := range []*User{modified, unmodified} {
			assert.Equal(t, session.Persistent, session.StateOf(u))
			assert.Same(t, s2, session.SessionOf(u))
			assert.Equal(t, []session.Transition{session.DetachedToPersistent}, ev.of(u))
		}
		assert.Same(t, modified, session.Lookup[User](s2, 1))
		assert.Equal(t, []any{modified}, s2.Dirty(), "only the object changed while detached is dirty")

		require.NoError(t, s2.Flush(e.ctx))
		assert.Equal(t, []string{statesUpdateUser}, e.sql())
		assert.Equal(t, []any{"modified while detached", int64(1)}, e.args[0])
		assert.Empty(t, s2.Dirty())
	})
}

func TestST19_DetachedAccess(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		edID := int64(2)
		e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(&edID), Addresses.EmailAddress.To("ed@x")))
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		ed, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		addrs, err := ed.Addresses.Get(e.ctx)
		require.NoError(t, err)
		require.Len(t, addrs, 1)

		require.NoError(t, s.Expire(u, "Name"))
		require.NoError(t, s.Expunge(u))
		require.NoError(t, s.Expunge(ed))
		require.Equal(t, session.Detached, session.StateOf(u))
		e.reset()

		// Loaded values stay readable: columns and a loaded relationship.
		assert.Equal(t, int64(1), u.ID)
		got, err := ed.Addresses.Get(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, addrs, got)
		assert.NoError(t, s.Load(e.ctx, ed), "nothing expired: nothing to load")

		// An expired field cannot be loaded without a session. (Go cannot
		// fail a field read: Load, or any load through a session, fails.)
		assert.Contains(t, session.Inspect(u).Expired, "Name")
		assert.ErrorIs(t, s.Load(e.ctx, u), session.ErrDetached)
		assert.ErrorIs(t, e.session().Load(e.ctx, u), session.ErrDetached)
		// Nor can a lazy relationship.
		_, err = u.Addresses.Get(e.ctx)
		assert.ErrorIs(t, err, session.ErrDetached)

		assert.Empty(t, e.sql())
		assert.Equal(t, session.Detached, session.StateOf(u))
	})
}

func TestST20_MakeTransient(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		require.NoError(t, s.Expire(u))
		e.reset()

		require.NoError(t, session.MakeTransient(u))
		info := session.Inspect(u)
		assert.Equal(t, session.Transient, info.Status)
		assert.Nil(t, info.Session)
		assert.Nil(t, info.Key)
		assert.Empty(t, info.Expired, "expired and unloaded fields are no longer to be loaded")
		assert.False(t, s.Contains(u))
		assert.Nil(t, session.Lookup[User](s, 1))
		assert.Zero(t, s.Len())
		// An unloaded relationship reads as empty, with no SQL and no error.
		addrs, err := u.Addresses.Get(e.ctx)
		assert.NoError(t, err)
		assert.Empty(t, addrs)
		assert.NoError(t, s.Load(e.ctx, u))
		assert.Empty(t, e.sql())

		// Twice is harmless.
		require.NoError(t, session.MakeTransient(u))
		assert.Equal(t, session.Transient, session.StateOf(u))

		// Go adaptation: expired fields hold the last values the session
		// knew, not nil; clear the key to insert a new row.
		u.ID, u.Name = 0, "test2"
		require.NoError(t, s.Add(u))
		assert.Equal(t, []any{u}, s.New())
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{statesInsertUser}, e.sql())
		assert.Equal(t, int64(2), u.ID)
		assert.Equal(t, session.Persistent, session.StateOf(u))

		// A deleted object made transient is inserted again, under the key
		// it still holds.
		require.NoError(t, s.Delete(u))
		require.NoError(t, s.Flush(e.ctx))
		require.ErrorIs(t, s.Add(u), session.ErrInvalidRequest)
		require.NoError(t, session.MakeTransient(u))
		require.NoError(t, s.Add(u))
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{statesInsertUserID}, e.sql())
		assert.Equal(t, []any{int64(2), "test2"}, e.args[0])
		assert.Same(t, u, session.Lookup[User](s, 2))
	})
}

func TestST21_MakeTransientToDetached(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("test")
		s := e.session()
		ev := statesListen(s)

		u := &User{ID: 1}
		require.NoError(t, session.MakeTransientToDetached(u))
		info := session.Inspect(u)
		assert.Equal(t, session.Detached, info.Status)
		assert.Nil(t, info.Session)
		assert.Equal(t, statesKey(1), info.Key)
		assert.Contains(t, info.Expired, "Name", "unset fields count as expired")
		assert.NotContains(t, info.Expired, "ID")

		require.NoError(t, s.Add(u))
		assert.Equal(t, session.Persistent, session.StateOf(u))
		assert.Same(t, u, session.Lookup[User](s, 1))
		assert.Equal(t, []session.Transition{session.DetachedToPersistent}, ev.of(u))
		assert.Empty(t, e.sql())

		// Go adaptation: Load is the read of the unset attribute.
		require.NoError(t, s.Load(e.ctx, u))
		assert.Equal(t, []string{statesSelectUser}, e.sql())
		assert.Equal(t, "test", u.Name)
		assert.Empty(t, s.Dirty())

		// Not for an object attached to a session, nor one without a key.
		assert.ErrorIs(t, session.MakeTransientToDetached(u), session.ErrInvalidRequest)
		assert.Equal(t, session.Persistent, session.StateOf(u))
		noKey := &User{Name: "x"}
		assert.ErrorIs(t, session.MakeTransientToDetached(noKey), session.ErrInvalidRequest)
		assert.Equal(t, session.Transient, session.StateOf(noKey))
	})
}

func TestST22_MergeLookup(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		s := e.session()
		u1, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		e.reset()

		// In the identity map: that object, no SQL.
		m, err := session.Merge(e.ctx, s, &User{ID: 1, Name: "jack"})
		require.NoError(t, err)
		assert.Same(t, u1, m)
		assert.Empty(t, e.sql())

		// Not in the map: a SELECT by key.
		src2 := &User{ID: 2, Name: "ed"}
		m2, err := session.Merge(e.ctx, s, src2)
		require.NoError(t, err)
		assert.Equal(t, []string{statesSelectUser}, e.sql())
		assert.NotSame(t, src2, m2)
		assert.Equal(t, session.Persistent, session.StateOf(m2))
		assert.Same(t, m2, session.Lookup[User](s, 2))

		// A key no row has: after the SELECT, a new pending object.
		e.reset()
		src99 := &User{ID: 99, Name: "ghost"}
		m99, err := session.Merge(e.ctx, s, src99)
		require.NoError(t, err)
		assert.Equal(t, []string{statesSelectUser}, e.sql())
		assert.NotSame(t, src99, m99)
		assert.Equal(t, session.Pending, session.StateOf(m99))
		assert.Equal(t, User{ID: 99, Name: "ghost"}, User{ID: m99.ID, Name: m99.Name})

		// No key: a new pending object, no SQL.
		e.reset()
		srcNew := &User{Name: "new"}
		mNew, err := session.Merge(e.ctx, s, srcNew)
		require.NoError(t, err)
		assert.Empty(t, e.sql())
		assert.NotSame(t, srcNew, mNew)
		assert.Equal(t, session.Pending, session.StateOf(mNew))
		assert.Equal(t, "new", mNew.Name)
		assert.Equal(t, []any{m99, mNew}, s.New())

		for _, src := range []*User{src2, src99, srcNew} {
			assert.Equal(t, session.Transient, session.StateOf(src), "merge never attaches its source")
		}
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{statesInsertUserID, statesInsertUser}, e.sql())
		assert.Equal(t, []any{int64(99), "ghost"}, e.args[0])
	})
}

func TestST23_MergeCopies(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("fred")
		e.exec(ore.Insert(Orders).Values(Orders.Description.To("d"), Orders.IsOpen.To(true)))
		s := e.session()

		src := &User{ID: 1, Name: "fred jones"}
		m, err := session.Merge(e.ctx, s, src)
		require.NoError(t, err)
		assert.Equal(t, []string{statesSelectUser}, e.sql())
		assert.NotSame(t, src, m)
		assert.Equal(t, "fred jones", m.Name)
		assert.Equal(t, session.Persistent, session.StateOf(m))
		assert.Equal(t, []any{m}, s.Dirty(), "the copy is a change like any other")

		// Only the columns that differ are written. (No autoflush, so that
		// both UPDATEs wait for the commit.)
		srcOrder := &Order{ID: 1, Description: "d2", IsOpen: true}
		var mo *Order
		require.NoError(t, s.NoAutoflush(func() error {
			var err error
			mo, err = session.Merge(e.ctx, s, srcOrder)
			return err
		}))
		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{statesUpdateUser, "UPDATE orders SET description = ? WHERE orders.id = ?"}, e.sql())
		assert.Equal(t, []any{"fred jones", int64(1)}, e.args[0])
		assert.Equal(t, []any{"d2", int64(1)}, e.args[1])
		assert.Equal(t, session.Persistent, session.StateOf(mo))

		// The source is never changed nor attached, and merges into other
		// sessions too.
		assert.Equal(t, User{ID: 1, Name: "fred jones"}, User{ID: src.ID, Name: src.Name})
		assert.Equal(t, session.Transient, session.StateOf(src))
		assert.Nil(t, session.SessionOf(src))
		s2 := e.session()
		m2, err := session.Merge(e.ctx, s2, src)
		require.NoError(t, err)
		assert.NotSame(t, m, m2)
		assert.Same(t, s2, session.SessionOf(m2))
		assert.Same(t, s, session.SessionOf(m))
		require.NoError(t, s2.Close(e.ctx))

		// A field absent from the source (expired there) is not copied: the
		// target keeps what the database has.
		s3 := e.session()
		stale, err := session.Get[User](e.ctx, s3, 1)
		require.NoError(t, err)
		require.NoError(t, s3.Expire(stale, "Name"))
		require.NoError(t, s3.Expunge(stale))
		require.NoError(t, s3.Close(e.ctx))
		e.exec(ore.Update(Users).Set(Users.Name.To("fred v2")).Where(Users.ID.Eq(1)))
		s4 := e.session()
		target, err := session.Get[User](e.ctx, s4, 1)
		require.NoError(t, err)
		e.reset()
		got, err := session.Merge(e.ctx, s4, stale)
		require.NoError(t, err)
		assert.Same(t, target, got)
		require.NoError(t, s4.Load(e.ctx, target))
		assert.Equal(t, "fred v2", target.Name)
		require.NoError(t, s4.Flush(e.ctx))
		for _, stmt := range e.sql() {
			assert.NotContains(t, stmt, "UPDATE", "nothing to write")
		}
	})
}

func TestST24_MergeNoLoad(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s1 := e.session(session.Options{NoExpireOnCommit: true})
		src, err := session.Get[User](e.ctx, s1, 1)
		require.NoError(t, err)
		require.NoError(t, s1.Commit(e.ctx))
		// The row changes after src was loaded: MergeNoLoad trusts src.
		e.exec(ore.Update(Users).Set(Users.Name.To("renamed")).Where(Users.ID.Eq(1)))

		s2 := e.session()
		m, err := session.MergeNoLoad(s2, src)
		require.NoError(t, err)
		assert.Empty(t, e.sql(), "no SQL")
		assert.NotSame(t, src, m)
		assert.Equal(t, "jack", m.Name)
		assert.Equal(t, session.Persistent, session.StateOf(m))
		assert.Same(t, m, session.Lookup[User](s2, 1))
		assert.Empty(t, session.Inspect(m).Modified, "values are stamped as committed")
		assert.Empty(t, s2.Dirty())
		require.NoError(t, s2.Flush(e.ctx))
		assert.Empty(t, e.sql())
		require.NoError(t, s2.Close(e.ctx))

		// Onto an object the session has: the same stamping.
		s3 := e.session()
		target, err := session.Get[User](e.ctx, s3, 1)
		require.NoError(t, err)
		require.Equal(t, "renamed", target.Name)
		e.reset()
		got, err := session.MergeNoLoad(s3, src)
		require.NoError(t, err)
		assert.Same(t, target, got)
		assert.Equal(t, "jack", target.Name)
		assert.Empty(t, s3.Dirty())
		require.NoError(t, s3.Flush(e.ctx))
		assert.Empty(t, e.sql())
		require.NoError(t, s3.Close(e.ctx))

		// A source with unflushed changes is refused, and so is one without
		// an identity.
		src.Name = "dirty"
		s4 := e.session()
		_, err = session.MergeNoLoad(s4, src)
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		_, err = session.MergeNoLoad(s4, &User{ID: 1, Name: "never loaded"})
		assert.ErrorIs(t, err, session.ErrInvalidRequest)
		assert.Zero(t, s4.Len())
		assert.Empty(t, s4.New())
		assert.Empty(t, e.sql())
	})
}

func TestST26_Autobegin(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")

		t.Run("first use begins", func(t *testing.T) {
			s := e.session()
			var created, dbBegun int
			s.Listen(session.Listener{
				AfterTransactionCreate: func(_ *session.Session, nested bool) {
					if !nested {
						created++
					}
				},
				AfterBegin: func(context.Context, *session.Session) { dbBegun++ },
			})
			assert.False(t, s.InTransaction())

			require.NoError(t, s.Add(&User{Name: "new"}))
			assert.True(t, s.InTransaction())
			assert.Equal(t, 1, created)
			assert.Zero(t, dbBegun, "the database transaction waits for the first SQL")
			assert.Zero(t, e.begins)

			_, err := session.Query[User](s).All(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, created)
			assert.Equal(t, 1, dbBegun)
			assert.Equal(t, 1, e.begins)
			require.NoError(t, s.Rollback(e.ctx))
			assert.False(t, s.InTransaction())
		})

		t.Run("commit without transaction", func(t *testing.T) {
			s := e.session()
			u, err := session.Get[User](e.ctx, s, 1)
			require.NoError(t, err)
			require.NoError(t, s.Commit(e.ctx))
			require.False(t, s.InTransaction())
			var before, after int
			var expired []any
			s.Listen(session.Listener{
				BeforeCommit: func(context.Context, *session.Session) { before++ },
				AfterCommit:  func(context.Context, *session.Session) { after++ },
				Expire:       func(_ *session.Session, obj any, _ []string) { expired = append(expired, obj) },
			})
			e.reset()

			require.NoError(t, s.Commit(e.ctx))
			assert.Empty(t, e.sql())
			assert.Zero(t, e.begins, "no database transaction")
			assert.Equal(t, 1, before)
			assert.Equal(t, 1, after)
			assert.Equal(t, []any{u}, expired, "commit still expires")
			assert.False(t, s.InTransaction())
		})

		t.Run("rollback without transaction", func(t *testing.T) {
			s := e.session(session.Options{NoExpireOnCommit: true})
			u, err := session.Get[User](e.ctx, s, 2)
			require.NoError(t, err)
			require.NoError(t, s.Commit(e.ctx))
			require.False(t, s.InTransaction())
			require.NotContains(t, session.Inspect(u).Expired, "Name")
			e.reset()

			require.NoError(t, s.Rollback(e.ctx))
			assert.Empty(t, e.sql())
			assert.Zero(t, e.begins)
			// There is nothing to roll back: objects are left alone.
			assert.NotContains(t, session.Inspect(u).Expired, "Name")
			assert.Equal(t, session.Persistent, session.StateOf(u))
		})

		t.Run("NoAutobegin", func(t *testing.T) {
			s := e.session(session.Options{NoAutobegin: true})
			e.reset()
			u := &User{Name: "wendy"}
			assert.ErrorIs(t, s.Add(u), session.ErrInvalidRequest)
			assert.Equal(t, session.Transient, session.StateOf(u))
			assert.Empty(t, s.New())
			_, err := session.Get[User](e.ctx, s, 1)
			assert.ErrorIs(t, err, session.ErrInvalidRequest)
			_, err = session.Query[User](s).All(e.ctx)
			assert.ErrorIs(t, err, session.ErrInvalidRequest)
			assert.ErrorIs(t, s.Commit(e.ctx), session.ErrInvalidRequest)
			assert.Empty(t, e.sql())
			assert.Zero(t, e.begins)
			assert.False(t, s.InTransaction())

			require.NoError(t, s.Begin())
			require.NoError(t, s.Add(u))
			require.NoError(t, s.Commit(e.ctx))
			assert.Equal(t, []string{statesInsertUser}, e.sql())
			assert.Equal(t, session.Persistent, session.StateOf(u))

			// The commit ended the transaction: the next use needs Begin
			// again.
			assert.ErrorIs(t, s.Add(&User{Name: "later"}), session.ErrInvalidRequest)
			assert.False(t, s.InTransaction())
		})
	})
}

func TestST27_FailedFlushNeedsRollback(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var warnings []string
		s := e.session(session.Options{Warn: func(msg string) { warnings = append(warnings, msg) }})
		a1 := &Address{EmailAddress: "foo"}
		u1 := &User{ID: 1, Name: "ed"}
		u1.Addresses.Add(a1)
		require.NoError(t, s.Add(u1))
		require.NoError(t, s.Commit(e.ctx))
		require.Equal(t, session.Persistent, session.StateOf(a1))

		a2 := &Address{EmailAddress: "bar"}
		u2 := &User{ID: 1, Name: "jack"} // the key u1 has
		u2.Addresses.Add(a2)
		u1.Name = "edward"
		a1.EmailAddress = "foober"
		require.NoError(t, s.Add(u2))
		require.Equal(t, session.Pending, session.StateOf(a2), "reached through u2.Addresses")
		e.reset()

		err := s.Commit(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, ore.ErrUniqueViolation)
		assert.Equal(t, []string{statesUpdateUser, statesInsertUserID}, e.sql())
		assert.NotEmpty(t, warnings, "the new object conflicting with a persistent one is warned about")
		// The flush left every object as it was.
		assert.Equal(t, session.Pending, session.StateOf(u2))
		assert.Equal(t, session.Pending, session.StateOf(a2))
		assert.Equal(t, session.Persistent, session.StateOf(u1))
		assert.Equal(t, "edward", u1.Name)

		// Until Rollback, everything that needs the transaction refuses.
		e.reset()
		assert.ErrorIs(t, s.Commit(e.ctx), session.ErrPendingRollback)
		assert.ErrorIs(t, s.Flush(e.ctx), session.ErrPendingRollback)
		_, err = session.Query[User](s).All(e.ctx)
		assert.ErrorIs(t, err, session.ErrPendingRollback)
		_, err = session.Get[User](e.ctx, s, 1)
		assert.ErrorIs(t, err, session.ErrPendingRollback)
		assert.Empty(t, e.sql())

		require.NoError(t, s.Rollback(e.ctx))
		assert.False(t, s.Contains(u2))
		assert.False(t, s.Contains(a2))
		assert.Equal(t, session.Transient, session.StateOf(u2))
		assert.Equal(t, session.Transient, session.StateOf(a2))
		assert.True(t, s.Contains(u1))
		assert.True(t, s.Contains(a1))
		// Go adaptation: Load is the attribute read that reloads.
		require.NoError(t, s.Load(e.ctx, u1))
		require.NoError(t, s.Load(e.ctx, a1))
		assert.Equal(t, "ed", u1.Name)
		assert.Equal(t, "foo", a1.EmailAddress)

		// Redo the changes: the session works again.
		u1.Name = "edward"
		a1.EmailAddress = "foober"
		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{statesUpdateUser, "UPDATE addresses SET email_address = ? WHERE addresses.id = ?"}, e.sql())

		s2 := e.session()
		users, err := session.Query[User](s2).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, users, 1)
		assert.Equal(t, int64(1), users[0].ID)
		assert.Equal(t, "edward", users[0].Name)
		addrs, err := users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		require.Len(t, addrs, 1)
		assert.Equal(t, "foober", addrs[0].EmailAddress)
	})
}
