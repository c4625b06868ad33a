package session

import (
	"errors"
	"fmt"
)

// The errors of misuse and of stale state. Match them with errors.Is; the
// errors the session returns wrap them with what happened to which object.
var (
	// ErrInvalidRequest is the class of errors returned for an operation
	// that does not apply to the object or the session's state: adding an
	// object owned by another session, deleting a transient object,
	// expiring a pending one, and so on.
	ErrInvalidRequest = errors.New("invalid request")

	// ErrPendingRollback is returned by every operation that needs the
	// transaction after a flush failed, until Rollback is called.
	ErrPendingRollback = errors.New("the session's transaction was rolled back after a failed flush; call Rollback to use the session again")

	// ErrStaleData is returned when an UPDATE or DELETE matched another
	// number of rows than the session expected: the row is gone, or its
	// version changed under it (optimistic locking).
	ErrStaleData = errors.New("stale data")

	// ErrObjectDeleted is returned when an expired object's row is gone.
	ErrObjectDeleted = errors.New("the object's row was deleted")

	// ErrDetached is returned when loading into an object that is not
	// attached to a session: an expired column or an unloaded relationship
	// of a detached object.
	ErrDetached = errors.New("the object is not attached to a session")

	// ErrFlush is the class of errors a flush returns when the unit of work
	// itself cannot proceed (as opposed to the database refusing a
	// statement, whose error it passes on).
	ErrFlush = errors.New("flush failed")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("session: %w: "+format, append([]any{ErrInvalidRequest}, args...)...)
}
