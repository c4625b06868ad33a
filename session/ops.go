package session

import (
	"context"
	"fmt"
	"slices"
	"unsafe"

	"github.com/ore-go/ore/mapper"
)

// Add puts obj in the session: a new object becomes pending (its row is
// inserted at the next flush), a detached one persistent again. Objects
// related to obj through loaded relationships with the save-update cascade
// are added with it (and, if added to those relationships later, at the
// next flush). Adding an object already in the session does nothing;
// adding one that is in another session, or whose row was deleted, is an
// error.
func (s *Session) Add(obj any) error {
	m, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	if err := s.autobegin(); err != nil {
		return err
	}
	if err := s.add(newState(m, p), p); err != nil {
		return err
	}
	return s.cascadeAdd(m, p)
}

// AddAll adds every object; it stops at the first error.
func (s *Session) AddAll(objs ...any) error {
	for _, o := range objs {
		if err := s.Add(o); err != nil {
			return err
		}
	}
	return nil
}

// add attaches st's object, at p, to s.
func (s *Session) add(st *state, p unsafe.Pointer) error {
	if st.sess != nil && st.sess != s {
		return invalid("%s is already attached to another session", st.describe())
	}
	switch st.status {
	case Pending, Persistent:
		if st.sess == s {
			return nil
		}
	case Deleted:
		return invalid("%s has been deleted; use MakeTransient to insert it again", st.describe())
	}
	if st.wasDeleted && st.status == Detached {
		return invalid("%s has been deleted; use MakeTransient to insert it again", st.describe())
	}
	if st.status == Detached {
		s.settle()
		if other := s.byKey[st.key]; other != nil && other != st && s.live(other) != nil {
			return invalid("can't attach %s: another object with that key is in the session already", st.describe())
		}
	}
	obj := boxed(st.m, p)
	s.emit(func(l *Listener) {
		if l.BeforeAttach != nil {
			l.BeforeAttach(s, obj)
		}
	})
	switch st.status {
	case Transient:
		s.adopt(st)
		st.status = Pending
		s.hold(st, p)
		s.nextOrder++
		st.insertOrder = s.nextOrder
		st.inTx = txMark{added: true}
		s.pending = append(s.pending, st)
		s.linkRelations(st, p, true)
		s.transition(st, p, TransientToPending)
	case Detached:
		s.adopt(st)
		st.status = Persistent
		s.hold(st, p)
		s.byKey[st.key] = st
		s.linkRelations(st, p, false)
		s.transition(st, p, DetachedToPersistent)
	default:
		return invalid("can't add %s in state %s", st.describe(), st.status)
	}
	s.emit(func(l *Listener) {
		if l.AfterAttach != nil {
			l.AfterAttach(s, obj)
		}
	})
	return nil
}

// cascadeAdd adds the objects reachable from the object at p through
// loaded relationships with the save-update cascade.
func (s *Session) cascadeAdd(m *mapper.Mapping, p unsafe.Pointer) error {
	seen := map[unsafe.Pointer]bool{p: true}
	var walk func(m *mapper.Mapping, p unsafe.Pointer) error
	walk = func(m *mapper.Mapping, p unsafe.Pointer) error {
		for _, r := range m.Relations() {
			if !r.Cascades().Has(mapper.CascadeSaveUpdate) || r.IsViewOnly() {
				continue
			}
			items := r.Items(p)
			if !r.Loaded(p) {
				items, _ = r.Pending(p)
			}
			if st := stateFor(p); st != nil && st.relDirty {
				// Objects removed since the last flush come too: the
				// flush writes what leaving the relationship means for
				// them (spec CAS-04).
				_, removed := relationChanges(st, p, r)
				items = append(slices.Clip(items), removed...)
			}
			for _, q := range items {
				if seen[q] {
					continue
				}
				seen[q] = true
				tm := r.Target()
				st := newState(tm, q)
				if st.sess != s || st.status == Deleted {
					if err := s.add(st, q); err != nil {
						return fmt.Errorf("%w (reached through %s.%s)", err, m.Type().Name(), r.Name)
					}
				}
				if err := walk(tm, q); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(m, p)
}

// Delete marks obj for deletion: its row is deleted at the next flush.
// obj must have a row: deleting a transient or pending object is an error
// (Expunge discards a pending one). A detached object is attached first.
func (s *Session) Delete(obj any) error {
	m, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	st := stateFor(p)
	if st == nil || st.status == Transient || st.status == Pending {
		return invalid("%s is not persisted", describeObj(m, st))
	}
	if st.sess != nil && st.sess != s {
		return invalid("%s is attached to another session", st.describe())
	}
	if err := s.autobegin(); err != nil {
		return err
	}
	if st.status == Detached {
		if err := s.add(st, p); err != nil {
			return err
		}
	}
	if st.status == Deleted {
		return nil
	}
	for _, d := range s.deleting {
		if d == st {
			return nil
		}
	}
	s.hold(st, p) // until the deletion is flushed
	s.deleting = append(s.deleting, st)
	// Through what is loaded now; the flush loads the rest.
	return s.cascadeDelete(context.Background(), st, p, false)
}

func describeObj(m *mapper.Mapping, st *state) string {
	if st != nil {
		return st.describe()
	}
	return fmt.Sprintf("%s (transient)", m.Type().Name())
}

// Expunge removes obj from the session: a persistent or deleted object
// becomes detached, a pending one transient. A rollback does not bring it
// back. Expunging an object not in the session is an error.
func (s *Session) Expunge(obj any) error {
	_, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	st := s.own(p)
	if st == nil {
		return invalid("%T is not present in this session", obj)
	}
	s.expunge(st, p)
	s.cascadeExpunge(st.m, p, map[unsafe.Pointer]bool{p: true})
	return nil
}

// expunge removes st, whose object is at p (nil if it was collected),
// from s.
func (s *Session) expunge(st *state, p unsafe.Pointer) {
	was := st.status
	s.remove(st)
	var t Transition
	switch was {
	case Pending:
		st.status, t = Transient, PendingToTransient
	case Persistent:
		st.status, t = Detached, PersistentToDetached
	case Deleted:
		st.status, t = Detached, DeletedToDetached
	default:
		st.status = Detached
	}
	if t != 0 && p != nil {
		s.transition(st, p, t)
	}
}

// ExpungeAll removes every object from the session, as Expunge does.
func (s *Session) ExpungeAll() {
	s.settle()
	// Every object goes: empty the lists at once rather than taking the
	// objects off them one at a time.
	s.pending, s.deleting = nil, nil
	for _, st := range s.snapshot() {
		s.expunge(st, st.object())
	}
}

// MakeTransient makes obj transient: out of its session, without an
// identity, as if new. Its fields keep their values. Adding it again
// inserts a new row.
func MakeTransient(obj any) error {
	_, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	st := stateFor(p)
	if st == nil {
		return nil
	}
	if s := st.sess; s != nil {
		s.remove(st)
	}
	// Relationships become those of a new object: loaded, with what they
	// hold (nothing, if they were not loaded), and no session to ask.
	for _, r := range st.m.Relations() {
		if !r.Loaded(p) {
			r.SetLoaded(p, nil)
		}
		r.SetLink(p, nil)
	}
	st.status, st.hasKey, st.committed, st.wasDeleted = Transient, false, nil, false
	st.expired, st.rels, st.relDirty = nil, nil, false
	return nil
}

// MakeTransientToDetached gives a transient object the identity its
// primary key fields say, as if it had been loaded and then detached: add
// it to a session to use it. Its fields holding zero values count as
// expired, so loading it (Session.Load) reads them from the database.
func MakeTransientToDetached(obj any) error {
	m, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	st := stateFor(p)
	if st != nil && st.sess != nil {
		return invalid("%s is attached to a session", st.describe())
	}
	if st != nil && st.status != Transient {
		return invalid("%s is %s, not transient", st.describe(), st.status)
	}
	for _, f := range m.PrimaryKey() {
		if f.IsZero(p) {
			return invalid("%s has no primary key value for %s", m.Type().Name(), f.Name)
		}
	}
	st = newState(m, p)
	st.status, st.key, st.hasKey = Detached, keyOf(m, p), true
	st.committed = m.New()
	m.Snapshot(st.committed, p)
	st.expired = newFieldSet(len(m.Fields()), false)
	for _, f := range m.Fields() {
		if f.IsZero(p) {
			st.expired.add(f.Pos)
		}
	}
	for _, r := range m.Relations() {
		r.Unload(p)
	}
	return nil
}

// ----------------------------------------------------------------------------
// Expiry

// Expire expires obj's fields (all of them if none are named, by Go field
// name; relationships too): their unflushed changes are discarded, and the
// next load through the session (Load, Get, a query returning obj) reads
// them from the database. Relationships with the refresh-expire cascade
// expire their objects too. obj must be persistent in s.
func (s *Session) Expire(obj any, fields ...string) error {
	_, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	st := s.own(p)
	if st == nil || st.status != Persistent {
		return invalid("%T is not persistent within this session", obj)
	}
	if _, _, err := splitFields(st.m, fields); err != nil {
		return err
	}
	// The related objects first: expiring st's relationships unloads them.
	s.cascadeExpire(st, p)
	return s.expire(st, p, fields)
}

// expire expires the named fields of st (all if none); its object is at
// p.
func (s *Session) expire(st *state, p unsafe.Pointer, fields []string) error {
	m := st.m
	cols, rels, err := splitFields(m, fields)
	if err != nil {
		return err
	}
	if st.expired == nil {
		st.expired = newFieldSet(len(m.Fields()), false)
	}
	for _, f := range cols {
		if st.committed != nil {
			// Discard the unflushed change: back to the committed value,
			// which also marks the field "not set since expiry".
			f.Copy(p, st.committed)
		}
		st.expired.add(f.Pos)
	}
	for _, r := range rels {
		r.Unload(p)
		if st.rels != nil {
			st.rels[relIndex(m, r)] = relSnapshot{}
		}
	}
	if len(fields) == 0 {
		st.relDirty = false
	}
	if len(s.listeners) > 0 {
		obj := boxed(m, p)
		s.emit(func(l *Listener) {
			if l.Expire != nil {
				l.Expire(s, obj, fields)
			}
		})
	}
	return nil
}

// splitFields sorts field names into column fields and relationships; no
// names means all of them.
func splitFields(m *mapper.Mapping, names []string) ([]*mapper.Field, []*mapper.Relation, error) {
	if len(names) == 0 {
		return m.Fields(), m.Relations(), nil
	}
	var cols []*mapper.Field
	var rels []*mapper.Relation
	for _, name := range names {
		if f := m.Field(name); f != nil {
			cols = append(cols, f)
		} else if r := m.Relation(name); r != nil {
			rels = append(rels, r)
		} else {
			return nil, nil, invalid("%s has no field %q", m.Type().Name(), name)
		}
	}
	return cols, rels, nil
}

func relIndex(m *mapper.Mapping, r *mapper.Relation) int {
	for i, x := range m.Relations() {
		if x == r {
			return i
		}
	}
	return -1
}

// ExpireAll expires every persistent object of the session, as Expire
// with no fields does. Pending objects are left alone.
func (s *Session) ExpireAll() { s.expireAll() }

func (s *Session) expireAll() {
	s.settle()
	for st := range s.states {
		if st.status != Persistent {
			continue
		}
		if p := s.live(st); p != nil {
			s.expire(st, p, nil)
		}
	}
}

// cascadeExpire expires the objects related to st's, at p, through loaded
// relationships with the refresh-expire cascade.
func (s *Session) cascadeExpire(st *state, p unsafe.Pointer) {
	seen := map[unsafe.Pointer]bool{p: true}
	var walk func(m *mapper.Mapping, p unsafe.Pointer)
	walk = func(m *mapper.Mapping, p unsafe.Pointer) {
		for _, r := range m.Relations() {
			if !r.Cascades().Has(mapper.CascadeRefreshExpire) || !r.Loaded(p) {
				continue
			}
			for _, q := range r.Items(p) {
				if seen[q] {
					continue
				}
				seen[q] = true
				if rst := s.own(q); rst != nil && rst.status == Persistent {
					s.expire(rst, q, nil)
					walk(rst.m, q)
				}
			}
		}
	}
	walk(st.m, p)
}

// NoAutoflush runs fn with autoflush off: queries in it see the database
// as of the last flush.
func (s *Session) NoAutoflush(fn func() error) error {
	s.noFlush++
	defer func() { s.noFlush-- }()
	return fn()
}

// ----------------------------------------------------------------------------
// Merge

// Merge copies the state of src, an object of any state, onto the
// session's object for the same row, and returns that object: the one in
// the identity map, else the one loaded by primary key (one SELECT), else a
// new pending object if src has no key or no row has it. src itself is
// never changed nor attached. The copy is a change like any other: the next
// flush writes what differs from the database. Fields of src that are
// expired are expired on the target instead of copied.
func Merge[T any](ctx context.Context, s *Session, src *T) (*T, error) {
	p, err := s.merge(ctx, src, true)
	return (*T)(p), err
}

// MergeNoLoad is Merge without SQL, for objects known to be as the
// database has them (from a cache, say): src must have a key and no
// unflushed changes, and its values become the target's committed ones.
func MergeNoLoad[T any](s *Session, src *T) (*T, error) {
	p, err := s.merge(context.Background(), src, false)
	return (*T)(p), err
}

// Merge is the untyped [Merge]: it returns a pointer of obj's type.
func (s *Session) Merge(ctx context.Context, obj any) (any, error) {
	m, _, err := objectOf(obj)
	if err != nil {
		return nil, err
	}
	p, err := s.merge(ctx, obj, true)
	if err != nil {
		return nil, err
	}
	return boxed(m, p), nil
}

func (s *Session) merge(ctx context.Context, src any, load bool) (unsafe.Pointer, error) {
	m, p, err := objectOf(src)
	if err != nil {
		return nil, err
	}
	if err := s.autobegin(); err != nil {
		return nil, err
	}
	return s.mergeObject(ctx, m, p, load, map[unsafe.Pointer]unsafe.Pointer{})
}

// mergeObject merges the object at p, of m, and the objects its loaded
// relationships with the merge cascade hold (spec ST-25); merged maps the
// objects merged so far to their targets, so that cycles end.
func (s *Session) mergeObject(ctx context.Context, m *mapper.Mapping, p unsafe.Pointer, load bool, merged map[unsafe.Pointer]unsafe.Pointer) (unsafe.Pointer, error) {
	if target, ok := merged[p]; ok {
		return target, nil
	}
	target, err := s.mergeFields(ctx, m, p, load)
	if err != nil {
		return nil, err
	}
	merged[p] = target
	if target == p {
		return target, nil // already the session's
	}
	tst := s.own(target)
	for _, r := range m.Relations() {
		if !r.Cascades().Has(mapper.CascadeMerge) || !r.IsSet(p) {
			continue // not loaded, or a new object's untouched field
		}
		var items []unsafe.Pointer
		for _, q := range r.Items(p) {
			mq, err := s.mergeObject(ctx, r.Target(), q, load, merged)
			if err != nil {
				return nil, fmt.Errorf("%w (merged through %s.%s)", err, m.Type().Name(), r.Name)
			}
			items = append(items, mq)
		}
		if err := s.mergeRelation(ctx, tst, target, r, items, load); err != nil {
			return nil, err
		}
	}
	return target, nil
}

// mergeRelation makes the relationship r of the session's object at
// target (st's) hold items, the merged copies of the source's. With load it
// is a change like any other, compared with what the database has (loaded
// first if need be); without, items are what the database has.
func (s *Session) mergeRelation(ctx context.Context, st *state, target unsafe.Pointer, r *mapper.Relation, items []unsafe.Pointer, load bool) error {
	if !load {
		snapshotRel(st, r, items)
		r.SetLoaded(target, items)
		return nil
	}
	if !r.Loaded(target) {
		if err := s.LoadRelation(ctx, s.link(r), target); err != nil {
			return err
		}
	}
	cur := r.Items(target)
	var added, removed []unsafe.Pointer
	for _, q := range items {
		if !slices.Contains(cur, q) {
			added = append(added, q)
		}
	}
	for _, q := range cur {
		if !slices.Contains(items, q) {
			removed = append(removed, q)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	r.SetLoaded(target, items)
	s.RelationChanged(s.link(r), target, added, removed)
	return nil
}

// mergeFields copies the fields of the object at p, of m, onto the
// session's object for its row (found, loaded or made pending), which it
// returns.
func (s *Session) mergeFields(ctx context.Context, m *mapper.Mapping, p unsafe.Pointer, load bool) (unsafe.Pointer, error) {
	srcSt := stateFor(p)
	if srcSt != nil && srcSt.sess == s && (srcSt.status == Pending || srcSt.status == Persistent) {
		return p, nil
	}
	hasKey := true
	for _, f := range m.PrimaryKey() {
		if f.IsZero(p) {
			hasKey = false
		}
	}
	if !load {
		switch {
		case !hasKey || srcSt == nil || !srcSt.hasKey:
			return nil, invalid("MergeNoLoad: %s has no identity (it was never loaded or flushed)", m.Type().Name())
		case s.modified(srcSt, p):
			return nil, invalid("MergeNoLoad does not support objects with unflushed changes (%s)", srcSt.describe())
		}
	}
	var target unsafe.Pointer
	var tst *state
	if hasKey {
		k := keyOf(m, p)
		s.settle()
		if st := s.byKey[k]; st != nil {
			if q := s.live(st); q != nil {
				target, tst = q, st
			}
		}
		if target == nil && load {
			q, err := s.getByKey(ctx, m, keyValues(m, p), false)
			if err != nil && !isNotFound(err) {
				return nil, err
			}
			if q != nil {
				target, tst = q, s.own(q)
			}
		}
	}
	if target == nil && !load {
		// A new object, as if loaded with src's values.
		target = m.New()
		m.Snapshot(target, p)
		tst = s.adoptLoaded(m, target, keyOf(m, p))
		s.registerLoaded()
		s.transition(tst, target, LoadedAsPersistent)
		return target, nil
	}
	if target == nil {
		target = m.New()
		for _, f := range m.Fields() {
			f.Copy(target, p)
		}
		if err := s.add(newState(m, target), target); err != nil {
			return nil, err
		}
		return target, nil
	}
	var expire []string
	for _, f := range m.Fields() {
		if srcSt != nil && srcSt.expired != nil && srcSt.expired.has(f.Pos) {
			expire = append(expire, f.Name)
			continue
		}
		f.Copy(target, p)
		if !load {
			f.Copy(tst.committed, p)
			if tst.expired != nil {
				tst.expired.remove(f.Pos)
			}
		}
	}
	if len(expire) > 0 {
		if err := s.expire(tst, target, expire); err != nil {
			return nil, err
		}
	}
	return target, nil
}
