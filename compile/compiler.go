package compile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// Compiled is a statement rendered for one dialect: SQL text with
// placeholders and the arguments that go with them.
type Compiled struct {
	SQL string
	// Args holds one value per placeholder, in order. A *Param element
	// stands for a named parameter whose value is supplied at execution;
	// see [Compiled.BindParams].
	Args []any
}

// HasParams reports whether any argument is a named parameter still to be
// supplied.
func (q Compiled) HasParams() bool {
	for _, a := range q.Args {
		if _, ok := a.(*Param); ok {
			return true
		}
	}
	return false
}

// BindParams returns q's arguments with every named parameter replaced by
// the value lookup returns for its name. It returns an error naming the first
// parameter lookup has no value for. q itself is not changed.
func (q Compiled) BindParams(lookup func(name string) (any, bool)) ([]any, error) {
	args := make([]any, len(q.Args))
	for i, a := range q.Args {
		if p, ok := a.(*Param); ok {
			v, ok := lookup(p.Name)
			if !ok {
				return nil, fmt.Errorf("compile: no value for parameter %q", p.Name)
			}
			a = v
		}
		args[i] = a
	}
	return args, nil
}

// Compile renders s for dialect d. It returns the first error found in s:
// a feature d lacks, a malformed node, a column whose table is not in FROM.
func Compile(d Dialect, s Stmt) (Compiled, error) {
	c := newCompiler(d, modeRender)
	defer c.release()
	c.stmt(s)
	if c.err != nil {
		return Compiled{}, c.err
	}
	return Compiled{SQL: string(c.buf), Args: c.cloneArgs()}, nil
}

// CompileExpr renders a lone expression for dialect d, without checking
// that its columns' tables are in scope. It is meant for tests, debugging and
// dialect hooks' callers; statements are compiled with [Compile].
func CompileExpr(d Dialect, e Expr) (Compiled, error) {
	c := newCompiler(d, modeRender)
	defer c.release()
	c.expr(e, precLowest)
	if c.err != nil {
		return Compiled{}, c.err
	}
	return Compiled{SQL: string(c.buf), Args: c.cloneArgs()}, nil
}

// ----------------------------------------------------------------------------
// Compiler

// mode says what the compiler produces.
type mode uint8

const (
	// modeRender writes SQL text and collects arguments.
	modeRender mode = iota
	// modeKey writes the shape key instead of the SQL text: the same
	// sequence of writes, with identifiers, raw SQL and placeholders encoded
	// as tagged tokens. Two statements with equal keys render the same SQL,
	// because the text is a function of that token sequence. Arguments are
	// collected exactly as in modeRender.
	modeKey
	// modeDebug writes SQL text with every bound value inlined as a literal.
	modeDebug
)

// Key tokens. Constant text written by the compiler and the dialects never
// contains these bytes, which keeps the key unambiguous.
const (
	tokIdent       = 0x01
	tokPlaceholder = 0x02
	tokRaw         = 0x03
)

// A scopeEntry is a name that qualifies columns in the current statement:
// a table's alias or name, or a derived table's alias.
type scopeEntry struct {
	schema, name string
	any          bool // a FROM item whose names are unknown (raw SQL): anything goes
}

// Compiler renders one statement. Dialect hooks receive it and write through
// its exported methods, so that compiling, cache keys and debug rendering all
// see the same sequence of writes.
//
// A Compiler is not safe for concurrent use; each compilation uses its own.
type Compiler struct {
	d     Dialect
	feat  Feature
	lo    LimitOffsetCompiler // or nil
	il    InListCompiler      // or nil
	iv    identValidator      // or nil
	quote byte                // the dialect's identifier quote (IdentQuoter); or 0
	mode  mode

	buf    []byte // SQL text, or the shape key in modeKey
	args   []any  // scratch; copied out at the end
	nplace int    // placeholders written so far
	err    error  // first error

	bareColumns bool         // columns render unqualified (compound ORDER BY, conflict targets)
	literals    bool         // values render as literals (schema statements)
	excludedOK  bool         // inside ON CONFLICT DO UPDATE, where excluded.x is valid
	check       bool         // columns must refer to tables in scope
	scope       []scopeEntry // visible names, outermost first
	levelStart  int          // where the current statement's own FROM names start in scope
	retTarget   *Table       // DML target while rendering RETURNING; or nil

	// known are identifiers this (pooled) compiler checked and found
	// plain for the dialect named knownFor: kept across compilations.
	known    *knownIdents
	knownFor string
}

// knownIdents is a direct-mapped cache of plain identifiers (valid for the
// dialect, with no quote character to double), by the address of their
// bytes. Go strings are immutable, so a string at the same address with
// the same length is the same identifier; and the cache holds the bytes,
// so their address is not reused while an entry names it. The names of
// declared tables and columns keep their addresses from one statement to
// the next: the cache spares re-checking them on every compilation.
type knownIdents [64]struct {
	p *byte
	n int
}

func (k *knownIdents) slot(name string) *struct {
	p *byte
	n int
} {
	return &k[(uintptr(unsafe.Pointer(unsafe.StringData(name)))>>3)%uintptr(len(k))]
}

// identValidator is an optional interface a Dialect may implement to reject
// identifiers the database would alter or refuse, such as PostgreSQL names
// longer than 63 bytes, which it truncates.
type identValidator interface {
	ValidateIdent(name string) error
}

var compilerPool = sync.Pool{New: func() any { return new(Compiler) }}

// maxPooledBuf is the largest buffer kept for reuse: one huge statement must
// not pin its buffer forever.
const maxPooledBuf = 16 << 10

func newCompiler(d Dialect, m mode) *Compiler {
	c := compilerPool.Get().(*Compiler)
	c.d = d
	c.feat = d.Features()
	c.lo, _ = d.(LimitOffsetCompiler)
	c.il, _ = d.(InListCompiler)
	c.iv, _ = d.(identValidator)
	if iq, ok := d.(IdentQuoter); ok {
		c.quote = iq.IdentQuote()
	}
	if c.known == nil {
		c.known = new(knownIdents)
	}
	if name := d.Name(); c.knownFor != name {
		*c.known, c.knownFor = knownIdents{}, name
	}
	c.mode = m
	return c
}

func (c *Compiler) release() {
	if cap(c.buf) > maxPooledBuf || cap(c.args) > maxPooledBuf/8 {
		*c = Compiler{}
	} else {
		clear(c.args)
		clear(c.scope)
		*c = Compiler{buf: c.buf[:0], args: c.args[:0], scope: c.scope[:0], known: c.known, knownFor: c.knownFor}
	}
	compilerPool.Put(c)
}

func (c *Compiler) cloneArgs() []any {
	if len(c.args) == 0 {
		return nil
	}
	return append([]any(nil), c.args...)
}

// Dialect returns the dialect being compiled for.
func (c *Compiler) Dialect() Dialect { return c.d }

// Fail records err as the compilation's error, unless one is recorded
// already.
func (c *Compiler) Fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func (c *Compiler) failf(format string, args ...any) {
	c.Fail(fmt.Errorf("compile: "+format, args...))
}

// need records an UnsupportedError unless the dialect has feature f, and
// reports whether it has.
func (c *Compiler) need(f Feature) bool {
	if c.feat.Has(f) {
		return true
	}
	c.Fail(&UnsupportedError{Feature: f, Dialect: c.d.Name()})
	return false
}

// WriteString writes constant SQL text: keywords, punctuation, type names.
// It must never be given values or identifiers.
func (c *Compiler) WriteString(s string) {
	c.buf = append(c.buf, s...)
}

// WriteIdent writes name as a quoted identifier.
func (c *Compiler) WriteIdent(name string) {
	if c.mode == modeKey {
		// No checks: a key only finds SQL rendered (and checked) from a
		// statement of the same shape, identifiers included.
		c.buf = append(c.buf, tokIdent)
		c.buf = binary.AppendUvarint(c.buf, uint64(len(name)))
		c.buf = append(c.buf, name...)
		return
	}
	if c.quote != 0 {
		c.quoteIdent(name)
		return
	}
	if err := c.checkIdent(name); err != nil {
		c.Fail(err)
		return
	}
	c.buf = c.d.AppendIdent(c.buf, name)
}

// quoteIdent checks and quotes name in one pass over its bytes, for a
// dialect that quotes with a single character (see IdentQuoter).
func (c *Compiler) quoteIdent(name string) {
	q := c.quote
	if e := c.known.slot(name); e.p == unsafe.StringData(name) && e.n == len(name) && name != "" {
		c.buf = append(c.buf, q)
		c.buf = append(c.buf, name...)
		c.buf = append(c.buf, q)
		return
	}
	ascii, quotes := true, false
	for i := 0; i < len(name); i++ {
		switch b := name[i]; {
		case b == 0:
			c.failf("identifier %q contains a NUL byte", name)
			return
		case b >= utf8.RuneSelf:
			ascii = false
		case b == q:
			quotes = true
		}
	}
	switch {
	case name == "" || !ascii:
		if err := c.checkIdent(name); err != nil {
			c.Fail(err)
			return
		}
	case c.iv != nil:
		// ASCII without NUL: only the dialect's own rules are left.
		if err := c.iv.ValidateIdent(name); err != nil {
			c.Fail(err)
			return
		}
	}
	if quotes {
		c.buf = AppendQuoted(c.buf, name, q)
		return
	}
	e := c.known.slot(name)
	e.p, e.n = unsafe.StringData(name), len(name)
	c.buf = append(c.buf, q)
	c.buf = append(c.buf, name...)
	c.buf = append(c.buf, q)
}

// checkIdent reports an identifier no database keeps as written: empty,
// with a NUL byte, invalid UTF-8, or what the dialect refuses.
func (c *Compiler) checkIdent(name string) error {
	if name == "" {
		return errors.New("compile: empty identifier")
	}
	// Both scans take words at a time; a byte loop here cost more than
	// the quoting.
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("compile: identifier %q contains a NUL byte", name)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("compile: identifier %q is not valid UTF-8", name)
	}
	if c.iv != nil {
		return c.iv.ValidateIdent(name)
	}
	return nil
}

// writeRaw writes SQL text supplied by the user in a Raw node.
func (c *Compiler) writeRaw(s string) {
	if c.mode == modeKey {
		c.buf = append(c.buf, tokRaw)
		c.buf = binary.AppendUvarint(c.buf, uint64(len(s)))
		c.buf = append(c.buf, s...)
		return
	}
	c.buf = append(c.buf, s...)
}

// BindValue writes a placeholder and binds v to it. In a schema statement,
// which has no parameters, it writes v as a literal instead.
func (c *Compiler) BindValue(v any) {
	if c.literals {
		c.ddlLiteral(v)
		return
	}
	c.args = append(c.args, v)
	switch c.mode {
	case modeKey:
		c.buf = append(c.buf, tokPlaceholder)
	case modeDebug:
		c.buf = appendLiteral(c.buf, v)
	default:
		c.nplace++
		c.buf = c.d.AppendPlaceholder(c.buf, c.nplace)
	}
}

func (c *Compiler) param(p *Param) {
	if c.literals {
		c.Fail(errDDLParam)
		return
	}
	if p.Name == "" {
		c.failf("parameter with an empty name")
		return
	}
	if c.mode == modeDebug {
		c.args = append(c.args, p)
		c.buf = append(c.buf, ':')
		c.buf = append(c.buf, p.Name...)
		return
	}
	c.BindValue(p)
}

// Expr writes e as a complete expression, without enclosing parentheses.
func (c *Compiler) Expr(e Expr) { c.expr(e, precLowest) }

// Operand writes e as the operand of an operator that binds tighter than any
// other, parenthesizing it unless it is a primary expression (a column,
// value, function call and the like).
func (c *Compiler) Operand(e Expr) { c.expr(e, precPrimary) }

// ----------------------------------------------------------------------------
// Errors

// ErrUnsupported is matched by every [UnsupportedError] with errors.Is.
var ErrUnsupported = errors.New("unsupported by the dialect")

// UnsupportedError is returned when a statement needs a feature the dialect
// lacks.
type UnsupportedError struct {
	Feature Feature
	Dialect string
}

func (e *UnsupportedError) Error() string {
	return "compile: " + e.Feature.String() + " is not supported by " + e.Dialect
}

// Is reports whether target is ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }
