package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Defaults for the zero values of [Config] fields.
const (
	DefaultConnectTimeout    = 30 * time.Second
	DefaultPingAfterIdle     = time.Second
	DefaultHealthCheckPeriod = time.Minute
)

// DefaultMaxSize returns the size of a pool whose Config.MaxSize is zero:
// the greater of 4 and the number of CPUs.
func DefaultMaxSize() int32 {
	return int32(max(4, runtime.NumCPU()))
}

// Config describes a pool: how to open, check and close its connections, and
// the policy that decides when a connection is reused or replaced.
//
// Connect and Close are required. Every other field has a documented meaning
// for its zero value, so a Config literal names only what it changes.
//
// A pool of exactly one connection that lives as long as the pool — what an
// in-memory SQLite database needs, since the database disappears with its
// connection — is MaxSize 1 with MaxLifetime and MaxIdleTime left at zero.
// See the package documentation.
type Config[T any] struct {
	// Connect opens a new connection. Its context carries the values of the
	// Acquire call that needed the connection (or of New, for warm-up), but
	// its deadline is ConnectTimeout: a connection that is still being
	// opened when its Acquire gives up keeps going and joins the pool as an
	// idle connection, so no caller's impatience wastes a connect.
	Connect func(ctx context.Context) (T, error)

	// Close closes a connection for good. The pool calls it exactly once for
	// every connection Connect returned, from a goroutine of its own; it
	// should return within a bounded time.
	Close func(conn T)

	// Ping checks that a connection still works and must honour ctx. It is
	// used for the pre-ping at checkout (see PingAfterIdle) and by the
	// health check. If nil, connections are never pinged.
	Ping func(ctx context.Context, conn T) error

	// Reusable reports whether a connection handed back by Release may be
	// used again. A connection for which it returns false is destroyed: one
	// inside a transaction, in the middle of a result, or broken. It runs
	// inside Release, on the caller's goroutine, so it should only look at
	// the connection's state. If nil, every released connection is
	// reusable.
	Reusable func(conn T) bool

	// MaxSize is the most connections the pool holds at once, counting the
	// ones checked out, idle and being opened. Zero means [DefaultMaxSize].
	MaxSize int32

	// MinIdle is the number of idle connections the pool tries to keep
	// ready: the background check opens connections (never more than
	// MaxSize in all) until that many are idle, and MaxIdleTime never
	// closes the last MinIdle of them. Zero means connections are opened
	// only when an Acquire needs one.
	MinIdle int32

	// AcquireTimeout bounds the whole of Acquire: waiting for a free slot,
	// opening a connection and pinging it. When it expires Acquire returns
	// an error matching [ErrAcquireTimeout]. Zero means Acquire waits as
	// long as its context allows.
	AcquireTimeout time.Duration

	// ConnectTimeout bounds each call of Connect and OnConnect, and each
	// ping of the health check. Zero means [DefaultConnectTimeout].
	ConnectTimeout time.Duration

	// MaxLifetime is how long a connection may live; an older one is
	// closed instead of being handed out or taken back, so connections are
	// recycled. Each connection's lifetime is MaxLifetime plus a random
	// duration below MaxLifetimeJitter, so that connections opened together
	// are not all replaced together. Zero MaxLifetime means forever.
	MaxLifetime       time.Duration
	MaxLifetimeJitter time.Duration

	// MaxIdleTime is how long a connection may stay idle before the health
	// check closes it, as long as more than MinIdle connections are idle.
	// Zero means idle connections are kept.
	MaxIdleTime time.Duration

	// PingAfterIdle makes Acquire ping a connection that has been idle
	// longer than this before handing it out; a connection whose ping fails
	// is destroyed and another one tried, so a connection the server or the
	// network dropped while it sat in the pool never reaches the caller.
	// Zero means [DefaultPingAfterIdle]; a negative value disables the
	// pre-ping.
	PingAfterIdle time.Duration

	// HealthCheckPeriod is how often the background check runs: it closes
	// connections past MaxLifetime or MaxIdleTime, pings connections that
	// stayed idle since the last check, and opens connections up to
	// MinIdle. Zero means [DefaultHealthCheckPeriod]; a negative value
	// disables the check. Independently of it, the pool opens replacements
	// up to MinIdle shortly after any connection is destroyed.
	HealthCheckPeriod time.Duration

	// Hooks are called at points of a connection's life.
	Hooks Hooks[T]

	// Clock tells the pool the time for its policies: connection ages,
	// idle times and the health check period. If nil, the pool uses real
	// time. AcquireTimeout and ConnectTimeout are always real time, since
	// they bound waits on contexts.
	Clock Clock
}

// Hooks are functions the pool calls at points of a connection's life. Any of
// them may be nil. A hook is called by one goroutine at a time for a given
// connection, but different connections' hooks run concurrently.
type Hooks[T any] struct {
	// OnConnect is called once for each new connection, after Connect and
	// with its context. An error closes the connection (without OnClose),
	// and the Acquire that needed it returns the error.
	OnConnect func(ctx context.Context, conn T) error

	// OnCheckout is called every time Acquire hands out a connection, with
	// the context of Acquire. An error destroys the connection and Acquire
	// returns the error.
	OnCheckout func(ctx context.Context, conn T) error

	// OnCheckin is called when a released connection goes back to the pool
	// to be reused; it is not called for connections that Release destroys.
	OnCheckin func(conn T)

	// OnClose is called just before Close, for every connection that
	// OnConnect accepted, with the reason the pool closes it.
	OnClose func(conn T, reason Reason)
}

// A Clock tells the pool the time. Tests substitute one to drive lifetime,
// idle and health-check policies without waiting.
type Clock interface {
	// Now returns the current time.
	Now() time.Time

	// NewTicker returns a channel that receives a value every d, dropping
	// ticks that the receiver is not ready for, and a function that stops
	// it.
	NewTicker(d time.Duration) (c <-chan time.Time, stop func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// withDefaults returns a copy of cfg with zero values replaced by defaults,
// or an error naming the first field that is invalid.
func (cfg Config[T]) withDefaults() (Config[T], error) {
	if cfg.Connect == nil {
		return cfg, errors.New("pool: Config.Connect is nil")
	}
	if cfg.Close == nil {
		return cfg, errors.New("pool: Config.Close is nil")
	}
	if cfg.MaxSize < 0 {
		return cfg, fmt.Errorf("pool: Config.MaxSize is negative (%d)", cfg.MaxSize)
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxSize()
	}
	if cfg.MinIdle < 0 {
		return cfg, fmt.Errorf("pool: Config.MinIdle is negative (%d)", cfg.MinIdle)
	}
	if cfg.MinIdle > cfg.MaxSize {
		return cfg, fmt.Errorf("pool: Config.MinIdle (%d) exceeds MaxSize (%d)", cfg.MinIdle, cfg.MaxSize)
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"AcquireTimeout", cfg.AcquireTimeout},
		{"ConnectTimeout", cfg.ConnectTimeout},
		{"MaxLifetime", cfg.MaxLifetime},
		{"MaxLifetimeJitter", cfg.MaxLifetimeJitter},
		{"MaxIdleTime", cfg.MaxIdleTime},
	} {
		if d.d < 0 {
			return cfg, fmt.Errorf("pool: Config.%s is negative (%s)", d.name, d.d)
		}
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.PingAfterIdle == 0 {
		cfg.PingAfterIdle = DefaultPingAfterIdle
	}
	if cfg.HealthCheckPeriod == 0 {
		cfg.HealthCheckPeriod = DefaultHealthCheckPeriod
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	return cfg, nil
}
