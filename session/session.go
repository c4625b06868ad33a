package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
)

// Options configure a Session. The zero value gives the defaults: each
// field's comment says its zero meaning.
type Options struct {
	// NoExpireOnCommit keeps objects' values after Commit. By default
	// Commit expires every object, so that the next load reads what the
	// database has.
	NoExpireOnCommit bool
	// NoAutoflush stops the session from flushing before queries. By
	// default pending changes are flushed before every query, so that
	// queries see them.
	NoAutoflush bool
	// NoAutobegin makes every operation that needs a transaction fail
	// until Begin is called. By default the first such operation begins
	// one.
	NoAutobegin bool
	// Tx are the options of the database transactions the session begins.
	Tx ore.TxOptions
	// Listeners are registered at New, as by Session.Listen.
	Listeners []Listener
	// Warn receives the session's warnings (a DELETE that matched fewer
	// rows than expected, an object related to a flushed one but not in
	// the session). nil drops them.
	Warn func(msg string)
}

// Session is a unit of work over an ore.DB: it tracks the objects it
// loads and is given, keeps one object per row (the identity map), and
// writes their changes in one transaction when flushed. A Session is not
// safe for concurrent use: use one per goroutine (one per request, say).
type Session struct {
	db   *ore.DB
	opts Options

	// mu guards limbo, and the sess field of the states of the session's
	// objects: the finalizers of weakly held objects (see weak.go) read
	// them on a goroutine of their own.
	mu       sync.Mutex
	limbo    []limboEntry
	limboLen atomic.Int32

	states map[*state]struct{} // every object in the session
	byKey  map[identityKey]*state
	// pending are the pending objects, in the order they were added.
	pending []*state
	// deleting are the persistent objects marked for deletion, in order.
	deleting  []*state
	nextOrder int64

	txActive bool    // the session's transaction has begun
	dbtx     *ore.Tx // its database transaction, begun at the first SQL; or nil
	failed   error   // the flush error that makes the session wait for Rollback
	flushing bool
	noFlush  int // > 0 inside NoAutoflush scopes

	// unregistered are the objects loaded since the last registerLoaded.
	unregistered []*state

	listeners []*Listener
	// links are the links of the relationship fields of the session's
	// objects, one per relationship.
	links map[*mapper.Relation]*mapper.Link
}

// New returns a session over db.
func New(db *ore.DB, opts Options) *Session {
	s := &Session{
		db:     db,
		opts:   opts,
		states: map[*state]struct{}{},
		byKey:  map[identityKey]*state{},
	}
	for _, l := range opts.Listeners {
		s.Listen(l)
	}
	return s
}

// DB returns the session's database.
func (s *Session) DB() *ore.DB { return s.db }

func (s *Session) warn(format string, args ...any) {
	if s.opts.Warn != nil {
		s.opts.Warn(fmt.Sprintf(format, args...))
	}
}

// ----------------------------------------------------------------------------
// Objects and their states

// objectOf returns the mapping of obj, which must be a non-nil pointer to
// a mapped struct, and the pointer.
func objectOf(obj any) (*mapper.Mapping, unsafe.Pointer, error) {
	if obj == nil {
		return nil, nil, invalid("nil object")
	}
	rv := reflect.ValueOf(obj)
	if rv.Kind() != reflect.Pointer || rv.Type().Elem().Kind() != reflect.Struct {
		return nil, nil, invalid("%T is not a pointer to a mapped struct", obj)
	}
	if rv.IsNil() {
		return nil, nil, invalid("nil %T", obj)
	}
	m, err := mapper.For(rv.Type().Elem())
	if err != nil {
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	return m, rv.UnsafePointer(), nil
}

// boxed returns the object at p as a pointer of m's type, for listeners
// and callers.
func boxed(m *mapper.Mapping, p unsafe.Pointer) any {
	return reflect.NewAt(m.Type(), p).Interface()
}

// StateOf returns the state of obj: Transient for an object no session
// has seen (or one made transient again), Detached for one whose session let
// it go.
func StateOf(obj any) Status {
	_, p, err := objectOf(obj)
	if err != nil {
		return Transient
	}
	if st := stateFor(p); st != nil {
		return st.status
	}
	return Transient
}

// SessionOf returns the session obj is in; or nil.
func SessionOf(obj any) *Session {
	_, p, err := objectOf(obj)
	if err != nil {
		return nil
	}
	if st := stateFor(p); st != nil {
		return st.sess
	}
	return nil
}

// WasDeleted reports whether obj was deleted by a flush (and not restored
// by a rollback).
func WasDeleted(obj any) bool {
	_, p, err := objectOf(obj)
	if err != nil {
		return false
	}
	st := stateFor(p)
	return st != nil && st.wasDeleted
}

// Contains reports whether obj is in s: pending, or persistent and not
// deleted by a flush.
func (s *Session) Contains(obj any) bool {
	_, p, err := objectOf(obj)
	if err != nil {
		return false
	}
	st := stateFor(p)
	return st != nil && st.sess == s && (st.status == Pending || st.status == Persistent)
}

// own returns the state of the object at p if it is in s.
func (s *Session) own(p unsafe.Pointer) *state {
	if st := stateFor(p); st != nil && st.sess == s {
		return st
	}
	return nil
}

// adopt puts st in s.
func (s *Session) adopt(st *state) {
	s.mu.Lock()
	st.sess = s
	s.mu.Unlock()
	s.states[st] = struct{}{}
}

// remove takes st out of s: out of its maps and lists, and no longer held.
func (s *Session) remove(st *state) {
	delete(s.states, st)
	s.unmap(st)
	s.pending = without(s.pending, st)
	s.deleting = without(s.deleting, st)
	s.mu.Lock()
	release(st)
	st.sess = nil
	s.mu.Unlock()
	st.ptr = nil    // the application's now
	st.sticky = nil // the loader options of the session's queries stay with it
}

// hold makes s hold st's object, at p, strongly.
func (s *Session) hold(st *state, p unsafe.Pointer) {
	if st.ptr == nil && st.owned {
		runtime.SetFinalizer(boxed(st.m, p), nil)
	}
	st.ptr = p
}

func without(list []*state, st *state) []*state {
	for i, x := range list {
		if x == st {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// unmap removes st from the identity map.
func (s *Session) unmap(st *state) {
	if st.hasKey && s.byKey[st.key] == st {
		delete(s.byKey, st.key)
	}
}

// snapshot returns every state of s.
func (s *Session) snapshot() []*state {
	out := make([]*state, 0, len(s.states))
	for st := range s.states {
		out = append(out, st)
	}
	return out
}

// ----------------------------------------------------------------------------
// Transactions

// Begin begins the session's transaction explicitly. It fails if one has
// begun already; a session begins one by itself unless NoAutobegin is set.
func (s *Session) Begin() error {
	if s.txActive {
		return invalid("a transaction has begun already")
	}
	s.beginLogical()
	return nil
}

// beginLogical starts the session's transaction, without a database
// connection yet: that joins at the first SQL.
func (s *Session) beginLogical() {
	s.txActive = true
	s.emit(func(l *Listener) {
		if l.AfterTransactionCreate != nil {
			l.AfterTransactionCreate(s, false)
		}
	})
}

// autobegin makes sure the session's transaction has begun.
func (s *Session) autobegin() error {
	if s.failed != nil {
		return fmt.Errorf("session: %w (%v)", ErrPendingRollback, s.failed)
	}
	if s.txActive {
		return nil
	}
	if s.opts.NoAutobegin {
		return invalid("no transaction: call Begin first (autobegin is off)")
	}
	s.beginLogical()
	return nil
}

// tx returns the database transaction to run SQL in, begun on first use.
func (s *Session) tx(ctx context.Context) (*ore.Tx, error) {
	if err := s.autobegin(); err != nil {
		return nil, err
	}
	if s.dbtx == nil {
		tx, err := s.db.Begin(ctx, s.opts.Tx)
		if err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
		s.dbtx = tx
		s.emit(func(l *Listener) {
			if l.AfterBegin != nil {
				l.AfterBegin(ctx, s)
			}
		})
	}
	return s.dbtx, nil
}

// Tx returns the session's database transaction, beginning it if needed:
// for running Core statements in the session's transaction.
func (s *Session) Tx(ctx context.Context) (*ore.Tx, error) { return s.tx(ctx) }

// InTransaction reports whether the session's transaction has begun.
func (s *Session) InTransaction() bool { return s.txActive }

// maxFlushes bounds Commit's flushing when listeners keep adding work.
const maxFlushes = 100

// Commit flushes, commits the transaction, and then (unless
// NoExpireOnCommit) expires every object. Objects deleted in the
// transaction become detached. With no transaction begun it only runs the
// commit's events and expiry.
func (s *Session) Commit(ctx context.Context) error {
	if s.failed != nil {
		return fmt.Errorf("session: %w (%v)", ErrPendingRollback, s.failed)
	}
	if !s.txActive {
		if s.opts.NoAutobegin {
			return invalid("no transaction to commit: call Begin first (autobegin is off)")
		}
		s.beginLogical()
	}
	s.emit(func(l *Listener) {
		if l.BeforeCommit != nil {
			l.BeforeCommit(ctx, s)
		}
	})
	for i := 0; !s.isClean(); i++ {
		if i == maxFlushes {
			return fmt.Errorf("session: %w: over %d flushes in one commit; a listener keeps adding work", ErrFlush, maxFlushes)
		}
		if err := s.Flush(ctx); err != nil {
			return err
		}
	}
	if s.dbtx != nil {
		err := s.dbtx.Commit(ctx)
		s.dbtx = nil
		if err != nil {
			// The database rolled the transaction back: so does the session.
			s.emit(func(l *Listener) {
				if l.AfterRollback != nil {
					l.AfterRollback(ctx, s)
				}
			})
			s.restoreAfterRollback(true)
			s.txActive = false
			return fmt.Errorf("session: commit: %w", err)
		}
	}
	s.afterCommit(ctx)
	return nil
}

// afterCommit settles the objects after a commit: deleted ones become
// detached, the rest expire.
func (s *Session) afterCommit(ctx context.Context) {
	var gone []*state
	for st := range s.states {
		if st.status == Deleted {
			gone = append(gone, st)
		}
		st.inTx = txMark{}
	}
	for _, st := range gone {
		p := st.object()
		s.remove(st)
		st.status = Detached
		if p != nil {
			s.transition(st, p, DeletedToDetached)
		}
	}
	s.txActive = false
	s.emit(func(l *Listener) {
		if l.AfterCommit != nil {
			l.AfterCommit(ctx, s)
		}
	})
	if !s.opts.NoExpireOnCommit {
		s.expireAll()
	}
	s.emit(func(l *Listener) {
		if l.AfterTransactionEnd != nil {
			l.AfterTransactionEnd(s, false)
		}
	})
}

// Rollback rolls the transaction back and undoes what it did to the
// objects: pending ones become transient, objects inserted in it become
// transient, objects deleted in it persistent again, and every object left
// is expired. It also clears the error of a failed flush, so that the
// session can be used again.
func (s *Session) Rollback(ctx context.Context) error {
	return s.rollback(ctx, true)
}

// rollback rolls back; with expire, the objects that stay in the session
// are expired (Close detaches them all, with the values they have).
func (s *Session) rollback(ctx context.Context, expire bool) error {
	var err error
	if s.dbtx != nil {
		err = s.dbtx.Rollback(ctx)
		if errors.Is(err, ore.ErrTxDone) {
			err = nil
		}
		s.dbtx = nil
		s.emit(func(l *Listener) {
			if l.AfterRollback != nil {
				l.AfterRollback(ctx, s)
			}
		})
	}
	wasActive := s.txActive
	if wasActive {
		// Without a transaction nothing happened that could be undone.
		s.restoreAfterRollback(expire)
	}
	s.txActive = false
	s.failed = nil
	if wasActive {
		s.emit(func(l *Listener) {
			if l.AfterTransactionEnd != nil {
				l.AfterTransactionEnd(s, false)
			}
		})
	}
	s.emit(func(l *Listener) {
		if l.AfterSoftRollback != nil {
			l.AfterSoftRollback(ctx, s)
		}
	})
	if err != nil {
		return fmt.Errorf("session: rollback: %w", err)
	}
	return nil
}

// restoreAfterRollback undoes the transaction's changes to objects
// (ST-11..ST-15) and, with expire, expires the rest (ST-14).
func (s *Session) restoreAfterRollback(expire bool) {
	s.settle()
	type change struct {
		st *state
		p  unsafe.Pointer
		t  Transition
	}
	var changes []change
	// Keys first: every object deleted or re-keyed in the transaction goes
	// back under its old key before the others are looked at.
	for st := range s.states {
		if st.inTx.hadOldKey {
			s.unmap(st)
			st.key, st.hasKey = st.inTx.oldKey, true
			for i, f := range st.m.PrimaryKey() {
				assign(f, st.committed, st.inTx.oldValues[i])
			}
		}
	}
	for st := range s.states {
		p := st.object()
		switch {
		case st.status == Pending || st.inTx.inserted:
			// Pending, or inserted by a flush of this transaction: the row
			// never existed. ("Pending" wins over deleted, ST-13.)
			t := PersistentToTransient
			if st.status == Pending {
				t = PendingToTransient
			}
			s.remove(st)
			st.status, st.hasKey, st.committed, st.rels = Transient, false, nil, nil
			changes = append(changes, change{st, p, t})
		case st.status == Deleted || st.inTx.deleted:
			st.status, st.wasDeleted = Persistent, false
			s.byKey[st.key] = st
			changes = append(changes, change{st, p, DeletedToPersistent})
		default:
			s.byKey[st.key] = st
		}
		st.inTx = txMark{}
	}
	for _, st := range s.deleting {
		st.inTx = txMark{}
	}
	s.deleting = s.deleting[:0]
	for _, c := range changes {
		if c.p != nil {
			s.transition(c.st, c.p, c.t)
		}
	}
	if expire {
		s.expireAll()
	}
}

// Close ends the session: it rolls back the transaction, if any, and
// detaches every object (pending ones become transient). The session can
// be used again afterwards, as a new one.
func (s *Session) Close(ctx context.Context) error {
	var err error
	if s.txActive || s.dbtx != nil {
		err = s.rollback(ctx, false)
	}
	s.ExpungeAll()
	s.failed = nil
	return err
}

// ----------------------------------------------------------------------------
// Inspection

// Info is what Inspect reports about an object.
type Info struct {
	Status     Status
	Session    *Session // the session it is in; nil if none
	Key        []any    // its primary key values, if it has an identity; or nil
	WasDeleted bool     // a flush deleted its row (and no rollback undid it)
	// Expired lists the fields (by Go name) whose values the session will
	// reload; Modified the column fields that differ from what the database
	// has (for a persistent or detached object).
	Expired  []string
	Modified []string
}

// Inspect reports obj's state, identity, expired and modified fields.
func Inspect(obj any) Info {
	m, p, err := objectOf(obj)
	if err != nil {
		return Info{}
	}
	st := stateFor(p)
	if st == nil {
		return Info{Status: Transient}
	}
	info := Info{Status: st.status, Session: st.sess, WasDeleted: st.wasDeleted}
	if st.hasKey {
		info.Key = keyValues(m, p)
		if st.committed != nil {
			info.Key = keyValues(m, st.committed)
		}
	}
	for _, f := range m.Fields() {
		if st.expired != nil && st.expired.has(f.Pos) {
			info.Expired = append(info.Expired, f.Name)
		}
		if st.committed != nil && !f.Equal(p, st.committed) {
			info.Modified = append(info.Modified, f.Name)
		}
	}
	if st.rels != nil {
		for i, r := range m.Relations() {
			if !st.rels[i].loaded && !r.Loaded(p) {
				info.Expired = append(info.Expired, r.Name)
			}
		}
	}
	return info
}

// Lookup returns the object of type T with primary key key from s's
// identity map, without SQL; nil if the map does not have it.
func Lookup[T any](s *Session, key ...any) *T {
	m, err := mapper.Of[T]()
	if err != nil {
		return nil
	}
	vals, err := lookupKey(m, key)
	if err != nil {
		return nil
	}
	s.settle()
	st := s.byKey[keyFromValues(m, vals)]
	if st == nil {
		return nil
	}
	return (*T)(s.live(st))
}

// Len returns the number of objects in s's identity map: its persistent
// objects, those marked for deletion included. Weakly held objects the
// application dropped are not counted once the garbage collector has
// found them.
func (s *Session) Len() int {
	s.settle()
	n := 0
	for _, st := range s.byKey {
		if s.live(st) != nil {
			n++
		}
	}
	return n
}

// New returns the pending objects, in the order they were added.
func (s *Session) New() []any {
	out := make([]any, 0, len(s.pending))
	for _, st := range s.pending {
		out = append(out, boxed(st.m, st.ptr))
	}
	return out
}

// Deleted returns the objects marked for deletion at the next flush.
func (s *Session) Deleted() []any {
	out := make([]any, 0, len(s.deleting))
	for _, st := range s.deleting {
		out = append(out, boxed(st.m, st.ptr))
	}
	return out
}

// Dirty returns the persistent objects with unflushed changes: column
// fields that differ from what the database has, or changed relationships.
// (A field set to the value it had is no change.)
func (s *Session) Dirty() []any {
	s.settle()
	var dirty []*state
	for st := range s.states {
		if st.status != Persistent {
			continue
		}
		if p := s.live(st); p != nil && s.modified(st, p) {
			dirty = append(dirty, st)
		}
	}
	slices.SortFunc(dirty, func(a, b *state) int { return cmp.Compare(a.insertOrder, b.insertOrder) })
	out := make([]any, len(dirty))
	for i, st := range dirty {
		out[i] = boxed(st.m, s.live(st))
	}
	return out
}
