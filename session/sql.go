package session

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/mapper"
)

// The statements a flush and a load by key send are the same for every
// object of a mapping, but for their values: they are compiled once per
// shape (mapping, dialect, columns, rows) and run with ore.ExecSQL, so that
// building and compiling a syntax tree costs nothing per object.

// stmtKind is the kind of a mapping's statement.
type stmtKind uint8

const (
	stmtSelectByKey stmtKind = iota + 1 // SELECT cols FROM t WHERE pk = ?
	stmtInsert                          // INSERT INTO t (cols) VALUES (...), ... [RETURNING ...]
	stmtUpdate                          // UPDATE t SET cols WHERE pk = ? [AND version = ?]
	stmtDelete                          // DELETE FROM t WHERE pk = ? [AND version = ?]
)

// stmtKey identifies a compiled statement.
type stmtKey struct {
	m       *mapper.Mapping
	dialect string
	kind    stmtKind
	cols    string // the columns involved, as the bytes of a fieldSet
	ret     string // the columns returned (inserts)
	rows    int    // VALUES rows (inserts)
	version bool   // the WHERE clause checks the version column
}

// compiled is the SQL of a statement whose placeholders take the values
// given, in order: the statements are built so that they do.
type compiled struct {
	sql string
}

// maxCompiled bounds the cache of compiled statements; past it the cache
// starts again (insert statements are compiled per row count).
const maxCompiled = 4096

var (
	compiledMu    sync.Mutex
	compiledCache = map[stmtKey]*compiled{}
)

// compiledFor returns the statement of key, compiling build's tree on
// first use.
func compiledFor(d compile.Dialect, key stmtKey, build func() compile.Stmt) (*compiled, error) {
	compiledMu.Lock()
	c := compiledCache[key]
	compiledMu.Unlock()
	if c != nil {
		return c, nil
	}
	q, err := compile.Compile(d, build())
	if err != nil {
		return nil, fmt.Errorf("session: %s: %w", key.m.Table().Name(), err)
	}
	c = &compiled{sql: q.SQL}
	compiledMu.Lock()
	if len(compiledCache) >= maxCompiled {
		clear(compiledCache)
	}
	compiledCache[key] = c
	compiledMu.Unlock()
	return c, nil
}

// slot is the placeholder for a value: compile.Param nodes, each rendered
// as its own placeholder, in the order the statement's tree lists them.
var slot compile.Expr = &compile.Param{Name: "v"}

func tableNode(m *mapper.Mapping) *compile.Table {
	return &compile.Table{Schema: m.Table().Schema(), Name: m.Table().Name()}
}

func columnNodes(t *compile.Table, fields []*mapper.Field) []compile.Expr {
	out := make([]compile.Expr, len(fields))
	for i, f := range fields {
		out[i] = &compile.Column{Table: t, Name: f.Column.Name}
	}
	return out
}

// keyCondition returns "pk1 = ? AND pk2 = ? [AND version = ?]".
func keyCondition(m *mapper.Mapping, t *compile.Table, version bool) compile.Expr {
	var conds []compile.Expr
	for _, f := range m.PrimaryKey() {
		conds = append(conds, &compile.Binary{Op: compile.OpEq, X: &compile.Column{Table: t, Name: f.Column.Name}, Y: slot})
	}
	if version {
		conds = append(conds, &compile.Binary{Op: compile.OpEq, X: &compile.Column{Table: t, Name: m.Version().Column.Name}, Y: slot})
	}
	if len(conds) == 1 {
		return conds[0]
	}
	return &compile.Logical{Op: compile.OpAnd, List: conds}
}

func fieldsOf(m *mapper.Mapping, set fieldSet) []*mapper.Field {
	var out []*mapper.Field
	for _, f := range m.Fields() {
		if set.has(f.Pos) {
			out = append(out, f)
		}
	}
	return out
}

func setKey(set fieldSet) string {
	var b strings.Builder
	for _, w := range set {
		for i := 0; i < 8; i++ {
			b.WriteByte(byte(w >> (8 * i)))
		}
	}
	return b.String()
}

// selectByKey returns "SELECT cols FROM t WHERE pk = ?": its values are the
// primary key's.
func selectByKey(d compile.Dialect, m *mapper.Mapping, cols fieldSet) (*compiled, error) {
	key := stmtKey{m: m, dialect: d.Name(), kind: stmtSelectByKey, cols: setKey(cols)}
	return compiledFor(d, key, func() compile.Stmt {
		t := tableNode(m)
		return &compile.Select{
			Columns: columnNodes(t, fieldsOf(m, cols)),
			From:    []compile.FromItem{t},
			Where:   keyCondition(m, t, false),
		}
	})
}

// insertRows returns "INSERT INTO t (cols) VALUES (...) x rows RETURNING
// ret": its values are each row's, in column order, row after row.
func insertRows(d compile.Dialect, m *mapper.Mapping, cols, ret fieldSet, rows int) (*compiled, error) {
	key := stmtKey{m: m, dialect: d.Name(), kind: stmtInsert, cols: setKey(cols), ret: setKey(ret), rows: rows}
	return compiledFor(d, key, func() compile.Stmt {
		t := tableNode(m)
		fields := fieldsOf(m, cols)
		ins := &compile.Insert{Table: t}
		if len(fields) == 0 {
			ins.DefaultValues = true
		} else {
			row := make([]compile.Expr, len(fields))
			for i, f := range fields {
				ins.Columns = append(ins.Columns, f.Column.Name)
				row[i] = slot
			}
			ins.Rows = make([][]compile.Expr, rows)
			for i := range ins.Rows {
				ins.Rows[i] = row
			}
		}
		if !ret.empty() {
			// Unqualified: SQLite's RETURNING takes no table names.
			ins.Returning = columnNodes(nil, fieldsOf(m, ret))
		}
		return ins
	})
}

// updateRow returns "UPDATE t SET cols WHERE pk = ? [AND version = ?]":
// its values are the new column values, then the old key (and version).
func updateRow(d compile.Dialect, m *mapper.Mapping, cols fieldSet, version bool) (*compiled, error) {
	key := stmtKey{m: m, dialect: d.Name(), kind: stmtUpdate, cols: setKey(cols), version: version}
	return compiledFor(d, key, func() compile.Stmt {
		t := tableNode(m)
		up := &compile.Update{Table: t, Where: keyCondition(m, t, version)}
		for _, f := range fieldsOf(m, cols) {
			up.Set = append(up.Set, compile.Assign{Column: f.Column.Name, Value: slot})
		}
		return up
	})
}

// deleteRow returns "DELETE FROM t WHERE pk = ? [AND version = ?]".
func deleteRow(d compile.Dialect, m *mapper.Mapping, version bool) (*compiled, error) {
	key := stmtKey{m: m, dialect: d.Name(), kind: stmtDelete, version: version}
	return compiledFor(d, key, func() compile.Stmt {
		t := tableNode(m)
		return &compile.Delete{Table: t, Where: keyCondition(m, t, version)}
	})
}

// tree is a statement given as a syntax tree, run through ore's statement
// cache: for the statements whose shape varies too much to compile once
// per shape here (IN lists, say).
type tree struct{ n compile.Stmt }

func (t tree) Build() (compile.Stmt, error) { return t.n, nil }
