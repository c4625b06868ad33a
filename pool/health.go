package pool

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/jackc/puddle/v2"
)

// settleDelay is how long a top-up asked for by triggerCheck waits before it
// runs. Destroys are asynchronous and come in bursts (an invalidated pool, a
// server restart): waiting lets them finish and free their slots, and folds
// a burst into one top-up.
const settleDelay = 100 * time.Millisecond

// triggerCheck asks the background goroutine to open replacements for
// destroyed connections, up to MinIdle, soon.
func (p *Pool[T]) triggerCheck() {
	select {
	case p.checkNow <- struct{}{}:
	default:
	}
}

// background warms the pool up to MinIdle, then until Close runs the health
// check every HealthCheckPeriod and tops the pool up after destroys.
func (p *Pool[T]) background() {
	defer close(p.bgDone)
	p.topUp()
	var tick <-chan time.Time
	if p.cfg.HealthCheckPeriod > 0 {
		c, stop := p.cfg.Clock.NewTicker(p.cfg.HealthCheckPeriod)
		defer stop()
		tick = c
	}
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-tick:
			p.checkIdle()
			p.topUp()
		case <-p.checkNow:
			if !p.sleep(settleDelay) {
				return
			}
			select {
			case <-p.checkNow:
			default:
			}
			// Only replace what was destroyed: the idle connections
			// are left to the periodic check, so that a burst of
			// destroys does not also take every idle connection out
			// of use for a moment.
			p.topUp()
		}
	}
}

// sleep waits for d in real time and reports false if the pool closed
// meanwhile.
func (p *Pool[T]) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// checkIdle takes every idle connection out of the pool for a moment and
// destroys those that are stale, past their lifetime, idle past MaxIdleTime
// (oldest first, keeping MinIdle) or failing a ping. It puts the others back
// without touching their last-used time, so that the check itself never keeps
// a connection alive.
func (p *Pool[T]) checkIdle() {
	idle := p.p.AcquireAllIdle()
	if len(idle) == 0 {
		return
	}
	now := p.cfg.Clock.Now()
	gen := p.gen.Load()
	keep := idle[:0]
	for _, res := range idle {
		e := res.Value()
		switch {
		case e.gen != gen:
			p.destroy(res, ReasonInvalidated)
		case e.expired(now):
			p.destroy(res, ReasonLifetime)
		default:
			keep = append(keep, res)
		}
	}
	// Oldest first: MaxIdleTime closes those, and releasing in this order
	// leaves the most recently used on top of puddle's LIFO stack.
	slices.SortFunc(keep, func(a, b *puddle.Resource[*entry[T]]) int {
		return a.Value().lastUsed.Compare(b.Value().lastUsed)
	})
	var pings sync.WaitGroup
	left := len(keep)
	for _, res := range keep {
		e := res.Value()
		idleFor := now.Sub(e.lastUsed)
		switch {
		case p.cfg.MaxIdleTime > 0 && idleFor > p.cfg.MaxIdleTime && left > int(p.cfg.MinIdle):
			p.destroy(res, ReasonIdle)
			left--
		case p.cfg.Ping != nil && p.cfg.HealthCheckPeriod > 0 && idleFor >= p.cfg.HealthCheckPeriod:
			// Idle since at least the previous check: nothing has shown
			// that it still works.
			pings.Go(func() { p.pingIdle(res) })
		default:
			res.ReleaseUnused()
		}
	}
	pings.Wait()
}

func (p *Pool[T]) pingIdle(res *puddle.Resource[*entry[T]]) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.ConnectTimeout)
	defer cancel()
	err := p.cfg.Ping(ctx, res.Value().value)
	switch {
	case p.ctx.Err() != nil:
		// Closing: puddle destroys what comes back to a closed pool.
		res.ReleaseUnused()
	case err != nil:
		p.destroy(res, ReasonPingFailed)
	default:
		res.ReleaseUnused()
	}
}

// topUp opens connections, in parallel, until MinIdle are idle or the pool is
// full. Failures are left for the next check; they show in
// [Stat.ConnectFailures].
func (p *Pool[T]) topUp() {
	n := p.cfg.MinIdle - p.p.Stat().IdleResources()
	if n <= 0 {
		return
	}
	var wg sync.WaitGroup
	for range n {
		// puddle.ErrNotAvailable means the pool filled up meanwhile,
		// which is as good as success.
		wg.Go(func() { _ = p.p.CreateResource(p.ctx) })
	}
	wg.Wait()
}
