package mapper

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/internal/fieldptr"
)

// Mapping describes how one Go struct type maps to a table: its column
// fields, primary key, version column and relationships. Make one with
// [Map]; the session reads it. A Mapping is immutable once checked and safe
// for concurrent use.
type Mapping struct {
	typ       reflect.Type
	table     *ore.Table
	fields    []*Field    // column fields, in the table's column order
	pk        []*Field    // primary key fields, in key order
	version   *Field      // optimistic lock counter; or nil
	rels      []*Relation // relationships, in declaration order
	ops       typeOps
	configure func(m *Mapping) error

	versionOffset uintptr // the version field's offset, set by Version
	hasVersion    bool

	same atomic.Pointer[samePlan] // how Same compares objects, made on first use

	declared bool        // configure ran; guarded by checkMu
	resolved bool        // the relationships were resolved; guarded by checkMu
	checked  atomic.Bool // checked, with every mapping it reaches
	err      error
}

// typeOps are the operations on values of the mapped type that need to
// know it, written once per type by generic code.
type typeOps struct {
	new  func() unsafe.Pointer         // a new zero T
	copy func(dst, src unsafe.Pointer) // *dst = *src
	size uintptr
}

// Field is a struct field that holds a column.
type Field struct {
	Name   string         // the Go field name
	Column *ore.ColumnDef // the column's declaration
	Pos    int            // position in Mapping.Fields
	ptr    fieldptr.Field
	equal  func(a, b unsafe.Pointer) bool // the field's values at a and b are equal
	isZero func(p unsafe.Pointer) bool
	copy   func(dst, src unsafe.Pointer) // copies the value at src (the field's address) to dst
	deep   bool                          // copy clones: a byte slice or a pointer
}

// Pointer returns a pointer to the field in the object at obj, typed as a
// pointer to the field's type, for scanning.
func (f *Field) Pointer(obj unsafe.Pointer) any { return f.ptr.Pointer(obj) }

// Type returns the field's Go type.
func (f *Field) Type() reflect.Type { return f.ptr.Type }

// Value returns the field's value in the object at obj.
func (f *Field) Value(obj unsafe.Pointer) any { return f.ptr.Value(obj) }

// Set sets the field in the object at obj to v, which must be of the
// field's type (or nil for a pointer, slice or interface field).
func (f *Field) Set(obj unsafe.Pointer, v any) {
	dst := reflect.NewAt(f.ptr.Type, unsafe.Add(obj, f.ptr.Offset)).Elem()
	if v == nil {
		dst.SetZero()
		return
	}
	dst.Set(reflect.ValueOf(v))
}

// Equal reports whether the field holds equal values in the objects at a
// and b. Times compare as instants; pointers by what they point to.
func (f *Field) Equal(a, b unsafe.Pointer) bool { return f.equal(a, b) }

// IsZero reports whether the field holds its type's zero value in the
// object at obj.
func (f *Field) IsZero(obj unsafe.Pointer) bool { return f.isZero(obj) }

// Copy copies the field's value in the object at src to the object at dst.
// A byte slice or a pointer is copied one level deep, so that the two
// objects share nothing the application could change in place.
func (f *Field) Copy(dst, src unsafe.Pointer) {
	f.copy(unsafe.Add(dst, f.ptr.Offset), unsafe.Add(src, f.ptr.Offset))
}

// Generated reports whether the database makes the column's value when an
// INSERT leaves it out: an identity, or a server default.
func (f *Field) Generated() bool { return f.Column.Identity || f.Column.Default != "" }

// Type returns the mapped Go struct type.
func (m *Mapping) Type() reflect.Type { return m.typ }

// Table returns the mapped table.
func (m *Mapping) Table() *ore.Table { return m.table }

// Fields returns the column fields, in the table's column order.
func (m *Mapping) Fields() []*Field { return m.fields }

// PrimaryKey returns the primary key fields, in key order.
func (m *Mapping) PrimaryKey() []*Field { return m.pk }

// Version returns the version counter field; or nil.
func (m *Mapping) Version() *Field { return m.version }

// Relations returns the relationships, in declaration order.
func (m *Mapping) Relations() []*Relation { return m.rels }

// Relation returns the relationship of the field named name; or nil.
func (m *Mapping) Relation(name string) *Relation {
	for _, r := range m.rels {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// RelationAt returns the relationship whose field is at field in the
// object at obj; or nil.
func (m *Mapping) RelationAt(obj, field unsafe.Pointer) *Relation {
	off := uintptr(field) - uintptr(obj)
	for _, r := range m.rels {
		if r.acc.offset == off {
			return r
		}
	}
	return nil
}

// Field returns the column field named name (the Go field name); or nil.
func (m *Mapping) Field(name string) *Field {
	for _, f := range m.fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// FieldFor returns the field holding column; or nil.
func (m *Mapping) FieldFor(column string) *Field {
	for _, f := range m.fields {
		if f.Column.Name == column {
			return f
		}
	}
	return nil
}

// New returns a new zero object of the mapped type.
func (m *Mapping) New() unsafe.Pointer { return m.ops.new() }

// Copy copies the object at src over the object at dst.
func (m *Mapping) Copy(dst, src unsafe.Pointer) { m.ops.copy(dst, src) }

// Snapshot copies the object at src over the object at dst as a record of
// its column values: byte slices and pointers of column fields are cloned
// (see Field.Copy), and relationship fields are left zero, so that the
// snapshot refers to no other mapped object.
func (m *Mapping) Snapshot(dst, src unsafe.Pointer) {
	m.ops.copy(dst, src)
	for _, f := range m.fields {
		if f.deep {
			f.Copy(dst, src)
		}
	}
	for _, r := range m.rels {
		r.clear(dst)
	}
}

// Same reports whether every column field holds equal values in the
// objects at a and b: what a session asks of each object it holds,
// before every flush, to find changes. Bytes that are equal hold equal
// values, so runs of adjacent fields are compared as bytes first (one
// memory comparison per run) and field by field only where those differ,
// or where a field's value lies behind a pointer.
func (m *Mapping) Same(a, b unsafe.Pointer) bool {
	plan := m.same.Load()
	if plan == nil {
		plan = m.samePlan()
		m.same.Store(plan)
	}
	for _, r := range plan.runs {
		x := unsafe.Slice((*byte)(unsafe.Add(a, r.off)), r.size)
		y := unsafe.Slice((*byte)(unsafe.Add(b, r.off)), r.size)
		if !bytes.Equal(x, y) {
			for _, f := range r.fields {
				if !f.equal(a, b) {
					return false
				}
			}
		}
	}
	for _, f := range plan.deep {
		if !f.equal(a, b) {
			return false
		}
	}
	return true
}

// samePlan is how Same compares: runs of adjacent fields whose bytes are
// their values, and the fields whose values lie behind pointers (a
// snapshot holds copies of those, at other addresses).
type samePlan struct {
	runs []sameRun
	deep []*Field
}

type sameRun struct {
	off, size uintptr
	fields    []*Field
}

func (m *Mapping) samePlan() *samePlan {
	byOffset := slices.Clone(m.fields)
	slices.SortFunc(byOffset, func(a, b *Field) int { return cmp.Compare(a.ptr.Offset, b.ptr.Offset) })
	plan := &samePlan{}
	for _, f := range byOffset {
		if f.deep {
			plan.deep = append(plan.deep, f)
			continue
		}
		size := f.ptr.Type.Size()
		if n := len(plan.runs); n > 0 && plan.runs[n-1].off+plan.runs[n-1].size == f.ptr.Offset {
			r := &plan.runs[n-1]
			r.size += size
			r.fields = append(r.fields, f)
			continue
		}
		plan.runs = append(plan.runs, sameRun{off: f.ptr.Offset, size: size, fields: []*Field{f}})
	}
	return plan
}

// Check finishes the mapping (resolving relationships against the other
// mappings) if it has not been, and returns what is wrong with it, or with
// a mapping its relationships reach; nil if nothing is. Sessions call it
// before first using a mapping.
func (m *Mapping) Check() error {
	if m.checked.Load() {
		return m.err
	}
	checkMu.Lock()
	defer checkMu.Unlock()
	seen := map[*Mapping]bool{}
	err := m.check(seen)
	if err == nil {
		for v := range seen {
			v.checked.Store(true)
		}
	}
	return err
}

// checkMu serializes checking: mappings refer to each other in cycles, and
// are checked once, together.
var checkMu sync.Mutex

// check checks m and the mappings its relationships reach (seen are those
// on the way). Caller holds checkMu.
func (m *Mapping) check(seen map[*Mapping]bool) error {
	if m.checked.Load() || seen[m] {
		return m.err
	}
	seen[m] = true
	if err := m.declare(); err != nil {
		return err
	}
	if !m.resolved {
		m.resolved = true
		for _, r := range m.rels {
			if err := r.resolve(); err != nil {
				err = fmt.Errorf("mapper: %s.%s: %w", m.typ.Name(), r.Name, err)
				if errors.Is(err, ErrNotMapped) {
					m.resolved = false // not final: the target may be mapped later
					return err
				}
				m.err = err
				return m.err
			}
		}
	}
	for _, r := range m.rels {
		if err := r.target.check(seen); err != nil {
			err = fmt.Errorf("mapper: %s.%s: %w", m.typ.Name(), r.Name, err)
			if errors.Is(err, ErrNotMapped) {
				return err
			}
			if m.err == nil {
				m.err = err
			}
			return m.err
		}
	}
	return m.err
}

// declare runs the mapping's configure function, once: its fields, key
// and relationships' declarations, without resolving them. Caller holds
// checkMu.
func (m *Mapping) declare() error {
	if !m.declared {
		m.declared = true
		if m.err == nil && m.configure != nil {
			if err := m.configure(m); err != nil {
				if errors.Is(err, ErrNotMapped) {
					// A type it relates to is not mapped yet; it may be
					// later: start again then.
					m.fields, m.pk, m.version, m.rels = nil, nil, nil, nil
					m.versionOffset, m.hasVersion, m.declared = 0, false, false
					return err
				}
				m.err = err
			}
		}
	}
	return m.err
}

// ----------------------------------------------------------------------------
// Declaring mappings

// Mapper is the typed handle of a mapping of T, returned by [Map].
type Mapper[T any] struct {
	m *Mapping
}

// Mapping returns the untyped mapping.
func (mp *Mapper[T]) Mapping() *Mapping { return mp.m }

// Builder collects a mapping's explicit declarations inside the configure
// function given to [Map].
type Builder[T any] struct {
	m     *Mapping
	base  *T
	bound map[uintptr]bool // offsets of fields bound explicitly
	err   error
}

func (b *Builder[T]) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// offsetOf returns the offset of the field at p within b's sample object,
// or false if p does not point into it.
func (b *Builder[T]) offsetOf(p unsafe.Pointer, size uintptr) (uintptr, bool) {
	base := uintptr(unsafe.Pointer(b.base))
	at := uintptr(p)
	if at < base || at+size > base+unsafe.Sizeof(*b.base) {
		return 0, false
	}
	return at - base, true
}

// Map declares that struct type T maps to table t, and registers the
// mapping for sessions to find by type. Fields are matched to columns as
// the package doc says; configure, if given, binds fields explicitly and
// declares relationships. Map never panics: a declaration error is kept,
// and returned by [Mapping.Check] and by every session operation on T.
//
// Mapping T a second time replaces the first mapping.
func Map[T any](t ore.TableRef, configure ...func(b *Builder[T], obj *T)) *Mapper[T] {
	typ := reflect.TypeFor[T]()
	m := &Mapping{typ: typ, ops: opsFor[T]()}
	mp := &Mapper[T]{m: m}
	register(m)
	if typ.Kind() != reflect.Struct {
		m.err = fmt.Errorf("mapper: %s is not a struct", typ)
		return mp
	}
	m.table = ore.TableOf(t)
	if m.table == nil {
		m.err = fmt.Errorf("mapper: %s: nil table", typ)
		return mp
	}
	if err := m.table.Err(); err != nil {
		m.err = fmt.Errorf("mapper: %s: %w", typ, err)
		return mp
	}
	// Explicit declarations run when the mapping is first checked, so
	// that they may name mappings declared later.
	m.configure = func(m *Mapping) error {
		b := &Builder[T]{m: m, base: new(T), bound: map[uintptr]bool{}}
		for _, c := range configure {
			if c != nil {
				c(b, b.base)
			}
		}
		if b.err != nil {
			return b.err
		}
		return m.finish(b.bound)
	}
	return mp
}

func opsFor[T any]() typeOps {
	var zero T
	return typeOps{
		new:  func() unsafe.Pointer { return unsafe.Pointer(new(T)) },
		copy: func(dst, src unsafe.Pointer) { *(*T)(dst) = *(*T)(src) },
		size: unsafe.Sizeof(zero),
	}
}

// Column binds the field at field to column col, checked by the compiler:
// the field's type is the column's type.
func Column[S, T any](b *Builder[S], field *T, col ore.Col[T]) {
	off, ok := b.offsetOf(unsafe.Pointer(field), unsafe.Sizeof(*field))
	if !ok {
		b.fail(fmt.Errorf("mapper: %s: Column: the field is not a field of the object configure received", b.m.typ))
		return
	}
	def := col.Def()
	if def == nil {
		b.fail(fmt.Errorf("mapper: %s: Column: unbound column", b.m.typ))
		return
	}
	if c := b.m.table.Column(def.Name); c == nil || c.Def() != def {
		b.fail(fmt.Errorf("mapper: %s: column %q is not a column of %q", b.m.typ, def.Name, b.m.table.Name()))
		return
	}
	sf, _ := anyFieldAt(b.m.typ, off, reflect.TypeFor[T]())
	if err := b.m.addField(sf.Name, off, reflect.TypeFor[T](), def); err != nil {
		b.fail(err)
		return
	}
	b.bound[off] = true
}

// Integer is the constraint of version counters.
type Integer interface {
	~int | ~int16 | ~int32 | ~int64
}

// Version makes the column field at field the mapping's version counter
// for optimistic locking: every UPDATE and DELETE of an object checks that
// the row still has the version the object was loaded with, and an UPDATE
// increases it by one. The field must be mapped to a column.
func Version[S any, I Integer](b *Builder[S], field *I) {
	off, ok := b.offsetOf(unsafe.Pointer(field), unsafe.Sizeof(*field))
	if !ok {
		b.fail(fmt.Errorf("mapper: %s: Version: the field is not a field of the object configure received", b.m.typ))
		return
	}
	b.m.versionOffset = off
	b.m.hasVersion = true
}

// finish maps the fields not bound explicitly, by tag or name, and checks
// the result.
func (m *Mapping) finish(bound map[uintptr]bool) error {
	for _, sf := range structFields(m.typ) {
		if bound[sf.Offset] || isRelationType(sf.Type) {
			continue
		}
		name, tagged := columnName(sf)
		if name == "-" {
			continue
		}
		col := m.table.Column(name)
		if col == nil {
			if tagged {
				return fmt.Errorf("mapper: %s.%s: table %q has no column %q", m.typ.Name(), sf.Name, m.table.Name(), name)
			}
			continue // a field of the struct's own, not mapped
		}
		if err := m.addField(sf.Name, sf.Offset, sf.Type, col.Def()); err != nil {
			return err
		}
	}
	// Keep the table's column order: the order of SELECT lists and
	// INSERT columns.
	ordered := make([]*Field, 0, len(m.fields))
	for _, c := range m.table.Columns() {
		if f := m.FieldFor(c.Name()); f != nil {
			f.Pos = len(ordered)
			ordered = append(ordered, f)
		}
	}
	m.fields = ordered
	spec, err := m.table.Spec()
	if err != nil {
		return fmt.Errorf("mapper: %s: %w", m.typ, err)
	}
	for _, col := range spec.PrimaryKey {
		f := m.FieldFor(col)
		if f == nil {
			return fmt.Errorf("mapper: %s: primary key column %q of %q has no field", m.typ, col, m.table.Name())
		}
		m.pk = append(m.pk, f)
	}
	if len(m.pk) == 0 {
		return fmt.Errorf("mapper: %s: table %q has no primary key; a mapped table needs one", m.typ, m.table.Name())
	}
	if m.hasVersion {
		for _, f := range m.fields {
			if f.ptr.Offset == m.versionOffset {
				m.version = f
			}
		}
		if m.version == nil {
			return fmt.Errorf("mapper: %s: the version field is not mapped to a column", m.typ)
		}
	}
	return m.inferRelations(bound)
}

// addField adds the column field at offset.
func (m *Mapping) addField(name string, offset uintptr, t reflect.Type, def *ore.ColumnDef) error {
	for _, f := range m.fields {
		switch {
		case f.Column.Name == def.Name:
			return fmt.Errorf("mapper: %s: fields %s and %s both hold column %q", m.typ, f.Name, name, def.Name)
		case f.ptr.Offset == offset:
			return fmt.Errorf("mapper: %s.%s is bound twice", m.typ.Name(), name)
		}
	}
	if def.GoType != nil && def.GoType != reflect.TypeFor[any]() && def.GoType != t {
		return fmt.Errorf("mapper: %s.%s is a %s, but column %q holds %s", m.typ.Name(), name, t, def.Name, def.GoType)
	}
	m.fields = append(m.fields, &Field{
		Name:   name,
		Column: def,
		ptr:    fieldptr.New(offset, t),
		equal:  equalFunc(offset, t),
		isZero: zeroFunc(offset, t),
		copy:   copyFunc(t),
		deep:   isBytes(t) || t.Kind() == reflect.Pointer,
	})
	return nil
}

// structFields lists the exported fields of t, flattening embedded structs
// (not the relationship types).
func structFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	var walk func(t reflect.Type, base uintptr, index []int)
	walk = func(t reflect.Type, base uintptr, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			f.Offset += base
			f.Index = append(append([]int(nil), index...), i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct && !isRelationType(f.Type) && f.Tag.Get("ore") == "" {
				walk(f.Type, f.Offset, f.Index)
				continue
			}
			if f.IsExported() {
				out = append(out, f)
			}
		}
	}
	walk(t, 0, nil)
	// A field of an embedded struct that a shallower field of the same name
	// shadows (or that another at its depth makes ambiguous) is not one Go
	// code can reach by name: it maps nothing.
	return slices.DeleteFunc(out, func(f reflect.StructField) bool {
		vf, ok := t.FieldByName(f.Name)
		return !ok || !slices.Equal(vf.Index, f.Index)
	})
}

// fieldAt returns the field of t at offset.
func fieldAt(t reflect.Type, offset uintptr) (reflect.StructField, bool) {
	for _, f := range structFields(t) {
		if f.Offset == offset {
			return f, true
		}
	}
	return reflect.StructField{Name: fmt.Sprintf("field at offset %d", offset)}, false
}

// columnName returns the column a field maps to by convention, and
// whether a tag named it.
func columnName(f reflect.StructField) (string, bool) {
	for _, key := range []string{"ore", "db"} {
		if tag, ok := f.Tag.Lookup(key); ok {
			if name, _, _ := strings.Cut(tag, ","); name != "" {
				return name, true
			}
		}
	}
	return ore.SnakeCase(f.Name), false
}

// ----------------------------------------------------------------------------
// Comparing values

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// equalFunc returns how to compare the field at offset of type t in two
// objects: memory for plain values, content for strings and byte slices,
// instants for times, pointees for pointers, reflect.DeepEqual otherwise.
func equalFunc(offset uintptr, t reflect.Type) func(a, b unsafe.Pointer) bool {
	at := func(p unsafe.Pointer) unsafe.Pointer { return unsafe.Add(p, offset) }
	switch {
	case t == timeType:
		return func(a, b unsafe.Pointer) bool { return (*time.Time)(at(a)).Equal(*(*time.Time)(at(b))) }
	case t == bytesType:
		return func(a, b unsafe.Pointer) bool {
			x, y := *(*[]byte)(at(a)), *(*[]byte)(at(b))
			return (x == nil) == (y == nil) && bytes.Equal(x, y)
		}
	case t.Kind() == reflect.String:
		return func(a, b unsafe.Pointer) bool { return *(*string)(at(a)) == *(*string)(at(b)) }
	case t.Kind() == reflect.Pointer:
		elem := equalFunc(0, t.Elem())
		return func(a, b unsafe.Pointer) bool {
			x, y := *(*unsafe.Pointer)(at(a)), *(*unsafe.Pointer)(at(b))
			if x == nil || y == nil {
				return x == y
			}
			return x == y || elem(x, y)
		}
	case isPlain(t):
		size := t.Size()
		return func(a, b unsafe.Pointer) bool {
			return unsafe.String((*byte)(at(a)), size) == unsafe.String((*byte)(at(b)), size)
		}
	}
	return func(a, b unsafe.Pointer) bool {
		return reflect.DeepEqual(reflect.NewAt(t, at(a)).Elem().Interface(), reflect.NewAt(t, at(b)).Elem().Interface())
	}
}

// isPlain reports whether values of t are equal exactly when their bytes
// are: no pointers, no padding that may differ, no floats (NaN, -0).
func isPlain(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	case reflect.Array:
		return isPlain(t.Elem())
	}
	return false
}

// copyFunc returns how to copy a value of type t from src to dst, cloning
// byte slices and pointers.
func copyFunc(t reflect.Type) func(dst, src unsafe.Pointer) {
	switch {
	case isBytes(t):
		return func(dst, src unsafe.Pointer) {
			b := *(*[]byte)(src)
			if b != nil {
				b = append(make([]byte, 0, len(b)), b...)
			}
			*(*[]byte)(dst) = b
		}
	case t.Kind() == reflect.Pointer:
		elem := t.Elem()
		return func(dst, src unsafe.Pointer) {
			v := reflect.NewAt(t, src).Elem()
			out := reflect.NewAt(t, dst).Elem()
			if v.IsNil() {
				out.SetZero()
				return
			}
			c := reflect.New(elem)
			c.Elem().Set(v.Elem())
			out.Set(c)
		}
	case t.Kind() == reflect.String:
		return func(dst, src unsafe.Pointer) { *(*string)(dst) = *(*string)(src) }
	case isPlain(t) && t.Size() == 8:
		return func(dst, src unsafe.Pointer) { *(*uint64)(dst) = *(*uint64)(src) }
	}
	return func(dst, src unsafe.Pointer) { reflect.NewAt(t, dst).Elem().Set(reflect.NewAt(t, src).Elem()) }
}

// zeroFunc returns how to tell whether the field at offset of type t holds
// its zero value.
func zeroFunc(offset uintptr, t reflect.Type) func(p unsafe.Pointer) bool {
	if t == timeType {
		return func(p unsafe.Pointer) bool { return (*time.Time)(unsafe.Add(p, offset)).IsZero() }
	}
	return func(p unsafe.Pointer) bool { return reflect.NewAt(t, unsafe.Add(p, offset)).Elem().IsZero() }
}

// ----------------------------------------------------------------------------
// Registry

var registry sync.Map // reflect.Type -> *Mapping

func register(m *Mapping) { registry.Store(m.typ, m) }

// ErrNotMapped is matched by the error [For] returns for a type no mapping
// was declared for.
var ErrNotMapped = errors.New("not mapped")

// For returns the mapping of type t, checked (see [Mapping.Check]).
func For(t reflect.Type) (*Mapping, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	v, ok := registry.Load(t)
	if !ok {
		return nil, fmt.Errorf("mapper: %s: %w (declare it with mapper.Map)", t, ErrNotMapped)
	}
	m := v.(*Mapping)
	return m, m.Check()
}

// Of returns the mapping of T, checked.
func Of[T any]() (*Mapping, error) { return For(reflect.TypeFor[T]()) }

// columnsOf returns the column names of cols, which must belong to one
// table.
func columnsOf(cols []ore.AnyColumn) ([]string, *compile.Table, error) {
	names := make([]string, len(cols))
	var table *compile.Table
	for i, c := range cols {
		if c == nil || c.Def() == nil {
			return nil, nil, errors.New("nil or unbound column")
		}
		col, ok := c.Node().(*compile.Column)
		if !ok || col.Table == nil {
			return nil, nil, errors.New("unbound column")
		}
		if table != nil && (table.Name != col.Table.Name || table.Schema != col.Table.Schema) {
			return nil, nil, fmt.Errorf("columns of two tables, %q and %q", table.Name, col.Table.Name)
		}
		table = col.Table
		names[i] = col.Name
	}
	return names, table, nil
}

// isBytes reports whether t is a byte slice type ([]byte, json.RawMessage).
func isBytes(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

// anyFieldAt returns the field of t, exported or not, nested or not, of
// type ft at offset (as fieldAt does for exported fields only).
func anyFieldAt(t reflect.Type, offset uintptr, ft reflect.Type) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Offset == offset && f.Type == ft {
			return f, true
		}
		if f.Type.Kind() == reflect.Struct && offset >= f.Offset && offset < f.Offset+f.Type.Size() {
			if g, ok := anyFieldAt(f.Type, offset-f.Offset, ft); ok {
				return g, true
			}
		}
	}
	return fieldAt(t, offset)
}
