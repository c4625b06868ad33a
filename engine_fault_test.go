package ore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/dialect/sqlite"
	"github.com/ore-go/ore/internal/testdb"
	"github.com/ore-go/ore/pool"
)

// engPIDs records the server process ids of a PostgreSQL DB's connections
// as the pool opens, hands out and closes them.
type engPIDs struct {
	mu                      sync.Mutex
	connect, checkout, clos []uint32
}

func engPID(e *ore.ConnEvent) uint32 { return e.Conn.(*postgres.Conn).PgxConn().PgConn().PID() }

func (p *engPIDs) listener() ore.Listener {
	rec := func(list *[]uint32, e *ore.ConnEvent) {
		pid := engPID(e)
		p.mu.Lock()
		*list = append(*list, pid)
		p.mu.Unlock()
	}
	return ore.Listener{
		Connect:  func(_ context.Context, e *ore.ConnEvent) { rec(&p.connect, e) },
		Checkout: func(_ context.Context, e *ore.ConnEvent) { rec(&p.checkout, e) },
		Close:    func(e *ore.ConnEvent) { rec(&p.clos, e) },
	}
}

func (p *engPIDs) get() (connect, checkout, clos []uint32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.connect), slices.Clone(p.checkout), slices.Clone(p.clos)
}

// engTerminate ends the server process pid from another connection and
// waits until it is gone.
func engTerminate(t *testing.T, pid uint32) {
	t.Helper()
	admin, err := pgx.Connect(t.Context(), testdb.PGDSN())
	require.NoError(t, err)
	defer admin.Close(context.Background())
	var ok bool
	require.NoError(t, admin.QueryRow(t.Context(), `SELECT pg_terminate_backend($1, 5000)`, int32(pid)).Scan(&ok))
	require.True(t, ok, "backend %d terminated", pid)
}

func engBackendPID(t *testing.T, q ore.Querier) uint32 {
	t.Helper()
	pid, err := ore.Scalar(t.Context(), q, ore.SQL[int64](`SELECT pg_backend_pid()`))
	require.NoError(t, err)
	return uint32(pid)
}

func TestEngineFaultIdleBackendTerminated(t *testing.T) {
	t.Run("pre-ping replaces it", func(t *testing.T) {
		db := testdb.OpenPG(t, ore.Options{MaxConns: 1, PingAfterIdle: time.Millisecond, HealthCheckPeriod: -1})
		pids := &engPIDs{}
		db.Listen(pids.listener())
		first := engBackendPID(t, db)
		connect, _, _ := pids.get()
		require.Equal(t, []uint32{first}, connect)

		engTerminate(t, first)
		time.Sleep(10 * time.Millisecond) // idle longer than PingAfterIdle

		second := engBackendPID(t, db)
		assert.NotEqual(t, first, second, "a fresh connection")
		connect, _, clos := pids.get()
		assert.Equal(t, []uint32{first, second}, connect)
		assert.Equal(t, []uint32{first}, clos)
		st := db.Stats().Pool
		assert.Equal(t, int64(1), st.Destroyed(pool.ReasonPingFailed))
		assert.Equal(t, int32(0), st.Acquired())
	})

	t.Run("without pre-ping the disconnect is reported once", func(t *testing.T) {
		db := testdb.OpenPG(t, ore.Options{MaxConns: 2, PingAfterIdle: -1, HealthCheckPeriod: -1})
		first := engBackendPID(t, db)
		engTerminate(t, first)

		_, err := ore.Scalar(t.Context(), db, ore.SQL[int64](`SELECT 1`))
		require.Error(t, err)
		assert.ErrorIs(t, err, ore.ErrDisconnect)
		// The dead connection is not reused.
		second := engBackendPID(t, db)
		assert.NotEqual(t, first, second)
		// The pool destroys a connection on a goroutine of its own: the
		// counts change once that has run.
		assert.Eventually(t, func() bool {
			st := db.Stats().Pool
			return st.Acquired() == 0 && st.Destroyed(pool.ReasonInvalidated)+st.Destroyed(pool.ReasonNotReusable) > 0
		}, 10*time.Second, time.Millisecond, "the dead connection is released and destroyed")
	})
}

func TestEngineFaultBackendTerminatedInTx(t *testing.T) {
	db := testdb.OpenPG(t, ore.Options{MaxConns: 2, HealthCheckPeriod: -1})
	ctx := t.Context()
	loadFixture(t, db)
	pids := &engPIDs{}
	db.Listen(pids.listener())

	tx, err := db.Begin(ctx, ore.TxOptions{})
	require.NoError(t, err)
	victim := engBackendPID(t, tx)
	engAddTag(t, tx, "lost")
	engTerminate(t, victim)

	_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("after")))
	require.Error(t, err)
	assert.ErrorIs(t, err, ore.ErrDisconnect)
	assert.Contains(t, err.Error(), "ore: insert into tags: disconnect")
	_ = tx.Rollback(ctx) // the server already rolled back; this only releases
	assert.ErrorIs(t, tx.Commit(ctx), ore.ErrTxDone)
	// Acquired counts the connection until the pool has closed it.
	assert.Eventually(t, func() bool { return db.Stats().Pool.Acquired() == 0 }, 5*time.Second, 10*time.Millisecond)

	// The dead connection never comes back out of the pool.
	for range 5 {
		assert.NotEqual(t, victim, engBackendPID(t, db))
	}
	assert.Equal(t, []string{"go", "news", "sql"}, engTags(t, db), "the transaction's work is gone")
	_, checkout, clos := pids.get()
	assert.Equal(t, 1, countOf(checkout, victim), "checked out once, by Begin")
	assert.Eventually(t, func() bool {
		_, _, clos = pids.get()
		return slices.Contains(clos, victim)
	}, 5*time.Second, 10*time.Millisecond, "closed by the pool")
	st := db.Stats().Pool
	assert.Positive(t, st.Destroyed(pool.ReasonInvalidated)+st.Destroyed(pool.ReasonNotReusable))
	assert.LessOrEqual(t, st.Total(), int32(2))
}

func countOf[T comparable](s []T, v T) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// engSlowQuery is a query that runs for seconds on db's database.
func engSlowQuery(db *ore.DB) ore.RawQuery[int64] {
	if db.Dialect().Name() == "postgres" {
		return ore.SQL[int64](`SELECT 1 FROM pg_sleep(10)`)
	}
	return ore.SQL[int64](`WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 1000000000) SELECT count(*) FROM s`)
}

func TestEngineFaultCancel(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConns: 2}, func(t *testing.T, db *ore.DB) {
		slow := engSlowQuery(db)
		healthy := func(t *testing.T) {
			t.Helper()
			assert.Equal(t, int32(0), db.Stats().Pool.Acquired(), "nothing left acquired")
			n, err := ore.Scalar(t.Context(), db, ore.SQL[int64](`SELECT 41 + 1`))
			require.NoError(t, err)
			assert.Equal(t, int64(42), n)
			assert.Equal(t, int64(0), db.Stats().Pool.DestroyedTotal(), "the connection was kept")
		}

		t.Run("cancel", func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			_, err := ore.Scalar(ctx, db, slow)
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.Less(t, elapsed, 5*time.Second)
			assert.ErrorIs(t, err, context.Canceled)
			assert.ErrorIs(t, err, ore.ErrQueryCanceled)
			healthy(t)
		})

		t.Run("cancel Exec", func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			_, err := db.Exec(ctx, slow)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.ErrorIs(t, err, context.Canceled)
			assert.ErrorIs(t, err, ore.ErrQueryCanceled)
			healthy(t)
		})

		t.Run("deadline", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := ore.All(ctx, db, slow)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.ErrorIs(t, err, ore.ErrQueryCanceled)
			healthy(t)
		})

		t.Run("deadline in a transaction", func(t *testing.T) {
			tx, err := db.Begin(t.Context(), ore.TxOptions{})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			_, err = ore.Scalar(ctx, tx, slow)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			// Rollback runs whatever the context.
			require.NoError(t, tx.Rollback(ctx))
			healthy(t)
		})
	})
}

func TestEngineFaultPoolExhausted(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConns: 2, AcquireTimeout: 200 * time.Millisecond}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		c1, err := db.Conn(ctx)
		require.NoError(t, err)
		c2, err := db.Conn(ctx)
		require.NoError(t, err)

		start := time.Now()
		_, err = db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		elapsed := time.Since(start)
		require.Error(t, err)
		assert.ErrorIs(t, err, pool.ErrAcquireTimeout)
		assert.Contains(t, err.Error(), "200ms")
		assert.Contains(t, err.Error(), "max size 2")
		assert.GreaterOrEqual(t, elapsed, 190*time.Millisecond)
		assert.Less(t, elapsed, 3*time.Second)

		_, err = db.Begin(ctx, ore.TxOptions{})
		assert.ErrorIs(t, err, pool.ErrAcquireTimeout)
		_, err = db.Conn(ctx)
		assert.ErrorIs(t, err, pool.ErrAcquireTimeout)

		// A shorter context wins over AcquireTimeout.
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, err = db.Exec(short, ore.SQL[struct{}](`SELECT 1`))
		assert.ErrorIs(t, err, context.DeadlineExceeded)

		// A waiter gets the first connection given back.
		done := make(chan error, 1)
		go func() {
			_, err := db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
			done <- err
		}()
		time.Sleep(30 * time.Millisecond)
		require.NoError(t, c1.Close())
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("the waiter did not get the released connection")
		}
		require.NoError(t, c2.Close())
		assert.Equal(t, int32(0), db.Stats().Pool.Acquired())
		assert.LessOrEqual(t, db.Stats().Pool.Total(), int32(2))
	})
}

func TestEngineFaultConcurrentLoad(t *testing.T) {
	// 200 goroutines, 50 operations each, on 8 connections.
	const workers, ops = 200, 50
	db := testdb.OpenPG(t, ore.Options{MaxConns: 8})
	ctx := t.Context()
	loadFixture(t, db)
	increment := ore.Update(Counters).Set(Counters.Value.ToExpr(ore.Add(Counters.Value, ore.Value[int64](1)))).Where(Counters.Name.Eq("visits"))
	countTags := ore.Select1(ore.Count()).From(Tags)
	byName := ore.Param[string]("name")
	tagID := ore.Select1(Tags.ID).From(Tags).Where(Tags.Name.EqExpr(byName))

	var inserts, txs atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range ops {
				var err error
				name := fmt.Sprintf("w%d-%d", w, i)
				switch i % 5 {
				case 0, 1:
					_, err = ore.Scalar(ctx, db, countTags)
				case 2:
					_, err = db.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To(name)))
					inserts.Add(1)
				case 3:
					err = ore.InTx(ctx, db, func(tx *ore.Tx) error {
						if _, err := tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To(name))); err != nil {
							return err
						}
						if _, err := ore.One(ctx, tx, tagID, byName.Bind(name)); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, increment)
						return err
					})
					inserts.Add(1)
					txs.Add(1)
				case 4:
					var names []string
					names, err = ore.All(ctx, db, ore.Select1(Users.Name).From(Users).Where(Users.Active.Eq(true)).OrderBy(Users.ID))
					if err == nil && len(names) != 3 {
						err = fmt.Errorf("active users: %v", names)
					}
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d op %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	n, err := ore.Scalar(ctx, db, countTags)
	require.NoError(t, err)
	assert.Equal(t, 3+inserts.Load(), n)
	v, err := ore.Scalar(ctx, db, ore.Select1(Counters.Value).From(Counters).Where(Counters.Name.Eq("visits")))
	require.NoError(t, err)
	assert.Equal(t, 10+txs.Load(), v)

	st := db.Stats().Pool
	assert.Equal(t, int32(0), st.Acquired())
	assert.LessOrEqual(t, st.Total(), int32(8))
	assert.LessOrEqual(t, st.Created(), int64(8), "no connection was lost and replaced")
	assert.Positive(t, st.WaitCount(), "200 goroutines had to wait for 8 connections")
}

func TestEngineFaultSQLiteConcurrentWriters(t *testing.T) {
	// Several connections to one WAL file database write at once: BEGIN
	// IMMEDIATE and the busy timeout queue them, so none fails with BUSY.
	drv, err := sqlite.NewDriver(filepath.Join(t.TempDir(), "writers.db"), sqlite.Options{})
	require.NoError(t, err)
	db, err := ore.Open(t.Context(), drv, ore.Options{MaxConns: 6})
	require.NoError(t, err)
	defer db.Close()
	ctx := t.Context()
	loadFixture(t, db)
	mode, err := ore.Scalar(ctx, db, ore.SQL[string](`PRAGMA journal_mode`))
	require.NoError(t, err)
	assert.Equal(t, "wal", mode)

	const writers, txPerWriter = 5, 10
	increment := ore.Update(Counters).Set(Counters.Value.ToExpr(ore.Add(Counters.Value, ore.Value[int64](1)))).Where(Counters.Name.Eq("likes"))
	errs := make(chan error, writers+1)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	// A reader alongside: WAL lets it read while others write.
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(Tags)); err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				return
			}
		}
	})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range txPerWriter {
				tx, err := db.Begin(ctx, ore.TxOptions{})
				if err != nil {
					errs <- fmt.Errorf("writer %d begin %d: %w", w, i, err)
					return
				}
				_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To(fmt.Sprintf("w%d-%d", w, i))))
				if err == nil {
					_, err = tx.Exec(ctx, increment)
				}
				if err == nil {
					err = tx.Commit(ctx)
				} else {
					_ = tx.Rollback(ctx)
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d tx %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, err := ore.Scalar(ctx, db, ore.Select1(ore.Count()).From(Tags))
	require.NoError(t, err)
	assert.Equal(t, int64(3+writers*txPerWriter), n)
	v, err := ore.Scalar(ctx, db, ore.Select1(Counters.Value).From(Counters).Where(Counters.Name.Eq("likes")))
	require.NoError(t, err)
	assert.Equal(t, int64(3+writers*txPerWriter), v)
	assert.Equal(t, int32(0), db.Stats().Pool.Acquired())
}

func TestEngineFaultCloseWaits(t *testing.T) {
	// DB.Close waits for the connections in use to come back; meanwhile the
	// holder can still use its connection, and new work is refused.
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		c, err := db.Conn(ctx)
		require.NoError(t, err)
		closed := make(chan error, 1)
		go func() { closed <- db.Close() }()
		select {
		case <-closed:
			t.Fatal("Close returned while a connection was in use")
		case <-time.After(100 * time.Millisecond):
		}
		_, err = db.Exec(ctx, ore.SQL[struct{}](`SELECT 1`))
		assert.ErrorIs(t, err, ore.ErrClosed)
		n, err := ore.Scalar(ctx, c, ore.SQL[int64](`SELECT 5`))
		require.NoError(t, err)
		assert.Equal(t, int64(5), n)
		require.NoError(t, c.Close())
		select {
		case err := <-closed:
			assert.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not return after the connection came back")
		}
		st := db.Stats().Pool
		assert.Equal(t, st.Created(), st.DestroyedTotal())
		assert.Equal(t, int32(0), st.Total())
	})
}
