package session

import (
	"fmt"
	"math/bits"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"unsafe"
	"weak"

	"github.com/ore-go/ore/mapper"
)

// Status is the state of an object with respect to a session.
type Status uint8

// The five object states.
const (
	// Transient: a new object, in no session, with no row.
	Transient Status = iota
	// Pending: added to a session; its row is inserted at the next flush.
	Pending
	// Persistent: in a session, with a row in the database.
	Persistent
	// Deleted: its row was deleted by a flush whose transaction has not
	// ended; a commit makes it detached, a rollback persistent again.
	Deleted
	// Detached: it has (or had) a row, but is in no session.
	Detached
)

var statusNames = [...]string{"transient", "pending", "persistent", "deleted", "detached"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", s)
}

// identityKey identifies a row within a session: the mapping (of the
// inheritance tree's base, later) and the primary key values, each in a
// comparable form.
type identityKey struct {
	m  *mapper.Mapping
	k0 any    // a one-column key other than an int64
	ks string // a composite key, encoded
	// ki is a one-column int64 key (the common case, kept out of k0 so
	// that making the key does not allocate), when isInt.
	ki    int64
	isInt bool
}

func (k identityKey) String() string {
	switch {
	case k.ks != "":
		return fmt.Sprintf("%s(%s)", k.m.Type().Name(), k.ks)
	case k.isInt:
		return fmt.Sprintf("%s(%d)", k.m.Type().Name(), k.ki)
	}
	return fmt.Sprintf("%s(%v)", k.m.Type().Name(), k.k0)
}

// singleKey returns the identity key of a one-column primary key value.
func singleKey(m *mapper.Mapping, v any) identityKey {
	v = comparable(v)
	if i, ok := v.(int64); ok {
		return identityKey{m: m, ki: i, isInt: true}
	}
	return identityKey{m: m, k0: v}
}

// keyOf returns the identity key of the object at p from its primary key
// fields.
func keyOf(m *mapper.Mapping, p unsafe.Pointer) identityKey {
	pk := m.PrimaryKey()
	if len(pk) == 1 {
		if i, ok := pk[0].Pointer(p).(*int64); ok {
			return identityKey{m: m, ki: *i, isInt: true}
		}
		return singleKey(m, pk[0].Value(p))
	}
	return keyFromValues(m, keyValues(m, p))
}

// keyFromValues returns the identity key of the row of m whose primary key
// values are vals, of the key fields' types.
func keyFromValues(m *mapper.Mapping, vals []any) identityKey {
	if len(vals) == 1 {
		return singleKey(m, vals[0])
	}
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%#v", comparable(v))
	}
	return identityKey{m: m, ks: b.String()}
}

// comparable returns v in a form usable in a map key: byte slices as
// strings, pointers as what they point to.
func comparable(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case nil:
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		return comparable(rv.Elem().Interface())
	}
	if !rv.Comparable() {
		return fmt.Sprintf("%#v", v)
	}
	return v
}

// fieldSet is a set of a mapping's column fields, by position.
type fieldSet []uint64

func newFieldSet(n int, all bool) fieldSet {
	s := make(fieldSet, (n+63)/64)
	if all {
		for i := 0; i < n; i++ {
			s.add(i)
		}
	}
	return s
}

func (s fieldSet) has(i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
func (s fieldSet) add(i int)      { s[i/64] |= 1 << (i % 64) }
func (s fieldSet) remove(i int)   { s[i/64] &^= 1 << (i % 64) }

func (s fieldSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

func (s fieldSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

func (s fieldSet) clear() {
	for i := range s {
		s[i] = 0
	}
}

// state is what is known of one object: its mapping, its state, and, while
// it is in a session, what the session knows of it. An object's state
// lives as long as the object (see registry).
type state struct {
	m      *mapper.Mapping
	status Status
	sess   *Session // the session it is in; nil when transient or detached

	// The object. A session holds it strongly (ptr) while it is pending,
	// deleted, or was added by the application; a clean persistent object
	// the session made itself is held weakly (ptr nil), so that the
	// application decides how long it lives.
	ptr  unsafe.Pointer
	weak weak.Pointer[byte]
	// owned reports that the session allocated the object (by loading
	// it), so that it may watch it with a finalizer.
	owned bool

	key    identityKey
	hasKey bool

	// committed is a copy of the object as the database last had it; nil
	// for a pending object. Flush compares the object with it, field by
	// field, to find what changed.
	committed unsafe.Pointer
	// expired are the fields whose values must be reloaded before use; an
	// expired field equal to its committed value has not been set since.
	expired fieldSet

	insertOrder int64
	wasDeleted  bool

	// rels are the relationships as the database has them, by relation
	// index: what was loaded, or last flushed. relDirty reports a change
	// made through a relationship field since.
	rels     []relSnapshot
	relDirty bool
	// sticky are the loader options of the query that loaded the object,
	// which its later lazy loads apply while it stays in that query's
	// session (spec REL-13); or nil.
	sticky *stickyLoads
	// orphanOf is the delete-orphan relationship a pending object was
	// removed from: unless something adopts it before the flush, it is
	// dropped, never inserted (spec CAS-08).
	orphanOf *mapper.Relation

	// Bookkeeping for a rollback of the current transaction.
	inTx txMark
}

// txMark records what the current transaction did to an object, so that a
// rollback can undo it (ST-11..ST-15).
type txMark struct {
	added     bool        // became pending in this transaction
	inserted  bool        // was inserted by a flush of this transaction
	deleted   bool        // was deleted by a flush of this transaction
	oldKey    identityKey // the key before this transaction (for key switches)
	oldValues []any       // its values
	hadOldKey bool
}

// object returns the object, or nil if the session held it weakly and it
// is gone.
func (st *state) object() unsafe.Pointer {
	if st.ptr != nil {
		return st.ptr
	}
	return unsafe.Pointer(st.weak.Value())
}

// describe names the object for messages: its type and key.
func (st *state) describe() string {
	if st.hasKey {
		return st.key.String()
	}
	return fmt.Sprintf("%s (pending or transient)", st.m.Type().Name())
}

// registry maps objects to their states, for every object any session has
// seen. An entry is removed when its object is collected.
var registry sync.Map // weak.Pointer[byte] -> *state

// stateFor returns the state of the object at p; or nil if no session has
// seen it.
func stateFor(p unsafe.Pointer) *state {
	v, ok := registry.Load(weak.Make((*byte)(p)))
	if !ok {
		return nil
	}
	return v.(*state)
}

// newState returns the state of the object at p, which the application
// made, registered.
func newState(m *mapper.Mapping, p unsafe.Pointer) *state {
	st := &state{m: m, weak: weak.Make((*byte)(p))}
	if old, loaded := registry.LoadOrStore(st.weak, st); loaded {
		return old.(*state)
	}
	runtime.AddCleanup((*byte)(p), func(k weak.Pointer[byte]) { registry.Delete(k) }, st.weak)
	return st
}

// register records st as the state of the object at p, which the session
// allocated for a row. The registration ends with the session's hold on
// it (see holdWeakly and release).
func register(st *state, p unsafe.Pointer) {
	st.weak = weak.Make((*byte)(p))
	registry.Store(st.weak, st)
}

// relSnapshot is a relationship of an object as the database has it.
type relSnapshot struct {
	loaded bool
	items  []unsafe.Pointer
}
