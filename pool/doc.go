// Package pool is a generic connection pool: the one ore's engine keeps its
// database connections in.
//
// A [Pool] holds connections of any type T; it knows nothing of SQL and
// learns what it needs through the functions of a [Config]: how to open,
// close and ping a connection, and whether a released one may be reused.
// The concurrency (the size limit, waiting callers, the stack of idle
// connections) is github.com/jackc/puddle/v2's; this package adds the policy
// that pgxpool and SQLAlchemy's pool users rely on.
//
// # Checking out and in
//
// [Pool.Acquire] returns a [Conn]; the caller uses [Conn.Value] and hands the
// connection back with [Conn.Release], or with [Conn.Invalidate] when the
// connection reported a disconnect and must not be reused. Release is
// idempotent, so
//
//	c, err := p.Acquire(ctx)
//	if err != nil {
//		return err
//	}
//	defer c.Release()
//
// stays correct when the code also invalidates c.
//
// Connections are opened lazily, when an Acquire finds none idle and the pool
// is below Config.MaxSize; at MaxSize, Acquire waits until a connection comes
// back, its context ends, or Config.AcquireTimeout expires ([ErrAcquireTimeout]).
// A connect that outlasts the Acquire that started it is not wasted: it joins
// the pool as an idle connection.
//
// # Policy
//
//   - Lifetime: a connection older than Config.MaxLifetime (plus a random
//     jitter below Config.MaxLifetimeJitter) is closed instead of being handed
//     out or taken back. Connections in use are never interrupted.
//   - Pre-ping: a connection idle longer than Config.PingAfterIdle is pinged
//     before Acquire hands it out; if the ping fails it is destroyed and
//     another one taken, so connections dropped by the server while idle do
//     not reach callers.
//   - Reset on return: Config.Reusable decides whether a released connection
//     may be reused. An engine returns false for a connection inside a
//     transaction, in the middle of a result, or broken: such a connection is
//     destroyed, never handed to the next caller.
//   - Invalidation: [Pool.Invalidate] destroys every idle connection now and
//     every checked-out one when it comes back, for a failover or restart.
//   - Health check: a background goroutine, every Config.HealthCheckPeriod,
//     closes idle connections past their lifetime or past Config.MaxIdleTime
//     (keeping Config.MinIdle of them), pings connections that stayed idle
//     since the previous check, and opens connections until Config.MinIdle
//     are idle. Shortly after any connection is destroyed, it also opens
//     replacements up to Config.MinIdle.
//
// Times come from Config.Clock, so tests can drive these policies without
// waiting.
//
// # Hooks and statistics
//
// [Hooks] run when a connection is opened, checked out, checked in and
// closed. [Pool.Stat] returns a [Stat]: connections acquired, idle and being
// opened, checkouts and how long they waited, connections created, and
// connections destroyed by [Reason].
//
// # One connection
//
// An in-memory SQLite database lives only as long as the one connection that
// opened it. Its pool is MaxSize 1 with MaxLifetime and MaxIdleTime left at
// zero: the connection is opened on first use, shared by every checkout in
// turn (a second Acquire waits for the first to release), and kept until the
// pool closes. Whoever releases it should roll back an open transaction
// first rather than let Config.Reusable report false, since destroying that
// connection destroys the database.
//
// # Closing
//
// [Pool.Close] stops the background goroutine, makes further Acquire calls
// fail with [ErrClosed], waits for every checked-out connection to be
// released, and closes all connections.
package pool
