package mapper

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/compile"
)

// Kind is the kind of a relationship.
type Kind uint8

// The relationship kinds.
const (
	ManyToOne      Kind = iota + 1 // the owner's foreign key refers to the target (a One field)
	OneToMany                      // the target's foreign key refers to the owner (a Many field)
	OneToOne                       // the target's foreign key refers to the owner, at most one (a One field)
	ManyToManyKind                 // rows of an association table link both (a Many field)
)

var kindNames = [...]string{"", "many-to-one", "one-to-many", "one-to-one", "many-to-many"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Strategy is how a relationship loads.
type Strategy uint8

// The loader strategies.
const (
	Lazy       Strategy = iota // on first access, one SELECT (the default)
	Joined                     // in the owner's own SELECT, through a LEFT OUTER JOIN of the target under an alias of the session's
	SelectIn                   // one more SELECT for all owners of a query, with IN
	Raise                      // never: accessing an unloaded one is an error
	RaiseOnSQL                 // only without SQL (from the identity map); else an error
)

var strategyNames = [...]string{"lazy", "joined", "selectin", "raise", "raise_on_sql"}

func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", s)
}

// Cascade is the set of operations that propagate from an object to the
// objects a relationship holds.
type Cascade uint16

// The cascades.
const (
	CascadeSaveUpdate    Cascade = 1 << iota // adding the owner adds the related objects
	CascadeMerge                             // merging the owner merges them
	CascadeRefreshExpire                     // expiring or refreshing the owner expires them
	CascadeExpunge                           // expunging the owner expunges them
	CascadeDelete                            // deleting the owner deletes them
	CascadeDeleteOrphan                      // an object removed from the owner is deleted
)

// DefaultCascade is "save-update, merge".
const DefaultCascade = CascadeSaveUpdate | CascadeMerge

// CascadeAll is "all": save-update, merge, refresh-expire, expunge, delete.
const CascadeAll = CascadeSaveUpdate | CascadeMerge | CascadeRefreshExpire | CascadeExpunge | CascadeDelete

var cascadeNames = []struct {
	name string
	c    Cascade
}{
	{"save-update", CascadeSaveUpdate},
	{"merge", CascadeMerge},
	{"refresh-expire", CascadeRefreshExpire},
	{"expunge", CascadeExpunge},
	{"delete", CascadeDelete},
	{"delete-orphan", CascadeDeleteOrphan},
}

// ParseCascade parses a comma-separated cascade list as SQLAlchemy writes
// it: "all, delete-orphan", "save-update, merge", "none".
func ParseCascade(s string) (Cascade, error) {
	var c Cascade
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch part {
		case "", "none":
			continue
		case "all":
			c |= CascadeAll
			continue
		}
		i := slices.IndexFunc(cascadeNames, func(n struct {
			name string
			c    Cascade
		}) bool {
			return n.name == part
		})
		if i < 0 {
			return 0, fmt.Errorf("unknown cascade %q", part)
		}
		c |= cascadeNames[i].c
	}
	return c, nil
}

// Has reports whether c contains every cascade of d.
func (c Cascade) Has(d Cascade) bool { return c&d == d }

func (c Cascade) String() string {
	var names []string
	for _, n := range cascadeNames {
		if c.Has(n.c) {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ", ")
}

// Relation is a relationship between two mappings: how the objects of the
// owner's field relate to rows of the target. Declare one with [HasMany],
// [BelongsTo], [HasOne] or [ManyToMany], and set its options with its
// methods; the options must be set inside the configure function.
type Relation struct {
	Name  string // the owner's field
	Kind  Kind
	Owner *Mapping

	// The foreign key: Columns on ChildTable referring to RefColumns on
	// the other table. For ManyToOne the child is the owner's table, for
	// OneToMany and OneToOne the target's.
	Columns    []string
	RefColumns []string

	// For ManyToMany: the association table, its columns referring to the
	// owner's key (SecondaryLocal) and to the target's (SecondaryRemote).
	Secondary       *ore.Table
	SecondaryLocal  []string
	SecondaryRemote []string

	targetType reflect.Type
	target     *Mapping
	fkTable    *compile.Table // the table Columns belong to, as declared
	acc        accessor

	backPopulates  string
	back           *Relation
	orderBy        []ore.OrderTerm
	strategy       Strategy
	cascade        Cascade
	cascadeSet     bool
	passiveDeletes PassiveDeletes
	postUpdate     bool
	singleParent   bool
	viewOnly       bool
	err            error
}

// PassiveDeletes is what deleting an owner does to related rows the
// session has not loaded.
type PassiveDeletes uint8

// The passive delete modes.
const (
	// PassiveDeletesOff loads unloaded children to delete them or set their
	// keys to NULL (the default).
	PassiveDeletesOff PassiveDeletes = iota
	// PassiveDeletesUnloaded leaves unloaded children to the database's ON
	// DELETE; loaded ones are still handled by the session.
	PassiveDeletesUnloaded
	// PassiveDeletesAll never touches children: only the owner's DELETE is
	// sent.
	PassiveDeletesAll
)

// Target returns the target mapping (after Check).
func (r *Relation) Target() *Mapping { return r.target }

// BackPopulates returns the relationship on the target that mirrors this
// one; or nil.
func (r *Relation) BackPopulatesRelation() *Relation { return r.back }

// Strategy returns the default loader strategy.
func (r *Relation) Strategy() Strategy { return r.strategy }

// Cascades returns the relationship's cascades.
func (r *Relation) Cascades() Cascade { return r.cascade }

// OrderTerms returns the relationship's ordering; or nil.
func (r *Relation) OrderTerms() []ore.OrderTerm { return r.orderBy }

// Passive returns the relationship's passive delete mode.
func (r *Relation) Passive() PassiveDeletes { return r.passiveDeletes }

// IsPostUpdate reports whether the relationship is written with a second
// UPDATE after both rows exist.
func (r *Relation) IsPostUpdate() bool { return r.postUpdate }

// IsSingleParent reports whether an object may belong to one owner only.
func (r *Relation) IsSingleParent() bool { return r.singleParent }

// IsViewOnly reports whether the relationship is only read, never written.
func (r *Relation) IsViewOnly() bool { return r.viewOnly }

// IsCollection reports whether the field is a Many.
func (r *Relation) IsCollection() bool { return r.Kind == OneToMany || r.Kind == ManyToManyKind }

// BackPopulates names the field of the target that mirrors this
// relationship; the two are kept in sync in memory.
func (r *Relation) BackPopulates(field string) *Relation { r.backPopulates = field; return r }

// OrderBy orders the collection, whichever strategy loads it.
func (r *Relation) OrderBy(terms ...ore.OrderTerm) *Relation { r.orderBy = terms; return r }

// Load sets the default loader strategy.
func (r *Relation) Load(s Strategy) *Relation { r.strategy = s; return r }

// Cascade sets the cascades, as ParseCascade reads them ("all,
// delete-orphan"). The default is "save-update, merge". An unknown name is
// a declaration error.
func (r *Relation) Cascade(spec string) *Relation {
	c, err := ParseCascade(spec)
	if err != nil && r.err == nil {
		r.err = err
	}
	r.cascade, r.cascadeSet = c, true
	return r
}

// PassiveDeletes sets what deleting the owner does to unloaded children.
func (r *Relation) PassiveDeletes(p PassiveDeletes) *Relation { r.passiveDeletes = p; return r }

// PostUpdate writes the relationship's foreign key with a second UPDATE
// once both rows exist, for rows that refer to each other.
func (r *Relation) PostUpdate() *Relation { r.postUpdate = true; return r }

// SingleParent allows an object to belong to one owner only, as a
// delete-orphan cascade on a many-to-one or many-to-many needs.
func (r *Relation) SingleParent() *Relation { r.singleParent = true; return r }

// ViewOnly makes the relationship read-only: the session never writes it.
func (r *Relation) ViewOnly() *Relation { r.viewOnly = true; return r }

// ----------------------------------------------------------------------------
// Declaring relationships

// HasMany declares the collection field as one-to-many: fk are the
// columns of T's table referring to the owner's primary key (in key order).
func HasMany[S, T any](b *Builder[S], field *Many[T], fk ...ore.AnyColumn) *Relation {
	return declare(b, unsafe.Pointer(field), collectionAccessor, reflect.TypeFor[T](), OneToMany, fk)
}

// BelongsTo declares the reference field as many-to-one: fk are the
// columns of the owner's table referring to T's primary key.
func BelongsTo[S, T any](b *Builder[S], field *One[T], fk ...ore.AnyColumn) *Relation {
	return declare(b, unsafe.Pointer(field), referenceAccessor, reflect.TypeFor[T](), ManyToOne, fk)
}

// HasOne declares the reference field as one-to-one, the foreign key being
// on T's side: fk are the columns of T's table referring to the owner's
// primary key.
func HasOne[S, T any](b *Builder[S], field *One[T], fk ...ore.AnyColumn) *Relation {
	return declare(b, unsafe.Pointer(field), referenceAccessor, reflect.TypeFor[T](), OneToOne, fk)
}

// ManyToMany declares the collection field as many-to-many through the
// association table assoc: local is its column referring to the owner's
// primary key, remote its column referring to T's. For composite keys use
// [ManyToManyKeys].
func ManyToMany[S, T any](b *Builder[S], field *Many[T], assoc ore.TableRef, local, remote ore.AnyColumn) *Relation {
	return ManyToManyKeys(b, field, assoc, []ore.AnyColumn{local}, []ore.AnyColumn{remote})
}

// ManyToManyKeys is ManyToMany with composite keys.
func ManyToManyKeys[S, T any](b *Builder[S], field *Many[T], assoc ore.TableRef, local, remote []ore.AnyColumn) *Relation {
	r := declare(b, unsafe.Pointer(field), collectionAccessor, reflect.TypeFor[T](), ManyToManyKind, nil)
	r.Secondary = ore.TableOf(assoc)
	if r.Secondary == nil {
		r.err = errors.New("many-to-many: nil association table")
		return r
	}
	l, lt, err := columnsOf(local)
	if err != nil {
		r.err = fmt.Errorf("association columns: %w", err)
		return r
	}
	rm, rt, err := columnsOf(remote)
	if err != nil {
		r.err = fmt.Errorf("association columns: %w", err)
		return r
	}
	for _, t := range []*compile.Table{lt, rt} {
		if err := sameTable(t, r.Secondary); err != nil {
			r.err = fmt.Errorf("many-to-many: association columns must be the association table's: %w", err)
			return r
		}
	}
	r.SecondaryLocal, r.SecondaryRemote = l, rm
	r.fkTable = lt
	return r
}

func declare[S any](b *Builder[S], field unsafe.Pointer, acc accessor, target reflect.Type, kind Kind, fk []ore.AnyColumn) *Relation {
	r := &Relation{Kind: kind, Owner: b.m, targetType: target, acc: acc, cascade: DefaultCascade}
	off, ok := b.offsetOf(field, acc.size)
	if !ok {
		b.fail(fmt.Errorf("mapper: %s: relationship: the field is not a field of the object configure received", b.m.typ))
		return r
	}
	sf, _ := fieldAt(b.m.typ, off)
	r.Name = sf.Name
	r.acc.offset = off
	if kind != ManyToManyKind {
		cols, table, err := columnsOf(fk)
		if err != nil {
			r.err = fmt.Errorf("foreign key: %w", err)
		}
		r.Columns, r.fkTable = cols, table
	}
	b.m.rels = append(b.m.rels, r)
	b.bound[off] = true
	return r
}

// resolve finds the relationship's target mapping and checks the
// declaration against the tables.
func (r *Relation) resolve() error {
	if r.err != nil {
		return r.err
	}
	v, ok := registry.Load(r.targetType)
	if !ok {
		return fmt.Errorf("target %s: %w (declare it with mapper.Map)", r.targetType, ErrNotMapped)
	}
	r.target = v.(*Mapping)
	// The target's declarations (its fields, key and relationships) are
	// needed here, not its resolution: mappings may refer to each other.
	if err := r.target.declare(); err != nil {
		return err
	}
	owner, target := r.Owner.table, r.target.table
	switch r.Kind {
	case ManyToOne:
		if err := sameTable(r.fkTable, owner); err != nil {
			return fmt.Errorf("BelongsTo: foreign key columns must be the owner's: %w", err)
		}
		r.RefColumns = pkColumns(r.target)
	case OneToMany, OneToOne:
		if err := sameTable(r.fkTable, target); err != nil {
			return fmt.Errorf("%s: foreign key columns must be the target's: %w", r.Kind, err)
		}
		r.RefColumns = pkColumns(r.Owner)
	case ManyToManyKind:
		r.Columns, r.RefColumns = r.SecondaryLocal, pkColumns(r.Owner)
		if len(r.SecondaryRemote) != len(r.target.pk) {
			return fmt.Errorf("many-to-many: %d remote columns for a %d-column key", len(r.SecondaryRemote), len(r.target.pk))
		}
	}
	if len(r.Columns) != len(r.RefColumns) {
		return fmt.Errorf("%s: %d foreign key columns for a %d-column key", r.Kind, len(r.Columns), len(r.RefColumns))
	}
	if r.Kind != ManyToManyKind {
		child := r.Owner
		if r.Kind != ManyToOne {
			child = r.target
		}
		for _, c := range r.Columns {
			if child.FieldFor(c) == nil {
				return fmt.Errorf("foreign key column %q of %s has no field", c, child.typ)
			}
		}
	}
	if r.cascade.Has(CascadeDeleteOrphan) && (r.Kind == ManyToOne || r.Kind == ManyToManyKind) && !r.singleParent {
		return errors.New("delete-orphan on a many-to-one or many-to-many needs SingleParent")
	}
	if r.viewOnly && r.cascade&^(CascadeMerge|CascadeExpunge|CascadeRefreshExpire) != 0 && r.cascadeSet {
		return fmt.Errorf("a view-only relationship allows only merge, expunge and refresh-expire cascades, not %s", r.cascade)
	}
	if r.viewOnly && !r.cascadeSet {
		r.cascade = CascadeMerge
	}
	if r.backPopulates != "" {
		back := r.target.Relation(r.backPopulates)
		if back == nil {
			return fmt.Errorf("BackPopulates: %s has no relationship %q", r.target.typ, r.backPopulates)
		}
		if back.targetType != r.Owner.typ {
			return fmt.Errorf("BackPopulates: %s.%s relates to %s, not %s", r.target.typ.Name(), back.Name, back.targetType, r.Owner.typ)
		}
		if !mirrors(r, back) {
			return fmt.Errorf("BackPopulates: %s.%s (%s) does not mirror %s", r.target.typ.Name(), back.Name, back.Kind, r.Kind)
		}
		r.back = back
	}
	return nil
}

func sameTable(t *compile.Table, want *ore.Table) error {
	if t == nil || t.Name != want.Name() || t.Schema != want.Schema() {
		name := "nil"
		if t != nil {
			name = t.Name
		}
		return fmt.Errorf("they are of %q, not %q", name, want.Name())
	}
	return nil
}

func pkColumns(m *Mapping) []string {
	out := make([]string, len(m.pk))
	for i, f := range m.pk {
		out[i] = f.Column.Name
	}
	return out
}

// inferRelations declares the One and Many fields that configure did not:
// from the one foreign key between the two tables, where there is exactly
// one.
func (m *Mapping) inferRelations(bound map[uintptr]bool) error {
	for _, sf := range structFields(m.typ) {
		if bound[sf.Offset] || !isRelationType(sf.Type) {
			continue
		}
		target := relationTarget(sf.Type)
		tv, ok := registry.Load(target)
		if !ok {
			return fmt.Errorf("mapper: %s.%s: target %s: %w (declare it with mapper.Map)", m.typ.Name(), sf.Name, target, ErrNotMapped)
		}
		tm := tv.(*Mapping)
		r := &Relation{Name: sf.Name, Owner: m, targetType: target, cascade: DefaultCascade}
		many := isMany(sf.Type)
		r.acc = referenceAccessor
		if many {
			r.acc = collectionAccessor
		}
		r.acc.offset = sf.Offset
		// Foreign keys of the owner's table to the target's, and of the
		// target's table to the owner's.
		ownerToTarget := foreignKeysTo(m.table, tm.table)
		targetToOwner := foreignKeysTo(tm.table, m.table)
		switch {
		case many && len(targetToOwner) == 1:
			r.Kind, r.Columns = OneToMany, targetToOwner[0].Columns
			r.fkTable = tableNode(tm.table)
		case !many && len(ownerToTarget) == 1 && len(targetToOwner) == 0:
			r.Kind, r.Columns = ManyToOne, ownerToTarget[0].Columns
			r.fkTable = tableNode(m.table)
		case !many && len(targetToOwner) == 1 && len(ownerToTarget) == 0:
			r.Kind, r.Columns = OneToOne, targetToOwner[0].Columns
			r.fkTable = tableNode(tm.table)
		default:
			return fmt.Errorf("mapper: %s.%s: cannot tell its foreign key from the tables (%d from %q to %q, %d back); declare it in configure",
				m.typ.Name(), sf.Name, len(ownerToTarget), m.table.Name(), tm.table.Name(), len(targetToOwner))
		}
		m.rels = append(m.rels, r)
	}
	return nil
}

func tableNode(t *ore.Table) *compile.Table {
	return &compile.Table{Schema: t.Schema(), Name: t.Name()}
}

// foreignKeysTo returns the foreign keys of from that refer to to.
func foreignKeysTo(from, to *ore.Table) []ore.ForeignKeyDef {
	spec, err := from.Spec()
	if err != nil {
		return nil
	}
	var out []ore.ForeignKeyDef
	for _, fk := range spec.ForeignKeys {
		schema := fk.RefSchema
		if schema == "" {
			schema = from.Schema()
		}
		if fk.RefTable == to.Name() && schema == to.Schema() {
			out = append(out, fk)
		}
	}
	return out
}

// mirrors reports whether b is r seen from the other side: a many-to-one
// and a one-to-many (or one-to-one) over the same foreign key, or two
// many-to-many through the same table with their columns swapped.
func mirrors(r, b *Relation) bool {
	switch r.Kind {
	case ManyToOne:
		return (b.Kind == OneToMany || b.Kind == OneToOne) && slices.Equal(r.Columns, b.Columns)
	case OneToMany, OneToOne:
		return b.Kind == ManyToOne && slices.Equal(r.Columns, b.Columns)
	case ManyToManyKind:
		return b.Kind == ManyToManyKind && b.Secondary == r.Secondary &&
			slices.Equal(r.SecondaryLocal, b.SecondaryRemote) && slices.Equal(r.SecondaryRemote, b.SecondaryLocal)
	}
	return false
}
