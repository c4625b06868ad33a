package ore

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ore-go/ore/dialect"
)

// Listener receives the engine's events. Set the functions you need; nil
// ones are skipped. Register a Listener with [DB.Listen]. Listeners run on
// the goroutine doing the work, so they should be quick; they must not use
// the connection the event is about.
type Listener struct {
	// BeforeExecute runs before a statement is sent.
	BeforeExecute func(ctx context.Context, e *ExecEvent)
	// AfterExecute runs when a statement is done: after Exec returns, or
	// when the rows of a query are closed. e.Err is set if it failed.
	AfterExecute func(ctx context.Context, e *ExecEvent)
	// HandleError runs when a statement fails, before AfterExecute. It may
	// return a different error to report instead (to translate it, say); nil
	// keeps the original.
	HandleError func(ctx context.Context, e *ExecEvent) error

	// Begin, Commit and Rollback run after the transaction (or savepoint,
	// when e.Savepoint is set) began, committed or rolled back, with e.Err
	// set if that failed.
	Begin    func(ctx context.Context, e *TxEvent)
	Commit   func(ctx context.Context, e *TxEvent)
	Rollback func(ctx context.Context, e *TxEvent)

	// Connect runs when the pool opened a new connection; Checkout when a
	// connection is taken from the pool; Checkin when it is returned;
	// Close when the pool closes one (e.Reason says why).
	Connect  func(ctx context.Context, e *ConnEvent)
	Checkout func(ctx context.Context, e *ConnEvent)
	Checkin  func(e *ConnEvent)
	Close    func(e *ConnEvent)
}

// ExecEvent describes one statement's execution.
type ExecEvent struct {
	SQL      string
	Args     []any
	Start    time.Time
	Duration time.Duration // set for AfterExecute and HandleError
	// RowsAffected is the number of rows the statement affected, or for a
	// query the rows it returned; set for AfterExecute.
	RowsAffected int64
	Err          error // the error, for HandleError and AfterExecute; or nil
	InTx         bool  // the statement ran inside a transaction
}

// TxEvent describes a transaction's begin, commit or rollback.
type TxEvent struct {
	Options   TxOptions
	Savepoint string // the savepoint's name, for a nested transaction; or ""
	Err       error
}

// ConnEvent describes a pool event.
type ConnEvent struct {
	Conn   dialect.Conn
	Reason string // for Close: why the pool closed it; or ""
}

// listeners is the current set of listeners, replaced as a whole when one
// is added or removed so that events read it without locking.
type listeners struct {
	mu  sync.Mutex // serializes changes
	cur atomic.Pointer[[]*Listener]
}

func (ls *listeners) load() []*Listener {
	if p := ls.cur.Load(); p != nil {
		return *p
	}
	return nil
}

// Listen registers l and returns a function that removes it. Events in
// progress when Listen or the removal runs may or may not reach l.
func (db *DB) Listen(l Listener) (remove func()) {
	lp := &l
	db.listeners.mu.Lock()
	next := append(slices.Clone(db.listeners.load()), lp)
	db.listeners.cur.Store(&next)
	db.listeners.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			db.listeners.mu.Lock()
			defer db.listeners.mu.Unlock()
			next := slices.DeleteFunc(slices.Clone(db.listeners.load()), func(x *Listener) bool { return x == lp })
			db.listeners.cur.Store(&next)
		})
	}
}

func (db *DB) beforeExecute(ctx context.Context, e *ExecEvent) {
	for _, l := range db.listeners.load() {
		if l.BeforeExecute != nil {
			l.BeforeExecute(ctx, e)
		}
	}
}

// afterExecute runs HandleError (on failure) and AfterExecute listeners and
// returns the error to report.
func (db *DB) afterExecute(ctx context.Context, e *ExecEvent) error {
	ls := db.listeners.load()
	if e.Err != nil {
		for _, l := range ls {
			if l.HandleError != nil {
				if err := l.HandleError(ctx, e); err != nil {
					e.Err = err
				}
			}
		}
	}
	for _, l := range ls {
		if l.AfterExecute != nil {
			l.AfterExecute(ctx, e)
		}
	}
	return e.Err
}

func (db *DB) txEvent(ctx context.Context, kind int, e *TxEvent) {
	for _, l := range db.listeners.load() {
		var f func(context.Context, *TxEvent)
		switch kind {
		case txBegin:
			f = l.Begin
		case txCommit:
			f = l.Commit
		case txRollback:
			f = l.Rollback
		}
		if f != nil {
			f(ctx, e)
		}
	}
}

const (
	txBegin = iota
	txCommit
	txRollback
)

// echoListener logs every statement through logger, as SQL echo.
func echoListener(logger *slog.Logger) Listener {
	return Listener{
		AfterExecute: func(ctx context.Context, e *ExecEvent) {
			attrs := []slog.Attr{
				slog.String("sql", e.SQL),
				slog.Any("args", displayArgs(e.Args)),
				slog.Duration("duration", e.Duration),
				slog.Int64("rows", e.RowsAffected),
			}
			level := slog.LevelInfo
			if e.Err != nil {
				level = slog.LevelError
				attrs = append(attrs, slog.String("error", e.Err.Error()))
			}
			logger.LogAttrs(ctx, level, "ore: sql", attrs...)
		},
		Begin:    func(ctx context.Context, e *TxEvent) { echoTx(ctx, logger, "ore: begin", e) },
		Commit:   func(ctx context.Context, e *TxEvent) { echoTx(ctx, logger, "ore: commit", e) },
		Rollback: func(ctx context.Context, e *TxEvent) { echoTx(ctx, logger, "ore: rollback", e) },
	}
}

// echoTx logs a transaction event: at Error level, with the error, if it
// failed.
func echoTx(ctx context.Context, logger *slog.Logger, msg string, e *TxEvent) {
	if e.Err != nil {
		logger.LogAttrs(ctx, slog.LevelError, msg, slog.String("savepoint", e.Savepoint), slog.String("error", e.Err.Error()))
		return
	}
	logger.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("savepoint", e.Savepoint))
}

// displayArgs returns args for logging, with pointers shown as the values
// they point to (or nil).
func displayArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
		if a == nil {
			continue
		}
		if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer {
			if v.IsNil() {
				out[i] = nil
			} else {
				out[i] = v.Elem().Interface()
			}
		}
	}
	return out
}
