package templates

import (
	"context"
	"strings"
	"time"

	"campus/internal/account"
	"campus/internal/catalogue"
)

// Viewer is who looks at the page, as the layout shows it (header links, flash message). The web layer puts
// it in the request context once per request (WithViewer), so that no page's view model has to carry it.
type Viewer struct {
	SignedIn bool
	Name     string
	Admin    bool
	Trainer  bool // the trainer role (not an admin's): the header links to the trainer space
	Flash    Flash
}

// Flash is a one-time message shown at the top of the next page (after a redirect).
type Flash struct {
	Kind string // success, info, warning, error
	Text string
}

type viewerKey struct{}

// WithViewer returns a context carrying the viewer for the layout.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer of a request (anonymous when none was set).
func ViewerFrom(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

// LoginView is the sign-in page.
type LoginView struct {
	Page       Page
	Form       FormState
	Next       string
	ProConnect bool // show the ProConnect button
}

// SignUpView is the sign-up page.
type SignUpView struct {
	Page       Page
	Form       FormState
	ProConnect bool
}

// MessageView is a page that says one thing: a link sent, a link expired, an address confirmed.
type MessageView struct {
	Page       Page
	Heading    string
	Kind       string // alert kind: success, info, warning, error
	Title      string // alert title
	Text       string
	Paragraphs []string
	Links      []Crumb // follow-up actions (Label, Href)
}

// ResetRequestView is the "forgotten password" page.
type ResetRequestView struct {
	Page Page
	Form FormState
}

// ResetView is the "choose a new password" page of a reset link.
type ResetView struct {
	Page   Page
	Form   FormState
	Action string
	Email  string
}

// VerifyView is the page of a sign-up's confirmation link: the address is confirmed by whoever also knows the
// account's password, and they are signed in.
type VerifyView struct {
	Page   Page
	Form   FormState
	Action string
	Email  string
}

// EmailChangeConfirmView is the page of the link sent to the new address: the change applies by a button, for
// the account's own session (Own) or with its password (NeedsPassword); a ProConnect account signs in first
// (SignIn leads back to the link).
type EmailChangeConfirmView struct {
	Page          Page
	Form          FormState
	Change        account.EmailChange
	Action        string
	Own           bool
	NeedsPassword bool
	SignIn        string
}

// EmailChangeCancelView is the page of the link sent to the former address: cancel (or undo) a change of
// address and secure the account.
type EmailChangeCancelView struct {
	Page   Page
	Change account.EmailChange
	Action string
}

// ProfileView is the account page.
type ProfileView struct {
	Page     Page
	User     account.User
	Info     FormState // "my information" form
	Email    FormState // "change my address" form
	Password FormState // "change my password" form
	Sessions int       // open sessions of the user
	// PendingEmail is the change of address waiting for its confirmation, if any.
	PendingEmail *account.EmailChange
	// ProConnect: the ProConnect button may be shown; FreshProConnect: this session signed in with ProConnect
	// less than CAMPUS_REAUTH_WINDOW ago, which stands in for the password the account does not have.
	ProConnect, FreshProConnect bool
	ReauthWindow                string // how long the forms stay open after that sign-in, in French ("10 minutes")
}

// DeleteAccountView is the confirmation page of the account deletion.
type DeleteAccountView struct {
	Page Page
	User account.User
	Form FormState
}

// AdminHomeView is the back-office home.
type AdminHomeView struct {
	Page      Page
	Figures   AdminFigures
	Dashboard AdminDashboard // the back-office's part (admin_dashboard.templ)
}

// AdminFigures are the counts of the back-office home.
type AdminFigures struct {
	Users, Verified, ProConnect, Agents, Trainers, Admins, NewUsers7Days int
	Modules, PublishedModules, Tracks, UpcomingSessions                  int
	MailsPending, MailsFailed                                            int
}

// DevMail is one mail of the outbox on the development page.
type DevMail struct {
	ID        int64
	Kind      string
	To        string
	Subject   string
	Body      string
	Link      string
	CreatedAt time.Time
	SentAt    *time.Time
	Attempts  int
	LastError string
}

// DevMailsView is the development page listing the outbox.
type DevMailsView struct {
	Page   Page
	Filter string
	Mails  []DevMail
}

func roleLabel(r string) string { return account.RoleLabel(r) }

func dateTime(t time.Time) string {
	return catalogue.ShortDate(t) + " à " + catalogue.Clock(t)
}

func lines(s string) []string { return strings.Split(s, "\n") }
