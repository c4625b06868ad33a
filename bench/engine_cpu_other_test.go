//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package bench

import "time"

// cpuTime returns zero where the process's CPU time is not read: the
// benchmarks then report no cpu-ns/op.
func cpuTime() time.Duration { return 0 }
