// Command ore is ore's command line:
//
//	ore demo [--dsn DSN]     a tour of ore on a throwaway SQLite file (or the database DSN names)
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
  demo [--dsn DSN]   a tour of ore's Core on a throwaway SQLite file, or on DSN
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		// One line, whatever the driver's message looks like.
		msg := strings.Join(strings.Fields(err.Error()), " ")
		fmt.Fprintf(os.Stderr, "ore: %s\n", strings.TrimPrefix(msg, "ore: "))
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "demo":
		fs := flag.NewFlagSet("demo", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		dsn := fs.String("dsn", "", "database to run the tour on (default: a new SQLite file)")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{"demo: " + err.Error()}
		}
		if fs.NArg() > 0 {
			return usageError{fmt.Sprintf("demo: unexpected argument %q", fs.Arg(0))}
		}
		return demo(ctx, *dsn, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
