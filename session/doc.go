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
// A relationship field (mapper.One, mapper.Many) of a loaded object loads
// on first Get, with one SELECT; a many-to-one whose target the identity
// map has, or whose foreign key is NULL, costs none. A query can load a
// relationship of all its objects at once instead, with one more SELECT
// (IN over their keys, 500 at a time) — [SelectIn] — so that N objects
// and their collections cost 2 statements rather than 1+N:
//
//	users, err := session.Query[User](s).
//		Options(session.SelectIn(func(u *User) *mapper.Many[Address] { return &u.Addresses })).
//		All(ctx)
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
// # Errors
//
// Misuse returns errors matching [ErrInvalidRequest]; a flush after a
// failed one, [ErrPendingRollback]; optimistic locking conflicts and rows
// gone under an UPDATE, [ErrStaleData]; loads of rows that are gone,
// [ErrObjectDeleted] or [ErrNotFound]; loads into detached objects,
// [ErrDetached]. Database errors pass through, matching their dialect
// error classes.
package session
