// Package trainer holds the rules of the call for trainers (devenir formateur): applications, their review
// (accept, decline, ask for more) as explicit transitions, the trainers' profiles and their community. The
// Campus counts about fifty occasional trainers: more than twenty paid agents of the administrations and some
// thirty external trainers "d'intérêt général". No HTTP, no SQL.
package trainer

import (
	"time"

	"campus/internal/apperr"
	"campus/internal/programme"
)

// Kinds of trainers.
const (
	KindInternal = "interne" // an agent of an administration, paid for the sessions they give
	KindExternal = "externe" // an external trainer, "d'intérêt général"
)

// Kinds lists the kinds in the order the form shows them.
var Kinds = []string{KindInternal, KindExternal}

// KindLabel is the French label of a kind.
func KindLabel(k string) string {
	switch k {
	case KindInternal:
		return "Formateur interne (agent public, rémunéré)"
	case KindExternal:
		return "Formateur externe (d’intérêt général)"
	}
	return k
}

// KindShortLabel is the label of a kind in tables and charts.
func KindShortLabel(k string) string {
	switch k {
	case KindInternal:
		return "Internes"
	case KindExternal:
		return "Externes"
	}
	return k
}

// Statuses of an application.
const (
	StatusReceived = "recue"      // to review
	StatusMoreInfo = "complement" // the team asked the applicant for more; their answer brings it back to received
	StatusAccepted = "acceptee"   // final: the applicant is a trainer
	StatusDeclined = "refusee"    // final
)

// Statuses lists the statuses in the order of the review queue's tabs.
var Statuses = []string{StatusReceived, StatusMoreInfo, StatusAccepted, StatusDeclined}

// StatusLabel is the French label of a status.
func StatusLabel(s string) string {
	switch s {
	case StatusReceived:
		return "À examiner"
	case StatusMoreInfo:
		return "Précisions demandées"
	case StatusAccepted:
		return "Acceptée"
	case StatusDeclined:
		return "Refusée"
	}
	return s
}

// Decisions an administrator takes on an application.
const (
	DecisionAccept  = "accepter"
	DecisionDecline = "refuser"
	DecisionAsk     = "demander-precisions"
)

// DecisionLabel is the French label of a decision.
func DecisionLabel(d string) string {
	switch d {
	case DecisionAccept:
		return "Accepter la candidature"
	case DecisionDecline:
		return "Refuser la candidature"
	case DecisionAsk:
		return "Demander des précisions"
	}
	return d
}

// ErrTransition: the application's status does not allow this change (decided already, or a stale page).
var ErrTransition = &apperr.Refusal{Code: "trainer_transition", Message: "Cette candidature a changé entre-temps : rechargez la page."}

// Next returns the status a decision leads to from a status, or ErrTransition. An application under review
// (received, or waiting for more information) may be accepted, declined or questioned; a decided one is final.
func Next(from, decision string) (string, error) {
	if from != StatusReceived && from != StatusMoreInfo {
		return "", ErrTransition
	}
	switch decision {
	case DecisionAccept:
		return StatusAccepted, nil
	case DecisionDecline:
		return StatusDeclined, nil
	case DecisionAsk:
		return StatusMoreInfo, nil
	}
	return "", ErrTransition
}

// Decisions lists the decisions possible from a status.
func Decisions(from string) []string {
	var out []string
	for _, d := range []string{DecisionAccept, DecisionAsk, DecisionDecline} {
		if _, err := Next(from, d); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// CanReply reports whether the applicant may answer a request for more information.
func CanReply(status string) bool { return status == StatusMoreInfo }

// Limits of what an applicant types (in characters).
const (
	MaxName         = 100
	MaxOrganisation = 200
	MaxJobTitle     = 200
	MaxText         = 4000
)

// Application is an application to the call for trainers.
type Application struct {
	ID           int64
	Email        string
	GivenName    string
	UsualName    string
	Kind         string
	Organisation string // administration or organisation
	JobTitle     string
	Domains      []Ref  // domains of expertise
	Expertise    string // what they know, their experience
	Modules      string // modules they could give or propose
	Availability string
	Community    bool // agrees to appear in the community's counts
	Status       string
	UserID       int64 // the trainer's account once accepted
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DecidedAt    *time.Time
	Events       []Event // when loaded, oldest first
}

// Name is "Prénom Nom".
func (a Application) Name() string { return a.GivenName + " " + a.UsualName }

// Ref names a domain; Event is one step of an application's history (Actor "" for the applicant, Message sent to
// the applicant or the applicant's answer). They are the records of the tailored programmes' workflow.
type (
	Ref   = programme.Ref
	Event = programme.Event
)

// Community counts the trainers who agreed to appear, by kind and by domain.
type Community struct {
	Total    int
	ByKind   []Count // internal then external
	ByDomain []Count // domains in catalogue order, with at least one trainer
}

// Count is a labelled number.
type Count struct {
	Key   string
	Label string
	N     int
}

// Profile is a trainer's profile, from their accepted application.
type Profile struct {
	UserID       int64
	Kind         string
	Organisation string
	Community    bool
	Domains      []Ref
}
