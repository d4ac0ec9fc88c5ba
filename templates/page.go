// Package templates holds the templ components of the portal: the DSFR layout, one small component per DSFR
// element, then the pages. Handlers pass typed view models; nothing here queries anything.
package templates

import (
	"net/url"
	"strconv"
	"time"

	"campus/internal/catalogue"
	"campus/static"
)

// SiteName is the service's name, shown in the header and in every title.
const SiteName = "Campus du numérique public"

// Crumb is one step of the breadcrumb; the last one is the current page (no link).
type Crumb struct {
	Label string
	Href  string
}

// currentHref is the address of the breadcrumb's last item: its own, or else the path of the page's canonical URL.
func currentHref(c Crumb, canonical string) string {
	if c.Href != "" {
		return c.Href
	}
	if u, err := url.Parse(canonical); err == nil && canonical != "" {
		if u.RawQuery != "" {
			return u.Path + "?" + u.RawQuery
		}
		return u.Path
	}
	return ""
}

// Page is what the layout needs from every page.
type Page struct {
	Title       string // unique per page; the layout appends the site name
	Description string
	Crumbs      []Crumb // without "Accueil", added by the layout
	Nav         string  // key of the active main navigation entry
	Canonical   string  // absolute URL of the page, when known; with it the link-preview tags (Open Graph, Twitter)
	Image       string  // absolute URL of the link-preview image
	JSONLD      []any   // schema.org descriptions of the page, each its own JSON-LD script in the head
}

// DefaultDescription describes the Campus on pages that have no description of their own.
const DefaultDescription = "Le Campus du numérique public forme les agents publics aux compétences numériques : " +
	"catalogue de modules et de parcours, sessions, programmes sur mesure."

// Desc is the page's description, or the Campus's.
func (p Page) Desc() string {
	if p.Description == "" {
		return DefaultDescription
	}
	return p.Description
}

// ShareTitle is the title of the page's link preview: its own title without the site name (given apart as
// og:site_name), the site name for the home page.
func (p Page) ShareTitle() string {
	if p.Title == "" || p.Title == "Accueil" {
		return SiteName
	}
	return p.Title
}

// FullTitle is the document title.
func (p Page) FullTitle() string {
	if p.Title == "" {
		return SiteName
	}
	return p.Title + " | " + SiteName
}

// navCurrent is the aria-current of the main navigation's entry of the page's section: "page" on the section's
// own page, "true" on a page inside it (a module under "Domaines").
func (p Page) navCurrent(item navItem) string {
	if u, err := url.Parse(p.Canonical); err == nil && u.Path == item.Href {
		return "page"
	}
	return "true"
}

type navItem struct {
	Key, Label, Href string
}

var mainNav = []navItem{
	{"accueil", "Accueil", "/"},
	{"catalogue", "Catalogue", "/catalogue"},
	{"domaines", "Domaines", "/domaines"},
	{"parcours", "Parcours", "/parcours"},
	{"programmes", "Programmes sur mesure", "/programmes-sur-mesure"},
	{"partenaires", "Partenaires", "/partenaires"},
	{"formateurs", "Devenir formateur", "/devenir-formateur"},
	{"bilan", "Bilan", "/bilan"},
}

// campusNav are the main navigation's entries about the Campus itself rather than its training offer: the
// footer lists them under "Le Campus", not "Se former".
var campusNav = map[string]bool{"formateurs": true, "bilan": true}

func asset(name string) string { return static.Path(name) }

func itoa(n int) string { return strconv.Itoa(n) }

// idText is an id as the templates write it in a URL or a form value.
func idText(id int64) string { return strconv.FormatInt(id, 10) }

// agree is one or many without the number, as a count's label: agree(1, "session à venir", "sessions à venir").
func agree(n int, one, many string) string {
	if n <= 1 {
		return one
	}
	return many
}

// count is a quantity the French way (catalogue.Count): "3\u202f445".
func count(n int) string { return catalogue.Count(n) }

// longDateTime is a moment the French way, in Paris time: "mardi 3 février 2026 à 9 h 30".
func longDateTime(t time.Time) string { return catalogue.Date(t) + " à " + catalogue.Clock(t) }

// plural is catalogue.Plural: plural(2, "module", "modules") is "2 modules".
func plural(n int, one, many string) string { return catalogue.Plural(n, one, many) }

func formatLabel(f string) string { return catalogue.FormatLabel(f) }
func levelLabel(l string) string  { return catalogue.LevelLabel(l) }
func duration(m int) string       { return catalogue.Duration(m) }

func formatIcon(f string) string {
	switch f {
	case catalogue.FormatOnline:
		return "fr-icon-computer-line"
	case catalogue.FormatInPerson:
		return "fr-icon-map-pin-2-line"
	}
	return "fr-icon-team-line"
}
