package session

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/mapper"
)

// The statements a flush sends for relationships themselves, after the
// rows of the objects are saved and before any is deleted: the rows of
// many-to-many association tables (spec UOW-17), and the foreign keys of
// post-update relationships (UOW-11).

// assocRow is one row of an association table: its columns, sorted by
// name, and their values.
type assocRow struct {
	table *ore.Table
	cols  []string
	vals  []any
}

func (a assocRow) key() string {
	return a.table.Schema() + "." + a.table.Name() + "\x00" + encodeKey(a.vals)
}

// newAssocRow returns the association row linking owner (keyed by key,
// the values of r.RefColumns) to target (keyed by tkey, its primary key).
func newAssocRow(r *mapper.Relation, key, tkey []any) assocRow {
	n := len(r.SecondaryLocal) + len(r.SecondaryRemote)
	cols := make([]string, 0, n)
	vals := make([]any, 0, n)
	cols = append(append(cols, r.SecondaryLocal...), r.SecondaryRemote...)
	vals = append(append(vals, key...), tkey...)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return cols[idx[a]] < cols[idx[b]] })
	row := assocRow{table: r.Secondary, cols: make([]string, n), vals: make([]any, n)}
	for i, j := range idx {
		row.cols[i], row.vals[i] = cols[j], vals[j]
	}
	return row
}

// writeAssociations inserts the association rows of objects added to
// many-to-many collections, and deletes those of objects removed from
// them or whose owner is deleted. A link made from both sides is one row.
func (fl *flush) writeAssociations() error {
	s := fl.s
	var inserts, deletes []assocRow
	seenIns, seenDel := map[string]bool{}, map[string]bool{}
	deleting := map[*state]bool{}
	for _, st := range fl.deletes {
		deleting[st] = true
	}
	for _, st := range append(slices.Clone(fl.saves), fl.deletes...) {
		p := fl.objs[st]
		for _, r := range st.m.Relations() {
			if r.Kind != mapper.ManyToManyKind || r.IsViewOnly() {
				continue
			}
			var added, removed []unsafe.Pointer
			if deleting[st] {
				if r.Passive() == mapper.PassiveDeletesAll || (!r.Loaded(p) && r.Passive() == mapper.PassiveDeletesUnloaded) {
					continue
				}
				old, err := fl.committedItems(st, p, r)
				if err != nil {
					return err
				}
				removed = old
			} else {
				if st.status != Pending && !st.relDirty {
					continue
				}
				if _, known := committedRel(st, r); r.Loaded(p) && !known && st.status != Pending {
					// Replaced without being loaded: what the database
					// has is needed to tell what changed.
					old, err := fl.committedItems(st, p, r)
					if err != nil {
						return err
					}
					snapshotRel(st, r, old)
				}
				added, removed = relationChanges(st, p, r)
			}
			ownerKey := func(of unsafe.Pointer) []any {
				vals := make([]any, len(r.RefColumns))
				for i, c := range r.RefColumns {
					vals[i] = st.m.FieldFor(c).Value(of)
				}
				return vals
			}
			for _, q := range added {
				qst := s.own(q)
				if qst == nil {
					s.warn("%s.%s holds a %s that is not in the session; its association row is not written",
						st.m.Type().Name(), r.Name, r.Target().Type().Name())
					continue
				}
				if deleting[qst] {
					continue
				}
				row := newAssocRow(r, ownerKey(p), keyValues(r.Target(), fl.current(qst, q)))
				if k := row.key(); !seenIns[k] {
					seenIns[k] = true
					inserts = append(inserts, row)
				}
			}
			base := st.committed
			if base == nil {
				continue // a pending owner has no rows to remove
			}
			for _, q := range removed {
				qst := stateFor(q)
				tkey := keyValues(r.Target(), q)
				if qst != nil && qst.committed != nil {
					tkey = keyValues(r.Target(), qst.committed)
				}
				row := newAssocRow(r, ownerKey(base), tkey)
				if k := row.key(); !seenDel[k] {
					seenDel[k] = true
					deletes = append(deletes, row)
				}
			}
		}
	}
	for _, row := range deletes {
		if err := fl.deleteAssocRow(row); err != nil {
			return err
		}
	}
	return fl.insertAssocRows(inserts)
}

// current returns the object at q as the flush sees it.
func (fl *flush) current(st *state, q unsafe.Pointer) unsafe.Pointer {
	if p, ok := fl.objs[st]; ok {
		return p
	}
	return q
}

// committedItems returns what the database has for the relationship r of
// st's object, at p: from the session's record, or loaded for the flush.
func (fl *flush) committedItems(st *state, p unsafe.Pointer, r *mapper.Relation) ([]unsafe.Pointer, error) {
	if old, known := committedRel(st, r); known {
		return old, nil
	}
	if !r.Loaded(p) {
		if err := fl.s.loadForFlush(fl.ctx, st, p, r); err != nil {
			return nil, fmt.Errorf("session: flush: load %s.%s of %s: %w", st.m.Type().Name(), r.Name, st.describe(), err)
		}
		old, _ := committedRel(st, r)
		return old, nil
	}
	old, err := fl.s.loadRelated(fl.ctx, st, p, r, nil, true)
	if err != nil {
		return nil, fmt.Errorf("session: flush: load %s.%s of %s: %w", st.m.Type().Name(), r.Name, st.describe(), err)
	}
	return old, nil
}

// deleteAssocRow deletes one association row, matched on all its columns;
// matching another number of rows than one is stale data.
func (fl *flush) deleteAssocRow(row assocRow) error {
	t := &compile.Table{Schema: row.table.Schema(), Name: row.table.Name()}
	conds := make([]compile.Expr, len(row.cols))
	for i, c := range row.cols {
		conds[i] = &compile.Binary{Op: compile.OpEq, X: &compile.Column{Table: t, Name: c}, Y: &compile.Bind{Value: row.vals[i]}}
	}
	var where compile.Expr = &compile.Logical{Op: compile.OpAnd, List: conds}
	if len(conds) == 1 {
		where = conds[0]
	}
	res, err := fl.tx.Exec(fl.ctx, tree{&compile.Delete{Table: t, Where: where}})
	if err != nil {
		return fmt.Errorf("session: flush: delete from %q: %w", row.table.Name(), err)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("session: flush: %w: DELETE statement on table %q expected to delete 1 row; %d were matched",
			ErrStaleData, row.table.Name(), res.RowsAffected)
	}
	return nil
}

// insertAssocRows inserts rows, as multi-row INSERTs per table.
func (fl *flush) insertAssocRows(rows []assocRow) error {
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].table == rows[start].table && slices.Equal(rows[end].cols, rows[start].cols) &&
			(end-start+1)*len(rows[start].cols) <= maxInsertParams && end-start < maxInsertRows {
			end++
		}
		first := rows[start]
		ins := &compile.Insert{Table: &compile.Table{Schema: first.table.Schema(), Name: first.table.Name()}, Columns: first.cols}
		for _, row := range rows[start:end] {
			vals := make([]compile.Expr, len(row.vals))
			for i, v := range row.vals {
				vals[i] = &compile.Bind{Value: v}
			}
			ins.Rows = append(ins.Rows, vals)
		}
		if _, err := fl.tx.Exec(fl.ctx, tree{ins}); err != nil {
			return fmt.Errorf("session: flush: insert into %q: %w", first.table.Name(), err)
		}
		start = end
	}
	return nil
}

// ----------------------------------------------------------------------------
// Post-update

// postUpdates writes the foreign keys of post-update relationships, which
// the INSERTs and UPDATEs left alone so that rows referring to each other
// can be saved: one more UPDATE per row once both rows exist.
func (fl *flush) postUpdates() error {
	for _, st := range fl.saves {
		p := fl.objs[st]
		for _, r := range st.m.Relations() {
			if r.Kind != mapper.ManyToOne || !r.IsPostUpdate() || r.IsViewOnly() || !r.Loaded(p) {
				continue
			}
			items := r.Items(p)
			if old, known := committedRel(st, r); st.status != Pending && (known && slices.Equal(items, old) || !known && !st.relDirty) {
				continue
			}
			var target unsafe.Pointer
			if len(items) > 0 {
				target = items[0]
				if fl.s.own(target) == nil {
					fl.s.warn("%s.%s refers to a %s that is not in the session; the reference is not written", st.m.Type().Name(), r.Name, r.Target().Type().Name())
					continue
				}
			}
			if err := fl.updateKey(st, p, p, r.Columns, r.Target(), target, false); err != nil {
				return err
			}
		}
	}
	// Children that joined post-update collections, in the order they
	// were added to the session.
	var children []*state
	for c, pl := range fl.parentOf {
		if cst := fl.s.own(c); pl.r.IsPostUpdate() && cst != nil && !slices.Contains(fl.deletes, cst) {
			children = append(children, cst)
		}
	}
	slices.SortFunc(children, func(a, b *state) int { return cmp.Compare(a.insertOrder, b.insertOrder) })
	for _, cst := range children {
		c := fl.objs[cst]
		pl := fl.parentOf[c]
		if err := fl.updateKey(cst, c, c, pl.r.Columns, pl.r.Owner, pl.parent, false); err != nil {
			return err
		}
	}
	return nil
}

// clearPostUpdates sets to NULL, before the DELETEs, the post-update
// foreign keys by which rows being deleted refer to each other, found by
// the rows' committed values (the relationships need not be loaded).
func (fl *flush) clearPostUpdates() error {
	deleting := map[identityKey]*state{}
	for _, st := range fl.deletes {
		deleting[st.key] = st
	}
	for _, st := range fl.deletes {
		for _, r := range st.m.Relations() {
			if !r.IsPostUpdate() || r.IsViewOnly() || st.committed == nil {
				continue
			}
			switch r.Kind {
			case mapper.ManyToOne: // st's row refers to the target's
				key, ok := referenceKey(st.m, r, st.committed)
				if !ok || deleting[keyFromValues(r.Target(), key)] == nil {
					continue
				}
				if err := fl.updateKey(st, fl.objs[st], st.committed, r.Columns, nil, nil, true); err != nil {
					return err
				}
			case mapper.OneToMany, mapper.OneToOne: // the targets' rows refer to st's
				for _, q := range fl.deletes {
					if q.m == r.Target() && q.committed != nil && refersTo(q, r, st) {
						if err := fl.updateKey(q, fl.objs[q], q.committed, r.Columns, nil, nil, true); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// refersTo reports whether the committed foreign key r.Columns of child's
// row holds the committed key r.RefColumns of parent's.
func refersTo(child *state, r *mapper.Relation, parent *state) bool {
	for i, c := range r.Columns {
		if !sameValue(child.m.FieldFor(c).Value(child.committed), parent.m.FieldFor(r.RefColumns[i]).Value(parent.committed)) {
			return false
		}
	}
	return true
}

// updateKey sets the columns cols of st's object, at p, to the primary
// key of target (of tm), or to NULL if target is nil, and sends the UPDATE
// of those columns of its row, found by the key of keyFrom. Unless force,
// nothing is sent where the row has those values already.
func (fl *flush) updateKey(st *state, p, keyFrom unsafe.Pointer, cols []string, tm *mapper.Mapping, target unsafe.Pointer, force bool) error {
	m := st.m
	set := newFieldSet(len(m.Fields()), false)
	for i, c := range cols {
		f := m.FieldFor(c)
		var v any
		if target != nil {
			v = tm.PrimaryKey()[i].Value(target)
		}
		set.add(f.Pos)
		if !sameValue(f.Value(p), v) {
			fl.set(f, p, v)
		}
	}
	fields := fieldsOf(m, set)
	if !force {
		same := true
		for _, f := range fields {
			if st.status == Pending && !f.IsZero(p) || st.committed != nil && !f.Equal(p, st.committed) {
				same = false
			}
		}
		if same {
			return nil
		}
	}
	c, err := updateRow(fl.d, m, set, false)
	if err != nil {
		return err
	}
	args := make([]any, 0, len(fields)+len(m.PrimaryKey()))
	for _, f := range fields {
		args = append(args, f.Value(p))
	}
	args = append(args, keyValues(m, keyFrom)...)
	return fl.updateOne(st, c, args)
}
