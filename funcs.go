package ore

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/ore-go/ore/compile"
)

// Number is the constraint of arithmetic: Go's integer and floating-point
// types, and pointers to them for nullable expressions.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64 |
		*int | *int8 | *int16 | *int32 | *int64 |
		*uint | *uint8 | *uint16 | *uint32 | *uint64 |
		*float32 | *float64
}

// Text is the constraint of string functions and operators: strings, and
// pointers to strings for nullable expressions.
type Text interface {
	~string | *string
}

// call returns the function call name(args), with room for two arguments
// in the same allocation as the node.
func call[T any](name string, args ...compile.Expr) Expr[T] {
	b := &struct {
		exprBox
		node compile.Func
		args [2]compile.Expr
	}{}
	b.node.Name = name
	if len(args) <= len(b.args) {
		b.node.Args = b.args[:copy(b.args[:], args)]
	} else {
		b.node.Args = append([]compile.Expr(nil), args...)
	}
	b.n = &b.node
	return expr[T]{&b.exprBox}
}

// ----------------------------------------------------------------------------
// Aggregates

// Count returns count(*).
func Count() Expr[int64] { return countStar }

// countStar is every count(*): expressions are never changed once made
// (Filter, Over and the rest copy them), so one serves all statements.
var countStar = boxed[int64](compile.Func{Name: "count", Star: true})

// CountOf returns count(e): the number of rows where e is not NULL.
func CountOf(e Selectable) Expr[int64] { return call[int64]("count", nodeOf(e)) }

// CountDistinct returns count(DISTINCT e).
func CountDistinct(e Selectable) Expr[int64] {
	return boxed[int64](compile.Func{Name: "count", Args: []compile.Expr{nodeOf(e)}, Distinct: true})
}

// Sum returns sum(e). Over no rows it is NULL: wrap it in [IfNull] or
// [Coalesce] unless T is nullable.
func Sum[T Number](e Expr[T]) Expr[T] { return call[T]("sum", nodeOf(e)) }

// Avg returns avg(e). Over no rows it is NULL.
func Avg[T Number](e Expr[T]) Expr[float64] { return call[float64]("avg", nodeOf(e)) }

// Min returns min(e). Over no rows it is NULL.
func Min[T any](e Expr[T]) Expr[T] { return call[T]("min", nodeOf(e)) }

// Max returns max(e). Over no rows it is NULL.
func Max[T any](e Expr[T]) Expr[T] { return call[T]("max", nodeOf(e)) }

// Filter returns the aggregate agg restricted to the rows where cond holds:
// agg FILTER (WHERE cond).
func Filter[T any](agg Expr[T], cond Expr[bool]) Expr[T] {
	return withFunc(agg, "Filter", func(f *compile.Func) { f.Filter = nodeOf(cond) })
}

// withFunc returns e, which must be a function call, changed by set.
func withFunc[T any](e Expr[T], what string, set func(*compile.Func)) Expr[T] {
	f, ok := nodeOf(e).(*compile.Func)
	if !ok {
		return bad[T](fmt.Errorf("ore: %s needs a function call", what))
	}
	g := *f
	set(&g)
	return boxed[T](g)
}

// ----------------------------------------------------------------------------
// Scalar functions

// Coalesce returns the first of exprs that is not NULL.
func Coalesce[T any](exprs ...Expr[T]) Expr[T] {
	if len(exprs) == 0 {
		return bad[T](errors.New("ore: Coalesce with no expressions"))
	}
	return call[T]("coalesce", nodesOf(exprs)...)
}

// IfNull returns e, or v where e is NULL: COALESCE(e, v), typed as non-null.
func IfNull[T any](e Expr[*T], v T) Expr[T] { return call[T]("coalesce", nodeOf(e), bind(v)) }

// Lower returns lower(e).
func Lower[S Text](e Expr[S]) Expr[S] { return call[S]("lower", nodeOf(e)) }

// Upper returns upper(e).
func Upper[S Text](e Expr[S]) Expr[S] { return call[S]("upper", nodeOf(e)) }

// Length returns the number of characters in e.
func Length[S Text](e Expr[S]) Expr[int64] { return call[int64]("length", nodeOf(e)) }

// Concat returns a || b || more...: string concatenation.
func Concat[S Text](a, b Expr[S], more ...Expr[S]) Expr[S] {
	n := &compile.Binary{Op: compile.OpConcat, X: nodeOf(a), Y: nodeOf(b)}
	for _, m := range more {
		n = &compile.Binary{Op: compile.OpConcat, X: n, Y: nodeOf(m)}
	}
	return newExpr[S](n)
}

// Like returns e LIKE pattern.
func Like[S Text](e Expr[S], pattern string) Expr[bool] {
	return binary[bool](compile.OpLike, e, bind(pattern))
}

// NotLike returns e NOT LIKE pattern.
func NotLike[S Text](e Expr[S], pattern string) Expr[bool] {
	return binary[bool](compile.OpNotLike, e, bind(pattern))
}

// ILike returns e ILIKE pattern: LIKE ignoring case. Where the database has
// no ILIKE it is written lower(e) LIKE lower(pattern).
func ILike[S Text](e Expr[S], pattern string) Expr[bool] {
	return binary[bool](compile.OpILike, e, bind(pattern))
}

// NotILike returns e NOT ILIKE pattern.
func NotILike[S Text](e Expr[S], pattern string) Expr[bool] {
	return binary[bool](compile.OpNotILike, e, bind(pattern))
}

// Now returns the current transaction's timestamp (CURRENT_TIMESTAMP). On
// SQLite it is UTC text, 'YYYY-MM-DD HH:MM:SS'.
func Now() Expr[time.Time] {
	return boxed[time.Time](compile.Literal{Keyword: compile.KwCurrentTimestamp})
}

// Func returns a call of the SQL function name with args, typed as T: the
// escape hatch for functions ore has no wrapper for. name is written as
// given and must be a plain or schema-qualified name (letters, digits, _,
// $ and one dot); anything else fails compilation.
func Func[T any](name string, args ...Selectable) Expr[T] { return call[T](name, nodesOf(args)...) }

// ----------------------------------------------------------------------------
// Arithmetic

func binary[T any](op compile.BinaryOp, a Selectable, b compile.Expr) Expr[T] {
	return boxed[T](compile.Binary{Op: op, X: nodeOf(a), Y: b})
}

// Add returns a + b.
func Add[T Number](a, b Expr[T]) Expr[T] { return binary[T](compile.OpAdd, a, nodeOf(b)) }

// Sub returns a - b.
func Sub[T Number](a, b Expr[T]) Expr[T] { return binary[T](compile.OpSub, a, nodeOf(b)) }

// Mul returns a * b.
func Mul[T Number](a, b Expr[T]) Expr[T] { return binary[T](compile.OpMul, a, nodeOf(b)) }

// Div returns a / b. Integer division truncates on both databases.
func Div[T Number](a, b Expr[T]) Expr[T] { return binary[T](compile.OpDiv, a, nodeOf(b)) }

// Mod returns a % b.
func Mod[T Number](a, b Expr[T]) Expr[T] { return binary[T](compile.OpMod, a, nodeOf(b)) }

// Neg returns -e.
func Neg[T Number](e Expr[T]) Expr[T] {
	return boxed[T](compile.Unary{Op: compile.OpNeg, X: nodeOf(e)})
}

// ----------------------------------------------------------------------------
// CASE and CAST

// WhenClause is one WHEN ... THEN ... arm of a [Case], made by [When].
type WhenClause[T any] struct {
	w compile.When
}

// When returns the arm WHEN cond THEN then.
func When[T any](cond Expr[bool], then Expr[T]) WhenClause[T] {
	return WhenClause[T]{compile.When{Cond: nodeOf(cond), Result: nodeOf(then)}}
}

// CaseExpr is a searched CASE expression without ELSE (NULL where no arm
// matches); [CaseExpr.Else] adds one.
type CaseExpr[T any] struct {
	expr[T]
}

// Case returns CASE WHEN ... THEN ... END over whens, in order.
func Case[T any](whens ...WhenClause[T]) CaseExpr[T] {
	if len(whens) == 0 {
		return CaseExpr[T]{boxed[T](compile.Bad{Err: errors.New("ore: Case with no When")})}
	}
	n := &compile.Case{Whens: make([]compile.When, len(whens))}
	for i, w := range whens {
		n.Whens[i] = w.w
	}
	return CaseExpr[T]{newExpr[T](n)}
}

// Else returns the CASE expression with ELSE e.
func (c CaseExpr[T]) Else(e Expr[T]) Expr[T] {
	n, ok := c.Node().(*compile.Case)
	if !ok {
		return c
	}
	m := *n
	m.Else = nodeOf(e)
	return boxed[T](m)
}

// Cast returns CAST(e AS type), where the SQL type is the one for Go type
// T (int64 → bigint, string → text, time.Time → timestamptz, ...). Use
// [CastTo] to name the SQL type.
func Cast[T any](e Selectable) Expr[T] {
	t, _ := sqlTypeOf(reflect.TypeFor[T]())
	if t.Kind == compile.TypeUnknown {
		return bad[T](fmt.Errorf("ore: Cast: no SQL type for %s; use CastTo", reflect.TypeFor[T]()))
	}
	return CastTo[T](e, t)
}

// CastTo returns CAST(e AS t), typed as T.
func CastTo[T any](e Selectable, t compile.Type) Expr[T] {
	return boxed[T](compile.Cast{X: nodeOf(e), Type: t})
}
