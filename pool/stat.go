package pool

import (
	"strconv"
	"time"
)

// Reason says why the pool closed a connection.
type Reason int

const (
	// ReasonPoolClosed: the pool was closed, or the connection came back
	// after it was.
	ReasonPoolClosed Reason = iota
	// ReasonLifetime: the connection outlived MaxLifetime.
	ReasonLifetime
	// ReasonIdle: the connection stayed idle longer than MaxIdleTime.
	ReasonIdle
	// ReasonNotReusable: Reusable returned false when it was released.
	ReasonNotReusable
	// ReasonInvalidated: [Conn.Invalidate], or [Pool.Invalidate] while the
	// connection was in the pool or checked out.
	ReasonInvalidated
	// ReasonPingFailed: a pre-ping or health-check ping failed.
	ReasonPingFailed
	// ReasonCheckoutFailed: the OnCheckout hook returned an error.
	ReasonCheckoutFailed

	numReasons
)

var reasonNames = [numReasons]string{
	ReasonPoolClosed:     "pool closed",
	ReasonLifetime:       "lifetime",
	ReasonIdle:           "idle",
	ReasonNotReusable:    "not reusable",
	ReasonInvalidated:    "invalidated",
	ReasonPingFailed:     "ping failed",
	ReasonCheckoutFailed: "checkout hook failed",
}

func (r Reason) String() string {
	if r >= 0 && r < numReasons {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Reasons returns every [Reason], for reporting [Stat.Destroyed] by reason.
func Reasons() []Reason {
	rs := make([]Reason, numReasons)
	for i := range rs {
		rs[i] = Reason(i)
	}
	return rs
}

// Stat is a snapshot of a pool's state and cumulative counters. The gauges
// (Acquired, Idle, Constructing) are read together; the counters are read
// one by one without stopping the pool, so they may disagree by the
// operations that ran meanwhile.
type Stat struct {
	acquired     int32
	idle         int32
	constructing int32
	maxSize      int32

	acquireCount    int64
	waitCount       int64
	waitDuration    time.Duration
	created         int64
	connectFailures int64
	destroyed       [numReasons]int64
}

// Acquired returns the number of connections out of the pool: checked out,
// being destroyed, or held by the health check for a moment.
func (s Stat) Acquired() int32 { return s.acquired }

// Idle returns the number of connections ready to be handed out.
func (s Stat) Idle() int32 { return s.idle }

// Constructing returns the number of connections being opened.
func (s Stat) Constructing() int32 { return s.constructing }

// Total returns Acquired + Idle + Constructing, which never exceeds MaxSize.
func (s Stat) Total() int32 { return s.acquired + s.idle + s.constructing }

// MaxSize returns the pool's maximum size.
func (s Stat) MaxSize() int32 { return s.maxSize }

// AcquireCount returns the number of successful [Pool.Acquire] calls.
func (s Stat) AcquireCount() int64 { return s.acquireCount }

// WaitCount returns the number of times a checkout found no idle connection
// and had to wait for one to be released or opened.
func (s Stat) WaitCount() int64 { return s.waitCount }

// WaitDuration returns the total time the checkouts counted by WaitCount
// waited.
func (s Stat) WaitDuration() time.Duration { return s.waitDuration }

// Created returns the number of connections opened (those that Connect and
// OnConnect accepted).
func (s Stat) Created() int64 { return s.created }

// ConnectFailures returns the number of times Connect or OnConnect failed.
func (s Stat) ConnectFailures() int64 { return s.connectFailures }

// Destroyed returns the number of connections closed for reason r. A
// connection counts once it is closed, which happens shortly after the pool
// decides to close it.
func (s Stat) Destroyed(r Reason) int64 {
	if r < 0 || r >= numReasons {
		return 0
	}
	return s.destroyed[r]
}

// DestroyedTotal returns the number of connections closed for any reason.
// Once a pool is closed it equals Created.
func (s Stat) DestroyedTotal() int64 {
	var n int64
	for _, d := range s.destroyed {
		n += d
	}
	return n
}
