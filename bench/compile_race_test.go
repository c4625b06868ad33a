//go:build race

package bench

// compileRace reports that the race detector is on. It makes sync.Pool drop
// items at random, so the compiler pool allocates and allocation counts
// mean nothing.
const compileRace = true
