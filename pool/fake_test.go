package pool

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fake database: connections with fault injection and counters that
// catch leaks, double closes and double hand-outs.

var (
	errConnect = errors.New("fake: connection refused")
	errPing    = errors.New("fake: server closed the connection")
)

type fakeConn struct {
	id     int64
	broken atomic.Bool // pings fail and Reusable says no
	inTx   atomic.Bool // Reusable says no
	closed atomic.Bool
	inUse  atomic.Bool // set by tests that check exclusive use
}

type fakeDB struct {
	t testing.TB

	connecting     atomic.Int64 // calls of Connect begun
	opened, closed atomic.Int64
	live, maxLive  atomic.Int64
	pings          atomic.Int64

	failConnects atomic.Int64  // the next n connects fail
	connectGate  chan struct{} // if non-nil, Connect waits until it is closed
	connectDelay time.Duration // real time each Connect takes
	pingBlock    atomic.Bool   // pings wait for their context to end

	mu    sync.Mutex
	conns []*fakeConn
}

func newFakeDB(t testing.TB) *fakeDB { return &fakeDB{t: t} }

func (db *fakeDB) connect(ctx context.Context) (*fakeConn, error) {
	db.connecting.Add(1)
	if db.connectGate != nil {
		select {
		case <-db.connectGate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if db.connectDelay > 0 {
		time.Sleep(db.connectDelay)
	}
	for {
		n := db.failConnects.Load()
		if n <= 0 {
			break
		}
		if db.failConnects.CompareAndSwap(n, n-1) {
			return nil, errConnect
		}
	}
	c := &fakeConn{id: db.opened.Add(1)}
	live := db.live.Add(1)
	for {
		m := db.maxLive.Load()
		if live <= m || db.maxLive.CompareAndSwap(m, live) {
			break
		}
	}
	db.mu.Lock()
	db.conns = append(db.conns, c)
	db.mu.Unlock()
	return c, nil
}

func (db *fakeDB) close(c *fakeConn) {
	if !c.closed.CompareAndSwap(false, true) {
		db.t.Errorf("connection %d closed twice", c.id)
		return
	}
	db.live.Add(-1)
	db.closed.Add(1)
}

func (db *fakeDB) ping(ctx context.Context, c *fakeConn) error {
	db.pings.Add(1)
	if c.closed.Load() {
		db.t.Errorf("ping on closed connection %d", c.id)
	}
	if db.pingBlock.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	if c.broken.Load() {
		return errPing
	}
	return nil
}

func fakeReusable(c *fakeConn) bool { return !c.broken.Load() && !c.inTx.Load() }

// config returns a Config for db with the periodic health check off, so that
// nothing runs in the background unless a test asks for it.
func (db *fakeDB) config() Config[*fakeConn] {
	return Config[*fakeConn]{
		Connect:           db.connect,
		Close:             db.close,
		Ping:              db.ping,
		Reusable:          fakeReusable,
		HealthCheckPeriod: -1,
	}
}

func (db *fakeDB) conn(id int64) *fakeConn {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, c := range db.conns {
		if c.id == id {
			return c
		}
	}
	return nil
}

// fakeClock is a Clock that moves only when told to.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

type fakeTicker struct {
	d       time.Duration
	next    time.Time
	c       chan time.Time
	stopped bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{d: d, next: c.now.Add(d), c: make(chan time.Time, 1)}
	c.tickers = append(c.tickers, t)
	return t.c, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.stopped = true
	}
}

// Advance moves the clock forward by d, firing due tickers once each (like
// time.Ticker, a slow receiver misses ticks).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.tickers {
		if t.stopped || t.next.After(c.now) {
			continue
		}
		select {
		case t.c <- c.now:
		default:
		}
		t.next = t.next.Add((c.now.Sub(t.next)/t.d + 1) * t.d)
	}
}

// waitTicker waits until the pool's background goroutine has started its
// ticker, so that Advance reaches it.
func (c *fakeClock) waitTicker(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.tickers) > 0
	}, 5*time.Second, time.Millisecond, "the health check never started its ticker")
}

// Helpers.

const waitLimit = 5 * time.Second // generous bound for things that must happen

func newPool(t *testing.T, cfg Config[*fakeConn]) *Pool[*fakeConn] {
	t.Helper()
	p, err := New(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { closeWithin(t, p) })
	return p
}

// closeWithin closes p, failing t instead of hanging when a test that went
// wrong left a connection checked out.
func closeWithin(t *testing.T, p *Pool[*fakeConn]) bool {
	t.Helper()
	done := make(chan struct{})
	go func() {
		p.Close()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(waitLimit):
		t.Errorf("Close did not return: %d connections still checked out", p.Stat().Acquired())
		return false
	}
}

func acquire(t *testing.T, p *Pool[*fakeConn]) *Conn[*fakeConn] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := p.Acquire(ctx)
	require.NoError(t, err)
	return c
}

// closeAndCheck closes p and checks that every connection opened was closed
// exactly once and counted.
func closeAndCheck(t *testing.T, p *Pool[*fakeConn], db *fakeDB) {
	t.Helper()
	if !closeWithin(t, p) {
		return
	}
	assert.Equal(t, db.opened.Load(), db.closed.Load(), "connections opened vs closed")
	assert.Zero(t, db.live.Load(), "connections still open")
	s := p.Stat()
	assert.Equal(t, db.opened.Load(), s.Created(), "Stat.Created")
	assert.Equal(t, s.Created(), s.DestroyedTotal(), "Stat.Created vs DestroyedTotal")
	assert.Zero(t, s.Total(), "Stat.Total after Close")
}

func eventuallyDestroyed(t *testing.T, p *Pool[*fakeConn], r Reason, want int64) {
	t.Helper()
	assert.Eventually(t, func() bool { return p.Stat().Destroyed(r) == want },
		waitLimit, time.Millisecond, "Destroyed(%s) = %d, want %d", r, p.Stat().Destroyed(r), want)
}

// Tests.

func TestConfigValidation(t *testing.T) {
	db := newFakeDB(t)
	for _, tc := range []struct {
		name string
		edit func(*Config[*fakeConn])
		err  string
	}{
		{"no Connect", func(c *Config[*fakeConn]) { c.Connect = nil }, "pool: Config.Connect is nil"},
		{"no Close", func(c *Config[*fakeConn]) { c.Close = nil }, "pool: Config.Close is nil"},
		{"negative MaxSize", func(c *Config[*fakeConn]) { c.MaxSize = -1 }, "pool: Config.MaxSize is negative (-1)"},
		{"MinIdle above MaxSize", func(c *Config[*fakeConn]) { c.MaxSize, c.MinIdle = 2, 3 }, "pool: Config.MinIdle (3) exceeds MaxSize (2)"},
		{"negative MinIdle", func(c *Config[*fakeConn]) { c.MinIdle = -1 }, "pool: Config.MinIdle is negative (-1)"},
		{"negative MaxLifetime", func(c *Config[*fakeConn]) { c.MaxLifetime = -time.Second }, "pool: Config.MaxLifetime is negative (-1s)"},
		{"negative AcquireTimeout", func(c *Config[*fakeConn]) { c.AcquireTimeout = -time.Second }, "pool: Config.AcquireTimeout is negative (-1s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := db.config()
			tc.edit(&cfg)
			p, err := New(context.Background(), cfg)
			assert.Nil(t, p)
			assert.EqualError(t, err, tc.err)
		})
	}

	t.Run("defaults", func(t *testing.T) {
		cfg := db.config()
		cfg.HealthCheckPeriod = 0
		p := newPool(t, cfg)
		assert.Equal(t, DefaultMaxSize(), p.Stat().MaxSize())
		assert.GreaterOrEqual(t, p.Stat().MaxSize(), int32(4))
		assert.Equal(t, DefaultConnectTimeout, p.cfg.ConnectTimeout)
		assert.Equal(t, DefaultPingAfterIdle, p.cfg.PingAfterIdle)
		assert.Equal(t, DefaultHealthCheckPeriod, p.cfg.HealthCheckPeriod)
		assert.Zero(t, db.opened.Load(), "New must not connect without MinIdle")
		closeAndCheck(t, p, db)
	})
}

func TestMaxSizeAndWaiting(t *testing.T) {
	db := newFakeDB(t)
	cfg := db.config()
	cfg.MaxSize = 2
	p := newPool(t, cfg)

	c1 := acquire(t, p)
	c2 := acquire(t, p)
	assert.NotEqual(t, c1.Value().id, c2.Value().id)

	got := make(chan *Conn[*fakeConn], 1)
	go func() {
		c, err := p.Acquire(context.Background())
		assert.NoError(t, err)
		got <- c
	}()
	select {
	case <-got:
		t.Fatal("a third Acquire on a pool of 2 did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	s := p.Stat()
	assert.Equal(t, int32(2), s.Acquired())
	assert.Equal(t, int32(2), s.Total())
	assert.Equal(t, int64(2), s.Created())

	id2 := c2.Value().id
	c2.Release()
	var c3 *Conn[*fakeConn]
	select {
	case c3 = <-got:
	case <-time.After(waitLimit):
		t.Fatal("the waiting Acquire did not get the released connection")
	}
	assert.Equal(t, id2, c3.Value().id, "the waiter gets the released connection, not a new one")

	s = p.Stat()
	assert.Equal(t, int64(3), s.AcquireCount())
	assert.Equal(t, int64(3), s.WaitCount(), "two checkouts waited for a connect, one for a release")
	assert.Positive(t, s.WaitDuration())
	assert.Equal(t, int64(2), s.Created())
	assert.Equal(t, int64(2), db.maxLive.Load())

	c1.Release()
	c3.Release()
	closeAndCheck(t, p, db)
}

func TestAcquireTimeout(t *testing.T) {
	db := newFakeDB(t)
	cfg := db.config()
	cfg.MaxSize = 1
	cfg.AcquireTimeout = 50 * time.Millisecond
	p := newPool(t, cfg)
	held := acquire(t, p)

	done := make(chan error, 1)
	go func() {
		_, err := p.Acquire(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrAcquireTimeout)
		assert.EqualError(t, err, "pool: no connection available within 50ms (max size 1, 1 in use)")
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(waitLimit):
		t.Fatal("Acquire with AcquireTimeout 50ms did not return")
	}
	assert.Equal(t, int64(1), p.Stat().AcquireCount(), "a timed-out Acquire is not counted")

	held.Release()
	c := acquire(t, p)
	assert.Equal(t, int64(1), c.Value().id)
	c.Release()
	closeAndCheck(t, p, db)
}

func TestAcquireContext(t *testing.T) {
	db := newFakeDB(t)
	cfg := db.config()
	cfg.MaxSize = 1
	cfg.AcquireTimeout = time.Hour
	p := newPool(t, cfg)
	held := acquire(t, p)

	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := p.Acquire(ctx)
		assert.Equal(t, context.Canceled, err)
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := p.Acquire(ctx)
			done <- err
		}()
		time.Sleep(10 * time.Millisecond)
		cancel()
		select {
		case err := <-done:
			assert.Equal(t, context.Canceled, err)
		case <-time.After(waitLimit):
			t.Fatal("Acquire ignored cancellation")
		}
	})
	t.Run("caller's deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := p.Acquire(ctx)
		assert.Equal(t, context.DeadlineExceeded, err, "the caller's own deadline is not the pool's timeout")
		assert.NotErrorIs(t, err, ErrAcquireTimeout)
	})
	t.Run("cancelled while connecting", func(t *testing.T) {
		db2 := newFakeDB(t)
		db2.connectGate = make(chan struct{})
		p2 := newPool(t, db2.config())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := p2.Acquire(ctx)
			done <- err
		}()
		require.Eventually(t, func() bool { return p2.Stat().Constructing() == 1 }, waitLimit, time.Millisecond)
		cancel()
		select {
		case err := <-done:
			assert.Equal(t, context.Canceled, err)
		case <-time.After(waitLimit):
			t.Fatal("Acquire waited for a connect after its context ended")
		}
		// The connect goes on and its connection joins the pool.
		close(db2.connectGate)
		assert.Eventually(t, func() bool { return p2.Stat().Idle() == 1 }, waitLimit, time.Millisecond)
		c := acquire(t, p2)
		assert.Equal(t, int64(1), c.Value().id)
		c.Release()
		closeAndCheck(t, p2, db2)
	})

	held.Release()
	closeAndCheck(t, p, db)
}

func TestLifetimeWithJitter(t *testing.T) {
	const n = 8
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.MaxSize = n
	cfg.MaxLifetime = time.Hour
	cfg.MaxLifetimeJitter = 10 * time.Minute
	p := newPool(t, cfg)
	t0 := clk.Now()

	var conns []*Conn[*fakeConn]
	expires := map[time.Time]bool{}
	for range n {
		c := acquire(t, p)
		conns = append(conns, c)
		exp := c.e.expires
		assert.False(t, exp.Before(t0.Add(time.Hour)), "expiry %s before the lifetime", exp.Sub(t0))
		assert.True(t, exp.Before(t0.Add(70*time.Minute)), "expiry %s beyond lifetime+jitter", exp.Sub(t0))
		expires[exp] = true
	}
	assert.Greater(t, len(expires), 1, "jitter spreads expiry times")
	for _, c := range conns {
		c.Release()
	}

	// Within the lifetime: the same connections are reused.
	clk.Advance(59 * time.Minute)
	conns = conns[:0]
	for range n {
		conns = append(conns, acquire(t, p))
	}
	for _, c := range conns {
		assert.LessOrEqual(t, c.Value().id, int64(n))
		c.Release()
	}
	assert.Equal(t, int64(n), p.Stat().Created())

	// Past lifetime + jitter: all of them are replaced at checkout.
	clk.Advance(11 * time.Minute)
	c := acquire(t, p)
	assert.Equal(t, int64(n+1), c.Value().id)
	eventuallyDestroyed(t, p, ReasonLifetime, n)
	for id := int64(1); id <= n; id++ {
		assert.True(t, db.conn(id).closed.Load(), "connection %d closed", id)
	}

	// A connection that expires while checked out is untouched until it
	// comes back, and then destroyed instead of reused.
	clk.Advance(71 * time.Minute)
	assert.False(t, c.Value().closed.Load())
	c.Release()
	eventuallyDestroyed(t, p, ReasonLifetime, n+1)
	assert.Zero(t, p.Stat().Idle())
	closeAndCheck(t, p, db)
}

func TestMaxIdleTimeBeyondMinIdle(t *testing.T) {
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.MaxSize = 5
	cfg.MinIdle = 2
	cfg.MaxIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = time.Minute
	cfg.PingAfterIdle = -1 // only the health check pings here
	p := newPool(t, cfg)
	require.Eventually(t, func() bool { return p.Stat().Idle() == 2 }, waitLimit, time.Millisecond, "warm-up")
	clk.waitTicker(t)

	var conns []*Conn[*fakeConn]
	for range 5 {
		conns = append(conns, acquire(t, p))
	}
	old, recent := conns[:3], conns[3:]
	for _, c := range old {
		c.Release()
	}

	// t0+2m: the three idle connections are pinged, not closed.
	clk.Advance(2 * time.Minute)
	require.Eventually(t, func() bool { return db.pings.Load() == 3 && p.Stat().Idle() == 3 }, waitLimit, time.Millisecond)
	assert.Zero(t, p.Stat().DestroyedTotal())
	for _, c := range recent {
		c.Release()
	}

	// t0+6m: the three released at t0 are idle past MaxIdleTime; the two
	// released at t0+2m are not.
	clk.Advance(4 * time.Minute)
	eventuallyDestroyed(t, p, ReasonIdle, 3)
	require.Eventually(t, func() bool { return db.pings.Load() == 5 && p.Stat().Idle() == 2 }, waitLimit, time.Millisecond)

	// t0+8m: all idle are past MaxIdleTime (the health check's pings do not
	// count as use), but only MinIdle are left, so they stay.
	clk.Advance(2 * time.Minute)
	require.Eventually(t, func() bool { return db.pings.Load() == 7 && p.Stat().Idle() == 2 }, waitLimit, time.Millisecond)
	assert.Equal(t, int64(3), p.Stat().Destroyed(ReasonIdle))
	assert.Equal(t, int64(5), p.Stat().Created())
	for id := int64(1); id <= 5; id++ {
		assert.Equal(t, id <= 3, db.conn(id).closed.Load(), "connection %d closed", id)
	}
	closeAndCheck(t, p, db)
}

func TestMinIdleWarmUp(t *testing.T) {
	db := newFakeDB(t)
	db.connectGate = make(chan struct{})
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.MaxSize = 5
	cfg.MinIdle = 3
	cfg.HealthCheckPeriod = time.Minute

	// New returns while the warm-up connects are still blocked.
	created := make(chan *Pool[*fakeConn], 1)
	go func() {
		p, err := New(context.Background(), cfg)
		assert.NoError(t, err)
		created <- p
	}()
	var p *Pool[*fakeConn]
	select {
	case p = <-created:
		t.Cleanup(func() { closeWithin(t, p) })
	case <-time.After(waitLimit):
		t.Fatal("New waited for a connect")
	}
	assert.Zero(t, p.Stat().Created())

	close(db.connectGate)
	assert.Eventually(t, func() bool { s := p.Stat(); return s.Idle() == 3 && s.Created() == 3 }, waitLimit, time.Millisecond)

	// Checking one out leaves two idle; the next health check opens one
	// more so that three are ready again.
	clk.waitTicker(t)
	c := acquire(t, p)
	assert.Equal(t, int64(3), p.Stat().Created(), "an idle connection was ready")
	clk.Advance(time.Minute)
	assert.Eventually(t, func() bool { s := p.Stat(); return s.Idle() == 3 && s.Total() == 4 }, waitLimit, time.Millisecond)
	c.Release()
	assert.Equal(t, int32(4), p.Stat().Idle())
	closeAndCheck(t, p, db)
}

func TestPrePing(t *testing.T) {
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.MaxSize = 2
	p := newPool(t, cfg)

	c := acquire(t, p)
	first := c.Value()
	c.Release()

	// Idle for no longer than PingAfterIdle (1s): no ping.
	clk.Advance(time.Second)
	c = acquire(t, p)
	assert.Same(t, first, c.Value())
	assert.Zero(t, db.pings.Load())
	c.Release()

	// Idle longer, and dead: the ping fails, it is destroyed, and a fresh
	// connection is handed out instead.
	first.broken.Store(true)
	clk.Advance(2 * time.Second)
	c = acquire(t, p)
	assert.Equal(t, int64(2), c.Value().id)
	assert.Equal(t, int64(1), db.pings.Load())
	eventuallyDestroyed(t, p, ReasonPingFailed, 1)
	assert.True(t, first.closed.Load())
	c.Release()

	// Idle longer, and alive: pinged and handed out.
	clk.Advance(2 * time.Second)
	c = acquire(t, p)
	assert.Equal(t, int64(2), c.Value().id)
	assert.Equal(t, int64(2), db.pings.Load())
	c.Release()
	closeAndCheck(t, p, db)
}

func TestPrePingDisabled(t *testing.T) {
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.PingAfterIdle = -1
	p := newPool(t, cfg)
	c := acquire(t, p)
	c.Release()
	clk.Advance(24 * time.Hour)
	c = acquire(t, p)
	assert.Equal(t, int64(1), c.Value().id)
	assert.Zero(t, db.pings.Load())
	c.Release()
	closeAndCheck(t, p, db)
}

func TestPrePingBoundedByAcquire(t *testing.T) {
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.AcquireTimeout = 50 * time.Millisecond
	p := newPool(t, cfg)
	c := acquire(t, p)
	c.Release()
	clk.Advance(time.Minute)

	db.pingBlock.Store(true) // a server that never answers
	done := make(chan error, 1)
	go func() {
		_, err := p.Acquire(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, ErrAcquireTimeout)
	case <-time.After(waitLimit):
		t.Fatal("a hanging pre-ping held Acquire past its timeout")
	}
	eventuallyDestroyed(t, p, ReasonPingFailed, 1)
	closeAndCheck(t, p, db)
}

func TestHealthCheck(t *testing.T) {
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.MaxSize = 4
	cfg.MinIdle = 1
	cfg.MaxLifetime = 10 * time.Minute
	cfg.HealthCheckPeriod = time.Minute
	p := newPool(t, cfg)
	require.Eventually(t, func() bool { return p.Stat().Idle() == 1 }, waitLimit, time.Millisecond, "warm-up")
	clk.waitTicker(t)

	conns := []*Conn[*fakeConn]{acquire(t, p), acquire(t, p), acquire(t, p)}
	dead := conns[1].Value()
	for _, c := range conns {
		c.Release()
	}
	dead.broken.Store(true)

	// The check pings the idle connections and drops the dead one; two
	// remain, at least MinIdle, so none is opened.
	clk.Advance(time.Minute)
	eventuallyDestroyed(t, p, ReasonPingFailed, 1)
	require.Eventually(t, func() bool { return db.pings.Load() == 3 && p.Stat().Idle() == 2 }, waitLimit, time.Millisecond)
	assert.True(t, dead.closed.Load())
	assert.Equal(t, int64(3), p.Stat().Created())

	// Past their lifetime, idle connections are closed by the check, even
	// below MinIdle, and a fresh one is opened to keep MinIdle ready.
	clk.Advance(10 * time.Minute)
	eventuallyDestroyed(t, p, ReasonLifetime, 2)
	assert.Eventually(t, func() bool { s := p.Stat(); return s.Idle() == 1 && s.Created() == 4 }, waitLimit, time.Millisecond)
	c := acquire(t, p)
	assert.Equal(t, int64(4), c.Value().id)
	c.Release()
	closeAndCheck(t, p, db)
}

func TestNotReusableIsDestroyed(t *testing.T) {
	db := newFakeDB(t)
	var checkins atomic.Int64
	cfg := db.config()
	cfg.Hooks.OnCheckin = func(*fakeConn) { checkins.Add(1) }
	p := newPool(t, cfg)

	c := acquire(t, p)
	inTx := c.Value()
	inTx.inTx.Store(true) // released inside a transaction
	c.Release()
	eventuallyDestroyed(t, p, ReasonNotReusable, 1)
	assert.True(t, inTx.closed.Load())
	assert.Zero(t, checkins.Load(), "OnCheckin runs only for reused connections")

	c = acquire(t, p)
	assert.Equal(t, int64(2), c.Value().id, "the next caller gets a fresh connection")
	c.Release()
	assert.Equal(t, int64(1), checkins.Load())
	closeAndCheck(t, p, db)

	t.Run("nil Reusable", func(t *testing.T) {
		db := newFakeDB(t)
		cfg := db.config()
		cfg.Reusable = nil
		p := newPool(t, cfg)
		c := acquire(t, p)
		c.Value().inTx.Store(true)
		c.Release()
		c = acquire(t, p)
		assert.Equal(t, int64(1), c.Value().id)
		c.Release()
		closeAndCheck(t, p, db)
	})
}

func TestConnInvalidate(t *testing.T) {
	db := newFakeDB(t)
	p := newPool(t, db.config())
	c := acquire(t, p)
	v := c.Value()
	c.Invalidate()
	c.Invalidate()
	c.Release()
	assert.PanicsWithValue(t, "pool: Value called on a released connection", func() { c.Value() })
	eventuallyDestroyed(t, p, ReasonInvalidated, 1)
	assert.True(t, v.closed.Load())

	c = acquire(t, p)
	assert.Equal(t, int64(2), c.Value().id)
	c.Release()
	c.Release()
	assert.PanicsWithValue(t, "pool: Value called on a released connection", func() { c.Value() })
	assert.Equal(t, int32(1), p.Stat().Idle(), "a second Release does not return the connection twice")
	closeAndCheck(t, p, db)
}

func TestPoolInvalidate(t *testing.T) {
	db := newFakeDB(t)
	cfg := db.config()
	cfg.MaxSize = 3
	p := newPool(t, cfg)
	a, b, held := acquire(t, p), acquire(t, p), acquire(t, p)
	a.Release()
	b.Release()

	p.Invalidate()
	eventuallyDestroyed(t, p, ReasonInvalidated, 2)
	assert.Zero(t, p.Stat().Idle())
	assert.False(t, held.Value().closed.Load(), "a checked-out connection is not closed under its user")

	c := acquire(t, p)
	assert.Equal(t, int64(4), c.Value().id, "only connections opened after Invalidate are handed out")
	held.Release()
	eventuallyDestroyed(t, p, ReasonInvalidated, 3)
	c.Release()
	c = acquire(t, p)
	assert.Equal(t, int64(4), c.Value().id, "new connections are reused")
	c.Release()
	closeAndCheck(t, p, db)
}

func TestPoolInvalidateWhileConnecting(t *testing.T) {
	db := newFakeDB(t)
	db.connectGate = make(chan struct{})
	p := newPool(t, db.config())

	got := make(chan *Conn[*fakeConn], 1)
	go func() {
		c, err := p.Acquire(context.Background())
		assert.NoError(t, err)
		got <- c
	}()
	require.Eventually(t, func() bool { return db.connecting.Load() == 1 }, waitLimit, time.Millisecond)
	p.Invalidate()
	close(db.connectGate)

	var c *Conn[*fakeConn]
	select {
	case c = <-got:
	case <-time.After(waitLimit):
		t.Fatal("Acquire did not return")
	}
	assert.Equal(t, int64(2), c.Value().id, "the connection begun before Invalidate is stale")
	eventuallyDestroyed(t, p, ReasonInvalidated, 1)
	c.Release()
	closeAndCheck(t, p, db)
}

func TestHooks(t *testing.T) {
	db := newFakeDB(t)
	var mu sync.Mutex
	var events []string
	record := func(ev string, c *fakeConn) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, fmt.Sprintf("%s %d", ev, c.id))
	}
	cfg := db.config()
	cfg.MaxSize = 1
	cfg.Hooks = Hooks[*fakeConn]{
		OnConnect:  func(_ context.Context, c *fakeConn) error { record("connect", c); return nil },
		OnCheckout: func(_ context.Context, c *fakeConn) error { record("checkout", c); return nil },
		OnCheckin:  func(c *fakeConn) { record("checkin", c) },
		OnClose:    func(c *fakeConn, _ Reason) { record("close", c) },
	}
	p := newPool(t, cfg)
	for range 2 {
		acquire(t, p).Release()
	}
	c := acquire(t, p)
	c.Value().inTx.Store(true)
	c.Release()
	acquire(t, p).Release()
	closeAndCheck(t, p, db)

	assert.Equal(t, []string{
		"connect 1", "checkout 1", "checkin 1", "checkout 1", "checkin 1",
		"checkout 1", "close 1", // released inside a transaction: no checkin
		"connect 2", "checkout 2", "checkin 2",
		"close 2",
	}, events)
}

func TestHookErrors(t *testing.T) {
	t.Run("OnConnect", func(t *testing.T) {
		db := newFakeDB(t)
		hookErr := errors.New("set search_path: permission denied")
		var closes atomic.Int64
		cfg := db.config()
		cfg.MaxSize = 1
		cfg.Hooks.OnConnect = func(_ context.Context, c *fakeConn) error {
			if c.id == 1 {
				return hookErr
			}
			return nil
		}
		cfg.Hooks.OnClose = func(*fakeConn, Reason) { closes.Add(1) }
		p := newPool(t, cfg)
		_, err := p.Acquire(context.Background())
		assert.ErrorIs(t, err, hookErr)
		assert.EqualError(t, err, "pool: connect hook: set search_path: permission denied")
		assert.True(t, db.conn(1).closed.Load(), "a connection OnConnect rejected is closed")
		assert.Zero(t, closes.Load(), "OnClose is only for connections that joined the pool")
		s := p.Stat()
		assert.Equal(t, int64(1), s.ConnectFailures())
		assert.Zero(t, s.Created())
		assert.Zero(t, s.Total(), "the slot is free again")

		c := acquire(t, p)
		assert.Equal(t, int64(2), c.Value().id)
		c.Release()
		closeWithin(t, p)
		assert.Equal(t, db.opened.Load(), db.closed.Load())
		assert.Equal(t, int64(1), closes.Load())
	})
	t.Run("OnCheckout", func(t *testing.T) {
		db := newFakeDB(t)
		hookErr := errors.New("session reset failed")
		var fail atomic.Bool
		cfg := db.config()
		cfg.Hooks.OnCheckout = func(context.Context, *fakeConn) error {
			if fail.Load() {
				return hookErr
			}
			return nil
		}
		p := newPool(t, cfg)
		acquire(t, p).Release()
		fail.Store(true)
		_, err := p.Acquire(context.Background())
		assert.ErrorIs(t, err, hookErr)
		assert.EqualError(t, err, "pool: checkout hook: session reset failed")
		eventuallyDestroyed(t, p, ReasonCheckoutFailed, 1)
		fail.Store(false)
		c := acquire(t, p)
		assert.Equal(t, int64(2), c.Value().id)
		c.Release()
		closeAndCheck(t, p, db)
	})
}

func TestStatCounters(t *testing.T) {
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.MaxSize = 3
	cfg.MaxLifetime = time.Hour
	p := newPool(t, cfg)

	a, b := acquire(t, p), acquire(t, p)
	s := p.Stat()
	assert.Equal(t, int32(2), s.Acquired())
	assert.Zero(t, s.Idle())
	assert.Zero(t, s.Constructing())
	assert.Equal(t, int32(2), s.Total())
	assert.Equal(t, int32(3), s.MaxSize())

	a.Release()
	b.Value().inTx.Store(true)
	b.Release() // not reusable
	eventuallyDestroyed(t, p, ReasonNotReusable, 1)

	c := acquire(t, p) // the idle one
	c.Invalidate()
	eventuallyDestroyed(t, p, ReasonInvalidated, 1)

	db.failConnects.Store(1)
	_, err := p.Acquire(context.Background())
	require.ErrorIs(t, err, errConnect)

	d := acquire(t, p) // connection 3
	d.Release()
	d = acquire(t, p)
	d.Value().broken.Store(true)
	d.Release() // not reusable (broken)
	e := acquire(t, p)
	e.Release()
	clk.Advance(2 * time.Hour)
	e = acquire(t, p) // connection 4 expired, replaced by 5
	e.Release()
	eventuallyDestroyed(t, p, ReasonLifetime, 1)

	s = p.Stat()
	assert.Equal(t, int64(7), s.AcquireCount(), "a, b, c, d twice, e twice")
	assert.Equal(t, int64(5), s.Created())
	assert.Equal(t, int64(1), s.ConnectFailures())
	assert.Equal(t, int64(2), s.Destroyed(ReasonNotReusable))
	assert.Equal(t, int64(1), s.Destroyed(ReasonInvalidated))
	assert.Equal(t, int64(1), s.Destroyed(ReasonLifetime))
	assert.Zero(t, s.Destroyed(ReasonIdle))
	assert.Zero(t, s.Destroyed(ReasonPingFailed))
	assert.Zero(t, s.Destroyed(ReasonCheckoutFailed))
	assert.Zero(t, s.Destroyed(ReasonPoolClosed))
	assert.Equal(t, int64(4), s.DestroyedTotal())
	assert.Equal(t, int32(1), s.Idle())
	assert.Zero(t, s.Acquired())

	closeAndCheck(t, p, db)
	assert.Equal(t, int64(1), p.Stat().Destroyed(ReasonPoolClosed))
	assert.Equal(t, "checkout hook failed", ReasonCheckoutFailed.String())
	assert.Len(t, Reasons(), 7)
}

func TestClose(t *testing.T) {
	db := newFakeDB(t)
	cfg := db.config()
	cfg.MaxSize = 1
	p := newPool(t, cfg)
	acquire(t, p).Release()
	held := acquire(t, p)

	waiter := make(chan error, 1)
	go func() {
		_, err := p.Acquire(context.Background())
		waiter <- err
	}()
	closed := make(chan struct{})
	go func() {
		p.Close()
		close(closed)
	}()
	require.Eventually(t, p.closed.Load, waitLimit, time.Millisecond)
	select {
	case <-closed:
		t.Fatal("Close returned while a connection was checked out")
	case <-time.After(20 * time.Millisecond):
	}
	_, err := p.Acquire(context.Background())
	assert.Equal(t, ErrClosed, err)
	assert.False(t, held.Value().closed.Load(), "Close does not close connections in use")

	held.Release()
	select {
	case <-closed:
	case <-time.After(waitLimit):
		t.Fatal("Close did not return after the last connection came back")
	}
	select {
	case err := <-waiter:
		assert.Equal(t, ErrClosed, err, "an Acquire waiting when the pool closed")
	case <-time.After(waitLimit):
		t.Fatal("a waiting Acquire did not return after Close")
	}
	p.Close() // again: returns at once
	closeAndCheck(t, p, db)
	assert.Equal(t, int64(1), p.Stat().Destroyed(ReasonPoolClosed))
}

func TestCloseClosesIdle(t *testing.T) {
	db := newFakeDB(t)
	cfg := db.config()
	cfg.MinIdle = 2
	cfg.MaxSize = 4
	p := newPool(t, cfg)
	require.Eventually(t, func() bool { return p.Stat().Idle() == 2 }, waitLimit, time.Millisecond)
	a, b, c := acquire(t, p), acquire(t, p), acquire(t, p)
	a.Release()
	b.Release()
	c.Release()
	closeAndCheck(t, p, db)
	assert.Equal(t, int64(3), p.Stat().Destroyed(ReasonPoolClosed))
}

func TestConnectFailureDoesNotLeakSlot(t *testing.T) {
	db := newFakeDB(t)
	cfg := db.config()
	cfg.MaxSize = 1
	cfg.AcquireTimeout = waitLimit // a leaked slot would make Acquire wait for it
	p := newPool(t, cfg)

	db.failConnects.Store(3)
	for range 3 {
		_, err := p.Acquire(context.Background())
		require.ErrorIs(t, err, errConnect)
		assert.EqualError(t, err, "pool: connect: fake: connection refused")
		assert.Zero(t, p.Stat().Total())
	}
	c := acquire(t, p)
	assert.Equal(t, int64(1), c.Value().id)
	s := p.Stat()
	assert.Equal(t, int64(3), s.ConnectFailures())
	assert.Equal(t, int64(1), s.Created())
	c.Release()
	closeAndCheck(t, p, db)
}

func TestConnectTimeout(t *testing.T) {
	db := newFakeDB(t)
	db.connectGate = make(chan struct{}) // never opens: a server that does not answer
	cfg := db.config()
	cfg.ConnectTimeout = 20 * time.Millisecond
	p := newPool(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_, err := p.Acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualError(t, err, "pool: connect: not done within 20ms: context deadline exceeded")
	assert.Zero(t, p.Stat().Total())
	closeAndCheck(t, p, db)
}

// TestSingleConnection is the configuration of an in-memory SQLite
// database: one connection, shared in turn, never replaced.
func TestSingleConnection(t *testing.T) {
	db := newFakeDB(t)
	clk := newFakeClock()
	cfg := db.config()
	cfg.Clock = clk
	cfg.MaxSize = 1
	cfg.HealthCheckPeriod = time.Minute
	p := newPool(t, cfg)
	clk.waitTicker(t)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				c := acquire(t, p)
				if !c.Value().inUse.CompareAndSwap(false, true) {
					t.Error("the single connection was handed out twice")
				}
				c.Value().inUse.Store(false)
				c.Release()
			}
		})
	}
	wg.Wait()
	clk.Advance(365 * 24 * time.Hour) // a year idle, through a health check
	require.Eventually(t, func() bool { return db.pings.Load() >= 1 && p.Stat().Idle() == 1 }, waitLimit, time.Millisecond)
	c := acquire(t, p)
	assert.Equal(t, int64(1), c.Value().id)
	c.Release()
	assert.Equal(t, int64(1), p.Stat().Created())
	assert.Zero(t, p.Stat().DestroyedTotal())
	closeAndCheck(t, p, db)
}

// TestConcurrency runs many goroutines through every policy at once under
// real time; the race detector and the fake's counters check the result.
func TestConcurrency(t *testing.T) {
	const maxSize = 4
	db := newFakeDB(t)
	db.connectDelay = 200 * time.Microsecond
	cfg := db.config()
	cfg.MaxSize = maxSize
	cfg.MinIdle = 1
	cfg.MaxLifetime = 20 * time.Millisecond
	cfg.MaxLifetimeJitter = 10 * time.Millisecond
	cfg.MaxIdleTime = 5 * time.Millisecond
	cfg.PingAfterIdle = 100 * time.Microsecond
	cfg.HealthCheckPeriod = 5 * time.Millisecond
	var checkouts, checkins atomic.Int64
	cfg.Hooks.OnCheckout = func(context.Context, *fakeConn) error { checkouts.Add(1); return nil }
	cfg.Hooks.OnCheckin = func(*fakeConn) { checkins.Add(1) }
	p := newPool(t, cfg)

	var wg sync.WaitGroup
	var acquired, failed atomic.Int64
	for g := range 16 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 40 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(20000))*time.Microsecond)
				c, err := p.Acquire(ctx)
				cancel()
				if err != nil {
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("Acquire: %v", err)
					}
					failed.Add(1)
					continue
				}
				acquired.Add(1)
				v := c.Value()
				if !v.inUse.CompareAndSwap(false, true) {
					t.Errorf("connection %d handed out twice", v.id)
				}
				if v.closed.Load() {
					t.Errorf("closed connection %d handed out", v.id)
				}
				if r.IntN(20) == 0 {
					v.inTx.Store(true)
				}
				time.Sleep(time.Duration(r.IntN(300)) * time.Microsecond)
				v.inUse.Store(false)
				switch r.IntN(100) {
				case 0, 1, 2:
					c.Invalidate()
				case 3:
					p.Invalidate()
					c.Release()
				default:
					c.Release()
				}
				c.Release()
				if r.IntN(20) == 0 {
					v.broken.Store(true) // dies while idle
				}
			}
		})
	}
	wg.Wait()
	// Destroys finish and the health check puts back what it holds for a
	// moment; then nothing is out of the pool.
	assert.Eventually(t, func() bool { s := p.Stat(); return s.Acquired()+s.Constructing() == 0 },
		waitLimit, 100*time.Microsecond, "nothing left checked out")
	s := p.Stat()
	assert.Equal(t, acquired.Load(), s.AcquireCount())
	assert.Equal(t, acquired.Load(), checkouts.Load())
	assert.LessOrEqual(t, checkins.Load(), acquired.Load())
	assert.LessOrEqual(t, db.maxLive.Load(), int64(maxSize), "never more connections than MaxSize")
	assert.Positive(t, acquired.Load())
	closeAndCheck(t, p, db)
	t.Logf("acquired %d, timed out %d, opened %d, destroyed by reason %v", acquired.Load(), failed.Load(), db.opened.Load(),
		slices.Collect(func(yield func(string) bool) {
			for _, r := range Reasons() {
				if !yield(fmt.Sprintf("%s=%d", r, p.Stat().Destroyed(r))) {
					return
				}
			}
		}))
}

func BenchmarkAcquireRelease(b *testing.B) {
	db := newFakeDB(b)
	cfg := db.config()
	p, err := New(context.Background(), cfg)
	require.NoError(b, err)
	defer p.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := p.Acquire(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			c.Release()
		}
	})
}
