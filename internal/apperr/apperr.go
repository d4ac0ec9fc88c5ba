// Package apperr defines the error kinds the domain packages return and the web layer maps to HTTP statuses,
// in one place.
package apperr

import "errors"

var (
	// ErrNotFound: the thing asked for does not exist or is not visible to the caller.
	ErrNotFound = errors.New("introuvable")
	// ErrGone: the thing existed and has been archived on purpose.
	ErrGone = errors.New("archivé")
	// ErrConflict: the request conflicts with the current state (a concurrent edit, a duplicate).
	ErrConflict = errors.New("conflit")
	// ErrForbidden: the caller may not do this.
	ErrForbidden = errors.New("interdit")
)
