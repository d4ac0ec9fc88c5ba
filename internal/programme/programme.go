// Package programme holds the rules of the Campus's tailored programmes (programmes sur mesure): an
// administration's request and its workflow — reçue → en étude → proposée → acceptée / déclinée — as explicit
// transitions; an accepted request becomes a tailored programme, public or restricted to that administration's
// agents. It also holds the text helpers the programmes share (administration keys, slugs). No HTTP, no SQL.
package programme

import (
	"time"

	"campus/internal/apperr"
	"campus/internal/catalogue"
)

// Statuses of a request.
const (
	StatusReceived = "recue"
	StatusStudy    = "en_etude"
	StatusProposed = "proposee"
	StatusAccepted = "acceptee"
	StatusDeclined = "declinee"
)

// Statuses lists the statuses in workflow order.
var Statuses = []string{StatusReceived, StatusStudy, StatusProposed, StatusAccepted, StatusDeclined}

// StatusLabel is the French label of a status.
func StatusLabel(s string) string {
	switch s {
	case StatusReceived:
		return "Reçue"
	case StatusStudy:
		return "En étude"
	case StatusProposed:
		return "Proposée"
	case StatusAccepted:
		return "Acceptée"
	case StatusDeclined:
		return "Déclinée"
	}
	return s
}

// The requester's answers to a proposal (AnswerProgrammeRequest).
const (
	AnswerAccept  = "accepte"
	AnswerChanges = "modifications"
	AnswerDecline = "decline"
)

// AnswerLabel is the French label of an answer, as the history shows it.
func AnswerLabel(a string) string {
	switch a {
	case AnswerAccept:
		return "Proposition acceptée par le demandeur"
	case AnswerChanges:
		return "Modifications demandées par le demandeur"
	case AnswerDecline:
		return "Proposition déclinée par le demandeur"
	}
	return a
}

// Refusals of the workflow of requests.
var (
	// ErrAnswered: the proposal already has the requester's answer.
	ErrAnswered = &apperr.Refusal{Code: "programme_answered", Message: "Cette proposition a déjà reçu une réponse."}
	// ErrTransition: the change is not allowed from the request's status (a stale page, a forged form).
	ErrTransition = &apperr.Refusal{Code: "programme_transition", Message: "Cette demande a changé entre-temps : rechargez la page."}
	// ErrUnknownModule: a proposal names a module that does not exist or is not published.
	ErrUnknownModule = &apperr.Refusal{Code: "programme_unknown_module", Field: "modules", Message: "Un des modules choisis n’est plus publié : rechargez la page et choisissez à nouveau."}
	// Ordering a proposal's modules: only while it waits for the answer, and within its ends.
	ErrProposalAnswered = &apperr.Refusal{Code: "programme_proposal_order_closed", Message: "L’ordre des modules ne change que tant que la proposition attend la réponse de l’administration."}
	ErrProposalFirst    = &apperr.Refusal{Code: "programme_proposal_first", Message: "Ce module est déjà le premier de la proposition."}
	ErrProposalLast     = &apperr.Refusal{Code: "programme_proposal_last", Message: "Ce module est déjà le dernier de la proposition."}
)

// Final reports whether a status ends the workflow.
func Final(s string) bool { return s == StatusAccepted || s == StatusDeclined }

// Transition is a change of status an administrator may make.
type Transition struct {
	To    string
	Label string
}

var transitions = map[string][]Transition{
	StatusReceived: {{StatusStudy, "Mettre à l’étude"}, {StatusDeclined, "Décliner la demande"}},
	StatusStudy:    {{StatusProposed, "Envoyer une proposition"}, {StatusDeclined, "Décliner la demande"}},
	StatusProposed: {{StatusAccepted, "Enregistrer l’acceptation"}, {StatusStudy, "Reprendre l’étude"}, {StatusDeclined, "Décliner la demande"}},
}

// Transitions lists the changes possible from a status.
func Transitions(from string) []Transition { return transitions[from] }

// CanTransition reports whether a request may go from one status to another.
func CanTransition(from, to string) bool {
	for _, t := range transitions[from] {
		if t.To == to {
			return true
		}
	}
	return false
}

// Limits of what is typed (in characters).
const (
	MaxAdministration = 200
	MaxName           = 200
	MaxPhone          = 30
	MaxRole           = 200
	MaxText           = 4000
	MaxTitle          = 200
	MaxHeadcount      = 1_000_000
	MaxModules        = 30
)

// Request is an administration's request for a tailored programme.
type Request struct {
	ID              int64
	Administration  string
	ContactName     string
	ContactEmail    string
	ContactPhone    string
	ContactRole     string
	Need            string
	Audience        string // who the programme is for, in the administration's words
	Audiences       []Ref  // the catalogue's audiences it concerns
	Headcount       int
	Domains         []Ref
	Timing          string
	Status          string
	ProposalTitle   string
	Proposal        string
	Modules         []Ref // the proposal's modules, in order
	Track           *Ref  // the programme created at acceptance
	TrackRestricted bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Events          []Event // when loaded, oldest first
	Answer          string  // the requester's answer to the current proposal (Answer*), "" when none
	AnsweredAt      *time.Time
}

// Ref names a catalogue entry (and a trainer's domain: trainer.Ref).
type Ref struct {
	ID    int64
	Slug  string
	Title string
}

// Event is one step of a request's workflow (and of a trainer's application: trainer.Event).
type Event struct {
	At      time.Time
	Actor   string // the administrator, or "" for the requester (the applicant)
	From    string
	To      string
	Message string // sent to the contact and shown on the follow-up page (or the contact's answer)
	Note    string // internal
}

// Change is an administrator's change of a request's status, with what it needs.
type Change struct {
	To       string
	Message  string  // to the contact
	Note     string  // internal
	Title    string  // proposing: the programme's title
	Proposal string  // proposing: the proposal's text (the message is the mail's)
	Modules  []int64 // proposing: the modules, in order
	Public   bool    // accepting: shown in the public catalogue, otherwise only to the administration's agents
}

// Check returns a French message per field when the change lacks what its target status needs.
func (c Change) Check() map[string]string {
	errs := map[string]string{}
	if c.To == StatusProposed {
		if c.Title == "" {
			errs["title"] = "Renseignez le titre du programme proposé."
		}
		if c.Proposal == "" {
			errs["proposal"] = "Décrivez la proposition."
		}
		if len(c.Modules) == 0 {
			errs["modules"] = "Choisissez au moins un module pour le programme."
		}
		if len(c.Modules) > MaxModules {
			errs["modules"] = "Un programme compte au plus 30 modules."
		}
	}
	if (c.To == StatusDeclined || c.To == StatusProposed) && c.Message == "" {
		errs["message"] = "Écrivez le message envoyé à l’administration."
	}
	return errs
}

// Programme is a tailored programme restricted to an administration's agents, as they see it.
type Programme struct {
	Slug           string
	Title          string
	Summary        string
	Description    string
	Administration string
	Modules        []catalogue.ModuleCard
}
