// Package mapper maps Go structs to ore tables: which field holds which
// column, which fields are relationships to other mapped structs, and how
// rows become objects. The session package builds the unit of work on it;
// this package runs no SQL of its own.
//
// # Mappings
//
// [Map] declares that struct type T maps to a table. Fields are matched to
// the table's columns by their `ore` (or `db`) tag, else by name in
// snake_case (UserID → user_id), and a field's type must be its column's Go
// type. The optional configure function binds fields explicitly, with types
// the compiler checks, and declares relationships and a version column:
//
//	var UserMapper = mapper.Map[User](Users, func(b *mapper.Builder[User], u *User) {
//		mapper.Column(b, &u.Name, Users.Name) // compiles only if Name is a string
//		mapper.HasMany(b, &u.Posts, Posts.UserID).OrderBy(Posts.ID.Asc())
//		mapper.Version(b, &u.Version)
//	})
//
// A mapping is checked (and its relationships resolved against the other
// mappings) the first time a session uses it; [Check] does it at once and
// reports what is wrong.
//
// # Relationships
//
// Relationship fields have the types [One] (a reference: many-to-one, or
// the single side of a one-to-one) and [Many] (a collection: one-to-many or
// many-to-many). They know whether they are loaded, and an object attached to
// a session loads them on first use through [One.Get] and [Many.Get]. The
// relationship's declaration ([HasMany], [BelongsTo], [HasOne],
// [ManyToMany]) names its foreign key columns and options: the other side
// (BackPopulates), ordering, loader strategy, cascades.
package mapper
