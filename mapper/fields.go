package mapper

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"unsafe"
)

// Source loads and tracks the relationships of objects attached to a
// session; the session implements it. An attached object's relationship
// fields hold a [Link] to their source.
type Source interface {
	// LoadRelation loads the relationship l of the object at owner into
	// its field.
	LoadRelation(ctx context.Context, l *Link, owner unsafe.Pointer) error
	// RelationChanged tells the source that the application changed the
	// relationship l of the object at owner: added are the objects now
	// related, removed those no longer.
	RelationChanged(l *Link, owner unsafe.Pointer, added, removed []unsafe.Pointer)
}

// Link ties the relationship fields of attached objects to their source.
// One Link serves a relationship in every object of a source: it holds no
// pointer to an object (an object pointing to itself through a field could
// never be collected while it has a finalizer), and the field finds its
// owner from its own address.
type Link struct {
	Rel    *Relation
	Source Source
}

// owner returns the object whose relationship field is at field.
func (l *Link) owner(field unsafe.Pointer) unsafe.Pointer {
	return unsafe.Add(field, -int(l.Rel.acc.offset))
}

// ErrNoSource is returned by One.Get and Many.Get for a relationship that
// is not loaded and whose owner was never attached to a session.
var ErrNoSource = errors.New("mapper: relationship not loaded, and its owner is not attached to a session")

// reference is the untyped layout of One[T].
type reference struct {
	v      unsafe.Pointer
	loaded bool
	link   *Link
}

// collection is the untyped layout of Many[T].
type collection struct {
	items   []unsafe.Pointer
	loaded  bool
	link    *Link
	added   []unsafe.Pointer // appended while not loaded (merged when it loads)
	removed []unsafe.Pointer // removed while not loaded
}

// One is a reference to one object of type T: the many-to-one side of a
// relationship, or a one-to-one. It knows whether it is loaded; an attached
// object loads it on first Get.
//
// The zero One of a new object is loaded and nil.
type One[T any] struct {
	r reference
}

func (One[T]) target() reflect.Type { return reflect.TypeFor[T]() }

func (*One[T]) relationField() {}

// Get returns the referenced object (nil if there is none), loading it
// through the owner's session if it is not loaded. Loading can fail: the
// owner is detached, the strategy is Raise, the database fails.
func (o *One[T]) Get(ctx context.Context) (*T, error) {
	if !o.r.loaded && o.r.link != nil {
		if err := o.r.link.Source.LoadRelation(ctx, o.r.link, o.r.link.owner(unsafe.Pointer(o))); err != nil {
			return nil, err
		}
	}
	return (*T)(o.r.v), nil
}

// Value returns the referenced object without loading: nil if there is
// none, or if it is not loaded.
func (o *One[T]) Value() *T { return (*T)(o.r.v) }

// Loaded reports whether the reference is loaded. The reference of an
// object that was never attached to a session is always loaded.
func (o *One[T]) Loaded() bool { return o.r.loaded || o.r.link == nil }

// Set makes the reference point at v (nil for none). No SQL runs: the
// session writes the change at its next flush.
func (o *One[T]) Set(v *T) {
	old, wasLoaded := o.r.v, o.r.loaded
	o.r.v, o.r.loaded = unsafe.Pointer(v), true
	// Setting an unloaded reference is a change even to nil: what it
	// pointed at is not known.
	if l := o.r.link; l != nil && (old != o.r.v || !wasLoaded) {
		var added, removed []unsafe.Pointer
		if v != nil {
			added = []unsafe.Pointer{unsafe.Pointer(v)}
		}
		if old != nil {
			removed = []unsafe.Pointer{old}
		}
		l.Source.RelationChanged(l, l.owner(unsafe.Pointer(o)), added, removed)
	}
}

// Many is a collection of objects of type T: the one-to-many or
// many-to-many side of a relationship. It knows whether it is loaded; an
// attached object loads it on first Get. Adding to or removing from an
// unloaded collection does not load it: the changes are kept and applied
// when it loads.
//
// The zero Many of a new object is loaded and empty.
type Many[T any] struct {
	c collection
}

func (Many[T]) target() reflect.Type { return reflect.TypeFor[T]() }

func (*Many[T]) relationField() {}

// RelationField is a pointer to a relationship field: a *One[T] or a
// *Many[T]. Query options name relationships by functions returning one.
type RelationField interface{ relationField() }

// Related is a pointer to a relationship field whose objects are of type
// T: a *One[T] or a *Many[T]. Loader options that take options for T's own
// relationships name their field with it, so that Go infers T.
type Related[T any] interface {
	RelationField
	related() *T
}

func (*One[T]) related() *T  { return nil }
func (*Many[T]) related() *T { return nil }

// Get returns the objects of the collection, loading it through the
// owner's session if it is not loaded. The slice is the caller's.
func (m *Many[T]) Get(ctx context.Context) ([]*T, error) {
	if !m.c.loaded && m.c.link != nil {
		if err := m.c.link.Source.LoadRelation(ctx, m.c.link, m.c.link.owner(unsafe.Pointer(m))); err != nil {
			return nil, err
		}
	}
	return typed[T](m.c.items), nil
}

// Items returns the objects of a loaded collection without loading it; nil
// if it is not loaded. The slice is the caller's.
func (m *Many[T]) Items() []*T { return typed[T](m.c.items) }

// Len returns the number of objects of a loaded collection; 0 if it is not
// loaded.
func (m *Many[T]) Len() int { return len(m.c.items) }

// Loaded reports whether the collection is loaded. The collection of an
// object that was never attached to a session is always loaded.
func (m *Many[T]) Loaded() bool { return m.c.loaded || m.c.link == nil }

// Add adds objects to the collection (an object already in it is not
// added twice).
func (m *Many[T]) Add(items ...*T) {
	if m.c.link == nil {
		m.c.loaded = true // a new object's collection: loaded by definition
	}
	var added []unsafe.Pointer
	for _, it := range items {
		p := unsafe.Pointer(it)
		if it == nil || slices.Contains(m.c.items, p) || slices.Contains(m.c.added, p) {
			continue
		}
		added = append(added, p)
		if m.Loaded() {
			m.c.items = append(m.c.items, p)
		} else {
			m.c.removed = slices.DeleteFunc(m.c.removed, func(q unsafe.Pointer) bool { return q == p })
			m.c.added = append(m.c.added, p)
		}
	}
	if l := m.c.link; l != nil && len(added) > 0 {
		l.Source.RelationChanged(l, l.owner(unsafe.Pointer(m)), added, nil)
	}
}

// Remove removes objects from the collection.
func (m *Many[T]) Remove(items ...*T) {
	if m.c.link == nil {
		m.c.loaded = true
	}
	var removed []unsafe.Pointer
	for _, it := range items {
		p := unsafe.Pointer(it)
		if it == nil {
			continue
		}
		if m.Loaded() {
			i := slices.Index(m.c.items, p)
			if i < 0 {
				continue
			}
			m.c.items = slices.Delete(slices.Clone(m.c.items), i, i+1)
		} else if i := slices.Index(m.c.added, p); i >= 0 {
			m.c.added = slices.Delete(m.c.added, i, i+1)
		} else {
			m.c.removed = append(m.c.removed, p)
		}
		removed = append(removed, p)
	}
	if l := m.c.link; l != nil && len(removed) > 0 {
		l.Source.RelationChanged(l, l.owner(unsafe.Pointer(m)), nil, removed)
	}
}

// Set replaces the collection's objects with items; the collection is
// then loaded.
func (m *Many[T]) Set(items []*T) {
	old, wasLoaded := m.c.items, m.c.loaded
	m.c.items = untyped(items)
	m.c.loaded, m.c.added, m.c.removed = true, nil, nil
	if l := m.c.link; l != nil {
		var added, removed []unsafe.Pointer
		for _, p := range m.c.items {
			if !slices.Contains(old, p) {
				added = append(added, p)
			}
		}
		for _, p := range old {
			if !slices.Contains(m.c.items, p) {
				removed = append(removed, p)
			}
		}
		// Replacing an unloaded collection is a change even with nothing:
		// what it held is not known.
		if len(added) > 0 || len(removed) > 0 || !wasLoaded {
			l.Source.RelationChanged(l, l.owner(unsafe.Pointer(m)), added, removed)
		}
	}
}

func typed[T any](items []unsafe.Pointer) []*T {
	if items == nil {
		return nil
	}
	out := make([]*T, len(items))
	for i, p := range items {
		out[i] = (*T)(p)
	}
	return out
}

func untyped[T any](items []*T) []unsafe.Pointer {
	out := make([]unsafe.Pointer, 0, len(items))
	for _, it := range items {
		if it != nil && !slices.Contains(out, unsafe.Pointer(it)) {
			out = append(out, unsafe.Pointer(it))
		}
	}
	return out
}

// ----------------------------------------------------------------------------
// Access for the session

// accessor reaches a relationship field at an offset in its owner: One[T]
// and Many[T] have layouts independent of T.
type accessor struct {
	offset uintptr
	size   uintptr
	many   bool
}

var (
	referenceAccessor  = accessor{size: unsafe.Sizeof(reference{})}
	collectionAccessor = accessor{size: unsafe.Sizeof(collection{}), many: true}
)

func (a accessor) ref(owner unsafe.Pointer) *reference {
	return (*reference)(unsafe.Add(owner, a.offset))
}

func (a accessor) coll(owner unsafe.Pointer) *collection {
	return (*collection)(unsafe.Add(owner, a.offset))
}

var (
	relationPkg = reflect.TypeFor[One[int]]().PkgPath()
	targeter    = reflect.TypeFor[interface{ target() reflect.Type }]()
)

// isRelationType reports whether t is a One or a Many.
func isRelationType(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == relationPkg && t.Implements(targeter)
}

// isMany reports whether the relationship type t is a Many.
func isMany(t reflect.Type) bool {
	return t.NumField() == 1 && t.Field(0).Type == reflect.TypeFor[collection]()
}

// relationTarget returns the T of a One[T] or Many[T].
func relationTarget(t reflect.Type) reflect.Type {
	return reflect.Zero(t).Interface().(interface{ target() reflect.Type }).target()
}

// Loaded reports whether the relationship is loaded in the object at
// owner.
func (r *Relation) Loaded(owner unsafe.Pointer) bool {
	if r.acc.many {
		c := r.acc.coll(owner)
		return c.loaded || c.link == nil
	}
	ref := r.acc.ref(owner)
	return ref.loaded || ref.link == nil
}

// Items returns the related objects in the object at owner, as far as they
// are loaded: a reference gives zero or one.
func (r *Relation) Items(owner unsafe.Pointer) []unsafe.Pointer {
	if r.acc.many {
		return r.acc.coll(owner).items
	}
	if v := r.acc.ref(owner).v; v != nil {
		return []unsafe.Pointer{v}
	}
	return nil
}

// SetLoaded stores the loaded related objects in the object at owner
// (zero or one for a reference) and marks the field loaded. A collection's
// changes made while it was unloaded are applied on top.
func (r *Relation) SetLoaded(owner unsafe.Pointer, items []unsafe.Pointer) {
	if r.acc.many {
		c := r.acc.coll(owner)
		merged := make([]unsafe.Pointer, 0, len(items)+len(c.added))
		for _, p := range items {
			if !slices.Contains(c.removed, p) && !slices.Contains(merged, p) {
				merged = append(merged, p)
			}
		}
		for _, p := range c.added {
			if !slices.Contains(merged, p) {
				merged = append(merged, p)
			}
		}
		c.items, c.loaded, c.added, c.removed = merged, true, nil, nil
		return
	}
	ref := r.acc.ref(owner)
	ref.v, ref.loaded = nil, true
	if len(items) > 0 {
		ref.v = items[0]
	}
}

// Unload marks the relationship of the object at owner not loaded (after
// expiry), dropping its objects and pending changes.
func (r *Relation) Unload(owner unsafe.Pointer) {
	if r.acc.many {
		c := r.acc.coll(owner)
		c.items, c.loaded, c.added, c.removed = nil, false, nil, nil
		return
	}
	ref := r.acc.ref(owner)
	ref.v, ref.loaded = nil, false
}

// clear zeroes the field in the object at owner: not loaded, no link.
func (r *Relation) clear(owner unsafe.Pointer) {
	if r.acc.many {
		*r.acc.coll(owner) = collection{}
		return
	}
	*r.acc.ref(owner) = reference{}
}

// Pending returns the changes made to an unloaded collection of the object
// at owner.
func (r *Relation) Pending(owner unsafe.Pointer) (added, removed []unsafe.Pointer) {
	if !r.acc.many {
		return nil, nil
	}
	c := r.acc.coll(owner)
	return c.added, c.removed
}

// Link returns the link of the field in the object at owner; or nil.
func (r *Relation) Link(owner unsafe.Pointer) *Link {
	if r.acc.many {
		return r.acc.coll(owner).link
	}
	return r.acc.ref(owner).link
}

// SetLink attaches the field in the object at owner to a source. A source
// keeps the link of an object it detaches, and answers its loads with an
// error: a field without a link is one of a new object, loaded by
// definition.
func (r *Relation) SetLink(owner unsafe.Pointer, l *Link) {
	if r.acc.many {
		r.acc.coll(owner).link = l
		return
	}
	r.acc.ref(owner).link = l
}

// Attach makes item related to the object at owner without telling the
// source: the session keeps the two sides of a relationship in step with
// it. A loaded collection gains item, an unloaded one keeps it as an
// addition applied when it loads; a reference points at item.
func (r *Relation) Attach(owner, item unsafe.Pointer) {
	if !r.acc.many {
		ref := r.acc.ref(owner)
		ref.v, ref.loaded = item, true
		return
	}
	c := r.acc.coll(owner)
	if c.loaded || c.link == nil {
		if !slices.Contains(c.items, item) {
			c.items = append(slices.Clip(c.items), item)
		}
		c.loaded = true
		return
	}
	c.removed = slices.DeleteFunc(c.removed, func(q unsafe.Pointer) bool { return q == item })
	if !slices.Contains(c.added, item) {
		c.added = append(c.added, item)
	}
}

// Detach makes item no longer related to the object at owner without
// telling the source, as Attach does. A reference that points elsewhere
// is left alone.
func (r *Relation) Detach(owner, item unsafe.Pointer) {
	if !r.acc.many {
		ref := r.acc.ref(owner)
		if ref.v == item || !ref.loaded {
			ref.v, ref.loaded = nil, true
		}
		return
	}
	c := r.acc.coll(owner)
	if c.loaded || c.link == nil {
		if i := slices.Index(c.items, item); i >= 0 {
			c.items = slices.Delete(slices.Clone(c.items), i, i+1)
		}
		return
	}
	if i := slices.Index(c.added, item); i >= 0 {
		c.added = slices.Delete(c.added, i, i+1)
	} else if !slices.Contains(c.removed, item) {
		c.removed = append(c.removed, item)
	}
}

// ForgetPending drops the changes kept for an unloaded collection of the
// object at owner, once the session has written them.
func (r *Relation) ForgetPending(owner unsafe.Pointer) {
	if r.acc.many {
		c := r.acc.coll(owner)
		c.added, c.removed = nil, nil
	}
}

// IsSet reports whether the relationship of the object at owner was
// loaded or assigned: false for the zero field of a new object, which
// Loaded reports as loaded (and empty) all the same.
func (r *Relation) IsSet(owner unsafe.Pointer) bool {
	if r.acc.many {
		return r.acc.coll(owner).loaded
	}
	return r.acc.ref(owner).loaded
}
