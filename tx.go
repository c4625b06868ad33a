package ore

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/dialect"
)

// TxOptions are the options of a transaction: isolation level, read-only,
// deferrable.
type TxOptions = dialect.TxOptions

// IsolationLevel is a transaction isolation level, for TxOptions.Isolation.
type IsolationLevel = dialect.IsolationLevel

// The isolation levels, for TxOptions.Isolation.
const (
	LevelDefault         = dialect.LevelDefault
	LevelReadUncommitted = dialect.LevelReadUncommitted
	LevelReadCommitted   = dialect.LevelReadCommitted
	LevelRepeatableRead  = dialect.LevelRepeatableRead
	LevelSerializable    = dialect.LevelSerializable
)

// Tx is a database transaction, or a savepoint nested inside one. It runs
// statements on one connection until Commit or Rollback, and is not safe
// for concurrent use.
//
// End the transaction on every path; the idiom is a deferred [Tx.End] on a
// named error:
//
//	func transfer(ctx context.Context, db *ore.DB) (err error) {
//		tx, err := db.Begin(ctx, ore.TxOptions{})
//		if err != nil {
//			return err
//		}
//		defer tx.End(&err) // commits if err is nil, else rolls back
//		...
//	}
type Tx struct {
	db     *DB
	ctx    context.Context // Begin's, used by End
	l      lease           // l.pc is set when the transaction owns a pooled connection
	opts   TxOptions
	parent *Tx    // for a savepoint; or nil
	name   string // the savepoint's name; or ""
	nsp    *int   // savepoints made in this transaction, for names
	done   bool
}

// Begin starts a transaction on a connection from the pool, which it holds
// until Commit or Rollback.
func (db *DB) Begin(ctx context.Context, opts TxOptions) (*Tx, error) {
	l, err := db.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := begin(ctx, db, l, opts)
	if err != nil {
		db.release(l, err)
		return nil, err
	}
	return tx, nil
}

// Begin starts a transaction on the pinned connection.
func (c *Conn) Begin(ctx context.Context, opts TxOptions) (*Tx, error) {
	if c.closed {
		return nil, ErrClosed
	}
	return begin(ctx, c.db, lease{conn: c.l.conn}, opts)
}

func begin(ctx context.Context, db *DB, l lease, opts TxOptions) (*Tx, error) {
	err := l.conn.Begin(ctx, opts)
	db.txEvent(ctx, txBegin, &TxEvent{Options: opts, Err: err})
	if err != nil {
		return nil, wrapOpErr(ctx, "begin", err)
	}
	return &Tx{db: db, ctx: ctx, l: l, opts: opts, nsp: new(int)}, nil
}

// Begin starts a nested transaction: a SAVEPOINT inside tx. Committing it
// releases the savepoint; rolling it back undoes only what was done since.
// The outer transaction must not be used until the nested one ends.
func (tx *Tx) Begin(ctx context.Context) (*Tx, error) {
	if tx.done {
		return nil, ErrTxDone
	}
	if !tx.db.dialect.Features().Has(compile.FeatSavepoints) {
		return nil, &compile.UnsupportedError{Feature: compile.FeatSavepoints, Dialect: tx.db.dialect.Name()}
	}
	*tx.nsp++
	name := "ore_savepoint_" + strconv.Itoa(*tx.nsp)
	err := tx.savepointSQL(ctx, "SAVEPOINT ", name)
	tx.db.txEvent(ctx, txBegin, &TxEvent{Options: tx.opts, Savepoint: name, Err: err})
	if err != nil {
		return nil, err
	}
	return &Tx{db: tx.db, ctx: ctx, l: lease{conn: tx.l.conn}, opts: tx.opts, parent: tx, name: name, nsp: tx.nsp}, nil
}

func (tx *Tx) savepointSQL(ctx context.Context, verb, name string) error {
	sql := string(tx.db.dialect.AppendIdent([]byte(verb), name))
	_, err := tx.l.conn.Exec(ctx, sql, nil)
	if err != nil {
		return wrapOpErr(ctx, strings.ToLower(verb)+name, err)
	}
	return nil
}

// active reports ErrTxDone if tx or an enclosing transaction has ended.
func (tx *Tx) active() error {
	for t := tx; t != nil; t = t.parent {
		if t.done {
			return ErrTxDone
		}
	}
	return nil
}

// Commit commits the transaction (or releases the savepoint) and gives the
// connection back. Committing an ended transaction returns ErrTxDone.
func (tx *Tx) Commit(ctx context.Context) error {
	if err := tx.active(); err != nil {
		return err
	}
	tx.done = true
	var err error
	if tx.parent != nil {
		err = tx.savepointSQL(ctx, "RELEASE SAVEPOINT ", tx.name)
	} else {
		err = tx.l.conn.Commit(ctx)
		if err != nil {
			err = wrapOpErr(ctx, "commit", err)
			// A failed commit may leave the transaction open (SQLite, when
			// busy): end it so the connection can be reused.
			tx.l.conn.Rollback(context.WithoutCancel(ctx))
		}
		tx.db.release(tx.l, err)
	}
	tx.db.txEvent(ctx, txCommit, &TxEvent{Options: tx.opts, Savepoint: tx.name, Err: err})
	return err
}

// Rollback rolls the transaction back (or back to the savepoint) and gives
// the connection back. It runs even if ctx is cancelled, so that the
// connection is not left inside a transaction. Rolling back an ended
// transaction returns ErrTxDone, which a deferred Rollback may ignore.
func (tx *Tx) Rollback(ctx context.Context) error {
	if err := tx.active(); err != nil {
		return err
	}
	tx.done = true
	ctx = context.WithoutCancel(ctx)
	var err error
	if tx.parent != nil {
		err = tx.savepointSQL(ctx, "ROLLBACK TO SAVEPOINT ", tx.name)
		if err == nil {
			err = tx.savepointSQL(ctx, "RELEASE SAVEPOINT ", tx.name)
		}
	} else {
		if err = tx.l.conn.Rollback(ctx); err != nil {
			err = wrapOpErr(ctx, "rollback", err)
		}
		tx.db.release(tx.l, err)
	}
	tx.db.txEvent(ctx, txRollback, &TxEvent{Options: tx.opts, Savepoint: tx.name, Err: err})
	return err
}

// End commits the transaction if *errp is nil and rolls it back otherwise;
// a failed commit is stored in *errp. Deferred, it also rolls back when the
// function panics, and lets the panic go on. It uses the context the
// transaction began with. A transaction already committed or rolled back
// explicitly is left as it is, and *errp too.
func (tx *Tx) End(errp *error) {
	if r := recover(); r != nil {
		tx.Rollback(tx.ctx)
		panic(r)
	}
	if tx.done {
		return
	}
	if *errp != nil {
		if err := tx.Rollback(tx.ctx); err != nil && !errors.Is(err, ErrTxDone) {
			*errp = errors.Join(*errp, err)
		}
		return
	}
	if err := tx.Commit(tx.ctx); err != nil {
		*errp = err
	}
}

// Exec runs s inside the transaction.
func (tx *Tx) Exec(ctx context.Context, s Statement, params ...ParamValue) (Result, error) {
	return execute(ctx, tx, s, params)
}

// Query runs s inside the transaction and returns its rows.
func (tx *Tx) Query(ctx context.Context, s Statement, params ...ParamValue) (*Rows, error) {
	return queryRows(ctx, tx, s, params)
}

func (tx *Tx) take(ctx context.Context) (lease, error) {
	if err := tx.active(); err != nil {
		return lease{}, err
	}
	return lease{conn: tx.l.conn}, nil
}

func (tx *Tx) give(l lease, err error) {
	if err != nil && errors.Is(err, dialect.ErrDisconnect) {
		tx.db.pool.Invalidate()
	}
}

func (tx *Tx) engine() *DB { return tx.db }
func (tx *Tx) inTx() bool  { return true }

// ----------------------------------------------------------------------------
// Retrying transactions

// RetryOptions configure [InTxWith].
type RetryOptions struct {
	Tx TxOptions
	// MaxAttempts is the most times the function runs; zero means 5.
	MaxAttempts int
	// BaseDelay is the wait before the second attempt, doubled for each
	// next one up to MaxDelay, with random jitter; zero means 10ms and 1s.
	BaseDelay, MaxDelay time.Duration
}

// InTx runs fn in a transaction: it commits if fn returns nil and rolls
// back otherwise (also if fn panics). If the transaction fails with a
// serialization failure or a deadlock, it runs fn again in a new
// transaction, up to 5 times with growing waits; fn must therefore do
// nothing but database work it can repeat. See [InTxWith].
func InTx(ctx context.Context, db *DB, fn func(tx *Tx) error) error {
	return InTxWith(ctx, db, RetryOptions{}, fn)
}

// InTxWith is [InTx] with options.
func InTxWith(ctx context.Context, db *DB, opts RetryOptions, fn func(tx *Tx) error) error {
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	base, maxDelay := opts.BaseDelay, opts.MaxDelay
	if base <= 0 {
		base = 10 * time.Millisecond
	}
	if maxDelay <= 0 {
		maxDelay = time.Second
	}
	for attempt := 1; ; attempt++ {
		err := inTxOnce(ctx, db, opts.Tx, fn)
		if err == nil || !dialect.Retryable(err) || attempt >= attempts || ctx.Err() != nil {
			return err
		}
		delay := min(maxDelay, base<<(attempt-1))
		delay = delay/2 + rand.N(delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

func inTxOnce(ctx context.Context, db *DB, opts TxOptions, fn func(tx *Tx) error) (err error) {
	tx, err := db.Begin(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.End(&err)
	return fn(tx)
}
