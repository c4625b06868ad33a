package session

import (
	"context"
	"slices"
	"unsafe"

	"github.com/ore-go/ore"
)

// Transition is a change of an object's state, reported to
// Listener.StateChange once per change.
type Transition uint8

// The transitions.
const (
	TransientToPending    Transition = iota + 1 // Add
	PendingToTransient                          // Expunge of a pending object, or a rollback
	PersistentToTransient                       // a rollback of the transaction that inserted it
	PendingToPersistent                         // a flush inserted it
	DetachedToPersistent                        // Add (or Delete) of a detached object
	LoadedAsPersistent                          // a query or Get made it
	PersistentToDeleted                         // a flush deleted it
	DeletedToPersistent                         // a rollback undid its deletion
	DeletedToDetached                           // the commit after its deletion, or its expunge
	PersistentToDetached                        // Expunge, Close
)

var transitionNames = [...]string{
	"", "transient_to_pending", "pending_to_transient", "persistent_to_transient", "pending_to_persistent",
	"detached_to_persistent", "loaded_as_persistent", "persistent_to_deleted", "deleted_to_persistent",
	"deleted_to_detached", "persistent_to_detached",
}

func (t Transition) String() string {
	if int(t) < len(transitionNames) {
		return transitionNames[t]
	}
	return "Transition(?)"
}

// Listener receives a session's events. Set the functions you need; nil
// ones are skipped. Objects are passed as the pointers the application
// holds (*User, say). Listeners run in the order they were registered, on
// the goroutine using the session.
type Listener struct {
	// AfterTransactionCreate runs when the session's transaction begins
	// (nested is true for the logical transaction of a flush), and
	// AfterTransactionEnd when it ends.
	AfterTransactionCreate func(s *Session, nested bool)
	AfterTransactionEnd    func(s *Session, nested bool)
	// AfterBegin runs when the database transaction begins, at the first
	// SQL of the session's transaction.
	AfterBegin func(ctx context.Context, s *Session)
	// BeforeCommit runs before Commit flushes; AfterCommit after the
	// database commit (run no SQL in it). AfterRollback runs after a
	// database rollback; AfterSoftRollback after every Rollback call.
	BeforeCommit      func(ctx context.Context, s *Session)
	AfterCommit       func(ctx context.Context, s *Session)
	AfterRollback     func(ctx context.Context, s *Session)
	AfterSoftRollback func(ctx context.Context, s *Session)

	// BeforeFlush runs before a flush that has work; it may add, delete or
	// change objects, and the flush includes them. AfterFlush runs after the
	// flush's SQL, before objects change state; AfterFlushPostexec once they
	// have.
	BeforeFlush        func(ctx context.Context, s *Session) error
	AfterFlush         func(ctx context.Context, s *Session)
	AfterFlushPostexec func(ctx context.Context, s *Session)

	// BeforeAttach and AfterAttach run when an object joins the session.
	BeforeAttach func(s *Session, obj any)
	AfterAttach  func(s *Session, obj any)
	// StateChange runs once per change of an object's state.
	StateChange func(s *Session, obj any, t Transition)

	// The mapper events of a flush, per object: before and after its
	// INSERT, UPDATE or DELETE. BeforeUpdate and AfterUpdate run for every
	// object with changes, even when no column changed in the end and no
	// UPDATE is sent. They may change the object's own fields (a timestamp,
	// say) and run SQL on tx, nothing else.
	BeforeInsert func(ctx context.Context, tx *ore.Tx, obj any)
	AfterInsert  func(ctx context.Context, tx *ore.Tx, obj any)
	BeforeUpdate func(ctx context.Context, tx *ore.Tx, obj any)
	AfterUpdate  func(ctx context.Context, tx *ore.Tx, obj any)
	BeforeDelete func(ctx context.Context, tx *ore.Tx, obj any)
	AfterDelete  func(ctx context.Context, tx *ore.Tx, obj any)
	// RefreshFlush runs between BeforeInsert and AfterInsert when the
	// INSERT returned values the database made for fields other than the
	// primary key (server defaults); fields lists them.
	RefreshFlush func(ctx context.Context, tx *ore.Tx, obj any, fields []string)

	// Load runs once per object, when a row first becomes it. Refresh runs
	// when fields of an existing object were reloaded (fields lists them;
	// nil for all, as PopulateExisting reloads); Expire when fields were
	// expired (nil for all).
	Load    func(s *Session, obj any)
	Refresh func(s *Session, obj any, fields []string)
	Expire  func(s *Session, obj any, fields []string)
}

// Listen registers l and returns a function that removes it.
func (s *Session) Listen(l Listener) (remove func()) {
	lp := &l
	s.listeners = append(s.listeners, lp)
	return func() {
		s.listeners = slices.DeleteFunc(s.listeners, func(x *Listener) bool { return x == lp })
	}
}

func (s *Session) emit(f func(l *Listener)) {
	for _, l := range s.listeners {
		f(l)
	}
}

// transition reports t for st's object, at p.
func (s *Session) transition(st *state, p unsafe.Pointer, t Transition) {
	if len(s.listeners) == 0 {
		return
	}
	obj := boxed(st.m, p)
	s.emit(func(l *Listener) {
		if l.StateChange != nil {
			l.StateChange(s, obj, t)
		}
	})
}
