package ore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/internal/fieldptr"
)

// All runs q and returns every row, scanned into T. T is the query's row
// type: a struct (columns matched to fields by `ore` or `db` tag, else by
// name ignoring case and underscores: user_id ↔ UserID), a pointer to one,
// a RowN tuple (by position), a map[string]any, or a single value for a
// one-column result. A column with no field is an error.
func All[T any](ctx context.Context, q Querier, stmt Query[T], params ...ParamValue) ([]T, error) {
	rows, err := queryRows(ctx, q, stmt, params)
	if err != nil {
		return nil, err
	}
	sc, err := newScanner[T](rows)
	if err != nil {
		return nil, rows.fail(err)
	}
	var out []T
	for rows.Next() {
		var v T
		if err := sc.scan(&v); err != nil {
			return nil, rows.fail(err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// One runs q and returns its only row. It returns [ErrNoRows] if there is
// none and [ErrTooManyRows] if there are more.
func One[T any](ctx context.Context, q Querier, stmt Query[T], params ...ParamValue) (T, error) {
	return one(ctx, q, stmt, params, true)
}

// First runs q and returns its first row, or [ErrNoRows]. The other rows,
// if any, are discarded: order the query to say which row is first.
func First[T any](ctx context.Context, q Querier, stmt Query[T], params ...ParamValue) (T, error) {
	return one(ctx, q, stmt, params, false)
}

// Scalar runs q, which must return one row of one column, and returns that
// value: a count, a sum, an id from RETURNING. It returns [ErrNoRows] for
// no row and [ErrTooManyRows] for more than one.
func Scalar[T any](ctx context.Context, q Querier, stmt Query[T], params ...ParamValue) (T, error) {
	var zero T
	rows, err := queryRows(ctx, q, stmt, params)
	if err != nil {
		return zero, err
	}
	if n := len(rows.Columns()); n != 1 {
		return zero, rows.fail(fmt.Errorf("ore: Scalar: the query returns %d columns, not 1", n))
	}
	return oneRow[T](rows, true)
}

func one[T any](ctx context.Context, q Querier, stmt Query[T], params []ParamValue, exactly bool) (T, error) {
	rows, err := queryRows(ctx, q, stmt, params)
	if err != nil {
		var zero T
		return zero, err
	}
	return oneRow[T](rows, exactly)
}

func oneRow[T any](rows *Rows, exactly bool) (T, error) {
	var v T
	sc, err := newScanner[T](rows)
	if err != nil {
		return v, rows.fail(err)
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return v, err
		}
		return v, ErrNoRows
	}
	if err := sc.scan(&v); err != nil {
		return v, rows.fail(err)
	}
	if exactly && rows.Next() {
		var zero T
		return zero, rows.fail(ErrTooManyRows)
	}
	return v, rows.Close()
}

// Each runs q and yields its rows one at a time as they arrive, scanned
// into T, for results too large to hold at once. An error ends the
// sequence (it is yielded with a zero T); breaking out of the loop closes
// the rows. The connection is held until the loop ends.
//
//	for track, err := range ore.Each(ctx, db, q) {
//		if err != nil { return err }
//		...
//	}
func Each[T any](ctx context.Context, q Querier, stmt Query[T], params ...ParamValue) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := queryRows(ctx, q, stmt, params)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rows.Close()
		sc, err := newScanner[T](rows)
		if err != nil {
			yield(zero, rows.fail(err))
			return
		}
		for rows.Next() {
			var v T
			if err := sc.scan(&v); err != nil {
				yield(zero, rows.fail(err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, err)
		}
	}
}

// Into returns s typed as a query whose rows scan into T, for statements
// that are not typed by construction: INSERT, UPDATE or DELETE with
// RETURNING, raw SQL.
//
//	id, err := ore.Scalar(ctx, db, ore.Into[int64](ore.Insert(Users).Values(...).Returning(Users.ID)))
func Into[T any](s Statement) Query[T] { return intoQuery[T]{s} }

type intoQuery[T any] struct{ s Statement }

func (q intoQuery[T]) Build() (compile.Stmt, error) { return buildStmt(q.s) }
func (q intoQuery[T]) rowType() (v T)               { return v }
func (q intoQuery[T]) queryNode() compile.Query {
	n, err := buildStmt(q.s)
	if err != nil {
		return &compile.Bad{Err: err}
	}
	if qn, ok := n.(compile.Query); ok {
		return qn
	}
	return &compile.Bad{Err: errors.New("ore: a statement that is not a query used as a subquery")}
}

// ----------------------------------------------------------------------------
// Scan plans

// scanner scans rows into T, reusing one destination slice for every row.
type scanner[T any] struct {
	rows *Rows
	plan *scanPlan
	dest []any
}

func newScanner[T any](rows *Rows) (*scanner[T], error) {
	plan, err := planFor(reflect.TypeFor[T](), rows.Columns())
	if err != nil {
		return nil, err
	}
	return &scanner[T]{rows: rows, plan: plan, dest: make([]any, len(plan.cols))}, nil
}

// scan reads the current row into *v.
func (s *scanner[T]) scan(v *T) error {
	p := s.plan
	switch p.kind {
	case planValue:
		s.dest[0] = v
		return s.rows.Scan(s.dest...)
	case planMap:
		vals := make([]any, len(p.cols))
		for i := range vals {
			s.dest[i] = &vals[i]
		}
		if err := s.rows.Scan(s.dest...); err != nil {
			return err
		}
		m := make(map[string]any, len(p.cols))
		for i, c := range p.cols {
			m[c] = vals[i]
		}
		reflect.ValueOf(v).Elem().Set(reflect.ValueOf(m))
		return nil
	}
	base := unsafe.Pointer(v)
	if p.ptr {
		// T is *S: allocate the S this row scans into.
		sv := reflect.New(p.elem)
		reflect.ValueOf(v).Elem().Set(sv)
		base = sv.UnsafePointer()
	}
	for i, f := range p.fields {
		s.dest[i] = f.Pointer(base)
	}
	return s.rows.Scan(s.dest...)
}

type planKind uint8

const (
	planStruct planKind = iota // columns to fields by name, or by position for tuples
	planValue                  // the only column into the whole value
	planMap                    // map[string]any
)

// scanPlan is how to scan one column list into one type. Plans are made
// once per (type, columns) and cached.
type scanPlan struct {
	cols   []string
	kind   planKind
	ptr    bool             // the type is a pointer to the struct
	elem   reflect.Type     // the struct type
	fields []fieldptr.Field // one per column, for planStruct
}

// typePlans holds the plans made for one type, one per column list seen.
type typePlans struct {
	mu    sync.RWMutex
	plans []*scanPlan
}

var planCache sync.Map // reflect.Type -> *typePlans

// planFor returns the plan for scanning cols into t, from the cache when
// this column list was seen before. Looking up costs no allocation.
func planFor(t reflect.Type, cols []string) (*scanPlan, error) {
	tp, ok := planCache.Load(t)
	if !ok {
		tp, _ = planCache.LoadOrStore(t, &typePlans{})
	}
	plans := tp.(*typePlans)
	plans.mu.RLock()
	for _, p := range plans.plans {
		if slices.Equal(p.cols, cols) {
			plans.mu.RUnlock()
			return p, nil
		}
	}
	plans.mu.RUnlock()
	p, err := makePlan(t, slices.Clone(cols))
	if err != nil {
		return nil, err
	}
	plans.mu.Lock()
	if len(plans.plans) < 64 { // a type scanned with ever new column lists is not cached further
		plans.plans = append(plans.plans, p)
	}
	plans.mu.Unlock()
	return p, nil
}

var (
	scannerType = reflect.TypeFor[sql.Scanner]()
	tupleType   = reflect.TypeFor[tuple]()
	mapType     = reflect.TypeFor[map[string]any]()
)

// tuple is implemented by the RowN types, which scan by position.
type tuple interface{ isTuple() }

func (Row2[A, B]) isTuple()             {}
func (Row3[A, B, C]) isTuple()          {}
func (Row4[A, B, C, D]) isTuple()       {}
func (Row5[A, B, C, D, E]) isTuple()    {}
func (Row6[A, B, C, D, E, F]) isTuple() {}

// isValueType reports whether values of t are scanned whole from one
// column rather than field by field.
func isValueType(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return true
	}
	return t == timeType || reflect.PointerTo(t).Implements(scannerType)
}

func makePlan(t reflect.Type, cols []string) (*scanPlan, error) {
	p := &scanPlan{cols: cols}
	switch {
	case t == mapType:
		p.kind = planMap
		return p, nil
	case t.Implements(tupleType):
		p.elem = t
		if t.NumField() != len(cols) {
			return nil, fmt.Errorf("ore: scan into %s: the query returns %d columns", t, len(cols))
		}
		for i := range cols {
			p.fields = append(p.fields, fieldptr.New(t.Field(i).Offset, t.Field(i).Type))
		}
		return p, nil
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && !isValueType(t.Elem()):
		p.ptr = true
		p.elem = t.Elem()
	case isValueType(t):
		if len(cols) != 1 {
			return nil, fmt.Errorf("ore: scan into %s: the query returns %d columns; a struct or tuple type takes several", t, len(cols))
		}
		p.kind = planValue
		return p, nil
	default:
		p.elem = t
	}
	fields := structFields(p.elem, 0, nil)
	used := make(map[int]string, len(cols))
	for _, col := range cols {
		i := matchField(fields, col)
		if i < 0 {
			return nil, fmt.Errorf("ore: scan into %s: column %q has no field (tag a field `ore:\"%s\"`)", p.elem, col, col)
		}
		if prev, dup := used[i]; dup {
			return nil, fmt.Errorf("ore: scan into %s: columns %q and %q both map to field %s", p.elem, prev, col, fields[i].name)
		}
		used[i] = col
		p.fields = append(p.fields, fieldptr.New(fields[i].offset, fields[i].typ))
	}
	return p, nil
}

// structField is a field a column can scan into.
type structField struct {
	name   string // Go name
	tag    string // column name from the tag; or ""
	offset uintptr
	typ    reflect.Type
}

// structFields lists t's exported fields, flattening embedded structs.
func structFields(t reflect.Type, base uintptr, out []structField) []structField {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := tagName(f)
		if tag == "-" {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && tag == "" && !isValueType(f.Type) {
			out = structFields(f.Type, base+f.Offset, out)
			continue
		}
		if !f.IsExported() {
			continue
		}
		out = append(out, structField{name: f.Name, tag: tag, offset: base + f.Offset, typ: f.Type})
	}
	return out
}

func tagName(f reflect.StructField) string {
	for _, key := range []string{"ore", "db"} {
		if tag, ok := f.Tag.Lookup(key); ok {
			name, _, _ := strings.Cut(tag, ",")
			return name
		}
	}
	return ""
}

// matchField returns the index of the field for column col: the field
// tagged col, else the one whose name equals col ignoring case and
// underscores; or -1.
func matchField(fields []structField, col string) int {
	for i, f := range fields {
		if f.tag == col {
			return i
		}
	}
	norm := normalizeName(col)
	for i, f := range fields {
		if f.tag == "" && normalizeName(f.name) == norm {
			return i
		}
	}
	return -1
}

func normalizeName(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}
