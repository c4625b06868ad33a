package session

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
)

// LoadOption chooses how a query of T loads one of T's relationships,
// over the strategy the relationship declares. Make one with [SelectIn]
// or [Lazy]; give it to [ObjectQuery.Options].
type LoadOption[T any] struct {
	field    func(*T) mapper.RelationField
	strategy mapper.Strategy
}

// SelectIn loads the relationship field returns, for every object of the
// query, with one more SELECT after the query's own (IN over the objects'
// keys, 500 at a time): N objects with their collections cost 2
// statements, not 1+N. Objects left without related rows get an empty,
// loaded collection (or a nil, loaded reference). Many-to-many
// relationships are not loaded this way yet: they load on first use.
//
//	session.Query[User](s).Options(session.SelectIn(func(u *User) *mapper.Many[Address] { return &u.Addresses }))
func SelectIn[T any, F mapper.RelationField](field func(*T) F) LoadOption[T] {
	return LoadOption[T]{field: func(t *T) mapper.RelationField { return field(t) }, strategy: mapper.SelectIn}
}

// Lazy leaves the relationship field returns to load on first use,
// whatever strategy it declares.
func Lazy[T any, F mapper.RelationField](field func(*T) F) LoadOption[T] {
	return LoadOption[T]{field: func(t *T) mapper.RelationField { return field(t) }, strategy: mapper.Lazy}
}

// Options returns the query with loader options for T's relationships.
func (q ObjectQuery[T]) Options(opts ...LoadOption[T]) ObjectQuery[T] {
	if q.err != nil || q.m == nil {
		return q
	}
	sample := q.m.New()
	for _, o := range opts {
		f := o.field((*T)(sample))
		r := q.m.RelationAt(sample, reflect.ValueOf(f).UnsafePointer())
		if r == nil {
			q.err = invalid("Options: the field is not a relationship of %s", q.m.Type().Name())
			return q
		}
		q.loads = append(q.loads[:len(q.loads):len(q.loads)], relLoad{r, o.strategy})
	}
	return q
}

// relLoad is a loader option resolved to its relationship.
type relLoad struct {
	rel      *mapper.Relation
	strategy mapper.Strategy
}

// strategy returns how q loads r.
func (q ObjectQuery[T]) strategy(r *mapper.Relation) mapper.Strategy {
	for i := len(q.loads) - 1; i >= 0; i-- {
		if q.loads[i].rel == r {
			return q.loads[i].strategy
		}
	}
	return r.Strategy()
}

// loadEager runs the select-in loads of the relationships of objs.
func (q ObjectQuery[T]) loadEager(ctx context.Context, objs []unsafe.Pointer) error {
	for _, r := range q.m.Relations() {
		switch q.strategy(r) {
		case mapper.SelectIn, mapper.Joined: // Joined: see mapper.Joined
			if err := q.s.selectIn(ctx, objs, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// selectInChunk is how many owners one select-in query covers.
const selectInChunk = 500

// selectIn loads r for the objects of owners that do not have it loaded.
func (s *Session) selectIn(ctx context.Context, owners []unsafe.Pointer, r *mapper.Relation) error {
	if r.Kind == mapper.ManyToManyKind {
		// Not built yet: the collections load lazily.
		return nil
	}
	var todo []unsafe.Pointer
	for _, p := range owners {
		if st := stateFor(p); st != nil && st.sess == s && st.status == Persistent && !r.Loaded(p) {
			todo = append(todo, p)
		}
	}
	for len(todo) > 0 {
		n := min(len(todo), selectInChunk)
		var err error
		if r.Kind == mapper.ManyToOne {
			err = s.selectInReferences(ctx, todo[:n], r)
		} else {
			err = s.selectInCollections(ctx, todo[:n], r)
		}
		if err != nil {
			return fmt.Errorf("session: select-in load of %s.%s: %w", r.Owner.Type().Name(), r.Name, err)
		}
		todo = todo[n:]
	}
	return nil
}

// selectInCollections loads the one-to-many (or one-to-one) r of owners
// with one SELECT of the targets whose foreign keys are the owners' keys.
func (s *Session) selectInCollections(ctx context.Context, owners []unsafe.Pointer, r *mapper.Relation) error {
	om, tm := r.Owner, r.Target()
	byKey := map[string][]unsafe.Pointer{} // owner key → owners (one, unless rows repeat)
	var keys [][]any
	for _, p := range owners {
		st := stateFor(p)
		vals := make([]any, len(r.RefColumns))
		for i, c := range r.RefColumns {
			vals[i] = om.FieldFor(c).Value(st.committed)
		}
		k := encodeKey(vals)
		if _, seen := byKey[k]; !seen {
			keys = append(keys, vals)
		}
		byKey[k] = append(byKey[k], p)
	}
	cols := make([]ore.AnyColumn, len(r.Columns))
	for i, c := range r.Columns {
		cols[i] = tm.Table().Column(c)
	}
	items, err := s.queryIn(ctx, tm, cols, keys, r.OrderTerms())
	if err != nil {
		return err
	}
	related := make(map[string][]unsafe.Pointer, len(byKey))
	for _, it := range items {
		vals := make([]any, len(r.Columns))
		for i, c := range r.Columns {
			vals[i] = tm.FieldFor(c).Value(it)
		}
		k := encodeKey(vals)
		related[k] = append(related[k], it)
	}
	for k, ps := range byKey {
		got := related[k]
		if r.Kind == mapper.OneToOne && len(got) > 1 {
			got = got[:1]
		}
		for _, p := range ps {
			snapshotRel(stateFor(p), r, got)
			r.SetLoaded(p, got)
		}
	}
	return nil
}

// selectInReferences loads the many-to-one r of owners: one SELECT of
// the targets the identity map does not have.
func (s *Session) selectInReferences(ctx context.Context, owners []unsafe.Pointer, r *mapper.Relation) error {
	om, tm := r.Owner, r.Target()
	var missing [][]any
	seen := map[string]bool{}
	for _, p := range owners {
		vals, ok := referenceKey(om, r, p)
		if !ok {
			continue
		}
		k := keyFromValues(tm, vals)
		if st := s.byKey[k]; st != nil && s.live(st) != nil {
			continue
		}
		if ek := encodeKey(vals); !seen[ek] {
			seen[ek] = true
			missing = append(missing, vals)
		}
	}
	if len(missing) > 0 {
		cols := make([]ore.AnyColumn, len(tm.PrimaryKey()))
		for i, f := range tm.PrimaryKey() {
			cols[i] = tm.Table().Column(f.Column.Name)
		}
		if _, err := s.queryIn(ctx, tm, cols, missing, nil); err != nil {
			return err
		}
	}
	for _, p := range owners {
		var got []unsafe.Pointer
		if vals, ok := referenceKey(om, r, p); ok {
			if st := s.byKey[keyFromValues(tm, vals)]; st != nil {
				if q := s.live(st); q != nil {
					got = []unsafe.Pointer{q}
				}
			}
		}
		snapshotRel(stateFor(p), r, got)
		r.SetLoaded(p, got)
	}
	return nil
}

// referenceKey returns the key the many-to-one r of the object at p
// refers to, in the target's primary key order; false if it is NULL.
func referenceKey(om *mapper.Mapping, r *mapper.Relation, p unsafe.Pointer) ([]any, bool) {
	vals := make([]any, len(r.Columns))
	for i, c := range r.Columns {
		v := om.FieldFor(c).Value(p)
		if isNull(v) {
			return nil, false
		}
		vals[i] = v
	}
	key, err := lookupKey(r.Target(), vals)
	return key, err == nil
}

// queryIn reads the objects of tm whose columns cols hold one of keys,
// into the session.
func (s *Session) queryIn(ctx context.Context, tm *mapper.Mapping, cols []ore.AnyColumn, keys [][]any, order []ore.OrderTerm) ([]unsafe.Pointer, error) {
	tx, err := s.tx(ctx)
	if err != nil {
		return nil, err
	}
	q := ore.Select[any](selectList(tm)...).From(tm.Table()).Where(inKeys(cols, keys)).OrderBy(order...)
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.materialize(tm, rows, false)
}

// inKeys returns "cols IN keys": col IN (...) for one column, an OR of
// ANDs for several.
func inKeys(cols []ore.AnyColumn, keys [][]any) ore.Expr[bool] {
	if len(cols) == 1 {
		var sql strings.Builder
		args := make([]any, 0, len(keys)+1)
		sql.WriteString("? IN (")
		args = append(args, cols[0])
		for i, k := range keys {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("?")
			args = append(args, k[0])
		}
		sql.WriteString(")")
		return ore.Raw[bool](sql.String(), args...)
	}
	alts := make([]ore.Expr[bool], len(keys))
	for i, k := range keys {
		eqs := make([]ore.Expr[bool], len(cols))
		for j, c := range cols {
			eqs[j] = ore.Raw[bool]("? = ?", c, k[j])
		}
		alts[i] = ore.And(eqs...)
	}
	return ore.Or(alts...)
}

// encodeKey returns a map key for key values.
func encodeKey(vals []any) string {
	if len(vals) == 1 {
		return fmt.Sprintf("%#v", comparable(vals[0]))
	}
	var b strings.Builder
	for _, v := range vals {
		fmt.Fprintf(&b, "%#v\x00", comparable(v))
	}
	return b.String()
}
