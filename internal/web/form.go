package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"campus/internal/account"
	"campus/internal/apperr"
	"campus/internal/input"
	"campus/templates"
)

// maxFormBytes bounds a submitted form (url-encoded); larger bodies get a French message, never a 500.
const maxFormBytes = 64 << 10

// Form reads a submitted form field by field, validating as it goes and collecting one French message per
// field. It never fails: a body it cannot read becomes a form-level message, and every value shown again is
// valid UTF-8. Typical use:
//
//	f := s.readForm(w, r)
//	email := f.Email("email", "Adresse électronique")
//	name := f.Text("given_name", "Prénom", 100, true)
//	if !f.Valid() { /* render the page again with f.State() and status 422 */ }
type Form struct {
	values  url.Values
	shown   map[string]string
	errors  map[string]string
	order   []string
	message string
}

// readForm parses the url-encoded body of a POST (and the query).
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) *Form {
	f := &Form{shown: map[string]string{}, errors: map[string]string{}}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			f.message = "Le formulaire envoyé est trop volumineux. Raccourcissez les textes saisis et réessayez."
		} else {
			f.message = "Le formulaire envoyé n’a pas pu être lu. Réessayez depuis la page du formulaire."
		}
		f.values = url.Values{}
		return f
	}
	f.values = r.PostForm
	if r.Method == http.MethodGet {
		f.values = r.Form
	}
	return f
}

// raw is the first value of a field, as sent.
func (f *Form) raw(name string) string {
	return f.values.Get(name)
}

// Fail records an error on a field (the first one is kept).
func (f *Form) Fail(name, msg string) {
	if msg == "" {
		return
	}
	if _, ok := f.errors[name]; !ok {
		f.errors[name] = msg
		f.order = append(f.order, name)
	}
}

// FailForm records an error about the whole form.
func (f *Form) FailForm(msg string) { f.message = msg }

// Refuse records a refusal (an apperr.Refusal in err) on the form: on its field when it names one, on the whole
// form otherwise. It returns any other error, for the caller to fail with (nil when err was nil or a refusal).
//
//	if err := f.Refuse(s.store.Something(…)); err != nil { s.fail(w, r, err); return }
//	if !f.Valid() { /* render the page again with f.State() */ }
func (f *Form) Refuse(err error) error {
	ref, err := refused(err)
	switch {
	case ref == nil:
	case ref.Field != "":
		f.Fail(ref.Field, ref.Message)
	default:
		f.FailForm(ref.Message)
	}
	return err
}

// refused splits what a call returned into a refusal, for the handler to show on its own page, and any other
// error, to fail with (nil when err was nil or a refusal). It is the one place handlers look for refusals; one
// they do not look for reaches fail, which shows its message with a 422.
func refused(err error) (*apperr.Refusal, error) {
	if ref, ok := apperr.AsRefusal(err); ok {
		return ref, nil
	}
	return nil, err
}

// Valid reports whether no error was recorded.
func (f *Form) Valid() bool { return len(f.errors) == 0 && f.message == "" }

// keep remembers the value to show again.
func (f *Form) keep(name, v string) { f.shown[name] = strings.ToValidUTF8(v, "\uFFFD") }

// Text reads a single-line text (input.Line): trimmed, valid UTF-8, no control characters, at most max
// characters, required or not. label names the field in messages.
func (f *Form) Text(name, label string, max int, required bool) string {
	v, msg := input.Line(f.raw(name), label, max, required)
	f.keep(name, v)
	f.Fail(name, msg)
	return v
}

// Email reads an email address: normalized (trimmed, lower-case) and checked.
func (f *Form) Email(name string) string {
	raw := f.raw(name)
	f.keep(name, strings.TrimSpace(raw))
	if !utf8.ValidString(raw) {
		f.Fail(name, "L’adresse électronique contient des caractères non valides.")
		return ""
	}
	v := account.NormalizeEmail(raw)
	f.Fail(name, account.CheckEmail(v))
	return v
}

// Password reads a password: never trimmed, never shown again. With a policy it is checked against it
// (email is the account's address, which the password may not contain); otherwise it is only required.
func (f *Form) Password(name string, policy bool, email string) string {
	v := f.raw(name)
	switch {
	case policy:
		f.Fail(name, account.CheckPassword(v, email))
	case v == "":
		f.Fail(name, "Saisissez votre mot de passe.")
	case !utf8.ValidString(v) || len(v) > 4*account.MaxPassword:
		f.Fail(name, "Le mot de passe saisi n’est pas valide.")
	}
	return v
}

// Checked reads a checkbox; when required and unchecked, msg is its error.
func (f *Form) Checked(name string, required bool, msg string) bool {
	on := f.raw(name) != ""
	if on {
		f.shown[name] = "oui"
	}
	if required && !on {
		f.Fail(name, msg)
	}
	return on
}

// Hidden reads a value that the page put in the form (e.g. where to go next), kept as is but for invalid UTF-8
// and control characters, which are dropped.
func (f *Form) Hidden(name string) string {
	v := cleanText(f.raw(name))
	f.shown[name] = v
	return v
}

// State is the form as the templates show it again.
func (f *Form) State() templates.FormState {
	return templates.FormState{Values: f.shown, Errors: f.errors, Order: f.order, Message: f.message}
}

// safeNext keeps a "where to go after" value only when it is a path of this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\\") || len(next) > 500 {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return next
}
