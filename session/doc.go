// Package session is ore's unit of work: a Session tracks the mapped
// objects it loads and is given, keeps one object per row (the identity
// map), and writes their changes to the database in one transaction when
// it flushes. It follows SQLAlchemy's Session, rule by rule, where Go
// allows; where Go differs, this page says how.
//
// # Objects and states
//
// Any pointer to a struct mapped with package mapper is an object. Each
// object is in one of five states ([StateOf], [Inspect]): transient (new,
// in no session), pending (added, to be inserted), persistent (with a row,
// in a session), deleted (its row deleted by a flush not yet committed) and
// detached (with a row, in no session).
//
//	s := session.New(db, session.Options{})
//	defer s.Close(ctx)
//	u := &User{Name: "ann"}
//	s.Add(u)                                   // pending
//	s.Commit(ctx)                              // INSERT, COMMIT: persistent
//	ann, err := session.Get[User](ctx, s, u.ID) // the same pointer, no SQL
//	users, err := session.Query[User](s).Where(Users.Name.Like("a%")).All(ctx)
//
// # Change tracking
//
// The session keeps a snapshot of each persistent object's columns as the
// database has them. A flush compares the object with its snapshot: an
// UPDATE carries only the columns that differ, and an object that differs
// in nothing is not written. Setting a field to the value it had is no
// change.
//
// # Expiry
//
// Commit and Rollback expire every object, and Expire and ExpireAll expire
// objects on request: their unflushed changes are discarded and their
// fields are to be reloaded. Go cannot run code when a field is read, so
// the reload happens at the session's next use of the object: [Session.Load]
// (load what is expired, if anything), [Get], a query returning the object,
// or [Session.Refresh] (reload now). Until then an expired field holds the
// last value the session knew to be in the database. A field the
// application sets after it expired keeps the value set (it is a change
// like any other).
//
// # How objects are held
//
// The session holds pending objects, objects marked for deletion, and
// every object the application gave it with Add, strongly. Clean objects
// it loaded itself it holds weakly: once the application drops them, they
// leave the identity map, and loading their rows again makes new objects.
// A loaded object the application changed and then dropped before the
// flush is still flushed: the session keeps it (see the comment in
// weak.go). Objects that refer to each other through loaded relationships
// stay until they leave the session, since Go does not collect cycles of
// objects with finalizers: Close a session when its work is done.
//
// # Loading relationships
//
// A relationship field (mapper.One, mapper.Many) loads by the strategy its
// declaration gives (mapper.Relation.Load), or by the one a query's
// options choose ([LoadOption]):
//
//   - lazy (the default): on first Get, with one SELECT; a many-to-one
//     whose target the identity map has, or whose foreign key is NULL,
//     costs none. Loaded once, it stays loaded until it expires.
//   - select-in ([SelectIn]): for all the objects of a query at once, with
//     one more SELECT (IN over their keys, 500 at a time; a tuple IN for
//     composite keys; a join of the association table for a many-to-many),
//     so that N objects and their collections cost 2 statements rather than
//     1+N.
//   - joined ([Joined]): in the query's own SELECT, LEFT OUTER JOINing the
//     target under an alias of the session's (ore_<table>_<n>; application
//     SQL should not use names beginning with "ore_"). Each object comes
//     back once however many related rows it has. A query with Limit,
//     Offset or Distinct becomes a subquery and the joins are made outside
//     it, so that the strategy never changes which objects come back, nor
//     their order: only the number of statements.
//   - raise ([Raise], [RaiseOnSQL]): Get on an unloaded field returns an
//     error matching [ErrInvalidRequest] instead of running SQL
//     (RaiseOnSQL: when SQL would be needed).
//
// A query that joins the related table itself can fill the collections
// from its own rows instead, with [ContainsEager]: the collections then
// hold only the rows the query matched. A plain Join only filters (and
// repeats) the query's objects; it fills nothing.
//
// Options nest: the options after a field apply to the objects it loads,
// at any depth, whatever strategy loads each step, and with the
// statement counts of the strategies they choose:
//
//	users, err := session.Query[User](s).
//		Options(session.SelectIn(func(u *User) *mapper.Many[Address] { return &u.Addresses },
//			session.Joined(func(a *Address) *mapper.One[Country] { return &a.Country }))).
//		All(ctx)
//
// loads the users, then their addresses with their countries joined: 2
// statements. The options stay with the objects the query loaded: a
// relationship left to load lazily, or loaded again after expiry, applies
// the options given for it (ContainsEager excepted). Eager loading,
// whichever the strategy, fills the empty collections of objects without
// related rows (they are loaded, and empty), and leaves relationships the
// session had loaded already as they are, unless the query has
// PopulateExisting. A relationship declared Joined or SelectIn is not
// followed a second time along one path of loads, so that a
// self-referential relationship loads one level.
//
// # Flush
//
// Flush sends INSERTs, UPDATEs and DELETEs in an order that respects the
// foreign keys between the mapped tables: rows are inserted after the rows
// they refer to and deleted before them; within a table that refers to
// itself (or tables that refer to each other), row by row. Pending objects
// of one table with the same columns share multi-row INSERTs; keys and
// server defaults the database generates come back with RETURNING
// (PostgreSQL matches them to the rows of a multi-row INSERT; SQLite gets
// them one row at a time). A failed flush rolls the transaction back,
// leaves every object as it was before the flush, and makes the session
// refuse work until Rollback.
//
// Fields whose columns have server defaults (or identities) are left out
// of the INSERT while they hold their zero value, so that the database
// fills them in; use a pointer type for such a column when the zero value
// itself must be written.
//
// # Writing relationships
//
// Changing a relationship field is a change like changing a column: no SQL
// runs until the flush. The two sides of a relationship declared with
// BackPopulates are kept in step in memory at once: adding an address to
// a user's addresses points the address's user at the user, and takes it
// out of its previous user's loaded collection. A side that is not loaded
// stays unloaded (the change is applied when it loads). The objects of an
// object that was never attached to a session learn of it when it is
// added.
//
// The flush writes what the fields say: a child's foreign key from its
// parent (the parent's new key, once inserted), NULL for a child removed
// from its parent's collection, the rows of a many-to-many association
// table for objects added to and removed from the collection (one row per
// link, from whichever side it was made), and, for relationships declared
// PostUpdate, the foreign key in an UPDATE after both rows exist (and set
// to NULL before both are deleted), for rows that refer to each other.
// Deleting a parent without the delete cascade sets its children's keys
// to NULL, loading the children if they are not loaded. A foreign key
// field that cannot hold NULL (an int64) then makes the flush fail before
// it writes any row (it has only read the children): make it a pointer,
// or cascade the delete.
//
// # Cascades
//
// A relationship's cascades (mapper.Relation.Cascade; "save-update, merge"
// unless declared) say what happens to its objects when something happens
// to their owner:
//
//   - save-update: adding the owner adds them; adding an object to the
//     collection of an owner in the session adds it (not the reverse side:
//     pointing an address at a user does not add the address);
//   - merge: Merge merges them, and the merged owner holds the merged
//     copies;
//   - delete: deleting the owner deletes them (loaded ones at once, the
//     others loaded by the flush); a new object reached this way is
//     dropped, as it has no row;
//   - delete-orphan: an object removed from the owner, or replaced, is
//     deleted; a new one is dropped, never inserted. On a many-to-one or
//     many-to-many it needs SingleParent, and an object held by two owners
//     through a SingleParent relationship makes the flush fail before any
//     SQL;
//   - expunge and refresh-expire: Expunge, Expire and Refresh of the owner
//     reach them (Refresh only expires them).
//
// PassiveDeletes leaves children the session has not loaded to the
// database's ON DELETE (PassiveDeletesUnloaded), or all of them
// (PassiveDeletesAll: the session sends only the owner's DELETE). Core
// DELETE and UPDATE statements never cascade: only the flush does.
//
// # Errors
//
// Misuse returns errors matching [ErrInvalidRequest]; a flush after a
// failed one, [ErrPendingRollback]; optimistic locking conflicts and rows
// gone under an UPDATE, [ErrStaleData]; loads of rows that are gone,
// [ErrObjectDeleted] or [ErrNotFound]; loads into detached objects,
// [ErrDetached]. Database errors pass through, matching their dialect
// error classes.
package session
