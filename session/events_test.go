package session_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/session"
)

// Spec §7 (events). Each test registers a listener whose every function
// records its event, in order, with the object and fields it was given,
// and, on the database, a listener recording BEGIN, COMMIT, ROLLBACK and
// the statements: a trace shows where SQL runs among the events.
//
// EVT-13 (after_bulk_update, after_bulk_delete, do_orm_execute) is
// optional in the spec, and ore has no ORM-enabled bulk statements (bulk
// UPDATE and DELETE are Core statements, which bypass the session): there
// are no such events to test.

// ----------------------------------------------------------------------------
// The event log

// evtCall is one event as a listener received it.
type evtCall struct {
	name   string
	obj    any      // the object of an object event; nil for the others
	fields []string // the fields of expire, refresh and refresh_flush
	nested bool     // of after_transaction_create and after_transaction_end
	// The object's state, and whether the session contained it, when the
	// listener ran.
	status   session.Status
	contains bool
	sql      string // the statement of a "sql" entry
}

// evtLog records the events of one session and the statements and
// transactions of its database.
type evtLog struct {
	mu    sync.Mutex
	sess  *session.Session
	calls []evtCall
}

// listenEvents records the events of s, and the statements, BEGINs,
// COMMITs and ROLLBACKs of e's database, from now on.
func listenEvents(t *testing.T, e *env, s *session.Session) *evtLog {
	l := &evtLog{sess: s}
	s.Listen(l.listener())
	remove := e.db.Listen(ore.Listener{
		AfterExecute: func(_ context.Context, ev *ore.ExecEvent) {
			l.add(evtCall{name: "sql", sql: normalize(ev.SQL)})
		},
		Begin:    func(context.Context, *ore.TxEvent) { l.add(evtCall{name: "BEGIN"}) },
		Commit:   func(context.Context, *ore.TxEvent) { l.add(evtCall{name: "COMMIT"}) },
		Rollback: func(context.Context, *ore.TxEvent) { l.add(evtCall{name: "ROLLBACK"}) },
	})
	t.Cleanup(remove)
	return l
}

func (l *evtLog) add(c evtCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
}

// object records an object event.
func (l *evtLog) object(name string, obj any, fields []string) {
	l.add(evtCall{
		name: name, obj: obj, fields: slices.Clone(fields),
		status: session.StateOf(obj), contains: l.sess.Contains(obj),
	})
}

func (l *evtLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = nil
}

func (l *evtLog) snapshot() []evtCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// listener returns a Listener all of whose functions record their events.
func (l *evtLog) listener() session.Listener {
	plain := func(name string) func(context.Context, *session.Session) {
		return func(context.Context, *session.Session) { l.add(evtCall{name: name}) }
	}
	mapperEvent := func(name string) func(context.Context, *ore.Tx, any) {
		return func(_ context.Context, _ *ore.Tx, obj any) { l.object(name, obj, nil) }
	}
	return session.Listener{
		AfterTransactionCreate: func(_ *session.Session, nested bool) {
			l.add(evtCall{name: "after_transaction_create", nested: nested})
		},
		AfterTransactionEnd: func(_ *session.Session, nested bool) {
			l.add(evtCall{name: "after_transaction_end", nested: nested})
		},
		AfterBegin:        plain("after_begin"),
		BeforeCommit:      plain("before_commit"),
		AfterCommit:       plain("after_commit"),
		AfterRollback:     plain("after_rollback"),
		AfterSoftRollback: plain("after_soft_rollback"),
		BeforeFlush: func(context.Context, *session.Session) error {
			l.add(evtCall{name: "before_flush"})
			return nil
		},
		AfterFlush:         plain("after_flush"),
		AfterFlushPostexec: plain("after_flush_postexec"),
		BeforeAttach:       func(_ *session.Session, obj any) { l.object("before_attach", obj, nil) },
		AfterAttach:        func(_ *session.Session, obj any) { l.object("after_attach", obj, nil) },
		StateChange:        func(_ *session.Session, obj any, tr session.Transition) { l.object(tr.String(), obj, nil) },
		BeforeInsert:       mapperEvent("before_insert"),
		AfterInsert:        mapperEvent("after_insert"),
		BeforeUpdate:       mapperEvent("before_update"),
		AfterUpdate:        mapperEvent("after_update"),
		BeforeDelete:       mapperEvent("before_delete"),
		AfterDelete:        mapperEvent("after_delete"),
		RefreshFlush: func(_ context.Context, _ *ore.Tx, obj any, fields []string) {
			l.object("refresh_flush", obj, fields)
		},
		Load:    func(_ *session.Session, obj any) { l.object("load", obj, nil) },
		Refresh: func(_ *session.Session, obj any, fields []string) { l.object("refresh", obj, fields) },
		Expire:  func(_ *session.Session, obj any, fields []string) { l.object("expire", obj, fields) },
	}
}

// Event names, to filter traces by.
var (
	mapperEvents   = []string{"before_insert", "after_insert", "before_update", "after_update", "before_delete", "after_delete", "refresh_flush"}
	instanceEvents = []string{"load", "refresh", "expire", "refresh_flush"}
	transitions    = []string{
		"transient_to_pending", "pending_to_transient", "persistent_to_transient", "pending_to_persistent",
		"detached_to_persistent", "loaded_as_persistent", "persistent_to_deleted", "deleted_to_persistent",
		"deleted_to_detached", "persistent_to_detached",
	}
	txEvents = []string{"after_transaction_create", "after_transaction_end"}
	// sessionEvents are the events of EVT-15's sequences.
	sessionEvents = []string{
		"after_transaction_create", "after_transaction_end", "before_attach", "after_attach", "before_commit",
		"before_flush", "after_begin", "after_flush", "after_flush_postexec", "after_commit", "after_rollback",
		"after_soft_rollback",
	}
)

func evtNames(groups ...[]string) []string { return slices.Concat(groups...) }

// labels name the objects of a test in traces.
type labels map[any]string

func (lb labels) of(obj any) string {
	if name, ok := lb[obj]; ok {
		return name
	}
	return fmt.Sprintf("%T(unknown)", obj)
}

func (lb labels) all(objs []any) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = lb.of(o)
	}
	return out
}

func (c evtCall) render(lb labels) string {
	switch {
	case c.name == "sql":
		return c.sql
	case c.obj != nil:
		s := c.name + " " + lb.of(c.obj)
		switch c.name {
		case "expire", "refresh", "refresh_flush":
			if c.fields == nil {
				s += " (all)"
			} else {
				s += " " + fmt.Sprint(c.fields)
			}
		}
		return s
	case c.nested:
		return c.name + " nested"
	}
	return c.name
}

// trace renders the recorded events named in only (all if none): an
// object event as "name label" (with its fields: "[A B]", or "(all)" for
// nil), a statement as its SQL, a flush's transaction event with
// "nested".
func (l *evtLog) trace(lb labels, only ...string) []string {
	var out []string
	for _, c := range l.snapshot() {
		if len(only) == 0 || slices.Contains(only, c.name) {
			out = append(out, c.render(lb))
		}
	}
	return out
}

// names returns the names of the recorded events named in only.
func (l *evtLog) names(only ...string) []string {
	var out []string
	for _, c := range l.snapshot() {
		if slices.Contains(only, c.name) {
			out = append(out, c.name)
		}
	}
	return out
}

// stateTrace renders the state transitions with the object's state, and
// whether the session contained it, as the listener saw them.
func (l *evtLog) stateTrace(lb labels) []string {
	var out []string
	for _, c := range l.snapshot() {
		if slices.Contains(transitions, c.name) {
			out = append(out, fmt.Sprintf("%s %s: %s, contained %v", c.name, lb.of(c.obj), c.status, c.contains))
		}
	}
	return out
}

// multiRowInsert reports whether e's database gets the keys of a
// multi-row INSERT in row order, so that pending objects of one table
// share an INSERT (PostgreSQL); otherwise each gets its own (SQLite).
func multiRowInsert(e *env) bool {
	return e.db.Dialect().Features().Has(compile.FeatOrderedInsertKeys)
}

func int64p(v int64) *int64 { return &v }

func evtSeedAddress(e *env, userID int64, email string) {
	e.t.Helper()
	e.exec(ore.Insert(Addresses).Values(Addresses.UserID.To(int64p(userID)), Addresses.EmailAddress.To(email)))
}

const (
	selectUser   = "SELECT users.id, users.name FROM users WHERE users.id = ?"
	insertUser   = "INSERT INTO users (name) VALUES (?) RETURNING id"
	updateUser   = "UPDATE users SET name = ? WHERE users.id = ?"
	deleteUser   = "DELETE FROM users WHERE users.id = ?"
	insertAddr   = "INSERT INTO addresses (user_id, email_address) VALUES (?, ?) RETURNING id"
	selectAddrs  = "SELECT addresses.id, addresses.user_id, addresses.email_address FROM addresses WHERE addresses.user_id = ? ORDER BY addresses.id"
	insertEvent  = "INSERT INTO events (title) VALUES (?) RETURNING id, priority, created"
	selectEvent  = "SELECT events.id, events.title, events.priority, events.created FROM events WHERE events.id = ?"
	updateEvent  = "UPDATE events SET title = ? WHERE events.id = ?"
	deleteEvent  = "DELETE FROM events WHERE events.id = ?"
	selectAccts  = "SELECT accounts.id, accounts.owner, accounts.balance, accounts.version FROM accounts"
	accountByKey = " FROM accounts WHERE accounts.id = ?"
)

// ----------------------------------------------------------------------------
// Instance events

// EVT-01. SQLAlchemy's init event runs in the mapped class's constructor.
// Go has no constructors to hook: a struct literal is a transient object
// no session has seen, and there is no init (nor init_failure) event.
// What the session reports is the object joining it (attach and
// transient_to_pending), never Load or Refresh; objects made from rows
// fire Load.
func TestEVT01_ConstructionFiresNothingLoadingFiresLoad(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s := e.session()
		log := listenEvents(t, e, s)

		jack, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		lb := labels{jack: "jack"}
		assert.Equal(t, []string{"load jack", "loaded_as_persistent jack"}, log.trace(lb, evtNames(instanceEvents, transitions)...))
		assert.Equal(t, []string{selectUser}, e.sql())

		// The transaction has begun: what follows are the object's events
		// only.
		log.reset()
		e.reset()
		u := &User{Name: "ed"}
		lb[u] = "u"
		assert.Empty(t, log.trace(lb), "constructing an object")
		require.NoError(t, s.Add(u))
		assert.Equal(t, []string{"before_attach u", "transient_to_pending u", "after_attach u"}, log.trace(lb))
		assert.Empty(t, e.sql())

		// An object loaded again is not loaded anew.
		log.reset()
		again, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Same(t, jack, again)
		assert.Empty(t, log.trace(lb, "load", "refresh"))
	})
}

// EVT-02: expire(target, attrs) runs after the expiry, with the fields
// named, or nil for all.
func TestEVT02_ExpireEvent(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		s := e.session()
		jack, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		ed, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		lb := labels{jack: "jack", ed: "ed"}
		log := listenEvents(t, e, s)
		// Inside the listener the expiry has happened: the field is listed
		// as expired and its unflushed change is gone.
		var inside []string
		s.Listen(session.Listener{Expire: func(_ *session.Session, obj any, _ []string) {
			if u, ok := obj.(*User); ok {
				inside = append(inside, fmt.Sprintf("%s: expired %v, name %q", lb.of(obj), session.Inspect(u).Expired, u.Name))
			}
		}})
		e.reset()

		jack.Name = "changed"
		require.NoError(t, s.Expire(jack, "Name"))
		assert.Equal(t, []string{"expire jack [Name]"}, log.trace(lb))
		assert.Equal(t, []string{`jack: expired [Name], name "jack"`}, inside)

		log.reset()
		require.NoError(t, s.Expire(ed))
		assert.Equal(t, []string{"expire ed (all)"}, log.trace(lb))

		log.reset()
		s.ExpireAll()
		assert.ElementsMatch(t, []string{"expire jack (all)", "expire ed (all)"}, log.trace(lb))
		assert.Empty(t, e.sql(), "expiring sends nothing")

		// Commit expires every object.
		log.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.ElementsMatch(t, []string{"expire jack (all)", "expire ed (all)"}, log.trace(lb, "expire"))
	})
}

// EVT-03: load runs once per object, when a row first becomes it: not for
// rows that find their object in the identity map, not when expired
// fields are reloaded; an object made again for the row after the first
// left the session is a new object, and loads.
func TestEVT03_LoadOncePerObject(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		evtSeedAddress(e, 1, "jack@x")
		s := e.session()
		log := listenEvents(t, e, s)

		users, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, users, 2)
		lb := labels{users[0]: "jack", users[1]: "ed"}
		assert.Equal(t, []string{
			"SELECT users.id, users.name FROM users ORDER BY users.id",
			"load jack", "loaded_as_persistent jack", "load ed", "loaded_as_persistent ed",
		}, log.trace(lb, evtNames([]string{"sql", "load"}, transitions)...))

		// The same rows again: the same objects, no load.
		log.reset()
		again, err := session.Query[User](s).OrderBy(Users.ID.Asc()).All(e.ctx)
		require.NoError(t, err)
		require.Len(t, again, 2)
		assert.Same(t, users[0], again[0])
		assert.Same(t, users[1], again[1])
		assert.Empty(t, log.trace(lb, evtNames([]string{"load"}, transitions)...))

		// Reloading expired fields refreshes, it does not load.
		log.reset()
		require.NoError(t, s.Expire(users[0]))
		_, err = session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Empty(t, log.trace(lb, "load"))

		// A lazy load makes objects from rows too.
		log.reset()
		addrs, err := users[0].Addresses.Get(e.ctx)
		require.NoError(t, err)
		require.Len(t, addrs, 1)
		lb[addrs[0]] = "a"
		assert.Equal(t, []string{selectAddrs, "load a", "loaded_as_persistent a"},
			log.trace(lb, evtNames([]string{"sql", "load"}, transitions)...))

		// Once the object has left, the row makes a new object, which loads.
		s.ExpungeAll()
		log.reset()
		jack2, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		assert.NotSame(t, users[0], jack2)
		lb[jack2] = "jack2"
		assert.Equal(t, []string{selectUser, "load jack2", "loaded_as_persistent jack2"},
			log.trace(lb, evtNames([]string{"sql", "load", "refresh"}, transitions)...))
	})
}

// EVT-04: refresh runs after fields of an object already in the session
// were reloaded: expired fields loaded (Load, Get, a query), Refresh, a
// PopulateExisting query; never load. The fields are those reloaded; for a
// reload of every field, SQLAlchemy passes None, which Go's nil matches,
// and listing them all says the same.
func TestEVT04_RefreshEvent(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.exec(ore.Insert(Accounts).Values(Accounts.Owner.To("ann"), Accounts.Balance.To(10), Accounts.Version.To(1)))
		s := e.session()
		a, err := session.Get[Account](e.ctx, s, 1)
		require.NoError(t, err)
		lb := labels{a: "a"}
		log := listenEvents(t, e, s)
		// Inside the listener the fields are loaded already.
		var expiredInside [][]string
		s.Listen(session.Listener{Refresh: func(_ *session.Session, obj any, _ []string) {
			expiredInside = append(expiredInside, session.Inspect(obj).Expired)
		}})
		allFields := [][]string{{"refresh a (all)"}, {"refresh a [Owner Balance Version]"}}
		events := evtNames([]string{"sql", "load", "refresh"})

		t.Run("Load of expired fields", func(t *testing.T) {
			require.NoError(t, s.Expire(a, "Balance"))
			log.reset()
			require.NoError(t, s.Load(e.ctx, a))
			assert.Equal(t, []string{"SELECT accounts.id, accounts.balance" + accountByKey, "refresh a [Balance]"}, log.trace(lb, events...))
		})
		t.Run("Get of an expired object", func(t *testing.T) {
			require.NoError(t, s.Expire(a, "Owner"))
			log.reset()
			_, err := session.Get[Account](e.ctx, s, 1)
			require.NoError(t, err)
			assert.Equal(t, []string{"SELECT accounts.id, accounts.owner" + accountByKey, "refresh a [Owner]"}, log.trace(lb, events...))
		})
		t.Run("query of an object with expired fields", func(t *testing.T) {
			require.NoError(t, s.Expire(a, "Balance"))
			log.reset()
			_, err := session.Query[Account](s).All(e.ctx)
			require.NoError(t, err)
			// Only Balance was reloaded (SQLAlchemy passes the unloaded
			// attributes it populated, loading.py _instance).
			assert.Equal(t, []string{selectAccts, "refresh a [Balance]"}, log.trace(lb, events...))
		})
		t.Run("Refresh of some fields", func(t *testing.T) {
			log.reset()
			require.NoError(t, s.Refresh(e.ctx, a, "Owner"))
			assert.Equal(t, []string{"SELECT accounts.id, accounts.owner" + accountByKey, "refresh a [Owner]"}, log.trace(lb, events...))
		})
		t.Run("Refresh", func(t *testing.T) {
			log.reset()
			require.NoError(t, s.Refresh(e.ctx, a))
			assert.Equal(t, []string{"SELECT accounts.id, accounts.owner, accounts.balance, accounts.version" + accountByKey}, log.trace(lb, "sql"))
			assert.Contains(t, allFields, log.trace(lb, "load", "refresh"))
		})
		t.Run("PopulateExisting", func(t *testing.T) {
			log.reset()
			_, err := session.Query[Account](s).PopulateExisting().All(e.ctx)
			require.NoError(t, err)
			assert.Equal(t, []string{selectAccts}, log.trace(lb, "sql"))
			assert.Contains(t, allFields, log.trace(lb, "load", "refresh"))
		})
		for i, exp := range expiredInside {
			assert.Empty(t, exp, "expired fields inside refresh event %d", i)
		}
	})
}

// EVT-05: refresh_flush runs inside the flush, between before_insert and
// after_insert, when the INSERT brought back server-generated values of
// fields other than the key: Event's priority and created defaults; not
// for User, whose only generated column is its key. The whole order of
// the instance and mapper events follows MapperEventsTest.test_basic:
// insert, expire, get of the expired object, load of a new object for the
// row, update, delete.
func TestEVT05_RefreshFlushBetweenInsertEvents(t *testing.T) {
	events := evtNames([]string{"sql"}, mapperEvents, instanceEvents)
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		log := listenEvents(t, e, s)
		// Inside refresh_flush the object holds the values the INSERT
		// returned; before_insert saw none.
		var inside []string
		s.Listen(session.Listener{
			BeforeInsert: func(_ context.Context, _ *ore.Tx, obj any) {
				if ev, ok := obj.(*Event); ok {
					inside = append(inside, fmt.Sprintf("before_insert: priority %d, created set %v", ev.Priority, !ev.Created.IsZero()))
				}
			},
			RefreshFlush: func(_ context.Context, _ *ore.Tx, obj any, _ []string) {
				if ev, ok := obj.(*Event); ok {
					inside = append(inside, fmt.Sprintf("refresh_flush: priority %d, created set %v", ev.Priority, !ev.Created.IsZero()))
				}
			},
		})

		ev := &Event{Title: "launch"}
		lb := labels{ev: "ev"}
		require.NoError(t, s.Add(ev))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"before_insert ev", insertEvent, "refresh_flush ev [Priority Created]", "after_insert ev"}, log.trace(lb, events...))
		assert.Equal(t, []string{"before_insert: priority 0, created set false", "refresh_flush: priority 5, created set true"}, inside)

		log.reset()
		require.NoError(t, s.Expire(ev))
		assert.Equal(t, []string{"expire ev (all)"}, log.trace(lb, events...))

		log.reset()
		_, err := session.Get[Event](e.ctx, s, ev.ID)
		require.NoError(t, err)
		assert.Equal(t, []string{selectEvent}, log.trace(lb, "sql"))
		assert.Contains(t, [][]string{{"refresh ev (all)"}, {"refresh ev [Title Priority Created]"}}, log.trace(lb, instanceEvents...))

		s.ExpungeAll()
		log.reset()
		ev2, err := session.Get[Event](e.ctx, s, ev.ID)
		require.NoError(t, err)
		lb[ev2] = "ev2"
		assert.Equal(t, []string{selectEvent, "load ev2"}, log.trace(lb, events...))

		// An UPDATE brings nothing back: no refresh_flush.
		log.reset()
		ev2.Title = "relaunch"
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"before_update ev2", updateEvent, "after_update ev2"}, log.trace(lb, events...))

		log.reset()
		require.NoError(t, s.Delete(ev2))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"before_delete ev2", deleteEvent, "after_delete ev2"}, log.trace(lb, events...))

		// A default the application overrides is sent, not fetched: only
		// created comes back.
		log.reset()
		ev3 := &Event{Title: "urgent", Priority: 1}
		lb[ev3] = "ev3"
		require.NoError(t, s.Add(ev3))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{
			"before_insert ev3", "INSERT INTO events (title, priority) VALUES (?, ?) RETURNING id, created",
			"refresh_flush ev3 [Created]", "after_insert ev3",
		}, log.trace(lb, events...))

		// User: only its key is generated.
		log.reset()
		u := &User{Name: "ann"}
		lb[u] = "u"
		require.NoError(t, s.Add(u))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"before_insert u", insertUser, "after_insert u"}, log.trace(lb, events...))
		assert.NotZero(t, u.ID)
	})
}

// ----------------------------------------------------------------------------
// Mapper events

// EVT-06: the mapper events run per object, before and after the
// statements of the object's mapper: the before events of all of a
// mapper's objects, its statements, then the after events. before_update
// and after_update run for an object whose relationship changed though
// none of its columns did (no UPDATE is sent). A listener may change the
// object's own fields in before_insert and before_update, and the change
// is written.
func TestEVT06_MapperEventsPerObjectAroundStatements(t *testing.T) {
	events := evtNames([]string{"sql"}, mapperEvents)

	t.Run("insert", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			s := e.session()
			log := listenEvents(t, e, s)
			// Foreign keys are set before the child's before_insert, and
			// keys are known in after_insert.
			var inside []string
			s.Listen(session.Listener{
				BeforeInsert: func(_ context.Context, _ *ore.Tx, obj any) {
					if a, ok := obj.(*Address); ok && a.UserID != nil {
						inside = append(inside, fmt.Sprintf("before_insert a: user_id %d", *a.UserID))
					}
				},
				AfterInsert: func(_ context.Context, _ *ore.Tx, obj any) {
					if u, ok := obj.(*User); ok {
						inside = append(inside, fmt.Sprintf("after_insert %s: id %d", u.Name, u.ID))
					}
				},
			})
			u1, u2 := &User{Name: "u1"}, &User{Name: "u2"}
			a := &Address{EmailAddress: "u1@x"}
			u1.Addresses.Add(a)
			lb := labels{u1: "u1", u2: "u2", a: "a"}
			require.NoError(t, s.AddAll(u1, u2))
			require.NoError(t, s.Flush(e.ctx))

			want := []string{"before_insert u1", "before_insert u2"}
			if multiRowInsert(e) {
				want = append(want, "INSERT INTO users (name) VALUES (?), (?) RETURNING id")
			} else {
				want = append(want, insertUser, insertUser)
			}
			want = append(want, "after_insert u1", "after_insert u2", "before_insert a", insertAddr, "after_insert a")
			assert.Equal(t, want, log.trace(lb, events...))
			assert.Equal(t, []string{"after_insert u1: id 1", "after_insert u2: id 2", "before_insert a: user_id 1"}, inside)
		})
	})

	t.Run("update for a relationship change only", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			e.seedUsers("jack")
			s := e.session()
			jack, err := session.Get[User](e.ctx, s, 1)
			require.NoError(t, err)
			_, err = jack.Addresses.Get(e.ctx)
			require.NoError(t, err)
			log := listenEvents(t, e, s)
			a := &Address{EmailAddress: "jack@x"}
			jack.Addresses.Add(a)
			lb := labels{jack: "jack", a: "a"}
			require.NoError(t, s.Flush(e.ctx))
			assert.Equal(t, []string{"before_update jack", "after_update jack", "before_insert a", insertAddr, "after_insert a"},
				log.trace(lb, events...))
		})
	})

	t.Run("delete", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			e.seedUsers("jack", "ed")
			evtSeedAddress(e, 1, "a1@x")
			evtSeedAddress(e, 1, "a2@x")
			s := e.session()
			a1, err := session.Get[Address](e.ctx, s, 1)
			require.NoError(t, err)
			a2, err := session.Get[Address](e.ctx, s, 2)
			require.NoError(t, err)
			ed, err := session.Get[User](e.ctx, s, 2)
			require.NoError(t, err)
			lb := labels{a1: "a1", a2: "a2", ed: "ed"}
			log := listenEvents(t, e, s)
			require.NoError(t, s.Delete(ed))
			require.NoError(t, s.Delete(a1))
			require.NoError(t, s.Delete(a2))
			require.NoError(t, s.Flush(e.ctx))
			// Rows that refer to others go first: addresses, then users.
			// (First ed's unloaded relationships, for UOW-06.)
			assert.Equal(t, []string{selectAddrs, loadOrders,
				"before_delete a1", "before_delete a2", "DELETE FROM addresses WHERE addresses.id IN (?, ?)", "after_delete a1", "after_delete a2",
				"before_delete ed", deleteUser, "after_delete ed",
			}, log.trace(lb, events...))
		})
	})

	t.Run("listeners change the object's own fields", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, e *env) {
			e.seedUsers("jack")
			s := e.session()
			s.Listen(session.Listener{
				BeforeInsert: func(_ context.Context, _ *ore.Tx, obj any) {
					if u, ok := obj.(*User); ok {
						u.Name += " (new)"
					}
				},
				BeforeUpdate: func(_ context.Context, _ *ore.Tx, obj any) {
					if u, ok := obj.(*User); ok {
						u.Name += " (edited)"
					}
				},
			})
			ann := &User{Name: "ann"}
			require.NoError(t, s.Add(ann))
			e.reset()
			require.NoError(t, s.Flush(e.ctx))
			assert.Equal(t, []string{insertUser}, e.sql())
			assert.Equal(t, [][]any{{"ann (new)"}}, e.args)

			e.reset()
			ann.Name = "anne"
			require.NoError(t, s.Flush(e.ctx))
			assert.Equal(t, []string{updateUser}, e.sql())
			assert.Equal(t, [][]any{{"anne (edited)", ann.ID}}, e.args)

			// A relationship change alone sends no UPDATE of users, but the
			// field the listener sets is written.
			jack, err := session.Get[User](e.ctx, s, 1)
			require.NoError(t, err)
			_, err = jack.Addresses.Get(e.ctx)
			require.NoError(t, err)
			e.reset()
			jack.Addresses.Add(&Address{EmailAddress: "jack@x"})
			require.NoError(t, s.Flush(e.ctx))
			assert.Equal(t, []string{updateUser, insertAddr}, e.sql())
			require.Len(t, e.args, 2)
			assert.Equal(t, []any{"jack (edited)", int64(1)}, e.args[0])
			assert.Empty(t, s.Dirty(), "what the listeners set was flushed")

			require.NoError(t, s.Commit(e.ctx))
			names, err := ore.All(e.ctx, e.db, ore.Select[string](Users.Name).From(Users).OrderBy(Users.ID.Asc()))
			require.NoError(t, err)
			assert.Equal(t, []string{"jack (edited)", "anne (edited)"}, names)
		})
	})
}

// ----------------------------------------------------------------------------
// Session events

// EVT-07: before_flush runs before a flush that has work, and what it adds,
// deletes or changes is part of that flush; it does not run for a clean
// session.
func TestEVT07_BeforeFlushChangesJoinTheFlush(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack", "ed")
		s := e.session()
		jack, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		ed, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		log := listenEvents(t, e, s)

		// A clean session: Flush and Commit flush nothing.
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, log.trace(nil))
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{"before_commit", "COMMIT", "after_commit"}, log.trace(nil, "before_commit", "before_flush", "sql", "COMMIT", "after_commit"))

		var hook func(s *session.Session) error
		s.Listen(session.Listener{BeforeFlush: func(_ context.Context, s *session.Session) error {
			if h := hook; h != nil {
				hook = nil
				return h(s)
			}
			return nil
		}})
		audit := &User{Name: "audit"}
		hook = func(s *session.Session) error { return s.Add(audit) }
		ann := &User{Name: "ann"}
		lb := labels{jack: "jack", ed: "ed", ann: "ann", audit: "audit"}
		require.NoError(t, s.Add(ann))
		log.reset()
		require.NoError(t, s.Flush(e.ctx))
		want := []string{"before_flush", "after_attach audit", "before_insert ann", "before_insert audit"}
		if multiRowInsert(e) {
			want = append(want, "INSERT INTO users (name) VALUES (?), (?) RETURNING id")
		} else {
			want = append(want, insertUser, insertUser)
		}
		want = append(want, "after_flush")
		assert.Equal(t, want, log.trace(lb, "before_flush", "after_attach", "before_insert", "sql", "after_flush"))
		assert.Equal(t, session.Persistent, session.StateOf(audit))
		assert.Empty(t, s.New())

		// Changes and deletions made in before_flush are flushed too.
		require.NoError(t, s.Load(e.ctx, jack))
		hook = func(s *session.Session) error {
			jack.Name = "jack2"
			return s.Delete(ed)
		}
		ann.Name = "ann2"
		log.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"before_flush", selectAddrs, loadOrders, updateUser, updateUser, deleteUser, "after_flush"},
			log.trace(lb, "before_flush", "sql", "after_flush"))
		assert.Equal(t, session.Deleted, session.StateOf(ed))
		assert.Empty(t, s.Dirty())
	})
}

// evtFlushFixture makes a session with one object of each kind a flush
// handles: jack changed, ed marked for deletion, ann pending.
func evtFlushFixture(t *testing.T, e *env) (s *session.Session, jack, ed, ann *User, lb labels) {
	e.seedUsers("jack", "ed")
	s = e.session()
	var err error
	jack, err = session.Get[User](e.ctx, s, 1)
	require.NoError(t, err)
	ed, err = session.Get[User](e.ctx, s, 2)
	require.NoError(t, err)
	jack.Name = "jack2"
	require.NoError(t, s.Delete(ed))
	ann = &User{Name: "ann"}
	require.NoError(t, s.Add(ann))
	e.reset()
	return s, jack, ed, ann, labels{jack: "jack", ed: "ed", ann: "ann"}
}

// EVT-08: after_flush runs after the flush's SQL, before objects change
// state: New, Dirty and Deleted still show what was flushed, and the
// changed fields still differ from the snapshot.
func TestEVT08_AfterFlushSeesWhatWasFlushed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s, jack, ed, ann, lb := evtFlushFixture(t, e)
		var seen []string
		var sqlInside []string
		s.Listen(session.Listener{AfterFlush: func(_ context.Context, s *session.Session) {
			sqlInside = e.sql()
			seen = append(seen,
				fmt.Sprintf("new %v", lb.all(s.New())),
				fmt.Sprintf("dirty %v", lb.all(s.Dirty())),
				fmt.Sprintf("deleted %v", lb.all(s.Deleted())),
				fmt.Sprintf("ann %s, ed %s, jack modified %v", session.StateOf(ann), session.StateOf(ed), session.Inspect(jack).Modified),
			)
		}})
		log := listenEvents(t, e, s)
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"new [ann]", "dirty [jack]", "deleted [ed]", "ann pending, ed persistent, jack modified [Name]"}, seen)
		assert.Equal(t, append(userChildLoads(), updateUser, insertUser, deleteUser), sqlInside, "all SQL sent before after_flush")
		assert.Equal(t, []string{"after_flush", "pending_to_persistent ann", "persistent_to_deleted ed", "after_flush_postexec"},
			log.trace(lb, evtNames([]string{"after_flush", "after_flush_postexec"}, transitions)...))
	})
}

// EVT-09: after_flush_postexec runs once the objects have their new
// states: New, Dirty and Deleted are empty. What it changes is flushed
// again within Commit, and otherwise waits for the next flush.
func TestEVT09_AfterFlushPostexecSeesFinalStates(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s, jack, ed, ann, lb := evtFlushFixture(t, e)
		var seen []string
		var hook func()
		s.Listen(session.Listener{AfterFlushPostexec: func(_ context.Context, s *session.Session) {
			seen = append(seen,
				fmt.Sprintf("new %v, dirty %v, deleted %v", lb.all(s.New()), lb.all(s.Dirty()), lb.all(s.Deleted())),
				fmt.Sprintf("ann %s, ed %s, jack modified %v", session.StateOf(ann), session.StateOf(ed), session.Inspect(jack).Modified),
			)
			if h := hook; h != nil {
				hook = nil
				h()
			}
		}})
		log := listenEvents(t, e, s)

		// Outside Commit, a change made in after_flush_postexec waits.
		hook = func() { jack.Name = "jack3" }
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"new [], dirty [], deleted []", "ann persistent, ed deleted, jack modified []"}, seen)
		assert.Equal(t, append(userChildLoads(), updateUser, insertUser, deleteUser), e.sql())
		assert.Equal(t, []string{"jack"}, lb.all(s.Dirty()))

		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{updateUser}, e.sql())
		assert.Equal(t, [][]any{{"jack3", int64(1)}}, e.args)

		// Within Commit, it is flushed before the COMMIT.
		jack.Name = "jack4"
		hook = func() { jack.Name = "jack5" }
		log.reset()
		e.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{"before_flush", updateUser, "after_flush_postexec", "before_flush", updateUser, "after_flush_postexec", "COMMIT"},
			log.trace(lb, "before_flush", "sql", "after_flush_postexec", "COMMIT"))
		assert.Equal(t, [][]any{{"jack4", int64(1)}, {"jack5", int64(1)}}, e.args)
	})
}

// EVT-10: after_transaction_create and after_transaction_end mark the
// session's transaction (begun at first use, ended by Commit, Rollback or
// Close) and each flush's transaction within it (nested). ore's session
// has no savepoints, so there are no nested transactions of that kind.
func TestEVT10_TransactionCreateAndEnd(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		log := listenEvents(t, e, s)
		u := &User{Name: "ann"}
		require.NoError(t, s.Add(u))
		assert.Equal(t, []string{"after_transaction_create"}, log.trace(nil, txEvents...))

		log.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"after_transaction_create nested", "after_transaction_end nested"}, log.trace(nil, txEvents...))

		// A flush with nothing to do has no transaction.
		log.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, log.trace(nil, txEvents...))

		// A commit whose flush runs in the transaction begun already
		// (SessionEventsTest.test_flush_in_commit_hook).
		u.Name = "ed"
		log.reset()
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{
			"before_commit", "before_flush", "after_transaction_create nested", "after_flush", "after_flush_postexec",
			"after_transaction_end nested", "after_commit", "after_transaction_end",
		}, log.trace(nil, sessionEvents...))

		// The next use begins a new transaction; Rollback ends it.
		log.reset()
		require.NoError(t, s.Load(e.ctx, u))
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, []string{"after_transaction_create", "after_transaction_end"}, log.trace(nil, txEvents...))

		// Begin begins one; Close ends it.
		log.reset()
		require.NoError(t, s.Begin())
		require.NoError(t, s.Close(e.ctx))
		assert.Equal(t, []string{"after_transaction_create", "after_transaction_end"}, log.trace(nil, txEvents...))
	})
}

// EVT-11: before_commit runs before Commit flushes and after_commit after
// the database COMMIT; after_begin when the database transaction begins,
// at the first SQL; after_rollback after a database ROLLBACK, and only
// then; after_soft_rollback after every Rollback call.
func TestEVT11_CommitRollbackBeginEvents(t *testing.T) {
	events := []string{"before_commit", "before_flush", "BEGIN", "after_begin", "sql", "COMMIT", "after_commit", "ROLLBACK", "after_rollback", "after_soft_rollback"}
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		log := listenEvents(t, e, s)
		var inTxAfterCommit []bool
		s.Listen(session.Listener{AfterCommit: func(_ context.Context, s *session.Session) {
			inTxAfterCommit = append(inTxAfterCommit, s.InTransaction())
		}})

		// A commit with nothing begun runs its events, and sends nothing
		// (SessionEventsTest.test_standalone_on_commit_hook).
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{"after_transaction_create", "before_commit", "after_commit", "after_transaction_end"}, log.trace(nil, sessionEvents...))
		assert.Empty(t, log.trace(nil, "BEGIN", "sql", "COMMIT"))

		// Adding begins the session's transaction, not the database's.
		log.reset()
		u := &User{Name: "ann"}
		require.NoError(t, s.Add(u))
		assert.Empty(t, log.trace(nil, events...))
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{"before_commit", "before_flush", "BEGIN", "after_begin", insertUser, "COMMIT", "after_commit"}, log.trace(nil, events...))
		assert.Equal(t, []bool{false, false}, inTxAfterCommit)

		// after_begin once per transaction, at its first SQL.
		log.reset()
		require.NoError(t, s.Load(e.ctx, u))
		_, err := session.Get[User](e.ctx, s, u.ID)
		require.NoError(t, err)
		_, err = session.Query[User](s).All(e.ctx)
		require.NoError(t, err)
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, []string{"BEGIN", "after_begin", selectUser, "SELECT users.id, users.name FROM users", "ROLLBACK", "after_rollback", "after_soft_rollback"},
			log.trace(nil, events...))

		// A rollback of a transaction that sent no SQL rolls nothing back in
		// the database.
		log.reset()
		require.NoError(t, s.Add(&User{Name: "ed"}))
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, []string{"after_transaction_create", "before_attach", "after_attach", "after_transaction_end", "after_soft_rollback"},
			log.names(sessionEvents...))
		assert.Empty(t, log.trace(nil, "BEGIN", "sql", "ROLLBACK"))

		// Every Rollback call, even with nothing begun (the spec's "every
		// rollback() call"; SQLAlchemy itself skips a rollback() without a
		// transaction).
		log.reset()
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, []string{"after_soft_rollback"}, log.names(sessionEvents...))
		assert.Empty(t, log.trace(nil, "BEGIN", "sql", "ROLLBACK"))
	})
}

// EVT-12: before_attach and after_attach run when an object joins the
// session (Add of a new or detached object, Delete of a detached one,
// objects reached by the save-update cascade), around the change: before,
// the object is not in the session (nor in New, nor in the identity map),
// after it is. Adding an object already there, and loading, attach
// nothing.
func TestEVT12_AttachEvents(t *testing.T) {
	events := evtNames([]string{"before_attach", "after_attach"}, transitions)
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s := e.session()
		log := listenEvents(t, e, s)
		var lb labels
		var inside []string
		look := func(when string, obj any) {
			u, ok := obj.(*User)
			if !ok {
				return
			}
			inNew := slices.Contains(s.New(), obj)
			inMap := u.ID != 0 && session.Lookup[User](s, u.ID) == u
			inside = append(inside, fmt.Sprintf("%s %s: %s, new %v, identity map %v", when, lb.of(obj), session.StateOf(obj), inNew, inMap))
		}
		s.Listen(session.Listener{
			BeforeAttach: func(_ *session.Session, obj any) { look("before", obj) },
			AfterAttach:  func(_ *session.Session, obj any) { look("after", obj) },
		})

		u := &User{Name: "ann"}
		a := &Address{EmailAddress: "ann@x"}
		u.Addresses.Add(a)
		lb = labels{u: "u", a: "a"}
		require.NoError(t, s.Add(u))
		assert.Equal(t, []string{
			"before_attach u", "transient_to_pending u", "after_attach u",
			"before_attach a", "transient_to_pending a", "after_attach a",
		}, log.trace(lb, events...))
		assert.Equal(t, []string{"before u: transient, new false, identity map false", "after u: pending, new true, identity map false"}, inside)

		log.reset()
		require.NoError(t, s.Add(u))
		assert.Empty(t, log.trace(lb, events...), "adding again")

		require.NoError(t, s.Commit(e.ctx))
		require.NoError(t, s.Expunge(u))
		log.reset()
		inside = nil
		require.NoError(t, s.Add(u))
		assert.Equal(t, []string{"before_attach u", "detached_to_persistent u", "after_attach u"}, log.trace(lb, events...))
		assert.Equal(t, []string{"before u: detached, new false, identity map false", "after u: persistent, new false, identity map true"}, inside)

		log.reset()
		jack, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		lb[jack] = "jack"
		assert.Equal(t, []string{"loaded_as_persistent jack"}, log.trace(lb, events...))

		require.NoError(t, s.Expunge(u))
		log.reset()
		require.NoError(t, s.Delete(u))
		assert.Equal(t, []string{"before_attach u", "detached_to_persistent u", "after_attach u"}, log.trace(lb, events...))
	})
}

// EVT-14: one state change event per change of state, with the object in
// its new state inside the listener (SessionLifecycleEventsTest).
func TestEVT14_OneEventPerStateChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		s := e.session()
		log := listenEvents(t, e, s)
		u, v, w, x := &User{Name: "u"}, &User{Name: "v"}, &User{Name: "w"}, &User{Name: "x"}
		lb := labels{u: "u", v: "v", w: "w", x: "x"}
		// Inside persistent_to_deleted the object is not among those marked
		// for deletion (the flush has deleted it); inside
		// detached_to_persistent through Delete, not yet.
		var inside []string
		var persistentToTransientKey [][]any
		s.Listen(session.Listener{StateChange: func(s *session.Session, obj any, tr session.Transition) {
			switch tr {
			case session.PersistentToDeleted, session.DetachedToPersistent, session.DeletedToPersistent, session.DeletedToDetached:
				inside = append(inside, fmt.Sprintf("%s %s: marked for deletion %v, was deleted %v",
					tr, lb.of(obj), slices.Contains(s.Deleted(), obj), session.WasDeleted(obj)))
			case session.PersistentToTransient:
				persistentToTransientKey = append(persistentToTransientKey, session.Inspect(obj).Key)
			}
		}})
		step := func(name string, want []string, do func()) {
			t.Helper()
			log.reset()
			inside = nil
			do()
			assert.Equal(t, want, log.stateTrace(lb), name)
		}

		step("add", []string{"transient_to_pending u: pending, contained true"}, func() {
			require.NoError(t, s.Add(u))
		})
		step("flush", []string{"pending_to_persistent u: persistent, contained true"}, func() {
			require.NoError(t, s.Flush(e.ctx))
		})
		step("expunge", []string{"persistent_to_detached u: detached, contained false"}, func() {
			require.NoError(t, s.Expunge(u))
		})
		step("add detached", []string{"detached_to_persistent u: persistent, contained true"}, func() {
			require.NoError(t, s.Add(u))
		})
		step("commit", nil, func() {
			require.NoError(t, s.Commit(e.ctx))
		})
		step("delete", nil, func() {
			require.NoError(t, s.Delete(u))
		})
		step("flush deletion", []string{"persistent_to_deleted u: deleted, contained false"}, func() {
			require.NoError(t, s.Flush(e.ctx))
		})
		assert.Equal(t, []string{"persistent_to_deleted u: marked for deletion false, was deleted true"}, inside)
		step("rollback of the deletion", []string{"deleted_to_persistent u: persistent, contained true"}, func() {
			require.NoError(t, s.Rollback(e.ctx))
		})
		assert.Equal(t, []string{"deleted_to_persistent u: marked for deletion false, was deleted false"}, inside)
		step("commit of a deletion", []string{"persistent_to_deleted u: deleted, contained false", "deleted_to_detached u: detached, contained false"}, func() {
			require.NoError(t, s.Delete(u))
			require.NoError(t, s.Commit(e.ctx))
		})
		assert.Equal(t, []string{
			"persistent_to_deleted u: marked for deletion false, was deleted true",
			"deleted_to_detached u: marked for deletion false, was deleted true",
		}, inside)
		step("rollback of an add", []string{"transient_to_pending v: pending, contained true", "pending_to_transient v: transient, contained false"}, func() {
			require.NoError(t, s.Add(v))
			require.NoError(t, s.Rollback(e.ctx))
		})
		step("rollback of an insert", []string{
			"transient_to_pending w: pending, contained true", "pending_to_persistent w: persistent, contained true",
			"persistent_to_transient w: transient, contained false",
		}, func() {
			require.NoError(t, s.Add(w))
			require.NoError(t, s.Flush(e.ctx))
			require.NoError(t, s.Rollback(e.ctx))
		})
		assert.Equal(t, [][]any{nil}, persistentToTransientKey, "no identity inside persistent_to_transient")
		step("expunge of a pending object", []string{"transient_to_pending x: pending, contained true", "pending_to_transient x: transient, contained false"}, func() {
			require.NoError(t, s.Add(x))
			require.NoError(t, s.Expunge(x))
		})
		var jack *User
		step("load", []string{"loaded_as_persistent jack: persistent, contained true"}, func() {
			var err error
			jack, err = session.Get[User](e.ctx, s, 1)
			require.NoError(t, err)
			lb[jack] = "jack"
		})
		step("delete of a detached object", []string{"persistent_to_detached jack: detached, contained false", "detached_to_persistent jack: persistent, contained true"}, func() {
			require.NoError(t, s.Expunge(jack))
			require.NoError(t, s.Delete(jack))
		})
		assert.Equal(t, []string{"detached_to_persistent jack: marked for deletion false, was deleted false"}, inside)
		step("close", []string{"persistent_to_detached jack: detached, contained false"}, func() {
			require.NoError(t, s.Close(e.ctx))
		})
	})
}

// EVT-15: the events of a commit of an added object, and of a commit
// whose flush fails followed by Rollback, in the spec's order
// (SessionEventsTest.test_rollback_hook).
func TestEVT15_CommitAndRollbackSequences(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		log := listenEvents(t, e, s)

		u := &User{Name: "u1"}
		require.NoError(t, s.Add(u))
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []string{
			"after_transaction_create", "before_attach", "after_attach", "before_commit", "before_flush",
			"after_transaction_create", "after_begin", "after_flush", "after_flush_postexec",
			"after_transaction_end", "after_commit", "after_transaction_end",
		}, log.names(sessionEvents...))
		// The inner pair is the flush's.
		assert.Equal(t, []string{"after_transaction_create", "after_transaction_create nested", "after_transaction_end nested", "after_transaction_end"},
			log.trace(nil, txEvents...))
		assert.Equal(t, []string{"BEGIN", insertUser, "COMMIT"}, log.trace(nil, "BEGIN", "sql", "COMMIT", "ROLLBACK"))
		require.Equal(t, int64(1), u.ID)

		log.reset()
		u2 := &User{ID: 1, Name: "u1"}
		require.NoError(t, s.Add(u2))
		err := s.Commit(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, ore.ErrUniqueViolation)
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, []string{
			"after_transaction_create", "before_attach", "after_attach", "before_commit", "before_flush",
			"after_transaction_create", "after_begin", "after_rollback", "after_transaction_end", "after_soft_rollback",
			"after_transaction_end", "after_soft_rollback",
		}, log.names(sessionEvents...))
		assert.Equal(t, []string{"after_transaction_create", "after_transaction_create nested", "after_transaction_end nested", "after_transaction_end"},
			log.trace(nil, txEvents...))
		assert.Equal(t, []string{"BEGIN", "INSERT INTO users (id, name) VALUES (?, ?)", "ROLLBACK"}, log.trace(nil, "BEGIN", "sql", "COMMIT", "ROLLBACK"))
		assert.Equal(t, session.Transient, session.StateOf(u2))
	})
}
