package admin

import "campus/internal/catalogue"

// StatusLabel is the French label of a status.
func StatusLabel(s string) string {
	switch s {
	case catalogue.StatusDraft:
		return "Brouillon"
	case catalogue.StatusPublished:
		return "Publié"
	case catalogue.StatusComing:
		return "À venir"
	case catalogue.StatusArchived:
		return "Archivé"
	case "scheduled":
		return "Programmée"
	case "cancelled":
		return "Annulée"
	}
	return s
}

// Statuses lists the statuses an entity may have, in lifecycle order.
func Statuses(entity string) []string {
	if entity == EntityDomain {
		return []string{catalogue.StatusDraft, catalogue.StatusComing, catalogue.StatusPublished, catalogue.StatusArchived}
	}
	return []string{catalogue.StatusDraft, catalogue.StatusPublished, catalogue.StatusArchived}
}

// Transition is a change of status an admin may ask for.
type Transition struct {
	To    string
	Label string // the button
}

// moves are the allowed transitions: draft → published → archived, archived back to draft to rework it; a
// domain may also be announced ("à venir") before it opens.
var moves = map[string][]string{
	catalogue.StatusDraft:     {catalogue.StatusPublished, catalogue.StatusArchived},
	catalogue.StatusPublished: {catalogue.StatusArchived},
	catalogue.StatusArchived:  {catalogue.StatusDraft},
}

var domainMoves = map[string][]string{
	catalogue.StatusDraft:     {catalogue.StatusPublished, catalogue.StatusComing, catalogue.StatusArchived},
	catalogue.StatusComing:    {catalogue.StatusPublished, catalogue.StatusArchived},
	catalogue.StatusPublished: {catalogue.StatusArchived},
	catalogue.StatusArchived:  {catalogue.StatusDraft},
}

func transitionLabel(to string) string {
	switch to {
	case catalogue.StatusPublished:
		return "Publier"
	case catalogue.StatusComing:
		return "Annoncer (à venir)"
	case catalogue.StatusArchived:
		return "Archiver"
	case catalogue.StatusDraft:
		return "Remettre en brouillon"
	}
	return to
}

// Transitions lists the changes of status allowed from a status.
func Transitions(entity, from string) []Transition {
	m := moves
	if entity == EntityDomain {
		m = domainMoves
	}
	var out []Transition
	for _, to := range m[from] {
		out = append(out, Transition{To: to, Label: transitionLabel(to)})
	}
	return out
}

// Deps is what a change of status depends on, read by the store in the same transaction.
type Deps struct {
	DomainStatus     string // module, track: the status of its domain
	DomainTitle      string
	PartnerStatus    string // module: the status of its partner ("" when delivered by the Campus)
	PartnerName      string
	PublishedModules int  // domain, partner: published modules in it or delivered by it
	PublishedTracks  int  // domain: published tracks in it
	Links            int  // audience: modules and tracks it is attached to
	Restricted       bool // track: a restricted tailored programme
}

// CheckTransition tells whether an entity may go from one status to another; the refusal says in French what
// to do first.
func CheckTransition(entity, from, to string, d Deps) error {
	if from == to {
		return ErrSameStatus.With(StatusLabel(to))
	}
	allowed := false
	for _, t := range Transitions(entity, from) {
		allowed = allowed || t.To == to
	}
	if !allowed {
		return ErrTransition.With(StatusLabel(from), StatusLabel(to))
	}
	visible := func(s string) bool { return s == catalogue.StatusPublished || s == catalogue.StatusComing }
	switch entity {
	case EntityModule, EntityTrack:
		if to == catalogue.StatusPublished && d.Restricted {
			return ErrRestrictedPublish
		}
		if to == catalogue.StatusPublished && !visible(d.DomainStatus) {
			return ErrDomainFirst.With(d.DomainTitle, StatusLabel(d.DomainStatus))
		}
		if entity == EntityModule && to == catalogue.StatusPublished && d.PartnerStatus != "" && d.PartnerStatus != catalogue.StatusPublished {
			return ErrPartnerFirst.With(d.PartnerName, StatusLabel(d.PartnerStatus))
		}
	case EntityDomain:
		if to == catalogue.StatusArchived && d.PublishedModules+d.PublishedTracks > 0 {
			return ErrDomainInUse.With(d.PublishedModules, d.PublishedTracks)
		}
	case EntityPartner:
		if to == catalogue.StatusArchived && d.PublishedModules > 0 {
			return ErrPartnerInUse.With(d.PublishedModules)
		}
	case EntityAudience:
		if to != catalogue.StatusPublished && d.Links > 0 {
			return ErrAudienceInUse.With(d.Links)
		}
	}
	return nil
}
