package session

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/mapper"
)

// Every SELECT of objects goes through fetchRows: a query's, a select-in
// load's, a lazy load with options. It adds to the statement the joins and
// columns of the relationships loaded with it (joined, or contains-eager
// from the query's own joins), reads each row into the objects of its
// columns, and fills those relationships; eagerAfter then runs the
// select-in loads the objects ask for, which fetch their rows the same
// way, so that options nest to any depth whatever loads each step.
//
// The joins use aliases the session makes up, all beginning with "ore_":
// ore_<table>_<n> for joined tables, ore_anon_1 for the query wrapped in a
// derived table, ore_col_<n> for the labels of the columns it adds to the
// wrapped query. Application SQL should not use names of that form.

// anonAlias is the alias of a query wrapped in a derived table.
const anonAlias = "ore_anon_1"

// fetched is what a SELECT of objects read.
type fetched struct {
	objs  []unsafe.Pointer // the object of each row, in row order
	extra [][]any          // each row's extra values, if any were asked for
	plan  *joinPlan        // nil if nothing was joined
	// multiplied reports that the joins can repeat a row's object: a
	// joined collection gives one row per related object.
	multiplied bool
	uniq       []unsafe.Pointer // unique's result, once computed
}

// unique returns the objects of f, each once, in the order they first
// came.
func (f *fetched) unique() []unsafe.Pointer {
	if !f.multiplied {
		return f.objs
	}
	if f.uniq == nil {
		f.uniq = distinct(f.objs)
	}
	return f.uniq
}

func distinct(objs []unsafe.Pointer) []unsafe.Pointer {
	seen := make(map[unsafe.Pointer]struct{}, len(objs))
	out := make([]unsafe.Pointer, 0, len(objs))
	for _, p := range objs {
		if _, ok := seen[p]; !ok {
			seen[p] = struct{}{}
			out = append(out, p)
		}
	}
	return out
}

// fetchRows runs sel, a SELECT whose select list is lv.m's fields in field
// order followed by one column of each type of extras, with the joins of
// the relationships lv loads joined or contains-eager, and reads its rows
// into the session's objects (see reader.object). sel is not changed.
func (s *Session) fetchRows(ctx context.Context, lv *level, sel *compile.Select, extras []reflect.Type, populate bool) (*fetched, error) {
	jp := planJoins(lv)
	stmt := sel
	if jp != nil {
		stmt = jp.apply(s.db.Dialect(), sel)
	}
	tx, err := s.tx(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, tree{stmt})
	if err != nil {
		return nil, err
	}
	f, err := s.readRows(rows, lv, extras, jp, populate)
	if err != nil {
		return nil, err
	}
	if jp != nil {
		jp.fill()
	}
	return f, nil
}

// eagerAfter runs the select-in loads of the objects f read: those of
// lv's objects, and those of the objects of each joined relationship.
func (s *Session) eagerAfter(ctx context.Context, f *fetched, lv *level, populate bool) error {
	if err := s.selectInLoads(ctx, lv, f.unique(), populate); err != nil {
		return err
	}
	if f.plan == nil {
		return nil
	}
	for _, c := range f.plan.slots {
		if err := s.selectInLoads(ctx, c.lv, c.objs, populate); err != nil {
			return err
		}
	}
	return nil
}

// readRows reads rows of lv.m's fields, extra columns, and the columns of
// jp's relationships (jp may be nil), into objects; it closes rows. lv
// gives the options that objects read for the first time keep for their
// lazy loads (REL-13).
func (s *Session) readRows(rows *ore.Rows, lv *level, extras []reflect.Type, jp *joinPlan, populate bool) (*fetched, error) {
	defer rows.Close()
	m := lv.m
	fields := m.Fields()
	n := len(fields) + len(extras)
	if jp != nil {
		n += jp.columns
	}
	dest := make([]any, n)
	exHolders := make([]reflect.Value, len(extras))
	for i, t := range extras {
		exHolders[i] = reflect.New(t)
		dest[len(fields)+i] = exHolders[i].Interface()
	}
	if jp != nil {
		jp.prepare(dest)
	}
	f := &fetched{plan: jp, multiplied: jp != nil && jp.multiplies}
	rd := s.newReader(populate)
	defer s.registerLoaded()
	var scratch unsafe.Pointer
	for rows.Next() {
		obj := scratch
		if obj == nil {
			obj = m.New()
		}
		scratch = nil
		for i, fl := range fields {
			dest[i] = fl.Pointer(obj)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		p, st, isNew := rd.object(m, obj)
		if p != obj {
			scratch = obj
		}
		if isNew || populate {
			lv.stick(s, st)
		}
		f.objs = append(f.objs, p)
		if len(extras) > 0 {
			vals := make([]any, len(extras))
			for i, h := range exHolders {
				vals[i] = h.Elem().Interface()
			}
			f.extra = append(f.extra, vals)
		}
		if jp != nil {
			jp.row(rd, p)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rd.finish()
	return f, nil
}

// ----------------------------------------------------------------------------
// Rows to objects

// reader makes the session's objects of rows: the identity map's object
// where it has the row (filling in its expired fields, or all of them with
// populate), a new persistent one otherwise. It runs the load and refresh
// events once all rows are read (finish).
type reader struct {
	s         *Session
	populate  bool
	loaded    []refill // new objects (names unused)
	refreshed []refill // objects of the map with fields filled
}

func (s *Session) newReader(populate bool) *reader {
	s.settle()
	return &reader{s: s, populate: populate}
}

// object returns the session's object for row, an object of m the reader
// filled from a row: the identity map's, or row itself, which the session
// then owns (isNew). The caller may reuse row when it is not returned.
func (rd *reader) object(m *mapper.Mapping, row unsafe.Pointer) (p unsafe.Pointer, st *state, isNew bool) {
	s := rd.s
	k := keyOf(m, row)
	if st := s.byKey[k]; st != nil {
		if p := s.live(st); p != nil {
			var names []string // for the refresh event; nil for all
			if !rd.populate && len(s.listeners) > 0 {
				names = expiredNames(st)
			}
			if fill(st, p, row, nil, rd.populate) && len(s.listeners) > 0 {
				rd.refreshed = append(rd.refreshed, refill{m, p, names})
			}
			return p, st, false
		}
	}
	st = s.adoptLoaded(m, row, k)
	if len(s.listeners) > 0 {
		rd.loaded = append(rd.loaded, refill{m: m, p: row})
	}
	return row, st, true
}

// finish registers the objects read, and runs their events.
func (rd *reader) finish() {
	s := rd.s
	s.registerLoaded()
	if len(s.listeners) == 0 {
		return
	}
	for _, r := range rd.loaded {
		obj := boxed(r.m, r.p)
		s.emit(func(l *Listener) {
			if l.Load != nil {
				l.Load(s, obj)
			}
		})
		s.transition(stateFor(r.p), r.p, LoadedAsPersistent)
	}
	for _, r := range rd.refreshed {
		obj := boxed(r.m, r.p)
		s.emit(func(l *Listener) {
			if l.Refresh != nil {
				l.Refresh(s, obj, r.names)
			}
		})
	}
}

// ----------------------------------------------------------------------------
// Joins

// joinSlot is a relationship whose objects come in the columns of a
// statement's rows: joined (the statement joins the target under an alias
// of its own) or contains-eager (the query joined it). The root slot
// stands for the statement's own objects.
type joinSlot struct {
	parent   *joinSlot
	rel      *mapper.Relation // nil for the root
	m        *mapper.Mapping  // the objects' mapping
	lv       *level           // how the objects load their own relationships
	contains bool
	from     *compile.Table // contains-eager: the query's table the columns come from

	// Where the slot's columns are in the statement: table qualifies them,
	// under the names in names where those differ (columns of a wrapped
	// query); second is a joined many-to-many's association alias.
	table  *compile.Table
	names  map[string]string
	second *compile.Table

	first   int             // the index of its first column in a row
	holders []reflect.Value // **F for each field F: NULL scans as nil
	scratch unsafe.Pointer  // an object to read the next row into

	// Per row: the object of the current row; nil if its columns are NULL.
	obj unsafe.Pointer
	// Per statement: the distinct objects read, and, for each owner (an
	// object of the parent slot), the objects related to it.
	objs   []unsafe.Pointer
	seen   map[unsafe.Pointer]struct{}
	owners []unsafe.Pointer
	got    map[unsafe.Pointer]*gathered
	pairs  map[[2]unsafe.Pointer]struct{} // (owner, object) pairs gathered
}

// gathered are the objects a statement related to one owner.
type gathered struct {
	items []unsafe.Pointer
	skip  bool // the owner has the relationship loaded already: leave it
}

// col returns the column name of the slot's objects.
func (c *joinSlot) col(name string) *compile.Column {
	if n, ok := c.names[name]; ok {
		name = n
	}
	return &compile.Column{Table: c.table, Name: name}
}

// joinPlan is the joined and contains-eager relationships of a statement.
type joinPlan struct {
	root    *joinSlot
	slots   []*joinSlot // parents before their children
	columns int         // the columns the slots add to each row
	// multiplies reports that a relationship may give several rows per
	// root object: a collection, or a one-to-one the database does not
	// hold to one row.
	multiplies bool
	aliases    map[string]int // tables aliased so far, by name
}

// planJoins returns the joins lv's objects load their relationships with;
// nil if there are none.
func planJoins(lv *level) *joinPlan {
	joined := false
	for _, r := range lv.m.Relations() {
		if strategy, opt := lv.how(r); strategy == mapper.Joined || opt != nil && opt.contains {
			joined = true
			break
		}
	}
	if !joined {
		return nil
	}
	jp := &joinPlan{root: &joinSlot{m: lv.m, lv: lv}}
	jp.add(jp.root)
	return jp
}

func (jp *joinPlan) add(parent *joinSlot) {
	for _, r := range parent.m.Relations() {
		strategy, opt := parent.lv.how(r)
		contains := opt != nil && opt.contains
		if strategy != mapper.Joined && !contains {
			continue
		}
		c := &joinSlot{parent: parent, rel: r, m: r.Target(), lv: parent.lv.child(r, opt), contains: contains}
		if contains {
			c.from = opt.from
			if c.from == nil {
				c.from = tableNode(c.m)
			}
		}
		if r.Kind != mapper.ManyToOne {
			jp.multiplies = true
		}
		jp.slots = append(jp.slots, c)
		jp.columns += len(c.m.Fields())
		jp.add(c)
	}
}

// apply returns sel with the plan's joins and columns: sel itself if
// there are none. When the joins could repeat rows of a query whose rows
// are counted (LIMIT, OFFSET) or made distinct, or a grouped query, the
// query becomes a derived table and the joins are made outside it, so
// that the same objects come back whatever the strategy (spec REL-05).
func (jp *joinPlan) apply(d compile.Dialect, sel *compile.Select) *compile.Select {
	jp.root.table = tableNode(jp.root.m)
	jp.aliases = map[string]int{}
	rowCounted := sel.Limit != nil || sel.Offset != nil || sel.Distinct || len(sel.DistinctOn) > 0
	if jp.multiplies && rowCounted || len(sel.GroupBy) > 0 || sel.Having != nil {
		return jp.wrap(sel)
	}
	out := *sel
	out.Columns = slices.Clip(sel.Columns)
	for _, c := range jp.slots {
		if c.contains {
			c.table = c.from
		}
	}
	last := sel.From[len(sel.From)-1]
	last, out.Columns, out.OrderBy = jp.joins(last, out.Columns, slices.Clip(sel.OrderBy))
	out.From = slices.Clone(sel.From)
	out.From[len(out.From)-1] = last
	if out.Lock != nil && d.Features().Has(compile.FeatLockOf) && len(out.Lock.Of) == 0 {
		// The joined tables are on the nullable side of outer joins, which
		// PostgreSQL does not lock: lock the objects' rows only.
		lock := *out.Lock
		lock.Of = []*compile.Table{jp.root.table}
		out.Lock = &lock
	}
	return &out
}

// joins joins the plan's joined relationships to from, and returns it with
// cols and order extended by their columns and orderings.
func (jp *joinPlan) joins(from compile.FromItem, cols []compile.Expr, order []compile.OrderBy) (compile.FromItem, []compile.Expr, []compile.OrderBy) {
	for _, c := range jp.slots {
		if !c.contains {
			from = jp.join(from, c)
			if c.rel.IsCollection() {
				order = append(order, relOrderOn(c.rel, c.table, c.second)...)
			}
		}
		c.first = len(cols)
		for _, f := range c.m.Fields() {
			cols = append(cols, c.col(f.Column.Name))
		}
	}
	return from, cols, order
}

// wrap returns sel as a derived table with the plan's joins made outside
// it: SELECT anon.cols, joined cols FROM (sel) AS ore_anon_1 LEFT JOIN ...
// ORDER BY sel's ordering, then the joined collections'. Ordering terms
// that are not columns of the objects' table are added to sel's select list
// under labels, as are the columns of contains-eager relationships.
func (jp *joinPlan) wrap(sel *compile.Select) *compile.Select {
	anon := &compile.Table{Name: anonAlias}
	inner := *sel
	inner.Columns = slices.Clone(sel.Columns)
	labels := 0
	label := func(x compile.Expr) string {
		labels++
		name := fmt.Sprintf("ore_col_%d", labels)
		if l, ok := x.(*compile.Label); ok {
			x = l.X
		}
		inner.Columns = append(inner.Columns, &compile.Label{X: x, Name: name})
		return name
	}
	outer := &compile.Select{}
	for i, x := range sel.Columns {
		switch x := x.(type) {
		case *compile.Column:
			outer.Columns = append(outer.Columns, &compile.Column{Table: anon, Name: x.Name})
		case *compile.Label:
			outer.Columns = append(outer.Columns, &compile.Column{Table: anon, Name: x.Name})
		default:
			labels++
			name := fmt.Sprintf("ore_col_%d", labels)
			inner.Columns[i] = &compile.Label{X: x, Name: name}
			outer.Columns = append(outer.Columns, &compile.Column{Table: anon, Name: name})
		}
	}
	// The columns of contains-eager relationships, by the query's table
	// and column name.
	type column struct{ table, name string }
	labeled := map[column]string{}
	for _, c := range jp.slots {
		if !c.contains {
			continue
		}
		c.names = map[string]string{}
		for _, f := range c.m.Fields() {
			name := label(&compile.Column{Table: c.from, Name: f.Column.Name})
			c.names[f.Column.Name] = name
			labeled[column{c.from.RefName(), f.Column.Name}] = name
		}
		c.table = anon
	}
	m, root := jp.root.m, jp.root.table
	for _, o := range sel.OrderBy {
		c, isColumn := o.X.(*compile.Column)
		switch {
		case isColumn && sameTable(c.Table, root) && m.FieldFor(c.Name) != nil:
			o.X = &compile.Column{Table: anon, Name: c.Name}
		case isColumn && c.Table != nil && labeled[column{c.Table.RefName(), c.Name}] != "":
			o.X = &compile.Column{Table: anon, Name: labeled[column{c.Table.RefName(), c.Name}]}
		default:
			o.X = &compile.Column{Table: anon, Name: label(o.X)}
		}
		outer.OrderBy = append(outer.OrderBy, o)
	}
	jp.root.table = anon
	var from compile.FromItem = &compile.Derived{Query: &inner, Alias: anonAlias}
	from, outer.Columns, outer.OrderBy = jp.joins(from, outer.Columns, outer.OrderBy)
	outer.From = []compile.FromItem{from}
	return outer
}

// join returns from LEFT OUTER JOINed to c's target under a new alias
// (through the association table, aliased too, for a many-to-many).
func (jp *joinPlan) join(from compile.FromItem, c *joinSlot) compile.FromItem {
	r, p := c.rel, c.parent
	c.table = jp.alias(c.m.Table())
	var on []compile.Expr
	switch r.Kind {
	case mapper.ManyToOne:
		for i, col := range r.Columns {
			on = append(on, eqNode(p.col(col), c.col(r.RefColumns[i])))
		}
	case mapper.OneToMany, mapper.OneToOne:
		for i, col := range r.Columns {
			on = append(on, eqNode(p.col(r.RefColumns[i]), c.col(col)))
		}
	case mapper.ManyToManyKind:
		c.second = jp.alias(r.Secondary)
		var local []compile.Expr
		for i, col := range r.SecondaryLocal {
			local = append(local, eqNode(p.col(r.RefColumns[i]), &compile.Column{Table: c.second, Name: col}))
		}
		from = &compile.Join{Kind: compile.LeftJoin, Left: from, Right: c.second, On: andNodes(local)}
		for i, f := range c.m.PrimaryKey() {
			on = append(on, eqNode(&compile.Column{Table: c.second, Name: r.SecondaryRemote[i]}, c.col(f.Column.Name)))
		}
	}
	return &compile.Join{Kind: compile.LeftJoin, Left: from, Right: c.table, On: andNodes(on)}
}

// alias returns t under the statement's next alias for it.
func (jp *joinPlan) alias(t *ore.Table) *compile.Table {
	jp.aliases[t.Name()]++
	return &compile.Table{Schema: t.Schema(), Name: t.Name(), Alias: fmt.Sprintf("ore_%s_%d", t.Name(), jp.aliases[t.Name()])}
}

// prepare sets up the slots' scanning into dest.
func (jp *joinPlan) prepare(dest []any) {
	for _, c := range jp.slots {
		fields := c.m.Fields()
		c.holders = make([]reflect.Value, len(fields))
		for i, f := range fields {
			c.holders[i] = reflect.New(reflect.PointerTo(f.Type()))
			dest[c.first+i] = c.holders[i].Interface()
		}
		c.seen = map[unsafe.Pointer]struct{}{}
		c.got = map[unsafe.Pointer]*gathered{}
		c.pairs = map[[2]unsafe.Pointer]struct{}{}
	}
}

// row reads the slots' objects of the current row, root being the row's
// object of the statement's own.
func (jp *joinPlan) row(rd *reader, root unsafe.Pointer) {
	jp.root.obj = root
	for _, c := range jp.slots {
		c.obj = nil
		owner := c.parent.obj
		if owner == nil {
			continue
		}
		if !c.null() {
			row := c.scratch
			if row == nil {
				row = c.m.New()
			}
			c.scratch = nil
			for i, f := range c.m.Fields() {
				dst := reflect.ValueOf(f.Pointer(row)).Elem()
				if v := c.holders[i].Elem(); v.IsNil() {
					dst.SetZero()
				} else {
					dst.Set(v.Elem())
				}
			}
			p, st, isNew := rd.object(c.m, row)
			if p != row {
				c.scratch = row
			}
			if isNew || rd.populate {
				c.lv.stick(rd.s, st)
			}
			c.obj = p
			if _, ok := c.seen[p]; !ok {
				c.seen[p] = struct{}{}
				c.objs = append(c.objs, p)
			}
		}
		g := c.got[owner]
		if g == nil {
			// An owner whose relationship is loaded keeps it (REL-06,
			// REL-12), unless the query populates existing objects.
			g = &gathered{skip: c.rel.Loaded(owner) && !rd.populate}
			c.got[owner] = g
			c.owners = append(c.owners, owner)
		}
		if c.obj != nil && !g.skip {
			// Other joined collections repeat the pair in several rows.
			pair := [2]unsafe.Pointer{owner, c.obj}
			if _, dup := c.pairs[pair]; !dup {
				c.pairs[pair] = struct{}{}
				g.items = append(g.items, c.obj)
			}
		}
	}
}

// null reports whether the current row has no object for c: its primary
// key columns are NULL (an outer join that matched nothing).
func (c *joinSlot) null() bool {
	for _, f := range c.m.PrimaryKey() {
		if c.holders[f.Pos].Elem().IsNil() {
			return true
		}
	}
	return false
}

// fill stores the related objects the rows gave in their owners: every
// owner seen gets its relationship loaded, empty if no row had a related
// object (REL-10).
func (jp *joinPlan) fill() {
	for _, c := range jp.slots {
		for _, owner := range c.owners {
			g := c.got[owner]
			if g.skip {
				continue
			}
			items := g.items
			if !c.rel.IsCollection() && len(items) > 1 {
				items = items[:1]
			}
			snapshotRel(stateFor(owner), c.rel, items)
			c.rel.SetLoaded(owner, items)
		}
	}
}

// ----------------------------------------------------------------------------
// Syntax tree helpers

func eqNode(x, y compile.Expr) compile.Expr {
	return &compile.Binary{Op: compile.OpEq, X: x, Y: y}
}

func andNodes(list []compile.Expr) compile.Expr {
	if len(list) == 1 {
		return list[0]
	}
	return &compile.Logical{Op: compile.OpAnd, List: list}
}

// sameTable reports whether a column qualified by t belongs to u, an
// unaliased table.
func sameTable(t, u *compile.Table) bool {
	return t != nil && t.Alias == "" && t.Name == u.Name && t.Schema == u.Schema
}

var relOrders sync.Map // *mapper.Relation -> []compile.OrderBy

// relOrder returns the ordering of r's collection as ORDER BY items.
func relOrder(r *mapper.Relation) []compile.OrderBy {
	if len(r.OrderTerms()) == 0 {
		return nil
	}
	if v, ok := relOrders.Load(r); ok {
		return v.([]compile.OrderBy)
	}
	var order []compile.OrderBy
	n, err := ore.Select[any](ore.Raw[any]("1")).OrderBy(r.OrderTerms()...).Build()
	if err != nil {
		order = []compile.OrderBy{{X: &compile.Bad{Err: err}}}
	} else {
		order = n.(*compile.Select).OrderBy
	}
	relOrders.Store(r, order)
	return order
}

// relOrderOn returns r's ordering with its target's columns read from
// target and its association table's from second.
func relOrderOn(r *mapper.Relation, target, second *compile.Table) []compile.OrderBy {
	order := relOrder(r)
	if len(order) == 0 {
		return nil
	}
	tables := map[compile.Table]*compile.Table{*tableNode(r.Target()): target}
	if second != nil {
		tables[compile.Table{Schema: r.Secondary.Schema(), Name: r.Secondary.Name()}] = second
	}
	out := make([]compile.OrderBy, len(order))
	for i, o := range order {
		o.X = retable(o.X, tables)
		out[i] = o
	}
	return out
}

// retable returns e with the columns of the (unaliased) tables of tables
// qualified by their replacements. Expressions of kinds it does not look
// into are left as they are.
func retable(e compile.Expr, tables map[compile.Table]*compile.Table) compile.Expr {
	list := func(l []compile.Expr) []compile.Expr {
		out := make([]compile.Expr, len(l))
		for i, x := range l {
			out[i] = retable(x, tables)
		}
		return out
	}
	switch e := e.(type) {
	case *compile.Column:
		if e.Table != nil && e.Table.Alias == "" {
			if t, ok := tables[*e.Table]; ok {
				return &compile.Column{Table: t, Name: e.Name}
			}
		}
	case *compile.Binary:
		return &compile.Binary{Op: e.Op, X: retable(e.X, tables), Y: retable(e.Y, tables)}
	case *compile.Unary:
		return &compile.Unary{Op: e.Op, X: retable(e.X, tables)}
	case *compile.Logical:
		return &compile.Logical{Op: e.Op, List: list(e.List)}
	case *compile.Func:
		f := *e
		f.Args = list(e.Args)
		return &f
	case *compile.Cast:
		return &compile.Cast{X: retable(e.X, tables), Type: e.Type}
	case *compile.Label:
		return &compile.Label{X: retable(e.X, tables), Name: e.Name}
	case *compile.Tuple:
		return &compile.Tuple{List: list(e.List)}
	case *compile.Raw:
		return &compile.Raw{SQL: e.SQL, Args: list(e.Args)}
	case *compile.Case:
		c := &compile.Case{Whens: make([]compile.When, len(e.Whens))}
		if e.Operand != nil {
			c.Operand = retable(e.Operand, tables)
		}
		if e.Else != nil {
			c.Else = retable(e.Else, tables)
		}
		for i, w := range e.Whens {
			c.Whens[i] = compile.When{Cond: retable(w.Cond, tables), Result: retable(w.Result, tables)}
		}
		return c
	}
	return e
}
