package compile

import (
	"sync"
	"sync/atomic"
)

// DefaultCacheSize is the number of statement shapes a Cache created with a
// size of zero remembers.
const DefaultCacheSize = 1024

// Cache compiles statements for one dialect and remembers the SQL text of
// each statement shape, so that a shape seen before skips rendering.
//
// The shape of a statement is everything that decides its SQL text:
// node kinds, operators, identifiers, the number of values in an IN list.
// Bound values are not part of it; that is what makes the text reusable.
// Each Compile still walks the statement once, to compute the shape key and
// collect the arguments.
//
// A Cache is safe for concurrent use.
type Cache struct {
	d    Dialect
	size int

	mu sync.RWMutex
	m  map[string]string // shape key -> SQL; guarded by mu

	hits, misses atomic.Uint64
}

// NewCache returns a Cache for d holding at most size shapes; zero means
// DefaultCacheSize, a negative size disables caching (every Compile
// renders). When the cache is full, an arbitrary eighth of it is dropped.
func NewCache(d Dialect, size int) *Cache {
	if size == 0 {
		size = DefaultCacheSize
	}
	return &Cache{d: d, size: size, m: make(map[string]string)}
}

// Dialect returns the dialect the cache compiles for.
func (k *Cache) Dialect() Dialect { return k.d }

// CacheStats is a snapshot of a Cache's counters.
type CacheStats struct {
	Hits   uint64 // compilations that found their shape
	Misses uint64 // compilations that rendered
	Size   int    // shapes held now
}

// Stats returns the cache's counters.
func (k *Cache) Stats() CacheStats {
	k.mu.RLock()
	n := len(k.m)
	k.mu.RUnlock()
	return CacheStats{Hits: k.hits.Load(), Misses: k.misses.Load(), Size: n}
}

// Compile is like the package-level [Compile], reusing the SQL text of a
// statement of the same shape compiled before.
func (k *Cache) Compile(s Stmt) (Compiled, error) {
	if k.size < 0 || isDDL(s) {
		return Compile(k.d, s)
	}
	c := newCompiler(k.d, modeKey)
	defer c.release()
	c.stmt(s)
	if c.err != nil {
		return Compiled{}, c.err
	}
	k.mu.RLock()
	sql, ok := k.m[string(c.buf)] // no allocation: the conversion is only used to look up
	k.mu.RUnlock()
	if ok {
		k.hits.Add(1)
		return Compiled{SQL: sql, Args: c.cloneArgs()}, nil
	}
	k.misses.Add(1)
	q, err := Compile(k.d, s)
	if err != nil {
		return Compiled{}, err
	}
	key := string(c.buf)
	k.mu.Lock()
	if len(k.m) >= k.size {
		drop := max(k.size/8, 1)
		for old := range k.m {
			delete(k.m, old)
			if drop--; drop == 0 {
				break
			}
		}
	}
	k.m[key] = q.SQL
	k.mu.Unlock()
	return q, nil
}
