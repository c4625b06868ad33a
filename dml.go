package ore

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ore-go/ore/compile"
)

// ----------------------------------------------------------------------------
// INSERT

// InsertStmt is an INSERT statement, made by [Insert]. Like [SelectStmt] it
// is an immutable value whose first recorded error is returned at
// compilation.
type InsertStmt struct {
	n    compile.Insert
	t    *Table
	rows *rowBuf // backs n.Rows; or nil
	err  error
}

// rowBuf holds the VALUES rows of a chain of InsertStmt values built one
// Values call after another. Rows are only appended, never changed, and a
// statement sees only its first len(n.Rows): so the statement whose rows
// end where the buffer ends may append in place (and adding rows one by one
// costs no copying), while any other forks a buffer of its own.
type rowBuf struct {
	mu   sync.Mutex
	rows [][]compile.Expr
}

// appendRow returns the statement's rows with row added.
func (s *InsertStmt) appendRow(row []compile.Expr) {
	n := len(s.n.Rows)
	if n == 0 {
		// Most inserts have one row: no buffer until a second comes.
		s.n.Rows = [][]compile.Expr{row}
		return
	}
	if s.rows != nil {
		s.rows.mu.Lock()
		if len(s.rows.rows) == n {
			s.rows.rows = append(s.rows.rows, row)
			s.n.Rows = s.rows.rows[: n+1 : n+1]
			s.rows.mu.Unlock()
			return
		}
		s.rows.mu.Unlock()
	}
	rows := make([][]compile.Expr, n+1, 2*(n+1))
	copy(rows, s.n.Rows)
	rows[n] = row
	s.rows = &rowBuf{rows: rows}
	s.n.Rows = rows[: n+1 : n+1]
}

// Insert returns INSERT INTO t. Give it rows with Values, a query with
// Select, or DefaultValues.
func Insert(t TableRef) InsertStmt {
	tbl, err := tableOf(t)
	s := InsertStmt{t: tbl, err: err}
	if tbl != nil {
		s.n.Table = &tbl.node
	}
	return s
}

func (s *InsertStmt) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Build returns the statement's syntax tree, or the first error recorded
// while building it.
func (s InsertStmt) Build() (compile.Stmt, error) {
	if s.err != nil {
		return nil, s.err
	}
	n := s.n
	return &n, nil
}

// Values returns the statement with one more row, given as assignments
// (Users.Name.To("ann")). The first row decides the column list; every
// other row must assign the same columns, in any order.
func (s InsertStmt) Values(assigns ...Assignment) InsertStmt {
	if s.t == nil {
		return s // the missing table is recorded already
	}
	if s.n.Query != nil || s.n.DefaultValues {
		s.fail(errors.New("ore: Values on an INSERT that has a query or DEFAULT VALUES"))
		return s
	}
	if err := checkAssignments(s.t, nil, assigns, "insert into"); err != nil {
		s.fail(err)
		return s
	}
	values := make([]compile.Expr, len(assigns))
	binds := bindsFor(assigns)
	for i, a := range assigns {
		values[i] = a.node(&binds)
	}
	if len(s.n.Rows) == 0 {
		cols := make([]string, len(assigns))
		for i, a := range assigns {
			cols[i] = a.column
		}
		s.n.Columns = cols
		s.appendRow(values)
		return s
	}
	if len(assigns) != len(s.n.Columns) {
		s.fail(fmt.Errorf("ore: insert into %q: row %d assigns %d columns, the first row %d", s.t.Name(), len(s.n.Rows)+1, len(assigns), len(s.n.Columns)))
		return s
	}
	row := values
	if !sameColumns(s.n.Columns, assigns) {
		row = make([]compile.Expr, len(assigns))
		for j, a := range assigns {
			i := slices.Index(s.n.Columns, a.column)
			if i < 0 {
				s.fail(fmt.Errorf("ore: insert into %q: row %d assigns %q, which the first row does not", s.t.Name(), len(s.n.Rows)+1, a.column))
				return s
			}
			row[i] = values[j]
		}
	}
	s.appendRow(row)
	return s
}

// checkAssignments reports the first assignment that failed to build, that
// names a column of another table, or that repeats a column of assigns or
// of assigned (the columns assigned before).
func checkAssignments(t *Table, assigned []compile.Assign, assigns []Assignment, verb string) error {
	if t == nil {
		return nil // the statement has recorded its table error already
	}
	if len(assigns) == 0 {
		return fmt.Errorf("ore: %s %q: no columns assigned", verb, t.Name())
	}
	for i, a := range assigns {
		if a.err != nil {
			return fmt.Errorf("ore: %s %q: %w", verb, t.Name(), a.err)
		}
		if a.table != nil && (a.table.Name != t.node.Name || a.table.Schema != t.node.Schema) {
			return fmt.Errorf("ore: %s %q: column %q belongs to table %q", verb, t.Name(), a.column, a.table.Name)
		}
		twice := slices.ContainsFunc(assigns[:i], func(b Assignment) bool { return b.column == a.column }) ||
			slices.ContainsFunc(assigned, func(b compile.Assign) bool { return b.Column == a.column })
		if twice {
			return fmt.Errorf("ore: %s %q: column %q assigned twice", verb, t.Name(), a.column)
		}
	}
	return nil
}

// Columns returns the statement with its column list set, for
// [InsertStmt.Select].
func (s InsertStmt) Columns(cols ...AnyColumn) InsertStmt {
	names := make([]string, len(cols))
	for i, c := range cols {
		if isNil(c) || c.Name() == "" {
			s.fail(errors.New("ore: Columns: nil or unbound column"))
			return s
		}
		names[i] = c.Name()
	}
	s.n.Columns = names
	return s
}

// Select returns the statement inserting the rows of q (INSERT ... SELECT)
// into the columns set by [InsertStmt.Columns], in order.
func (s InsertStmt) Select(q AnyQuery) InsertStmt {
	if len(s.n.Rows) > 0 || s.n.DefaultValues {
		s.fail(errors.New("ore: Select on an INSERT that has Values or DEFAULT VALUES"))
		return s
	}
	s.n.Query = queryNode(q)
	return s
}

// DefaultValues returns the statement inserting one row of default values.
func (s InsertStmt) DefaultValues() InsertStmt {
	if len(s.n.Rows) > 0 || s.n.Query != nil {
		s.fail(errors.New("ore: DefaultValues on an INSERT that has Values or a query"))
		return s
	}
	s.n.DefaultValues = true
	return s
}

func (s InsertStmt) conflict() compile.OnConflict {
	if s.n.OnConflict != nil {
		return *s.n.OnConflict
	}
	return compile.OnConflict{}
}

// OnConflict returns the statement with ON CONFLICT (target): what
// DoNothing or DoUpdate do applies when a row would violate the unique
// index on target, given as its columns (OnConflict(Users.Email)) or, for
// an index on expressions, as those (OnConflict(ore.Lower(Users.Name))).
func (s InsertStmt) OnConflict(target ...Selectable) InsertStmt {
	if len(target) == 0 {
		s.fail(errors.New("ore: OnConflict with no target; use DoNothing alone to skip any conflict"))
		return s
	}
	oc := s.conflict()
	oc.Target = nodesOf(target)
	s.n.OnConflict = &oc
	return s
}

// OnConflictWhere returns the statement whose conflict target is the
// partial unique index with predicate conds: ON CONFLICT (cols) WHERE conds.
func (s InsertStmt) OnConflictWhere(conds ...Expr[bool]) InsertStmt {
	oc := s.conflict()
	oc.TargetWhere = andWith(oc.TargetWhere, conds)
	s.n.OnConflict = &oc
	return s
}

// OnConstraint returns the statement with ON CONFLICT ON CONSTRAINT name.
// PostgreSQL only.
func (s InsertStmt) OnConstraint(name string) InsertStmt {
	oc := s.conflict()
	oc.Constraint = name
	s.n.OnConflict = &oc
	return s
}

// DoNothing returns the statement skipping conflicting rows: ON CONFLICT
// ... DO NOTHING. Without OnConflict it skips rows that conflict on any
// unique index.
func (s InsertStmt) DoNothing() InsertStmt {
	oc := s.conflict()
	oc.Action, oc.Set, oc.Where = compile.DoNothing, nil, nil
	s.n.OnConflict = &oc
	return s
}

// DoUpdate returns the statement updating the existing row on a conflict:
// ON CONFLICT (...) DO UPDATE SET assigns. [Excluded] refers to the row
// proposed for insertion. It needs OnConflict or OnConstraint.
func (s InsertStmt) DoUpdate(assigns ...Assignment) InsertStmt {
	if err := checkAssignments(s.t, nil, assigns, "insert into"); err != nil {
		s.fail(err)
		return s
	}
	oc := s.conflict()
	oc.Action = compile.DoUpdate
	oc.Set = assignNodes(assigns)
	s.n.OnConflict = &oc
	return s
}

// DoUpdateWhere returns the statement whose DO UPDATE applies only where
// conds hold; other conflicting rows are left alone.
func (s InsertStmt) DoUpdateWhere(conds ...Expr[bool]) InsertStmt {
	if s.n.OnConflict == nil || s.n.OnConflict.Action != compile.DoUpdate {
		s.fail(errors.New("ore: DoUpdateWhere without DoUpdate"))
		return s
	}
	oc := s.conflict()
	oc.Where = andWith(oc.Where, conds)
	s.n.OnConflict = &oc
	return s
}

// Returning returns the statement with cols in its RETURNING clause.
func (s InsertStmt) Returning(cols ...Selectable) InsertStmt {
	s.n.Returning = grow(s.n.Returning, nodesOf(cols))
	return s
}

// With returns the statement with common table expressions added to its
// WITH clause.
func (s InsertStmt) With(ctes ...CTE) InsertStmt {
	w, err := mergeWith(s.n.With, false, ctes)
	s.n.With = w
	if err != nil {
		s.fail(err)
	}
	return s
}

// sameColumns reports whether assigns assign cols in their order.
func sameColumns(cols []string, assigns []Assignment) bool {
	for i, a := range assigns {
		if cols[i] != a.column {
			return false
		}
	}
	return true
}

func assignNodes(assigns []Assignment) []compile.Assign {
	out := make([]compile.Assign, len(assigns))
	binds := bindsFor(assigns)
	for i, a := range assigns {
		out[i] = compile.Assign{Column: a.column, Value: a.node(&binds)}
	}
	return out
}

// ----------------------------------------------------------------------------
// UPDATE

// UpdateStmt is an UPDATE statement, made by [Update]. Like [SelectStmt] it
// is an immutable value.
type UpdateStmt struct {
	n   compile.Update
	t   *Table
	err error
}

// Update returns UPDATE t. Without Where it updates every row.
func Update(t TableRef) UpdateStmt {
	tbl, err := tableOf(t)
	s := UpdateStmt{t: tbl, err: err}
	if tbl != nil {
		s.n.Table = &tbl.node
	}
	return s
}

// Build returns the statement's syntax tree, or the first error recorded
// while building it.
func (s UpdateStmt) Build() (compile.Stmt, error) {
	if s.err != nil {
		return nil, s.err
	}
	if len(s.n.Set) == 0 {
		return nil, fmt.Errorf("ore: update %q: no columns set", s.t.Name())
	}
	n := s.n
	return &n, nil
}

// Set returns the statement with more assignments in its SET list.
func (s UpdateStmt) Set(assigns ...Assignment) UpdateStmt {
	if err := checkAssignments(s.t, s.n.Set, assigns, "update"); err != nil {
		s.err = firstErr(s.err, err)
		return s
	}
	s.n.Set = grow(s.n.Set, assignNodes(assigns))
	return s
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// From returns the statement with items added to its FROM clause (UPDATE
// ... FROM), whose rows the WHERE clause can join to.
func (s UpdateStmt) From(items ...FromItem) UpdateStmt {
	s.n.From = grow(s.n.From, fromNodes(items))
	return s
}

// Where returns the statement with conds ANDed to its WHERE clause.
func (s UpdateStmt) Where(conds ...Expr[bool]) UpdateStmt {
	s.n.Where = andWith(s.n.Where, conds)
	return s
}

// Returning returns the statement with cols in its RETURNING clause.
func (s UpdateStmt) Returning(cols ...Selectable) UpdateStmt {
	s.n.Returning = grow(s.n.Returning, nodesOf(cols))
	return s
}

// With returns the statement with common table expressions added to its
// WITH clause.
func (s UpdateStmt) With(ctes ...CTE) UpdateStmt {
	w, err := mergeWith(s.n.With, false, ctes)
	s.n.With = w
	s.err = firstErr(s.err, err)
	return s
}

// ----------------------------------------------------------------------------
// DELETE

// DeleteStmt is a DELETE statement, made by [Delete]. Like [SelectStmt] it
// is an immutable value.
type DeleteStmt struct {
	n   compile.Delete
	err error
}

// Delete returns DELETE FROM t. Without Where it deletes every row.
func Delete(t TableRef) DeleteStmt {
	tbl, err := tableOf(t)
	s := DeleteStmt{err: err}
	if tbl != nil {
		s.n.Table = &tbl.node
	}
	return s
}

// Build returns the statement's syntax tree, or the first error recorded
// while building it.
func (s DeleteStmt) Build() (compile.Stmt, error) {
	if s.err != nil {
		return nil, s.err
	}
	n := s.n
	return &n, nil
}

// Using returns the statement with items added to its USING clause: the
// rows deleted are those the WHERE clause matches with some row of items.
// Where the database has no DELETE ... USING (SQLite), it is written as
// WHERE EXISTS (SELECT 1 FROM items WHERE ...), which deletes the same rows.
func (s DeleteStmt) Using(items ...FromItem) DeleteStmt {
	s.n.Using = grow(s.n.Using, fromNodes(items))
	return s
}

// Where returns the statement with conds ANDed to its WHERE clause.
func (s DeleteStmt) Where(conds ...Expr[bool]) DeleteStmt {
	s.n.Where = andWith(s.n.Where, conds)
	return s
}

// Returning returns the statement with cols in its RETURNING clause.
func (s DeleteStmt) Returning(cols ...Selectable) DeleteStmt {
	s.n.Returning = grow(s.n.Returning, nodesOf(cols))
	return s
}

// With returns the statement with common table expressions added to its
// WITH clause.
func (s DeleteStmt) With(ctes ...CTE) DeleteStmt {
	w, err := mergeWith(s.n.With, false, ctes)
	s.n.With = w
	s.err = firstErr(s.err, err)
	return s
}
