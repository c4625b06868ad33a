package ore

import (
	"errors"
	"fmt"

	"github.com/ore-go/ore/compile"
)

// Statement is anything ore can compile and execute: SELECT, INSERT,
// UPDATE, DELETE, set operations, raw SQL.
type Statement interface {
	// Build returns the statement's syntax tree, or the first error recorded
	// while building it.
	Build() (compile.Stmt, error)
}

// AnyQuery is a statement that produces rows, whatever their Go type: what
// EXISTS, derived tables, common table expressions and INSERT ... SELECT
// accept.
type AnyQuery interface {
	Statement
	queryNode() compile.Query
}

// Query is a statement whose rows scan into T: a SELECT built with
// [Select] or [Select1]...[Select6], or a set operation of those. The result
// functions ([All], [One], ...) take a Query and infer T from it.
type Query[T any] interface {
	AnyQuery
	// rowType is never called; it ties the interface to T.
	rowType() T
}

// queryNode returns q's node; a nil q or a build error becomes a Bad node.
func queryNode(q AnyQuery) compile.Query {
	if isNil(q) {
		return &compile.Bad{Err: errors.New("ore: nil query")}
	}
	return q.queryNode()
}

// Compile renders s for dialect d: SQL text and arguments. It returns the
// first error recorded while building s, or found while compiling it.
// Engines compile through a cache; this function does not cache.
func Compile(d compile.Dialect, s Statement) (compile.Compiled, error) {
	n, err := buildStmt(s)
	if err != nil {
		return compile.Compiled{}, err
	}
	return compile.Compile(d, n)
}

// DebugSQL renders s for d with the values written inline, for logs and
// reading. Never execute its result; see [compile.DebugSQL].
func DebugSQL(d compile.Dialect, s Statement) (string, error) {
	n, err := buildStmt(s)
	if err != nil {
		return "", err
	}
	return compile.DebugSQL(d, n)
}

func buildStmt(s Statement) (compile.Stmt, error) {
	if isNil(s) {
		return nil, errors.New("ore: nil statement")
	}
	return s.Build()
}

// Prepared is a statement compiled once, for executing many times with
// different values for its named parameters ([Param]).
type Prepared struct {
	q compile.Compiled
}

// Prepare compiles s for d.
func Prepare(d compile.Dialect, s Statement) (*Prepared, error) {
	q, err := Compile(d, s)
	if err != nil {
		return nil, err
	}
	return &Prepared{q: q}, nil
}

// SQL returns the compiled SQL text.
func (p *Prepared) SQL() string { return p.q.SQL }

// Args returns the arguments for one execution, with the named parameters
// taken from values.
func (p *Prepared) Args(values ...ParamValue) ([]any, error) {
	return BindParams(p.q, values...)
}

// ----------------------------------------------------------------------------
// Common table expressions

// CTE is a common table expression: a named query of a WITH clause. Make one
// with [With]; attach it to a statement with the statement's With method,
// and read it like a table in FROM. Its columns are reached with [Ref] or
// [Column].
type CTE struct {
	node *compile.CTE
	ref  *compile.Table
	err  error
}

// With returns the common table expression name defined by stmt: a query,
// or (on PostgreSQL) an INSERT, UPDATE or DELETE with RETURNING. For a
// recursive one, whose query refers to itself, create it first with a nil
// stmt, use it in the query, then complete it with [CTE.As].
func With(name string, stmt Statement) CTE {
	c := CTE{node: &compile.CTE{Name: name}, ref: &compile.Table{Name: name}}
	if name == "" {
		c.err = errors.New("ore: common table expression with an empty name")
	}
	if !isNil(stmt) {
		c = c.As(stmt)
	}
	return c
}

// As returns the CTE defined by stmt.
func (c CTE) As(stmt Statement) CTE {
	n := *c.node
	c.node = &n
	s, err := buildStmt(stmt)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("ore: common table expression %q: %w", n.Name, err)
	}
	n.Stmt = s
	return c
}

// Columns returns the CTE with its columns named: WITH name (cols...) AS.
func (c CTE) Columns(names ...string) CTE {
	n := *c.node
	n.Columns = names
	c.node = &n
	return c
}

// Materialized returns the CTE with the MATERIALIZED hint.
func (c CTE) Materialized() CTE { return c.materialize(compile.Materialized) }

// NotMaterialized returns the CTE with the NOT MATERIALIZED hint.
func (c CTE) NotMaterialized() CTE { return c.materialize(compile.NotMaterialized) }

func (c CTE) materialize(m compile.Materialization) CTE {
	n := *c.node
	n.Materialized = m
	c.node = &n
	return c
}

// Name returns the CTE's name.
func (c CTE) Name() string { return c.node.Name }

func (c CTE) fromNode() compile.FromItem {
	if c.node == nil {
		return &compile.Bad{Err: errors.New("ore: zero CTE; make one with ore.With")}
	}
	return c.ref
}

func (c CTE) sourceTable() *compile.Table {
	if c.ref == nil {
		return &compile.Table{}
	}
	return c.ref
}

// withClause builds a WITH clause from ctes, or records an error.
func withClause(recursive bool, ctes []CTE) (*compile.With, error) {
	if len(ctes) == 0 {
		return nil, errors.New("ore: With with no common table expressions")
	}
	w := &compile.With{Recursive: recursive, CTEs: make([]*compile.CTE, len(ctes))}
	for i, c := range ctes {
		if c.node == nil {
			return nil, errors.New("ore: zero CTE; make one with ore.With")
		}
		if c.err != nil {
			return nil, c.err
		}
		if c.node.Stmt == nil {
			return nil, fmt.Errorf("ore: common table expression %q has no statement; complete it with As", c.node.Name)
		}
		w.CTEs[i] = c.node
	}
	return w, nil
}

// mergeWith adds ctes to an existing WITH clause (or starts one).
func mergeWith(w *compile.With, recursive bool, ctes []CTE) (*compile.With, error) {
	add, err := withClause(recursive, ctes)
	if err != nil {
		return w, err
	}
	if w == nil {
		return add, nil
	}
	return &compile.With{
		Recursive: w.Recursive || recursive,
		CTEs:      append(w.CTEs[:len(w.CTEs):len(w.CTEs)], add.CTEs...),
	}, nil
}

// ----------------------------------------------------------------------------
// Raw statements

// RawQuery is a hand-written SQL statement, typed by the rows it returns.
// Make one with [SQL].
type RawQuery[T any] struct {
	n *compile.Raw
}

// SQL returns a hand-written statement whose rows scan into T, with
// arguments as in [Raw]. Use it for what the builders do not cover; it can
// also stand as a subquery.
func SQL[T any](sql string, args ...any) RawQuery[T] { return RawQuery[T]{rawNode(sql, args)} }

func (r RawQuery[T]) Build() (compile.Stmt, error) { return r.n, nil }
func (r RawQuery[T]) queryNode() compile.Query     { return r.n }
func (r RawQuery[T]) rowType() (v T)               { return v }
