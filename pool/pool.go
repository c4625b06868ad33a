package pool

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/puddle/v2"
)

// ErrClosed is returned by [Pool.Acquire] on a closed pool, and by an Acquire
// that was waiting when the pool was closed.
var ErrClosed = errors.New("pool: closed")

// ErrAcquireTimeout is matched (with errors.Is) by the error [Pool.Acquire]
// returns when Config.AcquireTimeout expires. The error's text names the
// timeout, the pool's size and how much of it was in use, e.g.
// "pool: no connection available within 2s (max size 8, 8 in use)".
var ErrAcquireTimeout = errors.New("pool: no connection available")

// Pool is a concurrency-safe pool of connections of type T.
//
// The concurrency (the size limit, waiting, the idle stack) is puddle's; Pool
// adds the policy: when a connection is too old, idle too long, broken or not
// reusable, and what runs when.
type Pool[T any] struct {
	p   *puddle.Pool[*entry[T]]
	cfg Config[T]

	// gen is the generation new connections are born into; Invalidate
	// bumps it, which makes every older connection stale.
	gen atomic.Int64

	// ctx bounds the background work (warm-up connects, health-check
	// pings) and is cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc
	// checkNow asks the background goroutine for a health check soon; its
	// buffer of one coalesces requests.
	checkNow  chan struct{}
	bgDone    chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool

	acquireCount    atomic.Int64
	created         atomic.Int64
	connectFailures atomic.Int64
	destroyed       [numReasons]atomic.Int64
}

// entry is what the puddle pool holds: one connection and the policy state
// that goes with it. Its fields other than reason are written only by
// whoever has the entry acquired from puddle, whose lock orders those writes
// before the next acquirer's reads.
type entry[T any] struct {
	value    T
	gen      int64
	expires  time.Time // zero: never
	lastUsed time.Time
	// reason is set just before the pool destroys the entry; zero means
	// puddle destroyed it because the pool was closed.
	reason Reason
}

func (e *entry[T]) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}

// New creates a pool. It returns an error only if cfg is invalid: it opens no
// connection itself. If cfg.MinIdle is positive, that many connections are
// opened in the background with ctx's values (but not its cancellation); a
// failure there is not reported, so Acquire a connection to learn whether the
// database can be reached.
//
// The pool runs a background goroutine until [Pool.Close].
func New[T any](ctx context.Context, cfg Config[T]) (*Pool[T], error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Pool[T]{
		cfg:      cfg,
		checkNow: make(chan struct{}, 1),
		bgDone:   make(chan struct{}),
	}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.p, err = puddle.NewPool(&puddle.Config[*entry[T]]{
		Constructor: p.construct,
		Destructor:  p.destruct,
		MaxSize:     cfg.MaxSize,
	})
	if err != nil {
		p.cancel()
		return nil, fmt.Errorf("pool: %w", err)
	}
	go p.background()
	return p, nil
}

// construct opens a connection for puddle, which calls it with a context that
// is cancelled only when the pool closes.
func (p *Pool[T]) construct(ctx context.Context) (*entry[T], error) {
	gen := p.gen.Load()
	cctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	defer cancel()
	v, err := p.cfg.Connect(cctx)
	if err != nil {
		p.connectFailures.Add(1)
		if ctx.Err() == nil && cctx.Err() != nil {
			return nil, fmt.Errorf("pool: connect: not done within %s: %w", p.cfg.ConnectTimeout, err)
		}
		return nil, fmt.Errorf("pool: connect: %w", err)
	}
	if h := p.cfg.Hooks.OnConnect; h != nil {
		if err := h(cctx, v); err != nil {
			p.connectFailures.Add(1)
			p.cfg.Close(v)
			return nil, fmt.Errorf("pool: connect hook: %w", err)
		}
	}
	now := p.cfg.Clock.Now()
	e := &entry[T]{value: v, gen: gen, lastUsed: now}
	if p.cfg.MaxLifetime > 0 {
		life := p.cfg.MaxLifetime
		if j := p.cfg.MaxLifetimeJitter; j > 0 {
			life += rand.N(j)
		}
		e.expires = now.Add(life)
	}
	p.created.Add(1)
	return e, nil
}

// destruct closes a connection for puddle, in a goroutine of puddle's.
func (p *Pool[T]) destruct(e *entry[T]) {
	if h := p.cfg.Hooks.OnClose; h != nil {
		h(e.value, e.reason)
	}
	p.cfg.Close(e.value)
	p.destroyed[e.reason].Add(1)
}

// destroy closes an acquired connection for reason, asynchronously, and asks
// for a health check, since the pool may now be short of MinIdle.
func (p *Pool[T]) destroy(res *puddle.Resource[*entry[T]], reason Reason) {
	res.Value().reason = reason
	res.Destroy()
	p.triggerCheck()
}

// Acquire checks a connection out of the pool, opening one if none is idle
// and the pool is not full, or waiting for one otherwise. The caller must
// hand it back with [Conn.Release] or [Conn.Invalidate].
//
// Before a connection is handed out, Acquire destroys it and takes another if
// it is stale (see [Pool.Invalidate]), older than its lifetime, or idle
// longer than Config.PingAfterIdle and failing a ping. Then it runs the
// OnCheckout hook; an error there destroys the connection and is returned.
//
// Acquire returns ctx.Err() if ctx ends first, an error matching
// [ErrAcquireTimeout] if Config.AcquireTimeout does, [ErrClosed] if the pool
// is closed, and otherwise the error of opening a connection.
func (p *Pool[T]) Acquire(ctx context.Context) (*Conn[T], error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	actx := ctx
	if p.cfg.AcquireTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, p.cfg.AcquireTimeout)
		defer cancel()
	}
	// Each turn that does not return destroys a connection that existed
	// before this call (a new one is neither stale nor idle), so MaxSize+1
	// turns are enough unless MaxLifetime is shorter than a connect.
	attempts := int(p.cfg.MaxSize) + 1
	var lastErr error
	for range attempts {
		res, err := p.p.Acquire(actx)
		if err != nil {
			return nil, p.acquireError(ctx, actx, err)
		}
		if p.closed.Load() {
			// Close began while this call waited; the connection
			// belongs to the closing pool, which destroys it.
			res.ReleaseUnused()
			return nil, ErrClosed
		}
		e := res.Value()
		now := p.cfg.Clock.Now()
		if e.gen != p.gen.Load() {
			p.destroy(res, ReasonInvalidated)
			lastErr = errors.New("connection invalidated")
			continue
		}
		if e.expired(now) {
			p.destroy(res, ReasonLifetime)
			lastErr = errors.New("connection past its lifetime")
			continue
		}
		if p.cfg.Ping != nil && p.cfg.PingAfterIdle > 0 && now.Sub(e.lastUsed) > p.cfg.PingAfterIdle {
			if err := p.cfg.Ping(actx, e.value); err != nil {
				p.destroy(res, ReasonPingFailed)
				if actx.Err() != nil {
					return nil, p.acquireError(ctx, actx, actx.Err())
				}
				lastErr = fmt.Errorf("ping: %w", err)
				continue
			}
		}
		if h := p.cfg.Hooks.OnCheckout; h != nil {
			if err := h(actx, e.value); err != nil {
				p.destroy(res, ReasonCheckoutFailed)
				return nil, fmt.Errorf("pool: checkout hook: %w", err)
			}
		}
		p.acquireCount.Add(1)
		return &Conn[T]{res: res, e: e, p: p}, nil
	}
	return nil, fmt.Errorf("pool: no usable connection after %d attempts: %w", attempts, lastErr)
}

// acquireError turns an error of puddle's Acquire, called with actx (ctx
// narrowed by AcquireTimeout), into the one the caller should see.
func (p *Pool[T]) acquireError(ctx, actx context.Context, err error) error {
	switch {
	case errors.Is(err, puddle.ErrClosedPool):
		return ErrClosed
	case ctx.Err() != nil:
		return ctx.Err()
	case actx.Err() != nil:
		s := p.p.Stat()
		return fmt.Errorf("%w within %s (max size %d, %d in use)",
			ErrAcquireTimeout, p.cfg.AcquireTimeout, s.MaxResources(), s.TotalResources()-s.IdleResources())
	}
	return err
}

// release hands a connection back: into the idle stack if it may be reused,
// to destruction otherwise.
func (p *Pool[T]) release(res *puddle.Resource[*entry[T]], e *entry[T]) {
	if p.closed.Load() {
		// puddle destroys what comes back to a closed pool; asking the
		// connection whether it is reusable would be wasted work.
		res.Release()
		return
	}
	now := p.cfg.Clock.Now()
	switch {
	case e.gen != p.gen.Load():
		p.destroy(res, ReasonInvalidated)
	case p.cfg.Reusable != nil && !p.cfg.Reusable(e.value):
		p.destroy(res, ReasonNotReusable)
	case e.expired(now):
		p.destroy(res, ReasonLifetime)
	default:
		if h := p.cfg.Hooks.OnCheckin; h != nil {
			h(e.value)
		}
		e.lastUsed = now
		res.Release()
	}
}

// Invalidate destroys every idle connection now and every checked-out one when
// it is released, and makes connections still being opened stale, so that
// only connections opened after the call are handed out. It is what to do
// when the database failed over or restarted: all its connections are gone
// even if they do not know it yet.
func (p *Pool[T]) Invalidate() {
	gen := p.gen.Add(1)
	for _, res := range p.p.AcquireAllIdle() {
		if res.Value().gen != gen {
			p.destroy(res, ReasonInvalidated)
		} else {
			res.ReleaseUnused()
		}
	}
	p.triggerCheck()
}

// Stat returns a snapshot of the pool's state and counters.
func (p *Pool[T]) Stat() Stat {
	ps := p.p.Stat()
	s := Stat{
		acquired:        ps.AcquiredResources(),
		idle:            ps.IdleResources(),
		constructing:    ps.ConstructingResources(),
		maxSize:         ps.MaxResources(),
		acquireCount:    p.acquireCount.Load(),
		waitCount:       ps.EmptyAcquireCount(),
		waitDuration:    ps.EmptyAcquireWaitTime(),
		created:         p.created.Load(),
		connectFailures: p.connectFailures.Load(),
	}
	for i := range s.destroyed {
		s.destroyed[i] = p.destroyed[i].Load()
	}
	return s
}

// Close stops the background check, rejects further Acquire calls, waits for
// every checked-out connection to be released and closes all connections. A
// second call returns once the first has finished.
func (p *Pool[T]) Close() {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.cancel()
		<-p.bgDone
		p.p.Close()
	})
}
