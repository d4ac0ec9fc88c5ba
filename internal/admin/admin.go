// Package admin holds the rules of the back-office: validation of what admins type about catalogue entities,
// their lifecycle (draft → published → archived), the field-by-field snapshots kept in the audit log and shown
// when two admins edit the same thing, and the strict parsing of module CSV imports with their dry-run plan.
// No HTTP, no SQL.
package admin

import (
	"errors"
	"fmt"
	"time"

	"campus/internal/apperr"
	"campus/internal/catalogue"
)

// Entities of the back-office, as stored in the audit log.
const (
	EntityDomain   = "domain"
	EntityPartner  = "partner"
	EntityAudience = "audience"
	EntityModule   = "module"
	EntityTrack    = "track"
	EntitySession  = "session"
	// EntityUser is an account, whose role an admin changes (/admin/utilisateurs).
	EntityUser = "user"
	// EntitySynonyms is the search's synonyms, edited as a whole (/admin/synonymes).
	EntitySynonyms = "search_synonyms"
	// EntityPublicDomains is the list of public-sector mail domains (/admin/domaines-publics).
	EntityPublicDomains = "public_sector_domains"
)

// Entities lists the entities in the order the back-office shows them (the journal's filter).
var Entities = []string{EntityDomain, EntityTrack, EntityModule, EntitySession, EntityPartner, EntityAudience,
	"licence_pool", "licence_request", "trainer_application", "programme_request", EntityUser, EntitySynonyms, EntityPublicDomains}

// EntityLabel is the French name of an entity.
func EntityLabel(e string) string {
	switch e {
	case EntityDomain:
		return "Domaine"
	case EntityPartner:
		return "Partenaire"
	case EntityAudience:
		return "Public"
	case EntityModule:
		return "Module"
	case EntityTrack:
		return "Parcours ou programme"
	case EntitySession:
		return "Session"
	// The programmes' entries (internal/postgres/licences.go, trainers.go, programme_requests.go).
	case EntityUser:
		return "Compte"
	case EntitySynonyms:
		return "Synonymes de la recherche"
	case EntityPublicDomains:
		return "Domaines du secteur public"
	case "licence_pool":
		return "Lot de licences"
	case "licence_request":
		return "Demande de licence"
	case "trainer_application":
		return "Candidature de formateur"
	case "programme_request":
		return "Demande de programme sur mesure"
	// Line-manager approvals (internal/postgres/approvals.go).
	case "enrolment":
		return "Inscription"
	}
	return e
}

// Actions recorded in the audit log.
const (
	ActionCreate   = "create"
	ActionUpdate   = "update"
	ActionStatus   = "status"
	ActionModules  = "modules" // the modules of a track and their order
	ActionImport   = "import"  // created or changed by a CSV import
	ActionCapacity = "capacity"
	ActionCancel   = "cancel"
	ActionRole     = "role" // an account's role changed
)

// ActionLabel is the French name of an action.
func ActionLabel(a string) string {
	switch a {
	case ActionCreate:
		return "Création"
	case ActionUpdate:
		return "Modification"
	case ActionStatus:
		return "Changement d’état"
	case ActionModules:
		return "Modules du parcours"
	case ActionImport:
		return "Import CSV"
	case ActionCapacity:
		return "Capacité"
	case ActionCancel:
		return "Annulation"
	case ActionRole:
		return "Changement de rôle"
	// The programmes' actions.
	case "grant":
		return "Ajout de licences"
	case "quota":
		return "Quota"
	case "allocate":
		return "Attribution"
	case "revoke":
		return "Retrait"
	// Line-manager approvals.
	case "approval_request":
		return "Demande d’accord au responsable"
	case "approve":
		return "Accord du responsable"
	case "refuse":
		return "Refus du responsable"
	case "expire":
		return "Demande d’accord expirée"
	}
	return a
}

// UserFilter selects accounts in the back-office: a part of the address or of the name, a role.
type UserFilter struct {
	Query string
	Role  string
}

// Actor is the admin who makes a change.
type Actor struct {
	ID   int64
	Name string
}

// Field is one value of an entity as the audit log and the conflict page show it.
type Field struct {
	Key   string
	Label string
	Value string
}

// Snapshot is an entity's fields in display order.
type Snapshot []Field

// Map is the snapshot as stored in the audit log (jsonb object).
func (s Snapshot) Map() map[string]string {
	if s == nil {
		return nil
	}
	m := make(map[string]string, len(s))
	for _, f := range s {
		m[f.Key] = f.Value
	}
	return m
}

// Change is a field whose value differs between two snapshots.
type Change struct {
	Key    string
	Label  string
	Before string // the stored value (or, in a conflict, the other admin's)
	After  string // the new value (or, in a conflict, what this admin typed)
}

// Diff lists the fields of b whose value differs in a, in b's order.
func Diff(a, b Snapshot) []Change {
	old := a.Map()
	var out []Change
	for _, f := range b {
		if v := old[f.Key]; v != f.Value {
			out = append(out, Change{Key: f.Key, Label: f.Label, Before: v, After: f.Value})
		}
	}
	return out
}

// ConflictError is returned when an edit was made from a stale version: someone saved the entity in between.
// It carries the entity as stored now, so that the page can show what changed.
type ConflictError struct {
	Entity  string
	ID      int64
	Version int      // the current version, to save over it knowingly
	Current Snapshot // the entity as stored now
	By      string   // who saved last (from the audit log), when known
	At      time.Time
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %d: modifié entre-temps (version %d)", e.Entity, e.ID, e.Version)
}

// Unwrap makes the conflict an apperr.ErrConflict.
func (e *ConflictError) Unwrap() error { return apperr.ErrConflict }

// AsConflict returns the conflict carried by err, if any.
func AsConflict(err error) (*ConflictError, bool) {
	var c *ConflictError
	ok := errors.As(err, &c)
	return c, ok
}

// FieldError is a French message about one field of a form (or one column of a CSV row).
type FieldError struct {
	Field   string
	Message string
}

// Errors are the field errors of an input, in the order of its fields.
type Errors []FieldError

// Add records msg on field unless msg is empty or the field already has an error.
func (e *Errors) Add(field, msg string) {
	if msg == "" {
		return
	}
	for _, x := range *e {
		if x.Field == field {
			return
		}
	}
	*e = append(*e, FieldError{field, msg})
}

// set returns what keeps a checked value in *dst and records its message, if any, under the field key, so
// that a check reads one line a field: set(&e, "title", &d.Title)(line(in.Title, "Titre", MaxTitle, true)).
func set[T any](e *Errors, key string, dst *T) func(T, string) {
	return func(v T, msg string) {
		*dst = v
		e.Add(key, msg)
	}
}

// PublicPath is the public page of an entity ("" when it has none).
func PublicPath(entity, slug string, tailored bool) string {
	switch entity {
	case EntityDomain:
		return "/domaines/" + slug
	case EntityPartner:
		return "/partenaires/" + slug
	case EntityModule:
		return "/modules/" + slug
	case EntityTrack:
		return catalogue.TrackLink{Ref: catalogue.Ref{Slug: slug}, Tailored: tailored}.Href()
	}
	return ""
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64
	At        time.Time
	ActorID   int64
	ActorName string
	Entity    string
	EntityID  int64
	Label     string // the entity's title at the time
	Action    string
	Before    map[string]string
	After     map[string]string
}

// Changes lists what the entry changed, field by field (keys in a stable order: After's, then Before's).
func (a AuditEntry) Changes() []Change {
	labels := FieldLabels(a.Entity)
	keys := orderedKeys(a.Entity, a.Before, a.After)
	var out []Change
	for _, k := range keys {
		b, hadB := a.Before[k]
		n, hasN := a.After[k]
		if hadB && hasN && b == n {
			continue
		}
		l := labels[k]
		if l == "" {
			l = k
		}
		out = append(out, Change{Key: k, Label: l, Before: b, After: n})
	}
	return out
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Entity   string
	EntityID int64
	ActorID  int64
	From, To time.Time // zero: unbounded; To is exclusive
}

// AuditActor is someone who appears in the audit log.
type AuditActor struct {
	ID   int64
	Name string
}

// StatusCount is how many entities of a kind have a status (dashboard).
type StatusCount struct {
	Kind   string // an entity, or "programme" for tailored programmes
	Status string
	Count  int
}

// Pending is a kind of work waiting for an admin (dashboard): how many, and where to deal with it.
type Pending struct {
	Label string
	Count int
	Href  string // "" when the back-office has no page for it
}
