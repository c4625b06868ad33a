package session

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/mapper"
)

// Flush writes the session's changes to the database, in its transaction:
// INSERTs for pending objects, UPDATEs of the changed columns of changed
// objects, DELETEs for objects marked for deletion, ordered so that rows
// exist before rows that refer to them. A session without changes sends
// nothing. If a statement fails, the transaction is rolled back, every
// object is as it was before the flush, and the session refuses work until
// Rollback is called.
func (s *Session) Flush(ctx context.Context) error {
	if s.failed != nil {
		return s.pendingRollback()
	}
	if s.flushing {
		return invalid("Flush called during a flush (from a listener?)")
	}
	if s.isClean() {
		return nil
	}
	if err := s.autobegin(); err != nil {
		return err
	}
	s.flushing = true
	defer func() { s.flushing = false }()
	for _, l := range s.listeners {
		if l.BeforeFlush != nil {
			if err := l.BeforeFlush(ctx, s); err != nil {
				return fmt.Errorf("session: before flush: %w", err)
			}
		}
	}
	// Objects reached through save-update relationships since they were
	// added join now.
	if err := s.cascadeSaves(); err != nil {
		return err
	}
	if err := s.checkSingleParent(); err != nil {
		return err
	}
	if err := s.learnReplaced(ctx); err != nil {
		return err
	}
	if err := s.prepareDeletes(ctx); err != nil {
		return err
	}
	if s.isClean() {
		return nil
	}
	s.emit(func(l *Listener) {
		if l.AfterTransactionCreate != nil {
			l.AfterTransactionCreate(s, true)
		}
	})
	fl := &flush{s: s, ctx: ctx, d: s.db.Dialect(), objs: map[*state]unsafe.Pointer{}}
	if err := fl.run(); err != nil {
		s.flushFailed(ctx, fl, err)
		return err
	}
	s.emit(func(l *Listener) {
		if l.AfterFlush != nil {
			l.AfterFlush(ctx, s)
		}
	})
	fl.finish()
	s.emit(func(l *Listener) {
		if l.AfterFlushPostexec != nil {
			l.AfterFlushPostexec(ctx, s)
		}
	})
	s.emit(func(l *Listener) {
		if l.AfterTransactionEnd != nil {
			l.AfterTransactionEnd(s, true)
		}
	})
	return nil
}

// isClean reports whether the session has nothing to flush.
func (s *Session) isClean() bool {
	s.settle()
	if len(s.pending) > 0 || len(s.deleting) > 0 {
		return false
	}
	for st := range s.states {
		if st.status != Persistent {
			continue
		}
		if st.relDirty {
			return false
		}
		if p := s.live(st); p != nil && s.modified(st, p) {
			return false
		}
	}
	return true
}

// modified reports whether st's object, at p, differs from what the
// database has.
func (s *Session) modified(st *state, p unsafe.Pointer) bool {
	if st.relDirty {
		return true
	}
	if st.committed == nil {
		return st.status == Pending
	}
	return !st.m.Same(p, st.committed)
}

// autoflush flushes before a query, unless autoflush is off.
func (s *Session) autoflush(ctx context.Context) error {
	if s.opts.NoAutoflush || s.noFlush > 0 || s.flushing {
		return nil
	}
	if err := s.Flush(ctx); err != nil {
		return fmt.Errorf("%w (in the autoflush before a query)", err)
	}
	return nil
}

func (s *Session) pendingRollback() error {
	return fmt.Errorf("session: %w (%v)", ErrPendingRollback, s.failed)
}

// cascadeSaves adds the objects reachable from pending and changed objects
// through save-update relationships.
func (s *Session) cascadeSaves() error {
	var from []heldObject
	for _, st := range s.pending {
		from = append(from, heldObject{st, st.ptr})
	}
	from = append(from, s.relChanged()...)
	for _, o := range from {
		if err := s.cascadeAdd(o.st.m, o.p); err != nil {
			return err
		}
	}
	return nil
}

// flushFailed undoes what a failed flush did to objects, rolls the
// database transaction back, and leaves the session waiting for Rollback.
func (s *Session) flushFailed(ctx context.Context, fl *flush, err error) {
	for i := len(fl.undo) - 1; i >= 0; i-- {
		u := fl.undo[i]
		u.f.Set(u.p, u.old)
	}
	if s.dbtx != nil {
		s.dbtx.Rollback(context.WithoutCancel(ctx))
		s.dbtx = nil
		s.emit(func(l *Listener) {
			if l.AfterRollback != nil {
				l.AfterRollback(ctx, s)
			}
		})
	}
	s.failed = err
	s.emit(func(l *Listener) {
		if l.AfterTransactionEnd != nil {
			l.AfterTransactionEnd(s, true)
		}
	})
	s.emit(func(l *Listener) {
		if l.AfterSoftRollback != nil {
			l.AfterSoftRollback(ctx, s)
		}
	})
}

// ----------------------------------------------------------------------------
// One flush

// flush is the work of one Flush call.
type flush struct {
	s   *Session
	ctx context.Context
	d   compile.Dialect
	tx  *ore.Tx

	saves   []*state                  // pending objects and changed persistent ones
	deletes []*state                  // objects whose rows are deleted
	objs    map[*state]unsafe.Pointer // every object involved, held for the flush
	// switched maps a pending object to the deleted object whose row it
	// takes over (a row switch: one UPDATE instead of DELETE and INSERT).
	switched map[*state]*state
	// parentOf maps objects added to one-to-many collections to their new
	// parents; orphaned are objects removed from them (their keys go NULL).
	parentOf map[unsafe.Pointer]parentLink
	orphaned map[unsafe.Pointer]*mapper.Relation
	inFlush  map[*state]bool // the objects of saves and deletes

	undo     []undoEntry
	inserted []*state
	updated  []*state
	deleted  []*state
}

type parentLink struct {
	r      *mapper.Relation
	parent unsafe.Pointer
}

// undoEntry is a field value a flush overwrote, restored if it fails.
type undoEntry struct {
	p   unsafe.Pointer
	f   *mapper.Field
	old any
}

func (fl *flush) set(f *mapper.Field, p unsafe.Pointer, v any) {
	fl.undo = append(fl.undo, undoEntry{p, f, f.Value(p)})
	assign(f, p, v)
}

func (fl *flush) run() error {
	s := fl.s
	fl.collect()
	if err := fl.planRelations(); err != nil {
		return err
	}
	if err := fl.nullChildren(); err != nil {
		return err
	}
	if err := fl.checkNullable(); err != nil {
		return err
	}
	fl.rowSwitches()
	order, err := fl.order()
	if err != nil {
		return err
	}
	tx, err := s.tx(fl.ctx)
	if err != nil {
		return err
	}
	fl.tx = tx
	for _, comp := range order {
		if err := fl.saveComponent(comp); err != nil {
			return err
		}
	}
	if err := fl.postUpdates(); err != nil {
		return err
	}
	if err := fl.writeAssociations(); err != nil {
		return err
	}
	if err := fl.clearPostUpdates(); err != nil {
		return err
	}
	for i := len(order) - 1; i >= 0; i-- {
		if err := fl.deleteComponent(order[i]); err != nil {
			return err
		}
	}
	return nil
}

// collect lists the objects to save and delete.
func (fl *flush) collect() {
	s := fl.s
	for _, st := range s.pending {
		fl.objs[st] = st.ptr
		fl.saves = append(fl.saves, st)
	}
	deleting := map[*state]bool{}
	for _, st := range s.deleting {
		fl.objs[st] = st.ptr
		fl.deletes = append(fl.deletes, st)
		deleting[st] = true
	}
	var changed []*state
	for st := range s.states {
		if st.status != Persistent || deleting[st] {
			continue
		}
		if p := s.live(st); p != nil && s.modified(st, p) {
			fl.objs[st] = p
			changed = append(changed, st)
		}
	}
	slices.SortFunc(changed, func(a, b *state) int { return cmp.Compare(a.insertOrder, b.insertOrder) })
	fl.saves = append(fl.saves, changed...)
}

// planRelations finds the foreign keys that relationship changes set: the
// children added to or removed from one-to-many collections.
func (fl *flush) planRelations() error {
	fl.parentOf = map[unsafe.Pointer]parentLink{}
	fl.orphaned = map[unsafe.Pointer]*mapper.Relation{}
	inFlush := map[*state]bool{}
	fl.inFlush = inFlush
	for _, st := range fl.saves {
		inFlush[st] = true
	}
	for _, st := range fl.deletes {
		inFlush[st] = true
	}
	for _, st := range slices.Clone(fl.saves) {
		if st.status != Pending && !st.relDirty {
			continue
		}
		p := fl.objs[st]
		for _, r := range st.m.Relations() {
			if r.IsViewOnly() || (r.Kind != mapper.OneToMany && r.Kind != mapper.OneToOne) {
				continue
			}
			added, removed := relationChanges(st, p, r)
			for _, c := range added {
				fl.parentOf[c] = parentLink{r, p}
				delete(fl.orphaned, c)
				fl.include(r.Target(), c, inFlush)
			}
			for _, c := range removed {
				if _, moved := fl.parentOf[c]; !moved {
					fl.orphaned[c] = r
					fl.include(r.Target(), c, inFlush)
				}
			}
		}
	}
	return nil
}

// relationChanges returns the objects added to and removed from the
// relationship r of st's object, at p, since the session last knew what
// the database has: for an unloaded collection, the changes kept until it
// loads.
func relationChanges(st *state, p unsafe.Pointer, r *mapper.Relation) (added, removed []unsafe.Pointer) {
	if !r.Loaded(p) {
		return r.Pending(p)
	}
	items := r.Items(p)
	old, _ := committedRel(st, r)
	for _, c := range items {
		if !slices.Contains(old, c) {
			added = append(added, c)
		}
	}
	for _, c := range old {
		if !slices.Contains(items, c) {
			removed = append(removed, c)
		}
	}
	return added, removed
}

// include adds the persistent object at p, whose foreign key a
// relationship change sets, to the objects to save.
func (fl *flush) include(m *mapper.Mapping, p unsafe.Pointer, inFlush map[*state]bool) {
	st := fl.s.own(p)
	if st == nil {
		fl.s.warn("%s is related to an object being flushed, but is not in the session; its foreign key is not written", m.Type().Name())
		return
	}
	if inFlush[st] || st.status != Persistent {
		return
	}
	inFlush[st] = true
	fl.objs[st] = p
	fl.saves = append(fl.saves, st)
}

// rowSwitches finds pending objects whose primary key is that of an object
// deleted in the same flush: they take over its row with an UPDATE.
func (fl *flush) rowSwitches() {
	s := fl.s
	fl.switched = map[*state]*state{}
	for _, st := range fl.saves {
		if st.status != Pending || !hasKeyValues(st.m, fl.objs[st]) {
			continue
		}
		k := keyOf(st.m, fl.objs[st])
		old := s.byKey[k]
		if old == nil || old == st {
			continue
		}
		if slices.Contains(fl.deletes, old) {
			fl.switched[st] = old
			fl.deletes = without(fl.deletes, old)
			continue
		}
		if s.live(old) != nil {
			s.warn("new %s conflicts with the persistent object with that key; its INSERT will fail", k)
		}
	}
}

// hasKeyValues reports whether every primary key field of the object at p
// holds a value (not a zero one).
func hasKeyValues(m *mapper.Mapping, p unsafe.Pointer) bool {
	for _, f := range m.PrimaryKey() {
		if f.IsZero(p) {
			return false
		}
	}
	return true
}

// ----------------------------------------------------------------------------
// Ordering

// component is a set of mappings that must be saved together: one mapping,
// or several whose tables depend on each other in a cycle (cyclic).
type component struct {
	mappers []*mapper.Mapping
	cyclic  bool
}

// order sorts the mappings involved so that every mapping comes after the
// ones it depends on (whose rows its rows refer to).
func (fl *flush) order() ([]component, error) {
	var ms []*mapper.Mapping
	seen := map[*mapper.Mapping]bool{}
	for _, st := range append(slices.Clone(fl.saves), fl.deletes...) {
		if !seen[st.m] {
			seen[st.m] = true
			ms = append(ms, st.m)
		}
	}
	slices.SortFunc(ms, func(a, b *mapper.Mapping) int { return cmp.Compare(a.Table().Name(), b.Table().Name()) })
	return components(ms), nil
}

// dependsOn reports whether rows of a refer to rows of b: a's table has a
// foreign key to b's, or a relationship says so.
func dependsOn(a, b *mapper.Mapping) bool {
	if spec, err := a.Table().Spec(); err == nil {
		for _, fk := range spec.ForeignKeys {
			schema := fk.RefSchema
			if schema == "" {
				schema = a.Table().Schema()
			}
			if fk.RefTable == b.Table().Name() && schema == b.Table().Schema() && !postUpdateKey(a, b, fk.Columns) {
				return true
			}
		}
	}
	for _, r := range a.Relations() {
		if r.Target() == b && r.Kind == mapper.ManyToOne && !r.IsViewOnly() && !r.IsPostUpdate() {
			return true
		}
	}
	for _, r := range b.Relations() {
		if r.Target() == a && (r.Kind == mapper.OneToMany || r.Kind == mapper.OneToOne) && !r.IsViewOnly() && !r.IsPostUpdate() {
			return true
		}
	}
	return false
}

// postUpdateKey reports whether the foreign key cols of a's table, to b's,
// is written by a post-update relationship: it creates no dependency.
func postUpdateKey(a, b *mapper.Mapping, cols []string) bool {
	for _, r := range a.Relations() {
		if r.Target() == b && r.Kind == mapper.ManyToOne && r.IsPostUpdate() && slices.Equal(r.Columns, cols) {
			return true
		}
	}
	for _, r := range b.Relations() {
		if r.Target() == a && (r.Kind == mapper.OneToMany || r.Kind == mapper.OneToOne) && r.IsPostUpdate() && slices.Equal(r.Columns, cols) {
			return true
		}
	}
	return false
}

// components returns the strongly connected components of the dependency
// graph of ms, dependencies first (Tarjan's algorithm emits them in that
// order).
func components(ms []*mapper.Mapping) []component {
	index := map[*mapper.Mapping]int{}
	low := map[*mapper.Mapping]int{}
	onStack := map[*mapper.Mapping]bool{}
	var stack []*mapper.Mapping
	var out []component
	next := 0
	var visit func(v *mapper.Mapping)
	visit = func(v *mapper.Mapping) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range ms {
			if w == v || !dependsOn(v, w) {
				continue
			}
			if _, ok := index[w]; !ok {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var c component
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				c.mappers = append(c.mappers, w)
				if w == v {
					break
				}
			}
			c.cyclic = len(c.mappers) > 1 || dependsOn(v, v)
			slices.Reverse(c.mappers)
			out = append(out, c)
		}
	}
	for _, m := range ms {
		if _, ok := index[m]; !ok {
			visit(m)
		}
	}
	return out
}

// levels sorts the objects of a cyclic component row by row: each level
// holds objects whose parents are in earlier levels. parents returns the
// objects an object depends on.
func levels(states []*state, parents func(st *state) []*state) ([][]*state, error) {
	in := map[*state]bool{}
	for _, st := range states {
		in[st] = true
	}
	placed := map[*state]bool{}
	var out [][]*state
	for len(placed) < len(states) {
		var level []*state
		for _, st := range states {
			if placed[st] {
				continue
			}
			ready := true
			for _, p := range parents(st) {
				if in[p] && !placed[p] && p != st {
					ready = false
					break
				}
			}
			if ready {
				level = append(level, st)
			}
		}
		if len(level) == 0 {
			return nil, fmt.Errorf("session: %w: rows refer to each other in a cycle (%s, ...); make one of the relationships PostUpdate", ErrFlush, states[0].describe())
		}
		for _, st := range level {
			placed[st] = true
		}
		out = append(out, level)
	}
	return out, nil
}

// saveParents returns the objects the INSERT or UPDATE of st's row needs
// first: those its many-to-one references point at, and the parents whose
// collections it joined.
func (fl *flush) saveParents(st *state) []*state {
	p := fl.objs[st]
	var out []*state
	for _, r := range st.m.Relations() {
		if r.Kind == mapper.ManyToOne && !r.IsViewOnly() && !r.IsPostUpdate() && r.Loaded(p) {
			for _, q := range r.Items(p) {
				if qst := fl.s.own(q); qst != nil {
					out = append(out, qst)
				}
			}
		}
	}
	if pl, ok := fl.parentOf[p]; ok && !pl.r.IsPostUpdate() {
		if qst := fl.s.own(pl.parent); qst != nil {
			out = append(out, qst)
		}
	}
	return out
}

// deleteParents returns the objects whose rows the row of st refers to,
// by its committed foreign key values: they are deleted after it.
func (fl *flush) deleteParents(st *state, candidates []*state) []*state {
	var out []*state
	spec, err := st.m.Table().Spec()
	if err != nil {
		return nil
	}
	for _, fk := range spec.ForeignKeys {
		for _, c := range candidates {
			if c == st || c.m.Table().Name() != fk.RefTable {
				continue
			}
			match := true
			for i, col := range fk.Columns {
				f, rf := st.m.FieldFor(col), c.m.FieldFor(fk.RefColumns[i])
				if f == nil || rf == nil || !sameValue(f.Value(st.committed), rf.Value(c.committed)) {
					match = false
					break
				}
			}
			if match {
				out = append(out, c)
			}
		}
	}
	return out
}

// ----------------------------------------------------------------------------
// Saving

func (fl *flush) statesOf(list []*state, ms []*mapper.Mapping) []*state {
	var out []*state
	for _, st := range list {
		if slices.Contains(ms, st.m) {
			out = append(out, st)
		}
	}
	return out
}

func (fl *flush) saveComponent(c component) error {
	states := fl.statesOf(fl.saves, c.mappers)
	if len(states) == 0 {
		return nil
	}
	if !c.cyclic {
		return fl.saveMapper(c.mappers[0], states)
	}
	lv, err := levels(states, fl.saveParents)
	if err != nil {
		return err
	}
	for _, level := range lv {
		for _, m := range c.mappers {
			if group := fl.statesOf(level, []*mapper.Mapping{m}); len(group) > 0 {
				if err := fl.saveMapper(m, group); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// saveMapper writes the rows of states, all of m: UPDATEs, then INSERTs,
// with the mapper events around them.
func (fl *flush) saveMapper(m *mapper.Mapping, states []*state) error {
	var inserts, updates []*state
	for _, st := range states {
		if err := fl.applyForeignKeys(st); err != nil {
			return err
		}
		if st.status == Pending && fl.switched[st] == nil {
			inserts = append(inserts, st)
		} else {
			updates = append(updates, st)
		}
	}
	s := fl.s
	for _, st := range states {
		obj := boxed(m, fl.objs[st])
		insert := st.status == Pending && fl.switched[st] == nil
		s.emit(func(l *Listener) {
			switch {
			case insert && l.BeforeInsert != nil:
				l.BeforeInsert(fl.ctx, fl.tx, obj)
			case !insert && l.BeforeUpdate != nil:
				l.BeforeUpdate(fl.ctx, fl.tx, obj)
			}
		})
	}
	for _, st := range updates {
		if err := fl.update(st); err != nil {
			return err
		}
	}
	if err := fl.insert(m, inserts); err != nil {
		return err
	}
	for _, st := range states {
		obj := boxed(m, fl.objs[st])
		insert := st.status == Pending && fl.switched[st] == nil
		s.emit(func(l *Listener) {
			switch {
			case insert && l.AfterInsert != nil:
				l.AfterInsert(fl.ctx, fl.tx, obj)
			case !insert && l.AfterUpdate != nil:
				l.AfterUpdate(fl.ctx, fl.tx, obj)
			}
		})
	}
	return nil
}

// applyForeignKeys sets st's foreign key fields from its relationships:
// the objects its many-to-one references point at, the parent whose
// collection it joined, NULL if it left one.
func (fl *flush) applyForeignKeys(st *state) error {
	p := fl.objs[st]
	for _, r := range st.m.Relations() {
		if r.Kind != mapper.ManyToOne || r.IsViewOnly() || r.IsPostUpdate() || !r.Loaded(p) {
			continue
		}
		items := r.Items(p)
		old, known := committedRel(st, r)
		if st.status != Pending && known && slices.Equal(items, old) {
			continue
		}
		if st.status != Pending && !known && !st.relDirty {
			continue
		}
		if len(items) == 0 {
			if st.status != Pending && (len(old) > 0 || !known) {
				if err := fl.setKey(r.Columns, st.m, p, nil, nil); err != nil {
					return err
				}
			}
			continue
		}
		target := items[0]
		if tst := fl.s.own(target); tst == nil {
			fl.s.warn("%s.%s refers to a %s that is not in the session; the reference is not written", st.m.Type().Name(), r.Name, r.Target().Type().Name())
			continue
		}
		if err := fl.setKey(r.Columns, st.m, p, r.Target(), target); err != nil {
			return err
		}
	}
	if pl, ok := fl.parentOf[p]; ok && !pl.r.IsPostUpdate() {
		if err := fl.setKey(pl.r.Columns, st.m, p, pl.r.Owner, pl.parent); err != nil {
			return err
		}
	}
	if r, ok := fl.orphaned[p]; ok && !slices.Contains(fl.deletes, st) {
		if err := fl.setKey(r.Columns, st.m, p, nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// checkNullable refuses, before any row is written, a flush that would
// have to set to NULL a foreign key field that cannot hold NULL: a child
// left by its parent (removed from its collection, or its parent deleted)
// whose key is an int64, say.
func (fl *flush) checkNullable() error {
	var left []*state // in the order they joined the session, for a stable error
	for c := range fl.orphaned {
		if st := fl.s.own(c); st != nil && !slices.Contains(fl.deletes, st) {
			left = append(left, st)
		}
	}
	slices.SortFunc(left, func(a, b *state) int { return cmp.Compare(a.insertOrder, b.insertOrder) })
	for _, st := range left {
		c := fl.objs[st]
		for _, col := range fl.orphaned[c].Columns {
			if f := st.m.FieldFor(col); !nullable(f.Type()) && !f.IsZero(c) {
				return nullError(st.m, st, f)
			}
		}
	}
	return nil
}

func nullError(m *mapper.Mapping, st *state, f *mapper.Field) error {
	return fmt.Errorf("session: %w: %s.%s would have to be set to NULL (it no longer refers to a row), but its type %s cannot hold NULL; make it a pointer, or cascade the delete",
		ErrFlush, describeObj(m, st), f.Name, f.Type())
}

// setKey sets the columns cols of the object at p (of m) to the primary
// key of the object at target (of tm), or to NULL if target is nil. A
// field that cannot hold NULL (an int64, say) is an error: writing its zero
// value instead would make it refer to another row, or to none.
func (fl *flush) setKey(cols []string, m *mapper.Mapping, p unsafe.Pointer, tm *mapper.Mapping, target unsafe.Pointer) error {
	for i, c := range cols {
		f := m.FieldFor(c)
		var v any
		if target != nil {
			v = tm.PrimaryKey()[i].Value(target)
		}
		if target == nil && !nullable(f.Type()) {
			return nullError(m, stateFor(p), f)
		}
		if target == nil && f.IsZero(p) {
			continue
		}
		if target != nil && sameValue(f.Value(p), v) {
			continue
		}
		fl.set(f, p, v)
	}
	return nil
}

var scannerType = reflect.TypeFor[sql.Scanner]()

// nullable reports whether a field of type t can hold NULL: a pointer, or
// a type that scans NULL itself (sql.Null[T], say).
func nullable(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer || reflect.PointerTo(t).Implements(scannerType)
}

// update sends the UPDATE of st's changed columns, if any.
func (fl *flush) update(st *state) error {
	m, p := st.m, fl.objs[st]
	base := st.committed
	if old := fl.switched[st]; old != nil {
		base = old.committed
	}
	changed := newFieldSet(len(m.Fields()), false)
	for _, f := range m.Fields() {
		if !f.Equal(p, base) {
			changed.add(f.Pos)
		}
	}
	if !changed.empty() {
		fl.updated = append(fl.updated, st)
	}
	v := m.Version()
	if changed.empty() {
		return nil
	}
	if v != nil {
		changed.add(v.Pos)
		fl.set(v, p, increment(v.Value(base)))
	}
	c, err := updateRow(fl.d, m, changed, v != nil)
	if err != nil {
		return err
	}
	var args []any
	for _, f := range m.Fields() {
		if changed.has(f.Pos) {
			args = append(args, f.Value(p))
		}
	}
	for _, f := range m.PrimaryKey() {
		args = append(args, f.Value(base))
	}
	if v != nil {
		args = append(args, v.Value(base))
	}
	return fl.updateOne(st, c, args)
}

// updateOne sends the UPDATE c of st's row; matching another number of
// rows than one is stale data.
func (fl *flush) updateOne(st *state, c *compiled, args []any) error {
	res, err := ore.ExecSQL(fl.ctx, fl.tx, c.sql, args...)
	if err != nil {
		return fmt.Errorf("session: flush: update %s: %w", st.describe(), err)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("session: flush: %w: UPDATE of %s on table %q expected to update 1 row; %d were matched",
			ErrStaleData, st.describe(), st.m.Table().Name(), res.RowsAffected)
	}
	return nil
}

// maxInsertParams bounds the values of one INSERT statement (PostgreSQL
// takes 65535, SQLite 32766); maxInsertRows its rows.
const (
	maxInsertParams = 32000
	maxInsertRows   = 1000
)

// insert sends the INSERTs of states, all pending objects of m, in order:
// consecutive objects with the same columns share multi-row statements
// where the database's generated values can be matched back to them.
func (fl *flush) insert(m *mapper.Mapping, states []*state) error {
	if len(states) == 0 {
		return nil
	}
	n := len(m.Fields())
	type plan struct {
		cols, ret fieldSet
	}
	plans := make([]plan, len(states))
	for i, st := range states {
		p := fl.objs[st]
		if v := m.Version(); v != nil && v.IsZero(p) {
			fl.set(v, p, increment(v.Value(p)))
		}
		pl := plan{newFieldSet(n, false), newFieldSet(n, false)}
		for _, f := range m.Fields() {
			if f.Generated() && f.IsZero(p) {
				pl.ret.add(f.Pos)
			} else {
				pl.cols.add(f.Pos)
			}
		}
		plans[i] = pl
	}
	for start := 0; start < len(states); {
		end := start + 1
		for end < len(states) && slices.Equal(plans[end].cols, plans[start].cols) && slices.Equal(plans[end].ret, plans[start].ret) {
			end++
		}
		if err := fl.insertGroup(m, states[start:end], plans[start].cols, plans[start].ret); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// insertGroup inserts states, which insert the same columns cols and get
// the generated ret back.
func (fl *flush) insertGroup(m *mapper.Mapping, states []*state, cols, ret fieldSet) error {
	keyGiven := true
	for _, f := range m.PrimaryKey() {
		if ret.has(f.Pos) {
			keyGiven = false
		}
	}
	pk := m.PrimaryKey()
	sortedKeys := !keyGiven && len(pk) == 1 && isInteger(pk[0].Type()) && fl.d.Features().Has(compile.FeatOrderedInsertKeys)
	if !ret.empty() && !keyGiven && !sortedKeys {
		// No way to tell which generated values belong to which row of a
		// multi-row INSERT: one statement per row.
		for _, st := range states {
			if err := fl.insertRows(m, []*state{st}, cols, ret, false); err != nil {
				return err
			}
		}
		return nil
	}
	per := maxInsertRows
	if c := cols.count(); c > 0 {
		per = min(per, maxInsertParams/c)
	}
	for start := 0; start < len(states); start += per {
		if err := fl.insertRows(m, states[start:min(start+per, len(states))], cols, ret, sortedKeys); err != nil {
			return err
		}
	}
	return nil
}

// insertRows sends one INSERT of states' rows, and stores the generated
// values it returns in the objects: matched by primary key (returned with
// them), or, with sortedKeys, by the order of the new keys.
func (fl *flush) insertRows(m *mapper.Mapping, states []*state, cols, ret fieldSet, sortedKeys bool) error {
	returning := slices.Clone(ret)
	if !ret.empty() && len(states) > 1 {
		for _, f := range m.PrimaryKey() {
			returning.add(f.Pos)
		}
	}
	c, err := insertRows(fl.d, m, cols, returning, len(states))
	if err != nil {
		return err
	}
	fields := fieldsOf(m, cols)
	args := make([]any, 0, len(fields)*len(states))
	for _, st := range states {
		p := fl.objs[st]
		for _, f := range fields {
			args = append(args, f.Value(p))
		}
		fl.inserted = append(fl.inserted, st)
	}
	if returning.empty() {
		if _, err := ore.ExecSQL(fl.ctx, fl.tx, c.sql, args...); err != nil {
			return fmt.Errorf("session: flush: insert %s: %w", m.Type().Name(), err)
		}
		return nil
	}
	rows, err := ore.QuerySQL(fl.ctx, fl.tx, c.sql, args...)
	if err != nil {
		return fmt.Errorf("session: flush: insert %s: %w", m.Type().Name(), err)
	}
	retFields := fieldsOf(m, returning)
	dest := make([]any, len(retFields))
	var got []unsafe.Pointer
	for rows.Next() {
		row := m.New()
		for i, f := range retFields {
			dest[i] = f.Pointer(row)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return fmt.Errorf("session: flush: insert %s: %w", m.Type().Name(), err)
		}
		got = append(got, row)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("session: flush: insert %s: %w", m.Type().Name(), err)
	}
	if len(got) != len(states) {
		return fmt.Errorf("session: %w: INSERT into %q returned %d rows for %d objects", ErrFlush, m.Table().Name(), len(got), len(states))
	}
	switch {
	case len(states) == 1:
	case sortedKeys:
		pk := m.PrimaryKey()[0]
		slices.SortFunc(got, func(a, b unsafe.Pointer) int {
			return cmp.Compare(reflect.ValueOf(pk.Value(a)).Int(), reflect.ValueOf(pk.Value(b)).Int())
		})
	default:
		byKey := make(map[identityKey]unsafe.Pointer, len(got))
		for _, row := range got {
			byKey[keyOf(m, row)] = row
		}
		for i, st := range states {
			row := byKey[keyOf(m, fl.objs[st])]
			if row == nil {
				return fmt.Errorf("session: %w: INSERT into %q returned no row for %s", ErrFlush, m.Table().Name(), keyOf(m, fl.objs[st]))
			}
			got[i] = row
		}
	}
	var refreshed []string // the server defaults returned, for RefreshFlush
	for _, f := range retFields {
		if ret.has(f.Pos) && !isKey(m, f) {
			refreshed = append(refreshed, f.Name)
		}
	}
	for i, st := range states {
		p := fl.objs[st]
		for _, f := range retFields {
			if ret.has(f.Pos) {
				fl.undo = append(fl.undo, undoEntry{p, f, f.Value(p)})
				f.Copy(p, got[i])
			}
		}
		if len(refreshed) > 0 {
			obj := boxed(m, p)
			fl.s.emit(func(l *Listener) {
				if l.RefreshFlush != nil {
					l.RefreshFlush(fl.ctx, fl.tx, obj, refreshed)
				}
			})
		}
	}
	return nil
}

func isInteger(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// increment returns a version counter's value plus one.
func increment(v any) any {
	rv := reflect.ValueOf(v)
	out := reflect.New(rv.Type()).Elem()
	out.SetInt(rv.Int() + 1)
	return out.Interface()
}

// ----------------------------------------------------------------------------
// Deleting

func (fl *flush) deleteComponent(c component) error {
	states := fl.statesOf(fl.deletes, c.mappers)
	if len(states) == 0 {
		return nil
	}
	if !c.cyclic {
		return fl.deleteMapper(c.mappers[0], states)
	}
	lv, err := levels(states, func(st *state) []*state { return fl.deleteParents(st, states) })
	if err != nil {
		return err
	}
	// Children first: the last level refers to the others.
	for i := len(lv) - 1; i >= 0; i-- {
		for _, m := range c.mappers {
			if group := fl.statesOf(lv[i], []*mapper.Mapping{m}); len(group) > 0 {
				if err := fl.deleteMapper(m, group); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// maxDeleteKeys bounds the keys of one DELETE ... IN statement.
const maxDeleteKeys = 500

// deleteMapper deletes the rows of states, all of m: with one DELETE ...
// IN per batch for a one-column key without version, one DELETE per row
// otherwise.
func (fl *flush) deleteMapper(m *mapper.Mapping, states []*state) error {
	s := fl.s
	for _, st := range states {
		obj := boxed(m, fl.objs[st])
		s.emit(func(l *Listener) {
			if l.BeforeDelete != nil {
				l.BeforeDelete(fl.ctx, fl.tx, obj)
			}
		})
	}
	v := m.Version()
	pk := m.PrimaryKey()
	if v == nil && len(pk) == 1 && len(states) > 1 {
		t := tableNode(m)
		for start := 0; start < len(states); start += maxDeleteKeys {
			chunk := states[start:min(start+maxDeleteKeys, len(states))]
			list := make([]compile.Expr, len(chunk))
			for i, st := range chunk {
				list[i] = &compile.Bind{Value: pk[0].Value(st.committed)}
			}
			del := &compile.Delete{Table: t, Where: &compile.In{X: &compile.Column{Table: t, Name: pk[0].Column.Name}, List: list}}
			res, err := fl.tx.Exec(fl.ctx, tree{del})
			if err != nil {
				return fmt.Errorf("session: flush: delete %s: %w", m.Type().Name(), err)
			}
			if res.RowsAffected != int64(len(chunk)) {
				s.warn("DELETE statement on table %q expected to delete %d rows; %d were matched", m.Table().Name(), len(chunk), res.RowsAffected)
			}
		}
	} else {
		c, err := deleteRow(fl.d, m, v != nil)
		if err != nil {
			return err
		}
		for _, st := range states {
			args := keyValues(m, st.committed)
			if v != nil {
				args = append(args, v.Value(st.committed))
			}
			res, err := ore.ExecSQL(fl.ctx, fl.tx, c.sql, args...)
			if err != nil {
				return fmt.Errorf("session: flush: delete %s: %w", st.describe(), err)
			}
			if res.RowsAffected != 1 {
				if v != nil {
					return fmt.Errorf("session: flush: %w: DELETE of %s on table %q expected to delete 1 row; %d were matched",
						ErrStaleData, st.describe(), m.Table().Name(), res.RowsAffected)
				}
				s.warn("DELETE statement on table %q expected to delete 1 row; %d were matched", m.Table().Name(), res.RowsAffected)
			}
		}
	}
	fl.deleted = append(fl.deleted, states...)
	for _, st := range states {
		obj := boxed(m, fl.objs[st])
		s.emit(func(l *Listener) {
			if l.AfterDelete != nil {
				l.AfterDelete(fl.ctx, fl.tx, obj)
			}
		})
	}
	return nil
}

// ----------------------------------------------------------------------------
// After the SQL

// finish moves the flushed objects to their new states: inserted ones
// become persistent, deleted ones deleted; every saved object's snapshot
// becomes its current values.
func (fl *flush) finish() {
	s := fl.s
	type change struct {
		st *state
		p  unsafe.Pointer
		t  Transition
	}
	var changes []change
	for _, st := range fl.saves {
		p := fl.objs[st]
		m := st.m
		k := keyOf(m, p)
		if st.status == Pending {
			st.status = Persistent
			st.inTx.inserted = fl.switched[st] == nil
			if old := fl.switched[st]; old != nil {
				s.unmap(old)
				old.status, old.wasDeleted, old.inTx.deleted = Deleted, true, true
				changes = append(changes, change{old, fl.objs[old], PersistentToDeleted})
			}
			changes = append(changes, change{st, p, PendingToPersistent})
		} else if k != st.key {
			// The primary key changed: the row is now under the new key.
			if !st.inTx.hadOldKey {
				st.inTx.oldKey, st.inTx.hadOldKey = st.key, true
				st.inTx.oldValues = keyValues(m, st.committed)
			}
			s.unmap(st)
		}
		st.key, st.hasKey = k, true
		s.byKey[k] = st
		if st.committed == nil {
			st.committed = m.New()
		} else if st.expired != nil {
			// An expired field the application set was written: the
			// session knows its value now.
			for _, f := range m.Fields() {
				if st.expired.has(f.Pos) && !f.Equal(p, st.committed) {
					st.expired.remove(f.Pos)
				}
			}
		}
		m.Snapshot(st.committed, p)
		for _, r := range m.Relations() {
			if r.Loaded(p) {
				snapshotRel(st, r, r.Items(p))
			} else {
				r.ForgetPending(p) // written: loading it reads them
			}
		}
		st.relDirty = false
	}
	for _, st := range fl.deleted {
		s.unmap(st)
		st.status, st.wasDeleted, st.inTx.deleted = Deleted, true, true
		changes = append(changes, change{st, fl.objs[st], PersistentToDeleted})
	}
	// The objects flushed leave the lists of pending and deleting ones, in
	// one pass each (one at a time would copy the lists once per object).
	s.pending = keepStatus(s.pending, Pending)
	s.deleting = keepStatus(s.deleting, Persistent)
	for _, st := range fl.saves {
		if st.owned && st.ptr != nil && st.status == Persistent {
			s.holdWeakly(st, fl.objs[st])
		}
	}
	for _, c := range changes {
		s.transition(c.st, c.p, c.t)
	}
}

// keepStatus returns the states of list that have status, in a new slice
// (list may be shared).
func keepStatus(list []*state, status Status) []*state {
	var out []*state
	for _, st := range list {
		if st.status == status {
			out = append(out, st)
		}
	}
	return out
}

// ----------------------------------------------------------------------------
// Values

// assign sets the field f of the object at p to v, converting where the
// field's type differs (a foreign key field *int64 takes an int64 key, say;
// nil sets the zero value, NULL for a pointer).
func assign(f *mapper.Field, p unsafe.Pointer, v any) {
	t := f.Type()
	dst := reflect.ValueOf(f.Pointer(p)).Elem()
	if isNull(v) {
		dst.SetZero()
		return
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	switch {
	case rv.Type() == t:
		dst.Set(rv)
	case t.Kind() == reflect.Pointer && rv.Type() == t.Elem():
		c := reflect.New(t.Elem())
		c.Elem().Set(rv)
		dst.Set(c)
	case t.Kind() == reflect.Pointer && rv.CanConvert(t.Elem()):
		c := reflect.New(t.Elem())
		c.Elem().Set(rv.Convert(t.Elem()))
		dst.Set(c)
	case rv.CanConvert(t):
		dst.Set(rv.Convert(t))
	default:
		if vr, ok := v.(driver.Valuer); ok {
			if dv, err := vr.Value(); err == nil && dv != nil {
				assign(f, p, dv)
			}
		}
	}
}

// isNull reports whether v stands for SQL NULL: nil, a nil pointer, or a
// Valuer (sql.Null[T], say) whose value is nil.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return true
	}
	if vr, ok := v.(driver.Valuer); ok {
		dv, err := vr.Value()
		return err == nil && dv == nil
	}
	return false
}

// sameValue reports whether a and b are the same key value, whatever
// their Go types (int64 and *int64, say).
func sameValue(a, b any) bool {
	if isNull(a) || isNull(b) {
		return isNull(a) && isNull(b)
	}
	ra, rb := reflect.ValueOf(a), reflect.ValueOf(b)
	if ra.Kind() == reflect.Pointer {
		ra = ra.Elem()
	}
	if rb.Kind() == reflect.Pointer {
		rb = rb.Elem()
	}
	if ra.Type() != rb.Type() {
		if !ra.CanConvert(rb.Type()) {
			return false
		}
		ra = ra.Convert(rb.Type())
	}
	return ra.Comparable() && ra.Equal(rb)
}

var _ = errors.New
