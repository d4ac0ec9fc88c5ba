package enrolment

import (
	"net/mail"
	"strings"
	"time"

	"campus/internal/catalogue"
)

// Line-manager approval ("accord du supérieur hiérarchique"). In a session that requires it, a free seat is
// held (status Held, counted in the seats taken) while the manager the agent named decides: approved → Confirmed;
// refused or not answered before the hold expires → Cancelled (ReasonRefused, ReasonExpired) and the seat goes
// to the waitlist in the same transaction. An agent promoted from the waitlist of such a session is held in
// turn, and their manager asked then. The manager decides from a single-use link sent by mail (no account
// needed) or, when they have a Campus account with that address proven, from "Les demandes de mon équipe".

// Decisions of an approval request.
const (
	DecisionPending   = ""
	DecisionApproved  = "approved"
	DecisionRefused   = "refused"
	DecisionExpired   = "expired"
	DecisionWithdrawn = "withdrawn" // the agent cancelled, or the session was cancelled
)

// Time rules of approvals.
const (
	// DefaultApprovalHold is how long a seat is held for the manager's answer (CAMPUS_APPROVAL_HOLD).
	DefaultApprovalHold = 7 * 24 * time.Hour
	// ApprovalReminderLead: the manager is reminded this long before the hold expires (or half-way through a
	// shorter hold).
	ApprovalReminderLead = 48 * time.Hour
	// MaxApprovalMessage bounds the manager's message.
	MaxApprovalMessage = 2000
)

// Refusal codes of approvals.
const (
	CodeManagerRequired = "manager_required"
	CodeManagerInvalid  = "manager_invalid"
	CodeApprovalDone    = "approval_done"
	CodeApprovalExpired = "approval_expired"
)

// Approval is a request for a manager's approval of a held enrolment.
type Approval struct {
	ID           int64
	EnrolmentID  int64
	ManagerEmail string
	RequestedAt  time.Time
	ExpiresAt    time.Time
	RemindedAt   *time.Time
	Decision     string
	DecidedAt    *time.Time
	Message      string
}

// Pending reports whether the manager has not decided yet.
func (a Approval) Pending() bool { return a.Decision == DecisionPending }

// DecisionLabel is the French label of a decision.
func DecisionLabel(d string) string {
	switch d {
	case DecisionPending:
		return "En attente de réponse"
	case DecisionApproved:
		return "Accordée"
	case DecisionRefused:
		return "Refusée"
	case DecisionExpired:
		return "Expirée sans réponse"
	case DecisionWithdrawn:
		return "Retirée"
	}
	return d
}

// ApprovalRequest is what a manager sees of a request: the approval and the enrolment (agent, module, session).
type ApprovalRequest struct {
	Approval  Approval
	Enrolment Enrolment
}

// HoldUntil is when a seat held at now expires: after hold, but never after the session's start.
func HoldUntil(now, start time.Time, hold time.Duration) time.Time {
	if hold <= 0 {
		hold = DefaultApprovalHold
	}
	if until := now.Add(hold); until.Before(start) {
		return until
	}
	return start
}

// ReminderDue is when the manager is reminded of a request made at requested that expires at expires.
func ReminderDue(requested, expires time.Time) time.Time {
	lead := ApprovalReminderLead
	if half := expires.Sub(requested) / 2; half < lead {
		lead = half
	}
	return expires.Add(-lead)
}

// CheckManagerEmail checks the manager's address an agent typed (already trimmed): required in a session that
// requires approval, a valid address, not the agent's own.
func CheckManagerEmail(agentEmail, manager string) error {
	switch {
	case manager == "":
		return ErrManagerRequired
	case !validAddress(manager):
		return ErrManagerInvalid
	case strings.EqualFold(manager, agentEmail):
		return ErrManagerIsAgent
	}
	return nil
}

func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254 && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// CheckDecision says whether a manager may decide on a request at now.
func CheckDecision(a Approval, e Enrolment, now time.Time) error {
	switch {
	case a.Decision != DecisionPending:
		return ErrApprovalDecided.With(strings.ToLower(DecisionLabel(a.Decision)))
	case e.Status != Held:
		return ErrApprovalNotHeld.With(strings.ToLower(StatusLabel(e.Status)))
	case !now.Before(a.ExpiresAt):
		return ErrApprovalExpired.With(catalogue.ShortDate(a.ExpiresAt), catalogue.Clock(a.ExpiresAt))
	}
	return nil
}

// CleanMessage trims the manager's message and checks its length.
func CleanMessage(s string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if n := len([]rune(s)); n > MaxApprovalMessage {
		return s, ErrApprovalTooLong.With(n, MaxApprovalMessage)
	}
	return s, nil
}
