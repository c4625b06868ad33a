package ore_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/testdb"
	"github.com/ore-go/ore/pool"
)

// engEvents records what a Listener receives, in order.
type engEvents struct {
	mu     sync.Mutex
	names  []string
	execs  []ore.ExecEvent // AfterExecute events
	before []ore.ExecEvent // BeforeExecute events, as they were then
	txs    []engTxEvent
	conns  map[string][]ore.ConnEvent
}

type engTxEvent struct {
	kind string
	e    ore.TxEvent
}

func (r *engEvents) add(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, name)
}

func (r *engEvents) conn(kind string, e *ore.ConnEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, kind)
	if r.conns == nil {
		r.conns = make(map[string][]ore.ConnEvent)
	}
	r.conns[kind] = append(r.conns[kind], *e)
}

func (r *engEvents) tx(kind string, e *ore.TxEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, kind)
	r.txs = append(r.txs, engTxEvent{kind, *e})
}

func (r *engEvents) listener() ore.Listener {
	return ore.Listener{
		BeforeExecute: func(_ context.Context, e *ore.ExecEvent) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.names = append(r.names, "before")
			r.before = append(r.before, *e)
		},
		AfterExecute: func(_ context.Context, e *ore.ExecEvent) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.names = append(r.names, "after")
			r.execs = append(r.execs, *e)
		},
		HandleError: func(_ context.Context, e *ore.ExecEvent) error {
			r.add("handle")
			return nil
		},
		Begin:    func(_ context.Context, e *ore.TxEvent) { r.tx("begin", e) },
		Commit:   func(_ context.Context, e *ore.TxEvent) { r.tx("commit", e) },
		Rollback: func(_ context.Context, e *ore.TxEvent) { r.tx("rollback", e) },
		Connect:  func(_ context.Context, e *ore.ConnEvent) { r.conn("connect", e) },
		Checkout: func(_ context.Context, e *ore.ConnEvent) { r.conn("checkout", e) },
		Checkin:  func(e *ore.ConnEvent) { r.conn("checkin", e) },
		Close:    func(e *ore.ConnEvent) { r.conn("close", e) },
	}
}

// reset forgets what was recorded.
func (r *engEvents) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names, r.execs, r.before, r.txs, r.conns = nil, nil, nil, nil, nil
}

func (r *engEvents) snapshot() (names []string, execs []ore.ExecEvent, txs []engTxEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.names...), append([]ore.ExecEvent(nil), r.execs...), append([]engTxEvent(nil), r.txs...)
}

func (r *engEvents) count(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns[kind])
}

func TestEngineEventsExecute(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConns: 1}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		rec := &engEvents{}
		db.Listen(rec.listener())

		// Exec: SQL and args as compiled, duration, rows affected.
		upd := ore.Update(Users).Set(Users.Active.To(false)).Where(Users.Age.Lt(30))
		compiled, err := db.Compile(upd)
		require.NoError(t, err)
		_, err = db.Exec(ctx, upd)
		require.NoError(t, err)
		names, execs, _ := rec.snapshot()
		assert.Equal(t, []string{"checkout", "before", "after", "checkin"}, names)
		require.Len(t, execs, 1)
		e := execs[0]
		assert.Equal(t, compiled.SQL, e.SQL)
		assert.Equal(t, []any{false, int32(30)}, e.Args)
		assert.Positive(t, e.Duration)
		assert.False(t, e.Start.IsZero())
		assert.Equal(t, int64(2), e.RowsAffected, "bob and dee")
		assert.NoError(t, e.Err)
		assert.False(t, e.InTx)
		require.Len(t, rec.before, 1)
		assert.Equal(t, compiled.SQL, rec.before[0].SQL)
		assert.Zero(t, rec.before[0].Duration, "not known before")
		assert.Zero(t, rec.before[0].RowsAffected)

		// A query reports when its rows are closed, with the rows it
		// returned.
		rec.reset()
		rows, err := db.Query(ctx, ore.Select1(Users.Name).From(Users))
		require.NoError(t, err)
		names, _, _ = rec.snapshot()
		assert.Equal(t, []string{"checkout", "before"}, names, "nothing after, while the rows are open")
		for rows.Next() {
		}
		require.NoError(t, rows.Err())
		names, execs, _ = rec.snapshot()
		assert.Equal(t, []string{"checkout", "before", "after", "checkin"}, names)
		require.Len(t, execs, 1)
		assert.Equal(t, int64(4), execs[0].RowsAffected)
		assert.Positive(t, execs[0].Duration)

		rec.reset()
		got, err := ore.All(ctx, db, ore.Select1(Users.Name).From(Users).Where(Users.Age.Gt(30)))
		require.NoError(t, err)
		require.Len(t, got, 2)
		_, execs, _ = rec.snapshot()
		require.Len(t, execs, 1)
		assert.Equal(t, int64(2), execs[0].RowsAffected)

		// INSERT ... RETURNING through a query.
		rec.reset()
		_, err = ore.Scalar(ctx, db, ore.Into[int64](ore.Insert(Tags).Values(Tags.Name.To("ev")).Returning(Tags.ID)))
		require.NoError(t, err)
		_, execs, _ = rec.snapshot()
		require.Len(t, execs, 1)
		assert.Equal(t, int64(1), execs[0].RowsAffected)
		assert.Equal(t, []any{"ev"}, execs[0].Args)

		// Named parameters appear as their bound values.
		rec.reset()
		who := ore.Param[int64]("who")
		_, err = ore.One(ctx, db, ore.Select1(Users.Name).From(Users).Where(Users.ID.EqExpr(who)), who.Bind(3))
		require.NoError(t, err)
		_, execs, _ = rec.snapshot()
		require.Len(t, execs, 1)
		assert.Equal(t, []any{int64(3)}, execs[0].Args)

		// InTx.
		rec.reset()
		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		_, err = tx.Exec(ctx, ore.Delete(PostTags).Where(PostTags.PostID.Eq(1)))
		require.NoError(t, err)
		_, err = ore.All(ctx, tx, ore.Select1(PostTags.TagID).From(PostTags))
		require.NoError(t, err)
		require.NoError(t, tx.Rollback(ctx))
		_, execs, _ = rec.snapshot()
		require.Len(t, execs, 2)
		assert.True(t, execs[0].InTx)
		assert.Equal(t, int64(2), execs[0].RowsAffected)
		assert.True(t, execs[1].InTx)
		assert.Equal(t, int64(3), execs[1].RowsAffected)

		// Errors.
		rec.reset()
		_, err = db.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go")))
		require.ErrorIs(t, err, ore.ErrUniqueViolation)
		names, execs, _ = rec.snapshot()
		assert.Equal(t, []string{"checkout", "before", "handle", "after", "checkin"}, names)
		require.Len(t, execs, 1)
		assert.ErrorIs(t, execs[0].Err, ore.ErrUniqueViolation)
		assert.Positive(t, execs[0].Duration)

		// An error while reading rows reaches the listeners when the rows
		// end.
		rec.reset()
		_, err = ore.All(ctx, db, ore.SQL[int64](`WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 3)
			SELECT CASE WHEN x = 3 THEN abs(x - 3 - 9223372036854775807 - 1) ELSE x END FROM s`))
		require.Error(t, err)
		names, execs, _ = rec.snapshot()
		assert.Equal(t, []string{"checkout", "before", "handle", "after", "checkin"}, names)
		require.Len(t, execs, 1)
		assert.Error(t, execs[0].Err)

		// A statement that fails to start.
		rec.reset()
		_, err = ore.All(ctx, db, ore.SQL[int64](`SELECT nope`))
		require.Error(t, err)
		names, _, _ = rec.snapshot()
		assert.Equal(t, []string{"checkout", "before", "handle", "after", "checkin"}, names)

		// A statement that does not compile never reaches the database.
		rec.reset()
		_, err = db.Exec(ctx, ore.Delete(Tags).Where(Tags.ID.In()))
		require.Error(t, err)
		names, _, _ = rec.snapshot()
		assert.Empty(t, names)
	})
}

func TestEngineEventsHandleError(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		errDuplicate := errors.New("that tag exists")
		var seen []error
		var after []error
		db.Listen(ore.Listener{
			HandleError: func(_ context.Context, e *ore.ExecEvent) error {
				seen = append(seen, e.Err)
				if errors.Is(e.Err, ore.ErrUniqueViolation) {
					return errDuplicate
				}
				return nil
			},
		})
		// A second handler sees the first one's replacement.
		var chained []error
		db.Listen(ore.Listener{
			HandleError: func(_ context.Context, e *ore.ExecEvent) error {
				chained = append(chained, e.Err)
				return nil
			},
			AfterExecute: func(_ context.Context, e *ore.ExecEvent) { after = append(after, e.Err) },
		})

		_, err := db.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go")))
		require.Error(t, err)
		assert.ErrorIs(t, err, errDuplicate)
		assert.NotErrorIs(t, err, ore.ErrUniqueViolation, "the replacement is reported instead")
		assert.Contains(t, err.Error(), "ore: insert into tags: that tag exists")
		require.Len(t, seen, 1)
		assert.ErrorIs(t, seen[0], ore.ErrUniqueViolation)
		assert.Equal(t, []error{errDuplicate}, chained)
		assert.Equal(t, []error{errDuplicate}, after)

		// Nil keeps the original error.
		_, err = db.Exec(ctx, ore.Insert(Posts).Values(Posts.UserID.To(99), Posts.Title.To("x")))
		assert.ErrorIs(t, err, ore.ErrForeignKeyViolation)
		require.Len(t, seen, 2)

		// Queries too, and not on success.
		_, err = ore.One(ctx, db, ore.Into[int64](ore.Insert(Tags).Values(Tags.Name.To("sql")).Returning(Tags.ID)))
		assert.ErrorIs(t, err, errDuplicate)
		_, err = ore.All(ctx, db, ore.Select1(Tags.Name).From(Tags))
		require.NoError(t, err)
		assert.Len(t, seen, 3)
	})
}

func TestEngineEventsTx(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		rec := &engEvents{}
		db.Listen(rec.listener())

		opts := ore.TxOptions{Isolation: ore.LevelSerializable}
		tx, err := db.Begin(ctx, opts)
		require.NoError(t, err)
		sp1, err := tx.Begin(ctx)
		require.NoError(t, err)
		sp2, err := sp1.Begin(ctx)
		require.NoError(t, err)
		require.NoError(t, sp2.Rollback(ctx))
		require.NoError(t, sp1.Commit(ctx))
		sp3, err := tx.Begin(ctx)
		require.NoError(t, err)
		require.NoError(t, sp3.Commit(ctx))
		require.NoError(t, tx.Commit(ctx))

		tx, err = db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		require.NoError(t, tx.Rollback(ctx))

		_, _, txs := rec.snapshot()
		type ev struct{ kind, savepoint string }
		var got []ev
		for _, e := range txs {
			got = append(got, ev{e.kind, e.e.Savepoint})
			assert.NoError(t, e.e.Err)
		}
		assert.Equal(t, []ev{
			{"begin", ""},
			{"begin", "ore_savepoint_1"},
			{"begin", "ore_savepoint_2"},
			{"rollback", "ore_savepoint_2"},
			{"commit", "ore_savepoint_1"},
			{"begin", "ore_savepoint_3"},
			{"commit", "ore_savepoint_3"},
			{"commit", ""},
			{"begin", ""},
			{"rollback", ""},
		}, got)
		assert.Equal(t, opts, txs[0].e.Options)
		assert.Equal(t, opts, txs[1].e.Options, "a savepoint carries its transaction's options")
		assert.Equal(t, ore.TxOptions{}, txs[8].e.Options)
		names, _, _ := rec.snapshot()
		assert.Less(t, indexOf(names, "checkout"), indexOf(names, "begin"))
	})

	t.Run("begin fails", func(t *testing.T) {
		testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
			rec := &engEvents{}
			db.Listen(rec.listener())
			c, err := db.Conn(t.Context())
			require.NoError(t, err)
			defer c.Close()
			cancelled, cancel := context.WithCancel(t.Context())
			cancel()
			_, err = c.Begin(cancelled, ore.TxOptions{})
			require.ErrorIs(t, err, context.Canceled)
			assert.Contains(t, err.Error(), "ore: begin: ")
			_, _, txs := rec.snapshot()
			require.Len(t, txs, 1)
			assert.Equal(t, "begin", txs[0].kind)
			assert.ErrorIs(t, txs[0].e.Err, context.Canceled)
			// The connection is not left in a transaction.
			tx, err := c.Begin(t.Context(), ore.TxOptions{})
			require.NoError(t, err)
			require.NoError(t, tx.Commit(t.Context()))
		})
	})

	t.Run("postgres failures", func(t *testing.T) {
		db := testdb.OpenPG(t, ore.Options{})
		ctx := t.Context()
		loadFixture(t, db)
		rec := &engEvents{}
		db.Listen(rec.listener())
		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go")))
		require.Error(t, err)
		// The transaction is aborted: a savepoint cannot begin, and commit
		// rolls back.
		_, err = tx.Begin(ctx)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ore: savepoint ore_savepoint_1: ")
		require.Error(t, tx.Commit(ctx))
		_, _, txs := rec.snapshot()
		require.Len(t, txs, 3)
		assert.Equal(t, "begin", txs[1].kind)
		assert.Equal(t, "ore_savepoint_1", txs[1].e.Savepoint)
		assert.Error(t, txs[1].e.Err)
		assert.Equal(t, "commit", txs[2].kind)
		assert.ErrorIs(t, txs[2].e.Err, postgres.ErrCommitRolledBack)
	})
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestEngineEventsPool(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConns: 2}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		rec := &engEvents{}
		db.Listen(rec.listener())

		c1, err := db.Conn(ctx)
		require.NoError(t, err)
		c2, err := db.Conn(ctx)
		require.NoError(t, err)
		assert.Equal(t, 2, rec.count("connect"), "one per new connection")
		assert.Equal(t, 2, rec.count("checkout"))
		assert.Equal(t, 0, rec.count("checkin"))
		require.NoError(t, c1.Close())
		require.NoError(t, c2.Close())
		assert.Equal(t, 2, rec.count("checkin"))

		for range 3 {
			_, err := db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
			require.NoError(t, err)
		}
		assert.Equal(t, 2, rec.count("connect"), "idle connections are reused")
		assert.Equal(t, 5, rec.count("checkout"))
		assert.Equal(t, 5, rec.count("checkin"))

		rec.mu.Lock()
		conns := rec.conns
		rec.mu.Unlock()
		for _, e := range conns["connect"] {
			require.NotNil(t, e.Conn)
			switch db.Dialect().Name() {
			case "postgres":
				assert.IsType(t, &postgres.Conn{}, e.Conn)
			case "sqlite":
				assert.IsType(t, &sqlite.Conn{}, e.Conn)
			}
		}
		// The same connection is seen at connect, checkout and checkin.
		assert.Contains(t, []dialect.Conn{conns["connect"][0].Conn, conns["connect"][1].Conn}, conns["checkin"][4].Conn)

		// Closing the DB closes every connection.
		require.NoError(t, db.Close())
		assert.Eventually(t, func() bool { return rec.count("close") == 2 }, 5*time.Second, 10*time.Millisecond)
		_, err = db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		assert.ErrorIs(t, err, ore.ErrClosed)
	})
}

func TestEngineEventsLifetime(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConnLifetime: 50 * time.Millisecond, HealthCheckPeriod: -1}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		rec := &engEvents{}
		db.Listen(rec.listener())
		_, err := db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		require.NoError(t, err)
		time.Sleep(80 * time.Millisecond)
		// The idle connection is past its lifetime: the next checkout
		// closes it and opens another.
		_, err = db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		require.NoError(t, err)
		assert.Equal(t, 2, rec.count("connect"))
		assert.Eventually(t, func() bool { return rec.count("close") == 1 }, 5*time.Second, 10*time.Millisecond)
		assert.Equal(t, int64(1), db.Stats().Pool.Destroyed(pool.ReasonLifetime))
		rec.mu.Lock()
		assert.Same(t, rec.conns["connect"][0].Conn, rec.conns["close"][0].Conn, "the first connection was closed")
		rec.mu.Unlock()
		require.NoError(t, db.Close())
		assert.Eventually(t, func() bool { return rec.count("close") == 2 }, 5*time.Second, 10*time.Millisecond)
	})
}

func TestEngineEventsCloseReason(t *testing.T) {
	// ConnEvent.Reason says why the pool closed a connection.
	testdb.ForEachDB(t, ore.Options{MaxConnLifetime: 50 * time.Millisecond, HealthCheckPeriod: -1}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		var mu sync.Mutex
		var reasons []string
		db.Listen(ore.Listener{
			Close: func(e *ore.ConnEvent) { mu.Lock(); reasons = append(reasons, e.Reason); mu.Unlock() },
		})
		_, err := db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		require.NoError(t, err)
		time.Sleep(80 * time.Millisecond)
		_, err = db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		require.NoError(t, err)
		require.NoError(t, db.Close())
		mu.Lock()
		defer mu.Unlock()
		assert.ElementsMatch(t, []string{pool.ReasonLifetime.String(), pool.ReasonPoolClosed.String()}, reasons)
	})
}

func TestEngineEventsListen(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		var a, b int
		removeA := db.Listen(ore.Listener{AfterExecute: func(context.Context, *ore.ExecEvent) { a++ }})
		db.Listen(ore.Listener{AfterExecute: func(context.Context, *ore.ExecEvent) { b++ }})
		run := func() {
			_, err := db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
			require.NoError(t, err)
		}
		run()
		assert.Equal(t, 1, a)
		assert.Equal(t, 1, b)
		removeA()
		removeA() // harmless
		run()
		assert.Equal(t, 1, a, "removed")
		assert.Equal(t, 2, b, "the other listener stays")
	})

	t.Run("Options.Listeners", func(t *testing.T) {
		// Listeners given at Open see the warm-up connections, which open
		// before Open's caller could call Listen.
		connected := make(chan dialect.Conn, 4)
		var execs int
		var mu sync.Mutex
		db := testdb.OpenSQLite(t, ore.Options{
			MinIdleConns: 1,
			Listeners: []ore.Listener{
				{Connect: func(_ context.Context, e *ore.ConnEvent) { connected <- e.Conn }},
				{AfterExecute: func(context.Context, *ore.ExecEvent) { mu.Lock(); execs++; mu.Unlock() }},
			},
		})
		select {
		case c := <-connected:
			assert.NotNil(t, c)
		case <-time.After(5 * time.Second):
			t.Fatal("no Connect event for the warm-up connection")
		}
		_, err := db.Exec(t.Context(), ore.SQL[struct{}](`SELECT 1`))
		require.NoError(t, err)
		mu.Lock()
		assert.Equal(t, 1, execs)
		mu.Unlock()
	})
}

// ----------------------------------------------------------------------------
// Echo

// engLog is a slog.Handler that keeps the records it handles.
type engLog struct {
	mu   sync.Mutex
	recs []engLogRecord
}

type engLogRecord struct {
	level slog.Level
	msg   string
	attrs map[string]any
}

func (h *engLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *engLog) Handle(_ context.Context, r slog.Record) error {
	attrs := make(map[string]any)
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.Any()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, engLogRecord{r.Level, r.Message, attrs})
	return nil
}

func (h *engLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *engLog) WithGroup(string) slog.Handler      { return h }

func (h *engLog) records() []engLogRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]engLogRecord(nil), h.recs...)
}

func TestEngineEventsEcho(t *testing.T) {
	log := &engLog{}
	testdb.ForEachDB(t, ore.Options{Echo: slog.New(log)}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		log.mu.Lock()
		log.recs = nil
		log.mu.Unlock()

		email := "eve@example.com"
		ins := ore.Insert(Users).Values(Users.Name.To("eve"), Users.Email.To(&email), Users.ManagerID.To(nil))
		compiled, err := db.Compile(ins)
		require.NoError(t, err)
		_, err = db.Exec(ctx, ins)
		require.NoError(t, err)
		_, err = db.Exec(ctx, ins)
		require.ErrorIs(t, err, ore.ErrUniqueViolation)
		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		sp, err := tx.Begin(ctx)
		require.NoError(t, err)
		require.NoError(t, sp.Rollback(ctx))
		require.NoError(t, tx.Commit(ctx))

		recs := log.records()
		require.Len(t, recs, 6)
		ok, failed := recs[0], recs[1]
		assert.Equal(t, slog.LevelInfo, ok.level)
		assert.Equal(t, "ore: sql", ok.msg)
		assert.Equal(t, compiled.SQL, ok.attrs["sql"])
		// Pointers are shown as what they point to.
		assert.Equal(t, []any{"eve", "eve@example.com", nil}, ok.attrs["args"])
		assert.Equal(t, int64(1), ok.attrs["rows"])
		assert.Positive(t, ok.attrs["duration"])
		assert.NotContains(t, ok.attrs, "error")

		assert.Equal(t, slog.LevelError, failed.level)
		assert.Equal(t, compiled.SQL, failed.attrs["sql"])
		assert.Contains(t, failed.attrs["error"], "unique violation")

		var txLog []string
		for _, r := range recs[2:] {
			assert.Equal(t, slog.LevelInfo, r.level)
			txLog = append(txLog, r.msg+" "+r.attrs["savepoint"].(string))
		}
		assert.Equal(t, []string{"ore: begin ", "ore: begin ore_savepoint_1", "ore: rollback ore_savepoint_1", "ore: commit "}, txLog)
	})

	t.Run("failed commit", func(t *testing.T) {
		log := &engLog{}
		db := testdb.OpenPG(t, ore.Options{Echo: slog.New(log)})
		ctx := t.Context()
		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		_, err = tx.Exec(ctx, ore.SQL[struct{}](`SELECT nope`))
		require.Error(t, err)
		require.Error(t, tx.Commit(ctx))
		recs := log.records()
		require.Len(t, recs, 3)
		assert.Equal(t, "ore: begin", recs[0].msg)
		assert.Equal(t, slog.LevelError, recs[1].level)
		assert.Equal(t, "SELECT nope", recs[1].attrs["sql"])
		assert.Equal(t, "ore: commit", recs[2].msg)
		assert.Equal(t, slog.LevelError, recs[2].level)
		assert.Contains(t, recs[2].attrs["error"], "rolled back")
	})
}
