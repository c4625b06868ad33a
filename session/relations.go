package session

import (
	"context"
	"fmt"
	"slices"
	"unsafe"

	"github.com/ore-go/ore/mapper"
)

// linkRelations attaches the relationship fields of st's object, at p, to
// s, so that they load through it. The relationships of a pending object
// are loaded by definition: they hold what the application put there.
func (s *Session) linkRelations(st *state, p unsafe.Pointer, pending bool) {
	rels := st.m.Relations()
	if len(rels) == 0 {
		return
	}
	for _, r := range rels {
		loaded := r.Loaded(p)
		r.SetLink(p, s.link(r))
		if pending && loaded {
			added, _ := r.Pending(p)
			r.SetLoaded(p, append(slices.Clone(r.Items(p)), added...))
			// What the application set before adding the object: the
			// other side learns it now (spec REL-15).
			s.syncBack(r, p, r.Items(p), nil)
			s.parented(r.Items(p))
		}
	}
}

// link returns the session's link for r.
func (s *Session) link(r *mapper.Relation) *mapper.Link {
	l := s.links[r]
	if l == nil {
		if s.links == nil {
			s.links = map[*mapper.Relation]*mapper.Link{}
		}
		l = &mapper.Link{Rel: r, Source: s}
		s.links[r] = l
	}
	return l
}

// snapshotRel records items as what the database has for r in st's
// object.
func snapshotRel(st *state, r *mapper.Relation, items []unsafe.Pointer) {
	if st.rels == nil {
		st.rels = make([]relSnapshot, len(st.m.Relations()))
	}
	st.rels[relIndex(st.m, r)] = relSnapshot{loaded: true, items: slices.Clone(items)}
}

// committedRel returns what the database has for r in st's object, as far
// as the session knows, and whether it knows.
func committedRel(st *state, r *mapper.Relation) ([]unsafe.Pointer, bool) {
	if st.rels == nil {
		return nil, false
	}
	snap := st.rels[relIndex(st.m, r)]
	return snap.items, snap.loaded
}

// LoadRelation loads the relationship of l into the field of the object
// at p: the lazy load of a One or Many field's Get. It implements
// mapper.Source.
func (s *Session) LoadRelation(ctx context.Context, l *mapper.Link, p unsafe.Pointer) error {
	if l == nil {
		return invalid("LoadRelation: nil link")
	}
	r := l.Rel
	name := r.Owner.Type().Name() + "." + r.Name
	st := stateFor(p)
	if st == nil || st.sess != s {
		return fmt.Errorf("session: %w: %s can't load: the object is not attached to a session", ErrDetached, name)
	}
	if st.status == Pending {
		added, _ := r.Pending(p)
		r.SetLoaded(p, append(slices.Clone(r.Items(p)), added...))
		return nil
	}
	// The options of the query that loaded the object stay with it (spec
	// REL-13): a per-query strategy, and the options of what r loads.
	opt := s.lazyOptions(st, r)
	strategy := r.Strategy()
	if opt != nil {
		strategy = opt.strategy
	}
	if strategy == mapper.Raise {
		return invalid("%s is not available due to its Raise loader strategy", name)
	}
	if s.failed != nil {
		return s.pendingRollback()
	}
	items, err := s.loadRelated(ctx, st, p, r, opt, false)
	if err != nil {
		return err
	}
	snapshotRel(st, r, items)
	r.SetLoaded(p, items)
	return nil
}

func nonNil(p unsafe.Pointer) []unsafe.Pointer {
	if p == nil {
		return nil
	}
	return []unsafe.Pointer{p}
}

// RelationChanged records that the application changed the relationship
// of l: the owner has unflushed changes, the relationship that
// back-populates l's is changed to match, in memory, and objects added
// through a relationship with the save-update cascade join the session. It
// implements mapper.Source.
func (s *Session) RelationChanged(l *mapper.Link, p unsafe.Pointer, added, removed []unsafe.Pointer) {
	st := stateFor(p)
	if st != nil && st.sess == nil && st.status == Detached {
		// Detached: the session the object joins next writes the change.
		st.relDirty = true
		return
	}
	if st == nil || st.sess != s || (st.status != Pending && st.status != Persistent) {
		return
	}
	st.relDirty = true
	s.hold(st, p)
	r := l.Rel
	s.syncBack(r, p, added, removed)
	if r.Kind == mapper.ManyToOne && len(added) > 0 {
		st.orphanOf = nil // it has a parent again
	}
	s.parented(added)
	if r.Cascades().Has(mapper.CascadeDeleteOrphan) {
		for _, q := range removed {
			if qst := s.own(q); qst != nil && qst.status == Pending {
				qst.orphanOf = r
			}
		}
	}
	if !r.Cascades().Has(mapper.CascadeSaveUpdate) || r.IsViewOnly() {
		return
	}
	for _, q := range added {
		qst := newState(r.Target(), q)
		if qst.sess == s {
			continue
		}
		// Errors (an object of another session, say) are reported by the
		// flush, which cascades again.
		if s.add(qst, q) == nil {
			s.cascadeAdd(r.Target(), q)
		}
	}
}

// syncBack changes the relationship back-populating r in the objects
// added to and removed from r in the object at p, so that both sides
// agree (spec REL-15): no SQL runs, and unloaded collections stay unloaded
// (the change is applied when they load). An object that moves to p from
// another owner leaves that owner's side too.
func (s *Session) syncBack(r *mapper.Relation, p unsafe.Pointer, added, removed []unsafe.Pointer) {
	back := r.BackPopulatesRelation()
	if back == nil {
		return
	}
	for _, q := range removed {
		back.Detach(q, p)
		s.touch(q)
	}
	for _, q := range added {
		if !back.IsCollection() {
			// q's reference pointed at its previous owner, if any: q
			// leaves that owner's collection.
			if old := s.previousOwner(back, q); old != nil && old != p {
				r.Detach(old, q)
				s.touch(old)
			}
		}
		back.Attach(q, p)
		s.touch(q)
	}
	if r.Kind == mapper.ManyToOne && len(removed) == 0 {
		// The reference was not loaded: its previous target is the one
		// the foreign key names, if the identity map has it.
		if old := s.ownerByKey(r, p); old != nil && (len(added) == 0 || old != added[0]) {
			back.Detach(old, p)
			s.touch(old)
		}
	}
}

// previousOwner returns the object the reference r of the object at q
// points at: its loaded value, or, for an unloaded many-to-one, the object
// of the identity map its foreign key names.
func (s *Session) previousOwner(r *mapper.Relation, q unsafe.Pointer) unsafe.Pointer {
	if r.Loaded(q) {
		if items := r.Items(q); len(items) > 0 {
			return items[0]
		}
		return nil
	}
	return s.ownerByKey(r, q)
}

// ownerByKey returns the object of the identity map that the committed
// foreign key of the many-to-one r of the object at q names; nil if there
// is none, without SQL.
func (s *Session) ownerByKey(r *mapper.Relation, q unsafe.Pointer) unsafe.Pointer {
	if r.Kind != mapper.ManyToOne {
		return nil
	}
	st := s.own(q)
	if st == nil || st.committed == nil {
		return nil
	}
	vals, ok := referenceKey(r.Owner, r, st.committed)
	if !ok {
		return nil
	}
	s.settle()
	if tst := s.byKey[keyFromValues(r.Target(), vals)]; tst != nil {
		return s.live(tst)
	}
	return nil
}

// parented records that objects joined a relationship: none is an orphan
// any more (see state.orphanOf).
func (s *Session) parented(objs []unsafe.Pointer) {
	for _, q := range objs {
		if qst := s.own(q); qst != nil {
			qst.orphanOf = nil
		}
	}
}

// touch marks the object at p, whose relationship the session changed to
// match the other side's, as having unflushed changes.
func (s *Session) touch(p unsafe.Pointer) {
	if st := s.own(p); st != nil && (st.status == Pending || st.status == Persistent) {
		st.relDirty = true
		s.hold(st, p)
	}
}
