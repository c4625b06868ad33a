package session

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
	"github.com/ore-go/ore/mapper"
)

// LoadOption chooses how a query of T loads one of T's relationships, over
// the strategy the relationship declares, and, through the options given
// after the field, how the objects it loads load their own (a path of any
// depth, whatever strategy loads each step). Make one with [Lazy],
// [Joined], [SelectIn], [Raise], [RaiseOnSQL], [ContainsEager] or
// [ContainsEagerFrom]; give it to [ObjectQuery.Options]. When several
// options name one relationship, the last wins. The zero LoadOption is
// invalid.
//
// The options stay with the objects the query loads (spec REL-13): a
// relationship one of them leaves to load lazily, or that loads again
// after expiry, applies the options given for it when it loads, for as
// long as the object stays in the session. ContainsEager is the exception:
// it describes one query's rows.
type LoadOption[T any] struct {
	resolve resolver
}

// resolver resolves an option for the objects of a mapping.
type resolver = func(m *mapper.Mapping) (relLoad, error)

// relLoad is a loader option resolved to its relationship.
type relLoad struct {
	rel      *mapper.Relation
	strategy mapper.Strategy
	contains bool           // contains-eager: from the query's own join
	from     *compile.Table // contains-eager: the table or alias the query joined; nil for the target's table
	then     []relLoad      // options for the related objects' relationships
}

// Lazy leaves the relationship field returns to load on first use,
// whatever strategy it declares; then are the options its objects load
// with when it does.
func Lazy[T any, F mapper.Related[U], U any](field func(*T) F, then ...LoadOption[U]) LoadOption[T] {
	return option(field, relLoad{strategy: mapper.Lazy}, resolvers(then))
}

// SelectIn loads the relationship field returns, for every object of the
// query, with one more SELECT after the query's own (IN over the objects'
// keys, 500 at a time; a tuple IN for composite keys; many-to-many through
// a join of the association table): N objects with their collections cost
// 2 statements, not 1+N. Objects left without related rows get an empty,
// loaded collection (or a nil, loaded reference). Relationships already
// loaded are left as they are, unless the query populates existing
// objects. then are the options of the loaded objects.
//
//	session.Query[User](s).Options(session.SelectIn(func(u *User) *mapper.Many[Address] { return &u.Addresses }))
func SelectIn[T any, F mapper.Related[U], U any](field func(*T) F, then ...LoadOption[U]) LoadOption[T] {
	return option(field, relLoad{strategy: mapper.SelectIn}, resolvers(then))
}

// Joined loads the relationship field returns in the query's own SELECT:
// its target is LEFT OUTER JOINed under an alias of the session's (see
// [ObjectQuery.Options]), through the association table for a
// many-to-many, and the related objects are read from the same rows. The
// query returns each object once however many related rows it has (for a
// collection or one-to-one, it returns each object once even where its
// own joins repeat it), and the same objects, in the same order, as with
// any other strategy: a query with Limit, Offset or Distinct is made a
// subquery, and the joins are applied outside it. then are the options of
// the loaded objects.
func Joined[T any, F mapper.Related[U], U any](field func(*T) F, then ...LoadOption[U]) LoadOption[T] {
	return option(field, relLoad{strategy: mapper.Joined}, resolvers(then))
}

// Raise makes loading the relationship field returns an error: its Get,
// when it is not loaded, returns one matching ErrInvalidRequest instead of
// running SQL, for the objects of the query.
func Raise[T any, F mapper.RelationField](field func(*T) F) LoadOption[T] {
	return option(field, relLoad{strategy: mapper.Raise}, nil)
}

// RaiseOnSQL is Raise for loads that need SQL only: a many-to-one whose
// target the identity map has (or whose key is NULL) still loads.
func RaiseOnSQL[T any, F mapper.RelationField](field func(*T) F) LoadOption[T] {
	return option(field, relLoad{strategy: mapper.RaiseOnSQL}, nil)
}

// ContainsEager fills the relationship field returns from the rows of a
// query that joins its target table itself, instead of loading it:
//
//	session.Query[User](s).
//		Join(Addresses, Addresses.UserID.EqExpr(ore.Ptr(Users.ID))).
//		Where(ore.Like(Addresses.EmailAddress, "%@work")).
//		Options(session.ContainsEager(userAddresses))
//
// adds the addresses' columns to the query and puts in each user's
// collection the addresses of the user's rows: only those the query
// matched. Each user comes back once. A relationship already loaded is
// left as it is, unless the query populates existing objects; the option
// does not stay with the objects (a later load after expiry loads the
// whole collection). Its then options may be more ContainsEager options,
// for tables the query joined too; ContainsEager is only valid at the top
// of a query's options or under another ContainsEager. For a target joined
// under an alias, use [ContainsEagerFrom].
func ContainsEager[T any, F mapper.Related[U], U any](field func(*T) F, then ...LoadOption[U]) LoadOption[T] {
	return option(field, relLoad{strategy: mapper.Joined, contains: true}, resolvers(then))
}

// ContainsEagerFrom is ContainsEager for a query that joined the target
// table under an alias (ore.Alias): the columns are read from from, which
// must be the target's table or an alias of it.
func ContainsEagerFrom[T any, F mapper.Related[U], U any](field func(*T) F, from ore.TableRef, then ...LoadOption[U]) LoadOption[T] {
	l := relLoad{strategy: mapper.Joined, contains: true}
	t := ore.TableOf(from)
	if t == nil {
		return LoadOption[T]{resolve: func(*mapper.Mapping) (relLoad, error) {
			return relLoad{}, invalid("ContainsEagerFrom: nil table")
		}}
	}
	l.from = &compile.Table{Schema: t.Schema(), Name: t.Name(), Alias: t.Alias()}
	return option(field, l, resolvers(then))
}

// option returns the option l for the relationship field returns, with
// the options then for its objects.
func option[T any, F mapper.RelationField](field func(*T) F, l relLoad, then []resolver) LoadOption[T] {
	return LoadOption[T]{resolve: func(m *mapper.Mapping) (relLoad, error) {
		if field == nil {
			return relLoad{}, invalid("Options: nil field function")
		}
		sample := m.New()
		var r *mapper.Relation
		if rv := reflect.ValueOf(field((*T)(sample))); rv.IsValid() && !rv.IsNil() {
			r = m.RelationAt(sample, rv.UnsafePointer())
		}
		if r == nil {
			return relLoad{}, invalid("Options: the field is not a relationship of %s", m.Type().Name())
		}
		out := l
		out.rel = r
		name := m.Type().Name() + "." + r.Name
		if t := l.from; t != nil && (t.Name != r.Target().Table().Name() || t.Schema != r.Target().Table().Schema()) {
			return relLoad{}, invalid("ContainsEagerFrom(%s): table %q is not %s's table %q", name, t.Name, r.Target().Type().Name(), r.Target().Table().Name())
		}
		for _, res := range then {
			c, err := res(r.Target())
			if err != nil {
				return relLoad{}, err
			}
			if c.contains && !l.contains {
				return relLoad{}, invalid("Options: ContainsEager(%s.%s) under %s: ContainsEager names the query's own joins, so it is only valid at the top of its options or under another ContainsEager",
					r.Target().Type().Name(), c.rel.Name, name)
			}
			out.then = append(out.then, c)
		}
		return out, nil
	}}
}

func resolvers[U any](opts []LoadOption[U]) []resolver {
	out := make([]resolver, len(opts))
	for i, o := range opts {
		out[i] = o.resolve
		if out[i] == nil {
			out[i] = func(*mapper.Mapping) (relLoad, error) { return relLoad{}, invalid("Options: zero LoadOption") }
		}
	}
	return out
}

// Options returns the query with loader options for T's relationships
// (and, through them, for the relationships of the objects they load).
//
// Joined loading joins tables under aliases of the form ore_<table>_<n>,
// and wraps the query in a derived table ore_anon_1 where it must: the
// application's own SQL (its joins, conditions and ordering) cannot reach
// those by accident as long as it does not use names beginning with
// "ore_".
func (q ObjectQuery[T]) Options(opts ...LoadOption[T]) ObjectQuery[T] {
	if q.err != nil || q.m == nil {
		return q
	}
	for _, o := range opts {
		res := o.resolve
		if res == nil {
			q.err = invalid("Options: zero LoadOption")
			return q
		}
		l, err := res(q.m)
		if err != nil {
			q.err = err
			return q
		}
		q.loads = append(q.loads[:len(q.loads):len(q.loads)], l)
	}
	return q
}

// ----------------------------------------------------------------------------
// Levels of a loading path

// level is one step of a loading path: objects of m, the options given for
// their relationships, and the relationships the path took to reach them.
// A relationship's declared Joined or SelectIn strategy is not followed a
// second time along one path, so that self-referential and mutually eager
// relationships end (upstream's default join depth); options always are.
type level struct {
	m      *mapper.Mapping
	loads  []relLoad
	path   []*mapper.Relation
	sticky *stickyLoads // loads as objects keep them, made once
	// plain levels load nothing eagerly: the unit of work's own loads.
	plain bool
}

// how returns how lv's objects load r: the strategy, and the option that
// chose it (nil when it is the declared one).
func (lv *level) how(r *mapper.Relation) (mapper.Strategy, *relLoad) {
	if lv.plain {
		return mapper.Lazy, nil
	}
	for i := len(lv.loads) - 1; i >= 0; i-- {
		if o := &lv.loads[i]; o.rel == r {
			return o.strategy, o
		}
	}
	s := r.Strategy()
	if (s == mapper.Joined || s == mapper.SelectIn) && slices.Contains(lv.path, r) {
		s = mapper.Lazy
	}
	return s, nil
}

// child returns the level of the objects r loads for lv's, opt being the
// option for r (or nil).
func (lv *level) child(r *mapper.Relation, opt *relLoad) *level {
	c := &level{m: r.Target(), path: append(lv.path[:len(lv.path):len(lv.path)], r)}
	if opt != nil {
		c.loads = opt.then
	}
	return c
}

// stickyLoads are the options a query gave for the relationships of the
// objects it loaded, which their lazy loads apply while they are in sess
// (spec REL-13).
type stickyLoads struct {
	sess  *Session
	loads []relLoad
}

// stick makes lv's options those of st's object, read for the first time
// (or populated) by a statement of s.
func (lv *level) stick(s *Session, st *state) {
	if len(lv.loads) == 0 {
		st.sticky = nil
		return
	}
	if lv.sticky == nil || lv.sticky.sess != s {
		lv.sticky = &stickyLoads{sess: s, loads: lv.loads}
	}
	st.sticky = lv.sticky
}

// lazyOptions returns the option the query that loaded st's object gave
// for r, if it stays with the object (a contains-eager one does not); or
// nil.
func (s *Session) lazyOptions(st *state, r *mapper.Relation) *relLoad {
	if sk := st.sticky; sk != nil && sk.sess == s {
		for i := len(sk.loads) - 1; i >= 0; i-- {
			if o := &sk.loads[i]; o.rel == r {
				if !o.contains {
					return o
				}
				break
			}
		}
	}
	return nil
}

// loadRelated reads the objects r relates the object at p, whose state is
// st, to: the lazy load of r, with one SELECT, which also loads what opt
// (the option the object keeps for r, or nil) and the target's declared
// strategies ask for. A many-to-one whose target the identity map has, or
// whose key is NULL, costs no SQL. forFlush is the unit of work's own
// load: it ignores a RaiseOnSQL strategy and loads nothing more.
func (s *Session) loadRelated(ctx context.Context, st *state, p unsafe.Pointer, r *mapper.Relation, opt *relLoad, forFlush bool) ([]unsafe.Pointer, error) {
	name := r.Owner.Type().Name() + "." + r.Name
	strategy := r.Strategy()
	if opt != nil {
		strategy = opt.strategy
	}
	if forFlush {
		strategy = mapper.Lazy
	}
	tm := r.Target()
	child := (&level{m: st.m}).child(r, opt)
	child.plain = forFlush
	tt := tableNode(tm)
	sel := &compile.Select{Columns: columnNodes(tt, tm.Fields()), From: []compile.FromItem{tt}}
	var conds []compile.Expr
	if r.Kind == mapper.ManyToOne {
		key, ok := referenceKey(st.m, r, p)
		if !ok {
			return nil, nil // a NULL key: nothing, and no SQL
		}
		k := keyFromValues(tm, key)
		if q, err, ok := s.fromIdentityMap(ctx, k, false); ok {
			if err != nil && !isNotFound(err) {
				return nil, err
			}
			return nonNil(q), nil
		}
		if strategy == mapper.RaiseOnSQL {
			return nil, invalid("%s is not available due to its RaiseOnSQL loader strategy", name)
		}
		if err := s.autoflush(ctx); err != nil {
			return nil, err
		}
		if q, err, ok := s.fromIdentityMap(ctx, k, false); ok { // the flush may have put it there
			if err != nil && !isNotFound(err) {
				return nil, err
			}
			return nonNil(q), nil
		}
		for i, f := range tm.PrimaryKey() {
			conds = append(conds, eqNode(&compile.Column{Table: tt, Name: f.Column.Name}, &compile.Bind{Value: key[i]}))
		}
	} else {
		if strategy == mapper.RaiseOnSQL {
			return nil, invalid("%s is not available due to its RaiseOnSQL loader strategy", name)
		}
		if err := s.autoflush(ctx); err != nil {
			return nil, err
		}
		owner := st.committed // the key the rows refer to is the one the database has
		switch r.Kind {
		case mapper.OneToMany, mapper.OneToOne:
			for i, c := range r.Columns {
				conds = append(conds, eqNode(&compile.Column{Table: tt, Name: c}, &compile.Bind{Value: st.m.FieldFor(r.RefColumns[i]).Value(owner)}))
			}
		case mapper.ManyToManyKind:
			sec, on := secondaryJoin(r, tt)
			sel.From = []compile.FromItem{&compile.Join{Kind: compile.InnerJoin, Left: tt, Right: sec, On: on}}
			for i, c := range r.SecondaryLocal {
				conds = append(conds, eqNode(&compile.Column{Table: sec, Name: c}, &compile.Bind{Value: st.m.FieldFor(r.RefColumns[i]).Value(owner)}))
			}
		}
		sel.OrderBy = relOrder(r)
	}
	sel.Where = andNodes(conds)
	f, err := s.fetchRows(ctx, child, sel, nil, false)
	if err != nil {
		return nil, fmt.Errorf("session: load %s: %w", name, err)
	}
	items := f.unique()
	if r.Kind == mapper.OneToOne && len(items) > 1 {
		s.warn("%s is one-to-one, but %d rows refer to %s", name, len(items), st.describe())
		items = items[:1]
	}
	if err := s.eagerAfter(ctx, f, child, false); err != nil {
		return nil, err
	}
	return items, nil
}

// secondaryJoin returns r's association table and the condition joining
// it to its target's table tt.
func secondaryJoin(r *mapper.Relation, tt *compile.Table) (*compile.Table, compile.Expr) {
	sec := &compile.Table{Schema: r.Secondary.Schema(), Name: r.Secondary.Name()}
	var on []compile.Expr
	for i, f := range r.Target().PrimaryKey() {
		on = append(on, eqNode(&compile.Column{Table: sec, Name: r.SecondaryRemote[i]}, &compile.Column{Table: tt, Name: f.Column.Name}))
	}
	return sec, andNodes(on)
}

// ----------------------------------------------------------------------------
// Select-in loading

// selectInLoads runs the select-in loads lv asks for, for objs, objects of
// lv that a statement read.
func (s *Session) selectInLoads(ctx context.Context, lv *level, objs []unsafe.Pointer, populate bool) error {
	if len(objs) == 0 {
		return nil
	}
	for _, r := range lv.m.Relations() {
		strategy, opt := lv.how(r)
		if strategy != mapper.SelectIn || opt != nil && opt.contains {
			continue
		}
		if err := s.selectIn(ctx, objs, r, lv.child(r, opt), populate); err != nil {
			return err
		}
	}
	return nil
}

// selectInChunk is how many owners one select-in query covers.
const selectInChunk = 500

// selectIn loads r for the objects of owners that do not have it loaded
// (all of them with populate); child gives the options of the objects it
// loads.
func (s *Session) selectIn(ctx context.Context, owners []unsafe.Pointer, r *mapper.Relation, child *level, populate bool) error {
	var todo []unsafe.Pointer
	for _, p := range owners {
		if st := stateFor(p); st != nil && st.sess == s && st.status == Persistent && (populate || !r.Loaded(p)) {
			todo = append(todo, p)
		}
	}
	for len(todo) > 0 {
		n := min(len(todo), selectInChunk)
		var err error
		if r.Kind == mapper.ManyToOne {
			err = s.selectInReferences(ctx, todo[:n], r, child, populate)
		} else {
			err = s.selectInCollections(ctx, todo[:n], r, child, populate)
		}
		if err != nil {
			return err
		}
		todo = todo[n:]
	}
	return nil
}

// selectInCollections loads the one-to-many, one-to-one or many-to-many r
// of owners with one SELECT of the targets whose foreign keys (or
// association rows) refer to the owners' keys.
func (s *Session) selectInCollections(ctx context.Context, owners []unsafe.Pointer, r *mapper.Relation, child *level, populate bool) error {
	om, tm := r.Owner, r.Target()
	byKey := map[string][]unsafe.Pointer{} // owner key → owners
	var keys [][]any
	for _, p := range owners {
		st := stateFor(p)
		vals := make([]any, len(r.RefColumns))
		for i, c := range r.RefColumns {
			vals[i] = om.FieldFor(c).Value(st.committed)
		}
		k := encodeKey(vals)
		if _, seen := byKey[k]; !seen {
			keys = append(keys, vals)
		}
		byKey[k] = append(byKey[k], p)
	}
	tt := tableNode(tm)
	sel := &compile.Select{Columns: columnNodes(tt, tm.Fields()), From: []compile.FromItem{tt}, OrderBy: relOrder(r)}
	var (
		keyCols []compile.Expr
		extras  []reflect.Type // many-to-many: the association's key of the owner, selected to route rows
		fkey    []*mapper.Field
	)
	if r.Kind == mapper.ManyToManyKind {
		sec, on := secondaryJoin(r, tt)
		sel.From = []compile.FromItem{&compile.Join{Kind: compile.InnerJoin, Left: tt, Right: sec, On: on}}
		for i, c := range r.SecondaryLocal {
			keyCols = append(keyCols, &compile.Column{Table: sec, Name: c})
			extras = append(extras, om.FieldFor(r.RefColumns[i]).Type())
		}
		sel.Columns = append(sel.Columns, keyCols...)
	} else {
		for _, c := range r.Columns {
			keyCols = append(keyCols, &compile.Column{Table: tt, Name: c})
			fkey = append(fkey, tm.FieldFor(c))
		}
	}
	sel.Where = inKeys(keyCols, keys)
	f, err := s.fetchRows(ctx, child, sel, extras, populate)
	if err != nil {
		return fmt.Errorf("session: select-in load of %s.%s: %w", om.Type().Name(), r.Name, err)
	}
	related := make(map[string][]unsafe.Pointer, len(byKey))
	vals := make([]any, len(r.Columns))
	for i, it := range f.objs {
		if extras != nil {
			vals = f.extra[i]
		} else {
			committed := stateFor(it).committed // the row's values, whatever the object holds now
			for j, fl := range fkey {
				vals[j] = fl.Value(committed)
			}
		}
		k := encodeKey(vals)
		if (f.multiplied || extras != nil) && slices.Contains(related[k], it) {
			continue
		}
		related[k] = append(related[k], it)
	}
	for k, ps := range byKey {
		got := related[k]
		if r.Kind == mapper.OneToOne && len(got) > 1 {
			got = got[:1]
		}
		for _, p := range ps {
			snapshotRel(stateFor(p), r, got)
			r.SetLoaded(p, got)
		}
	}
	return s.eagerAfter(ctx, f, child, populate)
}

// selectInReferences loads the many-to-one r of owners: one SELECT of
// the targets the identity map does not have (of all of them with
// populate).
func (s *Session) selectInReferences(ctx context.Context, owners []unsafe.Pointer, r *mapper.Relation, child *level, populate bool) error {
	om, tm := r.Owner, r.Target()
	var missing [][]any
	seen := map[string]bool{}
	for _, p := range owners {
		vals, ok := referenceKey(om, r, p)
		if !ok {
			continue
		}
		k := keyFromValues(tm, vals)
		if st := s.byKey[k]; !populate && st != nil && s.live(st) != nil {
			continue
		}
		if ek := encodeKey(vals); !seen[ek] {
			seen[ek] = true
			missing = append(missing, vals)
		}
	}
	var f *fetched
	if len(missing) > 0 {
		tt := tableNode(tm)
		cols := make([]compile.Expr, len(tm.PrimaryKey()))
		for i, fl := range tm.PrimaryKey() {
			cols[i] = &compile.Column{Table: tt, Name: fl.Column.Name}
		}
		sel := &compile.Select{Columns: columnNodes(tt, tm.Fields()), From: []compile.FromItem{tt}, Where: inKeys(cols, missing)}
		var err error
		if f, err = s.fetchRows(ctx, child, sel, nil, populate); err != nil {
			return fmt.Errorf("session: select-in load of %s.%s: %w", om.Type().Name(), r.Name, err)
		}
	}
	for _, p := range owners {
		var got []unsafe.Pointer
		if vals, ok := referenceKey(om, r, p); ok {
			if st := s.byKey[keyFromValues(tm, vals)]; st != nil {
				if q := s.live(st); q != nil {
					got = []unsafe.Pointer{q}
				}
			}
		}
		snapshotRel(stateFor(p), r, got)
		r.SetLoaded(p, got)
	}
	if f == nil {
		return nil
	}
	return s.eagerAfter(ctx, f, child, populate)
}

// referenceKey returns the key the many-to-one r of the object at p
// refers to, in the target's primary key order; false if it is NULL.
func referenceKey(om *mapper.Mapping, r *mapper.Relation, p unsafe.Pointer) ([]any, bool) {
	vals := make([]any, len(r.Columns))
	for i, c := range r.Columns {
		v := om.FieldFor(c).Value(p)
		if isNull(v) {
			return nil, false
		}
		vals[i] = v
	}
	key, err := lookupKey(r.Target(), vals)
	return key, err == nil
}

// inKeys returns "cols IN keys": col IN (?, ...) for one column, a tuple
// IN (a, b) IN ((?, ?), ...) for several. Lists are not padded: a
// select-in chunk's length is the number of keys it covers.
func inKeys(cols []compile.Expr, keys [][]any) compile.Expr {
	if len(cols) == 1 {
		var sql strings.Builder
		args := make([]compile.Expr, 0, len(keys)+1)
		sql.WriteString("? IN (")
		args = append(args, cols[0])
		for i, k := range keys {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("?")
			args = append(args, &compile.Bind{Value: k[0]})
		}
		sql.WriteString(")")
		return &compile.Raw{SQL: sql.String(), Args: args}
	}
	list := make([]compile.Expr, len(keys))
	for i, k := range keys {
		row := make([]compile.Expr, len(k))
		for j, v := range k {
			row[j] = &compile.Bind{Value: v}
		}
		list[i] = &compile.Tuple{List: row}
	}
	return &compile.In{X: &compile.Tuple{List: cols}, List: list}
}

// encodeKey returns a map key for key values.
func encodeKey(vals []any) string {
	if len(vals) == 1 {
		return fmt.Sprintf("%#v", comparable(vals[0]))
	}
	var b strings.Builder
	for _, v := range vals {
		fmt.Fprintf(&b, "%#v\x00", comparable(v))
	}
	return b.String()
}
