package web

import (
	"strconv"

	"campus/internal/catalogue"
	"campus/templates"
)

// The schema.org descriptions of the public pages (JSON-LD, rendered in the head by the layout from
// Page.JSONLD): the breadcrumb of every page that has one (Server.page), the Campus and its search on the home
// page, a Course for each module, track and tailored programme.

const schemaOrg = "https://schema.org"

// breadcrumbJSONLD is the page's breadcrumb as a BreadcrumbList: Accueil, then the crumbs, the last one being
// the page itself (its canonical URL).
func breadcrumbJSONLD(base, canonical string, crumbs []templates.Crumb) map[string]any {
	items := []map[string]any{{"@type": "ListItem", "position": 1, "name": "Accueil", "item": base + "/"}}
	for i, c := range crumbs {
		url := base + c.Href
		if i == len(crumbs)-1 || c.Href == "" {
			url = canonical
		}
		item := map[string]any{"@type": "ListItem", "position": i + 2, "name": c.Label}
		if url != "" { // none for a page without a canonical URL (privateLink): the last item may go without
			item["item"] = url
		}
		items = append(items, item)
	}
	return map[string]any{"@context": schemaOrg, "@type": "BreadcrumbList", "itemListElement": items}
}

// campusOrganization is the Campus itself.
func campusOrganization(base string) map[string]any {
	return map[string]any{"@type": "EducationalOrganization", "@id": base + "/#campus", "name": templates.SiteName,
		"url": base + "/", "description": templates.DefaultDescription,
		"parentOrganization": map[string]any{"@type": "GovernmentOrganization",
			"name": "Direction interministérielle du numérique (DINUM)", "url": "https://www.numerique.gouv.fr"}}
}

// homeJSONLD describes the Campus (EducationalOrganization) and the portal (WebSite) with its catalogue search
// (SearchAction).
func homeJSONLD(base string) []any {
	org := campusOrganization(base)
	org["@context"] = schemaOrg
	return []any{org, map[string]any{
		"@context": schemaOrg, "@type": "WebSite", "@id": base + "/#site", "name": templates.SiteName,
		"url": base + "/", "inLanguage": "fr", "publisher": map[string]any{"@id": base + "/#campus"},
		"potentialAction": map[string]any{"@type": "SearchAction",
			"target":      map[string]any{"@type": "EntryPoint", "urlTemplate": base + "/catalogue?q={search_term_string}"},
			"query-input": "required name=search_term_string"},
	}}
}

// provider is who gives a module: its partner, else the Campus.
func provider(base string, partner catalogue.Ref) map[string]any {
	if partner.Slug == "" {
		return map[string]any{"@type": "EducationalOrganization", "name": templates.SiteName, "url": base + "/"}
	}
	return map[string]any{"@type": "Organization", "name": partner.Title, "url": base + "/partenaires/" + partner.Slug}
}

// freeOffer says a training costs nothing (Google's Course rich results ask for an offer and its category).
var freeOffer = []map[string]any{{"@type": "Offer", "category": "Free", "price": 0, "priceCurrency": "EUR"}}

// trackJSONLD describes a track or a tailored programme as a Course made of its modules (hasPart).
func trackJSONLD(base, canonical string, t catalogue.Track) map[string]any {
	course := map[string]any{
		"@context": schemaOrg, "@type": "Course", "name": t.Title, "description": t.Summary, "url": canonical,
		"inLanguage": "fr", "isAccessibleForFree": true, "offers": freeOffer,
		"provider": provider(base, catalogue.Ref{}), "timeRequired": isoDuration(t.DurationMinutes),
		"about": map[string]any{"@type": "Thing", "name": t.Domain.Title, "url": base + "/domaines/" + t.Domain.Slug},
	}
	if t.Tailored() {
		course["audience"] = map[string]any{"@type": "Audience", "audienceType": t.Administration}
	}
	parts := []map[string]any{}
	for _, m := range t.Modules {
		parts = append(parts, map[string]any{"@type": "Course", "name": m.Title, "description": m.Summary,
			"url": base + "/modules/" + m.Slug, "provider": provider(base, m.Partner),
			"timeRequired": isoDuration(m.DurationMinutes)})
	}
	course["hasPart"] = parts
	return course
}

// courseJSONLD describes a module as a schema.org Course: free (offers), what it teaches (one entry per
// objective), and its instances: the self-paced online one with its workload, or its dated sessions with their
// schedule, workload and location (the place, and a VirtualLocation for online and hybrid sessions, which
// points to the module's page: the classroom's own link is not public).
func courseJSONLD(base string, m catalogue.Module) map[string]any {
	mode := map[string]string{catalogue.FormatOnline: "online", catalogue.FormatInPerson: "onsite", catalogue.FormatHybrid: "blended"}[m.Format]
	url := base + "/modules/" + m.Slug
	course := map[string]any{
		"@context":            schemaOrg,
		"@type":               "Course",
		"name":                m.Title,
		"description":         m.Summary,
		"url":                 url,
		"inLanguage":          "fr",
		"isAccessibleForFree": true,
		"offers":              freeOffer,
		"educationalLevel":    catalogue.LevelLabel(m.Level),
		"timeRequired":        isoDuration(m.DurationMinutes),
		"provider":            provider(base, m.Partner),
	}
	if len(m.Objectives) > 0 {
		course["teaches"] = m.Objectives
	}
	if len(m.Keywords) > 0 {
		course["keywords"] = m.Keywords
	}
	workload := isoDuration(m.DurationMinutes)
	var instances []map[string]any
	if m.Format == catalogue.FormatOnline {
		in := map[string]any{"@type": "CourseInstance", "courseMode": mode, "courseWorkload": workload}
		where := url
		if m.ExternalURL != "" {
			where = m.ExternalURL
		}
		in["location"] = map[string]any{"@type": "VirtualLocation", "url": where}
		instances = append(instances, in)
	}
	for _, x := range m.Sessions {
		start, end := x.StartsAt.In(catalogue.Paris), x.EndsAt.In(catalogue.Paris)
		in := map[string]any{"@type": "CourseInstance", "courseMode": mode, "courseWorkload": workload,
			"startDate": start.Format("2006-01-02T15:04:05-07:00"), "endDate": end.Format("2006-01-02T15:04:05-07:00"),
			"courseSchedule": map[string]any{"@type": "Schedule", "scheduleTimezone": "Europe/Paris",
				"startDate": start.Format("2006-01-02"), "endDate": end.Format("2006-01-02"),
				"startTime": start.Format("15:04"), "endTime": end.Format("15:04"),
				"repeatCount": 1, "repeatFrequency": "P1D", "duration": isoDuration(int(x.EndsAt.Sub(x.StartsAt).Minutes()))},
			"maximumAttendeeCapacity": x.Capacity, "remainingAttendeeCapacity": x.SeatsLeft()}
		var locations []map[string]any
		if x.PlaceName != "" {
			locations = append(locations, map[string]any{"@type": "Place", "name": x.PlaceName,
				"address": map[string]any{"@type": "PostalAddress", "streetAddress": x.Address, "addressLocality": x.City, "addressCountry": "FR"}})
		}
		if x.Virtual() || x.VirtualURL != "" {
			// The classroom's link is for the enrolled agents only (as on the page and in the open data): the
			// virtual location is the module's page, where they enrol.
			locations = append(locations, map[string]any{"@type": "VirtualLocation", "url": url})
		}
		if len(locations) == 1 {
			in["location"] = locations[0]
		} else {
			in["location"] = locations
		}
		instances = append(instances, in)
	}
	if len(instances) > 0 {
		course["hasCourseInstance"] = instances
	}
	return course
}

// isoDuration is an ISO 8601 duration: PT1H30M.
func isoDuration(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case m == 0:
		return "PT" + strconv.Itoa(h) + "H"
	case h == 0:
		return "PT" + strconv.Itoa(m) + "M"
	}
	return "PT" + strconv.Itoa(h) + "H" + strconv.Itoa(m) + "M"
}
