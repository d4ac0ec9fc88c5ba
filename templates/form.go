package templates

import "strings"

// FormState is what a form page needs to show a submitted form again: the values typed (never passwords)
// and the French error of each field, plus a message about the whole form. Built by the web layer's form
// helper (web.Form.State).
type FormState struct {
	Values  map[string]string
	Errors  map[string]string
	Order   []string // fields in error, in the order of the form, for the error summary
	Message string   // an error about the whole form (e.g. too many attempts)
	// IDPrefix is put before the ids of the form's fields (and the error summary's links), for a page that
	// shows two forms with a field of the same name.
	IDPrefix string
}

// Value is the value typed in a field.
func (f FormState) Value(name string) string { return f.Values[name] }

// Error is the French error of a field, or "".
func (f FormState) Error(name string) string { return f.Errors[name] }

// Failed reports whether the form has any error.
func (f FormState) Failed() bool { return len(f.Errors) > 0 || f.Message != "" }

// Field describes one form field for the DSFR input components.
type Field struct {
	Name         string // also the id of the input, unless ID says otherwise
	ID           string
	Label        string
	Hint         string // "Format attendu : …", shown under the label
	Value        string
	Error        string
	Type         string // text (default), email, password, tel, url, date, number
	Autocomplete string
	Required     bool
	MaxLength    int
	Checked      bool // checkboxes
}

// id is the input's id, the prefix of its group's, hint's, messages' and error's.
func (f Field) id() string {
	if f.ID != "" {
		return f.ID
	}
	return f.Name
}

func (f Field) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

// describedBy links the input to its hint and its error, for screen readers.
func (f Field) describedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.id()+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.id()+"-error")
	}
	return strings.Join(ids, " ")
}

// F builds the Field of a form state: its value and error filled in.
func (f FormState) F(name, label string) Field {
	return Field{Name: name, ID: f.IDPrefix + name, Label: label, Value: f.Values[name], Error: f.Errors[name]}
}

// With returns the field with a type, an autocomplete token and the required flag.
func (f Field) With(typ, autocomplete string, required bool) Field {
	f.Type, f.Autocomplete, f.Required = typ, autocomplete, required
	return f
}

// Hinted returns the field with a hint.
func (f Field) Hinted(hint string) Field {
	f.Hint = hint
	return f
}

// Max returns the field with a maximum length.
func (f Field) Max(n int) Field {
	f.MaxLength = n
	return f
}

// optionID is the id of the i-th input of a radio or checkbox group; the first one is the group's name, so
// that the error summary's link (#name) reaches the group.
func optionID(name string, i int) string {
	if i == 0 {
		return name
	}
	return name + "-" + itoa(i+1)
}

// Has reports whether a checkbox group's value holds v (values one per line).
func (f Field) Has(v string) bool {
	for _, x := range strings.Split(f.Value, "\n") {
		if x == v {
			return true
		}
	}
	return false
}
