package templates

import (
	"net/url"
	"strconv"
	"time"

	"campus/internal/admin"
	"campus/internal/catalogue"
)

// View models of the back-office pages (templates/admin_*.templ).

// AdminEdit is what every edit page of a catalogue entity shows above and around its form.
type AdminEdit struct {
	Entity      string // admin.Entity*
	ID          int64  // 0 on the creation page
	Title       string // the entity's title, "" on the creation page
	Action      string // where the form posts
	Version     int
	Status      string
	Transitions []admin.Transition
	StatusURL   string // where a transition posts
	PreviewURL  string
	PublicURL   string // the public page, when it is visible there
	HistoryURL  string
	Form        FormState
	Conflict    *AdminConflict
}

// New reports whether the page creates the entity.
func (e AdminEdit) New() bool { return e.ID == 0 }

// AdminConflict is shown when the form was saved from a stale version: what the other admin saved, field by
// field, against what this admin typed.
type AdminConflict struct {
	By      string
	At      time.Time
	Changes []admin.Change // Before: stored now; After: typed
}

// AdminDomainsView lists the domains.
type AdminDomainsView struct {
	Page    Page
	Domains []admin.Domain
}

// AdminDomainView is the form of a domain.
type AdminDomainView struct {
	Page Page
	Edit AdminEdit
}

// AdminPartnersView lists the partners.
type AdminPartnersView struct {
	Page     Page
	Partners []admin.Partner
}

// AdminPartnerView is the form of a partner.
type AdminPartnerView struct {
	Page Page
	Edit AdminEdit
}

// AdminAudiencesView lists the audiences.
type AdminAudiencesView struct {
	Page      Page
	Audiences []admin.Audience
}

// AdminAudienceView is the form of an audience.
type AdminAudienceView struct {
	Page Page
	Edit AdminEdit
}

// AdminModulesView lists a page of modules with its filters.
type AdminModulesView struct {
	Page     Page
	Modules  []admin.Module
	Domains  []Option
	Status   string
	Domain   string
	Query    string
	Total    int
	Pager    Pager
	Filtered bool
}

// AdminModuleView is the form of a module.
type AdminModuleView struct {
	Page      Page
	Edit      AdminEdit
	Domains   []Option
	Partners  []Option
	Audiences []Option
	Sessions  []admin.Session // upcoming, on the edit page
}

// AdminTracksView lists the tracks or the tailored programmes.
type AdminTracksView struct {
	Page     Page
	Tailored bool
	Tracks   []admin.Track
}

// AdminTrackView is the form of a track, with its modules in order.
type AdminTrackView struct {
	Page       Page
	Edit       AdminEdit
	Tailored   bool
	Domains    []Option
	Audiences  []Option
	Modules    []admin.TrackModule
	Addable    []Option
	AddForm    FormState
	ModulesURL string
	// Restricted: a restricted programme, whose form has its access list ("access").
	Restricted bool
}

// AdminSessionsView lists a page of sessions.
type AdminSessionsView struct {
	Page      Page
	Sessions  []admin.Session
	Period    string
	Module    string // slug filter
	NoTrainer bool
	Modules   []Option
	Total     int
	Pager     Pager
}

// AdminSessionView is the form of a session.
type AdminSessionView struct {
	Page       Page
	Edit       AdminEdit
	Modules    []Option // creation: the modules to pick from
	Trainers   []Option
	Session    admin.Session // edit: the stored session (module, seats)
	RosterURL  string
	Capacity   bool // the capacity field is part of this form (creation)
	Extensions []AdminAction
	// Editing a scheduled session that has not started: its capacity and its cancellation, each its own form.
	CanChange    bool
	CapacityForm FormState
	CancelForm   FormState
}

// AdminAction is a link or a button to another back-office page about the same thing.
type AdminAction struct {
	Label string
	Href  string
}

// AdminJournalView is the audit log with its filters.
type AdminJournalView struct {
	Page     Page
	Entries  []admin.AuditEntry
	Entity   string
	EntityID string
	Actor    string
	From, To string
	Entities []Option
	Actors   []Option
	Total    int
	Pager    Pager
	Form     FormState
}

// AdminImportView is the import/export page, with the dry run of an uploaded file.
type AdminImportView struct {
	Page     Page
	Form     FormState
	Filename string
	Plan     *admin.Plan
	Token    string // applies the plan
	Applied  bool
	Exports  []AdminAction
	Columns  []string
}

// AdminDashboard is the back-office's part of the /admin home: the catalogue by status, this month's sessions
// and what waits for an admin.
type AdminDashboard struct {
	Month    string // "mars 2026"
	Counts   []AdminCountRow
	Sessions int // this month's sessions, cancelled ones included
	Seats    int // seats taken this month
	Capacity int
	// Watch are this month's sessions not ended nor cancelled that need a look (no trainer, under half full, or
	// full), at most DashboardWatch, by date; WatchMore counts the others.
	Watch     []admin.Session
	WatchMore int
	Pending   []admin.Pending
}

// DashboardWatch is how many sessions to watch the dashboard lists (the rest are on the sessions page).
const DashboardWatch = 12

// AdminCountRow is one kind of the catalogue, counted by status.
type AdminCountRow struct {
	Label, Href                        string
	Draft, Coming, Published, Archived int
	HasComing                          bool
}

// FillRate is the seats taken over the capacity, as a whole percentage.
func FillRate(taken, capacity int) int {
	if capacity <= 0 {
		return 0
	}
	return (taken*100 + capacity/2) / capacity
}

// Pager is a DSFR pagination (templ pagination): the current page, the last, and how to link to a page — Link
// when set, else Path with the query Base and page=n.
type Pager struct {
	Page, Last int
	Base       url.Values // the query without the page
	Path       string
	Link       func(n int) string
}

// Href links to page n.
func (p Pager) Href(n int) string {
	if p.Link != nil {
		return p.Link(n)
	}
	q := url.Values{}
	for k, v := range p.Base {
		q[k] = v
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if e := q.Encode(); e != "" {
		return p.Path + "?" + e
	}
	return p.Path
}

// Pages lists the page numbers to show around the current one (0 stands for an ellipsis).
func (p Pager) Pages() []int {
	var out []int
	for n := 1; n <= p.Last; n++ {
		if n == 1 || n == p.Last || (n >= p.Page-2 && n <= p.Page+2) {
			out = append(out, n)
		} else if len(out) > 0 && out[len(out)-1] != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func adminStatusLabel(s string) string { return admin.StatusLabel(s) }

func adminBadgeClass(s string) string {
	switch s {
	case catalogue.StatusPublished, "scheduled":
		return "fr-badge fr-badge--sm fr-badge--success"
	case catalogue.StatusComing:
		return "fr-badge fr-badge--sm fr-badge--new"
	case catalogue.StatusArchived, "cancelled":
		return "fr-badge fr-badge--sm fr-badge--error"
	}
	return "fr-badge fr-badge--sm fr-badge--info"
}

func adminEntityLabel(e string) string { return admin.EntityLabel(e) }

func adminActionLabel(a string) string { return admin.ActionLabel(a) }

func adminPlace(s admin.Session) string {
	switch {
	case s.PlaceName == "":
		return "Classe virtuelle"
	case s.VirtualURL != "":
		return s.PlaceName + ", " + s.City + " (et à distance)"
	}
	return s.PlaceName + ", " + s.City
}

func adminSpan(a, b time.Time) string { return catalogue.Span(a, b) }

// emptyDash shows "—" for an empty value in tables.
func adminDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
