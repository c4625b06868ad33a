package compile

import (
	"reflect"
	"strconv"
)

// stmt writes a statement, checking that columns refer to tables in scope.
func (c *Compiler) stmt(s Stmt) {
	c.check = true
	switch s := s.(type) {
	case nil:
		c.failf("missing statement")
	case *Select:
		c.selectStmt(s, false)
	case *Compound:
		c.compound(s, false)
	case *Insert:
		c.insert(s)
	case *Update:
		c.update(s)
	case *Delete:
		c.delete(s)
	case *Raw:
		c.raw(s)
	case *Bad:
		c.Fail(s.Err)
	case *CreateTable, *DropTable, *CreateIndex, *DropIndex, *AddForeignKey, *DropConstraint:
		c.ddl(s)
	default:
		panic("bug: compile: unexpected statement " + reflect.TypeOf(s).String())
	}
}

func (c *Compiler) query(q Query) {
	switch q := q.(type) {
	case *Select:
		c.selectStmt(q, false)
	case *Compound:
		c.compound(q, false)
	default:
		c.stmt(q)
	}
}

// ----------------------------------------------------------------------------
// Scope

// pushFrom makes the names of the FROM items visible and returns the mark to
// pop back to.
func (c *Compiler) pushFrom(items ...FromItem) int {
	mark := len(c.scope)
	for _, it := range items {
		c.addScope(it)
	}
	return mark
}

func (c *Compiler) addScope(it FromItem) {
	switch it := it.(type) {
	case *Table:
		if it.Alias != "" {
			c.scope = append(c.scope, scopeEntry{name: it.Alias})
		} else {
			c.scope = append(c.scope, scopeEntry{schema: it.Schema, name: it.Name})
		}
	case *Join:
		c.addScope(it.Left)
		c.addScope(it.Right)
	case *Derived:
		c.scope = append(c.scope, scopeEntry{name: it.Alias})
	case *Raw:
		c.scope = append(c.scope, scopeEntry{any: true})
	case *Bad:
		// Report a FROM item that could not be built before the columns
		// that would otherwise complain of its absence.
		c.Fail(it.Err)
	}
}

func (c *Compiler) popScope(mark int) {
	clear(c.scope[mark:])
	c.scope = c.scope[:mark]
}

// visible reports whether columns of t may be used here: t is in the FROM
// of the current statement or of an enclosing one (a correlated reference),
// or the compiler is not checking.
func (c *Compiler) visible(t *Table) bool {
	if !c.check || c.mode == modeKey {
		// A key only finds SQL rendered, and so checked, from a statement
		// of the same shape.
		return true
	}
	name := t.RefName()
	for i := len(c.scope) - 1; i >= 0; i-- {
		e := c.scope[i]
		if e.any || e.name == name && (t.Alias != "" || t.Schema == "" || e.schema == "" || e.schema == t.Schema) {
			return true
		}
	}
	return false
}

// notInFrom records the error for a reference (what) to t where t is not
// visible.
func (c *Compiler) notInFrom(t *Table, what string) {
	c.failf("%s refers to table %q, which is not in FROM", what, t.RefName())
}

// ----------------------------------------------------------------------------
// Clauses shared by several statements

func (c *Compiler) with(w *With) {
	if w == nil {
		return
	}
	if len(w.CTEs) == 0 {
		c.failf("WITH with no common table expressions")
		return
	}
	c.WriteString("WITH ")
	if w.Recursive {
		c.WriteString("RECURSIVE ")
	}
	for i, cte := range w.CTEs {
		if i > 0 {
			c.WriteString(", ")
		}
		if cte == nil {
			c.failf("nil common table expression")
			return
		}
		c.WriteIdent(cte.Name)
		if len(cte.Columns) > 0 {
			c.WriteString(" (")
			c.identList(cte.Columns)
			c.WriteString(")")
		}
		c.WriteString(" AS ")
		switch cte.Materialized {
		case Materialized:
			if c.need(FeatCTEMaterialized) {
				c.WriteString("MATERIALIZED ")
			}
		case NotMaterialized:
			if c.need(FeatCTEMaterialized) {
				c.WriteString("NOT MATERIALIZED ")
			}
		}
		c.WriteString("(")
		switch s := cte.Stmt.(type) {
		case Query:
			c.query(s)
		case nil:
			c.failf("common table expression %q has no statement", cte.Name)
		default:
			if c.need(FeatDMLInCTE) {
				c.stmt(s)
			}
		}
		c.WriteString(")")
	}
	c.WriteString(" ")
}

func (c *Compiler) identList(names []string) {
	for i, n := range names {
		if i > 0 {
			c.WriteString(", ")
		}
		c.WriteIdent(n)
	}
}

func (c *Compiler) tableName(t *Table) {
	if t.Schema != "" {
		c.WriteIdent(t.Schema)
		c.WriteString(".")
	}
	c.WriteIdent(t.Name)
	if t.Alias != "" {
		c.WriteString(" AS ")
		c.WriteIdent(t.Alias)
	}
}

func (c *Compiler) fromList(items []FromItem) {
	for i, it := range items {
		if i > 0 {
			c.WriteString(", ")
		}
		c.fromItem(it)
	}
}

func (c *Compiler) fromItem(it FromItem) {
	switch it := it.(type) {
	case nil:
		c.failf("missing FROM item")
	case *Table:
		c.tableName(it)
	case *Join:
		c.join(it)
	case *Derived:
		c.derived(it, false)
	case *Raw:
		c.raw(it)
	case *Bad:
		c.Fail(it.Err)
	default:
		panic("bug: compile: unexpected FROM item " + reflect.TypeOf(it).String())
	}
}

// derived writes a subquery in FROM. It sees the enclosing queries' names
// but not its sibling FROM items, unless it is LATERAL.
func (c *Compiler) derived(d *Derived, lateral bool) {
	if d.Alias == "" {
		c.failf("subquery in FROM needs an alias")
		return
	}
	if lateral {
		c.subquery(d.Query)
	} else {
		saved := c.scope
		c.scope = c.scope[:c.levelStart:c.levelStart]
		c.subquery(d.Query)
		c.scope = saved
	}
	c.WriteString(" AS ")
	c.WriteIdent(d.Alias)
	if len(d.Columns) > 0 {
		c.WriteString(" (")
		c.identList(d.Columns)
		c.WriteString(")")
	}
}

var joinText = [...]string{
	InnerJoin: " JOIN ",
	LeftJoin:  " LEFT JOIN ",
	RightJoin: " RIGHT JOIN ",
	FullJoin:  " FULL JOIN ",
	CrossJoin: " CROSS JOIN ",
}

func (c *Compiler) join(j *Join) {
	if int(j.Kind) >= len(joinText) || joinText[j.Kind] == "" {
		c.failf("unknown join kind %d", j.Kind)
		return
	}
	switch j.Kind {
	case RightJoin:
		c.need(FeatRightJoin)
	case FullJoin:
		c.need(FeatFullJoin)
	}
	c.fromItem(j.Left)
	c.WriteString(joinText[j.Kind])
	switch r := j.Right.(type) {
	case *Derived:
		if j.Lateral {
			if !c.need(FeatLateral) {
				return
			}
			c.WriteString("LATERAL ")
		}
		c.derived(r, j.Lateral)
	case *Join:
		c.WriteString("(")
		c.fromItem(r)
		c.WriteString(")")
	default:
		c.fromItem(r)
	}
	if _, ok := j.Right.(*Derived); j.Lateral && !ok {
		c.failf("LATERAL needs a subquery")
		return
	}
	switch {
	case j.Kind == CrossJoin:
		if j.On != nil {
			c.failf("CROSS JOIN with a condition")
		}
	case j.On == nil:
		c.failf("join without a condition (use a cross join)")
	default:
		c.WriteString(" ON ")
		c.expr(j.On, precLowest)
	}
}

func (c *Compiler) where(e Expr) {
	if e != nil {
		c.WriteString(" WHERE ")
		c.expr(e, precLowest)
	}
}

// orderBy writes a statement's ORDER BY. bare writes columns unqualified,
// as a compound query's ORDER BY needs (it sees only output names).
func (c *Compiler) orderBy(items []OrderBy, bare bool) {
	if len(items) == 0 {
		return
	}
	saved := c.bareColumns
	c.bareColumns = bare
	c.WriteString(" ORDER BY ")
	c.orderByList(items, true)
	c.bareColumns = saved
}

func (c *Compiler) limitOffset(limit, offset Expr) {
	if limit == nil && offset == nil {
		return
	}
	if c.lo != nil {
		c.lo.CompileLimitOffset(c, limit, offset)
		return
	}
	if limit != nil {
		c.WriteString(" LIMIT ")
		c.expr(limit, precPrimary)
	}
	if offset != nil {
		c.WriteString(" OFFSET ")
		c.expr(offset, precPrimary)
	}
}

func (c *Compiler) returning(target *Table, list []Expr) {
	if len(list) == 0 || !c.need(FeatReturning) {
		return
	}
	c.WriteString(" RETURNING ")
	c.retTarget = target
	c.selectList(list)
	c.retTarget = nil
}

// ----------------------------------------------------------------------------
// SELECT and compound queries

// selectStmt writes a SELECT. forceWhere writes "WHERE TRUE" when FROM
// would otherwise end the query, for dialects that would read a following
// ON CONFLICT as a join's ON.
func (c *Compiler) selectStmt(s *Select, forceWhere bool) {
	c.with(s.With)
	mark := c.pushFrom(s.From...)
	savedLevel := c.levelStart
	c.levelStart = mark
	defer func() {
		c.popScope(mark)
		c.levelStart = savedLevel
	}()

	c.WriteString("SELECT ")
	if len(s.DistinctOn) > 0 {
		if c.need(FeatDistinctOn) {
			c.WriteString("DISTINCT ON (")
			c.exprList(s.DistinctOn)
			c.WriteString(") ")
		}
	} else if s.Distinct {
		c.WriteString("DISTINCT ")
	}
	if len(s.Columns) == 0 {
		c.failf("SELECT with no columns")
		return
	}
	c.selectList(s.Columns)

	if len(s.From) > 0 {
		c.WriteString(" FROM ")
		c.fromList(s.From)
	}
	c.where(s.Where)
	if forceWhere && s.Where == nil && len(s.From) > 0 && len(s.GroupBy) == 0 && s.Having == nil &&
		len(s.Windows) == 0 && len(s.OrderBy) == 0 && s.Limit == nil && s.Offset == nil && s.Lock == nil {
		c.WriteString(" WHERE TRUE")
	}
	if len(s.GroupBy) > 0 {
		c.WriteString(" GROUP BY ")
		c.exprList(s.GroupBy)
	}
	if s.Having != nil {
		c.WriteString(" HAVING ")
		c.expr(s.Having, precLowest)
	}
	if len(s.Windows) > 0 && c.need(FeatWindowFunctions) {
		c.WriteString(" WINDOW ")
		for i, w := range s.Windows {
			if i > 0 {
				c.WriteString(", ")
			}
			if w.Window == nil {
				c.failf("window %q has no definition", w.Name)
				return
			}
			c.WriteIdent(w.Name)
			c.WriteString(" AS ")
			c.window(w.Window)
		}
	}
	c.orderBy(s.OrderBy, false)
	c.limitOffset(s.Limit, s.Offset)
	if s.Lock != nil {
		c.lock(s.Lock)
	}
}

func (c *Compiler) lock(l *Lock) {
	if !c.need(FeatRowLocking) {
		return
	}
	switch l.Strength {
	case ForUpdate:
		c.WriteString(" FOR UPDATE")
	case ForShare:
		c.WriteString(" FOR SHARE")
	case ForNoKeyUpdate:
		if c.need(FeatKeyLocking) {
			c.WriteString(" FOR NO KEY UPDATE")
		}
	case ForKeyShare:
		if c.need(FeatKeyLocking) {
			c.WriteString(" FOR KEY SHARE")
		}
	default:
		c.failf("unknown lock strength %d", l.Strength)
	}
	if len(l.Of) > 0 && c.need(FeatLockOf) {
		c.WriteString(" OF ")
		for i, t := range l.Of {
			if i > 0 {
				c.WriteString(", ")
			}
			if !c.visible(t) {
				c.notInFrom(t, "FOR UPDATE OF "+strconv.Quote(t.RefName()))
			}
			c.WriteIdent(t.RefName())
		}
	}
	switch l.Wait {
	case NoWait:
		if c.need(FeatLockWait) {
			c.WriteString(" NOWAIT")
		}
	case SkipLocked:
		if c.need(FeatLockWait) {
			c.WriteString(" SKIP LOCKED")
		}
	}
}

var setOpText = [...]string{Union: " UNION ", Intersect: " INTERSECT ", Except: " EXCEPT "}

func (c *Compiler) compound(q *Compound, forceWhere bool) {
	if int(q.Op) >= len(setOpText) || setOpText[q.Op] == "" {
		c.failf("unknown set operator %d", q.Op)
		return
	}
	if q.Left == nil || q.Right == nil {
		c.failf("set operation with a missing operand")
		return
	}
	c.with(q.With)
	c.setOperand(q.Left, needsGrouping(q.Left, q, true), false)
	c.WriteString(setOpText[q.Op])
	if q.All {
		if q.Op != Union {
			c.need(FeatSetOpAll)
		}
		c.WriteString("ALL ")
	}
	// Only the last operand can end the statement.
	last := forceWhere && len(q.OrderBy) == 0 && q.Limit == nil && q.Offset == nil
	c.setOperand(q.Right, needsGrouping(q.Right, q, false), last)
	c.orderBy(q.OrderBy, true)
	c.limitOffset(q.Limit, q.Offset)
}

// needsGrouping reports whether operand m of parent must be set apart:
// because it has clauses of its own that would otherwise apply to the whole
// compound, or because the databases would group the operators differently
// (PostgreSQL ranks INTERSECT above UNION and EXCEPT; SQLite reads left to
// right).
func needsGrouping(m Query, parent *Compound, left bool) bool {
	switch m := m.(type) {
	case *Select:
		return m.With != nil || len(m.OrderBy) > 0 || m.Limit != nil || m.Offset != nil || m.Lock != nil
	case *Compound:
		if m.With != nil || len(m.OrderBy) > 0 || m.Limit != nil || m.Offset != nil || !left {
			return true
		}
		return parent.Op == Intersect && m.Op != Intersect
	}
	return false
}

func (c *Compiler) setOperand(m Query, group, forceWhere bool) {
	if !group {
		switch m := m.(type) {
		case *Select:
			c.selectStmt(m, forceWhere)
		case *Compound:
			c.compound(m, forceWhere)
		default:
			c.query(m)
		}
		return
	}
	if c.feat.Has(FeatParenSetOperands) {
		c.WriteString("(")
		c.query(m)
		c.WriteString(")")
		return
	}
	c.WriteString("SELECT * FROM (")
	c.query(m)
	c.WriteString(")")
}

// ----------------------------------------------------------------------------
// INSERT, UPDATE, DELETE

func (c *Compiler) target(t *Table, verb string) bool {
	if t == nil {
		c.failf("%s without a table", verb)
		return false
	}
	c.tableName(t)
	return true
}

func (c *Compiler) insert(s *Insert) {
	c.with(s.With)
	c.WriteString("INSERT INTO ")
	if !c.target(s.Table, "INSERT") {
		return
	}
	sources := 0
	if len(s.Rows) > 0 {
		sources++
	}
	if s.Query != nil {
		sources++
	}
	if s.DefaultValues {
		sources++
	}
	if sources != 1 {
		c.failf("INSERT INTO %q needs exactly one of VALUES rows, a query, or DEFAULT VALUES", s.Table.Name)
		return
	}
	if s.DefaultValues {
		if len(s.Columns) > 0 {
			c.failf("INSERT INTO %q with DEFAULT VALUES and columns", s.Table.Name)
			return
		}
		c.WriteString(" DEFAULT VALUES")
	} else {
		if len(s.Columns) > 0 {
			c.WriteString(" (")
			c.identList(s.Columns)
			c.WriteString(")")
		}
		if s.Query != nil {
			c.WriteString(" ")
			forceWhere := s.OnConflict != nil && c.feat.Has(FeatUpsertSelectNeedsWhere)
			switch q := s.Query.(type) {
			case *Select:
				c.selectStmt(q, forceWhere)
			case *Compound:
				c.compound(q, forceWhere)
			default:
				c.query(q)
			}
		} else {
			if len(s.Columns) == 0 {
				c.failf("INSERT INTO %q with values but no columns", s.Table.Name)
				return
			}
			c.WriteString(" VALUES ")
			// Only correlated references could be visible here, and VALUES
			// rows have none: hide enclosing names too.
			saved := c.scope
			c.scope = nil
			for i, row := range s.Rows {
				if len(row) != len(s.Columns) {
					c.failf("INSERT INTO %q: row %d has %d values for %d columns", s.Table.Name, i+1, len(row), len(s.Columns))
					c.scope = saved
					return
				}
				if i > 0 {
					c.WriteString(", ")
				}
				c.WriteString("(")
				c.exprList(row)
				c.WriteString(")")
			}
			c.scope = saved
		}
	}
	mark := c.pushFrom(s.Table)
	defer c.popScope(mark)
	if s.OnConflict != nil {
		c.onConflict(s.OnConflict)
	}
	c.returning(s.Table, s.Returning)
}

func (c *Compiler) onConflict(oc *OnConflict) {
	if !c.need(FeatOnConflict) {
		return
	}
	c.WriteString(" ON CONFLICT")
	switch {
	case oc.Constraint != "" && len(oc.Target) > 0:
		c.failf("ON CONFLICT with both a constraint and a target")
		return
	case oc.Constraint != "":
		if c.need(FeatOnConstraint) {
			c.WriteString(" ON CONSTRAINT ")
			c.WriteIdent(oc.Constraint)
		}
	case len(oc.Target) > 0:
		// The target names the unique index by its columns or expressions,
		// written as in CREATE INDEX: unqualified.
		c.bareColumns = true
		c.WriteString(" (")
		c.exprList(oc.Target)
		c.WriteString(")")
		c.where(oc.TargetWhere)
		c.bareColumns = false
	case oc.TargetWhere != nil:
		c.failf("ON CONFLICT WHERE without a conflict target")
		return
	}
	switch oc.Action {
	case DoNothing:
		c.WriteString(" DO NOTHING")
	case DoUpdate:
		if oc.Constraint == "" && len(oc.Target) == 0 {
			c.failf("ON CONFLICT DO UPDATE needs a conflict target or a constraint")
			return
		}
		c.WriteString(" DO UPDATE SET ")
		c.excludedOK = true
		c.assignments(oc.Set)
		c.where(oc.Where)
		c.excludedOK = false
	default:
		c.failf("ON CONFLICT without an action")
	}
}

func (c *Compiler) assignments(set []Assign) {
	if len(set) == 0 {
		c.failf("SET with no columns")
		return
	}
	for i, a := range set {
		if i > 0 {
			c.WriteString(", ")
		}
		c.WriteIdent(a.Column)
		c.WriteString(" = ")
		c.expr(a.Value, precLowest)
	}
}

func (c *Compiler) update(s *Update) {
	c.with(s.With)
	c.WriteString("UPDATE ")
	if !c.target(s.Table, "UPDATE") {
		return
	}
	mark := c.pushFrom(s.Table)
	defer c.popScope(mark)
	c.pushFrom(s.From...)
	c.WriteString(" SET ")
	c.assignments(s.Set)
	if len(s.From) > 0 && c.need(FeatUpdateFrom) {
		c.WriteString(" FROM ")
		c.fromList(s.From)
	}
	c.where(s.Where)
	c.returning(s.Table, s.Returning)
}

func (c *Compiler) delete(s *Delete) {
	c.with(s.With)
	c.WriteString("DELETE FROM ")
	if !c.target(s.Table, "DELETE") {
		return
	}
	mark := c.pushFrom(s.Table)
	defer c.popScope(mark)
	switch {
	case len(s.Using) == 0:
		c.where(s.Where)
	case c.feat.Has(FeatDeleteUsing):
		c.pushFrom(s.Using...)
		c.WriteString(" USING ")
		c.fromList(s.Using)
		c.where(s.Where)
	default:
		// The target's rows that some row of the USING items matches: the
		// same rows DELETE ... USING removes.
		c.pushFrom(s.Using...)
		c.WriteString(" WHERE EXISTS (SELECT 1 FROM ")
		c.fromList(s.Using)
		c.where(s.Where)
		c.WriteString(")")
	}
	c.returning(s.Table, s.Returning)
}
