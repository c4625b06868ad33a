package pool_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore/internal/testdb"
	"github.com/ore-go/ore/pool"
)

// The pool's policies with *pgx.Conn as T, on the real server.

const pgWait = 5 * time.Second // generous bound for things that must happen

// stepClock is a Clock whose time moves only when told to and whose ticker
// never ticks: the periodic health check stays out of these tests.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) NewTicker(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }

func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var appSeq atomic.Int64

// pgPool returns a pool of pgx connections configured like an engine's, with
// edit applied, and the application_name its connections carry, unique to
// this call so that pg_stat_activity tells its backends apart.
func pgPool(t *testing.T, edit func(*pool.Config[*pgx.Conn])) (*pool.Pool[*pgx.Conn], string) {
	t.Helper()
	testdb.RequirePG(t)
	app := fmt.Sprintf("ore_pool_test_%d_%d", os.Getpid(), appSeq.Add(1))
	connCfg, err := pgx.ParseConfig(testdb.PGDSN())
	require.NoError(t, err)
	connCfg.RuntimeParams["application_name"] = app
	cfg := pool.Config[*pgx.Conn]{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, connCfg.Copy())
		},
		Close: func(c *pgx.Conn) {
			ctx, cancel := context.WithTimeout(context.Background(), pgWait)
			defer cancel()
			c.Close(ctx)
		},
		Ping: func(ctx context.Context, c *pgx.Conn) error { return c.Ping(ctx) },
		Reusable: func(c *pgx.Conn) bool {
			return !c.IsClosed() && !c.PgConn().IsBusy() && c.PgConn().TxStatus() == 'I'
		},
		HealthCheckPeriod: -1,
	}
	edit(&cfg)
	p, err := pool.New(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p, app
}

func pgAdmin(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pgWait)
	defer cancel()
	conn, err := pgx.Connect(ctx, testdb.PGDSN())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func pgAcquire(t *testing.T, p *pool.Pool[*pgx.Conn]) *pool.Conn[*pgx.Conn] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pgWait)
	defer cancel()
	c, err := p.Acquire(ctx)
	require.NoError(t, err)
	return c
}

func backendPID(t *testing.T, c *pool.Conn[*pgx.Conn]) int32 {
	t.Helper()
	var pid int32
	require.NoError(t, c.Value().QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid))
	return pid
}

func countBackends(t *testing.T, admin *pgx.Conn, query string, arg any) int {
	t.Helper()
	var n int
	require.NoError(t, admin.QueryRow(context.Background(), query, arg).Scan(&n))
	return n
}

const (
	backendsByApp = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
	backendsByPID = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1"
)

func TestPGPrePingReplacesKilledBackend(t *testing.T) {
	clk := &stepClock{now: time.Now()}
	p, _ := pgPool(t, func(cfg *pool.Config[*pgx.Conn]) {
		cfg.Clock = clk
		cfg.MaxSize = 2
	})
	admin := pgAdmin(t)

	c := pgAcquire(t, p)
	killed := backendPID(t, c)
	c.Release()

	var ok bool
	require.NoError(t, admin.QueryRow(context.Background(), "SELECT pg_terminate_backend($1)", killed).Scan(&ok))
	require.True(t, ok)
	require.Eventually(t, func() bool { return countBackends(t, admin, backendsByPID, killed) == 0 },
		pgWait, 5*time.Millisecond, "backend %d still running", killed)

	clk.Advance(2 * time.Second) // idle longer than PingAfterIdle
	c = pgAcquire(t, p)
	pid := backendPID(t, c)
	assert.NotEqual(t, killed, pid, "the dead connection was replaced")
	c.Release()
	s := p.Stat()
	assert.Equal(t, int64(2), s.Created())
	assert.Eventually(t, func() bool { return p.Stat().Destroyed(pool.ReasonPingFailed) == 1 }, pgWait, time.Millisecond)
}

func TestPGReleasedInTransactionIsDestroyed(t *testing.T) {
	p, _ := pgPool(t, func(cfg *pool.Config[*pgx.Conn]) { cfg.MaxSize = 1 })
	ctx := context.Background()

	// Released outside a transaction: reused.
	c := pgAcquire(t, p)
	pid := backendPID(t, c)
	c.Release()
	c = pgAcquire(t, p)
	assert.Equal(t, pid, backendPID(t, c))

	// Released inside one: destroyed, and the next caller gets a new
	// backend with no transaction open.
	_, err := c.Value().Exec(ctx, "BEGIN")
	require.NoError(t, err)
	require.Equal(t, byte('T'), c.Value().PgConn().TxStatus())
	c.Release()
	assert.Eventually(t, func() bool { return p.Stat().Destroyed(pool.ReasonNotReusable) == 1 }, pgWait, time.Millisecond)
	c = pgAcquire(t, p)
	pid2 := backendPID(t, c)
	assert.NotEqual(t, pid, pid2)
	assert.Equal(t, byte('I'), c.Value().PgConn().TxStatus())

	// Released inside a failed transaction: destroyed as well.
	_, err = c.Value().Exec(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = c.Value().Exec(ctx, "SELECT 1/0")
	require.Error(t, err)
	require.Equal(t, byte('E'), c.Value().PgConn().TxStatus())
	c.Release()
	assert.Eventually(t, func() bool { return p.Stat().Destroyed(pool.ReasonNotReusable) == 2 }, pgWait, time.Millisecond)
	c = pgAcquire(t, p)
	assert.NotEqual(t, pid2, backendPID(t, c))
	c.Release()
}

func TestPGLifetimeRecycles(t *testing.T) {
	clk := &stepClock{now: time.Now()}
	p, _ := pgPool(t, func(cfg *pool.Config[*pgx.Conn]) {
		cfg.Clock = clk
		cfg.MaxSize = 1
		cfg.MaxLifetime = time.Minute
		cfg.PingAfterIdle = -1
	})
	admin := pgAdmin(t)

	c := pgAcquire(t, p)
	old := backendPID(t, c)
	c.Release()
	clk.Advance(59 * time.Second)
	c = pgAcquire(t, p)
	assert.Equal(t, old, backendPID(t, c), "within its lifetime the connection is reused")
	c.Release()

	clk.Advance(2 * time.Second)
	c = pgAcquire(t, p)
	assert.NotEqual(t, old, backendPID(t, c), "past its lifetime the connection is replaced")
	c.Release()
	assert.Eventually(t, func() bool { return p.Stat().Destroyed(pool.ReasonLifetime) == 1 }, pgWait, time.Millisecond)
	assert.Eventually(t, func() bool { return countBackends(t, admin, backendsByPID, old) == 0 },
		pgWait, 5*time.Millisecond, "the old backend was closed")
}

func TestPGMaxSizeBoundsBackends(t *testing.T) {
	const maxSize = 3
	p, app := pgPool(t, func(cfg *pool.Config[*pgx.Conn]) {
		cfg.MaxSize = maxSize
		cfg.AcquireTimeout = 200 * time.Millisecond
	})
	admin := pgAdmin(t)

	var held []*pool.Conn[*pgx.Conn]
	for range maxSize {
		held = append(held, pgAcquire(t, p))
	}
	assert.Equal(t, maxSize, countBackends(t, admin, backendsByApp, app))
	_, err := p.Acquire(context.Background())
	require.ErrorIs(t, err, pool.ErrAcquireTimeout)
	assert.EqualError(t, err, "pool: no connection available within 200ms (max size 3, 3 in use)")
	assert.Equal(t, maxSize, countBackends(t, admin, backendsByApp, app))
	for _, c := range held {
		c.Release()
	}

	// Many callers, few backends.
	var most atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var n int64
			if err := admin.QueryRow(context.Background(), backendsByApp, app).Scan(&n); err == nil && n > most.Load() {
				most.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 4 {
				ctx, cancel := context.WithTimeout(context.Background(), pgWait)
				c, err := p.Acquire(ctx)
				if assert.NoError(t, err) {
					_, err = c.Value().Exec(ctx, "SELECT pg_sleep(0.005)")
					assert.NoError(t, err)
					c.Release()
				}
				cancel()
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	assert.LessOrEqual(t, most.Load(), int64(maxSize))
	assert.Equal(t, int64(maxSize), p.Stat().Created())
	assert.Equal(t, int64(8*4+maxSize), p.Stat().AcquireCount())

	p.Close()
	assert.Eventually(t, func() bool { return countBackends(t, admin, backendsByApp, app) == 0 },
		pgWait, 5*time.Millisecond, "Close closed every backend")
}
