package session_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/session"
)

// Tests of the unit of work's flush (spec §3). Statements are compared as
// the normalized strings the recorder keeps; rows are read back with Core
// queries, in the session's transaction while it is open (SQLite's
// in-memory database is shared by the connections of one driver, so a
// second connection would wait for the session's write lock), through the
// database once the session has committed.

// flushUserRow, flushTagRow, flushNodeRow, flushAccountRow and
// flushEventRow are rows read back with Core.
type flushUserRow struct {
	ID   int64
	Name string
}

type flushTagRow struct {
	Name string
	Note string
}

type flushNodeRow struct {
	ID       int64
	ParentID *int64
	Data     string
}

type flushAccountRow struct {
	ID      int64
	Owner   string
	Balance int64
	Version int64
}

type flushEventRow struct {
	ID       int64
	Title    string
	Priority int64
	Created  time.Time
}

func flushUsers(t *testing.T, e *env, q ore.Querier) []flushUserRow {
	t.Helper()
	rows, err := ore.All(e.ctx, q, ore.Select[flushUserRow](Users.ID, Users.Name).From(Users).OrderBy(Users.ID.Asc()))
	require.NoError(t, err)
	return rows
}

func flushTags(t *testing.T, e *env, q ore.Querier) []flushTagRow {
	t.Helper()
	rows, err := ore.All(e.ctx, q, ore.Select[flushTagRow](Tags.Name, Tags.Note).From(Tags).OrderBy(Tags.Name.Asc()))
	require.NoError(t, err)
	return rows
}

func flushAccounts(t *testing.T, e *env, q ore.Querier) []flushAccountRow {
	t.Helper()
	rows, err := ore.All(e.ctx, q, ore.Select[flushAccountRow](Accounts.ID, Accounts.Owner, Accounts.Balance, Accounts.Version).
		From(Accounts).OrderBy(Accounts.ID.Asc()))
	require.NoError(t, err)
	return rows
}

// flushTx returns the session's transaction, for reading back what its
// flushes wrote.
func flushTx(t *testing.T, e *env, s *session.Session) *ore.Tx {
	t.Helper()
	tx, err := s.Tx(e.ctx)
	require.NoError(t, err)
	return tx
}

// flushArgs returns the arguments of the statements recorded, with
// pointers replaced by what they point to (nil for nil), so that they
// compare with plain values.
func flushArgs(e *env) [][]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([][]any, len(e.args))
	for i, args := range e.args {
		out[i] = make([]any, len(args))
		for j, a := range args {
			rv := reflect.ValueOf(a)
			switch {
			case a == nil:
			case rv.Kind() == reflect.Pointer && rv.IsNil():
				a = nil
			case rv.Kind() == reflect.Pointer:
				a = rv.Elem().Interface()
			}
			out[i][j] = a
		}
	}
	return out
}

func flushPtr[T any](v T) *T { return &v }

// flushInsertSQL returns "INSERT INTO table (cols) VALUES (?, ...), ..." for
// rows rows of len(cols) values each, followed by suffix.
func flushInsertSQL(table string, cols []string, rows int, suffix string) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	values := strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + values + suffix
}

func flushRepeat(stmt string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = stmt
	}
	return out
}

// flushOnPG reports whether e is the PostgreSQL database, for the rules
// whose statements differ by database.
func flushOnPG(e *env) bool { return e.db.Dialect().Name() == "postgres" }

func TestUOW01_CleanFlushIsANoop(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		var events []string
		s := e.session(session.Options{Listeners: []session.Listener{{
			BeforeFlush: func(context.Context, *session.Session) error {
				events = append(events, "before_flush")
				return nil
			},
			AfterFlush:         func(context.Context, *session.Session) { events = append(events, "after_flush") },
			AfterFlushPostexec: func(context.Context, *session.Session) { events = append(events, "after_flush_postexec") },
			AfterTransactionCreate: func(_ *session.Session, nested bool) {
				if nested {
					events = append(events, "flush_transaction")
				}
			},
		}}})

		// A new session has nothing to write: no SQL, no transaction begun
		// (neither the session's nor the database's), no flush events.
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())
		assert.Zero(t, e.begins)
		assert.False(t, s.InTransaction())
		assert.Empty(t, events)

		// Loaded objects left as they were are no work either.
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())
		assert.Zero(t, e.begins)
		assert.Empty(t, events)
		assert.Equal(t, session.Persistent, session.StateOf(u))

		// A flush with work runs the events once; the flush after it has
		// nothing left to do.
		u.Name = "fred"
		require.NoError(t, s.Flush(e.ctx))
		require.Equal(t, []string{"UPDATE users SET name = ? WHERE users.id = ?"}, e.sql())
		require.Equal(t, []string{"before_flush", "flush_transaction", "after_flush", "after_flush_postexec"}, events)
		events = nil
		e.reset()
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())
		assert.Empty(t, events)
		assert.Equal(t, "fred", u.Name)
	})
}

func TestUOW02_UpdateOnlyOnNetChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed")
		e.exec(ore.Insert(Orders).Values(Orders.UserID.To(flushPtr[int64](1)), Orders.Description.To("order 1"), Orders.IsOpen.To(true)))
		s := e.session()
		u, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		o, err := session.Get[Order](e.ctx, s, 1)
		require.NoError(t, err)
		e.reset()

		// ore tracks changes by snapshot (doc.go, "Change tracking"), not by
		// attribute events: setting a field to the value it holds is no
		// change, so u is not dirty at all, and nothing is written.
		name := u.Name
		u.Name = name
		assert.Empty(t, s.Dirty())
		assert.Empty(t, session.Inspect(u).Modified)
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())

		// A change undone before the flush is no net change either.
		u.Name = "x"
		u.Name = "ed"
		assert.Empty(t, s.Dirty())
		require.NoError(t, s.Flush(e.ctx))
		assert.Empty(t, e.sql())

		// A real change: only the changed column is SET, the row is found
		// by its key.
		u.Name = "x"
		assert.Equal(t, []any{u}, s.Dirty())
		assert.Equal(t, []string{"Name"}, session.Inspect(u).Modified)
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE users SET name = ? WHERE users.id = ?"}, e.sql())
		assert.Equal(t, [][]any{{"x", int64(1)}}, flushArgs(e))
		assert.Empty(t, s.Dirty())
		assert.Empty(t, session.Inspect(u).Modified)
		assert.Equal(t, session.Persistent, session.StateOf(u))

		// Of the order's four columns, only the one changed is SET; then the
		// two changed, in column order.
		e.reset()
		o.Description = "order one"
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE orders SET description = ? WHERE orders.id = ?"}, e.sql())
		assert.Equal(t, [][]any{{"order one", int64(1)}}, flushArgs(e))
		e.reset()
		o.IsOpen = false
		o.Description = "closed"
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE orders SET description = ?, isopen = ? WHERE orders.id = ?"}, e.sql())
		assert.Equal(t, [][]any{{"closed", false, int64(1)}}, flushArgs(e))

		tx := flushTx(t, e, s)
		assert.Equal(t, []flushUserRow{{1, "x"}}, flushUsers(t, e, tx))
		type orderRow struct {
			ID          int64
			UserID      *int64
			Description string
			IsOpen      bool
		}
		orders, err := ore.All(e.ctx, tx, ore.Select[orderRow](Orders.ID, Orders.UserID, Orders.Description, Orders.IsOpen).From(Orders))
		require.NoError(t, err)
		assert.Equal(t, []orderRow{{1, flushPtr[int64](1), "closed", false}}, orders)
	})
}

func TestUOW03_ChangedPrimaryKeyUpdatesByOldKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.exec(ore.Insert(Tags).Values(Tags.Name.To("go"), Tags.Note.To("n")))
		s := e.session()
		tg, err := session.Get[Tag](e.ctx, s, "go")
		require.NoError(t, err)
		e.reset()

		// WHERE has the key the row has, SET the new one.
		tg.Name = "golang"
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE tags SET name = ? WHERE tags.name = ?"}, e.sql())
		assert.Equal(t, [][]any{{"golang", "go"}}, flushArgs(e))

		// The object is now known under its new key only.
		assert.Equal(t, []any{"golang"}, session.Inspect(tg).Key)
		assert.Same(t, tg, session.Lookup[Tag](s, "golang"))
		assert.Nil(t, session.Lookup[Tag](s, "go"))
		assert.Equal(t, session.Persistent, session.StateOf(tg))
		e.reset()
		got, err := session.Get[Tag](e.ctx, s, "golang")
		require.NoError(t, err)
		assert.Same(t, tg, got)
		assert.Empty(t, e.sql(), "the new key is in the identity map")

		// Key and another column together: the WHERE uses the key of the
		// last flush.
		tg.Name, tg.Note = "rust", "n2"
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE tags SET name = ?, note = ? WHERE tags.name = ?"}, e.sql())
		assert.Equal(t, [][]any{{"rust", "n2", "golang"}}, flushArgs(e))

		assert.Equal(t, []flushTagRow{{"rust", "n2"}}, flushTags(t, e, flushTx(t, e, s)))
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []flushTagRow{{"rust", "n2"}}, flushTags(t, e, e.db))
	})
}

func TestUOW08_SameMapperInsertOrderIsAddOrder(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		// Explicit keys and parent keys, no relationship objects: the rows
		// go out in the order added (not in key order), in one statement.
		// Parents are added before their children, so the foreign keys hold
		// row by row too.
		root := &Node{ID: 10, Data: "root"}
		a := &Node{ID: 5, ParentID: flushPtr[int64](10), Data: "a"}
		b := &Node{ID: 7, ParentID: flushPtr[int64](10), Data: "b"}
		c := &Node{ID: 6, ParentID: flushPtr[int64](5), Data: "c"}
		require.NoError(t, s.AddAll(root, a, b, c))
		require.NoError(t, s.Flush(e.ctx))

		assert.Equal(t, []string{flushInsertSQL("nodes", []string{"id", "parent_id", "data"}, 4, "")}, e.sql())
		assert.Equal(t, [][]any{{
			int64(10), nil, "root",
			int64(5), int64(10), "a",
			int64(7), int64(10), "b",
			int64(6), int64(5), "c",
		}}, flushArgs(e))
		for _, n := range []*Node{root, a, b, c} {
			assert.Equal(t, session.Persistent, session.StateOf(n), n.Data)
			assert.Same(t, n, session.Lookup[Node](s, n.ID), n.Data)
		}
		assert.Empty(t, s.New())

		rows, err := ore.All(e.ctx, flushTx(t, e, s), ore.Select[flushNodeRow](Nodes.ID, Nodes.ParentID, Nodes.Data).From(Nodes).OrderBy(Nodes.ID.Asc()))
		require.NoError(t, err)
		assert.Equal(t, []flushNodeRow{
			{5, flushPtr[int64](10), "a"},
			{6, flushPtr[int64](5), "c"},
			{7, flushPtr[int64](10), "b"},
			{10, nil, "root"},
		}, rows)
	})
}

func TestUOW10_RowSwitch(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.exec(ore.Insert(Tags).Values(Tags.Name.To("go"), Tags.Note.To("old")))
		s := e.session()
		old, err := session.Get[Tag](e.ctx, s, "go")
		require.NoError(t, err)
		e.reset()

		// Deleting a row's object and adding a new object with its key in
		// one flush: the new object takes the row over with one UPDATE of
		// what differs, no DELETE, no INSERT.
		require.NoError(t, s.Delete(old))
		nt := &Tag{Name: "go", Note: "new"}
		require.NoError(t, s.Add(nt))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"UPDATE tags SET note = ? WHERE tags.name = ?"}, e.sql())
		assert.Equal(t, [][]any{{"new", "go"}}, flushArgs(e))

		assert.Equal(t, session.Persistent, session.StateOf(nt))
		assert.Equal(t, session.Deleted, session.StateOf(old))
		assert.True(t, session.WasDeleted(old))
		assert.False(t, s.Contains(old))
		assert.True(t, s.Contains(nt))
		assert.Same(t, nt, session.Lookup[Tag](s, "go"))
		assert.Empty(t, s.New())
		assert.Empty(t, s.Deleted())
		assert.Empty(t, s.Dirty())

		assert.Equal(t, []flushTagRow{{"go", "new"}}, flushTags(t, e, flushTx(t, e, s)))
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, session.Detached, session.StateOf(old))
		assert.Equal(t, []flushTagRow{{"go", "new"}}, flushTags(t, e, e.db))
	})
}

func TestUOW12_InsertBatching(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		// Generated keys, explicit keys, generated keys again, then one
		// explicit key: each change of column set starts a new statement,
		// and the order added is kept.
		a, b := &User{Name: "a"}, &User{Name: "b"}
		c, d := &User{ID: 10, Name: "c"}, &User{ID: 11, Name: "d"}
		f, g := &User{Name: "f"}, &User{Name: "g"}
		h := &User{ID: 20, Name: "h"}
		users := []*User{a, b, c, d, f, g, h}
		for _, u := range users {
			require.NoError(t, s.Add(u))
		}
		require.NoError(t, s.Flush(e.ctx))

		gen := "INSERT INTO users (name) VALUES (?) RETURNING id"
		explicit := flushInsertSQL("users", []string{"id", "name"}, 2, "")
		single := "INSERT INTO users (id, name) VALUES (?, ?)"
		if flushOnPG(e) {
			// PostgreSQL draws the keys of a multi-row INSERT in row order,
			// so rows with generated keys batch too.
			assert.Equal(t, []string{
				"INSERT INTO users (name) VALUES (?), (?) RETURNING id",
				explicit,
				"INSERT INTO users (name) VALUES (?), (?) RETURNING id",
				single,
			}, e.sql())
			assert.Equal(t, [][]any{{"a", "b"}, {int64(10), "c", int64(11), "d"}, {"f", "g"}, {int64(20), "h"}}, flushArgs(e))
		} else {
			// SQLite cannot tie new rowids to the rows of one statement:
			// one INSERT per row with a generated key; explicit keys batch.
			assert.Equal(t, []string{gen, gen, explicit, gen, gen, single}, e.sql())
			assert.Equal(t, [][]any{{"a"}, {"b"}, {int64(10), "c", int64(11), "d"}, {"f"}, {"g"}, {int64(20), "h"}}, flushArgs(e))
		}

		// Every object has its own row's key.
		rows := flushUsers(t, e, flushTx(t, e, s))
		require.Len(t, rows, len(users))
		byName := map[string]int64{}
		for _, r := range rows {
			byName[r.Name] = r.ID
		}
		for _, u := range users {
			assert.Equal(t, byName[u.Name], u.ID, u.Name)
			assert.Equal(t, session.Persistent, session.StateOf(u), u.Name)
			assert.Same(t, u, session.Lookup[User](s, u.ID), u.Name)
		}
		assert.Equal(t, []int64{10, 11, 20}, []int64{c.ID, d.ID, h.ID})
		assert.Less(t, a.ID, b.ID, "keys are drawn in the order added")
		assert.Less(t, f.ID, g.ID, "keys are drawn in the order added")

		// Server defaults: rows leaving out a defaulted column and rows
		// giving it differ in column set (and in what comes back).
		e.reset()
		e1, e2 := &Event{Title: "e1"}, &Event{Title: "e2"}
		e3 := &Event{Title: "e3", Priority: 9}
		e4 := &Event{Title: "e4"}
		events := []*Event{e1, e2, e3, e4}
		for _, ev := range events {
			require.NoError(t, s.Add(ev))
		}
		require.NoError(t, s.Flush(e.ctx))
		genEv := "INSERT INTO events (title) VALUES (?) RETURNING id, priority, created"
		withPrio := "INSERT INTO events (title, priority) VALUES (?, ?) RETURNING id, created"
		if flushOnPG(e) {
			assert.Equal(t, []string{"INSERT INTO events (title) VALUES (?), (?) RETURNING id, priority, created", withPrio, genEv}, e.sql())
		} else {
			assert.Equal(t, []string{genEv, genEv, withPrio, genEv}, e.sql())
		}
		evRows, err := ore.All(e.ctx, flushTx(t, e, s), ore.Select[flushEventRow](Events.ID, Events.Title, Events.Priority, Events.Created).From(Events))
		require.NoError(t, err)
		require.Len(t, evRows, len(events))
		evByTitle := map[string]flushEventRow{}
		for _, r := range evRows {
			evByTitle[r.Title] = r
		}
		for _, ev := range events {
			assert.Equal(t, evByTitle[ev.Title].ID, ev.ID, ev.Title)
			assert.Equal(t, evByTitle[ev.Title].Priority, ev.Priority, ev.Title)
		}
		assert.Equal(t, []int64{5, 5, 9, 5}, []int64{e1.Priority, e2.Priority, e3.Priority, e4.Priority})
	})
}

func TestUOW13_ManyRowsKeysMatchedBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		// PostgreSQL: enough rows for two pages of at most 1000 rows.
		// SQLite gets a few (the race detector makes it slow), one INSERT
		// each, since it cannot match generated keys to rows.
		n := 12
		if flushOnPG(e) {
			n = 1200
		}
		s := e.session()
		users := make([]*User, n)
		for i := range users {
			users[i] = &User{Name: fmt.Sprintf("u%04d", i)}
			require.NoError(t, s.Add(users[i]))
		}
		require.NoError(t, s.Flush(e.ctx))

		if flushOnPG(e) {
			assert.Equal(t, []string{
				flushInsertSQL("users", []string{"name"}, 1000, " RETURNING id"),
				flushInsertSQL("users", []string{"name"}, 200, " RETURNING id"),
			}, e.sql())
			if args := flushArgs(e); assert.Len(t, args, 2) {
				assert.Len(t, args[0], 1000)
				assert.Len(t, args[1], 200)
				assert.Equal(t, "u0000", args[0][0])
				assert.Equal(t, "u1000", args[1][0])
				assert.Equal(t, "u1199", args[1][199])
			}
		} else {
			assert.Equal(t, flushRepeat("INSERT INTO users (name) VALUES (?) RETURNING id", n), e.sql())
		}

		rows := flushUsers(t, e, flushTx(t, e, s))
		require.Len(t, rows, n)
		byName := map[string]int64{}
		for _, r := range rows {
			byName[r.Name] = r.ID
		}
		for i, u := range users {
			assert.Equal(t, byName[u.Name], u.ID, u.Name)
			// A fresh table: keys 1, 2, ... in the order added.
			assert.Equal(t, int64(i+1), u.ID, u.Name)
			assert.Equal(t, session.Persistent, session.StateOf(u), u.Name)
		}
		assert.Equal(t, n, s.Len())

		// Keys the application chooses batch on every database, in pages.
		e.reset()
		tags := make([]*Tag, n)
		for i := range tags {
			tags[i] = &Tag{Name: fmt.Sprintf("t%04d", i), Note: "n"}
			require.NoError(t, s.Add(tags[i]))
		}
		require.NoError(t, s.Flush(e.ctx))
		if flushOnPG(e) {
			assert.Equal(t, []string{
				flushInsertSQL("tags", []string{"name", "note"}, 1000, ""),
				flushInsertSQL("tags", []string{"name", "note"}, 200, ""),
			}, e.sql())
		} else {
			assert.Equal(t, []string{flushInsertSQL("tags", []string{"name", "note"}, n, "")}, e.sql())
		}
		assert.Len(t, flushTags(t, e, flushTx(t, e, s)), n)
		for _, tg := range tags {
			assert.Same(t, tg, session.Lookup[Tag](s, tg.Name), tg.Name)
		}
	})
}

func TestUOW14_ServerDefaultsFetchedAtInsert(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session()
		var refreshed [][]string
		s.Listen(session.Listener{RefreshFlush: func(_ context.Context, _ *ore.Tx, _ any, fields []string) {
			refreshed = append(refreshed, fields)
		}})
		ev := &Event{Title: "launch"}
		require.NoError(t, s.Add(ev))
		require.NoError(t, s.Flush(e.ctx))

		// The columns left to the database come back with the INSERT: no
		// SELECT afterwards, nothing left expired.
		assert.Equal(t, []string{"INSERT INTO events (title) VALUES (?) RETURNING id, priority, created"}, e.sql())
		assert.Equal(t, [][]any{{"launch"}}, flushArgs(e))
		assert.Equal(t, int64(1), ev.ID)
		assert.Equal(t, int64(5), ev.Priority)
		assert.WithinDuration(t, time.Now(), ev.Created, time.Minute)
		assert.Equal(t, [][]string{{"Priority", "Created"}}, refreshed)
		info := session.Inspect(ev)
		assert.Equal(t, session.Persistent, info.Status)
		assert.Empty(t, info.Expired)
		assert.Empty(t, info.Modified)

		row, err := ore.One(e.ctx, flushTx(t, e, s), ore.Select[flushEventRow](Events.ID, Events.Title, Events.Priority, Events.Created).
			From(Events).Where(Events.ID.Eq(ev.ID)))
		require.NoError(t, err)
		assert.Equal(t, int64(5), row.Priority)
		assert.True(t, row.Created.Equal(ev.Created), "created: object %v, row %v", ev.Created, row.Created)

		e.reset()
		got, err := session.Get[Event](e.ctx, s, ev.ID)
		require.NoError(t, err)
		assert.Same(t, ev, got)
		assert.Empty(t, e.sql(), "nothing to load")

		// A value given for a defaulted column is written, and only the
		// others come back.
		e.reset()
		ev2 := &Event{Title: "review", Priority: 7}
		require.NoError(t, s.Add(ev2))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"INSERT INTO events (title, priority) VALUES (?, ?) RETURNING id, created"}, e.sql())
		assert.Equal(t, [][]any{{"review", int64(7)}}, flushArgs(e))
		assert.Equal(t, int64(2), ev2.ID)
		assert.Equal(t, int64(7), ev2.Priority)
		assert.WithinDuration(t, time.Now(), ev2.Created, time.Minute)
	})
}

func TestUOW15_RowCountChecks(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack", "mary", "sue")
		var warnings []string
		s := e.session(session.Options{NoExpireOnCommit: true, Warn: func(msg string) { warnings = append(warnings, msg) }})
		var us []*User
		for id := 1; id <= 4; id++ {
			u, err := session.Get[User](e.ctx, s, id)
			require.NoError(t, err)
			us = append(us, u)
		}
		u1, u2, u3, u4 := us[0], us[1], us[2], us[3]
		// End the session's transaction, keeping the objects as loaded, and
		// delete rows behind its back.
		require.NoError(t, s.Commit(e.ctx))
		e.exec(ore.Delete(Users).Where(Users.ID.In(2, 3, 4)))

		// DELETE of a row already gone: a warning, no error.
		require.NoError(t, s.Delete(u2))
		require.NoError(t, s.Flush(e.ctx))
		// (After the loads of u2's relationships, for UOW-06.)
		assert.Equal(t, append(userChildLoads(), "DELETE FROM users WHERE users.id = ?"), e.sql())
		assert.Equal(t, [][]any{{int64(2)}, {int64(2)}, {int64(2)}}, flushArgs(e))
		if assert.Len(t, warnings, 1) {
			assert.Contains(t, warnings[0], "expected to delete 1 row; 0 were matched")
			assert.Contains(t, warnings[0], "users")
		}
		assert.Equal(t, session.Deleted, session.StateOf(u2))

		// Batched: one of two rows gone.
		warnings = nil
		e.reset()
		require.NoError(t, s.Delete(u1))
		require.NoError(t, s.Delete(u3))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, append(append(userChildLoads(), userChildLoads()...), "DELETE FROM users WHERE users.id IN (?, ?)"), e.sql())
		assert.Equal(t, [][]any{{int64(1)}, {int64(1)}, {int64(3)}, {int64(3)}, {int64(1), int64(3)}}, flushArgs(e))
		if assert.Len(t, warnings, 1) {
			assert.Contains(t, warnings[0], "expected to delete 2 rows; 1 were matched")
		}
		assert.Equal(t, session.Deleted, session.StateOf(u1))
		assert.Equal(t, session.Deleted, session.StateOf(u3))
		require.NoError(t, s.Commit(e.ctx))
		assert.Empty(t, flushUsers(t, e, e.db))

		// UPDATE of a row that is gone: stale data, and the session waits
		// for Rollback.
		warnings = nil
		e.reset()
		u4.Name = "susan"
		err := s.Flush(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, session.ErrStaleData)
		assert.ErrorContains(t, err, "expected to update 1 row; 0 were matched")
		assert.Equal(t, []string{"UPDATE users SET name = ? WHERE users.id = ?"}, e.sql())
		assert.Equal(t, [][]any{{"susan", int64(4)}}, flushArgs(e))
		assert.Empty(t, warnings)
		assert.Equal(t, session.Persistent, session.StateOf(u4))
		assert.Equal(t, "susan", u4.Name)
		e.reset()
		assert.ErrorIs(t, s.Flush(e.ctx), session.ErrPendingRollback)
		assert.Empty(t, e.sql())
		require.NoError(t, s.Rollback(e.ctx))
	})
}

func TestUOW16_VersionCounter(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		s := e.session(session.Options{NoExpireOnCommit: true})
		a := &Account{Owner: "ann", Balance: 10}
		require.NoError(t, s.Add(a))
		require.NoError(t, s.Flush(e.ctx))
		// The counter starts at 1.
		assert.Equal(t, []string{"INSERT INTO accounts (owner, balance, version) VALUES (?, ?, ?) RETURNING id"}, e.sql())
		assert.Equal(t, [][]any{{"ann", int64(10), int64(1)}}, flushArgs(e))
		assert.Equal(t, int64(1), a.ID)
		assert.Equal(t, int64(1), a.Version)

		// Each UPDATE checks the version it read and sets the next one.
		update := "UPDATE accounts SET balance = ?, version = ? WHERE accounts.id = ? AND accounts.version = ?"
		for i, balance := range []int64{20, 30} {
			e.reset()
			a.Balance = balance
			require.NoError(t, s.Flush(e.ctx))
			assert.Equal(t, []string{update}, e.sql())
			assert.Equal(t, [][]any{{balance, int64(i + 2), int64(1), int64(i + 1)}}, flushArgs(e))
			assert.Equal(t, int64(i+2), a.Version)
			assert.Empty(t, session.Inspect(a).Modified)
		}
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, []flushAccountRow{{1, "ann", 30, 3}}, flushAccounts(t, e, e.db))

		// Another session changes the row in between: the UPDATE matches
		// nothing.
		s2 := e.session()
		a2, err := session.Get[Account](e.ctx, s2, 1)
		require.NoError(t, err)
		require.NotSame(t, a, a2)
		a2.Balance = 99
		require.NoError(t, s2.Commit(e.ctx))
		require.Equal(t, []flushAccountRow{{1, "ann", 99, 4}}, flushAccounts(t, e, e.db))

		e.reset()
		a.Balance = 40
		err = s.Flush(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, session.ErrStaleData)
		assert.Equal(t, []string{update}, e.sql())
		assert.Equal(t, [][]any{{int64(40), int64(4), int64(1), int64(3)}}, flushArgs(e))
		// The failed flush takes its version increment back.
		assert.Equal(t, int64(3), a.Version)
		assert.Equal(t, int64(40), a.Balance)
		require.NoError(t, s.Rollback(e.ctx))
		require.NoError(t, s.Load(e.ctx, a))
		assert.Equal(t, int64(99), a.Balance)
		assert.Equal(t, int64(4), a.Version)
		require.NoError(t, s.Commit(e.ctx))

		// A Core UPDATE in between: the versioned DELETE matches nothing,
		// which is an error (not a warning) with a version counter.
		e.exec(ore.Update(Accounts).Set(Accounts.Balance.To(100), Accounts.Version.To(5)).Where(Accounts.ID.Eq(1)))
		require.NoError(t, s.Delete(a))
		err = s.Flush(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, session.ErrStaleData)
		assert.Equal(t, []string{"DELETE FROM accounts WHERE accounts.id = ? AND accounts.version = ?"}, e.sql())
		assert.Equal(t, [][]any{{int64(1), int64(4)}}, flushArgs(e))
		assert.Equal(t, session.Persistent, session.StateOf(a))
		require.NoError(t, s.Rollback(e.ctx))

		// With the current version it goes.
		require.NoError(t, s.Load(e.ctx, a))
		require.Equal(t, int64(5), a.Version)
		e.reset()
		require.NoError(t, s.Delete(a))
		require.NoError(t, s.Flush(e.ctx))
		assert.Equal(t, []string{"DELETE FROM accounts WHERE accounts.id = ? AND accounts.version = ?"}, e.sql())
		assert.Equal(t, [][]any{{int64(1), int64(5)}}, flushArgs(e))
		assert.Equal(t, session.Deleted, session.StateOf(a))
		require.NoError(t, s.Commit(e.ctx))
		assert.Empty(t, flushAccounts(t, e, e.db))
	})
}

func TestUOW18_Autoflush(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("jack")
		selectByName := "SELECT users.id, users.name FROM users WHERE users.name = ?"
		selectByID := "SELECT users.id, users.name FROM users WHERE users.id = ?"
		insert := "INSERT INTO users (name) VALUES (?) RETURNING id"
		s := e.session()

		// A query flushes first, and finds the pending object itself.
		ed := &User{Name: "ed"}
		require.NoError(t, s.Add(ed))
		got, err := session.Query[User](s).Where(Users.Name.Eq("ed")).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{insert, selectByName}, e.sql())
		if assert.Len(t, got, 1) {
			assert.Same(t, ed, got[0])
		}
		assert.Equal(t, session.Persistent, session.StateOf(ed))
		if flushOnPG(e) {
			// The row is in the session's transaction only. (SQLite's
			// connections share one in-memory database and its locks, so
			// another connection cannot look while the session writes.)
			n, err := ore.Scalar(e.ctx, e.db, ore.Select1(ore.Count()).From(Users).Where(Users.Name.Eq("ed")))
			require.NoError(t, err)
			assert.Zero(t, n)
		}

		// Get flushes when it has to SELECT, and not when the identity map
		// has the object.
		e.reset()
		fred := &User{Name: "fred"}
		require.NoError(t, s.Add(fred))
		same, err := session.Get[User](e.ctx, s, ed.ID)
		require.NoError(t, err)
		assert.Same(t, ed, same)
		assert.Empty(t, e.sql())
		assert.Equal(t, session.Pending, session.StateOf(fred))
		jack, err := session.Get[User](e.ctx, s, 1)
		require.NoError(t, err)
		assert.Equal(t, []string{insert, selectByID}, e.sql())
		assert.Equal(t, session.Persistent, session.StateOf(fred))
		assert.Equal(t, "jack", jack.Name)

		// Refresh flushes too.
		e.reset()
		gus := &User{Name: "gus"}
		require.NoError(t, s.Add(gus))
		require.NoError(t, s.Refresh(e.ctx, jack))
		assert.Equal(t, []string{insert, selectByID}, e.sql())
		assert.Equal(t, session.Persistent, session.StateOf(gus))

		// In a NoAutoflush scope the query (and Get) see the database as of the
		// last flush.
		e.reset()
		zed := &User{Name: "zed"}
		require.NoError(t, s.Add(zed))
		err = s.NoAutoflush(func() error {
			got, err := session.Query[User](s).Where(Users.Name.Eq("zed")).All(e.ctx)
			require.NoError(t, err)
			assert.Empty(t, got)
			_, err = session.Get[User](e.ctx, s, 999)
			assert.ErrorIs(t, err, session.ErrNotFound)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, []string{selectByName, selectByID}, e.sql())
		assert.Equal(t, session.Pending, session.StateOf(zed))
		// Out of the scope, autoflush is back.
		e.reset()
		got, err = session.Query[User](s).Where(Users.Name.Eq("zed")).All(e.ctx)
		require.NoError(t, err)
		assert.Equal(t, []string{insert, selectByName}, e.sql())
		if assert.Len(t, got, 1) {
			assert.Same(t, zed, got[0])
		}

		// An error of an autoflush says where it came from.
		e.reset()
		dup := &User{ID: 1, Name: "dup"}
		require.NoError(t, s.Add(dup))
		_, err = session.Query[User](s).Where(Users.Name.Eq("dup")).All(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, ore.ErrUniqueViolation)
		assert.ErrorContains(t, err, "autoflush")
		assert.Equal(t, []string{"INSERT INTO users (id, name) VALUES (?, ?)"}, e.sql())
		require.NoError(t, s.Rollback(e.ctx))
		assert.Equal(t, []flushUserRow{{1, "jack"}}, flushUsers(t, e, e.db), "nothing of the rolled back transaction is left")

		// Options.NoAutoflush turns it off for the session; Commit flushes
		// all the same.
		e.reset()
		s2 := e.session(session.Options{NoAutoflush: true})
		vic := &User{Name: "vic"}
		require.NoError(t, s2.Add(vic))
		got, err = session.Query[User](s2).Where(Users.Name.Eq("vic")).All(e.ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
		assert.Equal(t, []string{selectByName}, e.sql())
		assert.Equal(t, session.Pending, session.StateOf(vic))
		e.reset()
		require.NoError(t, s2.Commit(e.ctx))
		assert.Equal(t, []string{insert}, e.sql())
		assert.Equal(t, session.Persistent, session.StateOf(vic))
		assert.Equal(t, []flushUserRow{{1, "jack"}, {vic.ID, "vic"}}, flushUsers(t, e, e.db))
	})
}

func TestUOW19_FailedFlushLeavesObjectsAsBefore(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.seedUsers("ed", "jack")
		s := e.session()
		jack, err := session.Get[User](e.ctx, s, 2)
		require.NoError(t, err)
		e.reset()

		// A changed object, a new row with a generated key, a new row whose
		// key exists (the failing statement), and a new row in another table.
		jack.Name = "jacky"
		a := &User{Name: "new"}
		dup := &User{ID: 1, Name: "dup"}
		tg := &Tag{Name: "t", Note: "n"}
		require.NoError(t, s.AddAll(a, dup, tg))
		err = s.Flush(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, ore.ErrUniqueViolation)

		// The statements before the failing one did run (and the order of
		// the two unrelated tables is ore's to choose): the failing one is
		// the last.
		stmts := e.sql()
		assert.ElementsMatch(t, []string{
			"INSERT INTO tags (name, note) VALUES (?, ?)",
			"UPDATE users SET name = ? WHERE users.id = ?",
			"INSERT INTO users (name) VALUES (?) RETURNING id",
			"INSERT INTO users (id, name) VALUES (?, ?)",
		}, stmts)
		if assert.NotEmpty(t, stmts) {
			assert.Equal(t, "INSERT INTO users (id, name) VALUES (?, ?)", stmts[len(stmts)-1])
		}

		// Every object as before the flush: the generated key that came back
		// is not kept, nothing became persistent, the change is still to be
		// written.
		assert.Zero(t, a.ID)
		for _, obj := range []any{a, dup, tg} {
			assert.Equal(t, session.Pending, session.StateOf(obj))
			assert.Nil(t, session.Inspect(obj).Key)
		}
		assert.Equal(t, []any{a, dup, tg}, s.New())
		assert.Nil(t, session.Lookup[Tag](s, "t"))
		assert.Equal(t, session.Persistent, session.StateOf(jack))
		assert.Equal(t, "jacky", jack.Name)
		assert.Equal(t, []string{"Name"}, session.Inspect(jack).Modified)
		assert.Equal(t, []any{jack}, s.Dirty())

		// The session refuses work until Rollback, sending nothing.
		e.reset()
		assert.ErrorIs(t, s.Flush(e.ctx), session.ErrPendingRollback)
		_, err = session.Query[User](s).All(e.ctx)
		assert.ErrorIs(t, err, session.ErrPendingRollback)
		assert.ErrorIs(t, s.Commit(e.ctx), session.ErrPendingRollback)
		assert.Empty(t, e.sql())

		require.NoError(t, s.Rollback(e.ctx))
		for _, obj := range []any{a, dup, tg} {
			assert.Equal(t, session.Transient, session.StateOf(obj))
		}
		require.NoError(t, s.Load(e.ctx, jack))
		assert.Equal(t, "jack", jack.Name)
		assert.Equal(t, []flushUserRow{{1, "ed"}, {2, "jack"}}, flushUsers(t, e, flushTx(t, e, s)))
		assert.Empty(t, flushTags(t, e, flushTx(t, e, s)))

		// Usable again: the same objects without the duplicate go in.
		require.NoError(t, s.AddAll(a, tg))
		require.NoError(t, s.Commit(e.ctx))
		assert.NotZero(t, a.ID)
		assert.Equal(t, []flushUserRow{{1, "ed"}, {2, "jack"}, {a.ID, "new"}}, flushUsers(t, e, e.db))
		assert.Equal(t, []flushTagRow{{"t", "n"}}, flushTags(t, e, e.db))
	})
}

func TestUOW20_CommitFlushesUntilClean(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		insert := "INSERT INTO users (name) VALUES (?) RETURNING id"
		// listener adds a user after each of the first budget flushes (after
		// every flush if budget < 0).
		listener := func(flushes *int, budget int) session.Listener {
			return session.Listener{AfterFlushPostexec: func(_ context.Context, s *session.Session) {
				*flushes++
				if budget < 0 || *flushes <= budget {
					require.NoError(t, s.Add(&User{Name: fmt.Sprintf("u%d", *flushes)}))
				}
			}}
		}

		// Work added after a flush is flushed by the same Commit.
		var flushes int
		s := e.session(session.Options{Listeners: []session.Listener{listener(&flushes, 2)}})
		require.NoError(t, s.Add(&User{Name: "u0"}))
		require.NoError(t, s.Commit(e.ctx))
		assert.Equal(t, 3, flushes)
		assert.Equal(t, flushRepeat(insert, 3), e.sql())
		assert.Equal(t, []flushUserRow{{1, "u0"}, {2, "u1"}, {3, "u2"}}, flushUsers(t, e, e.db))

		// A listener that always adds more: Commit gives up after 100
		// flushes, and commits nothing.
		e.reset()
		flushes = 0
		s2 := e.session(session.Options{Listeners: []session.Listener{listener(&flushes, -1)}})
		require.NoError(t, s2.Add(&User{Name: "v0"}))
		err := s2.Commit(e.ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, session.ErrFlush)
		assert.ErrorContains(t, err, "100")
		assert.Equal(t, 100, flushes)
		assert.Equal(t, flushRepeat(insert, 100), e.sql())
		require.NoError(t, s2.Rollback(e.ctx))
		assert.Len(t, flushUsers(t, e, e.db), 3)
	})
}
