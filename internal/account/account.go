// Package account holds the rules of user accounts: roles, the password policy and hashing, single-use
// tokens, and the validation of what a person types about themselves. No HTTP, no SQL.
package account

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"campus/internal/apperr"
)

// Roles. A trainer is also an agent; an admin may do everything.
const (
	RoleAgent   = "agent"
	RoleTrainer = "trainer"
	RoleAdmin   = "admin"
)

// Roles lists the roles from the least to the most privileged.
var Roles = []string{RoleAgent, RoleTrainer, RoleAdmin}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

func rank(r string) int {
	for i, x := range Roles {
		if x == r {
			return i
		}
	}
	return -1
}

// Demotes reports whether going from role from to role to takes privileges away.
func Demotes(from, to string) bool { return rank(to) < rank(from) }

// RoleLabel is the French label of a role.
func RoleLabel(r string) string {
	switch r {
	case RoleAgent:
		return "Agent"
	case RoleTrainer:
		return "Formateur ou formatrice"
	case RoleAdmin:
		return "Administrateur ou administratrice"
	}
	return r
}

// User is an account of the portal.
type User struct {
	ID              int64
	Email           string
	EmailVerifiedAt *time.Time
	HasPassword     bool
	GivenName       string
	UsualName       string
	Administration  string
	Role            string
	ProConnectSub   string // empty when the account never signed in with ProConnect
	ProConnectUID   string
	SIRET           string
	SessionEpoch    int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	LastLoginAt     *time.Time
	// DataVersion changes with anything of the user's own pages (enrolments, licences, calendar feed): a
	// cached copy of those pages is current while it is the same (migration 00008).
	DataVersion int64
}

// Verified reports whether the user has confirmed their email address.
func (u User) Verified() bool { return u.EmailVerifiedAt != nil }

// Has reports whether the user's role grants role: an admin has every role, a trainer is also an agent.
func (u User) Has(role string) bool {
	want := rank(role)
	return want >= 0 && rank(u.Role) >= want
}

// DisplayName is how the portal names the user: "Prénom Nom", or the email when no name is known.
func (u User) DisplayName() string {
	if n := strings.TrimSpace(u.GivenName + " " + u.UsualName); n != "" {
		return n
	}
	return u.Email
}

// Limits of the fields a person types about themselves (in characters).
const (
	MaxEmail          = 254
	MaxName           = 100
	MaxAdministration = 200
)

// emailPattern accepts the addresses people actually use: a dot-atom local part and a domain of letters,
// digits and hyphens with a top-level domain of two letters or more.
var emailPattern = regexp.MustCompile(`^[a-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// NormalizeEmail trims and lower-cases an address, the form under which it is stored and compared.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Mailbox is the mailbox a (normalized) address delivers to, for counting the mails sent to it: the address
// without the sub-address of its local part (« prenom.nom+campus@… » is « prenom.nom@… »), which most mail
// services deliver to the same box. Only for counting: mails go to the address as typed.
func Mailbox(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if base, _, tagged := strings.Cut(local, "+"); ok && tagged && base != "" {
		return base + "@" + domain
	}
	return email
}

// CheckEmail returns a French message when the (normalized) address is not acceptable, or "".
func CheckEmail(email string) string {
	switch {
	case email == "":
		return "Saisissez votre adresse électronique."
	case !utf8.ValidString(email):
		return "L’adresse électronique contient des caractères non valides."
	case utf8.RuneCountInString(email) > MaxEmail:
		return "L’adresse électronique ne doit pas dépasser 254 caractères."
	case !strings.Contains(email, "@"):
		return "L’adresse électronique doit contenir le caractère @, par exemple prenom.nom@ministere.gouv.fr."
	}
	local, _, _ := strings.Cut(email, "@")
	if len(local) > 64 || !emailPattern.MatchString(email) {
		return "Saisissez une adresse électronique valide, par exemple prenom.nom@ministere.gouv.fr."
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

// Profile is what a user may change about themselves at once. The address is not part of it: a new address
// is a request (EmailChange) that takes effect once proven.
type Profile struct {
	GivenName      string
	UsualName      string
	Administration string
}

// EmailChange is a request to change an account's address. It is pending until the link sent to the new
// address is opened; the old address is told and may cancel it while pending, and undo it for
// EmailRevertWindow after it was confirmed.
type EmailChange struct {
	ID          int64
	UserID      int64
	OldEmail    string
	NewEmail    string
	RequestedAt time.Time
	ExpiresAt   time.Time  // of the confirmation link
	ConfirmedAt *time.Time // nil while pending
}

// Pending reports whether the change still waits for the new address to be proven.
func (c EmailChange) Pending() bool { return c.ConfirmedAt == nil }

// EmailRevertWindow is how long after a confirmed change of address the old address may undo it. Meanwhile no
// other change can be asked (it would move the address the undo link restores from), and the old address stays
// the account's to take back.
const EmailRevertWindow = 7 * 24 * time.Hour

// ErrIdentityConflict: the ProConnect address belongs to an account already linked to another identity.
var ErrIdentityConflict = &apperr.Refusal{Code: "account_identity_conflict", Message: "L’adresse %s est déjà liée à une autre identité ProConnect. Contactez l’équipe du Campus."}

// ChangeTooSoonError refuses a change of address while an earlier one can still be undone, until Until.
type ChangeTooSoonError struct{ Until time.Time }

func (e *ChangeTooSoonError) Error() string {
	return "un changement d’adresse récent peut encore être annulé jusqu’au " + e.Until.Format(time.RFC3339)
}

// Export is everything the portal keeps about a user, for the "download my data" right (RGPD art. 15 and 20).
type Export struct {
	GeneratedAt time.Time      `json:"genere_le"`
	Account     ExportAccount  `json:"compte"`
	Mails       []ExportMail   `json:"courriels_envoyes"`
	Extra       map[string]any `json:"autres_donnees,omitempty"`
}

// ExportAccount is the account part of an export.
type ExportAccount struct {
	Email             string     `json:"adresse_electronique"`
	EmailVerifiedAt   *time.Time `json:"adresse_confirmee_le"`
	GivenName         string     `json:"prenom"`
	UsualName         string     `json:"nom"`
	Administration    string     `json:"administration"`
	Role              string     `json:"role"`
	PasswordSet       bool       `json:"mot_de_passe_defini"`
	ProConnectLinked  bool       `json:"compte_proconnect_lie"`
	ProConnectSubject string     `json:"identifiant_proconnect,omitempty"`
	SIRET             string     `json:"siret,omitempty"`
	CreatedAt         time.Time  `json:"cree_le"`
	UpdatedAt         time.Time  `json:"modifie_le"`
	LastLoginAt       *time.Time `json:"derniere_connexion_le"`
}

// ExportMail is a mail the portal sent (or will send) to the user; its body is left out (it holds links).
type ExportMail struct {
	Subject   string     `json:"objet"`
	CreatedAt time.Time  `json:"cree_le"`
	SentAt    *time.Time `json:"envoye_le"`
}

// ExternalIdentity is a person as ProConnect describes them, after the tokens were verified.
type ExternalIdentity struct {
	Subject   string // "sub": stable identifier at ProConnect
	Email     string // normalized
	GivenName string
	UsualName string
	UID       string
	SIRET     string
}

// Truncate cuts s to at most max characters (not bytes).
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max])
}
