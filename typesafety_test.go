package ore_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTypeSafety proves that the type parameters reject what they promise
// to reject: each program under testdata/typesafety has exactly one line
// that must not compile, announced by a "// want: <fragment>" comment on the
// line before it. The build must fail on that line alone, with an error
// containing the fragment. The one program without a want comment is the
// control: the same setup with the bad lines fixed, which must build.
func TestTypeSafety(t *testing.T) {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build the programs")
	root, err := os.Getwd()
	require.NoError(t, err)

	cases := readTypeSafetyCases(t, filepath.Join(root, "testdata", "typesafety"))
	var bad, control int
	for _, c := range cases {
		if c.want == "" {
			control++
		} else {
			bad++
		}
	}
	require.Equal(t, 1, control, "exactly one control program")
	require.GreaterOrEqual(t, bad, 12, "the cases went missing")

	// One temporary module holds every program, one package each, so that
	// the module graph is loaded from the repository's go.sum and the build
	// cache serves ore itself after the first build.
	mod := t.TempDir()
	goMod := "module typesafety\n\ngo 1.26.0\n\nrequire github.com/ore-go/ore v0.0.0\n\n" +
		"replace github.com/ore-go/ore => " + strconv.Quote(root) + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644))
	for _, c := range cases {
		require.NoError(t, os.Mkdir(filepath.Join(mod, c.name), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(mod, c.name, "main.go"), c.src, 0o644))
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(goBin, "build", "-o", os.DevNull, "./"+c.name)
			cmd.Dir = mod
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if c.want == "" {
				require.NoError(t, err, "the control program must build:\n%s", out)
				return
			}
			require.Error(t, err, "built, but line %d must not compile", c.line)
			errs := compileErrors(string(out))
			require.Len(t, errs, 1, "exactly one line must fail to compile; go build said:\n%s", out)
			assert.Equal(t, c.name+"/main.go", errs[0].file)
			assert.Equal(t, c.line, errs[0].line, "the error is on another line than the one after the want comment:\n%s", out)
			assert.Contains(t, errs[0].msg, c.want)
		})
	}
}

type typeSafetyCase struct {
	name string
	src  []byte
	want string // the expected error fragment; "" for the control program
	line int    // the line that must not compile
}

func readTypeSafetyCases(t *testing.T, dir string) []typeSafetyCase {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var cases []typeSafetyCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, e.Name(), "main.go"))
		require.NoError(t, err)
		c := typeSafetyCase{name: e.Name(), src: src}
		sc := bufio.NewScanner(strings.NewReader(string(src)))
		for n := 1; sc.Scan(); n++ {
			want, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "// want: ")
			if !ok {
				continue
			}
			require.Empty(t, c.want, "%s: more than one want comment", e.Name())
			require.NotEmpty(t, strings.TrimSpace(want), "%s: empty want comment", e.Name())
			c.want, c.line = want, n+1
		}
		cases = append(cases, c)
	}
	return cases
}

type compileError struct {
	file string
	line int
	msg  string
}

// compileErrorLine matches the first line of an error as go build prints it
// ("dir/main.go:16:58: message"); explanations follow on indented lines.
var compileErrorLine = regexp.MustCompile(`^(?:\./)?(\S+\.go):(\d+):\d+: (.*)$`)

func compileErrors(out string) []compileError {
	var errs []compileError
	for _, l := range strings.Split(out, "\n") {
		m := compileErrorLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		errs = append(errs, compileError{file: filepath.ToSlash(m[1]), line: n, msg: m[3]})
	}
	return errs
}
