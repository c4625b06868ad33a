// Package archtest checks the import rules of DESIGN.md §1 on the packages
// of the module as they are built (test files left out).
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A rule bars the packages matching pkg from depending, directly or through
// other packages of the module, on the packages matching forbid, except
// those matching except.
//
// Patterns are paths relative to the module: "." is the root package (ore),
// "x" is exactly package x, "x/..." is x and every package below it, "x/*"
// every package strictly below x, and "..." every package of the module.
// Rules name packages that do not exist yet; they apply as soon as the
// packages appear.
type rule struct {
	pkg    string
	forbid []string
	except []string
	why    string // the rule of DESIGN.md (or STYLE.md) it encodes
}

// lower is what the packages that DESIGN.md §1 lists with "Imports ..."
// may depend on, layer by layer. Dependencies are transitive, so each layer
// may reach everything the layers it imports may reach. internal/ holds
// helpers that are no API (buffer pools and the like), usable from ore up.
var (
	oreMayUse        = []string{"compile/...", "dialect", "pool/...", "internal/..."}
	mapperMayUse     = append([]string{"."}, oreMayUse...)
	sessionMayUse    = append([]string{"mapper/..."}, mapperMayUse...)
	versioningMayUse = append([]string{"session/..."}, sessionMayUse...)
)

var rules = []rule{
	// The import rules, as DESIGN.md §1 states them.
	{pkg: "compile/...", forbid: []string{"..."}, except: []string{"compile/..."},
		why: "compile imports none of ours"},
	{pkg: "dialect", forbid: []string{"..."}, except: []string{"compile/..."},
		why: "dialect imports only compile"},
	{pkg: "dialect/*", forbid: []string{".", "mapper/...", "session/...", "versioning/..."},
		why: "dialect/* never import ore, mapper or session (nor versioning, which is built on session)"},
	{pkg: "pool/...", forbid: []string{"..."}, except: []string{"pool/..."},
		why: "pool imports none of ours"},
	{pkg: ".", forbid: []string{"mapper/...", "session/...", "versioning/..."},
		why: "ore never imports mapper/session/versioning: a Core-only user never links the ORM"},
	{pkg: "mapper/...", forbid: []string{"session/...", "versioning/..."},
		why: "mapper never imports session"},

	// "Arrows only point down this list's dependencies": each package
	// depends on no more than the packages its entry says it imports. This
	// also keeps the database drivers out of every Core and ORM build.
	{pkg: ".", forbid: []string{"..."}, except: oreMayUse,
		why: "ore imports compile, dialect, pool"},
	{pkg: "mapper/...", forbid: []string{"..."}, except: append([]string{"mapper/..."}, mapperMayUse...),
		why: "mapper imports ore"},
	{pkg: "session/...", forbid: []string{"..."}, except: append([]string{"session/..."}, sessionMayUse...),
		why: "session imports ore, mapper"},
	{pkg: "versioning/...", forbid: []string{"..."}, except: append([]string{"versioning/..."}, versioningMayUse...),
		why: "versioning imports session, mapper, ore"},

	// STYLE.md, Layout: each dialect/x is the only place that knows database x.
	{pkg: "dialect/postgres/...", forbid: []string{"dialect/sqlite/..."},
		why: "each dialect/x is the only place that knows database x"},
	{pkg: "dialect/sqlite/...", forbid: []string{"dialect/postgres/..."},
		why: "each dialect/x is the only place that knows database x"},
}

// match reports whether the package rel (a path relative to the module, "."
// for the root) matches pattern.
func match(pattern, rel string) bool {
	switch {
	case pattern == "...":
		return true
	case strings.HasSuffix(pattern, "/..."):
		base := strings.TrimSuffix(pattern, "/...")
		return rel == base || strings.HasPrefix(rel, base+"/")
	case strings.HasSuffix(pattern, "/*"):
		return strings.HasPrefix(rel, strings.TrimSuffix(pattern, "*"))
	}
	return rel == pattern
}

func matchAny(patterns []string, rel string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, rel) })
}

// graph maps each package of the module (relative path) to the packages of
// the module it imports directly.
type graph map[string][]string

// A violation is a dependency of pkg on dep that a rule forbids. chain is
// the import path that leads there: pkg, ..., dep.
type violation struct {
	pkg, dep string
	chain    []string
	why      string
}

func (v violation) String() string {
	return v.pkg + " depends on " + v.dep + " (" + strings.Join(v.chain, " -> ") + "), but: " + v.why
}

// check returns every dependency in g that rules forbid, once, with the
// first rule that forbids it; in the order of rules, then packages, then
// dependencies (both sorted).
func check(rules []rule, g graph) []violation {
	pkgs := make([]string, 0, len(g))
	for p := range g {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	var out []violation
	reported := map[[2]string]bool{}
	for _, r := range rules {
		for _, p := range pkgs {
			if !match(r.pkg, p) {
				continue
			}
			chains := reach(g, p)
			deps := make([]string, 0, len(chains))
			for d := range chains {
				deps = append(deps, d)
			}
			slices.Sort(deps)
			for _, d := range deps {
				if matchAny(r.forbid, d) && !matchAny(r.except, d) && !reported[[2]string{p, d}] {
					reported[[2]string{p, d}] = true
					out = append(out, violation{pkg: p, dep: d, chain: chains[d], why: r.why})
				}
			}
		}
	}
	return out
}

// reach returns every package from reaches through imports, with the
// shortest import chain to it.
func reach(g graph, from string) map[string][]string {
	chains := map[string][]string{}
	queue := [][]string{{from}}
	for len(queue) > 0 {
		chain := queue[0]
		queue = queue[1:]
		for _, imp := range g[chain[len(chain)-1]] {
			if _, seen := chains[imp]; seen || imp == from {
				continue
			}
			next := append(slices.Clip(chain), imp)
			chains[imp] = next
			queue = append(queue, next)
		}
	}
	return chains
}

// listedPackage is the part of `go list -json` output used here.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Module     *struct{ Path string }
}

// moduleGraph lists the module's packages with `go list -deps` and returns
// the module path, the import graph of the module's own packages, and each
// package's dependencies among them as the go command computed them.
func moduleGraph(t *testing.T) (string, graph, map[string][]string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	run := func(dir string, args ...string) []byte {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "go %s: %s", strings.Join(args, " "), stderr.String())
		return out
	}
	var mod struct{ Path, Dir string }
	require.NoError(t, json.Unmarshal(run(".", "list", "-m", "-json"), &mod))
	require.NotEmpty(t, mod.Dir)

	// -e: a package that does not type-check still has its imports listed,
	// and those are what matters here.
	out := run(mod.Dir, "list", "-e", "-deps", "-json", "./...")
	rel := func(path string) (string, bool) {
		if path == mod.Path {
			return ".", true
		}
		r, ok := strings.CutPrefix(path, mod.Path+"/")
		return r, ok
	}
	ours := func(paths []string) []string {
		var out []string
		for _, p := range paths {
			if r, ok := rel(p); ok {
				out = append(out, r)
			}
		}
		return out
	}
	g := graph{}
	deps := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		r, ok := rel(p.ImportPath)
		if !ok || p.Module == nil || p.Module.Path != mod.Path {
			continue
		}
		g[r] = ours(p.Imports)
		deps[r] = ours(p.Deps)
	}
	return mod.Path, g, deps
}

func TestImportRules(t *testing.T) {
	module, g, deps := moduleGraph(t)

	// The graph is complete: what the import chains reach is exactly what
	// the go command says each package depends on.
	for p, want := range deps {
		got := make([]string, 0, len(want))
		for d := range reach(g, p) {
			got = append(got, d)
		}
		assert.ElementsMatch(t, want, got, "dependencies of %s", p)
	}

	// The packages that exist today are under rules, so a renamed pattern
	// cannot silently stop checking them.
	for _, p := range []string{".", "compile", "dialect", "dialect/postgres", "dialect/sqlite", "pool"} {
		require.Contains(t, g, p, "package %s of %s is missing from go list", p, module)
		assert.True(t, slices.ContainsFunc(rules, func(r rule) bool { return match(r.pkg, p) }),
			"no rule covers %s", p)
	}

	for _, v := range check(rules, g) {
		t.Errorf("%s", v)
	}
}

func TestCheckReportsViolations(t *testing.T) {
	bad := graph{
		"compile":            {"internal/buf"},
		"internal/buf":       nil,
		"dialect":            {"compile", "pool"},
		"dialect/postgres":   {"compile", "dialect", "internal/pgutil"},
		"internal/pgutil":    {"mapper"},
		"dialect/sqlite":     {"compile", "dialect", "dialect/postgres"},
		"pool":               nil,
		".":                  {"compile", "dialect", "pool", "dialect/sqlite"},
		"mapper":             {"."},
		"session":            {".", "mapper", "versioning/history"},
		"versioning/history": {"session"}, // a cycle Go would refuse; the checker must still stop
		"cmd/ore":            {"dialect/postgres", "session"},
	}
	type found struct{ pkg, dep, chain string }
	var got []found
	for _, v := range check(rules, bad) {
		got = append(got, found{v.pkg, v.dep, strings.Join(v.chain, " ")})
	}
	want := []found{
		// compile imports none of ours.
		{"compile", "internal/buf", "compile internal/buf"},
		// dialect imports only compile, and so depends on nothing else.
		{"dialect", "pool", "dialect pool"},
		{"dialect", "internal/buf", "dialect compile internal/buf"},
		// dialect/* never import ore or mapper, however indirectly.
		{"dialect/postgres", ".", "dialect/postgres internal/pgutil mapper ."},
		{"dialect/postgres", "mapper", "dialect/postgres internal/pgutil mapper"},
		{"dialect/sqlite", ".", "dialect/sqlite dialect/postgres internal/pgutil mapper ."},
		{"dialect/sqlite", "mapper", "dialect/sqlite dialect/postgres internal/pgutil mapper"},
		// ore never imports mapper, session or versioning.
		{".", "mapper", ". dialect/sqlite dialect/postgres internal/pgutil mapper"},
		// mapper never imports session: none here. ore imports compile,
		// dialect, pool, and nothing else of ours.
		{".", "dialect/postgres", ". dialect/sqlite dialect/postgres"},
		{".", "dialect/sqlite", ". dialect/sqlite"},
		// mapper imports ore, so it may not reach the drivers either.
		{"mapper", "dialect/postgres", "mapper . dialect/sqlite dialect/postgres"},
		{"mapper", "dialect/sqlite", "mapper . dialect/sqlite"},
		// session imports ore and mapper, not versioning.
		{"session", "dialect/postgres", "session . dialect/sqlite dialect/postgres"},
		{"session", "dialect/sqlite", "session . dialect/sqlite"},
		{"session", "versioning/history", "session versioning/history"},
		// versioning: what session reaches, it reaches.
		{"versioning/history", "dialect/postgres", "versioning/history session . dialect/sqlite dialect/postgres"},
		{"versioning/history", "dialect/sqlite", "versioning/history session . dialect/sqlite"},
		// each dialect/x is the only place that knows database x.
		{"dialect/postgres", "dialect/sqlite", "dialect/postgres internal/pgutil mapper . dialect/sqlite"},
		{"dialect/sqlite", "dialect/postgres", "dialect/sqlite dialect/postgres"},
	}
	assert.ElementsMatch(t, want, got)

	// The layering DESIGN.md describes passes untouched.
	good := graph{
		"compile":          nil,
		"dialect":          {"compile"},
		"dialect/postgres": {"compile", "dialect", "internal/pgutil"},
		"dialect/sqlite":   {"compile", "dialect"},
		"internal/pgutil":  nil,
		"internal/bufpool": nil,
		"pool":             nil,
		".":                {"compile", "dialect", "pool", "internal/bufpool"},
		"mapper":           {".", "compile"},
		"session":          {".", "mapper", "dialect"},
		"versioning":       {"session", "mapper", "."},
		"cmd/ore":          {".", "dialect/postgres", "dialect/sqlite", "versioning"},
		"internal/testdb":  {"dialect/postgres", "dialect/sqlite"},
		"bench":            {".", "dialect/postgres", "dialect/sqlite"},
	}
	assert.Empty(t, check(rules, good))
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, rel string
		want         bool
	}{
		{"...", ".", true},
		{"...", "dialect/postgres", true},
		{".", ".", true},
		{".", "compile", false},
		{"dialect", "dialect", true},
		{"dialect", "dialect/postgres", false},
		{"dialect/*", "dialect", false},
		{"dialect/*", "dialect/postgres", true},
		{"dialect/*", "dialectx", false},
		{"compile/...", "compile", true},
		{"compile/...", "compile/internal/x", true},
		{"compile/...", "compiler", false},
	} {
		assert.Equal(t, c.want, match(c.pattern, c.rel), "match(%q, %q)", c.pattern, c.rel)
	}
}
