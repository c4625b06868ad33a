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
		c.compound(s)
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
	default:
		panic("bug: compile: unexpected statement " + reflect.TypeOf(s).String())
	}
}

func (c *Compiler) query(q Query) {
	switch q := q.(type) {
	case *Select:
		c.selectStmt(q, false)
	case *Compound:
		c.compound(q)
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
	if !c.check {
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
		if it.Alias == "" {
			c.failf("subquery in FROM needs an alias")
			return
		}
		c.subquery(it.Query)
		c.WriteString(" AS ")
		c.WriteIdent(it.Alias)
		if len(it.Columns) > 0 {
			c.WriteString(" (")
			c.identList(it.Columns)
			c.WriteString(")")
		}
	case *Raw:
		c.raw(it)
	case *Bad:
		c.Fail(it.Err)
	default:
		panic("bug: compile: unexpected FROM item " + reflect.TypeOf(it).String())
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
	if j.Lateral && c.need(FeatLateral) {
		c.WriteString("LATERAL ")
	}
	if _, nested := j.Right.(*Join); nested {
		c.WriteString("(")
		c.fromItem(j.Right)
		c.WriteString(")")
	} else {
		c.fromItem(j.Right)
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

func (c *Compiler) orderBy(items []OrderBy, cl clause) {
	if len(items) == 0 {
		return
	}
	saved := c.clause
	c.clause = cl
	c.WriteString(" ORDER BY ")
	c.orderByList(items)
	c.clause = saved
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
	saved := c.clause
	c.clause, c.retTarget = clauseSelectList, target
	c.exprList(list)
	c.clause, c.retTarget = saved, nil
}

// ----------------------------------------------------------------------------
// SELECT and compound queries

// selectStmt writes a SELECT. forceWhere writes "WHERE TRUE" when the query
// has no WHERE, for dialects that cannot otherwise parse it before ON CONFLICT.
func (c *Compiler) selectStmt(s *Select, forceWhere bool) {
	c.with(s.With)
	mark := c.pushFrom(s.From...)
	defer c.popScope(mark)

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
	saved := c.clause
	c.clause = clauseSelectList
	c.exprList(s.Columns)
	c.clause = saved

	if len(s.From) > 0 {
		c.WriteString(" FROM ")
		c.fromList(s.From)
	}
	switch {
	case s.Where != nil:
		c.where(s.Where)
	case forceWhere && len(s.From) > 0:
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
	c.orderBy(s.OrderBy, clauseOrderBy)
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

func (c *Compiler) compound(q *Compound) {
	if int(q.Op) >= len(setOpText) || setOpText[q.Op] == "" {
		c.failf("unknown set operator %d", q.Op)
		return
	}
	if q.Left == nil || q.Right == nil {
		c.failf("set operation with a missing operand")
		return
	}
	c.with(q.With)
	c.setOperand(q.Left, needsGrouping(q.Left, q, true))
	c.WriteString(setOpText[q.Op])
	if q.All {
		if q.Op != Union {
			c.need(FeatSetOpAll)
		}
		c.WriteString("ALL ")
	}
	c.setOperand(q.Right, needsGrouping(q.Right, q, false))
	c.orderBy(q.OrderBy, clauseCompoundOrder)
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

func (c *Compiler) setOperand(m Query, group bool) {
	if !group {
		c.query(m)
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
			if sel, ok := s.Query.(*Select); ok && s.OnConflict != nil && c.feat.Has(FeatUpsertSelectNeedsWhere) {
				c.selectStmt(sel, true)
			} else {
				c.query(s.Query)
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
	case oc.Constraint != "" && len(oc.Columns) > 0:
		c.failf("ON CONFLICT with both a constraint and columns")
		return
	case oc.Constraint != "":
		if c.need(FeatOnConstraint) {
			c.WriteString(" ON CONSTRAINT ")
			c.WriteIdent(oc.Constraint)
		}
	case len(oc.Columns) > 0:
		c.WriteString(" (")
		c.identList(oc.Columns)
		c.WriteString(")")
		c.where(oc.TargetWhere)
	}
	switch oc.Action {
	case DoNothing:
		c.WriteString(" DO NOTHING")
	case DoUpdate:
		if oc.Constraint == "" && len(oc.Columns) == 0 {
			c.failf("ON CONFLICT DO UPDATE needs conflict columns or a constraint")
			return
		}
		c.WriteString(" DO UPDATE SET ")
		c.assignments(oc.Set)
		c.where(oc.Where)
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
