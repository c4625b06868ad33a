package ore

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ore-go/ore/compile"
)

// SelectStmt is a SELECT statement whose rows scan into R. Make one with
// [Select] or [Select1]...[Select6].
//
// A SelectStmt is an immutable value: every method returns a new statement
// and leaves its receiver unchanged, so a base query can be shared between
// goroutines and extended by each. Invalid input (a negative limit, a nil
// table, a join before any FROM item) is recorded; the first such error is
// returned when the statement is compiled or executed.
type SelectStmt[R any] struct {
	n   compile.Select
	err error
}

// Select returns SELECT cols, whose rows scan into R: a struct whose
// fields match the columns by tag or name, a map[string]any, or a single
// value when there is one column. For rows typed by the columns themselves
// use [Select1]...[Select6].
func Select[R any](cols ...Selectable) SelectStmt[R] {
	return SelectStmt[R]{n: compile.Select{Columns: nodesOf(cols)}}
}

// Select1 returns SELECT a, whose rows are single values of a's type.
func Select1[A any](a Expr[A]) SelectStmt[A] {
	return SelectStmt[A]{n: compile.Select{Columns: []compile.Expr{nodeOf(a)}}}
}

// Select2 returns SELECT a, b, whose rows are Row2[A, B].
func Select2[A, B any](a Expr[A], b Expr[B]) SelectStmt[Row2[A, B]] {
	return SelectStmt[Row2[A, B]]{n: compile.Select{Columns: []compile.Expr{nodeOf(a), nodeOf(b)}}}
}

// Select3 returns SELECT a, b, c, whose rows are Row3[A, B, C].
func Select3[A, B, C any](a Expr[A], b Expr[B], c Expr[C]) SelectStmt[Row3[A, B, C]] {
	return SelectStmt[Row3[A, B, C]]{n: compile.Select{Columns: []compile.Expr{nodeOf(a), nodeOf(b), nodeOf(c)}}}
}

// Select4 returns SELECT a, b, c, d, whose rows are Row4[A, B, C, D].
func Select4[A, B, C, D any](a Expr[A], b Expr[B], c Expr[C], d Expr[D]) SelectStmt[Row4[A, B, C, D]] {
	return SelectStmt[Row4[A, B, C, D]]{n: compile.Select{Columns: []compile.Expr{nodeOf(a), nodeOf(b), nodeOf(c), nodeOf(d)}}}
}

// Select5 returns SELECT a, b, c, d, e, whose rows are Row5[A, B, C, D, E].
func Select5[A, B, C, D, E any](a Expr[A], b Expr[B], c Expr[C], d Expr[D], e Expr[E]) SelectStmt[Row5[A, B, C, D, E]] {
	return SelectStmt[Row5[A, B, C, D, E]]{n: compile.Select{Columns: []compile.Expr{nodeOf(a), nodeOf(b), nodeOf(c), nodeOf(d), nodeOf(e)}}}
}

// Select6 returns SELECT a, b, c, d, e, f, whose rows are
// Row6[A, B, C, D, E, F].
func Select6[A, B, C, D, E, F any](a Expr[A], b Expr[B], c Expr[C], d Expr[D], e Expr[E], f Expr[F]) SelectStmt[Row6[A, B, C, D, E, F]] {
	return SelectStmt[Row6[A, B, C, D, E, F]]{n: compile.Select{Columns: []compile.Expr{nodeOf(a), nodeOf(b), nodeOf(c), nodeOf(d), nodeOf(e), nodeOf(f)}}}
}

// Build returns the statement's syntax tree, or the first error recorded
// while building it.
func (s SelectStmt[R]) Build() (compile.Stmt, error) {
	if s.err != nil {
		return nil, s.err
	}
	n := s.n
	return &n, nil
}

func (s SelectStmt[R]) queryNode() compile.Query {
	if s.err != nil {
		return &compile.Bad{Err: s.err}
	}
	n := s.n
	return &n
}

func (s SelectStmt[R]) rowType() (r R) { return r }

func (s *SelectStmt[R]) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Columns returns the statement with more columns in its select list. The
// row type R must still fit the wider rows.
func (s SelectStmt[R]) Columns(cols ...Selectable) SelectStmt[R] {
	s.n.Columns = grow(s.n.Columns, nodesOf(cols))
	return s
}

// Distinct returns the statement as SELECT DISTINCT.
func (s SelectStmt[R]) Distinct() SelectStmt[R] {
	s.n.Distinct = true
	return s
}

// DistinctOn returns the statement as SELECT DISTINCT ON (exprs): one row
// for each distinct value of exprs, the first in ORDER BY order. PostgreSQL
// only; compiling it for another database fails.
func (s SelectStmt[R]) DistinctOn(exprs ...Selectable) SelectStmt[R] {
	if len(exprs) == 0 {
		s.fail(errors.New("ore: DistinctOn with no expressions"))
		return s
	}
	s.n.DistinctOn = nodesOf(exprs)
	return s
}

// From returns the statement with items added to its FROM clause.
func (s SelectStmt[R]) From(items ...FromItem) SelectStmt[R] {
	s.n.From = grow(s.n.From, fromNodes(items))
	return s
}

// grow returns more appended to list, leaving list itself alone (it may be
// shared with the statement grow's result was derived from). An empty list
// is replaced by more, saving a copy.
func grow[E any](list, more []E) []E {
	if len(list) == 0 {
		return more
	}
	return append(slices.Clip(list), more...)
}

func fromNodes(items []FromItem) []compile.FromItem {
	out := make([]compile.FromItem, len(items))
	for i, it := range items {
		if isNil(it) {
			out[i] = &compile.Bad{Err: errors.New("ore: nil FROM item")}
			continue
		}
		out[i] = it.fromNode()
	}
	return out
}

// Join returns the statement with item inner-joined on on to the last FROM
// item.
func (s SelectStmt[R]) Join(item FromItem, on Expr[bool]) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.InnerJoin, item, on, false)
	return s
}

// LeftJoin returns the statement with item left-outer-joined on on.
func (s SelectStmt[R]) LeftJoin(item FromItem, on Expr[bool]) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.LeftJoin, item, on, false)
	return s
}

// RightJoin returns the statement with item right-outer-joined on on.
func (s SelectStmt[R]) RightJoin(item FromItem, on Expr[bool]) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.RightJoin, item, on, false)
	return s
}

// FullJoin returns the statement with item full-outer-joined on on.
func (s SelectStmt[R]) FullJoin(item FromItem, on Expr[bool]) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.FullJoin, item, on, false)
	return s
}

// CrossJoin returns the statement with item cross-joined.
func (s SelectStmt[R]) CrossJoin(item FromItem) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.CrossJoin, item, nil, false)
	return s
}

// JoinLateral returns the statement with the derived table item joined as
// LATERAL, so that its query can refer to the FROM items before it.
// PostgreSQL only.
func (s SelectStmt[R]) JoinLateral(item FromItem, on Expr[bool]) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.InnerJoin, item, on, true)
	return s
}

// LeftJoinLateral is the LEFT JOIN form of [SelectStmt.JoinLateral].
func (s SelectStmt[R]) LeftJoinLateral(item FromItem, on Expr[bool]) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.LeftJoin, item, on, true)
	return s
}

// CrossJoinLateral is the CROSS JOIN form of [SelectStmt.JoinLateral].
func (s SelectStmt[R]) CrossJoinLateral(item FromItem) SelectStmt[R] {
	s.n.From, s.err = addJoin(s.n.From, s.err, compile.CrossJoin, item, nil, true)
	return s
}

// addJoin replaces the last FROM item with a join of it and item.
func addJoin(from []compile.FromItem, err error, kind compile.JoinKind, item FromItem, on Expr[bool], lateral bool) ([]compile.FromItem, error) {
	if len(from) == 0 {
		if err == nil {
			err = errors.New("ore: join with nothing in FROM to join to; call From first")
		}
		return from, err
	}
	var right compile.FromItem
	if isNil(item) {
		right = &compile.Bad{Err: errors.New("ore: join of a nil FROM item")}
	} else {
		right = item.fromNode()
	}
	// The join and the new FROM list in one allocation, for the common
	// single FROM item.
	b := &struct {
		join compile.Join
		from [1]compile.FromItem
	}{join: compile.Join{Kind: kind, Left: from[len(from)-1], Right: right, Lateral: lateral}}
	if kind != compile.CrossJoin {
		b.join.On = nodeOf(on)
	}
	out := b.from[:]
	if len(from) > 1 {
		out = slices.Clone(from)
	}
	out[len(out)-1] = &b.join
	return out, err
}

// Where returns the statement with conds ANDed to its WHERE clause.
func (s SelectStmt[R]) Where(conds ...Expr[bool]) SelectStmt[R] {
	s.n.Where = andWith(s.n.Where, conds)
	return s
}

// andWith returns existing AND conds, flattening nested ANDs.
func andWith(existing compile.Expr, conds []Expr[bool]) compile.Expr {
	if len(conds) == 0 {
		return existing
	}
	if existing == nil && len(conds) == 1 {
		return nodeOf(conds[0])
	}
	var list []compile.Expr
	if l, ok := existing.(*compile.Logical); ok && l.Op == compile.OpAnd {
		list = slices.Clip(l.List)
	} else if existing != nil {
		list = []compile.Expr{existing}
	}
	return &compile.Logical{Op: compile.OpAnd, List: append(list, nodesOf(conds)...)}
}

// GroupBy returns the statement with exprs added to its GROUP BY clause.
func (s SelectStmt[R]) GroupBy(exprs ...Selectable) SelectStmt[R] {
	s.n.GroupBy = grow(s.n.GroupBy, nodesOf(exprs))
	return s
}

// Having returns the statement with conds ANDed to its HAVING clause.
func (s SelectStmt[R]) Having(conds ...Expr[bool]) SelectStmt[R] {
	s.n.Having = andWith(s.n.Having, conds)
	return s
}

// Window returns the statement with the named window name defined in its
// WINDOW clause, for [OverWindow].
func (s SelectStmt[R]) Window(name string, w Window) SelectStmt[R] {
	def := w.w
	s.n.Windows = append(slices.Clip(s.n.Windows), compile.NamedWindow{Name: name, Window: &def})
	return s
}

// OrderBy returns the statement with terms added to its ORDER BY clause.
func (s SelectStmt[R]) OrderBy(terms ...OrderTerm) SelectStmt[R] {
	s.n.OrderBy = grow(s.n.OrderBy, orderNodes(terms))
	return s
}

// Limit returns the statement returning at most n rows. A negative n is an
// error.
func (s SelectStmt[R]) Limit(n int) SelectStmt[R] {
	s.n.Limit = s.count("Limit", n)
	return s
}

// Offset returns the statement skipping its first n rows. A negative n is
// an error.
func (s SelectStmt[R]) Offset(n int) SelectStmt[R] {
	s.n.Offset = s.count("Offset", n)
	return s
}

// LimitExpr returns the statement with LIMIT e, for a [Param] limit.
func (s SelectStmt[R]) LimitExpr(e Expr[int64]) SelectStmt[R] {
	s.n.Limit = nodeOf(e)
	return s
}

// OffsetExpr returns the statement with OFFSET e, for a [Param] offset.
func (s SelectStmt[R]) OffsetExpr(e Expr[int64]) SelectStmt[R] {
	s.n.Offset = nodeOf(e)
	return s
}

func (s *SelectStmt[R]) count(what string, n int) compile.Expr {
	if n < 0 {
		s.fail(fmt.Errorf("ore: %s(%d): negative", what, n))
		return nil
	}
	return bind(int64(n))
}

// ForUpdate returns the statement with FOR UPDATE: the rows read are locked
// against concurrent updates until the transaction ends. Row locking is
// PostgreSQL's; compiling it for SQLite, whose transactions lock the whole
// database, fails rather than silently doing something else.
func (s SelectStmt[R]) ForUpdate() SelectStmt[R] { return s.lock(compile.ForUpdate) }

// ForNoKeyUpdate returns the statement with FOR NO KEY UPDATE.
func (s SelectStmt[R]) ForNoKeyUpdate() SelectStmt[R] { return s.lock(compile.ForNoKeyUpdate) }

// ForShare returns the statement with FOR SHARE.
func (s SelectStmt[R]) ForShare() SelectStmt[R] { return s.lock(compile.ForShare) }

// ForKeyShare returns the statement with FOR KEY SHARE.
func (s SelectStmt[R]) ForKeyShare() SelectStmt[R] { return s.lock(compile.ForKeyShare) }

func (s SelectStmt[R]) lock(strength compile.LockStrength) SelectStmt[R] {
	l := compile.Lock{Strength: strength}
	if s.n.Lock != nil {
		l.Of, l.Wait = s.n.Lock.Of, s.n.Lock.Wait
	}
	s.n.Lock = &l
	return s
}

// NoWait returns the statement's locking clause with NOWAIT: fail at once
// instead of waiting for a locked row. It needs a locking clause first.
func (s SelectStmt[R]) NoWait() SelectStmt[R] { return s.lockWait(compile.NoWait, "NoWait") }

// SkipLocked returns the statement's locking clause with SKIP LOCKED: leave
// out rows locked by others. It needs a locking clause first.
func (s SelectStmt[R]) SkipLocked() SelectStmt[R] {
	return s.lockWait(compile.SkipLocked, "SkipLocked")
}

func (s SelectStmt[R]) lockWait(w compile.LockWait, what string) SelectStmt[R] {
	if s.n.Lock == nil {
		s.fail(fmt.Errorf("ore: %s without ForUpdate or ForShare", what))
		return s
	}
	l := *s.n.Lock
	l.Wait = w
	s.n.Lock = &l
	return s
}

// LockOf returns the statement's locking clause restricted to the rows of
// tables (FOR UPDATE OF ...). It needs a locking clause first.
func (s SelectStmt[R]) LockOf(tables ...Source) SelectStmt[R] {
	if s.n.Lock == nil {
		s.fail(errors.New("ore: LockOf without ForUpdate or ForShare"))
		return s
	}
	l := *s.n.Lock
	l.Of = make([]*compile.Table, 0, len(tables))
	for _, t := range tables {
		if isNil(t) {
			s.fail(errNilTable)
			return s
		}
		l.Of = append(l.Of, t.sourceTable())
	}
	s.n.Lock = &l
	return s
}

// With returns the statement with common table expressions added to its
// WITH clause.
func (s SelectStmt[R]) With(ctes ...CTE) SelectStmt[R] {
	w, err := mergeWith(s.n.With, false, ctes)
	s.n.With = w
	if err != nil {
		s.fail(err)
	}
	return s
}

// WithRecursive is [SelectStmt.With] for WITH RECURSIVE, whose expressions
// may refer to themselves.
func (s SelectStmt[R]) WithRecursive(ctes ...CTE) SelectStmt[R] {
	w, err := mergeWith(s.n.With, true, ctes)
	s.n.With = w
	if err != nil {
		s.fail(err)
	}
	return s
}

// Union returns s UNION q: the distinct rows of both.
func (s SelectStmt[R]) Union(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Union, false, q)
}

// UnionAll returns s UNION ALL q: the rows of both, duplicates kept.
func (s SelectStmt[R]) UnionAll(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Union, true, q)
}

// Intersect returns s INTERSECT q: the distinct rows in both.
func (s SelectStmt[R]) Intersect(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Intersect, false, q)
}

// IntersectAll returns s INTERSECT ALL q. PostgreSQL only.
func (s SelectStmt[R]) IntersectAll(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Intersect, true, q)
}

// Except returns s EXCEPT q: the distinct rows of s not in q.
func (s SelectStmt[R]) Except(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Except, false, q)
}

// ExceptAll returns s EXCEPT ALL q. PostgreSQL only.
func (s SelectStmt[R]) ExceptAll(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Except, true, q)
}

// ----------------------------------------------------------------------------
// Set operations

// CompoundStmt is queries combined by set operators (UNION, INTERSECT,
// EXCEPT), whose rows scan into R. Like [SelectStmt] it is immutable.
type CompoundStmt[R any] struct {
	n   compile.Compound
	err error
}

func compound[R any](left AnyQuery, op compile.SetOp, all bool, right Query[R]) CompoundStmt[R] {
	return CompoundStmt[R]{n: compile.Compound{Op: op, All: all, Left: queryNode(left), Right: queryNode(right)}}
}

// Build returns the statement's syntax tree, or the first error recorded
// while building it.
func (s CompoundStmt[R]) Build() (compile.Stmt, error) {
	if s.err != nil {
		return nil, s.err
	}
	n := s.n
	return &n, nil
}

func (s CompoundStmt[R]) queryNode() compile.Query {
	if s.err != nil {
		return &compile.Bad{Err: s.err}
	}
	n := s.n
	return &n
}

func (s CompoundStmt[R]) rowType() (r R) { return r }

// Union returns s UNION q.
func (s CompoundStmt[R]) Union(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Union, false, q)
}

// UnionAll returns s UNION ALL q.
func (s CompoundStmt[R]) UnionAll(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Union, true, q)
}

// Intersect returns s INTERSECT q.
func (s CompoundStmt[R]) Intersect(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Intersect, false, q)
}

// IntersectAll returns s INTERSECT ALL q. PostgreSQL only.
func (s CompoundStmt[R]) IntersectAll(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Intersect, true, q)
}

// Except returns s EXCEPT q.
func (s CompoundStmt[R]) Except(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Except, false, q)
}

// ExceptAll returns s EXCEPT ALL q. PostgreSQL only.
func (s CompoundStmt[R]) ExceptAll(q Query[R]) CompoundStmt[R] {
	return compound[R](s, compile.Except, true, q)
}

// OrderBy returns the statement with terms added to its ORDER BY clause,
// which sorts the combined rows. Columns are referred to by their output
// names.
func (s CompoundStmt[R]) OrderBy(terms ...OrderTerm) CompoundStmt[R] {
	s.n.OrderBy = grow(s.n.OrderBy, orderNodes(terms))
	return s
}

// Limit returns the statement returning at most n of the combined rows.
func (s CompoundStmt[R]) Limit(n int) CompoundStmt[R] {
	if n < 0 {
		s.fail(fmt.Errorf("ore: Limit(%d): negative", n))
		return s
	}
	s.n.Limit = bind(int64(n))
	return s
}

// Offset returns the statement skipping the first n combined rows.
func (s CompoundStmt[R]) Offset(n int) CompoundStmt[R] {
	if n < 0 {
		s.fail(fmt.Errorf("ore: Offset(%d): negative", n))
		return s
	}
	s.n.Offset = bind(int64(n))
	return s
}

// With returns the statement with common table expressions added to its
// WITH clause.
func (s CompoundStmt[R]) With(ctes ...CTE) CompoundStmt[R] {
	w, err := mergeWith(s.n.With, false, ctes)
	s.n.With = w
	if err != nil {
		s.fail(err)
	}
	return s
}

func (s *CompoundStmt[R]) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// ----------------------------------------------------------------------------
// Subqueries

// DerivedTable is a subquery in FROM, made by [Subquery]. Refer to its
// columns with [Ref] or [Column].
type DerivedTable struct {
	n   *compile.Derived
	ref *compile.Table
}

// Subquery returns q as a derived table named alias, for FROM and joins.
func Subquery(q AnyQuery, alias string) DerivedTable {
	return DerivedTable{
		n:   &compile.Derived{Query: queryNode(q), Alias: alias},
		ref: &compile.Table{Name: alias},
	}
}

func (d DerivedTable) fromNode() compile.FromItem {
	if d.n == nil {
		return &compile.Bad{Err: errors.New("ore: zero DerivedTable; make one with ore.Subquery")}
	}
	return d.n
}

func (d DerivedTable) sourceTable() *compile.Table {
	if d.ref == nil {
		return &compile.Table{}
	}
	return d.ref
}

// ScalarSubquery returns q, which must produce one row of one column, as an
// expression of its column's type.
func ScalarSubquery[T any](q Query[T]) Expr[T] {
	return boxed[T](compile.Subquery{Query: queryNode(q)})
}

// Exists returns EXISTS (q).
func Exists(q AnyQuery) Expr[bool] { return boxed[bool](compile.Exists{Query: queryNode(q)}) }

// NotExists returns NOT EXISTS (q).
func NotExists(q AnyQuery) Expr[bool] {
	return boxed[bool](compile.Exists{Query: queryNode(q), Not: true})
}
