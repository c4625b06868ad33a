package session

import (
	"reflect"
	"runtime"
	"time"
	"unsafe"
	"weak"
)

// How a session holds its objects
//
// The session holds strongly every pending object, every object marked for
// deletion, and every object the application gave it (Add). The clean
// persistent objects it made itself, by loading rows, it holds weakly: when
// the application lets go of one, it leaves the identity map, and the next
// load of its row makes a new object.
//
// Go has no hook for "a field was set", so an object the application
// changed and then dropped before the flush looks like any other dropped
// object. A finalizer on each loaded object tells them apart: when the
// garbage collector finds the object unreachable, the finalizer hands it to
// the session (the limbo list), and the session, the next time it works,
// compares it with its snapshot. A changed object is kept, strongly, and
// flushed; a clean one is dropped for good.
//
// Go never collects objects with finalizers that form a cycle: objects
// that refer to each other through loaded relationships (an artist and her
// albums, each album referring back) stay until they leave the session
// (Expunge, Close), which removes the finalizers.

// limboEntry is a weakly held object the garbage collector found
// unreachable, resurrected by its finalizer until the session decides.
type limboEntry struct {
	st *state
	p  unsafe.Pointer
}

// holdWeakly lets go of the session's strong reference to the clean object
// at p, which the session allocated. Caller holds s.mu.
func (s *Session) holdWeakly(st *state, p unsafe.Pointer) {
	st.ptr = nil
	runtime.SetFinalizer(boxed(st.m, p), s.finalizer(st))
}

// finalizer returns the finalizer of st's object. It runs on the runtime's
// finalizer goroutine; it only hands the object over, under s.mu.
func (s *Session) finalizer(st *state) func(obj any) {
	return func(obj any) {
		p := reflect.ValueOf(obj).UnsafePointer()
		s.mu.Lock()
		defer s.mu.Unlock()
		if st.sess != s {
			// Detached meanwhile: nobody can ask about the object again.
			registry.Delete(st.weak)
			return
		}
		s.limbo = append(s.limbo, limboEntry{st, p})
		s.limboLen.Store(int32(len(s.limbo)))
	}
}

// settle decides the fate of the objects in limbo: a changed one is held
// strongly until it is flushed, a clean one leaves the session.
func (s *Session) settle() {
	if s.limboLen.Load() == 0 {
		return
	}
	s.mu.Lock()
	entries := s.limbo
	s.limbo = nil
	s.limboLen.Store(0)
	s.mu.Unlock()
	for _, e := range entries {
		st := e.st
		// Weak pointers made before a resurrection never match the object
		// again: register it anew if it stays.
		registry.Delete(st.weak)
		if st.sess != s {
			continue
		}
		if s.modified(st, e.p) {
			st.weak = weak.Make((*byte)(e.p))
			registry.Store(st.weak, st)
			st.ptr = e.p
			continue
		}
		s.mu.Lock()
		delete(s.states, st)
		s.unmap(st)
		st.sess = nil
		st.status = Detached
		s.mu.Unlock()
	}
}

// live returns st's object. For a weakly held object that the garbage
// collector has found unreachable it waits for the finalizer and settles:
// it returns nil if the object left the session then.
func (s *Session) live(st *state) unsafe.Pointer {
	for spins := 0; ; spins++ {
		if st.ptr != nil {
			return st.ptr
		}
		if p := st.weak.Value(); p != nil {
			return unsafe.Pointer(p)
		}
		if st.sess != s {
			return nil
		}
		// Its finalizer is queued (a weak pointer to an object with a
		// finalizer reads nil from then on): wait for it.
		s.settle()
		if st.ptr != nil || st.sess != s {
			continue
		}
		if spins < 64 {
			runtime.Gosched()
		} else {
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// release undoes holdWeakly for an object leaving the session, so that
// it can be collected even in a cycle. Caller holds s.mu.
func release(st *state) {
	if st.ptr != nil || !st.owned {
		return
	}
	p := st.weak.Value()
	if p == nil {
		return // its finalizer will find it detached
	}
	runtime.SetFinalizer(boxed(st.m, unsafe.Pointer(p)), nil)
	runtime.AddCleanup(p, func(k weak.Pointer[byte]) { registry.Delete(k) }, st.weak)
}
