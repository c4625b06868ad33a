package ore

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/ore-go/ore/compile"
)

// Selectable is anything that can stand in a select list, GROUP BY or
// RETURNING: every typed expression, and raw SQL.
type Selectable interface {
	// Node returns the expression's syntax tree. A value that could not be
	// built returns a *compile.Bad node carrying the error.
	Node() compile.Expr
}

// Expr is a typed SQL expression: T is the Go type its values scan into.
// Columns, function calls, bound values, parameters and subqueries are all
// Exprs. The type parameter is what makes comparisons safe: an Expr[int64]
// compares with an int64 or another Expr[int64], and with nothing else.
//
// A nullable expression has a pointer (or sql.Null) type: Expr[*string].
// [Deref] and [Ptr] convert between the two without changing the SQL, for
// comparing a nullable column with a non-nullable one.
//
// Methods build new expressions; none changes its receiver.
type Expr[T any] interface {
	Selectable
	OrderTerm

	// goType is never called; it ties the interface to T so that an
	// Expr[int64] is never an Expr[string].
	goType() T

	Eq(v T) Expr[bool]                // x = v
	Ne(v T) Expr[bool]                // x <> v
	Lt(v T) Expr[bool]                // x < v
	Le(v T) Expr[bool]                // x <= v
	Gt(v T) Expr[bool]                // x > v
	Ge(v T) Expr[bool]                // x >= v
	EqExpr(e Expr[T]) Expr[bool]      // x = e
	NeExpr(e Expr[T]) Expr[bool]      // x <> e
	LtExpr(e Expr[T]) Expr[bool]      // x < e
	LeExpr(e Expr[T]) Expr[bool]      // x <= e
	GtExpr(e Expr[T]) Expr[bool]      // x > e
	GeExpr(e Expr[T]) Expr[bool]      // x >= e
	IsDistinctFrom(v T) Expr[bool]    // x IS DISTINCT FROM v: <> that treats NULLs as equal
	IsNotDistinctFrom(v T) Expr[bool] // x IS NOT DISTINCT FROM v
	In(vs ...T) Expr[bool]            // x IN (v1, v2, ...); an empty list is an error
	NotIn(vs ...T) Expr[bool]         // x NOT IN (v1, v2, ...)
	InQuery(q Query[T]) Expr[bool]    // x IN (subquery)
	NotInQuery(q Query[T]) Expr[bool] // x NOT IN (subquery)
	Between(lo, hi T) Expr[bool]      // x BETWEEN lo AND hi
	NotBetween(lo, hi T) Expr[bool]   // x NOT BETWEEN lo AND hi
	IsNull() Expr[bool]               // x IS NULL
	IsNotNull() Expr[bool]            // x IS NOT NULL
	Asc() Order                       // x ASC, for ORDER BY
	Desc() Order                      // x DESC, for ORDER BY

	// As names the expression: "x AS name" in a select list. In ORDER BY the
	// result refers to the name; elsewhere it stands for x itself.
	As(name string) Expr[T]
}

// expr implements Expr[T]. Every typed expression type embeds it. It is a
// single pointer, so that passing an expression (a column, say) where an
// interface is expected costs no allocation.
type expr[T any] struct {
	b *exprBox // nil only in a zero value
}

// exprBox is what an expression points to: its node and, for a column, its
// declaration.
type exprBox struct {
	n   compile.Expr
	def *ColumnDef // or nil
}

var errUnbound = errors.New("ore: column is not bound to a table; declare it in a struct passed to NewTable")

// newExpr returns n as an expr[T].
func newExpr[T any](n compile.Expr) expr[T] { return expr[T]{&exprBox{n: n}} }

// boxed returns node as an expr[T], allocating the box and the node
// together: one allocation where there would be two.
func boxed[T, N any, PN interface {
	*N
	compile.Expr
}](node N) expr[T] {
	b := &struct {
		exprBox
		node N
	}{node: node}
	b.n = PN(&b.node)
	return expr[T]{&b.exprBox}
}

// bad returns an Expr[T] that fails compilation with err.
func bad[T any](err error) Expr[T] { return newExpr[T](&compile.Bad{Err: err}) }

// Node returns the expression's syntax tree.
func (x expr[T]) Node() compile.Expr {
	if x.b == nil {
		return &compile.Bad{Err: errUnbound}
	}
	return x.b.n
}

func (x expr[T]) goType() (v T) { return v }

func (x expr[T]) orderNode() compile.OrderBy { return compile.OrderBy{X: x.Node()} }

func (x expr[T]) cmp(op compile.BinaryOp, y compile.Expr) Expr[bool] {
	return boxed[bool](compile.Binary{Op: op, X: x.Node(), Y: y})
}

// bind returns the node binding v.
func bind(v any) compile.Expr { return &compile.Bind{Value: v} }

func (x expr[T]) Eq(v T) Expr[bool]             { return x.cmp(compile.OpEq, bind(v)) }
func (x expr[T]) Ne(v T) Expr[bool]             { return x.cmp(compile.OpNe, bind(v)) }
func (x expr[T]) Lt(v T) Expr[bool]             { return x.cmp(compile.OpLt, bind(v)) }
func (x expr[T]) Le(v T) Expr[bool]             { return x.cmp(compile.OpLe, bind(v)) }
func (x expr[T]) Gt(v T) Expr[bool]             { return x.cmp(compile.OpGt, bind(v)) }
func (x expr[T]) Ge(v T) Expr[bool]             { return x.cmp(compile.OpGe, bind(v)) }
func (x expr[T]) EqExpr(e Expr[T]) Expr[bool]   { return x.cmp(compile.OpEq, nodeOf(e)) }
func (x expr[T]) NeExpr(e Expr[T]) Expr[bool]   { return x.cmp(compile.OpNe, nodeOf(e)) }
func (x expr[T]) LtExpr(e Expr[T]) Expr[bool]   { return x.cmp(compile.OpLt, nodeOf(e)) }
func (x expr[T]) LeExpr(e Expr[T]) Expr[bool]   { return x.cmp(compile.OpLe, nodeOf(e)) }
func (x expr[T]) GtExpr(e Expr[T]) Expr[bool]   { return x.cmp(compile.OpGt, nodeOf(e)) }
func (x expr[T]) GeExpr(e Expr[T]) Expr[bool]   { return x.cmp(compile.OpGe, nodeOf(e)) }
func (x expr[T]) IsDistinctFrom(v T) Expr[bool] { return x.cmp(compile.OpIsDistinctFrom, bind(v)) }
func (x expr[T]) IsNotDistinctFrom(v T) Expr[bool] {
	return x.cmp(compile.OpIsNotDistinctFrom, bind(v))
}

func (x expr[T]) In(vs ...T) Expr[bool]    { return x.in(vs, false) }
func (x expr[T]) NotIn(vs ...T) Expr[bool] { return x.in(vs, true) }

func (x expr[T]) in(vs []T, not bool) Expr[bool] {
	if len(vs) == 0 {
		return bad[bool](errors.New("ore: IN with an empty list of values"))
	}
	list := make([]compile.Expr, len(vs))
	binds := make([]compile.Bind, len(vs)) // one allocation for all the nodes
	for i, v := range vs {
		binds[i].Value = v
		list[i] = &binds[i]
	}
	return boxed[bool](compile.In{X: x.Node(), List: list, Not: not})
}

func (x expr[T]) InQuery(q Query[T]) Expr[bool] {
	return boxed[bool](compile.InQuery{X: x.Node(), Query: queryNode(q)})
}

func (x expr[T]) NotInQuery(q Query[T]) Expr[bool] {
	return boxed[bool](compile.InQuery{X: x.Node(), Query: queryNode(q), Not: true})
}

func (x expr[T]) Between(lo, hi T) Expr[bool] {
	return boxed[bool](compile.Between{X: x.Node(), Lo: bind(lo), Hi: bind(hi)})
}

func (x expr[T]) NotBetween(lo, hi T) Expr[bool] {
	return boxed[bool](compile.Between{X: x.Node(), Lo: bind(lo), Hi: bind(hi), Not: true})
}

func (x expr[T]) IsNull() Expr[bool] {
	return boxed[bool](compile.Unary{Op: compile.OpIsNull, X: x.Node()})
}

func (x expr[T]) IsNotNull() Expr[bool] {
	return boxed[bool](compile.Unary{Op: compile.OpIsNotNull, X: x.Node()})
}

func (x expr[T]) Asc() Order  { return Order{compile.OrderBy{X: x.Node()}} }
func (x expr[T]) Desc() Order { return Order{compile.OrderBy{X: x.Node(), Desc: true}} }

func (x expr[T]) As(name string) Expr[T] {
	return boxed[T](compile.Label{X: x.Node(), Name: name})
}

// nodeOf returns e's node, or a Bad node if e is nil.
func nodeOf(e Selectable) compile.Expr {
	if isNil(e) {
		return &compile.Bad{Err: errors.New("ore: nil expression")}
	}
	return e.Node()
}

// isNil reports whether v is nil or a nil pointer in an interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func nodesOf[E Selectable](list []E) []compile.Expr {
	out := make([]compile.Expr, len(list))
	for i, e := range list {
		out[i] = nodeOf(e)
	}
	return out
}

// ----------------------------------------------------------------------------
// Ordering

// OrderTerm is anything ORDER BY accepts: an [Order], or an expression
// (sorted ascending).
type OrderTerm interface {
	orderNode() compile.OrderBy
}

// Order is one ORDER BY item, made by an expression's Asc or Desc method.
type Order struct {
	o compile.OrderBy
}

func (o Order) orderNode() compile.OrderBy { return o.o }

// NullsFirst sorts NULLs before other values.
func (o Order) NullsFirst() Order { o.o.Nulls = compile.NullsFirst; return o }

// NullsLast sorts NULLs after other values.
func (o Order) NullsLast() Order { o.o.Nulls = compile.NullsLast; return o }

func orderNodes(terms []OrderTerm) []compile.OrderBy {
	out := make([]compile.OrderBy, len(terms))
	for i, t := range terms {
		if isNil(t) {
			out[i] = compile.OrderBy{X: &compile.Bad{Err: errors.New("ore: nil ORDER BY term")}}
			continue
		}
		out[i] = t.orderNode()
	}
	return out
}

// ----------------------------------------------------------------------------
// Values, parameters, raw SQL

// Value returns v as an expression: a bound argument, never SQL text.
func Value[T any](v T) Expr[T] { return boxed[T](compile.Bind{Value: v}) }

// Null returns the NULL literal typed as T.
func Null[T any]() Expr[T] { return boxed[T](compile.Literal{Keyword: compile.KwNull}) }

// Default returns the DEFAULT keyword, for INSERT values and UPDATE SET: the
// column's default value.
func Default[T any]() Expr[T] { return boxed[T](compile.Literal{Keyword: compile.KwDefault}) }

// True returns the TRUE literal.
func True() Expr[bool] { return boxed[bool](compile.Literal{Keyword: compile.KwTrue}) }

// False returns the FALSE literal.
func False() Expr[bool] { return boxed[bool](compile.Literal{Keyword: compile.KwFalse}) }

// Raw returns a fragment of hand-written SQL typed as T. Each "?" in sql
// takes the next argument: an expression (any Selectable) is written in its
// place, any other value is bound. "??" stands for a literal "?". The
// fragment is parenthesized wherever an operator surrounds it.
//
// Raw is the escape hatch for what ore does not model; prefer the typed API
// where it exists. Never build sql from untrusted input: only args are safe.
func Raw[T any](sql string, args ...any) Expr[T] {
	return newExpr[T](rawNode(sql, args))
}

func rawNode(sql string, args []any) *compile.Raw {
	var list []compile.Expr
	if len(args) > 0 {
		list = make([]compile.Expr, len(args))
		for i, a := range args {
			if s, ok := a.(Selectable); ok && !isNil(s) {
				list[i] = s.Node()
			} else {
				list[i] = bind(a)
			}
		}
	}
	return &compile.Raw{SQL: sql, Args: list}
}

// NamedParam is a typed named parameter: a placeholder whose value is given
// when the statement runs, so that a statement compiled once serves many
// executions. Make one with [Param].
type NamedParam[T any] struct {
	expr[T]
	name string
}

// Param returns the named parameter name of type T. Use it where a value
// would go (Users.ID.EqExpr(byID)); supply the value at execution with
// [NamedParam.Bind].
func Param[T any](name string) NamedParam[T] {
	return NamedParam[T]{boxed[T](compile.Param{Name: name}), name}
}

// Name returns the parameter's name.
func (p NamedParam[T]) Name() string { return p.name }

// Bind returns the parameter's value for one execution.
func (p NamedParam[T]) Bind(v T) ParamValue { return ParamValue{Name: p.name, Value: v} }

// ParamValue is a value for a named parameter, made by [NamedParam.Bind].
type ParamValue struct {
	Name  string
	Value any
}

// BindParams returns the arguments of q with the named parameters filled in
// from values. It fails if a parameter has no value, or if a value names no
// parameter of q.
func BindParams(q compile.Compiled, values ...ParamValue) ([]any, error) {
	args, err := q.BindParams(func(name string) (any, bool) {
		for _, v := range values {
			if v.Name == name {
				return v.Value, true
			}
		}
		return nil, false
	})
	if err != nil {
		return nil, fmt.Errorf("ore: %w", err)
	}
	for _, v := range values {
		if !paramUsed(q, v.Name) {
			return nil, fmt.Errorf("ore: value for %q, which is not a parameter of the statement", v.Name)
		}
	}
	return args, nil
}

func paramUsed(q compile.Compiled, name string) bool {
	for _, a := range q.Args {
		if p, ok := a.(*compile.Param); ok && p.Name == name {
			return true
		}
	}
	return false
}

// ----------------------------------------------------------------------------
// Boolean logic

// And returns the conjunction of conds. It needs at least one condition.
func And(conds ...Expr[bool]) Expr[bool] {
	return newExpr[bool](logical(compile.OpAnd, conds))
}

// Or returns the disjunction of conds. It needs at least one condition.
func Or(conds ...Expr[bool]) Expr[bool] {
	return newExpr[bool](logical(compile.OpOr, conds))
}

func logical(op compile.LogicalOp, conds []Expr[bool]) compile.Expr {
	switch len(conds) {
	case 0:
		return &compile.Bad{Err: errors.New("ore: And/Or with no conditions")}
	case 1:
		return nodeOf(conds[0])
	}
	return &compile.Logical{Op: op, List: nodesOf(conds)}
}

// Not returns NOT cond.
func Not(cond Expr[bool]) Expr[bool] {
	return boxed[bool](compile.Unary{Op: compile.OpNot, X: nodeOf(cond)})
}

// ----------------------------------------------------------------------------
// Nullability

// Deref returns e typed as its non-null type, for comparing a nullable
// column with a non-nullable expression. The SQL is unchanged: NULL stays
// NULL, and scanning a NULL into T fails.
func Deref[T any](e Expr[*T]) Expr[T] { return newExpr[T](nodeOf(e)) }

// Ptr returns e typed as nullable. The SQL is unchanged.
func Ptr[T any](e Expr[T]) Expr[*T] { return newExpr[*T](nodeOf(e)) }
