package session

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/mapper"
)

// ErrNotFound is matched by the error Get and ObjectQuery.One return when
// no row matches. errors.Is(err, ore.ErrNoRows) and sql.ErrNoRows hold for
// it too.
var ErrNotFound error = notFoundError{}

type notFoundError struct{}

func (notFoundError) Error() string { return "not found" }
func (notFoundError) Unwrap() error { return ore.ErrNoRows }

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ----------------------------------------------------------------------------
// Get

// Get returns the object of type T whose primary key is key (one value per
// key column, in key order; a composite key may also be given as one
// map[string]any by field or column name). An object in the identity map
// is returned without SQL unless it has expired fields, which are reloaded;
// otherwise one SELECT loads it. No row gives an error matching
// ErrNotFound.
func Get[T any](ctx context.Context, s *Session, key ...any) (*T, error) {
	m, err := mapper.Of[T]()
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	vals, err := lookupKey(m, key)
	if err != nil {
		return nil, err
	}
	p, err := s.getByKey(ctx, m, vals, false)
	return (*T)(p), err
}

// getByKey returns the object of m whose primary key values are vals.
func (s *Session) getByKey(ctx context.Context, m *mapper.Mapping, vals []any, populate bool) (unsafe.Pointer, error) {
	if s.failed != nil {
		return nil, s.pendingRollback()
	}
	k := keyFromValues(m, vals)
	if p, err, ok := s.fromIdentityMap(ctx, k, populate); ok {
		return p, err
	}
	if err := s.autoflush(ctx); err != nil {
		return nil, err
	}
	// The flush may have put the row in the map.
	if p, err, ok := s.fromIdentityMap(ctx, k, populate); ok {
		return p, err
	}
	tx, err := s.tx(ctx)
	if err != nil {
		return nil, err
	}
	c, err := selectByKey(s.db.Dialect(), m, newFieldSet(len(m.Fields()), true))
	if err != nil {
		return nil, err
	}
	rows, err := ore.QuerySQL(ctx, tx, c.sql, vals...)
	if err != nil {
		return nil, fmt.Errorf("session: get %s: %w", k, err)
	}
	objs, err := s.materialize(m, rows, populate)
	if err != nil {
		return nil, fmt.Errorf("session: get %s: %w", k, err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("session: get %s: %w", k, ErrNotFound)
	}
	return objs[0], nil
}

// fromIdentityMap returns the object of key k if the identity map has it
// (ok), reloading its expired fields, or all with populate. An expired
// object whose row is gone leaves the session as deleted (IM-06).
func (s *Session) fromIdentityMap(ctx context.Context, k identityKey, populate bool) (p unsafe.Pointer, err error, ok bool) {
	s.settle()
	st := s.byKey[k]
	if st == nil {
		return nil, nil, false
	}
	if p = s.live(st); p == nil {
		return nil, nil, false
	}
	if !populate && !hasExpired(st) {
		return p, nil, true
	}
	var fields fieldSet
	if !populate {
		fields = st.expired
	}
	if err := s.reload(ctx, st, p, fields, populate); err != nil {
		if errors.Is(err, ErrObjectDeleted) {
			s.vanish(st, p)
			return nil, fmt.Errorf("session: get %s: %w", k, ErrNotFound), true
		}
		return nil, err, true
	}
	return p, nil, true
}

// vanish records that st's row is gone: the object leaves the identity
// map as if this transaction had deleted it, so that a rollback brings it
// back.
func (s *Session) vanish(st *state, p unsafe.Pointer) {
	s.hold(st, p)
	s.unmap(st)
	s.deleting = without(s.deleting, st)
	st.status, st.wasDeleted, st.inTx.deleted = Deleted, true, true
	s.transition(st, p, PersistentToDeleted)
}

// lookupKey checks key against m's primary key, converting each value to
// its field's type where Go converts it (an int for an int64 field, say).
func lookupKey(m *mapper.Mapping, key []any) ([]any, error) {
	pk := m.PrimaryKey()
	if len(key) == 1 && len(pk) > 1 {
		if byName, ok := key[0].(map[string]any); ok {
			key = make([]any, len(pk))
			for i, f := range pk {
				v, ok := byName[f.Name]
				if !ok {
					v, ok = byName[f.Column.Name]
				}
				if !ok {
					return nil, invalid("%s: no value for key field %s", m.Type().Name(), f.Name)
				}
				key[i] = v
			}
		}
	}
	if len(key) != len(pk) {
		return nil, invalid("%s has a %d-column primary key; %d values given", m.Type().Name(), len(pk), len(key))
	}
	out := make([]any, len(key))
	for i, f := range pk {
		v := key[i]
		if v == nil {
			return nil, invalid("%s: nil value for key field %s", m.Type().Name(), f.Name)
		}
		rv := reflect.ValueOf(v)
		t := f.Type()
		if rv.Kind() == reflect.Pointer && t.Kind() != reflect.Pointer {
			// A nullable foreign key field refers to a key that is not.
			if rv.IsNil() {
				return nil, invalid("%s: nil value for key field %s", m.Type().Name(), f.Name)
			}
			rv = rv.Elem()
			v = rv.Interface()
		}
		switch {
		case rv.Type() == t:
		case sameKind(rv.Type(), t) && rv.CanConvert(t):
			v = rv.Convert(t).Interface()
		case t.Kind() == reflect.Pointer && rv.Type() == t.Elem():
			p := reflect.New(t.Elem())
			p.Elem().Set(rv)
			v = p.Interface()
		default:
			return nil, invalid("%s: key value %v is a %T, but %s is a %s", m.Type().Name(), v, v, f.Name, t)
		}
		out[i] = v
	}
	return out, nil
}

// sameKind reports whether a and b are both integers, both floats or both
// strings: the conversions a key lookup makes.
func sameKind(a, b reflect.Type) bool {
	class := func(t reflect.Type) int {
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return 1
		case reflect.Float32, reflect.Float64:
			return 2
		case reflect.String:
			return 3
		}
		return 0
	}
	return class(a) != 0 && class(a) == class(b)
}

// keyValues returns the primary key values of the object at p.
func keyValues(m *mapper.Mapping, p unsafe.Pointer) []any {
	pk := m.PrimaryKey()
	out := make([]any, len(pk))
	for i, f := range pk {
		out[i] = f.Value(p)
	}
	return out
}

func hasExpired(st *state) bool { return st.expired != nil && !st.expired.empty() }

// ----------------------------------------------------------------------------
// Queries

// ObjectQuery is a query for mapped objects of type T: a Core SELECT of T's
// columns from T's table, whose rows become the session's objects (one per
// row, through the identity map). Make one with [Query]. Like Core
// statements it is immutable: every method returns a new query, and a base
// query can be extended by several goroutines' sessions.
type ObjectQuery[T any] struct {
	s         *Session
	m         *mapper.Mapping
	err       error
	stmt      ore.SelectStmt[T]
	populate  bool
	forUpdate bool
	loads     []relLoad // loader options, in order
}

// Query returns a query for all objects of type T, to narrow with Where,
// OrderBy, Limit and the rest.
func Query[T any](s *Session) ObjectQuery[T] {
	m, err := mapper.Of[T]()
	if err != nil {
		return ObjectQuery[T]{s: s, err: fmt.Errorf("session: %w", err)}
	}
	return ObjectQuery[T]{s: s, m: m, stmt: ore.Select[T](selectList(m)...).From(m.Table())}
}

var selectLists sync.Map // *mapper.Mapping -> []ore.Selectable

// selectList returns the columns of m's fields, in field order: the
// columns materialize reads.
func selectList(m *mapper.Mapping) []ore.Selectable {
	if v, ok := selectLists.Load(m); ok {
		return v.([]ore.Selectable)
	}
	cols := make([]ore.Selectable, len(m.Fields()))
	for i, f := range m.Fields() {
		cols[i] = m.Table().Column(f.Column.Name)
	}
	selectLists.Store(m, cols)
	return cols
}

// Where adds conditions, joined with AND.
func (q ObjectQuery[T]) Where(conds ...ore.Expr[bool]) ObjectQuery[T] {
	q.stmt = q.stmt.Where(conds...)
	return q
}

// Join adds an inner join, for conditions on other tables; the rows stay
// T's (a join that matches several rows per object repeats the object,
// unless a collection or one-to-one is loaded with Joined or
// ContainsEager: the query then gives each object once). It fills no
// relationship: see [ContainsEager].
func (q ObjectQuery[T]) Join(item ore.FromItem, on ore.Expr[bool]) ObjectQuery[T] {
	q.stmt = q.stmt.Join(item, on)
	return q
}

// LeftJoin adds a left outer join.
func (q ObjectQuery[T]) LeftJoin(item ore.FromItem, on ore.Expr[bool]) ObjectQuery[T] {
	q.stmt = q.stmt.LeftJoin(item, on)
	return q
}

// Distinct makes the query SELECT DISTINCT.
func (q ObjectQuery[T]) Distinct() ObjectQuery[T] {
	q.stmt = q.stmt.Distinct()
	return q
}

// OrderBy adds ordering terms.
func (q ObjectQuery[T]) OrderBy(terms ...ore.OrderTerm) ObjectQuery[T] {
	q.stmt = q.stmt.OrderBy(terms...)
	return q
}

// Limit sets the maximum number of rows.
func (q ObjectQuery[T]) Limit(n int) ObjectQuery[T] {
	q.stmt = q.stmt.Limit(n)
	return q
}

// Offset sets the number of rows to skip.
func (q ObjectQuery[T]) Offset(n int) ObjectQuery[T] {
	q.stmt = q.stmt.Offset(n)
	return q
}

// ForUpdate locks the rows (SELECT ... FOR UPDATE) where the database has
// row locks. SQLite has none, and needs none: its write transactions lock
// the whole database, so there the query runs without the clause.
func (q ObjectQuery[T]) ForUpdate() ObjectQuery[T] {
	q.forUpdate = true
	return q
}

// PopulateExisting makes the query overwrite every field of objects
// already in the session with their rows' values, discarding unflushed
// changes (by default only expired fields are filled in).
func (q ObjectQuery[T]) PopulateExisting() ObjectQuery[T] {
	q.populate = true
	return q
}

// Statement returns the Core SELECT the query runs, for use as a subquery
// or to inspect its SQL. It leaves out ForUpdate's clause, which belongs
// to the outermost query and depends on the database.
func (q ObjectQuery[T]) Statement() ore.SelectStmt[T] { return q.stmt }

// All returns the objects of every row, in row order (each object once,
// where it first came, if a collection or one-to-one is loaded with Joined
// or ContainsEager); objects the session already had are the same pointers
// as before.
func (q ObjectQuery[T]) All(ctx context.Context) ([]*T, error) {
	objs, err := q.run(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(objs))
	for i, p := range objs {
		out[i] = (*T)(p)
	}
	return out, nil
}

// One returns the object of the only row: no row gives an error matching
// ErrNotFound, several an error too.
func (q ObjectQuery[T]) One(ctx context.Context) (*T, error) {
	objs, err := q.Limit(2).run(ctx)
	switch {
	case err != nil:
		return nil, err
	case len(objs) == 0:
		return nil, fmt.Errorf("session: %s: %w", q.m.Type().Name(), ErrNotFound)
	case len(objs) > 1:
		return nil, fmt.Errorf("session: %s: more than one row where one was expected", q.m.Type().Name())
	}
	return (*T)(objs[0]), nil
}

// First returns the object of the first row; no row gives an error
// matching ErrNotFound.
func (q ObjectQuery[T]) First(ctx context.Context) (*T, error) {
	objs, err := q.Limit(1).run(ctx)
	switch {
	case err != nil:
		return nil, err
	case len(objs) == 0:
		return nil, fmt.Errorf("session: %s: %w", q.m.Type().Name(), ErrNotFound)
	}
	return (*T)(objs[0]), nil
}

func (q ObjectQuery[T]) run(ctx context.Context) ([]unsafe.Pointer, error) {
	if q.err != nil {
		return nil, q.err
	}
	s := q.s
	if s.failed != nil {
		return nil, s.pendingRollback()
	}
	if err := s.autoflush(ctx); err != nil {
		return nil, err
	}
	stmt := q.stmt
	if q.forUpdate && s.db.Dialect().Features().Has(compile.FeatRowLocking) {
		stmt = stmt.ForUpdate()
	}
	n, err := stmt.Build()
	if err != nil {
		return nil, fmt.Errorf("session: query %s: %w", q.m.Type().Name(), err)
	}
	sel, ok := n.(*compile.Select)
	if !ok {
		panic(fmt.Sprintf("bug: session: an object query built a %T", n))
	}
	lv := &level{m: q.m, loads: q.loads}
	f, err := s.fetchRows(ctx, lv, sel, nil, q.populate)
	if err != nil {
		return nil, fmt.Errorf("session: query %s: %w", q.m.Type().Name(), err)
	}
	if err := s.eagerAfter(ctx, f, lv, q.populate); err != nil {
		return nil, err
	}
	// Rows a joined collection repeats give their object once (spec
	// REL-04); rows the query's own joins repeat are repeated.
	return f.unique(), nil
}

// ----------------------------------------------------------------------------
// Rows to objects

// materialize reads rows of m's columns, in field order, into objects: the
// identity map's object where it has the row (filling in its expired
// fields, or all of them with populate), a new persistent one otherwise.
// It closes rows, and runs the load and refresh events once all are read.
func (s *Session) materialize(m *mapper.Mapping, rows *ore.Rows, populate bool) ([]unsafe.Pointer, error) {
	defer rows.Close()
	fields := m.Fields()
	dest := make([]any, len(fields))
	var (
		out     []unsafe.Pointer
		scratch unsafe.Pointer
	)
	rd := s.newReader(populate)
	defer s.registerLoaded()
	for rows.Next() {
		obj := scratch
		if obj == nil {
			obj = m.New()
		}
		scratch = nil
		for i, f := range fields {
			dest[i] = f.Pointer(obj)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		p, _, _ := rd.object(m, obj)
		if p != obj {
			scratch = obj
		}
		out = append(out, p)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rd.finish()
	return out, nil
}

// refill is an object a statement read, with its mapping: for a refresh
// event, the names of the fields it filled (nil for all).
type refill struct {
	m     *mapper.Mapping
	p     unsafe.Pointer
	names []string
}

// expiredNames returns the names of st's expired fields.
func expiredNames(st *state) []string {
	var names []string
	for _, f := range st.m.Fields() {
		if st.expired != nil && st.expired.has(f.Pos) {
			names = append(names, f.Name)
		}
	}
	return names
}

// adoptLoaded makes the object at p, which the session allocated and
// filled from a row, a persistent object of s under key k. It is held
// strongly, and unknown to stateFor, until registerLoaded: the reads of
// rows call it once all are read.
func (s *Session) adoptLoaded(m *mapper.Mapping, p unsafe.Pointer, k identityKey) *state {
	st := &state{m: m, owned: true, ptr: p}
	st.status, st.key, st.hasKey = Persistent, k, true
	st.committed = m.New()
	m.Snapshot(st.committed, p)
	st.sess = s // no finalizer reads it yet: holdWeakly sets the finalizer
	s.nextOrder++
	st.insertOrder = s.nextOrder
	s.states[st] = struct{}{}
	s.byKey[k] = st
	s.linkRelations(st, p, false)
	s.unregistered = append(s.unregistered, st)
	return st
}

// registerLoaded registers the objects adoptLoaded made (see registry),
// and holds them weakly. It goes from the last object made to the first:
// the runtime keeps the weak handles and finalizers of a span's objects in
// a list sorted by address, and objects made one after the other mostly
// have rising addresses, so that this order inserts each at the list's
// head rather than walking it to its end (half the cost, measured).
func (s *Session) registerLoaded() {
	for i := len(s.unregistered) - 1; i >= 0; i-- {
		st := s.unregistered[i]
		p := st.ptr
		if p == nil {
			continue // expunged before it was registered: never seen again
		}
		register(st, p)
		if st.sess == s && !st.relDirty {
			s.holdWeakly(st, p)
		}
	}
	clear(s.unregistered)
	s.unregistered = s.unregistered[:0]
}

// fill copies fields of row, a scratch object read from st's row, into
// st's object at p: with populate every field, otherwise the expired ones
// in only (all expired ones if only is nil). An expired field the
// application set since it expired keeps its value (EXP-07); the row's
// becomes its committed value either way. It reports whether any field was
// filled.
func fill(st *state, p, row unsafe.Pointer, only fieldSet, populate bool) bool {
	filled := false
	for _, f := range st.m.Fields() {
		expired := st.expired != nil && st.expired.has(f.Pos)
		if !populate && (!expired || (only != nil && !only.has(f.Pos))) {
			continue
		}
		if populate || f.Equal(p, st.committed) {
			f.Copy(p, row)
		}
		f.Copy(st.committed, row)
		if st.expired != nil {
			st.expired.remove(f.Pos)
		}
		filled = true
	}
	return filled
}

// ----------------------------------------------------------------------------
// Load and Refresh

// Load loads obj's expired fields, if it has any, in one SELECT by primary
// key: what reading an expired attribute does in SQLAlchemy, which Go
// cannot intercept (expired fields keep their last committed values until
// then). An object without expired fields costs no SQL. A detached object
// with expired fields gives an error matching ErrDetached; an object whose
// row is gone, one matching ErrObjectDeleted.
func (s *Session) Load(ctx context.Context, obj any) error {
	_, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	st := stateFor(p)
	if st == nil || !hasExpired(st) || st.status == Pending {
		return nil
	}
	if st.sess != s {
		if st.sess == nil {
			return fmt.Errorf("session: %w: %s has expired fields, and loading them needs a session", ErrDetached, st.describe())
		}
		return invalid("%s is attached to another session", st.describe())
	}
	if s.failed != nil {
		return s.pendingRollback()
	}
	if err := s.autoflush(ctx); err != nil {
		return err
	}
	if !hasExpired(st) {
		return nil
	}
	return s.reload(ctx, st, p, st.expired, false)
}

// Refresh reloads obj's fields from the database at once (all of them, or
// those named by Go field name), discarding unflushed changes to them;
// named relationships are reloaded too. It flushes first. obj must be
// persistent in s; a row that is gone is an error.
func (s *Session) Refresh(ctx context.Context, obj any, fields ...string) error {
	_, p, err := objectOf(obj)
	if err != nil {
		return err
	}
	st := s.own(p)
	if st == nil || st.status != Persistent {
		return invalid("%T is not persistent within this session", obj)
	}
	if s.failed != nil {
		return s.pendingRollback()
	}
	cols, rels, err := splitFields(st.m, fields)
	if err != nil {
		return err
	}
	// Expiring first discards the object's own changes to the fields (and
	// unloads its relationships), so the flush leaves them alone. Objects
	// related through the refresh-expire cascade are expired, not
	// reloaded (spec EXP-13).
	s.cascadeExpire(st, p)
	if err := s.expire(st, p, fields); err != nil {
		return err
	}
	if err := s.autoflush(ctx); err != nil {
		return err
	}
	set := newFieldSet(len(st.m.Fields()), false)
	for _, f := range cols {
		set.add(f.Pos)
	}
	if err := s.reload(ctx, st, p, set, false); err != nil {
		if errors.Is(err, ErrObjectDeleted) {
			return invalid("could not refresh %s: its row is gone", st.describe())
		}
		return err
	}
	if len(fields) > 0 {
		for _, r := range rels {
			if err := s.LoadRelation(ctx, s.link(r), p); err != nil {
				return err
			}
		}
	}
	return nil
}

// reload reads st's row and fills the fields of set into its object at p
// (see fill); with populate every field. The SELECT names the primary key
// and the fields it fills.
func (s *Session) reload(ctx context.Context, st *state, p unsafe.Pointer, set fieldSet, populate bool) error {
	m := st.m
	cols := newFieldSet(len(m.Fields()), populate)
	for _, f := range m.Fields() {
		if populate || set.has(f.Pos) {
			cols.add(f.Pos)
		}
	}
	for _, f := range m.PrimaryKey() {
		cols.add(f.Pos)
	}
	c, err := selectByKey(s.db.Dialect(), m, cols)
	if err != nil {
		return err
	}
	tx, err := s.tx(ctx)
	if err != nil {
		return err
	}
	rows, err := ore.QuerySQL(ctx, tx, c.sql, keyValues(m, st.committed)...)
	if err != nil {
		return fmt.Errorf("session: load %s: %w", st.describe(), err)
	}
	row := m.New()
	var dest []any
	for _, f := range m.Fields() {
		if cols.has(f.Pos) {
			dest = append(dest, f.Pointer(row))
		}
	}
	found := rows.Next()
	if found {
		err = rows.Scan(dest...)
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("session: load %s: %w", st.describe(), err)
	}
	if !found {
		return fmt.Errorf("session: load %s: %w", st.describe(), ErrObjectDeleted)
	}
	if populate {
		fill(st, p, row, nil, true)
	} else {
		fill(st, p, row, set, false)
	}
	if len(s.listeners) > 0 {
		obj := boxed(m, p)
		var names []string
		for _, f := range m.Fields() {
			if cols.has(f.Pos) && !isKey(m, f) {
				names = append(names, f.Name)
			}
		}
		s.emit(func(l *Listener) {
			if l.Refresh != nil {
				l.Refresh(s, obj, names)
			}
		})
	}
	return nil
}

func isKey(m *mapper.Mapping, f *mapper.Field) bool {
	for _, k := range m.PrimaryKey() {
		if k == f {
			return true
		}
	}
	return false
}
