//go:build !race

package bench

// compileRace reports that the race detector is on; see
// compile_race_test.go.
const compileRace = false
