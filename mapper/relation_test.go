package mapper_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ore-go/ore"
	"github.com/ore-go/ore/mapper"
)

// The tables of this file are named rt_*: authors (with a mentor, a
// self-reference), their books (by author and by editor: two foreign keys
// to authors), one profile per author, tags of books through book_tags,
// and shelves with a composite key.

type rtAuthorsTable struct {
	ore.Table
	ID       ore.Col[int64]  `ore:"id,pk,identity"`
	Name     ore.Col[string] `ore:"name"`
	MentorID ore.Col[*int64] `ore:"mentor_id"`
}

func (t *rtAuthorsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.MentorID).References(t.ID)}
}

type rtBooksTable struct {
	ore.Table
	ID       ore.Col[int64]  `ore:"id,pk,identity"`
	AuthorID ore.Col[*int64] `ore:"author_id"`
	EditorID ore.Col[*int64] `ore:"editor_id"`
	Title    ore.Col[string] `ore:"title"`
}

func (t *rtBooksTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.ForeignKey(t.AuthorID).References(rtAuthors.ID),
		ore.ForeignKey(t.EditorID).References(rtAuthors.ID),
	}
}

type rtProfilesTable struct {
	ore.Table
	ID       ore.Col[int64]  `ore:"id,pk,identity"`
	AuthorID ore.Col[int64]  `ore:"author_id,unique"`
	Bio      ore.Col[string] `ore:"bio"`
}

func (t *rtProfilesTable) Constraints() []ore.Constraint {
	return []ore.Constraint{ore.ForeignKey(t.AuthorID).References(rtAuthors.ID)}
}

type rtTagsTable struct {
	ore.Table
	ID    ore.Col[int64]  `ore:"id,pk,identity"`
	Label ore.Col[string] `ore:"label"`
}

type rtBookTagsTable struct {
	ore.Table
	BookID ore.Col[int64] `ore:"book_id,pk"`
	TagID  ore.Col[int64] `ore:"tag_id,pk"`
}

func (t *rtBookTagsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.ForeignKey(t.BookID).References(rtBooks.ID),
		ore.ForeignKey(t.TagID).References(rtTags.ID),
	}
}

type rtShelvesTable struct {
	ore.Table
	Room ore.Col[string] `ore:"room,pk"`
	Slot ore.Col[int64]  `ore:"slot,pk"`
}

type rtCopiesTable struct {
	ore.Table
	ID   ore.Col[int64]  `ore:"id,pk,identity"`
	Room ore.Col[string] `ore:"room"`
	Slot ore.Col[int64]  `ore:"slot"`
}

type rtFollowsTable struct {
	ore.Table
	FollowerID ore.Col[int64] `ore:"follower_id,pk"`
	FolloweeID ore.Col[int64] `ore:"followee_id,pk"`
}

func (t *rtFollowsTable) Constraints() []ore.Constraint {
	return []ore.Constraint{
		ore.ForeignKey(t.FollowerID).References(rtAuthors.ID),
		ore.ForeignKey(t.FolloweeID).References(rtAuthors.ID),
	}
}

type rtShelfBooksTable struct {
	ore.Table
	Room   ore.Col[string] `ore:"room,pk"`
	Slot   ore.Col[int64]  `ore:"slot,pk"`
	BookID ore.Col[int64]  `ore:"book_id,pk"`
}

var (
	rtAuthors    = ore.NewTable[rtAuthorsTable]("rt_authors")
	rtBooks      = ore.NewTable[rtBooksTable]("rt_books")
	rtProfiles   = ore.NewTable[rtProfilesTable]("rt_profiles")
	rtTags       = ore.NewTable[rtTagsTable]("rt_tags")
	rtBookTags   = ore.NewTable[rtBookTagsTable]("rt_book_tags")
	rtShelves    = ore.NewTable[rtShelvesTable]("rt_shelves")
	rtCopies     = ore.NewTable[rtCopiesTable]("rt_copies")
	rtShelfBooks = ore.NewTable[rtShelfBooksTable]("rt_shelf_books")
	rtFollows    = ore.NewTable[rtFollowsTable]("rt_follows")
)

// ----------------------------------------------------------------------------
// The fixture mappings

type rtAuthor struct {
	ID       int64
	Name     string
	MentorID *int64
	Books    mapper.Many[rtBook]
	Edited   mapper.Many[rtBook]
	Profile  mapper.One[rtProfile]
	Mentor   mapper.One[rtAuthor]
	Mentees  mapper.Many[rtAuthor]
}

type rtBook struct {
	ID       int64
	AuthorID *int64
	EditorID *int64
	Title    string
	Author   mapper.One[rtAuthor]
	Editor   mapper.One[rtAuthor]
	Tags     mapper.Many[rtTag]
}

type rtProfile struct {
	ID       int64
	AuthorID int64
	Bio      string
	Author   mapper.One[rtAuthor]
}

type rtTag struct {
	ID    int64
	Label string
	Books mapper.Many[rtBook]
}

type rtShelf struct {
	Room   string
	Slot   int64
	Books  mapper.Many[rtBook]
	Copies mapper.Many[rtCopy]
}

type rtCopy struct {
	ID   int64
	Room string
	Slot int64
}

var (
	rtAuthorMapper = mapper.Map[rtAuthor](rtAuthors, func(b *mapper.Builder[rtAuthor], a *rtAuthor) {
		mapper.HasMany(b, &a.Books, rtBooks.AuthorID).BackPopulates("Author").OrderBy(rtBooks.Title.Asc(), rtBooks.ID.Desc())
		mapper.HasMany(b, &a.Edited, rtBooks.EditorID).BackPopulates("Editor").Load(mapper.SelectIn)
		mapper.HasOne(b, &a.Profile, rtProfiles.AuthorID).BackPopulates("Author").Load(mapper.Joined).Cascade("all, delete-orphan")
		mapper.BelongsTo(b, &a.Mentor, rtAuthors.MentorID).BackPopulates("Mentees").Load(mapper.Raise)
		mapper.HasMany(b, &a.Mentees, rtAuthors.MentorID).BackPopulates("Mentor").PassiveDeletes(mapper.PassiveDeletesAll)
	})
	rtBookMapper = mapper.Map[rtBook](rtBooks, func(b *mapper.Builder[rtBook], k *rtBook) {
		mapper.BelongsTo(b, &k.Author, rtBooks.AuthorID).BackPopulates("Books")
		mapper.BelongsTo(b, &k.Editor, rtBooks.EditorID).BackPopulates("Edited").PostUpdate().Load(mapper.RaiseOnSQL)
		mapper.ManyToMany(b, &k.Tags, rtBookTags, rtBookTags.BookID, rtBookTags.TagID).BackPopulates("Books").OrderBy(rtTags.Label.Asc())
	})
	rtProfileMapper = mapper.Map[rtProfile](rtProfiles, func(b *mapper.Builder[rtProfile], p *rtProfile) {
		mapper.BelongsTo(b, &p.Author, rtProfiles.AuthorID).BackPopulates("Profile").SingleParent().Cascade("save-update, delete, delete-orphan")
	})
	rtTagMapper = mapper.Map[rtTag](rtTags, func(b *mapper.Builder[rtTag], t *rtTag) {
		mapper.ManyToMany(b, &t.Books, rtBookTags, rtBookTags.TagID, rtBookTags.BookID).BackPopulates("Tags").ViewOnly()
	})
	rtShelfMapper = mapper.Map[rtShelf](rtShelves, func(b *mapper.Builder[rtShelf], s *rtShelf) {
		mapper.ManyToManyKeys(b, &s.Books, rtShelfBooks,
			[]ore.AnyColumn{rtShelfBooks.Room, rtShelfBooks.Slot}, []ore.AnyColumn{rtShelfBooks.BookID})
		mapper.HasMany(b, &s.Copies, rtCopies.Room, rtCopies.Slot).Cascade("none")
	})
	rtCopyMapper = mapper.Map[rtCopy](rtCopies)
)

// ----------------------------------------------------------------------------
// Declarations resolved

func TestRelationDeclarations(t *testing.T) {
	for _, mp := range []*mapper.Mapping{rtAuthorMapper.Mapping(), rtBookMapper.Mapping(), rtProfileMapper.Mapping(),
		rtTagMapper.Mapping(), rtShelfMapper.Mapping(), rtCopyMapper.Mapping()} {
		require.NoError(t, mp.Check(), "%s", mp.Type())
	}
	authors, books, profiles := rtAuthorMapper.Mapping(), rtBookMapper.Mapping(), rtProfileMapper.Mapping()
	tags, shelves, copies := rtTagMapper.Mapping(), rtShelfMapper.Mapping(), rtCopyMapper.Mapping()

	tests := []struct {
		name       string
		owner      *mapper.Mapping
		field      string
		kind       mapper.Kind
		target     *mapper.Mapping
		columns    []string
		refColumns []string
		back       string // the mirrored field; "" for none
		strategy   mapper.Strategy
		cascade    mapper.Cascade
		collection bool
	}{
		{"one-to-many", authors, "Books", mapper.OneToMany, books, []string{"author_id"}, []string{"id"},
			"Author", mapper.Lazy, mapper.DefaultCascade, true},
		{"one-to-many on a second foreign key", authors, "Edited", mapper.OneToMany, books, []string{"editor_id"}, []string{"id"},
			"Editor", mapper.SelectIn, mapper.DefaultCascade, true},
		{"one-to-one", authors, "Profile", mapper.OneToOne, profiles, []string{"author_id"}, []string{"id"},
			"Author", mapper.Joined, mapper.CascadeAll | mapper.CascadeDeleteOrphan, false},
		{"self-referential many-to-one", authors, "Mentor", mapper.ManyToOne, authors, []string{"mentor_id"}, []string{"id"},
			"Mentees", mapper.Raise, mapper.DefaultCascade, false},
		{"self-referential one-to-many", authors, "Mentees", mapper.OneToMany, authors, []string{"mentor_id"}, []string{"id"},
			"Mentor", mapper.Lazy, mapper.DefaultCascade, true},
		{"many-to-one", books, "Author", mapper.ManyToOne, authors, []string{"author_id"}, []string{"id"},
			"Books", mapper.Lazy, mapper.DefaultCascade, false},
		{"many-to-one on a second foreign key", books, "Editor", mapper.ManyToOne, authors, []string{"editor_id"}, []string{"id"},
			"Edited", mapper.RaiseOnSQL, mapper.DefaultCascade, false},
		{"many-to-many", books, "Tags", mapper.ManyToManyKind, tags, []string{"book_id"}, []string{"id"},
			"Books", mapper.Lazy, mapper.DefaultCascade, true},
		{"many-to-one of a one-to-one", profiles, "Author", mapper.ManyToOne, authors, []string{"author_id"}, []string{"id"},
			"Profile", mapper.Lazy, mapper.CascadeSaveUpdate | mapper.CascadeDelete | mapper.CascadeDeleteOrphan, false},
		{"view-only many-to-many", tags, "Books", mapper.ManyToManyKind, books, []string{"tag_id"}, []string{"id"},
			"Tags", mapper.Lazy, mapper.CascadeMerge, true},
		{"many-to-many on a composite key", shelves, "Books", mapper.ManyToManyKind, books, []string{"room", "slot"}, []string{"room", "slot"},
			"", mapper.Lazy, mapper.DefaultCascade, true},
		{"one-to-many on a composite key", shelves, "Copies", mapper.OneToMany, copies, []string{"room", "slot"}, []string{"room", "slot"},
			"", mapper.Lazy, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.owner.Relation(tt.field)
			require.NotNil(t, r)
			assert.Equal(t, tt.field, r.Name)
			assert.Equal(t, tt.kind, r.Kind)
			assert.Same(t, tt.owner, r.Owner)
			assert.Same(t, tt.target, r.Target())
			assert.Equal(t, tt.columns, r.Columns)
			assert.Equal(t, tt.refColumns, r.RefColumns)
			assert.Equal(t, tt.strategy, r.Strategy())
			assert.Equal(t, tt.cascade, r.Cascades(), "cascades %s", r.Cascades())
			assert.Equal(t, tt.collection, r.IsCollection())
			if tt.back == "" {
				assert.Nil(t, r.BackPopulatesRelation())
			} else {
				back := r.BackPopulatesRelation()
				require.NotNil(t, back)
				assert.Same(t, tt.target.Relation(tt.back), back)
				assert.Same(t, tt.target, back.Owner)
			}
		})
	}

	t.Run("relations in declaration order", func(t *testing.T) {
		var names []string
		for _, r := range authors.Relations() {
			names = append(names, r.Name)
		}
		assert.Equal(t, []string{"Books", "Edited", "Profile", "Mentor", "Mentees"}, names)
		assert.Nil(t, authors.Relation("Name"), "a column field is not a relationship")
		assert.Nil(t, authors.Relation("Nope"))
		assert.Nil(t, authors.Field("Books"), "a relationship field is not a column field")
	})
	t.Run("many-to-many association", func(t *testing.T) {
		r := books.Relation("Tags")
		assert.Same(t, ore.TableOf(rtBookTags), r.Secondary)
		assert.Equal(t, []string{"book_id"}, r.SecondaryLocal)
		assert.Equal(t, []string{"tag_id"}, r.SecondaryRemote)
		back := tags.Relation("Books")
		assert.Same(t, ore.TableOf(rtBookTags), back.Secondary)
		assert.Equal(t, []string{"tag_id"}, back.SecondaryLocal)
		assert.Equal(t, []string{"book_id"}, back.SecondaryRemote)

		s := shelves.Relation("Books")
		assert.Same(t, ore.TableOf(rtShelfBooks), s.Secondary)
		assert.Equal(t, []string{"room", "slot"}, s.SecondaryLocal)
		assert.Equal(t, []string{"book_id"}, s.SecondaryRemote)
		assert.Nil(t, authors.Relation("Books").Secondary, "only a many-to-many has an association table")
	})
	t.Run("order by", func(t *testing.T) {
		assert.Equal(t, []ore.OrderTerm{rtBooks.Title.Asc(), rtBooks.ID.Desc()}, authors.Relation("Books").OrderTerms())
		assert.Equal(t, []ore.OrderTerm{rtTags.Label.Asc()}, books.Relation("Tags").OrderTerms())
		assert.Nil(t, authors.Relation("Mentor").OrderTerms())
	})
	t.Run("options", func(t *testing.T) {
		assert.Equal(t, mapper.PassiveDeletesAll, authors.Relation("Mentees").Passive())
		assert.Equal(t, mapper.PassiveDeletesOff, authors.Relation("Books").Passive())
		assert.True(t, books.Relation("Editor").IsPostUpdate())
		assert.False(t, books.Relation("Author").IsPostUpdate())
		assert.True(t, profiles.Relation("Author").IsSingleParent())
		assert.False(t, books.Relation("Author").IsSingleParent())
		assert.True(t, tags.Relation("Books").IsViewOnly())
		assert.False(t, books.Relation("Tags").IsViewOnly())
	})
}

func TestRelationAt(t *testing.T) {
	authors := checked(t, rtAuthorMapper)
	a := &rtAuthor{}
	for _, name := range []string{"Books", "Edited", "Profile", "Mentor", "Mentees"} {
		f := reflect.ValueOf(a).Elem().FieldByName(name)
		require.True(t, f.IsValid(), name)
		got := authors.RelationAt(ptr(a), f.Addr().UnsafePointer())
		require.NotNil(t, got, name)
		assert.Equal(t, name, got.Name)
		assert.Same(t, authors.Relation(name), got)
	}
	assert.Nil(t, authors.RelationAt(ptr(a), unsafe.Pointer(&a.Name)), "a column field")
	assert.Nil(t, authors.RelationAt(ptr(a), unsafe.Pointer(&rtAuthor{})), "outside the object")
}

// The relationship fields that configure leaves undeclared are inferred
// from the one foreign key between the two tables.
func TestInferredRelations(t *testing.T) {
	type rtInfProfile struct {
		ID       int64
		AuthorID int64
		Author   mapper.One[rtAuthor] // profiles → authors: many-to-one
	}
	type rtInfAuthor struct {
		ID       int64
		MentorID *int64
		Profile  mapper.One[rtInfProfile]   // profiles → authors, read from authors: one-to-one
		Profiles mapper.Many[rtInfProfile]  // the same key: one-to-many
		Mentees  mapper.Many[rtInfAuthor]   // the self-reference: one-to-many
		Declared mapper.Many[rtInfAuthor]   // declared in configure, not inferred
		Unused   *mapper.Many[rtInfProfile] // a pointer: not a relationship field
	}
	profiles := checked(t, mapper.Map[rtInfProfile](rtProfiles))
	authors := checked(t, mapper.Map[rtInfAuthor](rtAuthors, func(b *mapper.Builder[rtInfAuthor], a *rtInfAuthor) {
		mapper.HasMany(b, &a.Declared, rtAuthors.MentorID).OrderBy(rtAuthors.Name.Asc())
	}))

	tests := []struct {
		name    string
		owner   *mapper.Mapping
		field   string
		kind    mapper.Kind
		target  reflect.Type
		columns []string
	}{
		{"many-to-one", profiles, "Author", mapper.ManyToOne, reflect.TypeFor[rtAuthor](), []string{"author_id"}},
		{"one-to-one", authors, "Profile", mapper.OneToOne, reflect.TypeFor[rtInfProfile](), []string{"author_id"}},
		{"one-to-many", authors, "Profiles", mapper.OneToMany, reflect.TypeFor[rtInfProfile](), []string{"author_id"}},
		{"self-referential one-to-many", authors, "Mentees", mapper.OneToMany, reflect.TypeFor[rtInfAuthor](), []string{"mentor_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.owner.Relation(tt.field)
			require.NotNil(t, r)
			assert.Equal(t, tt.kind, r.Kind)
			require.NotNil(t, r.Target())
			assert.Equal(t, tt.target, r.Target().Type())
			assert.Equal(t, tt.columns, r.Columns)
			assert.Equal(t, []string{"id"}, r.RefColumns)
			assert.Equal(t, mapper.DefaultCascade, r.Cascades())
			assert.Equal(t, mapper.Lazy, r.Strategy())
			assert.Nil(t, r.BackPopulatesRelation())
		})
	}

	// Declared first, inferred after, each once.
	var names []string
	for _, r := range authors.Relations() {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"Declared", "Profile", "Profiles", "Mentees"}, names)
	assert.Len(t, authors.Relation("Declared").OrderTerms(), 1, "the declaration, not an inference")
	assert.Nil(t, authors.Relation("Unused"))
}

// A relationship may name a type mapped after it: configure runs at the
// first Check.
func TestRelationToATypeMappedLater(t *testing.T) {
	type rtLaterBook struct {
		ID       int64
		AuthorID *int64
	}
	type rtLaterAuthor struct {
		ID    int64
		Books mapper.Many[rtLaterBook]
	}
	author := mapper.Map[rtLaterAuthor](rtAuthors, func(b *mapper.Builder[rtLaterAuthor], a *rtLaterAuthor) {
		mapper.HasMany(b, &a.Books, rtBooks.AuthorID)
	})
	book := mapper.Map[rtLaterBook](rtBooks)
	m := checked(t, author)
	assert.Same(t, book.Mapping(), m.Relation("Books").Target())
}

// ----------------------------------------------------------------------------
// Errors found by Check

type rtUnmapped struct {
	ID       int64
	AuthorID *int64
}

func TestRelationErrors(t *testing.T) {
	tests := []struct {
		name string
		m    func() *mapper.Mapping
		want []string
		is   error // an error the result must match; or nil
	}{
		{
			name: "BelongsTo with the target's columns",
			m: func() *mapper.Mapping {
				type rtWrongSideM2O struct {
					ID       int64
					AuthorID *int64
					Author   mapper.One[rtAuthor]
				}
				return mapper.Map[rtWrongSideM2O](rtBooks, func(b *mapper.Builder[rtWrongSideM2O], x *rtWrongSideM2O) {
					mapper.BelongsTo(b, &x.Author, rtAuthors.MentorID)
				}).Mapping()
			},
			want: []string{"rtWrongSideM2O.Author", "BelongsTo: foreign key columns must be the owner's", `"rt_authors"`, `"rt_books"`},
		},
		{
			name: "HasMany with the owner's columns",
			m: func() *mapper.Mapping {
				type rtWrongSideO2M struct {
					ID       int64
					MentorID *int64
					Books    mapper.Many[rtBook]
				}
				return mapper.Map[rtWrongSideO2M](rtAuthors, func(b *mapper.Builder[rtWrongSideO2M], x *rtWrongSideO2M) {
					mapper.HasMany(b, &x.Books, rtAuthors.MentorID)
				}).Mapping()
			},
			want: []string{"rtWrongSideO2M.Books", "one-to-many: foreign key columns must be the target's", `"rt_authors"`, `"rt_books"`},
		},
		{
			name: "HasOne with the owner's columns",
			m: func() *mapper.Mapping {
				type rtWrongSideO2O struct {
					ID       int64
					MentorID *int64
					Profile  mapper.One[rtProfile]
				}
				return mapper.Map[rtWrongSideO2O](rtAuthors, func(b *mapper.Builder[rtWrongSideO2O], x *rtWrongSideO2O) {
					mapper.HasOne(b, &x.Profile, rtAuthors.MentorID)
				}).Mapping()
			},
			want: []string{"rtWrongSideO2O.Profile", "one-to-one: foreign key columns must be the target's", `"rt_profiles"`},
		},
		{
			name: "no foreign key columns",
			m: func() *mapper.Mapping {
				type rtNoFK struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtNoFK](rtAuthors, func(b *mapper.Builder[rtNoFK], x *rtNoFK) {
					mapper.HasMany(b, &x.Books)
				}).Mapping()
			},
			want: []string{"rtNoFK.Books", "foreign key columns must be the target's"},
		},
		{
			name: "nil foreign key column",
			m: func() *mapper.Mapping {
				type rtNilFK struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtNilFK](rtAuthors, func(b *mapper.Builder[rtNilFK], x *rtNilFK) {
					mapper.HasMany(b, &x.Books, nil)
				}).Mapping()
			},
			want: []string{"rtNilFK.Books", "foreign key: nil or unbound column"},
		},
		{
			name: "foreign key columns of two tables",
			m: func() *mapper.Mapping {
				type rtTwoTablesFK struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtTwoTablesFK](rtAuthors, func(b *mapper.Builder[rtTwoTablesFK], x *rtTwoTablesFK) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID, rtProfiles.AuthorID)
				}).Mapping()
			},
			want: []string{"rtTwoTablesFK.Books", "foreign key: columns of two tables", `"rt_books"`, `"rt_profiles"`},
		},
		{
			name: "more foreign key columns than the key has",
			m: func() *mapper.Mapping {
				type rtLongFK struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtLongFK](rtAuthors, func(b *mapper.Builder[rtLongFK], x *rtLongFK) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID, rtBooks.EditorID)
				}).Mapping()
			},
			want: []string{"rtLongFK.Books", "one-to-many: 2 foreign key columns for a 1-column key"},
		},
		{
			name: "fewer foreign key columns than a composite key has",
			m: func() *mapper.Mapping {
				type rtShortFK struct {
					Room   string
					Slot   int64
					Copies mapper.Many[rtCopy]
				}
				return mapper.Map[rtShortFK](rtShelves, func(b *mapper.Builder[rtShortFK], x *rtShortFK) {
					mapper.HasMany(b, &x.Copies, rtCopies.Room)
				}).Mapping()
			},
			want: []string{"rtShortFK.Copies", "1 foreign key columns for a 2-column key"},
		},
		{
			name: "foreign key column without a field",
			m: func() *mapper.Mapping {
				type rtBookNoFK struct {
					ID    int64
					Title string
				}
				mapper.Map[rtBookNoFK](rtBooks)
				type rtToBookNoFK struct {
					ID    int64
					Books mapper.Many[rtBookNoFK]
				}
				return mapper.Map[rtToBookNoFK](rtAuthors, func(b *mapper.Builder[rtToBookNoFK], x *rtToBookNoFK) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID)
				}).Mapping()
			},
			want: []string{"rtToBookNoFK.Books", `foreign key column "author_id"`, "rtBookNoFK", "has no field"},
		},
		{
			name: "owner's foreign key column without a field",
			m: func() *mapper.Mapping {
				type rtOwnerNoFK struct {
					ID     int64
					Author mapper.One[rtAuthor]
				}
				return mapper.Map[rtOwnerNoFK](rtBooks, func(b *mapper.Builder[rtOwnerNoFK], x *rtOwnerNoFK) {
					mapper.BelongsTo(b, &x.Author, rtBooks.AuthorID)
				}).Mapping()
			},
			want: []string{"rtOwnerNoFK.Author", `foreign key column "author_id"`, "has no field"},
		},
		{
			name: "relationship field outside the object",
			m: func() *mapper.Mapping {
				type rtStrayRel struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				other := new(rtStrayRel)
				return mapper.Map[rtStrayRel](rtAuthors, func(b *mapper.Builder[rtStrayRel], x *rtStrayRel) {
					mapper.HasMany(b, &other.Books, rtBooks.AuthorID)
				}).Mapping()
			},
			want: []string{"rtStrayRel", "relationship: the field is not a field of the object configure received"},
		},
		{
			name: "target not mapped",
			m: func() *mapper.Mapping {
				type rtToUnmapped struct {
					ID    int64
					Items mapper.Many[rtUnmapped]
				}
				return mapper.Map[rtToUnmapped](rtAuthors, func(b *mapper.Builder[rtToUnmapped], x *rtToUnmapped) {
					mapper.HasMany(b, &x.Items, rtBooks.AuthorID)
				}).Mapping()
			},
			want: []string{"rtToUnmapped.Items", "target", "rtUnmapped", "not mapped"},
			is:   mapper.ErrNotMapped,
		},
		{
			name: "undeclared relationship to a type not mapped",
			m: func() *mapper.Mapping {
				type rtInfUnmapped struct {
					ID    int64
					Items mapper.Many[rtUnmapped]
				}
				return mapper.Map[rtInfUnmapped](rtAuthors).Mapping()
			},
			want: []string{"rtInfUnmapped.Items", "rtUnmapped", "not mapped"},
			is:   mapper.ErrNotMapped,
		},
		{
			name: "undeclared relationship over two foreign keys",
			m: func() *mapper.Mapping {
				type rtAmbiguous struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtAmbiguous](rtAuthors).Mapping()
			},
			want: []string{"rtAmbiguous.Books", "cannot tell its foreign key", `"rt_authors"`, `"rt_books"`, "declare it in configure"},
		},
		{
			name: "undeclared relationship without a foreign key",
			m: func() *mapper.Mapping {
				type rtNoKeyBetween struct {
					ID     int64
					Author mapper.One[rtAuthor]
				}
				return mapper.Map[rtNoKeyBetween](rtTags).Mapping()
			},
			want: []string{"rtNoKeyBetween.Author", "cannot tell its foreign key", `"rt_tags"`, `"rt_authors"`},
		},
		{
			name: "undeclared self-referential reference",
			m: func() *mapper.Mapping {
				// parent_id refers both ways: which side is the reference's?
				type rtInfParent struct {
					ID       int64
					MentorID *int64
					Mentor   mapper.One[rtInfParent]
				}
				return mapper.Map[rtInfParent](rtAuthors).Mapping()
			},
			want: []string{"rtInfParent.Mentor", "cannot tell its foreign key"},
		},
		{
			name: "unknown cascade",
			m: func() *mapper.Mapping {
				type rtBadCascade struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtBadCascade](rtAuthors, func(b *mapper.Builder[rtBadCascade], x *rtBadCascade) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID).Cascade("all, explode")
				}).Mapping()
			},
			want: []string{"rtBadCascade.Books", `unknown cascade "explode"`},
		},
		{
			name: "delete-orphan on a many-to-one without SingleParent",
			m: func() *mapper.Mapping {
				type rtOrphanM2O struct {
					ID       int64
					AuthorID *int64
					Author   mapper.One[rtAuthor]
				}
				return mapper.Map[rtOrphanM2O](rtBooks, func(b *mapper.Builder[rtOrphanM2O], x *rtOrphanM2O) {
					mapper.BelongsTo(b, &x.Author, rtBooks.AuthorID).Cascade("all, delete-orphan")
				}).Mapping()
			},
			want: []string{"rtOrphanM2O.Author", "delete-orphan", "SingleParent"},
		},
		{
			name: "delete-orphan on a many-to-many without SingleParent",
			m: func() *mapper.Mapping {
				type rtOrphanM2M struct {
					ID   int64
					Tags mapper.Many[rtTag]
				}
				return mapper.Map[rtOrphanM2M](rtBooks, func(b *mapper.Builder[rtOrphanM2M], x *rtOrphanM2M) {
					mapper.ManyToMany(b, &x.Tags, rtBookTags, rtBookTags.BookID, rtBookTags.TagID).Cascade("delete-orphan")
				}).Mapping()
			},
			want: []string{"rtOrphanM2M.Tags", "delete-orphan", "SingleParent"},
		},
		{
			name: "view-only with writing cascades",
			m: func() *mapper.Mapping {
				type rtViewOnlyAll struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtViewOnlyAll](rtAuthors, func(b *mapper.Builder[rtViewOnlyAll], x *rtViewOnlyAll) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID).ViewOnly().Cascade("all")
				}).Mapping()
			},
			want: []string{"rtViewOnlyAll.Books", "view-only", "save-update"},
		},
		{
			name: "back-populates a missing relationship",
			m: func() *mapper.Mapping {
				type rtBackMissing struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtBackMissing](rtAuthors, func(b *mapper.Builder[rtBackMissing], x *rtBackMissing) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID).BackPopulates("Nope")
				}).Mapping()
			},
			want: []string{"rtBackMissing.Books", "BackPopulates", "rtBook has no relationship \"Nope\""},
		},
		{
			name: "back-populates a column field",
			m: func() *mapper.Mapping {
				type rtBackColumn struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtBackColumn](rtAuthors, func(b *mapper.Builder[rtBackColumn], x *rtBackColumn) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID).BackPopulates("Title")
				}).Mapping()
			},
			want: []string{"rtBackColumn.Books", `has no relationship "Title"`},
		},
		{
			name: "back-populates a relationship to another type",
			m: func() *mapper.Mapping {
				type rtBackOther struct {
					ID    int64
					Books mapper.Many[rtBook]
				}
				return mapper.Map[rtBackOther](rtAuthors, func(b *mapper.Builder[rtBackOther], x *rtBackOther) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID).BackPopulates("Author")
				}).Mapping()
			},
			want: []string{"rtBackOther.Books", "BackPopulates: rtBook.Author relates to", "rtAuthor", "not", "rtBackOther"},
		},
		{
			name: "many-to-many with a nil association table",
			m: func() *mapper.Mapping {
				type rtNilAssoc struct {
					ID   int64
					Tags mapper.Many[rtTag]
				}
				return mapper.Map[rtNilAssoc](rtBooks, func(b *mapper.Builder[rtNilAssoc], x *rtNilAssoc) {
					mapper.ManyToMany(b, &x.Tags, nil, rtBookTags.BookID, rtBookTags.TagID)
				}).Mapping()
			},
			want: []string{"rtNilAssoc.Tags", "many-to-many: nil association table"},
		},
		{
			name: "many-to-many with columns of another table",
			m: func() *mapper.Mapping {
				type rtAssocColumns struct {
					ID   int64
					Tags mapper.Many[rtTag]
				}
				return mapper.Map[rtAssocColumns](rtBooks, func(b *mapper.Builder[rtAssocColumns], x *rtAssocColumns) {
					mapper.ManyToMany(b, &x.Tags, rtBookTags, rtBooks.ID, rtBookTags.TagID)
				}).Mapping()
			},
			want: []string{"rtAssocColumns.Tags", "association columns must be the association table's", `"rt_books"`, `"rt_book_tags"`},
		},
		{
			name: "many-to-many with a remote column of another table",
			m: func() *mapper.Mapping {
				type rtAssocRemote struct {
					ID   int64
					Tags mapper.Many[rtTag]
				}
				return mapper.Map[rtAssocRemote](rtBooks, func(b *mapper.Builder[rtAssocRemote], x *rtAssocRemote) {
					mapper.ManyToMany(b, &x.Tags, rtBookTags, rtBookTags.BookID, rtTags.ID)
				}).Mapping()
			},
			want: []string{"rtAssocRemote.Tags", "association columns must be the association table's", `"rt_tags"`},
		},
		{
			name: "many-to-many with a nil column",
			m: func() *mapper.Mapping {
				type rtAssocNil struct {
					ID   int64
					Tags mapper.Many[rtTag]
				}
				return mapper.Map[rtAssocNil](rtBooks, func(b *mapper.Builder[rtAssocNil], x *rtAssocNil) {
					mapper.ManyToMany(b, &x.Tags, rtBookTags, nil, rtBookTags.TagID)
				}).Mapping()
			},
			want: []string{"rtAssocNil.Tags", "association columns: nil or unbound column"},
		},
		{
			name: "many-to-many with more remote columns than the target's key",
			m: func() *mapper.Mapping {
				type rtLongRemote struct {
					ID   int64
					Tags mapper.Many[rtTag]
				}
				return mapper.Map[rtLongRemote](rtBooks, func(b *mapper.Builder[rtLongRemote], x *rtLongRemote) {
					mapper.ManyToManyKeys(b, &x.Tags, rtBookTags,
						[]ore.AnyColumn{rtBookTags.BookID}, []ore.AnyColumn{rtBookTags.TagID, rtBookTags.BookID})
				}).Mapping()
			},
			want: []string{"rtLongRemote.Tags", "many-to-many: 2 remote columns for a 1-column key"},
		},
		{
			name: "many-to-many with more local columns than the owner's key",
			m: func() *mapper.Mapping {
				type rtLongLocal struct {
					ID   int64
					Tags mapper.Many[rtTag]
				}
				return mapper.Map[rtLongLocal](rtBooks, func(b *mapper.Builder[rtLongLocal], x *rtLongLocal) {
					mapper.ManyToManyKeys(b, &x.Tags, rtBookTags,
						[]ore.AnyColumn{rtBookTags.BookID, rtBookTags.TagID}, []ore.AnyColumn{rtBookTags.TagID})
				}).Mapping()
			},
			want: []string{"rtLongLocal.Tags", "many-to-many: 2 foreign key columns for a 1-column key"},
		},
		{
			name: "the error of a mapping the relationship reaches",
			m: func() *mapper.Mapping {
				type rtBrokenTarget struct {
					ID       int64
					AuthorID *int64
					Items    mapper.Many[rtUnmapped]
				}
				mapper.Map[rtBrokenTarget](rtBooks, func(b *mapper.Builder[rtBrokenTarget], x *rtBrokenTarget) {
					mapper.HasMany(b, &x.Items, rtBooks.AuthorID)
				})
				type rtToBroken struct {
					ID    int64
					Books mapper.Many[rtBrokenTarget]
				}
				return mapper.Map[rtToBroken](rtAuthors, func(b *mapper.Builder[rtToBroken], x *rtToBroken) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID)
				}).Mapping()
			},
			want: []string{"rtToBroken.Books", "rtBrokenTarget.Items", "rtUnmapped", "not mapped"},
			is:   mapper.ErrNotMapped,
		},
		{
			name: "the declaration error of the target",
			m: func() *mapper.Mapping {
				type rtUndeclarableTarget struct {
					Title string // no field for the key
				}
				mapper.Map[rtUndeclarableTarget](rtBooks)
				type rtToUndeclarable struct {
					ID    int64
					Books mapper.Many[rtUndeclarableTarget]
				}
				return mapper.Map[rtToUndeclarable](rtAuthors, func(b *mapper.Builder[rtToUndeclarable], x *rtToUndeclarable) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID)
				}).Mapping()
			},
			want: []string{"rtToUndeclarable.Books", "rtUndeclarableTarget", `primary key column "id"`},
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
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Equal(t, err, m.Check(), "the error is kept")
		})
	}
}

// The checks on cascades and view-only relationships let the valid
// combinations through.
func TestRelationCascadeRules(t *testing.T) {
	type rtOrphanSingle struct {
		ID       int64
		AuthorID *int64
		Author   mapper.One[rtAuthor]
	}
	m := checked(t, mapper.Map[rtOrphanSingle](rtBooks, func(b *mapper.Builder[rtOrphanSingle], x *rtOrphanSingle) {
		mapper.BelongsTo(b, &x.Author, rtBooks.AuthorID).Cascade("all, delete-orphan").SingleParent()
	}))
	assert.Equal(t, mapper.CascadeAll|mapper.CascadeDeleteOrphan, m.Relation("Author").Cascades())

	type rtOrphanO2M struct {
		ID    int64
		Books mapper.Many[rtBook]
	}
	m = checked(t, mapper.Map[rtOrphanO2M](rtAuthors, func(b *mapper.Builder[rtOrphanO2M], x *rtOrphanO2M) {
		mapper.HasMany(b, &x.Books, rtBooks.AuthorID).Cascade("delete, delete-orphan")
	}))
	assert.Equal(t, mapper.CascadeDelete|mapper.CascadeDeleteOrphan, m.Relation("Books").Cascades(),
		"delete-orphan on a one-to-many needs no SingleParent")

	type rtViewOnlyReadCascades struct {
		ID    int64
		Books mapper.Many[rtBook]
	}
	m = checked(t, mapper.Map[rtViewOnlyReadCascades](rtAuthors, func(b *mapper.Builder[rtViewOnlyReadCascades], x *rtViewOnlyReadCascades) {
		mapper.HasMany(b, &x.Books, rtBooks.AuthorID).ViewOnly().Cascade("merge, expunge, refresh-expire")
	}))
	assert.Equal(t, mapper.CascadeMerge|mapper.CascadeExpunge|mapper.CascadeRefreshExpire, m.Relation("Books").Cascades())

	type rtViewOnlyNone struct {
		ID    int64
		Books mapper.Many[rtBook]
	}
	m = checked(t, mapper.Map[rtViewOnlyNone](rtAuthors, func(b *mapper.Builder[rtViewOnlyNone], x *rtViewOnlyNone) {
		mapper.HasMany(b, &x.Books, rtBooks.AuthorID).Cascade("none").ViewOnly()
	}))
	assert.Equal(t, mapper.Cascade(0), m.Relation("Books").Cascades(), "an explicit empty cascade stays empty")
}

// BackPopulates names the relationship that mirrors this one: the other
// direction over the same foreign key (or the same association rows). A
// relationship of the same direction, or over another key, mirrors nothing;
// SQLAlchemy refuses the same direction ("both of the same direction").
func TestBackPopulatesRejectsAMismatchedPair(t *testing.T) {
	tests := []struct {
		name string
		m    func() *mapper.Mapping
		want []string
	}{
		{
			name: "one-to-many mirrored by a one-to-many",
			m: func() *mapper.Mapping {
				type rtO2MPair struct {
					ID       int64
					MentorID *int64
					Mentees  mapper.Many[rtO2MPair]
					Others   mapper.Many[rtO2MPair]
				}
				return mapper.Map[rtO2MPair](rtAuthors, func(b *mapper.Builder[rtO2MPair], x *rtO2MPair) {
					mapper.HasMany(b, &x.Mentees, rtAuthors.MentorID).BackPopulates("Others")
					mapper.HasMany(b, &x.Others, rtAuthors.MentorID).BackPopulates("Mentees")
				}).Mapping()
			},
			want: []string{"rtO2MPair.Mentees", "BackPopulates", "Others"},
		},
		{
			name: "many-to-one mirrored by itself",
			m: func() *mapper.Mapping {
				type rtM2OSelf struct {
					ID       int64
					MentorID *int64
					Mentor   mapper.One[rtM2OSelf]
				}
				return mapper.Map[rtM2OSelf](rtAuthors, func(b *mapper.Builder[rtM2OSelf], x *rtM2OSelf) {
					mapper.BelongsTo(b, &x.Mentor, rtAuthors.MentorID).BackPopulates("Mentor")
				}).Mapping()
			},
			want: []string{"rtM2OSelf.Mentor", "BackPopulates"},
		},
		{
			name: "one-to-many mirrored by a one-to-one",
			m: func() *mapper.Mapping {
				type rtO2MO2O struct {
					ID       int64
					MentorID *int64
					Mentees  mapper.Many[rtO2MO2O]
					Protege  mapper.One[rtO2MO2O]
				}
				return mapper.Map[rtO2MO2O](rtAuthors, func(b *mapper.Builder[rtO2MO2O], x *rtO2MO2O) {
					mapper.HasMany(b, &x.Mentees, rtAuthors.MentorID).BackPopulates("Protege")
					mapper.HasOne(b, &x.Protege, rtAuthors.MentorID)
				}).Mapping()
			},
			want: []string{"rtO2MO2O.Mentees", "BackPopulates", "Protege"},
		},
		{
			name: "one-to-many mirrored by a many-to-one over another foreign key",
			m: func() *mapper.Mapping {
				mapper.Map[rtKeyBook](rtBooks, func(b *mapper.Builder[rtKeyBook], x *rtKeyBook) {
					mapper.BelongsTo(b, &x.Editor, rtBooks.EditorID).BackPopulates("Books")
				})
				return mapper.Map[rtKeyAuthor](rtAuthors, func(b *mapper.Builder[rtKeyAuthor], x *rtKeyAuthor) {
					mapper.HasMany(b, &x.Books, rtBooks.AuthorID).BackPopulates("Editor")
				}).Mapping()
			},
			want: []string{"rtKeyAuthor.Books", "BackPopulates", "Editor"},
		},
		{
			name: "many-to-many mirrored by a one-to-many",
			m: func() *mapper.Mapping {
				type rtM2MO2M struct {
					ID        int64
					MentorID  *int64
					Followers mapper.Many[rtM2MO2M]
					Mentees   mapper.Many[rtM2MO2M]
				}
				return mapper.Map[rtM2MO2M](rtAuthors, func(b *mapper.Builder[rtM2MO2M], x *rtM2MO2M) {
					mapper.ManyToMany(b, &x.Followers, rtFollows, rtFollows.FolloweeID, rtFollows.FollowerID).BackPopulates("Mentees")
					mapper.HasMany(b, &x.Mentees, rtAuthors.MentorID)
				}).Mapping()
			},
			want: []string{"rtM2MO2M.Followers", "BackPopulates", "Mentees"},
		},
		{
			name: "many-to-many mirrored by a many-to-many of the same direction",
			m: func() *mapper.Mapping {
				type rtM2MSame struct {
					ID        int64
					Followers mapper.Many[rtM2MSame]
					Fans      mapper.Many[rtM2MSame]
				}
				return mapper.Map[rtM2MSame](rtAuthors, func(b *mapper.Builder[rtM2MSame], x *rtM2MSame) {
					mapper.ManyToMany(b, &x.Followers, rtFollows, rtFollows.FolloweeID, rtFollows.FollowerID).BackPopulates("Fans")
					mapper.ManyToMany(b, &x.Fans, rtFollows, rtFollows.FolloweeID, rtFollows.FollowerID).BackPopulates("Followers")
				}).Mapping()
			},
			want: []string{"rtM2MSame.Followers", "BackPopulates", "Fans"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m()
			require.NotNil(t, m)
			err := m.Check()
			require.Error(t, err, "a %s cannot mirror this relationship", tt.name)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
}

type rtKeyAuthor struct {
	ID    int64
	Books mapper.Many[rtKeyBook]
}

type rtKeyBook struct {
	ID       int64
	AuthorID *int64
	EditorID *int64
	Editor   mapper.One[rtKeyAuthor]
}

// A self-referential many-to-many mirrors itself in the other direction.
func TestBackPopulatesSelfReferentialManyToMany(t *testing.T) {
	type rtFollower struct {
		ID        int64
		Followers mapper.Many[rtFollower]
		Following mapper.Many[rtFollower]
	}
	m := checked(t, mapper.Map[rtFollower](rtAuthors, func(b *mapper.Builder[rtFollower], x *rtFollower) {
		mapper.ManyToMany(b, &x.Followers, rtFollows, rtFollows.FolloweeID, rtFollows.FollowerID).BackPopulates("Following")
		mapper.ManyToMany(b, &x.Following, rtFollows, rtFollows.FollowerID, rtFollows.FolloweeID).BackPopulates("Followers")
	}))
	followers, following := m.Relation("Followers"), m.Relation("Following")
	require.NotNil(t, followers)
	require.NotNil(t, following)
	assert.Same(t, following, followers.BackPopulatesRelation())
	assert.Same(t, followers, following.BackPopulatesRelation())
	assert.Same(t, m, followers.Target())
	assert.Equal(t, []string{"followee_id"}, followers.Columns)
	assert.Equal(t, []string{"follower_id"}, followers.SecondaryRemote)
	assert.Equal(t, []string{"follower_id"}, following.Columns)
}

// ----------------------------------------------------------------------------
// Check through cycles

type rtCycA struct {
	ID       int64
	MentorID *int64
	Bs       mapper.Many[rtCycB]
	C        mapper.One[rtCycC]
}

type rtCycB struct {
	ID       int64
	AuthorID *int64
	A        mapper.One[rtCycA]
}

type rtCycC struct {
	ID int64
	Ds mapper.Many[rtUnmapped]
}

// Check reports what is wrong with a mapping "or with a mapping its
// relationships reach". B reaches A, and A reaches the broken C: B's Check
// must fail, whichever of A and B was checked first.
func TestCheckReportsErrorsReachedThroughACycle(t *testing.T) {
	for _, first := range []string{"A", "B"} {
		t.Run(first+" first", func(t *testing.T) {
			a := mapper.Map[rtCycA](rtAuthors, func(b *mapper.Builder[rtCycA], x *rtCycA) {
				mapper.HasMany(b, &x.Bs, rtBooks.AuthorID).BackPopulates("A")
				mapper.BelongsTo(b, &x.C, rtAuthors.MentorID)
			}).Mapping()
			b := mapper.Map[rtCycB](rtBooks, func(b *mapper.Builder[rtCycB], x *rtCycB) {
				mapper.BelongsTo(b, &x.A, rtBooks.AuthorID).BackPopulates("Bs")
			}).Mapping()
			mapper.Map[rtCycC](rtAuthors, func(b *mapper.Builder[rtCycC], x *rtCycC) {
				mapper.HasMany(b, &x.Ds, rtBooks.AuthorID)
			})

			order := []*mapper.Mapping{a, b}
			if first == "B" {
				order = []*mapper.Mapping{b, a}
			}
			for _, m := range order {
				err := m.Check()
				assert.Error(t, err, "%s reaches rtCycC, which is broken", m.Type().Name())
				assert.ErrorIs(t, err, mapper.ErrNotMapped)
			}
			_, err := mapper.Of[rtCycB]()
			assert.Error(t, err)
		})
	}
}

// ----------------------------------------------------------------------------
// Cascades, kinds and strategies

func TestParseCascade(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want mapper.Cascade
	}{
		{"all with delete-orphan", "all, delete-orphan", mapper.CascadeSaveUpdate | mapper.CascadeMerge |
			mapper.CascadeRefreshExpire | mapper.CascadeExpunge | mapper.CascadeDelete | mapper.CascadeDeleteOrphan},
		{"all", "all", mapper.CascadeSaveUpdate | mapper.CascadeMerge | mapper.CascadeRefreshExpire |
			mapper.CascadeExpunge | mapper.CascadeDelete},
		{"the default", "save-update, merge", mapper.CascadeSaveUpdate | mapper.CascadeMerge},
		{"none", "none", 0},
		{"empty", "", 0},
		{"spaces and no spaces", " delete ,expunge,refresh-expire ", mapper.CascadeDelete | mapper.CascadeExpunge | mapper.CascadeRefreshExpire},
		{"repeated", "merge, merge", mapper.CascadeMerge},
		{"none with others", "none, delete", mapper.CascadeDelete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mapper.ParseCascade(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got, "got %s", got)
		})
	}

	for _, bad := range []string{"explode", "all, Delete", "save update"} {
		t.Run("unknown "+bad, func(t *testing.T) {
			_, err := mapper.ParseCascade(bad)
			require.Error(t, err)
			assert.ErrorContains(t, err, "unknown cascade")
		})
	}

	assert.Equal(t, mapper.CascadeSaveUpdate|mapper.CascadeMerge, mapper.DefaultCascade)
	assert.False(t, mapper.CascadeAll.Has(mapper.CascadeDeleteOrphan), `"all" leaves delete-orphan out`)
}

func TestCascadeStringAndHas(t *testing.T) {
	assert.Equal(t, "save-update, merge", mapper.DefaultCascade.String())
	assert.Equal(t, "save-update, merge, refresh-expire, expunge, delete, delete-orphan",
		(mapper.CascadeAll | mapper.CascadeDeleteOrphan).String())
	assert.Equal(t, "", mapper.Cascade(0).String())
	assert.Equal(t, "delete, delete-orphan", (mapper.CascadeDeleteOrphan | mapper.CascadeDelete).String())

	for _, c := range []mapper.Cascade{0, mapper.DefaultCascade, mapper.CascadeAll, mapper.CascadeDelete | mapper.CascadeExpunge} {
		back, err := mapper.ParseCascade(c.String())
		require.NoError(t, err)
		assert.Equal(t, c, back, "String and ParseCascade round-trip %q", c.String())
	}

	assert.True(t, mapper.CascadeAll.Has(mapper.DefaultCascade))
	assert.True(t, mapper.DefaultCascade.Has(mapper.CascadeMerge))
	assert.False(t, mapper.DefaultCascade.Has(mapper.CascadeDelete))
	assert.False(t, mapper.DefaultCascade.Has(mapper.CascadeMerge|mapper.CascadeDelete), "Has needs every one")
	assert.True(t, mapper.DefaultCascade.Has(0))
}

func TestKindAndStrategyNames(t *testing.T) {
	kinds := map[mapper.Kind]string{
		mapper.ManyToOne:      "many-to-one",
		mapper.OneToMany:      "one-to-many",
		mapper.OneToOne:       "one-to-one",
		mapper.ManyToManyKind: "many-to-many",
		mapper.Kind(9):        "Kind(9)",
	}
	for k, want := range kinds {
		assert.Equal(t, want, k.String())
	}
	strategies := map[mapper.Strategy]string{
		mapper.Lazy:        "lazy",
		mapper.Joined:      "joined",
		mapper.SelectIn:    "selectin",
		mapper.Raise:       "raise",
		mapper.RaiseOnSQL:  "raise_on_sql",
		mapper.Strategy(9): "Strategy(9)",
	}
	for s, want := range strategies {
		assert.Equal(t, want, s.String())
	}
	var zero mapper.Strategy
	assert.Equal(t, mapper.Lazy, zero, "the zero strategy is lazy")
}

// ----------------------------------------------------------------------------
// One and Many on objects never attached to a session

func TestOneDetached(t *testing.T) {
	ctx := context.Background()
	var b rtBook
	assert.True(t, b.Author.Loaded(), "the zero One of a new object is loaded")
	assert.Nil(t, b.Author.Value())
	got, err := b.Author.Get(ctx)
	require.NoError(t, err)
	assert.Nil(t, got)

	ann, bob := &rtAuthor{Name: "ann"}, &rtAuthor{Name: "bob"}
	b.Author.Set(ann)
	assert.True(t, b.Author.Loaded())
	assert.Same(t, ann, b.Author.Value())
	got, err = b.Author.Get(ctx)
	require.NoError(t, err)
	assert.Same(t, ann, got)

	b.Author.Set(bob)
	assert.Same(t, bob, b.Author.Value())

	b.Author.Set(nil)
	assert.Nil(t, b.Author.Value())
	got, err = b.Author.Get(ctx)
	require.NoError(t, err)
	assert.Nil(t, got)
	assert.True(t, b.Author.Loaded())
}

func TestManyDetached(t *testing.T) {
	ctx := context.Background()
	b1, b2, b3 := &rtBook{Title: "1"}, &rtBook{Title: "2"}, &rtBook{Title: "3"}

	t.Run("zero value is loaded and empty", func(t *testing.T) {
		var a rtAuthor
		assert.True(t, a.Books.Loaded())
		assert.Equal(t, 0, a.Books.Len())
		assert.Empty(t, a.Books.Items())
		got, err := a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
	})
	t.Run("Add keeps order and de-duplicates", func(t *testing.T) {
		var a rtAuthor
		a.Books.Add(b1, b2)
		a.Books.Add(b2, b1, b3, b3)
		a.Books.Add()
		a.Books.Add(nil)
		assert.True(t, a.Books.Loaded())
		assert.Equal(t, []*rtBook{b1, b2, b3}, a.Books.Items())
		assert.Equal(t, 3, a.Books.Len())
	})
	t.Run("Add treats equal values at other addresses as other objects", func(t *testing.T) {
		var a rtAuthor
		twin := *b1
		a.Books.Add(b1, &twin)
		assert.Equal(t, 2, a.Books.Len())
	})
	t.Run("Remove", func(t *testing.T) {
		var a rtAuthor
		a.Books.Add(b1, b2, b3)
		a.Books.Remove(b2)
		assert.Equal(t, []*rtBook{b1, b3}, a.Books.Items())
		a.Books.Remove(b2, nil, &rtBook{Title: "2"}) // not in it: nothing happens
		assert.Equal(t, []*rtBook{b1, b3}, a.Books.Items())
		a.Books.Remove(b3, b1)
		assert.Equal(t, 0, a.Books.Len())
		assert.Empty(t, a.Books.Items())
		assert.True(t, a.Books.Loaded())
	})
	t.Run("Remove does not change a slice Items returned before", func(t *testing.T) {
		var a rtAuthor
		a.Books.Add(b1, b2, b3)
		before := a.Books.Items()
		a.Books.Remove(b1)
		assert.Equal(t, []*rtBook{b1, b2, b3}, before)
	})
	t.Run("Set replaces", func(t *testing.T) {
		var a rtAuthor
		a.Books.Add(b1)
		a.Books.Set([]*rtBook{b3, b2, b3, nil})
		assert.Equal(t, []*rtBook{b3, b2}, a.Books.Items(), "Set drops nils and duplicates")
		a.Books.Set(nil)
		assert.Equal(t, 0, a.Books.Len())
		assert.True(t, a.Books.Loaded())
	})
	t.Run("Set does not keep the caller's slice", func(t *testing.T) {
		var a rtAuthor
		in := []*rtBook{b1, b2}
		a.Books.Set(in)
		in[0] = b3
		assert.Equal(t, []*rtBook{b1, b2}, a.Books.Items())
	})
	t.Run("Items and Get return copies the caller owns", func(t *testing.T) {
		var a rtAuthor
		a.Books.Add(b1, b2)
		items := a.Books.Items()
		require.Len(t, items, 2)
		items[0] = b3
		_ = append(items[:1], b3)
		got, err := a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []*rtBook{b1, b2}, got)
		got[1] = nil
		assert.Equal(t, []*rtBook{b1, b2}, a.Books.Items())
	})
	t.Run("Get holds no error without a session", func(t *testing.T) {
		var a rtAuthor
		a.Books.Add(b2)
		got, err := a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []*rtBook{b2}, got)
	})
}

// ----------------------------------------------------------------------------
// One and Many attached to a source (a stand-in for the session)

type fakeLoad struct {
	rel   *mapper.Relation
	owner unsafe.Pointer
}

type fakeChange struct {
	rel            *mapper.Relation
	owner          unsafe.Pointer
	added, removed []unsafe.Pointer
}

// fakeSource loads from a fixed answer and records what it is told.
type fakeSource struct {
	answer  []unsafe.Pointer
	err     error
	loads   []fakeLoad
	changes []fakeChange
}

func (s *fakeSource) LoadRelation(_ context.Context, l *mapper.Link, owner unsafe.Pointer) error {
	s.loads = append(s.loads, fakeLoad{l.Rel, owner})
	if s.err != nil {
		return s.err
	}
	l.Rel.SetLoaded(owner, s.answer)
	return nil
}

func (s *fakeSource) RelationChanged(l *mapper.Link, owner unsafe.Pointer, added, removed []unsafe.Pointer) {
	s.changes = append(s.changes, fakeChange{l.Rel, owner, added, removed})
}

func ptrs[T any](items ...*T) []unsafe.Pointer {
	out := make([]unsafe.Pointer, len(items))
	for i, it := range items {
		out[i] = unsafe.Pointer(it)
	}
	return out
}

// attach links the relationship field of obj to src and unloads it, as a
// session does for an object it loaded.
func attach[T any](t *testing.T, m *mapper.Mapping, field string, obj *T, src mapper.Source) *mapper.Relation {
	t.Helper()
	r := m.Relation(field)
	require.NotNil(t, r)
	r.SetLink(ptr(obj), &mapper.Link{Rel: r, Source: src})
	r.Unload(ptr(obj))
	return r
}

func TestManyAttached(t *testing.T) {
	ctx := context.Background()
	authors := checked(t, rtAuthorMapper)
	b1, b2, b3 := &rtBook{Title: "1"}, &rtBook{Title: "2"}, &rtBook{Title: "3"}

	t.Run("loads on first Get through the owner's source", func(t *testing.T) {
		a := &rtAuthor{Name: "ann"}
		src := &fakeSource{answer: ptrs(b1, b2)}
		r := attach(t, authors, "Books", a, src)
		assert.False(t, a.Books.Loaded())
		assert.False(t, r.Loaded(ptr(a)))
		assert.Nil(t, a.Books.Items(), "Items does not load")
		assert.Equal(t, 0, a.Books.Len())
		assert.Empty(t, src.loads)

		got, err := a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []*rtBook{b1, b2}, got)
		require.Len(t, src.loads, 1)
		assert.Same(t, r, src.loads[0].rel)
		assert.Equal(t, ptr(a), src.loads[0].owner, "the field finds its owner")
		assert.True(t, a.Books.Loaded())

		_, err = a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Len(t, src.loads, 1, "a loaded collection does not load again")
	})
	t.Run("a load error is returned", func(t *testing.T) {
		a := &rtAuthor{}
		boom := errors.New("boom")
		attach(t, authors, "Books", a, &fakeSource{err: boom})
		got, err := a.Books.Get(ctx)
		assert.ErrorIs(t, err, boom)
		assert.Nil(t, got)
		assert.False(t, a.Books.Loaded())
	})
	t.Run("changes to an unloaded collection wait for its load", func(t *testing.T) {
		a := &rtAuthor{}
		src := &fakeSource{answer: ptrs(b1, b2)}
		r := attach(t, authors, "Books", a, src)

		a.Books.Add(b3, b3)
		a.Books.Remove(b1)
		assert.False(t, a.Books.Loaded(), "Add and Remove do not load")
		assert.Empty(t, src.loads)
		added, removed := r.Pending(ptr(a))
		assert.Equal(t, ptrs(b3), added)
		assert.Equal(t, ptrs(b1), removed)
		require.Len(t, src.changes, 2)
		assert.Equal(t, fakeChange{r, ptr(a), ptrs(b3), nil}, src.changes[0])
		assert.Equal(t, fakeChange{r, ptr(a), nil, ptrs(b1)}, src.changes[1])

		got, err := a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []*rtBook{b2, b3}, got)
		added, removed = r.Pending(ptr(a))
		assert.Empty(t, added)
		assert.Empty(t, removed)
	})
	t.Run("removing a pending addition cancels it, and adding a pending removal", func(t *testing.T) {
		a := &rtAuthor{}
		src := &fakeSource{answer: ptrs(b1)}
		r := attach(t, authors, "Books", a, src)
		a.Books.Add(b2)
		a.Books.Remove(b2)
		a.Books.Remove(b1)
		a.Books.Add(b1)
		added, removed := r.Pending(ptr(a))
		assert.Equal(t, ptrs(b1), added)
		assert.Empty(t, removed)
		got, err := a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []*rtBook{b1}, got)
	})
	t.Run("Set loads and reports the difference", func(t *testing.T) {
		a := &rtAuthor{}
		src := &fakeSource{answer: ptrs(b1, b2)}
		r := attach(t, authors, "Books", a, src)
		_, err := a.Books.Get(ctx)
		require.NoError(t, err)

		a.Books.Set([]*rtBook{b2, b3})
		require.Len(t, src.changes, 1)
		assert.Equal(t, fakeChange{r, ptr(a), ptrs(b3), ptrs(b1)}, src.changes[0])
		a.Books.Set([]*rtBook{b3, b2})
		assert.Len(t, src.changes, 1, "the same objects: nothing to report")
		assert.Equal(t, []*rtBook{b3, b2}, a.Books.Items())
	})
	t.Run("Set on an unloaded collection replaces without loading", func(t *testing.T) {
		a := &rtAuthor{}
		src := &fakeSource{answer: ptrs(b1)}
		r := attach(t, authors, "Books", a, src)
		a.Books.Add(b2)
		a.Books.Set([]*rtBook{b3})
		assert.True(t, a.Books.Loaded())
		added, removed := r.Pending(ptr(a))
		assert.Empty(t, added)
		assert.Empty(t, removed)
		got, err := a.Books.Get(ctx)
		require.NoError(t, err)
		assert.Equal(t, []*rtBook{b3}, got)
		assert.Empty(t, src.loads)
	})
	t.Run("Add and Remove on a loaded collection report to the source", func(t *testing.T) {
		a := &rtAuthor{}
		src := &fakeSource{answer: ptrs(b1)}
		r := attach(t, authors, "Books", a, src)
		_, err := a.Books.Get(ctx)
		require.NoError(t, err)
		a.Books.Add(b1) // already in it
		assert.Empty(t, src.changes)
		a.Books.Add(b2)
		a.Books.Remove(b1)
		a.Books.Remove(b3) // not in it
		assert.Equal(t, []fakeChange{{r, ptr(a), ptrs(b2), nil}, {r, ptr(a), nil, ptrs(b1)}}, src.changes)
		assert.Equal(t, []*rtBook{b2}, a.Books.Items())
		assert.Equal(t, ptrs(b2), r.Items(ptr(a)))
	})
}

func TestOneAttached(t *testing.T) {
	ctx := context.Background()
	books := checked(t, rtBookMapper)
	ann, bob := &rtAuthor{Name: "ann"}, &rtAuthor{Name: "bob"}

	t.Run("loads on first Get", func(t *testing.T) {
		b := &rtBook{}
		src := &fakeSource{answer: ptrs(ann)}
		r := attach(t, books, "Author", b, src)
		assert.False(t, b.Author.Loaded())
		assert.Nil(t, b.Author.Value(), "Value does not load")
		got, err := b.Author.Get(ctx)
		require.NoError(t, err)
		assert.Same(t, ann, got)
		require.Len(t, src.loads, 1)
		assert.Equal(t, ptr(b), src.loads[0].owner)
		assert.Same(t, r, src.loads[0].rel)
		_, err = b.Author.Get(ctx)
		require.NoError(t, err)
		assert.Len(t, src.loads, 1)
		assert.Equal(t, ptrs(ann), r.Items(ptr(b)))
	})
	t.Run("loads none", func(t *testing.T) {
		b := &rtBook{}
		r := attach(t, books, "Author", b, &fakeSource{})
		got, err := b.Author.Get(ctx)
		require.NoError(t, err)
		assert.Nil(t, got)
		assert.True(t, b.Author.Loaded())
		assert.Empty(t, r.Items(ptr(b)))
	})
	t.Run("a load error is returned", func(t *testing.T) {
		b := &rtBook{}
		boom := errors.New("boom")
		attach(t, books, "Author", b, &fakeSource{err: boom})
		got, err := b.Author.Get(ctx)
		assert.ErrorIs(t, err, boom)
		assert.Nil(t, got)
	})
	t.Run("Set reports the change, once", func(t *testing.T) {
		b := &rtBook{}
		src := &fakeSource{answer: ptrs(ann)}
		r := attach(t, books, "Author", b, src)
		b.Author.Set(bob)
		assert.True(t, b.Author.Loaded(), "Set loads the reference")
		assert.Empty(t, src.loads, "without SQL")
		b.Author.Set(bob)
		b.Author.Set(nil)
		assert.Equal(t, []fakeChange{{r, ptr(b), ptrs(bob), nil}, {r, ptr(b), nil, ptrs(bob)}}, src.changes)
	})
	t.Run("the link and its loss", func(t *testing.T) {
		b := &rtBook{}
		r := books.Relation("Author")
		assert.Nil(t, r.Link(ptr(b)))
		l := &mapper.Link{Rel: r, Source: &fakeSource{}}
		r.SetLink(ptr(b), l)
		assert.Same(t, l, r.Link(ptr(b)))
		// A zero field is loaded only for want of a link: the source says
		// what a linked field holds.
		assert.False(t, b.Author.Loaded())
		r.SetLoaded(ptr(b), nil)
		assert.True(t, b.Author.Loaded())
		r.Unload(ptr(b))
		assert.False(t, r.Loaded(ptr(b)))
		r.SetLink(ptr(b), nil)
		assert.True(t, r.Loaded(ptr(b)), "without a link, a field is loaded by definition")
		assert.True(t, b.Author.Loaded())
	})
}

// TestCheckAgainOnceTheTargetIsMapped: a mapping whose relationship names
// a type not mapped yet fails its check with ErrNotMapped, and passes once
// that type is mapped; the first error is not kept. Both ways of
// declaring the relationship: explicit (resolved at check) and inferred
// from the tables (while declaring).
func TestCheckAgainOnceTheTargetIsMapped(t *testing.T) {
	type lateBook struct {
		ID       int64
		AuthorID *int64
		EditorID *int64
		Title    string
	}
	type lateAuthor struct {
		ID       int64
		Name     string
		MentorID *int64
		Books    mapper.Many[lateBook]
	}
	mapper.Map[lateAuthor](rtAuthors, func(b *mapper.Builder[lateAuthor], a *lateAuthor) {
		mapper.HasMany(b, &a.Books, rtBooks.AuthorID)
	})
	_, err := mapper.Of[lateAuthor]()
	require.ErrorIs(t, err, mapper.ErrNotMapped)
	_, err = mapper.Of[lateAuthor]()
	require.ErrorIs(t, err, mapper.ErrNotMapped, "still not mapped")
	mapper.Map[lateBook](rtBooks)
	m, err := mapper.Of[lateAuthor]()
	require.NoError(t, err)
	require.Len(t, m.Relations(), 1)
	assert.Equal(t, mapper.OneToMany, m.Relations()[0].Kind)

	type lateProfile struct {
		ID       int64
		AuthorID int64
		Bio      string
		Author   mapper.One[lateTaggedAuthor]
	}
	mapper.Map[lateProfile](rtProfiles) // Author inferred from the one foreign key
	_, err = mapper.Of[lateProfile]()
	require.ErrorIs(t, err, mapper.ErrNotMapped)
	mapper.Map[lateTaggedAuthor](rtAuthors, func(b *mapper.Builder[lateTaggedAuthor], a *lateTaggedAuthor) {})
	m, err = mapper.Of[lateProfile]()
	require.NoError(t, err)
	require.Len(t, m.Fields(), 3, "declared once, though declared twice")
	assert.Equal(t, mapper.ManyToOne, m.Relation("Author").Kind)
}

type lateTaggedAuthor struct {
	ID       int64
	Name     string
	MentorID *int64
}
