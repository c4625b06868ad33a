// Command ore is ore's command line:
//
//	ore demo [--dsn DSN]                  a tour of ore on a throwaway SQLite file (or on DSN)
//	ore inspect [--json] [--schema S] DSN  a report of the database's schema
//	ore gen --pkg NAME [--schema S] DSN     Go declarations of the database's tables
//
// DSNs are postgres://... URLs for PostgreSQL, and file: URIs or plain paths
// for SQLite.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

const usage = `usage: ore <command> [flags]

commands:
  demo [--dsn DSN]                    a tour of ore's Core on a throwaway SQLite file, or on DSN
  inspect [--json] [--schema S] DSN   a report of the database's tables, columns, keys and indexes
  gen --pkg NAME [--schema S] DSN     Go source declaring the database's tables for ore

DSNs: postgres://user@host:5432/db for PostgreSQL; a path or file: URI for SQLite.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, errorLine(err))
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errorLine returns err as the one line ore prints: "ore: message", on one
// line whatever the driver's message looks like.
func errorLine(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return "ore: " + strings.TrimPrefix(msg, "ore: ")
}

// exitCode returns the exit status for err: 2 for a mistake on the command
// line, 1 for any other failure.
func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "demo":
		fs := newFlags("demo")
		dsn := fs.String("dsn", "", "database to run the tour on (default: a new SQLite file)")
		if _, err := parseArgs(fs, args[1:], 0); err != nil {
			return err
		}
		return demo(ctx, *dsn, stdout)
	case "inspect":
		fs := newFlags("inspect")
		asJSON := fs.Bool("json", false, "print JSON")
		schema := fs.String("schema", "", "schema to inspect (default: the connection's)")
		pos, err := parseArgs(fs, args[1:], 1)
		if err != nil {
			return err
		}
		return inspectCmd(ctx, pos[0], *schema, *asJSON, stdout)
	case "gen":
		fs := newFlags("gen")
		pkg := fs.String("pkg", "", "package name of the generated file (required)")
		schema := fs.String("schema", "", "schema to generate (default: the connection's)")
		pos, err := parseArgs(fs, args[1:], 1)
		if err != nil {
			return err
		}
		if *pkg == "" {
			return usageError{"gen: --pkg is required"}
		}
		return genCmd(ctx, pos[0], *pkg, *schema, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseArgs parses flags anywhere among args and returns the n positional
// arguments the command takes.
func parseArgs(fs *flag.FlagSet, args []string, n int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{fs.Name() + ": " + err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	switch {
	case len(pos) < n:
		return nil, usageError{fs.Name() + ": missing DSN"}
	case len(pos) > n:
		return nil, usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), pos[n])}
	}
	return pos, nil
}
