package seed

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Catalogue is the whole reference catalogue.
type Catalogue struct {
	Domains   []Domain
	Partners  []Partner
	Audiences []Audience
	Modules   []Module
	Tracks    []Track // including tailored programmes (Administration set)
	// LicencePools are the partner licences offered to agents (licences.go).
	LicencePools []LicencePool
}

// Reference returns the catalogue written for the portal.
func Reference() Catalogue {
	return Catalogue{
		Domains:      Domains,
		Partners:     Partners,
		Audiences:    Audiences,
		Modules:      referenceModules,
		Tracks:       slices.Concat(referenceTracks, referenceProgrammes),
		LicencePools: LicencePools,
	}
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks every reference and value the database would refuse, so a bad edit of the seed is caught
// by a unit test with a precise message rather than by a constraint error at load time.
func (c Catalogue) Validate() error {
	domains := map[string]string{}
	for _, d := range c.Domains {
		if !slugRE.MatchString(d.Slug) || domains[d.Slug] != "" {
			return fmt.Errorf("domain %q: bad or duplicate slug", d.Slug)
		}
		domains[d.Slug] = d.Status
	}
	partners := map[string]bool{}
	for _, p := range c.Partners {
		if !slugRE.MatchString(p.Slug) || partners[p.Slug] {
			return fmt.Errorf("partner %q: bad or duplicate slug", p.Slug)
		}
		partners[p.Slug] = true
	}
	audiences := map[string]bool{}
	for _, a := range c.Audiences {
		audiences[a.Slug] = true
	}
	modules := map[string]bool{}
	for _, m := range c.Modules {
		switch {
		case !slugRE.MatchString(m.Slug) || modules[m.Slug]:
			return fmt.Errorf("module %q: bad or duplicate slug", m.Slug)
		case domains[m.Domain] != "published":
			return fmt.Errorf("module %q: domain %q is unknown or not open", m.Slug, m.Domain)
		case m.Partner != "" && !partners[m.Partner]:
			return fmt.Errorf("module %q: unknown partner %q", m.Slug, m.Partner)
		case m.Title == "" || m.Summary == "" || len(m.Objectives) == 0 || len(m.Outline) == 0:
			return fmt.Errorf("module %q: title, summary, objectives and outline are required", m.Slug)
		case m.DurationMinutes <= 0:
			return fmt.Errorf("module %q: duration must be positive", m.Slug)
		case !slices.Contains([]string{"en_ligne", "presentiel", "hybride"}, m.Format):
			return fmt.Errorf("module %q: unknown format %q", m.Slug, m.Format)
		case !slices.Contains([]string{"decouverte", "intermediaire", "avance"}, m.Level):
			return fmt.Errorf("module %q: unknown level %q", m.Slug, m.Level)
		case m.Format != "en_ligne" && (m.Venue == nil || m.Venue.City == "" || m.Capacity <= 0):
			return fmt.Errorf("module %q: a dated module needs a venue and a capacity", m.Slug)
		case m.Format == "en_ligne" && !strings.HasPrefix(m.ExternalURL, "https://"):
			// An agent enrolled in an online module must reach its content.
			return fmt.Errorf("module %q: an online module needs its content link (https://)", m.Slug)
		}
		for _, a := range m.Audiences {
			if !audiences[a] {
				return fmt.Errorf("module %q: unknown audience %q", m.Slug, a)
			}
		}
		modules[m.Slug] = true
	}
	tracks := map[string]bool{}
	for _, t := range c.Tracks {
		switch {
		case !slugRE.MatchString(t.Slug) || tracks[t.Slug] || modules[t.Slug]:
			return fmt.Errorf("track %q: bad or duplicate slug", t.Slug)
		case domains[t.Domain] != "published":
			return fmt.Errorf("track %q: domain %q is unknown or not open", t.Slug, t.Domain)
		case len(t.Modules) == 0:
			return fmt.Errorf("track %q: no module", t.Slug)
		}
		seen := map[string]bool{}
		for _, m := range t.Modules {
			if !modules[m] || seen[m] {
				return fmt.Errorf("track %q: unknown or repeated module %q", t.Slug, m)
			}
			seen[m] = true
		}
		for _, a := range t.Audiences {
			if !audiences[a] {
				return fmt.Errorf("track %q: unknown audience %q", t.Slug, a)
			}
		}
		tracks[t.Slug] = true
	}
	return c.validateLicencePools(partners)
}

// SessionDays lays out a dated session of a module lasting minutes, from the first suitable day on or after day
// (Paris time): one day per 7 hours of training (the French training day), on consecutive working days —
// Tuesday to Thursday for up to three days, from Monday for four or five —, each day from 9 h 30 with the same
// hours, so that the days add up to the duration (a lunch hour from 12 h 30 on days longer than four hours).
// It returns the first day's start and the last day's end.
func SessionDays(day time.Time, minutes int) (start, end time.Time) {
	days := max((minutes+419)/420, 1)
	first, last := time.Tuesday, time.Thursday
	if days > 3 {
		first, last = time.Monday, time.Friday
	}
	for day.Weekday() < first || int(day.Weekday())+days-1 > int(last) {
		day = day.AddDate(0, 0, 1)
	}
	perDay := (minutes + days - 1) / days
	if perDay > 240 {
		perDay += 60 // lunch
	}
	start = time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, day.Location())
	lastDay := start.AddDate(0, 0, days-1)
	end = lastDay.Add(time.Duration(perDay) * time.Minute)
	return start, end
}
