// Package seed holds the reference catalogue of the Campus du numérique public and loads it idempotently.
package seed

// Domain is a thematic domain of the catalogue.
type Domain struct {
	Slug        string
	Title       string
	Summary     string // one sentence, shown on cards
	Description string // a paragraph or two, shown on the domain page
	Status      string // "published" or "coming" (announced, not enrollable)
	Position    int
}

// Partner delivers modules: a public school, an international body or a platform.
type Partner struct {
	Slug        string
	Name        string
	ShortName   string
	Kind        string // "ecole", "international", "plateforme", "administration"
	Summary     string
	Description string
	Website     string
}

// Audience is who a module or track is meant for.
type Audience struct {
	Slug        string
	Label       string
	Description string
	Position    int
}

// Venue is where an in-person or hybrid module takes place.
type Venue struct {
	Name    string // e.g. "Campus du numérique public – Ségur"
	Address string // street address
	City    string
}

// Module is one unit of training.
type Module struct {
	Slug            string // readable French slug, unique
	Domain          string // domain slug
	Partner         string // partner slug ("" when delivered by the Campus itself)
	Title           string
	Summary         string   // 1–2 sentences
	Objectives      []string // "À la fin, vous saurez…" — 3 to 5 items, each starting with a verb
	Outline         []string // programme outline — 4 to 7 items
	DurationMinutes int      // total duration
	Format          string   // "en_ligne", "presentiel", "hybride"
	Level           string   // "decouverte", "intermediaire", "avance"
	Audiences       []string // audience slugs
	Prerequisites   string   // "Aucun" or a sentence
	ExternalURL     string   // for online partner content (https://…), "" otherwise
	Venue           *Venue   // required for "presentiel" and "hybride"
	Capacity        int      // seats per dated session, for "presentiel" and "hybride"
	Keywords        []string // extra search terms (synonyms, acronyms)
}

// Track (parcours) orders modules; a tailored programme is a track built for a named administration.
type Track struct {
	Slug           string
	Domain         string // main domain slug
	Title          string
	Summary        string
	Description    string
	Modules        []string // module slugs, in order
	Audiences      []string // audience slugs
	Featured       bool
	Administration string // non-empty for a tailored programme (programme sur mesure)
	Participants   int    // tailored programmes: how many agents followed it (e.g. 200 directors)
}
