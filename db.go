package ore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
	"github.com/ore-go/ore/pool"
)

// Options configure a DB. The zero value is a good start; each field's
// comment gives its default.
type Options struct {
	// MaxConns is the most connections open at once; zero means
	// max(4, runtime.NumCPU()).
	MaxConns int32
	// MinIdleConns is how many idle connections the pool keeps ready;
	// zero means none (connections are opened on demand).
	MinIdleConns int32
	// AcquireTimeout bounds the wait for a free connection when all are in
	// use; zero means waiting as long as the context allows.
	AcquireTimeout time.Duration
	// ConnectTimeout bounds opening a connection; zero means 30 seconds.
	ConnectTimeout time.Duration
	// MaxConnLifetime is the age after which a connection is replaced, plus
	// a random part of MaxConnLifetimeJitter so they do not all go at once;
	// zero means connections live forever.
	MaxConnLifetime, MaxConnLifetimeJitter time.Duration
	// MaxConnIdleTime closes idle connections (beyond MinIdleConns) after
	// this long; zero means never.
	MaxConnIdleTime time.Duration
	// PingAfterIdle pings a connection idle longer than this before handing
	// it out, replacing it if it is dead; zero means one second, negative
	// never.
	PingAfterIdle time.Duration
	// HealthCheckPeriod is how often idle connections are checked in the
	// background; zero means one minute, negative never.
	HealthCheckPeriod time.Duration

	// StatementCacheSize is the number of compiled statement shapes kept
	// (see compile.Cache); zero means compile.DefaultCacheSize, negative
	// disables the cache.
	StatementCacheSize int

	// Echo, if set, logs every statement (SQL, arguments, duration, rows)
	// and transaction event at Info level, errors at Error level.
	Echo *slog.Logger

	// Listeners are registered at Open, as by [DB.Listen].
	Listeners []Listener
}

// DB is a database: a driver, a pool of its connections, a cache of
// compiled statements and the listeners of its events. It is safe for
// concurrent use; open one per database and share it.
type DB struct {
	drv       dialect.Driver
	dialect   compile.Dialect
	cache     *compile.Cache
	pool      *pool.Pool[dialect.Conn]
	listeners listeners
	closed    atomic.Bool
}

// Open returns a DB on drv (made by postgres.NewDriver or sqlite.NewDriver,
// for example). It does not connect unless opts.MinIdleConns asks for warm
// connections; use [DB.Ping] to check the database is reachable.
func Open(ctx context.Context, drv Driver, opts Options) (*DB, error) {
	if isNil(drv) {
		return nil, errors.New("ore: Open: nil driver")
	}
	db := &DB{drv: drv, dialect: drv.Dialect(), cache: compile.NewCache(drv.Dialect(), opts.StatementCacheSize)}
	for _, l := range opts.Listeners {
		db.Listen(l)
	}
	if opts.Echo != nil {
		db.Listen(echoListener(opts.Echo))
	}
	p, err := pool.New(ctx, pool.Config[dialect.Conn]{
		Connect: drv.Connect,
		Close:   func(c dialect.Conn) { c.Close() },
		Ping:    func(ctx context.Context, c dialect.Conn) error { return c.Ping(ctx) },
		// Only an idle connection goes back: one returned inside a
		// transaction or with rows open, or broken, is closed.
		Reusable:          func(c dialect.Conn) bool { return c.State() == dialect.StateIdle },
		MaxSize:           opts.MaxConns,
		MinIdle:           opts.MinIdleConns,
		AcquireTimeout:    opts.AcquireTimeout,
		ConnectTimeout:    opts.ConnectTimeout,
		MaxLifetime:       opts.MaxConnLifetime,
		MaxLifetimeJitter: opts.MaxConnLifetimeJitter,
		MaxIdleTime:       opts.MaxConnIdleTime,
		PingAfterIdle:     opts.PingAfterIdle,
		HealthCheckPeriod: opts.HealthCheckPeriod,
		Hooks:             db.poolHooks(),
	})
	if err != nil {
		return nil, fmt.Errorf("ore: Open: %w", err)
	}
	db.pool = p
	return db, nil
}

func (db *DB) poolHooks() pool.Hooks[dialect.Conn] {
	return pool.Hooks[dialect.Conn]{
		OnConnect: func(ctx context.Context, c dialect.Conn) error {
			for _, l := range db.listeners.load() {
				if l.Connect != nil {
					l.Connect(ctx, &ConnEvent{Conn: c})
				}
			}
			return nil
		},
		OnCheckout: func(ctx context.Context, c dialect.Conn) error {
			for _, l := range db.listeners.load() {
				if l.Checkout != nil {
					l.Checkout(ctx, &ConnEvent{Conn: c})
				}
			}
			return nil
		},
		OnCheckin: func(c dialect.Conn) {
			for _, l := range db.listeners.load() {
				if l.Checkin != nil {
					l.Checkin(&ConnEvent{Conn: c})
				}
			}
		},
		OnClose: func(c dialect.Conn, reason pool.Reason) {
			for _, l := range db.listeners.load() {
				if l.Close != nil {
					l.Close(&ConnEvent{Conn: c, Reason: reason.String()})
				}
			}
		},
	}
}

// Dialect returns the SQL dialect of the database.
func (db *DB) Dialect() compile.Dialect { return db.dialect }

// Driver returns the driver the DB was opened with.
func (db *DB) Driver() dialect.Driver { return db.drv }

// Close closes the DB: it waits for connections in use to come back, then
// closes every connection and the driver. Operations after Close fail with
// ErrClosed.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	db.pool.Close()
	return db.drv.Close()
}

// Ping checks that the database is reachable, with a connection from the
// pool.
func (db *DB) Ping(ctx context.Context) error {
	l, err := db.acquire(ctx)
	if err != nil {
		return err
	}
	err = l.conn.Ping(ctx)
	db.release(l, err)
	return err
}

// Stats is a snapshot of a DB's pool and statement cache.
type Stats struct {
	Pool  pool.Stat
	Cache compile.CacheStats
}

// Stats returns the DB's statistics.
func (db *DB) Stats() Stats {
	return Stats{Pool: db.pool.Stat(), Cache: db.cache.Stats()}
}

// Compile compiles s for the DB's dialect through its statement cache.
func (db *DB) Compile(s Statement) (compile.Compiled, error) {
	n, err := buildStmt(s)
	if err != nil {
		return compile.Compiled{}, err
	}
	return db.cache.Compile(n)
}

// ----------------------------------------------------------------------------
// Connections

// lease is a connection taken to run statements on: from the pool, or the
// pinned connection of a Conn or Tx (pc nil: not released).
type lease struct {
	conn dialect.Conn
	pc   *pool.Conn[dialect.Conn]
}

func (db *DB) acquire(ctx context.Context) (lease, error) {
	if db.closed.Load() {
		return lease{}, ErrClosed
	}
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		if errors.Is(err, pool.ErrClosed) {
			return lease{}, ErrClosed
		}
		return lease{}, fmt.Errorf("ore: %w", err)
	}
	return lease{conn: pc.Value(), pc: pc}, nil
}

// release gives a pooled connection back. After a disconnect the whole
// pool is invalidated: connections idle since before it are likely dead
// too (the server restarted, a failover happened).
func (db *DB) release(l lease, err error) {
	if err != nil && errors.Is(err, dialect.ErrDisconnect) {
		db.pool.Invalidate()
	}
	if l.pc != nil {
		l.pc.Release()
	}
}

// Conn is one connection taken from the pool and kept until Close, for
// work that needs the same connection throughout (session settings,
// temporary tables, advisory locks). It is not safe for concurrent use.
type Conn struct {
	db     *DB
	l      lease
	closed bool
}

// Conn takes a connection from the pool and pins it until [Conn.Close].
func (db *DB) Conn(ctx context.Context) (*Conn, error) {
	l, err := db.acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &Conn{db: db, l: l}, nil
}

// Close returns the connection to the pool (or closes it, if it is inside
// a transaction or broken). Closing twice is harmless.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.db.release(c.l, nil)
	return nil
}

// Raw returns the driver connection, for what ore does not wrap. The
// connection stays pinned; do not close it.
func (c *Conn) Raw() dialect.Conn { return c.l.conn }

// ----------------------------------------------------------------------------
// Queriers

// Querier runs statements: a [*DB] (each statement on a pooled
// connection), a [*Conn] (on its pinned connection) or a [*Tx] (inside the
// transaction).
type Querier interface {
	// take returns the connection to run one statement on; give gives it
	// back with the statement's error.
	take(ctx context.Context) (lease, error)
	give(l lease, err error)
	engine() *DB
	inTx() bool
}

func (db *DB) take(ctx context.Context) (lease, error) { return db.acquire(ctx) }
func (db *DB) give(l lease, err error)                 { db.release(l, err) }
func (db *DB) engine() *DB                             { return db }
func (db *DB) inTx() bool                              { return false }

func (c *Conn) take(ctx context.Context) (lease, error) {
	if c.closed {
		return lease{}, ErrClosed
	}
	return lease{conn: c.l.conn}, nil
}
func (c *Conn) give(l lease, err error) {
	if err != nil && errors.Is(err, dialect.ErrDisconnect) {
		c.db.pool.Invalidate()
	}
}
func (c *Conn) engine() *DB { return c.db }
func (c *Conn) inTx() bool  { return c.l.conn.State() == dialect.StateInTx }

// Driver is what Open takes: a database driver, such as
// postgres.NewDriver or sqlite.NewDriver return.
type Driver = dialect.Driver
