// Package apperr defines the error kinds the domain packages return and the web layer maps to HTTP statuses,
// in one place: four sentinels (not found, gone, conflict, forbidden) and one refusal type.
package apperr

import (
	"errors"
	"fmt"
)

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

// Refusal is a change refused by a business rule, with a French message meant for the user. Each domain package
// declares its refusals once, as values (var ErrPoolFull = &apperr.Refusal{…}); the store and the domain checks
// return them (With fills in a message that is a format); the web layer shows the message on the form (on Field
// when set, on the whole form otherwise) or, when no handler does, on a 422 page.
type Refusal struct {
	Code    string // stable and unique across packages: what tests and handlers compare (errors.Is, Code)
	Field   string // the form field the refusal is about, "" for the whole form
	Message string // French, for the user; a fmt format when the refusal is returned through With
}

func (r *Refusal) Error() string { return r.Message }

// Unwrap makes a refusal an ErrConflict: the request is well formed, the current state forbids it.
func (r *Refusal) Unwrap() error { return ErrConflict }

// Is makes errors.Is(err, declared) hold for any refusal with the declared one's code, whatever its message.
func (r *Refusal) Is(target error) bool {
	t, ok := target.(*Refusal)
	return ok && t.Code == r.Code
}

// With is a copy of the refusal whose message is the declared one formatted with args.
func (r *Refusal) With(args ...any) *Refusal {
	c := *r
	c.Message = fmt.Sprintf(r.Message, args...)
	return &c
}

// AsRefusal returns the refusal in err's chain, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// Code is the code of the refusal in err's chain, "" when err is not a refusal.
func Code(err error) string {
	if r, ok := AsRefusal(err); ok {
		return r.Code
	}
	return ""
}
