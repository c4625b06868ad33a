package session

import (
	"context"
	"fmt"
	"slices"
	"unsafe"

	"github.com/ore-go/ore"
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
	if r.Strategy() == mapper.Raise {
		return invalid("%s is not available due to its Raise loader strategy", name)
	}
	if s.failed != nil {
		return s.pendingRollback()
	}
	items, err := s.loadRelated(ctx, st, p, r)
	if err != nil {
		return err
	}
	snapshotRel(st, r, items)
	r.SetLoaded(p, items)
	return nil
}

// loadRelated reads the objects r relates the object at p to.
func (s *Session) loadRelated(ctx context.Context, st *state, p unsafe.Pointer, r *mapper.Relation) ([]unsafe.Pointer, error) {
	name := r.Owner.Type().Name() + "." + r.Name
	tm := r.Target()
	if r.Kind == mapper.ManyToOne {
		vals := make([]any, len(r.Columns))
		for i, c := range r.Columns {
			v := st.m.FieldFor(c).Value(p)
			if isNull(v) {
				return nil, nil // a NULL key: nothing, and no SQL
			}
			vals[i] = v
		}
		key, err := lookupKey(tm, vals)
		if err != nil {
			return nil, err
		}
		if q, err, ok := s.fromIdentityMap(ctx, keyFromValues(tm, key), false); ok {
			if err != nil && !isNotFound(err) {
				return nil, err
			}
			return nonNil(q), nil
		}
		if r.Strategy() == mapper.RaiseOnSQL {
			return nil, invalid("%s is not available due to its RaiseOnSQL loader strategy", name)
		}
		q, err := s.getByKey(ctx, tm, key, false)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		return nonNil(q), nil
	}
	if r.Strategy() == mapper.RaiseOnSQL {
		return nil, invalid("%s is not available due to its RaiseOnSQL loader strategy", name)
	}
	if err := s.autoflush(ctx); err != nil {
		return nil, err
	}
	tx, err := s.tx(ctx)
	if err != nil {
		return nil, err
	}
	q := ore.Select[any](selectList(tm)...).From(tm.Table())
	owner := st.committed // the key the rows refer to is the one the database has
	switch r.Kind {
	case mapper.OneToMany, mapper.OneToOne:
		for i, c := range r.Columns {
			q = q.Where(ore.Raw[bool]("? = ?", tm.Table().Column(c), st.m.FieldFor(r.RefColumns[i]).Value(owner)))
		}
	case mapper.ManyToManyKind:
		sec := r.Secondary
		var on []ore.Expr[bool]
		for i, c := range r.SecondaryRemote {
			on = append(on, ore.Raw[bool]("? = ?", sec.Column(c), tm.Table().Column(tm.PrimaryKey()[i].Column.Name)))
		}
		q = q.Join(sec, ore.And(on...))
		for i, c := range r.SecondaryLocal {
			q = q.Where(ore.Raw[bool]("? = ?", sec.Column(c), st.m.FieldFor(r.RefColumns[i]).Value(owner)))
		}
	}
	q = q.OrderBy(r.OrderTerms()...)
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("session: load %s: %w", name, err)
	}
	items, err := s.materialize(tm, rows, false)
	if err != nil {
		return nil, fmt.Errorf("session: load %s: %w", name, err)
	}
	if r.Kind == mapper.OneToOne && len(items) > 1 {
		s.warn("%s is one-to-one, but %d rows refer to %s", name, len(items), st.describe())
		items = items[:1]
	}
	return items, nil
}

func nonNil(p unsafe.Pointer) []unsafe.Pointer {
	if p == nil {
		return nil
	}
	return []unsafe.Pointer{p}
}

// RelationChanged records that the application changed the relationship
// of l: the owner has unflushed changes, and objects added through a
// relationship with the save-update cascade join the session. It
// implements mapper.Source.
func (s *Session) RelationChanged(l *mapper.Link, p unsafe.Pointer, added, removed []unsafe.Pointer) {
	st := stateFor(p)
	if st == nil || st.sess != s || (st.status != Pending && st.status != Persistent) {
		return
	}
	st.relDirty = true
	s.hold(st, p)
	r := l.Rel
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
