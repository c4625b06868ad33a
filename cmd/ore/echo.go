package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// echoHandler prints ore's SQL echo compactly for the demo:
//
//	sql> SELECT ... [args] (0.1ms, 3 rows)
type echoHandler struct{ w io.Writer }

func (h echoHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h echoHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h echoHandler) WithGroup(string) slog.Handler            { return h }

func (h echoHandler) Handle(_ context.Context, r slog.Record) error {
	var sql, args, errText string
	var dur time.Duration
	var rows int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "sql":
			sql = a.Value.String()
		case "args":
			if v, ok := a.Value.Any().([]any); ok && len(v) > 0 {
				args = " " + fmt.Sprint(v)
			}
		case "duration":
			dur = a.Value.Duration()
		case "rows":
			rows = a.Value.Int64()
		case "error":
			errText = a.Value.String()
		case "savepoint":
			if s := a.Value.String(); s != "" {
				sql = "savepoint " + s
			}
		}
		return true
	})
	switch {
	case r.Message == "ore: sql" && errText != "":
		fmt.Fprintf(h.w, "  sql> %s%s\n       error: %s\n", sql, args, errText)
	case r.Message == "ore: sql":
		unit := "rows"
		if rows == 1 {
			unit = "row"
		}
		fmt.Fprintf(h.w, "  sql> %s%s  (%s, %d %s)\n", sql, args, dur.Round(10*time.Microsecond), rows, unit)
	default:
		verb := strings.TrimPrefix(r.Message, "ore: ")
		if sql != "" {
			verb += " (" + sql + ")"
		}
		fmt.Fprintf(h.w, "  sql> %s\n", strings.ToUpper(verb[:1])+verb[1:])
	}
	return nil
}
