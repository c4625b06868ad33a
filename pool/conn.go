package pool

import "github.com/jackc/puddle/v2"

// Conn is a connection checked out of a [Pool]. It is used by one goroutine at
// a time; the connection it holds belongs to the caller until Release or
// Invalidate.
type Conn[T any] struct {
	res *puddle.Resource[*entry[T]] // nil once released
	e   *entry[T]
	p   *Pool[T]
}

// Value returns the connection. It panics if c was released or invalidated,
// since the connection may already belong to someone else.
func (c *Conn[T]) Value() T {
	if c.res == nil {
		panic("pool: Value called on a released connection")
	}
	return c.e.value
}

// Release hands the connection back to the pool. The pool reuses it unless
// Config.Reusable says it may not be reused, it is past its lifetime, or the
// pool was invalidated since it was opened; otherwise it is destroyed. The
// OnCheckin hook runs only for connections that are reused.
//
// After the first call, Release and Invalidate do nothing, so a deferred
// Release is safe after an explicit one.
func (c *Conn[T]) Release() {
	if c.res == nil {
		return
	}
	res, e := c.res, c.e
	c.res, c.e = nil, nil
	c.p.release(res, e)
}

// Invalidate destroys the connection instead of handing it back, for when it
// reported a disconnect or is otherwise known to be unusable. It releases c:
// after the first call, Release and Invalidate do nothing.
func (c *Conn[T]) Invalidate() {
	if c.res == nil {
		return
	}
	res := c.res
	c.res, c.e = nil, nil
	c.p.destroy(res, ReasonInvalidated)
}
