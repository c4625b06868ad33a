package session

import (
	"context"
	"fmt"
	"slices"
	"unsafe"

	"github.com/ore-go/ore/mapper"
)

// The delete, delete-orphan and expunge cascades, and the single-parent
// rule (spec §6). Deleting an object deletes, with it, the objects its
// relationships with the delete cascade hold; an object removed from a
// relationship with the delete-orphan cascade is deleted (or, if it was
// never flushed, dropped). These run in two places: Delete cascades at
// once through what is loaded, and the flush completes the work, loading
// what it must.

// cascadeDelete marks for deletion the objects related to st's object, at
// p, through relationships with the delete cascade, and theirs in turn. A
// pending object reached this way is dropped from the session: it has no
// row. With load, unloaded relationships are loaded first (one SELECT
// each), unless their passive delete mode leaves them to the database.
func (s *Session) cascadeDelete(ctx context.Context, st *state, p unsafe.Pointer, load bool) error {
	for _, r := range st.m.Relations() {
		if !r.Cascades().Has(mapper.CascadeDelete) || r.IsViewOnly() || r.Passive() == mapper.PassiveDeletesAll {
			continue
		}
		if !r.Loaded(p) {
			if !load || r.Passive() == mapper.PassiveDeletesUnloaded {
				continue
			}
			if err := s.loadForFlush(ctx, st, p, r); err != nil {
				return err
			}
		}
		for _, q := range r.Items(p) {
			qst := s.own(q)
			if qst == nil {
				continue
			}
			switch qst.status {
			case Pending:
				s.expunge(qst, q)
			case Persistent:
				if slices.Contains(s.deleting, qst) {
					continue
				}
				s.hold(qst, q)
				s.deleting = append(s.deleting, qst)
				if err := s.cascadeDelete(ctx, qst, q, load); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// loadForFlush loads the relationship r of st's object, at p, for the
// unit of work's own use: whatever r's loader strategy (spec REL-08: raise
// loaders do not block a flush).
func (s *Session) loadForFlush(ctx context.Context, st *state, p unsafe.Pointer, r *mapper.Relation) error {
	items, err := s.loadRelated(ctx, st, p, r, nil, true)
	if err != nil {
		return err
	}
	snapshotRel(st, r, items)
	r.SetLoaded(p, items)
	return nil
}

// heldObject is a state with its object's address.
type heldObject struct {
	st *state
	p  unsafe.Pointer
}

// relChanged returns the persistent objects whose relationships the
// application changed since the last flush.
func (s *Session) relChanged() []heldObject {
	var out []heldObject
	for st := range s.states {
		if st.status != Persistent || !st.relDirty {
			continue
		}
		if p := s.live(st); p != nil {
			out = append(out, heldObject{st, p})
		}
	}
	return out
}

// learnReplaced loads what the database has for relationships the
// application replaced without loading (Many.Set on an unloaded
// collection, One.Set on an unloaded one-to-one): the flush must know the
// objects that left, to set their keys to NULL or delete them as orphans.
// The fields keep what the application set.
func (s *Session) learnReplaced(ctx context.Context) error {
	for _, o := range s.relChanged() {
		st, p := o.st, o.p
		for _, r := range st.m.Relations() {
			if r.Kind == mapper.ManyToOne || r.IsViewOnly() || !r.Loaded(p) {
				continue
			}
			if _, known := committedRel(st, r); known {
				continue
			}
			old, err := s.loadRelated(ctx, st, p, r, nil, true)
			if err != nil {
				return fmt.Errorf("session: flush: load %s.%s of %s: %w", st.m.Type().Name(), r.Name, st.describe(), err)
			}
			snapshotRel(st, r, old)
		}
	}
	return nil
}

// prepareDeletes completes the session's deletions before a flush: pending
// orphans are dropped, persistent orphans deleted, and the delete cascade
// follows every deleted object's relationships, loading them where needed.
func (s *Session) prepareDeletes(ctx context.Context) error {
	for _, st := range slices.Clone(s.pending) {
		if st.orphanOf != nil && !s.adopted(st.orphanOf, st.ptr, nil) {
			s.expunge(st, st.ptr) // never inserted (spec CAS-08)
		}
	}
	for _, o := range s.relChanged() {
		st, p := o.st, o.p
		for _, r := range st.m.Relations() {
			if !r.Cascades().Has(mapper.CascadeDeleteOrphan) || r.IsViewOnly() {
				continue
			}
			_, removed := relationChanges(st, p, r)
			if _, known := committedRel(st, r); !known && r.Kind == mapper.ManyToOne && r.Loaded(p) {
				// Replaced without being loaded: the old target is the
				// one the committed foreign key names.
				old, err := s.referenced(ctx, st, r)
				if err != nil {
					return err
				}
				if old != nil && !slices.Contains(r.Items(p), old) {
					removed = append(removed, old)
				}
			}
			for _, q := range removed {
				qst := s.own(q)
				if qst == nil || qst.status != Persistent || slices.Contains(s.deleting, qst) || s.adopted(r, q, p) {
					continue
				}
				s.hold(qst, q)
				s.deleting = append(s.deleting, qst)
			}
		}
	}
	for i := 0; i < len(s.deleting); i++ {
		st := s.deleting[i]
		if err := s.cascadeDelete(ctx, st, st.ptr, true); err != nil {
			return fmt.Errorf("session: flush: delete cascade from %s: %w", st.describe(), err)
		}
	}
	return nil
}

// referenced returns the object the committed foreign key of the
// many-to-one r of st's object names: from the identity map, or loaded.
func (s *Session) referenced(ctx context.Context, st *state, r *mapper.Relation) (unsafe.Pointer, error) {
	if st.committed == nil {
		return nil, nil
	}
	vals, ok := referenceKey(r.Owner, r, st.committed)
	if !ok {
		return nil, nil
	}
	q, err := s.getByKey(ctx, r.Target(), vals, false)
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("session: flush: load %s.%s of %s: %w", st.m.Type().Name(), r.Name, st.describe(), err)
	}
	return q, nil
}

// adopted reports whether q, removed from the relationship r of the object
// at from, belongs to another object through r: it is not an orphan.
func (s *Session) adopted(r *mapper.Relation, q, from unsafe.Pointer) bool {
	if back := r.BackPopulatesRelation(); back != nil && !back.IsCollection() && back.Loaded(q) {
		if owners := back.Items(q); len(owners) > 0 && owners[0] != from {
			return true
		}
	}
	return s.otherOwner(r, q, from) != nil
}

// otherOwner returns an object of the session, other than not, whose
// loaded relationship r holds q; or nil.
func (s *Session) otherOwner(r *mapper.Relation, q, not unsafe.Pointer) unsafe.Pointer {
	for st := range s.states {
		if st.m != r.Owner || (st.status != Persistent && st.status != Pending) {
			continue
		}
		p := s.live(st)
		if p == nil || p == not || slices.Contains(s.deleting, st) || !r.Loaded(p) {
			continue
		}
		if slices.Contains(r.Items(p), q) {
			return p
		}
	}
	return nil
}

// checkSingleParent reports an object that two objects hold through a
// single-parent relationship (spec CAS-10). Assignments cannot return
// errors in Go, so the flush does, before anything is written: the
// session stays usable once the application has fixed the relationships.
func (s *Session) checkSingleParent() error {
	checked := map[*mapper.Relation]bool{}
	for st := range s.states {
		if st.status != Pending && !st.relDirty {
			continue
		}
		for _, r := range st.m.Relations() {
			if !r.IsSingleParent() || checked[r] {
				continue
			}
			checked[r] = true
			owners := map[unsafe.Pointer]unsafe.Pointer{}
			for ost := range s.states {
				if ost.m != r.Owner || (ost.status != Persistent && ost.status != Pending) || slices.Contains(s.deleting, ost) {
					continue
				}
				p := s.live(ost)
				if p == nil || !r.Loaded(p) {
					continue
				}
				for _, q := range r.Items(p) {
					if other, ok := owners[q]; ok && other != p {
						return invalid("%s is held by two %s objects through %s.%s, which allows a single parent",
							describeObj(r.Target(), stateFor(q)), r.Owner.Type().Name(), r.Owner.Type().Name(), r.Name)
					}
					owners[q] = p
				}
			}
		}
	}
	return nil
}

// nullChildren plans what deleting a parent does to its children through
// one-to-many and one-to-one relationships without the delete cascade
// (spec UOW-06): their foreign keys are set to NULL, in UPDATEs before the
// parent's DELETE. Unloaded children are loaded first unless the
// relationship's passive delete mode leaves them to the database.
func (fl *flush) nullChildren() error {
	s := fl.s
	for _, st := range slices.Clone(fl.deletes) {
		p := fl.objs[st]
		for _, r := range st.m.Relations() {
			if (r.Kind != mapper.OneToMany && r.Kind != mapper.OneToOne) || r.IsViewOnly() ||
				r.Cascades().Has(mapper.CascadeDelete) || r.Passive() == mapper.PassiveDeletesAll {
				continue
			}
			if !r.Loaded(p) {
				if r.Passive() == mapper.PassiveDeletesUnloaded {
					continue
				}
				if err := s.loadForFlush(fl.ctx, st, p, r); err != nil {
					return fmt.Errorf("session: flush: load %s.%s of %s: %w", st.m.Type().Name(), r.Name, st.describe(), err)
				}
			}
			children := r.Items(p)
			if old, known := committedRel(st, r); known {
				for _, q := range old {
					if !slices.Contains(children, q) {
						children = append(slices.Clip(children), q)
					}
				}
			}
			for _, q := range children {
				qst := s.own(q)
				if qst == nil || slices.Contains(fl.deletes, qst) {
					continue
				}
				if _, moved := fl.parentOf[q]; moved {
					continue
				}
				fl.orphaned[q] = r
				fl.include(r.Target(), q, fl.inFlush)
			}
		}
	}
	return nil
}

// cascadeExpunge expunges the objects related to the object at p through
// loaded relationships with the expunge cascade, and theirs in turn.
func (s *Session) cascadeExpunge(m *mapper.Mapping, p unsafe.Pointer, seen map[unsafe.Pointer]bool) {
	for _, r := range m.Relations() {
		if !r.Cascades().Has(mapper.CascadeExpunge) || !r.Loaded(p) {
			continue
		}
		for _, q := range r.Items(p) {
			if seen[q] {
				continue
			}
			seen[q] = true
			if qst := s.own(q); qst != nil {
				s.expunge(qst, q)
				s.cascadeExpunge(r.Target(), q, seen)
			}
		}
	}
}
