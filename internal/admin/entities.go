package admin

import (
	"strconv"
	"strings"
	"time"

	"campus/internal/catalogue"
	"campus/internal/programme"
)

// Limits of what admins type (in characters, or items for lists).
const (
	MaxTitle       = 200
	MaxSummary     = 1000
	MaxDescription = 10000
	MaxShortName   = 60
	MaxAudience    = 120
	MaxListItems   = 20
	MaxListItem    = 300
	MaxKeywords    = 30
	MaxKeyword     = 60
	MaxDuration    = 6000 // minutes: 100 hours
	MaxCapacity    = 1000
	MaxPlace       = 200
	MaxSessionDays = 31
)

// fields are the keys and labels of each entity's snapshot, in form order. The keys are also the names of the
// form fields and of the CSV columns' meaning.
var fields = map[string][]Field{
	EntityDomain: {{Key: "slug", Label: "Adresse de la page"}, {Key: "title", Label: "Titre"}, {Key: "summary", Label: "Résumé"},
		{Key: "description", Label: "Description"}, {Key: "position", Label: "Ordre d’affichage"}},
	EntityPartner: {{Key: "slug", Label: "Adresse de la page"}, {Key: "name", Label: "Nom"}, {Key: "short_name", Label: "Nom court"},
		{Key: "kind", Label: "Catégorie"}, {Key: "website", Label: "Site web"}, {Key: "summary", Label: "Résumé"},
		{Key: "description", Label: "Description"}},
	EntityAudience: {{Key: "slug", Label: "Identifiant"}, {Key: "label", Label: "Libellé"}, {Key: "description", Label: "Description"},
		{Key: "position", Label: "Ordre d’affichage"}},
	EntityModule: {{Key: "slug", Label: "Adresse de la page"}, {Key: "title", Label: "Titre"}, {Key: "domain", Label: "Domaine"},
		{Key: "partner", Label: "Partenaire"}, {Key: "summary", Label: "Résumé"}, {Key: "objectives", Label: "Objectifs"},
		{Key: "outline", Label: "Programme"}, {Key: "duration", Label: "Durée en minutes"}, {Key: "format", Label: "Format"},
		{Key: "level", Label: "Niveau"}, {Key: "prerequisites", Label: "Prérequis"}, {Key: "external_url", Label: "Lien vers le contenu en ligne"},
		{Key: "keywords", Label: "Mots-clés"}, {Key: "audiences", Label: "Publics"}},
	EntityTrack: {{Key: "slug", Label: "Adresse de la page"}, {Key: "title", Label: "Titre"}, {Key: "domain", Label: "Domaine"},
		{Key: "administration", Label: "Administration (programme sur mesure)"}, {Key: "participants", Label: "Agents formés"},
		{Key: "featured", Label: "Mis en avant sur l’accueil"}, {Key: "summary", Label: "Résumé"}, {Key: "description", Label: "Description"},
		{Key: "audiences", Label: "Publics"}, {Key: "access", Label: "Accès réservé"}},
	EntitySession: {{Key: "module", Label: "Module"}, {Key: "starts_at", Label: "Début"}, {Key: "ends_at", Label: "Fin"},
		{Key: "place_name", Label: "Lieu"}, {Key: "address", Label: "Adresse"}, {Key: "city", Label: "Ville"},
		{Key: "virtual_url", Label: "Lien de la classe virtuelle"}, {Key: "capacity", Label: "Capacité"}, {Key: "trainer", Label: "Formateur ou formatrice"},
		{Key: "approval", Label: "Accord du responsable hiérarchique requis"}, {Key: "half_days", Label: "Présence par demi-journée"}},
}

// extraLabels name the keys of audit entries that are not form fields.
var extraLabels = map[string]string{"status": "État", "modules": "Modules (dans l’ordre)", "seats_taken": "Places prises",
	"promoted": "Personnes sorties de la liste d’attente", "notified": "Personnes prévenues par courriel",
	// The programmes' entries (licences, trainers' applications, tailored-programme requests).
	"statut": "État", "message": "Message envoyé", "note": "Note interne", "motif": "Motif", "agent": "Agent",
	"administration": "Administration", "quota": "Quota", "licences": "Licences", "dotation": "Dotation",
	"demandes_servies": "Demandes servies", "codes": "Codes", "nom": "Nom", "debut": "Début", "fin": "Fin",
	"programme": "Programme", "accès réservé": "Accès réservé", "synonymes": "Synonymes", "domaines": "Domaines", "réponse": "Réponse du demandeur"}

// FieldLabels maps the keys of an entity's snapshot to their French labels.
func FieldLabels(entity string) map[string]string {
	m := map[string]string{}
	for k, v := range extraLabels {
		m[k] = v
	}
	for _, f := range fields[entity] {
		m[f.Key] = f.Label
	}
	return m
}

func orderedKeys(entity string, maps ...map[string]string) []string {
	seen := map[string]bool{}
	var keys []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, f := range fields[entity] {
		for _, m := range maps {
			if _, ok := m[f.Key]; ok {
				add(f.Key)
			}
		}
	}
	for _, k := range []string{"status", "modules", "seats_taken", "promoted", "notified"} {
		for _, m := range maps {
			if _, ok := m[k]; ok {
				add(k)
			}
		}
	}
	var rest []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				rest = append(rest, k)
			}
		}
	}
	sortStrings(rest)
	for _, k := range rest {
		add(k)
	}
	return keys
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func snapshot(entity string, values ...string) Snapshot {
	fs := fields[entity]
	out := make(Snapshot, len(fs))
	for i, f := range fs {
		out[i] = f
		if i < len(values) {
			out[i].Value = values[i]
		}
	}
	return out
}

// JoinList shows a list in one value (snapshots, CSV cells).
func JoinList(items []string) string { return strings.Join(items, " | ") }

func yesNo(b bool) string {
	if b {
		return "oui"
	}
	return "non"
}

// RefInfo is a catalogue entity another one points to (a module's domain, partner, audiences).
type RefInfo struct {
	ID     int64
	Slug   string
	Title  string
	Status string
}

// Refs are the domains, partners and audiences that forms and CSV rows refer to by slug.
type Refs struct {
	Domains, Partners, Audiences []RefInfo // in display order, for the forms' choices
	domains, partners, audiences map[string]RefInfo
}

// NewRefs indexes the referenced entities by slug.
func NewRefs(domains, partners, audiences []RefInfo) Refs {
	idx := func(l []RefInfo) map[string]RefInfo {
		m := make(map[string]RefInfo, len(l))
		for _, r := range l {
			m[r.Slug] = r
		}
		return m
	}
	return Refs{Domains: domains, Partners: partners, Audiences: audiences,
		domains: idx(domains), partners: idx(partners), audiences: idx(audiences)}
}

// Domain finds a domain by slug.
func (r Refs) Domain(slug string) (RefInfo, bool) { d, ok := r.domains[slug]; return d, ok }

// Partner finds a partner by slug.
func (r Refs) Partner(slug string) (RefInfo, bool) { p, ok := r.partners[slug]; return p, ok }

func visible(status string) bool {
	return status == catalogue.StatusPublished || status == catalogue.StatusComing
}

// checkDomain resolves the domain of a module or track; a published entity needs a visible domain.
func (r Refs) checkDomain(slug, status string) (RefInfo, string) {
	slug = strings.TrimSpace(slug)
	d, ok := r.domains[slug]
	switch {
	case slug == "":
		return d, "Choisissez un domaine."
	case !ok:
		return d, "Domaine inconnu : « " + slug + " »."
	case d.Status == catalogue.StatusArchived:
		return d, "Le domaine « " + d.Title + " » est archivé : choisissez un autre domaine."
	case status == catalogue.StatusPublished && !visible(d.Status):
		return d, "Le domaine « " + d.Title + " » n’est pas publié : un élément publié ne peut pas y être rattaché."
	}
	return d, ""
}

// checkAudiences resolves audiences by slug; they come back in display order, whatever the order typed.
func (r Refs) checkAudiences(slugs []string) ([]RefInfo, string) {
	seen := map[string]bool{}
	for _, s := range slugs {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		a, ok := r.audiences[s]
		if !ok {
			return nil, "Public inconnu : « " + s + " »."
		}
		if a.Status != catalogue.StatusPublished {
			return nil, "Le public « " + a.Title + " » n’est pas publié."
		}
	}
	var out []RefInfo
	for _, a := range r.Audiences {
		if seen[a.Slug] {
			out = append(out, a)
		}
	}
	return out, ""
}

func slugsOf(rs []RefInfo) ([]int64, []string) {
	ids, slugs := []int64{}, []string{}
	for _, r := range rs {
		ids = append(ids, r.ID)
		slugs = append(slugs, r.Slug)
	}
	return ids, slugs
}

// Meta is what every stored entity has besides its fields.
type Meta struct {
	ID        int64
	Status    string
	Version   int
	UpdatedAt time.Time
}

// StoredVersion is the version of the entity as stored (what an edit must have been made from).
func (m Meta) StoredVersion() int { return m.Version }

// ---- Domain ----

// DomainInput is a domain as typed in the form.
type DomainInput struct{ Slug, Title, Summary, Description, Position string }

// Domain is a checked domain.
type Domain struct {
	Meta
	Slug, Title, Summary, Description string
	Position                          int
	Modules, Tracks                   int // counts, in lists
}

// Check validates the input.
func (in DomainInput) Check() (Domain, Errors) {
	var d Domain
	var e Errors
	set(&e, "title", &d.Title)(proseLine(in.Title, "Titre", MaxTitle, true))
	set(&e, "slug", &d.Slug)(slug(in.Slug, d.Title))
	set(&e, "summary", &d.Summary)(prose(in.Summary, "Résumé", MaxSummary, true))
	set(&e, "description", &d.Description)(prose(in.Description, "Description", MaxDescription, false))
	set(&e, "position", &d.Position)(number(in.Position, "Ordre d’affichage", 0, 1000, false))
	return d, e
}

// Snapshot is the domain's fields.
func (d Domain) Snapshot() Snapshot {
	return snapshot(EntityDomain, d.Slug, d.Title, d.Summary, d.Description, itoa(d.Position))
}

// Input is the domain as the form shows it.
func (d Domain) Input() DomainInput {
	return DomainInput{Slug: d.Slug, Title: d.Title, Summary: d.Summary, Description: d.Description, Position: itoa(d.Position)}
}

// ---- Partner ----

// PartnerInput is a partner as typed in the form.
type PartnerInput struct{ Slug, Name, ShortName, Kind, Website, Summary, Description string }

// Partner is a checked partner.
type Partner struct {
	Meta
	Slug, Name, ShortName, Kind, Website, Summary, Description string
	Modules                                                    int
}

// Check validates the input.
func (in PartnerInput) Check() (Partner, Errors) {
	var p Partner
	var e Errors
	set(&e, "name", &p.Name)(proseLine(in.Name, "Nom", MaxTitle, true))
	set(&e, "slug", &p.Slug)(slug(in.Slug, p.Name))
	set(&e, "short_name", &p.ShortName)(proseLine(in.ShortName, "Nom court", MaxShortName, false))
	set(&e, "kind", &p.Kind)(oneOf(in.Kind, "Catégorie", catalogue.PartnerKinds, catalogue.PartnerKindLabel))
	set(&e, "website", &p.Website)(webURL(in.Website, "Site web"))
	set(&e, "summary", &p.Summary)(prose(in.Summary, "Résumé", MaxSummary, false))
	set(&e, "description", &p.Description)(prose(in.Description, "Description", MaxDescription, false))
	return p, e
}

// Snapshot is the partner's fields.
func (p Partner) Snapshot() Snapshot {
	return snapshot(EntityPartner, p.Slug, p.Name, p.ShortName, p.Kind, p.Website, p.Summary, p.Description)
}

// Input is the partner as the form shows it.
func (p Partner) Input() PartnerInput {
	return PartnerInput{Slug: p.Slug, Name: p.Name, ShortName: p.ShortName, Kind: p.Kind, Website: p.Website,
		Summary: p.Summary, Description: p.Description}
}

// ---- Audience ----

// AudienceInput is an audience as typed in the form.
type AudienceInput struct{ Slug, Label, Description, Position string }

// Audience is a checked audience.
type Audience struct {
	Meta
	Slug, Label, Description string
	Position                 int
	Links                    int // modules and tracks it is attached to, in lists
}

// Check validates the input.
func (in AudienceInput) Check() (Audience, Errors) {
	var a Audience
	var e Errors
	set(&e, "label", &a.Label)(proseLine(in.Label, "Libellé", MaxAudience, true))
	set(&e, "slug", &a.Slug)(slug(in.Slug, a.Label))
	set(&e, "description", &a.Description)(prose(in.Description, "Description", MaxSummary, false))
	set(&e, "position", &a.Position)(number(in.Position, "Ordre d’affichage", 0, 1000, false))
	return a, e
}

// Snapshot is the audience's fields.
func (a Audience) Snapshot() Snapshot {
	return snapshot(EntityAudience, a.Slug, a.Label, a.Description, itoa(a.Position))
}

// Input is the audience as the form shows it.
func (a Audience) Input() AudienceInput {
	return AudienceInput{Slug: a.Slug, Label: a.Label, Description: a.Description, Position: itoa(a.Position)}
}

// ---- Module ----

// ModuleInput is a module as typed in the form or read from a CSV row. Lists are already split (one objective
// per line in the form, "|" between items in a CSV cell).
type ModuleInput struct {
	Slug, Title, Domain, Partner, Summary string
	Objectives, Outline                   []string
	Duration, Format, Level               string
	Prerequisites, ExternalURL            string
	Keywords, Audiences                   []string
}

// Module is a checked module.
type Module struct {
	Meta
	Slug, Title                string
	DomainID                   int64
	Domain                     string // slug
	DomainTitle                string
	PartnerID                  int64 // 0 when delivered by the Campus
	Partner                    string
	Summary                    string
	Objectives, Outline        []string
	DurationMinutes            int
	Format, Level              string
	Prerequisites, ExternalURL string
	Keywords                   []string
	AudienceIDs                []int64
	Audiences                  []string // slugs
	Sessions                   int      // upcoming sessions, in lists
}

// Check validates the input against the referenced entities; status is the module's (a published module
// needs a visible domain and a published partner).
func (in ModuleInput) Check(refs Refs, status string) (Module, Errors) {
	var m Module
	var e Errors
	set(&e, "title", &m.Title)(proseLine(in.Title, "Titre", MaxTitle, true))
	set(&e, "slug", &m.Slug)(slug(in.Slug, m.Title))
	d, msg := refs.checkDomain(in.Domain, status)
	m.Domain, m.DomainID, m.DomainTitle = strings.TrimSpace(in.Domain), d.ID, d.Title
	e.Add("domain", msg)
	if p := strings.TrimSpace(in.Partner); p != "" {
		m.Partner = p
		switch info, ok := refs.partners[p]; {
		case !ok:
			e.Add("partner", "Partenaire inconnu : « "+p+" ».")
		case info.Status == catalogue.StatusArchived:
			e.Add("partner", "Le partenaire « "+info.Title+" » est archivé : choisissez-en un autre.")
		case status == catalogue.StatusPublished && info.Status != catalogue.StatusPublished:
			e.Add("partner", "Le partenaire « "+info.Title+" » n’est pas publié : un module publié ne peut pas lui être confié.")
		default:
			m.PartnerID = info.ID
		}
	}
	set(&e, "summary", &m.Summary)(prose(in.Summary, "Résumé", MaxSummary, true))
	set(&e, "objectives", &m.Objectives)(proseList(in.Objectives, "Objectifs", MaxListItems, MaxListItem, false))
	set(&e, "outline", &m.Outline)(proseList(in.Outline, "Programme", MaxListItems, MaxListItem, false))
	set(&e, "duration", &m.DurationMinutes)(number(in.Duration, "Durée en minutes", 1, MaxDuration, true))
	set(&e, "format", &m.Format)(oneOf(in.Format, "Format", catalogue.Formats, catalogue.FormatLabel))
	set(&e, "level", &m.Level)(oneOf(in.Level, "Niveau", catalogue.Levels, catalogue.LevelLabel))
	set(&e, "prerequisites", &m.Prerequisites)(prose(in.Prerequisites, "Prérequis", MaxSummary, false))
	set(&e, "external_url", &m.ExternalURL)(webURL(in.ExternalURL, "Lien vers le contenu en ligne"))
	set(&e, "keywords", &m.Keywords)(list(in.Keywords, "Mots-clés", MaxKeywords, MaxKeyword, false))
	as, msg := refs.checkAudiences(in.Audiences)
	e.Add("audiences", msg)
	m.AudienceIDs, m.Audiences = slugsOf(as)
	m.Status = status
	return m, e
}

// Snapshot is the module's fields.
func (m Module) Snapshot() Snapshot {
	return snapshot(EntityModule, m.Slug, m.Title, m.Domain, m.Partner, m.Summary, JoinList(m.Objectives), JoinList(m.Outline),
		itoa(m.DurationMinutes), m.Format, m.Level, m.Prerequisites, m.ExternalURL, JoinList(m.Keywords), JoinList(m.Audiences))
}

// Input is the module as the form shows it.
func (m Module) Input() ModuleInput {
	return ModuleInput{Slug: m.Slug, Title: m.Title, Domain: m.Domain, Partner: m.Partner, Summary: m.Summary,
		Objectives: m.Objectives, Outline: m.Outline, Duration: itoa(m.DurationMinutes), Format: m.Format, Level: m.Level,
		Prerequisites: m.Prerequisites, ExternalURL: m.ExternalURL, Keywords: m.Keywords, Audiences: m.Audiences}
}

// ---- Track ----

// TrackInput is a track or tailored programme as typed in the form.
type TrackInput struct {
	Slug, Title, Domain, Administration, Participants string
	Featured                                          bool
	Summary, Description                              string
	Audiences                                         []string
	// Access is the access list of a restricted programme as typed, one entry per line; Restricted is the
	// stored track's (never typed): the list is read only for a restricted programme.
	Access     string
	Restricted bool
}

// Track is a checked track; with an administration it is a tailored programme.
type Track struct {
	Meta
	Slug, Title           string
	DomainID              int64
	Domain, DomainTitle   string
	Administration        string
	Participants          int
	Featured              bool
	Summary, Description  string
	AudienceIDs           []int64
	Audiences             []string
	Modules               int // in lists
	PublishedModuleTitles []string
	// Restricted: a tailored programme kept out of the public catalogue, shown only to the accounts its
	// Access list opens it to (programme.Viewer.Keys).
	Restricted bool
	Access     []programme.AccessEntry
}

// Tailored reports whether the track is a tailored programme.
func (t Track) Tailored() bool { return t.Administration != "" }

// Check validates the input; status is the track's.
func (in TrackInput) Check(refs Refs, status string) (Track, Errors) {
	var t Track
	var e Errors
	set(&e, "title", &t.Title)(proseLine(in.Title, "Titre", MaxTitle, true))
	set(&e, "slug", &t.Slug)(slug(in.Slug, t.Title))
	d, msg := refs.checkDomain(in.Domain, status)
	t.Domain, t.DomainID, t.DomainTitle = strings.TrimSpace(in.Domain), d.ID, d.Title
	e.Add("domain", msg)
	set(&e, "administration", &t.Administration)(line(in.Administration, "Administration (programme sur mesure)", MaxTitle, false))
	set(&e, "participants", &t.Participants)(number(in.Participants, "Agents formés", 0, 1000000, false))
	if t.Participants > 0 && t.Administration == "" { // (a field keeps its first message: a refused number is told once)
		e.Add("participants", "Le nombre d’agents formés ne concerne que les programmes sur mesure : renseignez l’administration ou laissez 0.")
	}
	t.Featured = in.Featured
	if t.Featured && in.Administration != "" {
		e.Add("featured", "Un programme sur mesure n’est pas mis en avant sur l’accueil : décochez la case.")
	}
	set(&e, "summary", &t.Summary)(prose(in.Summary, "Résumé", MaxSummary, true))
	set(&e, "description", &t.Description)(prose(in.Description, "Description", MaxDescription, false))
	as, msg := refs.checkAudiences(in.Audiences)
	e.Add("audiences", msg)
	t.AudienceIDs, t.Audiences = slugsOf(as)
	if t.Restricted = in.Restricted; t.Restricted {
		set(&e, "access", &t.Access)(programme.ParseAccessList(in.Access))
	}
	t.Status = status
	return t, e
}

// Snapshot is the track's fields.
func (t Track) Snapshot() Snapshot {
	return snapshot(EntityTrack, t.Slug, t.Title, t.Domain, t.Administration, itoa(t.Participants), yesNo(t.Featured),
		t.Summary, t.Description, JoinList(t.Audiences), JoinList(programme.AccessLines(t.Access)))
}

// Input is the track as the form shows it.
func (t Track) Input() TrackInput {
	return TrackInput{Slug: t.Slug, Title: t.Title, Domain: t.Domain, Administration: t.Administration,
		Participants: itoa(t.Participants), Featured: t.Featured, Summary: t.Summary, Description: t.Description, Audiences: t.Audiences,
		Access: strings.Join(programme.AccessLines(t.Access), "\n"), Restricted: t.Restricted}
}

// TrackModule is a module of a track, in order.
type TrackModule struct {
	ID       int64
	Slug     string
	Title    string
	Status   string
	Position int
}

// ---- Session ----

// SessionInput is a session as typed in the form.
type SessionInput struct {
	Module, StartsAt, EndsAt, PlaceName, Address, City, VirtualURL, Capacity, Trainer string
	Approval                                                                          string // checkbox: non-empty when ticked
	HalfDays                                                                          string // checkbox
}

// ModuleChoice is a module a session may be created for.
type ModuleChoice struct {
	ID     int64
	Slug   string
	Title  string
	Format string
	Status string
}

// Person is a user that can be picked (a trainer).
type Person struct {
	ID   int64
	Name string
}

// Session is a checked session.
type Session struct {
	Meta
	Ref                               string
	ModuleID                          int64
	Module, ModuleTitle, ModuleFormat string
	StartsAt, EndsAt                  time.Time
	PlaceName, Address, City          string
	VirtualURL                        string
	Capacity, SeatsTaken              int
	TrainerID                         int64
	Trainer                           string // name
	// ApprovalRequired: enrolments need the line manager's approval (the seat is held meanwhile).
	ApprovalRequired bool
	// HalfDays: attendance is marked per half-day.
	HalfDays bool
}

// Virtual reports whether the session happens in a virtual classroom only.
func (s Session) Virtual() bool { return s.PlaceName == "" }

// SessionRules are what a session's check needs: its module (found by slug), the trainers that may be
// picked, whether the session is being created, the dates it has before an edit (Was), and the time now.
type SessionRules struct {
	Module   func(slug string) (ModuleChoice, bool)
	Trainers []Person
	Creating bool
	Was      struct{ StartsAt, EndsAt time.Time }
	Now      time.Time
}

// Check validates the input.
func (in SessionInput) Check(r SessionRules) (Session, Errors) {
	var s Session
	var e Errors
	if slug := strings.TrimSpace(in.Module); slug == "" {
		e.Add("module", "Choisissez le module de la session.")
	} else if m, ok := r.Module(slug); !ok {
		e.Add("module", "Module inconnu : « "+slug+" ».")
	} else {
		s.ModuleID, s.Module, s.ModuleTitle, s.ModuleFormat = m.ID, m.Slug, m.Title, m.Format
		switch {
		case !r.Creating:
			// The module of a session never changes: only new sessions are checked against it.
		case m.Format == catalogue.FormatOnline:
			e.Add("module", "Le module « "+m.Title+" » est en ligne : il n’a pas de sessions datées.")
		case m.Status == catalogue.StatusArchived:
			e.Add("module", "Le module « "+m.Title+" » est archivé.")
		}
	}
	set(&e, "starts_at", &s.StartsAt)(dateTime(in.StartsAt, "Début"))
	set(&e, "ends_at", &s.EndsAt)(dateTime(in.EndsAt, "Fin"))
	if !s.StartsAt.IsZero() && !s.EndsAt.IsZero() {
		switch {
		case !s.EndsAt.After(s.StartsAt):
			e.Add("ends_at", "La fin doit être après le début.")
		case s.EndsAt.Sub(s.StartsAt) > MaxSessionDays*24*time.Hour:
			e.Add("ends_at", "Une session ne peut pas durer plus de "+itoa(MaxSessionDays)+" jours.")
		}
		moved := !s.StartsAt.Equal(r.Was.StartsAt) || !s.EndsAt.Equal(r.Was.EndsAt)
		switch {
		case r.Creating && !s.StartsAt.After(r.Now):
			e.Add("starts_at", "Le début d’une nouvelle session doit être dans le futur.")
		case !r.Creating && moved && !s.StartsAt.After(r.Now):
			// A session that took place keeps its dates (attendance and attestations rest on them); one that
			// is moved goes to the future, as a new one would.
			e.Add("starts_at", "Une session ne peut être déplacée que dans le futur : choisissez un début après maintenant, ou gardez ses dates.")
		}
	}
	set(&e, "place_name", &s.PlaceName)(proseLine(in.PlaceName, "Lieu", MaxPlace, false))
	set(&e, "address", &s.Address)(proseLine(in.Address, "Adresse", MaxPlace, false))
	set(&e, "city", &s.City)(proseLine(in.City, "Ville", 100, false))
	set(&e, "virtual_url", &s.VirtualURL)(webURL(in.VirtualURL, "Lien de la classe virtuelle"))
	switch {
	case s.PlaceName == "" && s.VirtualURL == "" && (s.Address != "" || s.City != ""):
		e.Add("place_name", "Renseignez le nom du lieu (ou videz l’adresse et la ville pour une classe virtuelle).")
	case s.PlaceName == "" && s.VirtualURL == "":
		e.Add("place_name", "Renseignez un lieu, ou le lien de la classe virtuelle pour une session à distance.")
	case s.PlaceName != "" && s.City == "":
		e.Add("city", "Renseignez la ville du lieu.")
	}
	if s.ModuleFormat == catalogue.FormatInPerson && s.PlaceName == "" && s.VirtualURL != "" {
		e.Add("place_name", "Ce module est en présentiel : renseignez le lieu de la session.")
	}
	set(&e, "capacity", &s.Capacity)(number(in.Capacity, "Capacité", 1, MaxCapacity, true))
	s.ApprovalRequired = in.Approval != ""
	s.HalfDays = in.HalfDays != ""
	if t := strings.TrimSpace(in.Trainer); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		found := false
		for _, p := range r.Trainers {
			if err == nil && p.ID == id {
				s.TrainerID, s.Trainer, found = p.ID, p.Name, true
			}
		}
		if !found {
			e.Add("trainer", "Choisissez un formateur ou une formatrice de la liste.")
		}
	}
	return s, e
}

// Snapshot is the session's fields.
func (s Session) Snapshot() Snapshot {
	return snapshot(EntitySession, s.Module, FormatDateTime(s.StartsAt), FormatDateTime(s.EndsAt), s.PlaceName, s.Address, s.City,
		s.VirtualURL, itoa(s.Capacity), s.Trainer, yesNo(s.ApprovalRequired), yesNo(s.HalfDays))
}

// Input is the session as the form shows it.
func (s Session) Input() SessionInput {
	in := SessionInput{Module: s.Module, StartsAt: FormatDateTime(s.StartsAt), EndsAt: FormatDateTime(s.EndsAt),
		PlaceName: s.PlaceName, Address: s.Address, City: s.City, VirtualURL: s.VirtualURL, Capacity: itoa(s.Capacity)}
	if s.ApprovalRequired {
		in.Approval = "on"
	}
	if s.HalfDays {
		in.HalfDays = "on"
	}
	if s.TrainerID != 0 {
		in.Trainer = strconv.FormatInt(s.TrainerID, 10)
	}
	return in
}

// SessionLabel names a session in lists and the audit log: "Module – 17 mars 2026".
func SessionLabel(moduleTitle string, start time.Time) string {
	return moduleTitle + " – " + catalogue.ShortDate(start)
}
