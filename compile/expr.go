package compile

import (
	"math/bits"
	"reflect"
	"strconv"
)

// prec is an operator precedence level; higher binds tighter. The levels
// are the ones PostgreSQL and SQLite agree on. Where they disagree (|| is
// above * in SQLite and below + in PostgreSQL; SQLite ranks < above =), the
// compiler parenthesizes, so the text means the same on both.
type prec uint8

const (
	precLowest  prec = iota
	precOr           // OR
	precAnd          // AND
	precNot          // NOT
	precCompare      // = <> < <= > >= IS LIKE IN BETWEEN, non-associative
	precConcat       // ||, never mixed with arithmetic without parentheses
	precAdd          // + -
	precMul          // * / %
	precUnary        // unary -
	precPrimary      // columns, values, calls, parenthesized forms
)

var binaryOpText = [...]string{
	OpEq:                " = ",
	OpNe:                " <> ",
	OpLt:                " < ",
	OpLe:                " <= ",
	OpGt:                " > ",
	OpGe:                " >= ",
	OpIsDistinctFrom:    " IS DISTINCT FROM ",
	OpIsNotDistinctFrom: " IS NOT DISTINCT FROM ",
	OpLike:              " LIKE ",
	OpNotLike:           " NOT LIKE ",
	OpILike:             " ILIKE ",
	OpNotILike:          " NOT ILIKE ",
	OpAdd:               " + ",
	OpSub:               " - ",
	OpMul:               " * ",
	OpDiv:               " / ",
	OpMod:               " % ",
	OpConcat:            " || ",
}

func binaryPrec(op BinaryOp) prec {
	switch op {
	case OpAdd, OpSub:
		return precAdd
	case OpMul, OpDiv, OpMod:
		return precMul
	case OpConcat:
		return precConcat
	default:
		return precCompare
	}
}

// precOf returns the precedence of e's outermost operator.
func precOf(e Expr) prec {
	switch e := e.(type) {
	case *Binary:
		return binaryPrec(e.Op)
	case *Unary:
		switch e.Op {
		case OpNot:
			return precNot
		case OpNeg:
			return precUnary
		default:
			return precCompare
		}
	case *Logical:
		if e.Op == OpOr {
			return precOr
		}
		return precAnd
	case *In, *InQuery, *Between:
		return precCompare
	case *Raw:
		// Unknown text: parenthesized wherever an operator surrounds it.
		return precLowest
	case *Label:
		return precOf(e.X)
	default:
		return precPrimary
	}
}

// expr writes e, parenthesized if it binds more loosely than min.
func (c *Compiler) expr(e Expr, min prec) {
	if e == nil {
		c.failf("missing expression")
		return
	}
	// A label names a select-list item (see selectList and orderByList);
	// anywhere else it stands for its expression.
	for {
		l, ok := e.(*Label)
		if !ok {
			break
		}
		e = l.X
	}
	if precOf(e) < min {
		c.WriteString("(")
		c.exprInner(e)
		c.WriteString(")")
		return
	}
	c.exprInner(e)
}

// exprInner writes e without enclosing parentheses.
func (c *Compiler) exprInner(e Expr) {
	switch e := e.(type) {
	case *Column:
		c.column(e)
	case *Star:
		c.star(e)
	case *Bind:
		c.BindValue(e.Value)
	case *Param:
		c.param(e)
	case *Literal:
		c.literal(e.Keyword)
	case *Raw:
		c.raw(e)
	case *Binary:
		c.binary(e)
	case *Unary:
		c.unary(e)
	case *Logical:
		c.logical(e)
	case *In:
		c.in(e)
	case *InQuery:
		c.expr(e.X, precConcat)
		if e.Not {
			c.WriteString(" NOT IN ")
		} else {
			c.WriteString(" IN ")
		}
		c.subquery(e.Query)
	case *Between:
		c.expr(e.X, precConcat)
		if e.Not {
			c.WriteString(" NOT BETWEEN ")
		} else {
			c.WriteString(" BETWEEN ")
		}
		c.expr(e.Lo, precConcat)
		c.WriteString(" AND ")
		c.expr(e.Hi, precConcat)
	case *Exists:
		if e.Not {
			c.WriteString("NOT ")
		}
		c.WriteString("EXISTS ")
		c.subquery(e.Query)
	case *Subquery:
		c.subquery(e.Query)
	case *Func:
		c.function(e)
	case *Case:
		c.caseExpr(e)
	case *Cast:
		name, ok := c.d.CastType(e.Type)
		if !ok {
			c.failf("type %s is not supported by %s", e.Type, c.d.Name())
			return
		}
		c.WriteString("CAST(")
		c.expr(e.X, precLowest)
		c.WriteString(" AS ")
		c.WriteString(name)
		c.WriteString(")")
	case *Tuple:
		if len(e.List) == 0 {
			c.failf("empty row value")
			return
		}
		c.WriteString("(")
		c.exprList(e.List)
		c.WriteString(")")
	case *Excluded:
		if !c.excludedOK {
			c.failf("excluded.%s is only valid in ON CONFLICT DO UPDATE", strconv.Quote(e.Column))
			return
		}
		c.WriteString("excluded.")
		c.WriteIdent(e.Column)
	case *Bad:
		c.Fail(e.Err)
	default:
		panic("bug: compile: unexpected expression " + reflect.TypeOf(e).String())
	}
}

func (c *Compiler) exprList(list []Expr) {
	for i, e := range list {
		if i > 0 {
			c.WriteString(", ")
		}
		c.expr(e, precLowest)
	}
}

// selectList writes the items of a select list or RETURNING clause; a
// labelled item is written "x AS name".
func (c *Compiler) selectList(list []Expr) {
	for i, e := range list {
		if i > 0 {
			c.WriteString(", ")
		}
		if l, ok := e.(*Label); ok {
			c.expr(l.X, precLowest)
			c.WriteString(" AS ")
			c.WriteIdent(l.Name)
			continue
		}
		c.expr(e, precLowest)
	}
}

func (c *Compiler) column(col *Column) {
	if col.Table == nil || c.bareColumns {
		c.WriteIdent(col.Name)
		return
	}
	if !c.visible(col.Table) {
		c.notInFrom(col.Table, "column "+strconv.Quote(col.Table.RefName())+"."+strconv.Quote(col.Name))
	}
	switch {
	case c.retTarget == nil || c.feat.Has(FeatReturningQualified):
		c.qualifier(col.Table)
	case sameTable(col.Table, c.retTarget):
		// The database resolves RETURNING columns by the table's own name,
		// not its alias.
		c.qualifier(&Table{Schema: col.Table.Schema, Name: col.Table.Name})
	default:
		c.Fail(&UnsupportedError{Feature: FeatReturningQualified, Dialect: c.d.Name()})
		return
	}
	c.WriteString(".")
	c.WriteIdent(col.Name)
}

func (c *Compiler) star(s *Star) {
	if s.Table == nil {
		c.WriteString("*")
		return
	}
	if !c.visible(s.Table) {
		c.notInFrom(s.Table, strconv.Quote(s.Table.RefName())+".*")
	}
	if c.retTarget != nil && !c.feat.Has(FeatReturningQualified) {
		if !sameTable(s.Table, c.retTarget) {
			c.Fail(&UnsupportedError{Feature: FeatReturningQualified, Dialect: c.d.Name()})
			return
		}
		// Only the target's columns can be returned: * means them.
		c.WriteString("*")
		return
	}
	c.qualifier(s.Table)
	c.WriteString(".*")
}

// qualifier writes the name that qualifies t's columns.
func (c *Compiler) qualifier(t *Table) {
	if t.Alias != "" {
		c.WriteIdent(t.Alias)
		return
	}
	if t.Schema != "" {
		c.WriteIdent(t.Schema)
		c.WriteString(".")
	}
	c.WriteIdent(t.Name)
}

func sameTable(a, b *Table) bool {
	return a == b || (a.Schema == b.Schema && a.Name == b.Name && a.Alias == b.Alias)
}

func (c *Compiler) literal(k Keyword) {
	switch k {
	case KwNull:
		c.WriteString("NULL")
	case KwTrue:
		c.WriteString("TRUE")
	case KwFalse:
		c.WriteString("FALSE")
	case KwDefault:
		if c.need(FeatDefaultKeyword) {
			c.WriteString("DEFAULT")
		}
	case KwCurrentTimestamp:
		c.WriteString("CURRENT_TIMESTAMP")
	default:
		c.failf("unknown keyword literal %d", k)
	}
}

// raw writes a Raw node, replacing each "?" with its argument and "??" with
// a literal question mark.
func (c *Compiler) raw(r *Raw) {
	s := r.SQL
	n := 0
	for {
		i := indexByte(s, '?')
		if i < 0 {
			break
		}
		if i+1 < len(s) && s[i+1] == '?' {
			c.writeRaw(s[:i+1])
			s = s[i+2:]
			continue
		}
		c.writeRaw(s[:i])
		s = s[i+1:]
		if n >= len(r.Args) {
			c.failf("raw SQL %q has more placeholders than its %d arguments", r.SQL, len(r.Args))
			return
		}
		c.expr(r.Args[n], precPrimary)
		n++
	}
	c.writeRaw(s)
	if n != len(r.Args) {
		c.failf("raw SQL %q has %d placeholders but %d arguments", r.SQL, n, len(r.Args))
	}
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

func (c *Compiler) binary(b *Binary) {
	p := binaryPrec(b.Op)
	if int(b.Op) >= len(binaryOpText) || binaryOpText[b.Op] == "" {
		c.failf("unknown binary operator %d", b.Op)
		return
	}
	if (b.Op == OpILike || b.Op == OpNotILike) && !c.feat.Has(FeatILike) {
		c.WriteString("lower(")
		c.expr(b.X, precLowest)
		if b.Op == OpILike {
			c.WriteString(") LIKE lower(")
		} else {
			c.WriteString(") NOT LIKE lower(")
		}
		c.expr(b.Y, precLowest)
		c.WriteString(")")
		return
	}
	switch p {
	case precCompare:
		// Non-associative: operands of the same level are parenthesized.
		c.expr(b.X, precCompare+1)
		c.WriteString(binaryOpText[b.Op])
		c.expr(b.Y, precCompare+1)
	case precConcat:
		// || ranks differently against arithmetic in each database.
		c.concatOperand(b.X)
		c.WriteString(binaryOpText[b.Op])
		c.concatOperand(b.Y)
	default:
		// Left-associative: a - b - c is (a - b) - c; a - (b - c) keeps
		// its parentheses.
		c.expr(b.X, p)
		c.WriteString(binaryOpText[b.Op])
		c.expr(b.Y, p+1)
	}
}

func (c *Compiler) concatOperand(e Expr) {
	if p := precOf(e); p == precAdd || p == precMul {
		c.expr(e, precPrimary)
		return
	}
	c.expr(e, precConcat)
}

func (c *Compiler) unary(u *Unary) {
	switch u.Op {
	case OpNot:
		c.WriteString("NOT ")
		c.expr(u.X, precNot)
	case OpNeg:
		// Only primaries follow the minus sign, so "--" (a comment) can
		// never be written.
		c.WriteString("-")
		c.expr(u.X, precPrimary)
	case OpIsNull:
		c.expr(u.X, precConcat)
		c.WriteString(" IS NULL")
	case OpIsNotNull:
		c.expr(u.X, precConcat)
		c.WriteString(" IS NOT NULL")
	default:
		c.failf("unknown unary operator %d", u.Op)
	}
}

func (c *Compiler) logical(l *Logical) {
	if len(l.List) == 0 {
		c.failf("AND/OR with no operands")
		return
	}
	sep, p := " AND ", precAnd
	if l.Op == OpOr {
		sep, p = " OR ", precOr
	}
	for i, e := range l.List {
		if i > 0 {
			c.WriteString(sep)
		}
		c.expr(e, p)
	}
}

func (c *Compiler) in(n *In) {
	if len(n.List) == 0 {
		c.failf("empty IN list")
		return
	}
	allBound := true
	for _, e := range n.List {
		if _, ok := e.(*Bind); !ok {
			allBound = false
			break
		}
	}
	if allBound && len(n.List) > InListHookThreshold && c.il != nil {
		values := make([]any, len(n.List))
		for i, e := range n.List {
			values[i] = e.(*Bind).Value
		}
		if c.il.CompileInList(c, n.X, values, n.Not) {
			return
		}
	}
	c.expr(n.X, precConcat)
	if n.Not {
		c.WriteString(" NOT IN (")
	} else {
		c.WriteString(" IN (")
	}
	c.exprList(n.List)
	if allBound {
		// Pad with the last value so that lists of similar length share one
		// text (and one cache entry, and one prepared statement). Repeating
		// a value changes neither IN nor NOT IN.
		last := n.List[len(n.List)-1].(*Bind).Value
		for i := len(n.List); i < paddedLen(len(n.List)); i++ {
			c.WriteString(", ")
			c.BindValue(last)
		}
	}
	c.WriteString(")")
}

// paddedLen returns the length an IN list of n bound values is padded to:
// the next power of two, or for long lists the next multiple of 1024.
func paddedLen(n int) int {
	if n <= 1 {
		return n
	}
	if n > 1024 {
		return (n + 1023) &^ 1023
	}
	return 1 << bits.Len(uint(n-1))
}

func (c *Compiler) subquery(q Query) {
	if q == nil {
		c.failf("missing subquery")
		return
	}
	saved := c.bareColumns
	c.bareColumns = false
	c.WriteString("(")
	c.query(q)
	c.WriteString(")")
	c.bareColumns = saved
}

func (c *Compiler) function(f *Func) {
	if !validFuncName(f.Name) {
		c.failf("invalid function name %q", f.Name)
		return
	}
	c.WriteString(f.Name)
	c.WriteString("(")
	if f.Distinct {
		c.WriteString("DISTINCT ")
	}
	if f.Star {
		if len(f.Args) > 0 {
			c.failf("%s(*) with arguments", f.Name)
		}
		c.WriteString("*")
	} else {
		c.exprList(f.Args)
	}
	if len(f.OrderBy) > 0 {
		c.WriteString(" ORDER BY ")
		c.orderByList(f.OrderBy, false)
	}
	c.WriteString(")")
	if f.Filter != nil && c.need(FeatAggregateFilter) {
		c.WriteString(" FILTER (WHERE ")
		c.expr(f.Filter, precLowest)
		c.WriteString(")")
	}
	switch {
	case f.Over != nil && f.OverName != "":
		c.failf("%s: both a window and a window name", f.Name)
	case f.Over != nil:
		if c.need(FeatWindowFunctions) {
			c.WriteString(" OVER ")
			c.window(f.Over)
		}
	case f.OverName != "":
		if c.need(FeatWindowFunctions) {
			c.WriteString(" OVER ")
			c.WriteIdent(f.OverName)
		}
	}
}

// validFuncName reports whether name is a plain or schema-qualified SQL
// name, which is written unquoted. Anything else could smuggle SQL in.
func validFuncName(name string) bool {
	if name == "" {
		return false
	}
	start := true
	for i := 0; i < len(name); i++ {
		b := name[i]
		switch {
		case b == '_' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z':
			start = false
		case '0' <= b && b <= '9' || b == '$':
			if start {
				return false
			}
		case b == '.':
			if start {
				return false
			}
			start = true
		default:
			return false
		}
	}
	return !start
}

func (c *Compiler) caseExpr(e *Case) {
	if len(e.Whens) == 0 {
		c.failf("CASE with no WHEN")
		return
	}
	c.WriteString("CASE")
	if e.Operand != nil {
		c.WriteString(" ")
		c.expr(e.Operand, precLowest)
	}
	for _, w := range e.Whens {
		c.WriteString(" WHEN ")
		c.expr(w.Cond, precLowest)
		c.WriteString(" THEN ")
		c.expr(w.Result, precLowest)
	}
	if e.Else != nil {
		c.WriteString(" ELSE ")
		c.expr(e.Else, precLowest)
	}
	c.WriteString(" END")
}

// orderByList writes ORDER BY items. With byName, an item that is a label
// is written as the label's name (the select list's output column), as a
// statement's ORDER BY may; a window's cannot.
func (c *Compiler) orderByList(items []OrderBy, byName bool) {
	for i, o := range items {
		if i > 0 {
			c.WriteString(", ")
		}
		if l, ok := o.X.(*Label); ok && byName {
			c.WriteIdent(l.Name)
		} else {
			c.expr(o.X, precLowest)
		}
		if o.Desc {
			c.WriteString(" DESC")
		}
		switch o.Nulls {
		case NullsFirst:
			if c.need(FeatNullsOrder) {
				c.WriteString(" NULLS FIRST")
			}
		case NullsLast:
			if c.need(FeatNullsOrder) {
				c.WriteString(" NULLS LAST")
			}
		}
	}
}

func (c *Compiler) window(w *Window) {
	c.WriteString("(")
	sep := ""
	if w.Base != "" {
		c.WriteIdent(w.Base)
		sep = " "
	}
	if len(w.PartitionBy) > 0 {
		c.WriteString(sep)
		c.WriteString("PARTITION BY ")
		c.exprList(w.PartitionBy)
		sep = " "
	}
	if len(w.OrderBy) > 0 {
		c.WriteString(sep)
		c.WriteString("ORDER BY ")
		c.orderByList(w.OrderBy, false)
		sep = " "
	}
	if f := w.Frame; f != nil {
		c.WriteString(sep)
		switch f.Mode {
		case FrameRows:
			c.WriteString("ROWS ")
		case FrameRange:
			c.WriteString("RANGE ")
		case FrameGroups:
			c.WriteString("GROUPS ")
		default:
			c.failf("unknown window frame mode %d", f.Mode)
		}
		if f.End != nil {
			c.WriteString("BETWEEN ")
			c.frameBound(f.Start)
			c.WriteString(" AND ")
			c.frameBound(*f.End)
		} else {
			c.frameBound(f.Start)
		}
		switch f.Exclude {
		case ExcludeCurrentRow:
			c.WriteString(" EXCLUDE CURRENT ROW")
		case ExcludeGroup:
			c.WriteString(" EXCLUDE GROUP")
		case ExcludeTies:
			c.WriteString(" EXCLUDE TIES")
		}
	}
	c.WriteString(")")
}

func (c *Compiler) frameBound(b FrameBound) {
	switch b.Kind {
	case UnboundedPreceding:
		c.WriteString("UNBOUNDED PRECEDING")
	case Preceding:
		c.expr(b.Offset, precPrimary)
		c.WriteString(" PRECEDING")
	case CurrentRow:
		c.WriteString("CURRENT ROW")
	case Following:
		c.expr(b.Offset, precPrimary)
		c.WriteString(" FOLLOWING")
	case UnboundedFollowing:
		c.WriteString("UNBOUNDED FOLLOWING")
	default:
		c.failf("unknown window frame bound %d", b.Kind)
	}
}
