package mapper_test

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
)

// Every mapper.Map registers a mapping per Go type, for the whole test
// binary: each test maps types of its own (local types where it can), and
// the tables of this file are named mt_*.

// ----------------------------------------------------------------------------
// Tables

// mt_people exercises declarative matching: columns found by tag, by db
// tag, by convention, through an embedded struct, and columns no field
// holds.
type mtPeopleTable struct {
	ore.Table
	ID        ore.Col[int64]     `ore:"id,pk,identity"`
	UserID    ore.Col[int64]     `ore:"user_id"`
	FullName  ore.Col[string]    `ore:"full_name"`
	EmailAddr ore.Col[string]    `ore:"email_addr"`
	Nickname  ore.Col[*string]   `ore:"nickname"`
	CreatedAt ore.Col[time.Time] `ore:"created_at,default=CURRENT_TIMESTAMP"`
	Note      ore.Col[string]    `ore:"note"`
	Secret    ore.Col[string]    `ore:"secret"`
	Hidden    ore.Col[string]    `ore:"hidden"`
	Internal  ore.Col[string]    `ore:"internal"`
	Unused    ore.Col[string]    `ore:"unused"`
}

// mt_accounts exercises explicit bindings and the version counter.
type mtAccountsTable struct {
	ore.Table
	ID      ore.Col[int64]  `ore:"id,pk"`
	Owner   ore.Col[string] `ore:"owner"`
	Balance ore.Col[int64]  `ore:"balance"`
	Rev     ore.Col[int64]  `ore:"rev"`
	Label   ore.Col[string] `ore:"label"`
	Secret  ore.Col[string] `ore:"secret"`
}

// mt_memberships has a composite key in column order.
type mtMembershipsTable struct {
	ore.Table
	UserID  ore.Col[int64] `ore:"user_id,pk"`
	GroupID ore.Col[int64] `ore:"group_id,pk"`
	Role    ore.Col[string]
}

// mt_grants has a composite key whose order is not the columns'.
type mtGrantsTable struct {
	ore.Table
	UserID  ore.Col[int64]  `ore:"user_id"`
	GroupID ore.Col[int64]  `ore:"group_id"`
	Level   ore.Col[string] `ore:"level"`
}

func (t *mtGrantsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.PrimaryKey(t.GroupID, t.UserID)}
}

// mt_logs has no primary key.
type mtLogsTable struct {
	ore.Table
	At  ore.Col[time.Time] `ore:"at"`
	Msg ore.Col[string]    `ore:"msg"`
}

// mt_broken is declared wrongly (an unknown tag option).
type mtBrokenTable struct {
	ore.Table
	ID ore.Col[int64] `ore:"id,pk,bogus"`
}

// mt_bad_constraints declares well, but its constraints are wrong.
type mtBadConstraintsTable struct {
	ore.Table
	ID    ore.Col[int64] `ore:"id,pk"`
	RefID ore.Col[int64] `ore:"ref_id"`
}

func (t *mtBadConstraintsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.RefID).References()}
}

// mt_values has a column of each kind of Go type the field operations
// treat apart.
type mtValuesTable struct {
	ore.Table
	ID       ore.Col[int64]           `ore:"id,pk"`
	PersonID ore.Col[int64]           `ore:"person_id"`
	Name     ore.Col[string]          `ore:"name"`
	Data     ore.Col[[]byte]          `ore:"data"`
	Nick     ore.Col[*string]         `ore:"nick"`
	At       ore.Col[time.Time]       `ore:"at"`
	MaybeAt  ore.Col[*time.Time]      `ore:"maybe_at"`
	Score    ore.Col[float64]         `ore:"score"`
	Active   ore.Col[bool]            `ore:"active"`
	UUID     ore.Col[[16]byte]        `ore:"uuid"`
	Doc      ore.Col[json.RawMessage] `ore:"doc"`
	Count    ore.Col[int32]           `ore:"count"`
}

var (
	mtPeople          = ore.NewTable[mtPeopleTable]("mt_people")
	mtAccounts        = ore.NewTable[mtAccountsTable]("mt_accounts")
	mtMemberships     = ore.NewTable[mtMembershipsTable]("mt_memberships")
	mtGrants          = ore.NewTable[mtGrantsTable]("mt_grants")
	mtLogs            = ore.NewTable[mtLogsTable]("mt_logs")
	mtBroken          = ore.NewTable[mtBrokenTable]("mt_broken")
	mtBadConstraints  = ore.NewTable[mtBadConstraintsTable]("mt_bad_constraints")
	mtValuesTableDecl = ore.NewTable[mtValuesTable]("mt_values")
)

// ----------------------------------------------------------------------------
// Mapped types

type mtStamps struct {
	CreatedAt time.Time
}

// mtPerson's fields are declared in another order than mt_people's
// columns, to show that a mapping keeps the table's.
type mtPerson struct {
	Note     string  `ore:",omitempty"` // an empty tag name: the conventional one
	Email    string  `db:"email_addr"`
	Name     string  `ore:"full_name" db:"not_a_column"` // ore wins over db
	mtStamps         // embedded: its fields are the struct's
	Nick     *string `ore:"nickname"`
	UserID   int64   // user_id by convention
	ID       int64
	Secret   string `ore:"-"`
	Hidden   string `db:"-"`
	internal string // unexported: never a column
	Extra    string // no column "extra": a field of the struct's own
}

var mtPersonMapper = mapper.Map[mtPerson](mtPeople)

// mtValues holds every kind of field, and relationships, for the field
// operations and Snapshot.
type mtValues struct {
	ID       int64
	PersonID int64
	Name     string
	Data     []byte
	Nick     *string
	At       time.Time
	MaybeAt  *time.Time
	Score    float64
	Active   bool
	UUID     [16]byte
	Doc      json.RawMessage
	Count    int32
	Person   mapper.One[mtPerson]
	People   mapper.Many[mtPerson]
}

var mtValuesMapper = mapper.Map[mtValues](mtValuesTableDecl, func(b *mapper.Builder[mtValues], v *mtValues) {
	mapper.BelongsTo(b, &v.Person, mtValuesTableDecl.PersonID)
	mapper.HasMany(b, &v.People, mtPeople.UserID)
})

// ptr returns the untyped address of an object, as the mapper's field
// operations take it.
func ptr[T any](v *T) unsafe.Pointer { return unsafe.Pointer(v) }

// checked returns mp's mapping after checking that it has no error.
func checked[T any](t *testing.T, mp *mapper.Mapper[T]) *mapper.Mapping {
	t.Helper()
	m := mp.Mapping()
	require.NoError(t, m.Check())
	return m
}

type fieldCol struct{ Field, Column string }

func fieldCols(fs []*mapper.Field) []fieldCol {
	out := make([]fieldCol, len(fs))
	for i, f := range fs {
		out[i] = fieldCol{f.Name, f.Column.Name}
	}
	return out
}

// ----------------------------------------------------------------------------
// Declarative mappings

func TestDeclarativeMatching(t *testing.T) {
	m := checked(t, mtPersonMapper)

	// In mt_people's column order, whatever the struct's order.
	assert.Equal(t, []fieldCol{
		{"ID", "id"},
		{"UserID", "user_id"},
		{"Name", "full_name"},
		{"Email", "email_addr"},
		{"Nick", "nickname"},
		{"CreatedAt", "created_at"},
		{"Note", "note"},
	}, fieldCols(m.Fields()))
	for i, f := range m.Fields() {
		assert.Equal(t, i, f.Pos, "Pos of %s", f.Name)
	}

	for _, name := range []string{"Secret", "Hidden", "internal", "Extra", "mtStamps"} {
		assert.Nil(t, m.Field(name), "field %s must not be mapped", name)
	}
	for _, col := range []string{"secret", "hidden", "internal", "unused", "not_a_column", "extra"} {
		assert.Nil(t, m.FieldFor(col), "column %s must have no field", col)
	}
}

func TestDeclarativeFieldsReachTheirValues(t *testing.T) {
	m := checked(t, mtPersonMapper)
	nick := "nick"
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	p := mtPerson{
		Note: "note", Email: "e@x", Name: "Ann", mtStamps: mtStamps{CreatedAt: created},
		Nick: &nick, UserID: 42, ID: 7, Secret: "s", Hidden: "h", internal: "i", Extra: "x",
	}
	want := map[string]any{
		"ID": int64(7), "UserID": int64(42), "Name": "Ann", "Email": "e@x",
		"Nick": &nick, "CreatedAt": created, "Note": "note",
	}
	require.Len(t, m.Fields(), len(want))
	for _, f := range m.Fields() {
		assert.Equal(t, want[f.Name], f.Value(ptr(&p)), "Value of %s", f.Name)
	}
	// The embedded field's pointer is the promoted field's address.
	assert.Same(t, &p.CreatedAt, m.Field("CreatedAt").Pointer(ptr(&p)))
	assert.Same(t, &p.UserID, m.Field("UserID").Pointer(ptr(&p)))
	assert.Same(t, p.Nick, m.Field("Nick").Value(ptr(&p)))
}

func TestMappingAccessors(t *testing.T) {
	m := checked(t, mtPersonMapper)
	assert.Equal(t, reflect.TypeFor[mtPerson](), m.Type())
	assert.Same(t, ore.TableOf(mtPeople), m.Table())
	require.Len(t, m.PrimaryKey(), 1)
	assert.Same(t, m.Field("ID"), m.PrimaryKey()[0])
	assert.Nil(t, m.Version())
	assert.Empty(t, m.Relations())
	assert.Nil(t, m.Relation("ID"), "a column field is not a relationship")
	assert.Nil(t, m.Field("Nope"))
	assert.Nil(t, m.FieldFor("nope"))
	assert.Same(t, m.Field("Name"), m.FieldFor("full_name"))
	assert.Same(t, ore.TableOf(mtPeople).Column("full_name").Def(), m.Field("Name").Column)

	tests := []struct {
		name      string
		field     string
		typ       reflect.Type
		generated bool
	}{
		{"identity", "ID", reflect.TypeFor[int64](), true},
		{"server default, embedded", "CreatedAt", reflect.TypeFor[time.Time](), true},
		{"ore tag", "Name", reflect.TypeFor[string](), false},
		{"nullable", "Nick", reflect.TypeFor[*string](), false},
		{"conventional name", "UserID", reflect.TypeFor[int64](), false},
		{"db tag", "Email", reflect.TypeFor[string](), false},
		{"empty ore tag name", "Note", reflect.TypeFor[string](), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := m.Field(tt.field)
			require.NotNil(t, f)
			assert.Equal(t, tt.typ, f.Type())
			assert.Equal(t, tt.generated, f.Generated())
		})
	}
}

// A reflected table's columns may have no Go type (or any): then any field
// type is taken; where reflection gave one, the field must have it.
func TestDeclarativeMatchingOnAReflectedTable(t *testing.T) {
	tbl, err := ore.NewReflectedTable("", "mt_reflected", &ore.TableSpec{
		Columns: []*ore.ColumnDef{
			{Name: "id", GoType: reflect.TypeFor[int64](), PrimaryKey: true},
			{Name: "payload"},
			{Name: "extra", GoType: reflect.TypeFor[any]()},
		},
		PrimaryKey: []string{"id"},
	})
	require.NoError(t, err)

	type mtReflected struct {
		ID      int64
		Payload []string
		Extra   map[string]int
	}
	m := checked(t, mapper.Map[mtReflected](tbl))
	assert.Equal(t, []fieldCol{{"ID", "id"}, {"Payload", "payload"}, {"Extra", "extra"}}, fieldCols(m.Fields()))

	type mtReflectedWrong struct {
		ID string
	}
	err = mapper.Map[mtReflectedWrong](tbl).Mapping().Check()
	require.Error(t, err)
	assert.ErrorContains(t, err, "mtReflectedWrong.ID is a string")
	assert.ErrorContains(t, err, `column "id" holds int64`)
}

// ----------------------------------------------------------------------------
// Explicit mappings

type mtAccount struct {
	ID       int64
	Holder   string // owner, bound explicitly
	Balance  int64  // by convention
	Revision int64  // rev, bound explicitly; the version counter
	Title    string `ore:"secret"` // the tag is overridden by the binding
}

var mtAccountMapper = mapper.Map[mtAccount](mtAccounts, func(b *mapper.Builder[mtAccount], a *mtAccount) {
	mapper.Column(b, &a.Holder, mtAccounts.Owner)
	mapper.Column(b, &a.Revision, mtAccounts.Rev)
	mapper.Column(b, &a.Title, mtAccounts.Label)
	mapper.Version(b, &a.Revision)
})

func TestExplicitBinding(t *testing.T) {
	m := checked(t, mtAccountMapper)
	assert.Equal(t, []fieldCol{
		{"ID", "id"},
		{"Holder", "owner"},
		{"Balance", "balance"},
		{"Revision", "rev"},
		{"Title", "label"},
	}, fieldCols(m.Fields()))
	assert.Nil(t, m.FieldFor("secret"), "an explicit binding replaces the field's tag")
	assert.Same(t, ore.TableOf(mtAccounts).Column("owner").Def(), m.Field("Holder").Column)

	a := mtAccount{ID: 1, Holder: "ann", Balance: 10, Revision: 3, Title: "main"}
	assert.Equal(t, "ann", m.FieldFor("owner").Value(ptr(&a)))
	assert.Same(t, &a.Revision, m.FieldFor("rev").Pointer(ptr(&a)))
}

func TestVersion(t *testing.T) {
	m := checked(t, mtAccountMapper)
	require.NotNil(t, m.Version())
	assert.Same(t, m.Field("Revision"), m.Version())
	assert.Equal(t, "rev", m.Version().Column.Name)

	// A conventional field may be the counter too; any Integer type.
	type mtCounted struct {
		ID    int64
		Count int32
	}
	mp := mapper.Map[mtCounted](mtValuesTableDecl, func(b *mapper.Builder[mtCounted], c *mtCounted) {
		mapper.Version(b, &c.Count)
	})
	m = checked(t, mp)
	require.NotNil(t, m.Version())
	assert.Equal(t, "Count", m.Version().Name)
	assert.Equal(t, "count", m.Version().Column.Name)
}

func TestCompositePrimaryKey(t *testing.T) {
	t.Run("in column order", func(t *testing.T) {
		type mtMembership struct {
			Role    string
			GroupID int64
			UserID  int64
		}
		m := checked(t, mapper.Map[mtMembership](mtMemberships))
		assert.Equal(t, []fieldCol{{"UserID", "user_id"}, {"GroupID", "group_id"}, {"Role", "role"}}, fieldCols(m.Fields()))
		assert.Equal(t, []fieldCol{{"UserID", "user_id"}, {"GroupID", "group_id"}}, fieldCols(m.PrimaryKey()))
	})
	t.Run("in key order", func(t *testing.T) {
		type mtGrant struct {
			UserID  int64
			GroupID int64
			Level   string
		}
		m := checked(t, mapper.Map[mtGrant](mtGrants))
		assert.Equal(t, []fieldCol{{"UserID", "user_id"}, {"GroupID", "group_id"}, {"Level", "level"}}, fieldCols(m.Fields()))
		assert.Equal(t, []fieldCol{{"GroupID", "group_id"}, {"UserID", "user_id"}}, fieldCols(m.PrimaryKey()),
			"the key's order is ore.PrimaryKey's, not the columns'")
	})
}

// Field.Name is documented as the Go field name; a binding of an unexported
// field (which Column accepts) must carry it too.
func TestColumnNamesAnUnexportedField(t *testing.T) {
	type mtPrivate struct {
		ID     int64
		secret string
	}
	m := checked(t, mapper.Map[mtPrivate](mtAccounts, func(b *mapper.Builder[mtPrivate], p *mtPrivate) {
		mapper.Column(b, &p.secret, mtAccounts.Secret)
	}))
	f := m.FieldFor("secret")
	require.NotNil(t, f)
	assert.Equal(t, "secret", f.Name)
	assert.Same(t, f, m.Field("secret"))

	p := mtPrivate{ID: 1, secret: "s"}
	assert.Equal(t, "s", f.Value(ptr(&p)))
}

// Column's check that the column is the table's must not be fooled by a
// column of another table with the same name: the mapping would take the
// other table's declaration (here an identity, which makes the field
// Generated and leaves it out of INSERTs).
func TestColumnRejectsAColumnOfAnotherTable(t *testing.T) {
	type mtForeignColumn struct {
		ID int64
	}
	err := mapper.Map[mtForeignColumn](mtAccounts, func(b *mapper.Builder[mtForeignColumn], f *mtForeignColumn) {
		mapper.Column(b, &f.ID, mtPeople.ID) // mt_people.id, not mt_accounts.id
	}).Mapping().Check()
	require.Error(t, err)
	assert.ErrorContains(t, err, "mtForeignColumn")
	assert.ErrorContains(t, err, `"mt_accounts"`)
}

// ----------------------------------------------------------------------------
// Registry

func TestOf(t *testing.T) {
	m, err := mapper.Of[mtPerson]()
	require.NoError(t, err)
	assert.Same(t, mtPersonMapper.Mapping(), m)

	m, err = mapper.For(reflect.TypeFor[*mtPerson]())
	require.NoError(t, err, "For takes a pointer type for its element")
	assert.Same(t, mtPersonMapper.Mapping(), m)

	type mtNeverMapped struct{ ID int64 }
	m, err = mapper.Of[mtNeverMapped]()
	assert.Nil(t, m)
	assert.ErrorIs(t, err, mapper.ErrNotMapped)
	assert.ErrorContains(t, err, "mtNeverMapped")
	assert.ErrorContains(t, err, "mapper.Map")
}

// A mapping with an error is registered all the same: For returns it with
// its error.
func TestOfReturnsTheDeclarationError(t *testing.T) {
	type mtOfBroken struct{ Name string }
	mp := mapper.Map[mtOfBroken](mtAccounts)
	m, err := mapper.Of[mtOfBroken]()
	require.Error(t, err)
	assert.Same(t, mp.Mapping(), m)
	assert.ErrorContains(t, err, `primary key column "id"`)
}

func TestMapTwiceReplaces(t *testing.T) {
	type mtTwice struct {
		ID   int64
		Name string
	}
	first := mapper.Map[mtTwice](mtPeople, func(b *mapper.Builder[mtTwice], x *mtTwice) {
		mapper.Column(b, &x.Name, mtPeople.FullName)
	})
	require.NoError(t, first.Mapping().Check())
	second := mapper.Map[mtTwice](mtAccounts, func(b *mapper.Builder[mtTwice], x *mtTwice) {
		mapper.Column(b, &x.Name, mtAccounts.Owner)
	})

	m, err := mapper.Of[mtTwice]()
	require.NoError(t, err)
	assert.Same(t, second.Mapping(), m)
	assert.NotSame(t, first.Mapping(), m)
	assert.Same(t, ore.TableOf(mtAccounts), m.Table())
	assert.Equal(t, "owner", m.Field("Name").Column.Name)
	// The first handle keeps its own mapping.
	assert.Same(t, ore.TableOf(mtPeople), first.Mapping().Table())
	assert.Equal(t, "full_name", first.Mapping().Field("Name").Column.Name)
}

// ----------------------------------------------------------------------------
// Errors

var mtStray string // a string outside every mapped object

type mtNotStruct int

func TestMappingErrors(t *testing.T) {
	tests := []struct {
		name string
		m    func() *mapper.Mapping
		want []string // fragments of the error
		not  []string // not in it
	}{
		{
			name: "field type differs from its column's",
			m: func() *mapper.Mapping {
				type mtWrongType struct {
					ID      int64
					Balance int32
				}
				return mapper.Map[mtWrongType](mtAccounts).Mapping()
			},
			want: []string{"mapper: ", "mtWrongType.Balance", "is a int32", `column "balance"`, "holds int64"},
		},
		{
			name: "pointer field for a plain column",
			m: func() *mapper.Mapping {
				type mtWrongPtr struct {
					ID    *int64
					Owner string
				}
				return mapper.Map[mtWrongPtr](mtAccounts).Mapping()
			},
			want: []string{"mtWrongPtr.ID", "*int64", `column "id"`},
		},
		{
			name: "ore tag names a missing column",
			m: func() *mapper.Mapping {
				type mtBadTag struct {
					ID   int64
					Name string `ore:"nope"`
				}
				return mapper.Map[mtBadTag](mtAccounts).Mapping()
			},
			want: []string{"mtBadTag.Name", `table "mt_accounts" has no column "nope"`},
		},
		{
			name: "db tag names a missing column",
			m: func() *mapper.Mapping {
				type mtBadDBTag struct {
					ID   int64
					Name string `db:"nope_db"`
				}
				return mapper.Map[mtBadDBTag](mtAccounts).Mapping()
			},
			want: []string{"mtBadDBTag.Name", `no column "nope_db"`},
		},
		{
			name: "two fields hold one column",
			m: func() *mapper.Mapping {
				type mtTwoFields struct {
					ID     int64
					Owner  string
					Holder string `ore:"owner"`
				}
				return mapper.Map[mtTwoFields](mtAccounts).Mapping()
			},
			want: []string{"mtTwoFields", "fields Owner and Holder", `column "owner"`},
		},
		{
			name: "explicit binding takes a conventional field's column",
			m: func() *mapper.Mapping {
				type mtTakenColumn struct {
					ID     int64
					Owner  string
					Holder string
				}
				return mapper.Map[mtTakenColumn](mtAccounts, func(b *mapper.Builder[mtTakenColumn], x *mtTakenColumn) {
					mapper.Column(b, &x.Holder, mtAccounts.Owner)
				}).Mapping()
			},
			want: []string{"mtTakenColumn", "Holder", "Owner", `both hold column "owner"`},
		},
		{
			name: "one column bound to two fields",
			m: func() *mapper.Mapping {
				type mtSameColumn struct {
					ID int64
					A  string
					B  string
				}
				return mapper.Map[mtSameColumn](mtAccounts, func(b *mapper.Builder[mtSameColumn], x *mtSameColumn) {
					mapper.Column(b, &x.A, mtAccounts.Owner)
					mapper.Column(b, &x.B, mtAccounts.Owner)
				}).Mapping()
			},
			want: []string{"mtSameColumn", "fields A and B", `column "owner"`},
		},
		{
			name: "field bound twice",
			m: func() *mapper.Mapping {
				type mtBoundTwice struct {
					ID     int64
					Holder string
				}
				return mapper.Map[mtBoundTwice](mtAccounts, func(b *mapper.Builder[mtBoundTwice], x *mtBoundTwice) {
					mapper.Column(b, &x.Holder, mtAccounts.Owner)
					mapper.Column(b, &x.Holder, mtAccounts.Label)
				}).Mapping()
			},
			want: []string{"mtBoundTwice.Holder is bound twice"},
		},
		{
			name: "field of another object",
			m: func() *mapper.Mapping {
				type mtOtherObject struct {
					ID    int64
					Owner string
				}
				other := new(mtOtherObject)
				return mapper.Map[mtOtherObject](mtAccounts, func(b *mapper.Builder[mtOtherObject], x *mtOtherObject) {
					mapper.Column(b, &other.Owner, mtAccounts.Owner)
				}).Mapping()
			},
			want: []string{"mtOtherObject", "Column: the field is not a field of the object configure received"},
		},
		{
			name: "variable outside the object",
			m: func() *mapper.Mapping {
				type mtStrayField struct {
					ID    int64
					Owner string
				}
				return mapper.Map[mtStrayField](mtAccounts, func(b *mapper.Builder[mtStrayField], x *mtStrayField) {
					mapper.Column(b, &mtStray, mtAccounts.Owner)
				}).Mapping()
			},
			want: []string{"mtStrayField", "Column: the field is not a field"},
		},
		{
			name: "unbound column",
			m: func() *mapper.Mapping {
				type mtUnbound struct {
					ID    int64
					Owner string
				}
				return mapper.Map[mtUnbound](mtAccounts, func(b *mapper.Builder[mtUnbound], x *mtUnbound) {
					mapper.Column(b, &x.Owner, ore.Col[string]{})
				}).Mapping()
			},
			want: []string{"mtUnbound", "Column: unbound column"},
		},
		{
			name: "column of another table",
			m: func() *mapper.Mapping {
				type mtOtherTable struct {
					ID    int64
					Owner string
				}
				return mapper.Map[mtOtherTable](mtAccounts, func(b *mapper.Builder[mtOtherTable], x *mtOtherTable) {
					mapper.Column(b, &x.Owner, mtPeople.FullName)
				}).Mapping()
			},
			want: []string{"mtOtherTable", `column "full_name" is not a column of "mt_accounts"`},
		},
		{
			name: "the first declaration error is the one reported",
			m: func() *mapper.Mapping {
				type mtTwoErrors struct {
					ID    int64
					Owner string
				}
				return mapper.Map[mtTwoErrors](mtAccounts, func(b *mapper.Builder[mtTwoErrors], x *mtTwoErrors) {
					mapper.Column(b, &x.Owner, mtPeople.FullName)
					mapper.Column(b, &x.Owner, ore.Col[string]{})
				}).Mapping()
			},
			want: []string{`"full_name"`},
			not:  []string{"unbound"},
		},
		{
			name: "primary key column without a field",
			m: func() *mapper.Mapping {
				type mtNoKey struct {
					Owner string
				}
				return mapper.Map[mtNoKey](mtAccounts).Mapping()
			},
			want: []string{"mtNoKey", `primary key column "id" of "mt_accounts" has no field`},
		},
		{
			name: "composite key column without a field",
			m: func() *mapper.Mapping {
				type mtHalfKey struct {
					UserID int64
					Role   string
				}
				return mapper.Map[mtHalfKey](mtMemberships).Mapping()
			},
			want: []string{"mtHalfKey", `primary key column "group_id"`},
		},
		{
			name: "table without a primary key",
			m: func() *mapper.Mapping {
				type mtLog struct {
					At  time.Time
					Msg string
				}
				return mapper.Map[mtLog](mtLogs).Mapping()
			},
			want: []string{"mtLog", `table "mt_logs" has no primary key`},
		},
		{
			name: "version field without a column",
			m: func() *mapper.Mapping {
				type mtVersionless struct {
					ID      int64
					Version int64
				}
				return mapper.Map[mtVersionless](mtAccounts, func(b *mapper.Builder[mtVersionless], x *mtVersionless) {
					mapper.Version(b, &x.Version)
				}).Mapping()
			},
			want: []string{"mtVersionless", "the version field is not mapped to a column"},
		},
		{
			name: "version field outside the object",
			m: func() *mapper.Mapping {
				type mtStrayVersion struct {
					ID  int64
					Rev int64
				}
				var counter int64
				return mapper.Map[mtStrayVersion](mtAccounts, func(b *mapper.Builder[mtStrayVersion], x *mtStrayVersion) {
					mapper.Version(b, &counter)
				}).Mapping()
			},
			want: []string{"mtStrayVersion", "Version: the field is not a field of the object configure received"},
		},
		{
			name: "not a struct",
			m:    func() *mapper.Mapping { return mapper.Map[mtNotStruct](mtAccounts).Mapping() },
			want: []string{"mtNotStruct is not a struct"},
		},
		{
			name: "nil table",
			m: func() *mapper.Mapping {
				type mtNilTable struct{ ID int64 }
				return mapper.Map[mtNilTable](nil).Mapping()
			},
			want: []string{"mtNilTable", "nil table"},
		},
		{
			name: "table declared wrongly",
			m: func() *mapper.Mapping {
				type mtOnBroken struct{ ID int64 }
				return mapper.Map[mtOnBroken](mtBroken).Mapping()
			},
			want: []string{"mtOnBroken", `table "mt_broken"`, `unknown column option "bogus"`},
		},
		{
			name: "table constraints wrong",
			m: func() *mapper.Mapping {
				type mtOnBadConstraints struct {
					ID    int64
					RefID int64
				}
				return mapper.Map[mtOnBadConstraints](mtBadConstraints).Mapping()
			},
			want: []string{"mtOnBadConstraints", `table "mt_bad_constraints"`, "foreign key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m()
			require.NotNil(t, m)
			err := m.Check()
			require.Error(t, err)
			assert.ErrorContains(t, err, "mapper: ")
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
			for _, n := range tt.not {
				assert.NotContains(t, err.Error(), n)
			}
			// The error is kept: checking again says the same.
			assert.Equal(t, err, m.Check())
			// And the type is registered with it.
			got, err2 := mapper.For(m.Type())
			assert.Same(t, m, got)
			assert.Equal(t, err, err2)
		})
	}
}

// Map never runs configure itself: a mapping may name types mapped after
// it, and configure runs once, at the first Check.
func TestConfigureRunsOnceAtFirstCheck(t *testing.T) {
	type mtLazy struct {
		ID    int64
		Owner string
	}
	var calls int
	mp := mapper.Map[mtLazy](mtAccounts, func(b *mapper.Builder[mtLazy], x *mtLazy) {
		calls++
		mapper.Column(b, &x.Owner, mtAccounts.Owner)
	})
	assert.Equal(t, 0, calls, "Map must not run configure")
	require.NoError(t, mp.Mapping().Check())
	require.NoError(t, mp.Mapping().Check())
	_, err := mapper.Of[mtLazy]()
	require.NoError(t, err)
	assert.Equal(t, 1, calls)

	// Several configure functions run in order; nil ones are skipped.
	type mtTwoConfigs struct {
		ID     int64
		Holder string
		Tag    string
	}
	var order []string
	mp2 := mapper.Map[mtTwoConfigs](mtAccounts,
		func(b *mapper.Builder[mtTwoConfigs], x *mtTwoConfigs) {
			order = append(order, "first")
			mapper.Column(b, &x.Holder, mtAccounts.Owner)
		},
		nil,
		func(b *mapper.Builder[mtTwoConfigs], x *mtTwoConfigs) {
			order = append(order, "second")
			mapper.Column(b, &x.Tag, mtAccounts.Label)
		})
	m := checked(t, mp2)
	assert.Equal(t, []string{"first", "second"}, order)
	assert.Equal(t, []fieldCol{{"ID", "id"}, {"Holder", "owner"}, {"Tag", "label"}}, fieldCols(m.Fields()))
}

// ----------------------------------------------------------------------------
// Field operations

func TestFieldValueAndSet(t *testing.T) {
	m := checked(t, mtValuesMapper)
	var v mtValues
	p := ptr(&v)
	nick := "nick"
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name  string
		field string
		value any
		get   func() any
	}{
		{"int64", "ID", int64(5), func() any { return v.ID }},
		{"string", "Name", "ann", func() any { return v.Name }},
		{"bytes", "Data", []byte("abc"), func() any { return v.Data }},
		{"pointer", "Nick", &nick, func() any { return v.Nick }},
		{"time", "At", at, func() any { return v.At }},
		{"pointer to time", "MaybeAt", &at, func() any { return v.MaybeAt }},
		{"float", "Score", 2.5, func() any { return v.Score }},
		{"bool", "Active", true, func() any { return v.Active }},
		{"array", "UUID", [16]byte{1, 2, 3}, func() any { return v.UUID }},
		{"named byte slice", "Doc", json.RawMessage(`{"a":1}`), func() any { return v.Doc }},
		{"int32", "Count", int32(-3), func() any { return v.Count }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := m.Field(tt.field)
			require.NotNil(t, f)
			f.Set(p, tt.value)
			assert.Equal(t, tt.value, tt.get())
			assert.Equal(t, tt.value, f.Value(p))
			assert.Equal(t, reflect.TypeOf(tt.value), f.Type())
			assert.Equal(t, reflect.PointerTo(f.Type()), reflect.TypeOf(f.Pointer(p)))
		})
	}

	// nil sets a pointer or slice field to nil.
	m.Field("Nick").Set(p, nil)
	assert.Nil(t, v.Nick)
	m.Field("Data").Set(p, nil)
	assert.Nil(t, v.Data)
	m.Field("Doc").Set(p, nil)
	assert.Nil(t, v.Doc)
}

func TestFieldEqual(t *testing.T) {
	m := checked(t, mtValuesMapper)
	str := func(s string) *string { return &s }
	tm := func(t time.Time) *time.Time { return &t }
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	now := time.Now() // with a monotonic reading
	shared := "shared"
	tests := []struct {
		name  string
		field string
		a, b  func(v *mtValues)
		equal bool
	}{
		{"int64 same", "ID", func(v *mtValues) { v.ID = 1 }, func(v *mtValues) { v.ID = 1 }, true},
		{"int64 differs", "ID", func(v *mtValues) { v.ID = 1 }, func(v *mtValues) { v.ID = 2 }, false},
		{"int32 differs", "Count", func(v *mtValues) { v.Count = 1 }, func(v *mtValues) { v.Count = -1 }, false},
		{"bool differs", "Active", func(v *mtValues) { v.Active = true }, func(*mtValues) {}, false},
		{"string same content", "Name", func(v *mtValues) { v.Name = "ab" }, func(v *mtValues) { v.Name = string([]byte{'a', 'b'}) }, true},
		{"string differs", "Name", func(v *mtValues) { v.Name = "ab" }, func(v *mtValues) { v.Name = "abc" }, false},
		{"bytes same content, other arrays", "Data", func(v *mtValues) { v.Data = []byte("xy") }, func(v *mtValues) { v.Data = []byte("xy") }, true},
		{"bytes differ", "Data", func(v *mtValues) { v.Data = []byte("xy") }, func(v *mtValues) { v.Data = []byte("xz") }, false},
		{"bytes nil and empty differ", "Data", func(v *mtValues) { v.Data = nil }, func(v *mtValues) { v.Data = []byte{} }, false},
		{"bytes both nil", "Data", func(*mtValues) {}, func(*mtValues) {}, true},
		{"pointers both nil", "Nick", func(*mtValues) {}, func(*mtValues) {}, true},
		{"pointer nil and non-nil", "Nick", func(*mtValues) {}, func(v *mtValues) { v.Nick = str("") }, false},
		{"pointers to equal values", "Nick", func(v *mtValues) { v.Nick = str("n") }, func(v *mtValues) { v.Nick = str("n") }, true},
		{"pointers to different values", "Nick", func(v *mtValues) { v.Nick = str("n") }, func(v *mtValues) { v.Nick = str("m") }, false},
		{"same pointer", "Nick", func(v *mtValues) { v.Nick = &shared }, func(v *mtValues) { v.Nick = &shared }, true},
		{"times at one instant in two zones", "At",
			func(v *mtValues) { v.At = at },
			func(v *mtValues) { v.At = at.In(time.FixedZone("plus3", 3*3600)) }, true},
		{"times with and without a monotonic reading", "At",
			func(v *mtValues) { v.At = now },
			func(v *mtValues) { v.At = now.Round(0) }, true},
		{"times a nanosecond apart", "At",
			func(v *mtValues) { v.At = at },
			func(v *mtValues) { v.At = at.Add(time.Nanosecond) }, false},
		{"pointers to times at one instant", "MaybeAt",
			func(v *mtValues) { v.MaybeAt = tm(at) },
			func(v *mtValues) { v.MaybeAt = tm(at.In(time.FixedZone("minus5", -5*3600))) }, true},
		{"pointers to different times", "MaybeAt",
			func(v *mtValues) { v.MaybeAt = tm(at) },
			func(v *mtValues) { v.MaybeAt = tm(at.Add(time.Second)) }, false},
		{"floats equal", "Score", func(v *mtValues) { v.Score = 1.5 }, func(v *mtValues) { v.Score = 1.5 }, true},
		{"floats zero and negative zero", "Score", func(v *mtValues) { v.Score = 0 }, func(v *mtValues) { v.Score = math.Copysign(0, -1) }, true},
		{"floats differ", "Score", func(v *mtValues) { v.Score = 1.5 }, func(v *mtValues) { v.Score = 2.5 }, false},
		{"arrays differ in the last byte", "UUID", func(v *mtValues) { v.UUID[15] = 1 }, func(v *mtValues) { v.UUID[15] = 2 }, false},
		{"arrays equal", "UUID", func(v *mtValues) { v.UUID[0] = 9 }, func(v *mtValues) { v.UUID[0] = 9 }, true},
		{"named byte slices same content", "Doc",
			func(v *mtValues) { v.Doc = json.RawMessage(`{}`) },
			func(v *mtValues) { v.Doc = json.RawMessage(`{}`) }, true},
		{"named byte slices differ", "Doc",
			func(v *mtValues) { v.Doc = json.RawMessage(`{}`) },
			func(v *mtValues) { v.Doc = json.RawMessage(`[]`) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := m.Field(tt.field)
			require.NotNil(t, f)
			var a, b mtValues
			tt.a(&a)
			tt.b(&b)
			assert.Equal(t, tt.equal, f.Equal(ptr(&a), ptr(&b)))
			assert.Equal(t, tt.equal, f.Equal(ptr(&b), ptr(&a)), "Equal is symmetric")
			assert.True(t, f.Equal(ptr(&a), ptr(&a)), "Equal is reflexive")
		})
	}

	// Equal compares one field only.
	a, b := mtValues{ID: 1, Name: "x"}, mtValues{ID: 1, Name: "y"}
	assert.True(t, m.Field("ID").Equal(ptr(&a), ptr(&b)))
}

func TestFieldIsZero(t *testing.T) {
	m := checked(t, mtValuesMapper)
	empty := ""
	tests := []struct {
		name  string
		field string
		set   func(v *mtValues)
		zero  bool
	}{
		{"int64 zero", "ID", func(*mtValues) {}, true},
		{"int64 set", "ID", func(v *mtValues) { v.ID = 1 }, false},
		{"string empty", "Name", func(*mtValues) {}, true},
		{"string set", "Name", func(v *mtValues) { v.Name = "a" }, false},
		{"bytes nil", "Data", func(*mtValues) {}, true},
		{"bytes empty, not nil", "Data", func(v *mtValues) { v.Data = []byte{} }, false},
		{"pointer nil", "Nick", func(*mtValues) {}, true},
		{"pointer to a zero value", "Nick", func(v *mtValues) { v.Nick = &empty }, false},
		{"time zero", "At", func(*mtValues) {}, true},
		{"time zero instant in a location", "At", func(v *mtValues) { v.At = time.Time{}.In(time.FixedZone("plus1", 3600)) }, true},
		{"time at the Unix epoch", "At", func(v *mtValues) { v.At = time.Unix(0, 0) }, false},
		{"array zero", "UUID", func(*mtValues) {}, true},
		{"array set", "UUID", func(v *mtValues) { v.UUID[3] = 1 }, false},
		{"bool false", "Active", func(*mtValues) {}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := m.Field(tt.field)
			require.NotNil(t, f)
			var v mtValues
			tt.set(&v)
			assert.Equal(t, tt.zero, f.IsZero(ptr(&v)))
		})
	}
}

// Field.Copy copies one field; byte slices and pointers one level deep, so
// that the two objects share nothing changeable in place.
func TestFieldCopy(t *testing.T) {
	m := checked(t, mtValuesMapper)
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

	t.Run("plain values", func(t *testing.T) {
		src := mtValues{ID: 7, Name: "ann", At: at, Score: 1.25, Active: true, UUID: [16]byte{1}, Count: 3}
		var dst mtValues
		for _, name := range []string{"ID", "Name", "At", "Score", "Active", "UUID", "Count"} {
			m.Field(name).Copy(ptr(&dst), ptr(&src))
		}
		assert.Equal(t, src, dst)
	})
	t.Run("one field only", func(t *testing.T) {
		src := mtValues{ID: 7, Name: "ann"}
		dst := mtValues{ID: 1, Name: "bob"}
		m.Field("Name").Copy(ptr(&dst), ptr(&src))
		assert.Equal(t, mtValues{ID: 1, Name: "ann"}, dst)
	})
	t.Run("nil pointer and nil bytes", func(t *testing.T) {
		nick := "x"
		src := mtValues{}
		dst := mtValues{Nick: &nick, Data: []byte("x")}
		m.Field("Nick").Copy(ptr(&dst), ptr(&src))
		m.Field("Data").Copy(ptr(&dst), ptr(&src))
		assert.Nil(t, dst.Nick)
		assert.Nil(t, dst.Data)
	})
	t.Run("empty bytes stay non-nil", func(t *testing.T) {
		src := mtValues{Data: []byte{}}
		var dst mtValues
		m.Field("Data").Copy(ptr(&dst), ptr(&src))
		assert.NotNil(t, dst.Data)
		assert.Empty(t, dst.Data)
	})

	deep := []struct {
		name   string
		field  string
		set    func(v *mtValues)
		mutate func(v *mtValues)
		get    func(v *mtValues) any
	}{
		{"bytes", "Data",
			func(v *mtValues) { v.Data = []byte("abc") },
			func(v *mtValues) { v.Data[0] = 'X' },
			func(v *mtValues) any { return string(v.Data) }},
		{"pointer", "Nick",
			func(v *mtValues) { s := "nick"; v.Nick = &s },
			func(v *mtValues) { *v.Nick = "changed" },
			func(v *mtValues) any { return *v.Nick }},
		{"pointer to time", "MaybeAt",
			func(v *mtValues) { x := at; v.MaybeAt = &x },
			func(v *mtValues) { *v.MaybeAt = v.MaybeAt.Add(time.Hour) },
			func(v *mtValues) any { return v.MaybeAt.UnixNano() }},
		{"named byte slice", "Doc",
			func(v *mtValues) { v.Doc = json.RawMessage(`{"a":1}`) },
			func(v *mtValues) { v.Doc[1] = 'X' },
			func(v *mtValues) any { return string(v.Doc) }},
	}
	for _, tt := range deep {
		t.Run("clones "+tt.name, func(t *testing.T) {
			var src, dst mtValues
			tt.set(&src)
			before := tt.get(&src)
			m.Field(tt.field).Copy(ptr(&dst), ptr(&src))
			require.Equal(t, before, tt.get(&dst))
			tt.mutate(&src)
			require.NotEqual(t, before, tt.get(&src), "the mutation must change the source")
			assert.Equal(t, before, tt.get(&dst), "the copy must not share the source's memory")
		})
	}
}

func TestMappingNewAndCopy(t *testing.T) {
	m := checked(t, mtValuesMapper)
	p1, p2 := m.New(), m.New()
	require.NotNil(t, p1)
	assert.NotEqual(t, p1, p2, "New returns a new object each time")
	assert.Equal(t, mtValues{}, *(*mtValues)(p1))

	person := &mtPerson{ID: 1}
	nick := "n"
	src := &mtValues{ID: 3, Name: "x", Data: []byte("d"), Nick: &nick}
	src.Person.Set(person)
	src.People.Add(person)
	dst := (*mtValues)(m.New())
	m.Copy(ptr(dst), ptr(src))
	assert.Equal(t, int64(3), dst.ID)
	assert.Equal(t, "x", dst.Name)
	assert.Equal(t, []byte("d"), dst.Data)
	assert.Same(t, src.Nick, dst.Nick, "Copy is the plain assignment")
	assert.Same(t, person, dst.Person.Value())
	assert.Equal(t, []*mtPerson{person}, dst.People.Items())
}

// Snapshot records column values: byte slices and pointers cloned,
// relationship fields zero.
func TestSnapshot(t *testing.T) {
	m := checked(t, mtValuesMapper)
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	maybe := at.Add(time.Hour)
	nick := "nick"
	person := &mtPerson{ID: 9}
	src := &mtValues{
		ID: 1, PersonID: 9, Name: "ann", Data: []byte("data"), Nick: &nick, At: at, MaybeAt: &maybe,
		Score: 0.5, Active: true, UUID: [16]byte{7}, Doc: json.RawMessage(`{"k":1}`), Count: 4,
	}
	src.Person.Set(person)
	src.People.Add(person)
	rel := m.Relation("People")
	require.NotNil(t, rel)
	link := &mapper.Link{Rel: rel}
	rel.SetLink(ptr(src), link)

	dst := &mtValues{Name: "old", Data: []byte("old")}
	m.Snapshot(ptr(dst), ptr(src))

	// The column values are the source's.
	for _, f := range m.Fields() {
		assert.True(t, f.Equal(ptr(dst), ptr(src)), "field %s", f.Name)
	}
	assert.Equal(t, "data", string(dst.Data))
	assert.Equal(t, "nick", *dst.Nick)
	assert.Equal(t, maybe, *dst.MaybeAt)
	assert.Equal(t, `{"k":1}`, string(dst.Doc))

	// The relationship fields are zero: no objects, no link.
	assert.Equal(t, mapper.One[mtPerson]{}, dst.Person)
	assert.Equal(t, mapper.Many[mtPerson]{}, dst.People)
	assert.Nil(t, rel.Link(ptr(dst)))
	// The source keeps its own.
	assert.Same(t, person, src.Person.Value())
	assert.Equal(t, 1, src.People.Len())
	assert.Same(t, link, rel.Link(ptr(src)))

	// Changing the source in place leaves the snapshot alone.
	t.Run("bytes", func(t *testing.T) {
		src.Data[0] = 'X'
		assert.Equal(t, "data", string(dst.Data))
	})
	t.Run("pointer", func(t *testing.T) {
		*src.Nick = "changed"
		assert.Equal(t, "nick", *dst.Nick)
	})
	t.Run("pointer to time", func(t *testing.T) {
		*src.MaybeAt = at
		assert.Equal(t, at.Add(time.Hour), *dst.MaybeAt)
	})
	t.Run("named byte slice", func(t *testing.T) {
		src.Doc[2] = 'X'
		assert.Equal(t, `{"k":1}`, string(dst.Doc))
	})
}

// ----------------------------------------------------------------------------
// Concurrency

type mtCycA struct {
	ID       int64
	PersonID int64
	Bs       mapper.Many[mtCycB]
}

type mtCycB struct {
	ID       int64
	PersonID int64
	A        mapper.One[mtCycA]
}

// Check may be called by many goroutines at once, on mappings that refer
// to each other; they see one result.
func TestCheckConcurrently(t *testing.T) {
	a := mapper.Map[mtCycA](mtValuesTableDecl, func(b *mapper.Builder[mtCycA], x *mtCycA) {
		mapper.HasMany(b, &x.Bs, mtValuesTableDecl.PersonID).BackPopulates("A")
	})
	b := mapper.Map[mtCycB](mtValuesTableDecl, func(b *mapper.Builder[mtCycB], x *mtCycB) {
		mapper.BelongsTo(b, &x.A, mtValuesTableDecl.PersonID).BackPopulates("Bs")
	})
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				_, errs[i] = mapper.Of[mtCycA]()
			} else {
				errs[i] = b.Mapping().Check()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "goroutine %d", i)
	}
	ra, rb := a.Mapping().Relation("Bs"), b.Mapping().Relation("A")
	require.NotNil(t, ra)
	require.NotNil(t, rb)
	assert.Same(t, rb, ra.BackPopulatesRelation())
	assert.Same(t, ra, rb.BackPopulatesRelation())
}

// TestSameComparesEveryField checks Mapping.Same field by field: a change
// to any one column field (in a run of adjacent fields, behind a pointer,
// a byte slice changed in place) is a difference; equal values at other
// addresses (a string built anew, a pointer to an equal value, -0 and +0)
// are not.
func TestSameComparesEveryField(t *testing.T) {
	type sameRow struct {
		ID    int64
		Flag  bool
		Score float64
		Name  string
		Note  *string
		Data  []byte
		When  time.Time
	}
	tbl := ore.NewTable[struct {
		ore.Table
		ID    ore.Col[int64]     `ore:"id,pk"`
		Flag  ore.Col[bool]      `ore:"flag"`
		Score ore.Col[float64]   `ore:"score"`
		Name  ore.Col[string]    `ore:"name"`
		Note  ore.Col[*string]   `ore:"note"`
		Data  ore.Col[[]byte]    `ore:"data"`
		When  ore.Col[time.Time] `ore:"when"`
	}]("same_rows")
	mapper.Map[sameRow](tbl)
	m, err := mapper.Of[sameRow]()
	require.NoError(t, err)

	note := "n"
	base := sameRow{ID: 1, Flag: true, Score: 1.5, Name: "ann", Note: &note, Data: []byte{1, 2}, When: time.Unix(100, 0)}
	snap := m.New()
	m.Snapshot(snap, unsafe.Pointer(&base))
	same := func(r *sameRow) bool { return m.Same(unsafe.Pointer(r), snap) }
	require.True(t, same(&base))

	for name, change := range map[string]func(r *sameRow){
		"int":            func(r *sameRow) { r.ID = 2 },
		"bool":           func(r *sameRow) { r.Flag = false },
		"float":          func(r *sameRow) { r.Score = 2.5 },
		"string":         func(r *sameRow) { r.Name = "bob" },
		"pointer target": func(r *sameRow) { s := "m"; r.Note = &s },
		"pointer to nil": func(r *sameRow) { r.Note = nil },
		"bytes in place": func(r *sameRow) { r.Data[0] = 9 },
		"time":           func(r *sameRow) { r.When = r.When.Add(time.Second) },
	} {
		r := base
		r.Data = slices.Clone(base.Data)
		change(&r)
		assert.False(t, same(&r), name)
	}
	for name, change := range map[string]func(r *sameRow){
		"string built anew":         func(r *sameRow) { r.Name = strings.Repeat("an", 1) + "n" },
		"pointer to an equal value": func(r *sameRow) { s := "n"; r.Note = &s },
		"bytes copied":              func(r *sameRow) { r.Data = []byte{1, 2} },
		"the same float set again":  func(r *sameRow) { r.Score = 1.5 },
	} {
		r := base
		change(&r)
		assert.True(t, same(&r), name)
	}
	zero := sameRow{Score: 0}
	m.Snapshot(snap, unsafe.Pointer(&zero))
	negZero := sameRow{Score: math.Copysign(0, -1)}
	assert.True(t, m.Same(unsafe.Pointer(&negZero), snap), "-0 equals +0 though their bytes differ")
}

// TestShadowedEmbeddedFieldsMapNothing: as in Go, a field of an embedded
// struct that a shallower field of the same name shadows is not a field
// of the object: only the outer one maps its column.
func TestShadowedEmbeddedFieldsMapNothing(t *testing.T) {
	type mtAudit struct {
		Owner string // shadowed below
		Label string // promoted
	}
	type mtShadowed struct {
		mtAudit
		ID    int64
		Owner string
	}
	m := mapper.Map[mtShadowed](mtAccounts).Mapping()
	require.NoError(t, m.Check())
	byColumn := map[string]string{}
	for _, f := range m.Fields() {
		byColumn[f.Column.Name] = f.Name
	}
	assert.Equal(t, "Owner", byColumn["owner"])
	assert.Equal(t, "Label", byColumn["label"])

	x := &mtShadowed{ID: 1, Owner: "outer", mtAudit: mtAudit{Owner: "inner", Label: "l"}}
	f := m.FieldFor("owner")
	require.NotNil(t, f)
	assert.Equal(t, "outer", f.Value(unsafe.Pointer(x)))
}
