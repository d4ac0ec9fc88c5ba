package admin

import (
	"strconv"
	"strings"
)

// The CSV exports of the catalogue: one table per kind, the columns named as in the import (French, no
// accents), lists joined with "|", statuses in French.

// DomainsCSV is the table of domains.
func DomainsCSV(ds []Domain) ([]string, [][]string) {
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, []string{d.Slug, d.Title, CSVStatus(d.Status), itoa(d.Position), d.Summary, d.Description})
	}
	return []string{"slug", "titre", "statut", "ordre", "resume", "description"}, rows
}

// PartnersCSV is the table of partners.
func PartnersCSV(ps []Partner) ([]string, [][]string) {
	rows := make([][]string, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, []string{p.Slug, p.Name, p.ShortName, p.Kind, CSVStatus(p.Status), p.Website, p.Summary, p.Description})
	}
	return []string{"slug", "nom", "nom_court", "categorie", "statut", "site_web", "resume", "description"}, rows
}

// AudiencesCSV is the table of audiences.
func AudiencesCSV(as []Audience) ([]string, [][]string) {
	rows := make([][]string, 0, len(as))
	for _, a := range as {
		rows = append(rows, []string{a.Slug, a.Label, CSVStatus(a.Status), itoa(a.Position), a.Description})
	}
	return []string{"slug", "libelle", "statut", "ordre", "description"}, rows
}

// ModulesCSV is the table of modules, in the import's format.
func ModulesCSV(ms []Module) ([]string, [][]string) {
	rows := make([][]string, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, m.CSVRecord())
	}
	return ModuleColumns, rows
}

// TrackRow is a track with the slugs of its modules in order, for the export.
type TrackRow struct {
	Track
	ModuleSlugs []string
}

// TracksCSV is the table of tracks and tailored programmes.
func TracksCSV(ts []TrackRow) ([]string, [][]string) {
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		kind := "parcours"
		if t.Tailored() {
			kind = "programme sur mesure"
		}
		rows = append(rows, []string{t.Slug, t.Title, kind, t.Domain, CSVStatus(t.Status), t.Administration, itoa(t.Participants),
			yesNo(t.Featured), t.Summary, t.Description, strings.Join(t.ModuleSlugs, ListSep), strings.Join(t.Audiences, ListSep)})
	}
	return []string{"slug", "titre", "type", "domaine", "statut", "administration", "agents_formes", "mis_en_avant", "resume",
		"description", "modules", "publics"}, rows
}

// SessionsCSV is the table of sessions.
func SessionsCSV(ss []Session) ([]string, [][]string) {
	rows := make([][]string, 0, len(ss))
	for _, s := range ss {
		rows = append(rows, []string{s.Ref, s.Module, FormatDateTime(s.StartsAt), FormatDateTime(s.EndsAt), s.PlaceName, s.Address,
			s.City, s.VirtualURL, itoa(s.Capacity), itoa(s.SeatsTaken), s.Trainer, StatusLabel(s.Status), strconv.FormatInt(s.ID, 10)})
	}
	return []string{"reference", "module", "debut", "fin", "lieu", "adresse", "ville", "classe_virtuelle", "capacite", "places_prises",
		"formateur", "etat", "id"}, rows
}
