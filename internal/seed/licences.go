package seed

import "fmt"

// LicencePool is a pool of partner licences the State bought for its agents; Grants are its purchases (the
// pool's size is their sum). The seed gives a new pool the calendar year of its first loading as validity.
type LicencePool struct {
	Slug        string
	Partner     string // partner slug
	Name        string
	Description string
	Grants      []LicenceGrant
}

// LicenceGrant is one purchase of licences.
type LicenceGrant struct {
	Quantity int
	Label    string
}

// LicencePools are the pools of the Campus: 100,000 Pix licences then 20,000 more, 600 OpenClassrooms ones.
var LicencePools = []LicencePool{
	{Slug: "pix-agents-publics", Partner: "pix", Name: "Certification Pix des agents publics",
		Description: "Une licence Pix donne accès aux parcours d’évaluation et à la certification des compétences numériques " +
			"(cadre européen DigComp) sur la plateforme Pix, pour l’année.",
		Grants: []LicenceGrant{{100_000, "Dotation initiale"}, {20_000, "Complément de l’année"}}},
	{Slug: "openclassrooms-agents-publics", Partner: "openclassrooms", Name: "Parcours OpenClassrooms",
		Description: "Une licence OpenClassrooms ouvre l’accès aux cours et aux parcours en ligne de la plateforme, avec " +
			"attestation de réussite, pour l’année.",
		Grants: []LicenceGrant{{600, "Dotation de l’année"}}},
}

func (c Catalogue) validateLicencePools(partners map[string]bool) error {
	seen := map[string]bool{}
	for _, p := range c.LicencePools {
		switch {
		case !slugRE.MatchString(p.Slug) || seen[p.Slug]:
			return fmt.Errorf("licence pool %q: bad or duplicate slug", p.Slug)
		case !partners[p.Partner]:
			return fmt.Errorf("licence pool %q: unknown partner %q", p.Slug, p.Partner)
		case p.Name == "" || len(p.Grants) == 0:
			return fmt.Errorf("licence pool %q: a name and at least one grant are required", p.Slug)
		}
		for _, g := range p.Grants {
			if g.Quantity <= 0 {
				return fmt.Errorf("licence pool %q: a grant must be positive", p.Slug)
			}
		}
		seen[p.Slug] = true
	}
	return nil
}
