// Command ratios runs the peer benchmarks of package peers and prints a
// Markdown table: for each statement and library, the median time and
// allocations per operation over several runs, and ore's time divided by the
// library's (below 1, ore is faster).
//
// Usage:
//
//	go run ./cmd/ratios [-runs 5] [-benchtime 1s] [-only JoinGroupBy]
//
// The runs are interleaved (every benchmark once, then again), so that a
// disturbance on the machine spreads over all of them rather than spoiling
// one library's numbers. Besides the elapsed time that testing measures,
// each run records the CPU time the process spent (user and system, garbage
// collection included): on a machine shared with other work, elapsed time
// also counts the time the benchmark waited for a processor, and CPU time
// does not.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ore-go/ore/bench/peers"
)

func main() {
	testing.Init()
	runs := flag.Int("runs", 5, "runs of each benchmark; the median is reported")
	benchtime := flag.Duration("benchtime", time.Second, "time each run aims for")
	only := flag.String("only", "", "run only the statement of this name")
	flag.Parse()
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "ratios: -runs must be at least 1")
		os.Exit(2)
	}
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(2)
	}

	var stmts []peers.Statement
	for s := range peers.Statement(peers.NumStatements) {
		if *only == "" || *only == s.String() {
			stmts = append(stmts, s)
		}
	}
	if len(stmts) == 0 {
		fmt.Fprintf(os.Stderr, "ratios: no statement named %q\n", *only)
		os.Exit(2)
	}

	libs := peers.Libraries
	results := make([][][]result, len(stmts)) // [statement][library][run]
	for i := range results {
		results[i] = make([][]result, len(libs))
	}
	for r := range *runs {
		for i, s := range stmts {
			for j, l := range libs {
				fmt.Fprintf(os.Stderr, "run %d/%d: %s %s\n", r+1, *runs, s, l.Name)
				cpu0 := cpuTime()
				res := testing.Benchmark(func(b *testing.B) { peers.Benchmark(b, l.Build[s]) })
				cpu := cpuTime() - cpu0
				if res.N == 0 {
					fmt.Fprintf(os.Stderr, "ratios: %s %s failed\n", s, l.Name)
					os.Exit(1)
				}
				results[i][j] = append(results[i][j], result{res, cpu.Nanoseconds() / int64(res.N)})
			}
		}
	}

	fmt.Printf("%s %s/%s, GOMAXPROCS %d, median of %d runs of %v each.\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), *runs, *benchtime)
	fmt.Println("| statement | library | ns/op | CPU ns/op | B/op | allocs/op | ore ÷ library | ore ÷ library, CPU |")
	fmt.Println("|---|---|--:|--:|--:|--:|--:|--:|")
	inlines := false
	for i, s := range stmts {
		oreNs, oreCPU := median(results[i][0], wallNs), median(results[i][0], cpuNs)
		for j, l := range libs {
			ns, cpu := median(results[i][j], wallNs), median(results[i][j], cpuNs)
			name := l.Name
			if l.Inlines {
				name += " ¹"
				inlines = true
			}
			ratio, ratioCPU := "—", "—"
			if j > 0 {
				ratio = fmt.Sprintf("%.2f", float64(oreNs.NsPerOp())/float64(ns.NsPerOp()))
				ratioCPU = fmt.Sprintf("%.2f", float64(oreCPU.cpuNs)/float64(cpu.cpuNs))
			}
			fmt.Printf("| %s | %s | %d | %d | %d | %d | %s | %s |\n",
				s, name, ns.NsPerOp(), cpu.cpuNs, ns.AllocedBytesPerOp(), ns.AllocsPerOp(), ratio, ratioCPU)
		}
	}
	if inlines {
		var names []string
		for _, l := range libs {
			if l.Inlines {
				names = append(names, l.Name)
			}
		}
		fmt.Printf("\n¹ %s writes the values into the SQL text instead of binding them: it returns no arguments, "+
			"and its text differs for every value.\n", strings.Join(names, ", "))
	}
}

// result is one run of one benchmark.
type result struct {
	testing.BenchmarkResult
	cpuNs int64 // CPU time of the process per operation
}

func wallNs(r result) int64 { return r.NsPerOp() }
func cpuNs(r result) int64  { return r.cpuNs }

// median returns the run with the median of key (the lower middle one for
// an even number of runs).
func median(rs []result, key func(result) int64) result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b result) int { return cmp.Compare(key(a), key(b)) })
	return s[(len(s)-1)/2]
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "ratios: getrusage:", err)
		os.Exit(1)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
