package ore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/dialect/postgres"
	"github.com/ore-go/ore/internal/testdb"
	"github.com/ore-go/ore/pool"
)

// engTags returns the names of the tags, in order.
func engTags(t *testing.T, q ore.Querier) []string {
	t.Helper()
	names, err := ore.All(t.Context(), q, ore.Select1(Tags.Name).From(Tags).OrderBy(Tags.Name))
	require.NoError(t, err)
	return names
}

func engAddTag(t *testing.T, q interface {
	Exec(context.Context, ore.Statement, ...ore.ParamValue) (ore.Result, error)
}, name string) {
	t.Helper()
	_, err := q.Exec(t.Context(), ore.Insert(Tags).Values(Tags.Name.To(name)))
	require.NoError(t, err)
}

func TestEngineTxCommitRollback(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{MaxConns: 2}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)

		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		assert.Equal(t, int32(1), engAcquired(db), "a transaction holds its connection")
		engAddTag(t, tx, "a")
		assert.Equal(t, []string{"a", "go", "news", "sql"}, engTags(t, tx), "the transaction sees its own work")
		require.NoError(t, tx.Commit(ctx))
		assert.Equal(t, int32(0), engAcquired(db))
		assert.Equal(t, []string{"a", "go", "news", "sql"}, engTags(t, db))

		tx, err = db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		engAddTag(t, tx, "b")
		n, err := ore.Scalar(ctx, tx, ore.Select1(ore.Count()).From(Tags))
		require.NoError(t, err)
		assert.Equal(t, int64(5), n)
		require.NoError(t, tx.Rollback(ctx))
		assert.Equal(t, int32(0), engAcquired(db))
		assert.Equal(t, []string{"a", "go", "news", "sql"}, engTags(t, db))

		t.Run("ErrTxDone", func(t *testing.T) {
			for _, end := range []string{"commit", "rollback"} {
				tx, err := db.Begin(ctx, ore.TxOptions{})
				require.NoError(t, err)
				if end == "commit" {
					require.NoError(t, tx.Commit(ctx))
				} else {
					require.NoError(t, tx.Rollback(ctx))
				}
				assert.ErrorIs(t, tx.Commit(ctx), ore.ErrTxDone, end)
				assert.ErrorIs(t, tx.Rollback(ctx), ore.ErrTxDone, end)
				_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("late")))
				assert.ErrorIs(t, err, ore.ErrTxDone, end)
				_, err = tx.Query(ctx, ore.Select1(Tags.Name).From(Tags))
				assert.ErrorIs(t, err, ore.ErrTxDone, end)
				_, err = ore.All(ctx, tx, ore.Select1(Tags.Name).From(Tags))
				assert.ErrorIs(t, err, ore.ErrTxDone, end)
				_, err = tx.Begin(ctx)
				assert.ErrorIs(t, err, ore.ErrTxDone, end)
			}
			assert.NotContains(t, engTags(t, db), "late")
			assert.Equal(t, int32(0), engAcquired(db))
		})

		t.Run("on a Conn", func(t *testing.T) {
			c, err := db.Conn(ctx)
			require.NoError(t, err)
			defer c.Close()
			tx, err := c.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			engAddTag(t, tx, "c")
			require.NoError(t, tx.Commit(ctx))
			assert.Equal(t, int32(1), engAcquired(db), "the Conn keeps its connection")
			assert.Contains(t, engTags(t, c), "c")
			require.NoError(t, c.Close())
			assert.Equal(t, int32(0), engAcquired(db))
		})
	})
}

func TestEngineTxConnReturnedInTx(t *testing.T) {
	// A connection handed back inside a transaction must not serve the next
	// caller: its uncommitted work would leak into their statements.
	testdb.ForEachDB(t, ore.Options{MaxConns: 1}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		c, err := db.Conn(ctx)
		require.NoError(t, err)
		_, err = c.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		engAddTag(t, c, "abandoned")
		require.NoError(t, c.Close())

		assert.Equal(t, []string{"go", "news", "sql"}, engTags(t, db))
		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err, "the next caller can begin")
		require.NoError(t, tx.Rollback(ctx))
		assert.Equal(t, int64(1), db.Stats().Pool.Destroyed(pool.ReasonNotReusable))
	})
}

func TestEngineTxOptions(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		db := testdb.OpenPG(t, ore.Options{MaxConns: 1})
		ctx := t.Context()
		loadFixture(t, db)
		show := func(tx *ore.Tx, setting string) string {
			v, err := ore.Scalar(ctx, tx, ore.SQL[string]("SHOW "+setting))
			require.NoError(t, err)
			return v
		}
		for level, want := range map[ore.IsolationLevel]string{
			ore.LevelDefault:         "read committed",
			ore.LevelReadUncommitted: "read uncommitted",
			ore.LevelReadCommitted:   "read committed",
			ore.LevelRepeatableRead:  "repeatable read",
			ore.LevelSerializable:    "serializable",
		} {
			tx, err := db.Begin(ctx, ore.TxOptions{Isolation: level})
			require.NoError(t, err)
			assert.Equal(t, want, show(tx, "transaction_isolation"), "level %v", level)
			assert.Equal(t, "off", show(tx, "transaction_read_only"))
			require.NoError(t, tx.Commit(ctx))
		}

		tx, err := db.Begin(ctx, ore.TxOptions{Isolation: ore.LevelSerializable, ReadOnly: true, Deferrable: true})
		require.NoError(t, err)
		assert.Equal(t, "on", show(tx, "transaction_read_only"))
		assert.Equal(t, "on", show(tx, "transaction_deferrable"))
		assert.Equal(t, []string{"go", "news", "sql"}, engTags(t, tx), "reads work")
		_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("ro")))
		require.Error(t, err, "a write in a read-only transaction")
		assert.Contains(t, err.Error(), "25006") // read_only_sql_transaction
		assert.Contains(t, err.Error(), "ore: insert into tags")
		require.NoError(t, tx.Rollback(ctx))
		// The connection (the only one) is back to read-write.
		engAddTag(t, db, "rw")
		assert.Contains(t, engTags(t, db), "rw")
	})

	t.Run("sqlite", func(t *testing.T) {
		db := testdb.OpenSQLite(t, ore.Options{MaxConns: 1})
		ctx := t.Context()
		loadFixture(t, db)
		// SQLite transactions are serializable whatever the level; other
		// levels are accepted.
		for _, level := range []ore.IsolationLevel{ore.LevelReadCommitted, ore.LevelRepeatableRead, ore.LevelSerializable} {
			tx, err := db.Begin(ctx, ore.TxOptions{Isolation: level})
			require.NoError(t, err, "level %v", level)
			engAddTag(t, tx, fmt.Sprintf("level%d", level))
			require.NoError(t, tx.Commit(ctx))
		}
		assert.Contains(t, engTags(t, db), "level4")

		// A read-only transaction refuses writes (with query_only), and
		// the pragma does not outlive it.
		for _, end := range []string{"commit", "rollback"} {
			tx, err := db.Begin(ctx, ore.TxOptions{ReadOnly: true})
			require.NoError(t, err)
			assert.Contains(t, engTags(t, tx), "go")
			_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("ro")))
			require.Error(t, err, "a write in a read-only transaction")
			assert.Contains(t, err.Error(), "ore: insert into tags")
			assert.Contains(t, err.Error(), "readonly")
			if end == "commit" {
				require.NoError(t, tx.Commit(ctx))
			} else {
				require.NoError(t, tx.Rollback(ctx))
			}
			engAddTag(t, db, "rw-after-"+end)
		}
		assert.NotContains(t, engTags(t, db), "ro")
		assert.Contains(t, engTags(t, db), "rw-after-rollback")
	})
}

func TestEngineTxNested(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)

		t.Run("inner rolled back", func(t *testing.T) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			engAddTag(t, tx, "outer1")
			inner, err := tx.Begin(ctx)
			require.NoError(t, err)
			engAddTag(t, inner, "inner")
			assert.Contains(t, engTags(t, inner), "inner")
			require.NoError(t, inner.Rollback(ctx))
			assert.Equal(t, int32(1), engAcquired(db), "the outer transaction keeps the connection")
			engAddTag(t, tx, "outer2")
			assert.NotContains(t, engTags(t, tx), "inner")
			require.NoError(t, tx.Commit(ctx))
			tags := engTags(t, db)
			assert.Contains(t, tags, "outer1")
			assert.Contains(t, tags, "outer2")
			assert.NotContains(t, tags, "inner")
		})

		t.Run("both committed", func(t *testing.T) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			engAddTag(t, tx, "o")
			inner, err := tx.Begin(ctx)
			require.NoError(t, err)
			engAddTag(t, inner, "i1")
			deeper, err := inner.Begin(ctx)
			require.NoError(t, err)
			engAddTag(t, deeper, "i2")
			require.NoError(t, deeper.Commit(ctx))
			require.NoError(t, inner.Commit(ctx))
			require.NoError(t, tx.Commit(ctx))
			tags := engTags(t, db)
			assert.Subset(t, tags, []string{"o", "i1", "i2"})
		})

		t.Run("inner committed, outer rolled back", func(t *testing.T) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			inner, err := tx.Begin(ctx)
			require.NoError(t, err)
			engAddTag(t, inner, "gone")
			require.NoError(t, inner.Commit(ctx))
			require.NoError(t, tx.Rollback(ctx))
			assert.NotContains(t, engTags(t, db), "gone")
		})

		t.Run("failed statement in the inner transaction", func(t *testing.T) {
			// Rolling back to the savepoint recovers the outer transaction,
			// even on PostgreSQL, where a failed statement aborts it.
			tx, err := db.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			engAddTag(t, tx, "kept")
			inner, err := tx.Begin(ctx)
			require.NoError(t, err)
			_, err = inner.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go")))
			require.ErrorIs(t, err, ore.ErrUniqueViolation)
			require.NoError(t, inner.Rollback(ctx))
			engAddTag(t, tx, "after")
			require.NoError(t, tx.Commit(ctx))
			tags := engTags(t, db)
			assert.Contains(t, tags, "kept")
			assert.Contains(t, tags, "after")
		})

		t.Run("ended parent", func(t *testing.T) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			inner, err := tx.Begin(ctx)
			require.NoError(t, err)
			require.NoError(t, tx.Rollback(ctx))
			_, err = inner.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("orphan")))
			assert.ErrorIs(t, err, ore.ErrTxDone)
			assert.ErrorIs(t, inner.Commit(ctx), ore.ErrTxDone)
			assert.ErrorIs(t, inner.Rollback(ctx), ore.ErrTxDone)
			assert.Equal(t, int32(0), engAcquired(db))
		})
	})
}

func TestEngineTxEnd(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		errBoom := errors.New("boom")

		work := func(tag string, result error, panicWith any) (err error) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			if err != nil {
				return err
			}
			defer tx.End(&err)
			if _, err := tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To(tag))); err != nil {
				return err
			}
			if panicWith != nil {
				panic(panicWith)
			}
			return result
		}

		require.NoError(t, work("committed", nil, nil))
		assert.Contains(t, engTags(t, db), "committed")

		err := work("rolled-back", errBoom, nil)
		assert.Equal(t, errBoom, err, "the function's error comes back as it was")
		assert.NotContains(t, engTags(t, db), "rolled-back")

		assert.PanicsWithValue(t, "oops", func() { _ = work("panicked", nil, "oops") })
		assert.NotContains(t, engTags(t, db), "panicked")
		assert.Equal(t, int32(0), engAcquired(db))

		// A failed statement ends in a rollback with the statement's error.
		err = work("go", nil, nil)
		assert.ErrorIs(t, err, ore.ErrUniqueViolation)

		// End after an explicit Commit or Rollback leaves both alone.
		explicit := func(commit bool) (err error) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			if err != nil {
				return err
			}
			defer tx.End(&err)
			engAddTag(t, tx, fmt.Sprintf("explicit-%v", commit))
			if commit {
				return tx.Commit(ctx)
			}
			return tx.Rollback(ctx)
		}
		assert.NoError(t, explicit(true))
		assert.NoError(t, explicit(false))
		tags := engTags(t, db)
		assert.Contains(t, tags, "explicit-true")
		assert.NotContains(t, tags, "explicit-false")

		// Nested: End on a savepoint.
		nested := func(fail error) (err error) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			if err != nil {
				return err
			}
			defer tx.End(&err)
			engAddTag(t, tx, fmt.Sprintf("outer-%v", fail))
			func() (err error) {
				inner, err := tx.Begin(ctx)
				require.NoError(t, err)
				defer inner.End(&err)
				engAddTag(t, inner, fmt.Sprintf("inner-%v", fail))
				return fail
			}()
			return nil
		}
		require.NoError(t, nested(nil))
		require.NoError(t, nested(errBoom))
		tags = engTags(t, db)
		assert.Subset(t, tags, []string{"outer-<nil>", "inner-<nil>", "outer-boom"})
		assert.NotContains(t, tags, "inner-boom")
		assert.Equal(t, int32(0), engAcquired(db))
	})
}

func TestEngineTxFailedCommit(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		// A failed statement aborts a PostgreSQL transaction: later
		// statements fail, and COMMIT rolls back.
		db := testdb.OpenPG(t, ore.Options{MaxConns: 1})
		ctx := t.Context()
		loadFixture(t, db)
		var events []ore.TxEvent
		db.Listen(ore.Listener{Commit: func(_ context.Context, e *ore.TxEvent) { events = append(events, *e) }})

		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		engAddTag(t, tx, "before")
		_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go")))
		require.ErrorIs(t, err, ore.ErrUniqueViolation)
		_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("after")))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "25P02") // in_failed_sql_transaction
		err = tx.Commit(ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, postgres.ErrCommitRolledBack)
		assert.Contains(t, err.Error(), "ore: commit: ")
		require.Len(t, events, 1)
		assert.ErrorIs(t, events[0].Err, postgres.ErrCommitRolledBack)
		assert.ErrorIs(t, tx.Rollback(ctx), ore.ErrTxDone)

		assert.Equal(t, int32(0), engAcquired(db))
		assert.Equal(t, []string{"go", "news", "sql"}, engTags(t, db), "nothing was committed; the connection works")
		assert.Equal(t, int64(0), db.Stats().Pool.DestroyedTotal(), "the connection was clean and kept")

		// Through End, the commit error replaces the nil result.
		err = func() (err error) {
			tx, err := db.Begin(ctx, ore.TxOptions{})
			require.NoError(t, err)
			defer tx.End(&err)
			_, _ = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go"))) // ignored on purpose
			return nil
		}()
		assert.ErrorIs(t, err, postgres.ErrCommitRolledBack)
	})

	t.Run("sqlite", func(t *testing.T) {
		// SQLite undoes only the failed statement; the transaction goes on
		// and commits the rest.
		db := testdb.OpenSQLite(t, ore.Options{MaxConns: 1})
		ctx := t.Context()
		loadFixture(t, db)
		tx, err := db.Begin(ctx, ore.TxOptions{})
		require.NoError(t, err)
		engAddTag(t, tx, "before")
		_, err = tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go")))
		require.ErrorIs(t, err, ore.ErrUniqueViolation)
		engAddTag(t, tx, "after")
		require.NoError(t, tx.Commit(ctx))
		assert.Equal(t, []string{"after", "before", "go", "news", "sql"}, engTags(t, db))
	})
}

// ----------------------------------------------------------------------------
// InTx

func TestEngineTxInTxRetriesSerializationFailure(t *testing.T) {
	// Two SERIALIZABLE transactions read and increment the same counter.
	// The second one writes after the first committed, so its snapshot is
	// stale: PostgreSQL fails it with 40001 and InTx runs it again.
	db := testdb.OpenPG(t, ore.Options{MaxConns: 4})
	ctx := t.Context()
	loadFixture(t, db)

	opts := ore.RetryOptions{
		Tx:          ore.TxOptions{Isolation: ore.LevelSerializable},
		MaxAttempts: 3,
		BaseDelay:   time.Millisecond,
		MaxDelay:    5 * time.Millisecond,
	}
	visits := ore.Select1(Counters.Value).From(Counters).Where(Counters.Name.Eq("visits"))
	increment := func(tx *ore.Tx) error {
		v, err := ore.Scalar(ctx, tx, visits)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, ore.Update(Counters).Set(Counters.Value.To(v+1)).Where(Counters.Name.Eq("visits")))
		return err
	}

	var attemptsA, attemptsB atomic.Int32
	var failures []error // of B's attempts
	aRead, bRead, aDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	wait := func(c chan struct{}) error {
		select {
		case <-c:
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("timed out waiting for the other transaction")
		}
	}
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() {
		defer close(aDone)
		errA = ore.InTxWith(ctx, db, opts, func(tx *ore.Tx) error {
			if attemptsA.Add(1) == 1 {
				if _, err := ore.Scalar(ctx, tx, visits); err != nil {
					return err
				}
				close(aRead)
				if err := wait(bRead); err != nil {
					return err
				}
			}
			return increment(tx)
		})
	})
	wg.Go(func() {
		errB = ore.InTxWith(ctx, db, opts, func(tx *ore.Tx) error {
			if attemptsB.Add(1) == 1 {
				if _, err := ore.Scalar(ctx, tx, visits); err != nil {
					return err
				}
				close(bRead)
				if err := wait(aRead); err != nil {
					return err
				}
				if err := wait(aDone); err != nil {
					return err
				}
			}
			err := increment(tx)
			if err != nil {
				failures = append(failures, err)
			}
			return err
		})
	})
	wg.Wait()
	require.NoError(t, errA)
	require.NoError(t, errB)
	assert.Equal(t, int32(1), attemptsA.Load())
	assert.Equal(t, int32(2), attemptsB.Load(), "B failed once and was retried")
	require.Len(t, failures, 1)
	assert.ErrorIs(t, failures[0], ore.ErrSerializationFailure)
	assert.Contains(t, failures[0].Error(), "40001")

	v, err := ore.Scalar(ctx, db, visits)
	require.NoError(t, err)
	assert.Equal(t, int64(12), v, "both increments count, as if run one after the other")
	assert.Equal(t, int32(0), engAcquired(db))
}

func TestEngineTxInTx(t *testing.T) {
	testdb.ForEachDB(t, ore.Options{}, func(t *testing.T, db *ore.DB) {
		ctx := t.Context()
		loadFixture(t, db)
		fast := ore.RetryOptions{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

		t.Run("commits", func(t *testing.T) {
			err := ore.InTx(ctx, db, func(tx *ore.Tx) error {
				engAddTag(t, tx, "intx")
				return nil
			})
			require.NoError(t, err)
			assert.Contains(t, engTags(t, db), "intx")
		})

		t.Run("rolls back and does not retry other errors", func(t *testing.T) {
			errBoom := errors.New("boom")
			n := 0
			err := ore.InTxWith(ctx, db, fast, func(tx *ore.Tx) error {
				n++
				engAddTag(t, tx, "not-kept")
				return errBoom
			})
			assert.Equal(t, errBoom, err)
			assert.Equal(t, 1, n)

			n = 0
			err = ore.InTxWith(ctx, db, fast, func(tx *ore.Tx) error {
				n++
				_, err := tx.Exec(ctx, ore.Insert(Tags).Values(Tags.Name.To("go")))
				return err
			})
			assert.ErrorIs(t, err, ore.ErrUniqueViolation)
			assert.Equal(t, 1, n)
			assert.NotContains(t, engTags(t, db), "not-kept")
		})

		t.Run("gives up after MaxAttempts", func(t *testing.T) {
			for _, class := range []error{ore.ErrSerializationFailure, ore.ErrDeadlock} {
				n := 0
				err := ore.InTxWith(ctx, db, fast, func(tx *ore.Tx) error {
					n++
					engAddTag(t, tx, fmt.Sprintf("try-%d", n))
					return fmt.Errorf("attempt %d: %w", n, class)
				})
				assert.ErrorIs(t, err, class)
				assert.Contains(t, err.Error(), "attempt 3")
				assert.Equal(t, 3, n, "%v", class)
			}
			assert.NotContains(t, engTags(t, db), "try-1")
			// MaxAttempts zero means 5.
			n := 0
			err := ore.InTxWith(ctx, db, ore.RetryOptions{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}, func(tx *ore.Tx) error {
				n++
				return ore.ErrSerializationFailure
			})
			assert.ErrorIs(t, err, ore.ErrSerializationFailure)
			assert.Equal(t, 5, n)
		})

		t.Run("succeeds on a later attempt", func(t *testing.T) {
			n := 0
			err := ore.InTxWith(ctx, db, fast, func(tx *ore.Tx) error {
				n++
				engAddTag(t, tx, fmt.Sprintf("attempt-%d", n))
				if n < 3 {
					return ore.ErrDeadlock
				}
				return nil
			})
			require.NoError(t, err)
			tags := engTags(t, db)
			assert.Contains(t, tags, "attempt-3")
			assert.NotContains(t, tags, "attempt-1")
			assert.NotContains(t, tags, "attempt-2")
		})

		t.Run("honours ctx during backoff", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			n := 0
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			err := ore.InTxWith(cctx, db, ore.RetryOptions{MaxAttempts: 5, BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second}, func(tx *ore.Tx) error {
				n++
				return ore.ErrSerializationFailure
			})
			assert.Less(t, time.Since(start), 3*time.Second)
			assert.ErrorIs(t, err, context.Canceled)
			assert.ErrorIs(t, err, ore.ErrSerializationFailure)
			assert.Equal(t, 1, n)
		})

		t.Run("panic", func(t *testing.T) {
			assert.PanicsWithValue(t, "oops", func() {
				_ = ore.InTx(ctx, db, func(tx *ore.Tx) error {
					engAddTag(t, tx, "panicked")
					panic("oops")
				})
			})
			assert.NotContains(t, engTags(t, db), "panicked")
		})
		assert.Equal(t, int32(0), engAcquired(db))
	})

	t.Run("postgres real serialization failures", func(t *testing.T) {
		// A database error of class 40001, raised on purpose, is retried
		// until MaxAttempts.
		db := testdb.OpenPG(t, ore.Options{})
		ctx := t.Context()
		n := 0
		err := ore.InTxWith(ctx, db, ore.RetryOptions{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}, func(tx *ore.Tx) error {
			n++
			_, err := tx.Exec(ctx, ore.SQL[struct{}](`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$`))
			return err
		})
		assert.ErrorIs(t, err, ore.ErrSerializationFailure)
		assert.Equal(t, 3, n)
		assert.Equal(t, int32(0), engAcquired(db))
	})
}
