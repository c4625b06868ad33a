package bench

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	engRatios     = flag.Bool("ratios", false, "run TestEngineRatios (also ORE_BENCH_RATIOS=1)")
	engRatiosRuns = flag.Int("ratios.runs", 5, "TestEngineRatios: runs of each benchmark; the median is reported")
	engRatiosOut  = flag.String("ratios.out", "", "TestEngineRatios: also write the tables to this file")
)

// TestEngineRatios measures the engine benchmarks two ways and prints
// Markdown tables of the results and of ore's ratios to the raw drivers:
//
//   - every benchmark run -ratios.runs times with testing.Benchmark (each
//     run goes through all of them in turn, so that a disturbance on the
//     machine spreads over all implementations rather than spoiling one),
//     and the median of the runs' ns/op, CPU time and allocations;
//   - the implementations of each operation interleaved step by step (one
//     operation of each in turn, the order rotating), each step timed, and
//     the median step: every implementation sees the same moments of the
//     machine, and the median ignores the steps a neighbour's burst or a
//     collection slowed down. On a shared machine this is the steadier of
//     the two.
//
// It takes many minutes, so it runs only when asked (note the package
// before the flags, which go test would otherwise pass to the test binary):
//
//	go test ./bench -run TestEngineRatios -ratios -v -timeout 60m
//
// -benchtime sets each benchmark run's length (1s by default),
// -ratios.runs their number and -ratios.out a file for the tables.
func TestEngineRatios(t *testing.T) {
	if !*engRatios && os.Getenv("ORE_BENCH_RATIOS") != "1" {
		t.Skip("the engine ratios take many minutes; run with -ratios or ORE_BENCH_RATIOS=1")
	}
	runs := max(*engRatiosRuns, 1)
	type backendCases struct {
		name  string
		cases []engCase
	}
	var all []backendCases
	for _, be := range engBackends {
		all = append(all, backendCases{be.name, be.setup(t)})
	}

	res := engResults{bench: map[engKey][]testing.BenchmarkResult{}, steps: map[engKey][]time.Duration{}}
	start := time.Now()
	for r := range runs {
		for _, bc := range all {
			for _, c := range bc.cases {
				br := testing.Benchmark(c.run)
				if br.N == 0 {
					t.Fatalf("%s/%s/%s failed (run it with go test -bench to see why)", bc.name, c.op, c.impl)
				}
				k := engKey{bc.name, c.op, c.impl}
				res.bench[k] = append(res.bench[k], br)
			}
		}
		t.Logf("benchmark run %d of %d done after %s", r+1, runs, time.Since(start).Round(time.Second))
	}
	for _, bc := range all {
		for _, op := range engOps {
			var cases []engCase
			for _, c := range bc.cases {
				if c.op == op {
					cases = append(cases, c)
				}
			}
			for i, steps := range interleave(t, cases) {
				res.steps[engKey{bc.name, op, cases[i].impl}] = steps
			}
		}
		t.Logf("interleaved steps of %s done after %s", bc.name, time.Since(start).Round(time.Second))
	}

	var out strings.Builder
	writeEngineTables(&out, res, runs)
	fmt.Print(out.String())
	if *engRatiosOut != "" {
		if err := os.WriteFile(*engRatiosOut, []byte(out.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// interleave runs cases (the implementations of one operation) one step
// at a time in turn, rotating which goes first, for about two seconds (at
// least 200 and at most 3000 rounds), and returns each case's step times.
func interleave(t *testing.T, cases []engCase) [][]time.Duration {
	for _, c := range cases {
		if c.setup != nil {
			c.setup(t)
		}
	}
	round := func(i int, steps [][]time.Duration) {
		for k := range cases {
			j := (i + k) % len(cases)
			start := time.Now()
			cases[j].step(t, i)
			if steps != nil {
				steps[j] = append(steps[j], time.Since(start))
			}
		}
	}
	const warm = 50
	start := time.Now()
	for i := range warm {
		round(i, nil)
	}
	perRound := time.Since(start) / warm
	rounds := min(max(int(2*time.Second/max(perRound, 1)), 200), 3000)
	steps := make([][]time.Duration, len(cases))
	for i := range rounds {
		round(warm+i, steps)
	}
	for _, c := range cases {
		if c.teardown != nil {
			c.teardown(t)
		}
	}
	return steps
}

type engKey struct{ backend, op, impl string }

type engResults struct {
	bench map[engKey][]testing.BenchmarkResult // runs of testing.Benchmark
	steps map[engKey][]time.Duration           // interleaved step times
}

// engStat sums up one implementation of one operation.
type engStat struct {
	ns     float64 // median ns/op of the benchmark runs
	spread float64 // half the distance between the second and the next-to-last run, over the median
	cpu    float64 // median cpu-ns/op; or 0
	allocs float64 // median allocs/op

	step       float64 // median step time, ns
	stepSpread float64 // half the interquartile range of the steps, over their median

	ok bool
}

func (r engResults) stat(backend, op, impl string) engStat {
	k := engKey{backend, op, impl}
	brs := r.bench[k]
	if len(brs) == 0 {
		return engStat{}
	}
	var ns, cpu, allocs []float64
	for _, br := range brs {
		ns = append(ns, float64(br.T.Nanoseconds())/float64(br.N))
		allocs = append(allocs, float64(br.MemAllocs)/float64(br.N))
		if c, ok := br.Extra["cpu-ns/op"]; ok {
			cpu = append(cpu, c)
		}
	}
	slices.Sort(ns)
	slices.Sort(allocs)
	slices.Sort(cpu)
	s := engStat{ns: median(ns), allocs: median(allocs), ok: true}
	if len(cpu) == len(ns) {
		s.cpu = median(cpu)
	}
	if n := len(ns); n >= 3 {
		s.spread = (ns[n-2] - ns[1]) / 2 / s.ns
	}
	if steps := r.steps[k]; len(steps) > 0 {
		f := make([]float64, len(steps))
		for i, d := range steps {
			f[i] = float64(d.Nanoseconds())
		}
		slices.Sort(f)
		s.step = median(f)
		s.stepSpread = (f[len(f)*3/4] - f[len(f)/4]) / 2 / s.step
	}
	return s
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// engMetric is what a table shows.
type engMetric int

const (
	metricWall engMetric = iota // benchmark ns/op, with allocations
	metricCPU                   // benchmark cpu-ns/op
	metricStep                  // median interleaved step
)

func (m engMetric) value(s engStat) float64 {
	switch m {
	case metricCPU:
		return s.cpu
	case metricStep:
		return s.step
	}
	return s.ns
}

func (m engMetric) cell(s engStat) string {
	if !s.ok || m.value(s) == 0 {
		return "–"
	}
	switch m {
	case metricCPU:
		return fmtNs(s.cpu)
	case metricStep:
		return fmt.Sprintf("%s ±%.0f%%", fmtNs(s.step), 100*s.stepSpread)
	}
	spread := ""
	if s.spread > 0 {
		spread = fmt.Sprintf(" ±%.0f%%", 100*s.spread)
	}
	return fmt.Sprintf("%s%s · %.0f", fmtNs(s.ns), spread, s.allocs)
}

func (m engMetric) ratio(a, b engStat) string {
	if !a.ok || !b.ok || m.value(a) == 0 || m.value(b) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", m.value(a)/m.value(b))
}

// diff returns a's time and allocations minus b's.
func diff(a, b engStat) string {
	if !a.ok || !b.ok {
		return "–"
	}
	return fmt.Sprintf("%s · %+.0f", fmtNs(a.ns-b.ns), a.allocs-b.allocs)
}

func fmtNs(ns float64) string {
	switch abs := math.Abs(ns); {
	case abs >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case abs >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func writeEngineTables(w io.Writer, r engResults, runs int) {
	bt := "1s"
	if f := flag.Lookup("test.benchtime"); f != nil {
		bt = f.Value.String()
	}
	fmt.Fprintf(w, "\n%s, %s/%s, GOMAXPROCS %d, %s; benchmark runs of -benchtime %s, %d of each.\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version(), bt, runs)

	for _, m := range []engMetric{metricStep, metricWall, metricCPU} {
		var what string
		switch m {
		case metricStep:
			what = "Interleaved steps"
			fmt.Fprintf(w, "\n%s: the implementations of an operation take turns, one operation each; cells are the median time of one "+
				"operation ± half the interquartile range.\n", what)
		case metricWall:
			what = "Benchmarks"
			fmt.Fprintf(w, "\n%s: testing.Benchmark; cells are the median ns/op of the runs ± half the spread of the middle runs · allocations per operation.\n", what)
		case metricCPU:
			what = "Client CPU"
			fmt.Fprintf(w, "\n%s: the benchmark process's user + system CPU time per operation, median of the runs (the database server's is not counted).\n", what)
		}
		fmt.Fprintf(w, "\n#### %s, PostgreSQL (synchronous_commit off)\n\n", what)
		fmt.Fprintf(w, "| operation | ore | ore, built once | pgx.Conn, Scan | pgx.Conn, ByName | pgxpool, Scan | pgxpool, ByName "+
			"| ore ÷ pgxpool Scan | ore ÷ pgxpool ByName | ore ÷ pgx.Conn Scan | built once ÷ pgxpool Scan |\n")
		fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, op := range engOps {
			s := func(impl string) engStat { return r.stat("postgres", op, impl) }
			ore, once := s(implOre), s(implOreOnce)
			connScan, connName, poolScan, poolName := s(implConnScan), s(implConnName), s(implPoolScan), s(implPoolName)
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", op,
				m.cell(ore), m.cell(once), m.cell(connScan), m.cell(connName), m.cell(poolScan), m.cell(poolName),
				m.ratio(ore, poolScan), m.ratio(ore, poolName), m.ratio(ore, connScan), m.ratio(once, poolScan))
		}
		for _, be := range []struct{ name, title string }{
			{"sqlite_file", "SQLite, file in WAL mode"},
			{"sqlite_memory", "SQLite, in memory"},
		} {
			fmt.Fprintf(w, "\n#### %s, %s\n\n", what, be.title)
			fmt.Fprintf(w, "| operation | ore | ore, built once | database/sql | ore ÷ database/sql | built once ÷ database/sql |\n")
			fmt.Fprintf(w, "|---|---|---|---|---|---|\n")
			for _, op := range engOps {
				ore, once, std := r.stat(be.name, op, implOre), r.stat(be.name, op, implOreOnce), r.stat(be.name, op, implDBSQLScan)
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", op, m.cell(ore), m.cell(once), m.cell(std), m.ratio(ore, std), m.ratio(once, std))
			}
		}
	}

	writeEngineGoals(w, r)

	fmt.Fprintf(w, "\n#### ore's own cost per statement: a null driver (no I/O, no allocation) behind ore, and called directly\n\n")
	fmt.Fprintf(w, "Benchmarks (median ns/op · allocations); the last two columns subtract the driver's.\n\n")
	fmt.Fprintf(w, "| operation | ore | ore, built once | driver alone | ore − driver | built once − driver |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|\n")
	for _, op := range engOps {
		ore, once, drv := r.stat("null_driver", op, implOre), r.stat("null_driver", op, implOreOnce), r.stat("null_driver", op, implDriver)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", op, metricWall.cell(ore), metricWall.cell(once), metricWall.cell(drv), diff(ore, drv), diff(once, drv))
	}

	// Allocations per scanned row: those of reading 100 rows, over 100, and
	// the difference between reading 100 rows and one, over 99, which
	// leaves out most of the per-statement allocations.
	fmt.Fprintf(w, "\n#### Allocations per scanned row (read_100)\n\n")
	fmt.Fprintf(w, "| database | implementation | allocs/op ÷ 100 | (read_100 − read_one) ÷ 99 |\n")
	fmt.Fprintf(w, "|---|---|---|---|\n")
	for _, row := range []struct{ backend, impl string }{
		{"postgres", implOre}, {"postgres", implOreOnce},
		{"postgres", implPoolName}, {"postgres", implConnName},
		{"postgres", implPoolScan}, {"postgres", implConnScan},
		{"sqlite_file", implOre}, {"sqlite_file", implOreOnce}, {"sqlite_file", implDBSQLScan},
	} {
		many, one := r.stat(row.backend, "read_100", row.impl), r.stat(row.backend, "read_one", row.impl)
		if !many.ok || !one.ok {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %.2f |\n", row.backend, row.impl, many.allocs/100, (many.allocs-one.allocs)/99)
	}
}

// writeEngineGoals lists the measurements that miss the stated goals: time
// within 1.10 of pgxpool (hand-written Scan, the stricter reference) on
// PostgreSQL, within 1.0 of database/sql on SQLite, and no more allocations
// per scanned row than pgx's RowToStructByName. Times are judged both by
// the interleaved steps and by the benchmark medians.
func writeEngineGoals(w io.Writer, r engResults) {
	fmt.Fprintf(w, "\n#### Goals\n\n")
	missed := 0
	check := func(what string, a, b engStat, limit float64) {
		for _, m := range []engMetric{metricStep, metricWall} {
			if a.ok && b.ok && m.value(b) > 0 && m.value(a)/m.value(b) > limit {
				name := map[engMetric]string{metricStep: "interleaved steps", metricWall: "benchmarks"}[m]
				fmt.Fprintf(w, "- %s (%s): %.2f, over %.2f\n", what, name, m.value(a)/m.value(b), limit)
				missed++
			}
		}
	}
	for _, impl := range []string{implOre, implOreOnce} {
		for _, op := range engOps {
			check(fmt.Sprintf("postgres %s %s ÷ pgxpool", op, impl), r.stat("postgres", op, impl), r.stat("postgres", op, implPoolScan), 1.10)
			for _, be := range []string{"sqlite_file", "sqlite_memory"} {
				check(fmt.Sprintf("%s %s %s ÷ database/sql", be, op, impl), r.stat(be, op, impl), r.stat(be, op, implDBSQLScan), 1.0)
			}
		}
		ore, byName := r.stat("postgres", "read_100", impl), r.stat("postgres", "read_100", implPoolName)
		if ore.ok && byName.ok && ore.allocs > byName.allocs {
			fmt.Fprintf(w, "- postgres read_100 %s: %.2f allocations per row, RowToStructByName %.2f\n", impl, ore.allocs/100, byName.allocs/100)
			missed++
		}
	}
	if missed == 0 {
		fmt.Fprintf(w, "All met.\n")
	}
}
