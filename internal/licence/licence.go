// Package licence holds the rules of partner licences (Pix, OpenClassrooms, any future partner): pools with a
// size and a validity period, optional per-administration quotas, agents' requests served in order, and the
// import of licence codes or activation links. No HTTP, no SQL.
package licence

import (
	"campus/internal/apperr"
	"time"
)

// Statuses of a request: waiting → allocated → revoked; a waiting request may be cancelled by its agent.
const (
	StatusWaiting   = "waiting"
	StatusAllocated = "allocated"
	StatusRevoked   = "revoked"
	StatusCancelled = "cancelled"
)

// StatusLabel is the French label of a request's status.
func StatusLabel(s string) string {
	switch s {
	case StatusWaiting:
		return "En attente"
	case StatusAllocated:
		return "Attribuée"
	case StatusRevoked:
		return "Retirée"
	case StatusCancelled:
		return "Annulée"
	}
	return s
}

// Limits of what an administrator types.
const (
	MaxName        = 200
	MaxDescription = 2000
	MaxSize        = 10_000_000
	MaxCode        = 100
	MaxURL         = 500
	MaxImportRows  = 200_000
)

// Refusals of the allocation rules (their messages are the back-office's; the agent's pages say more).
var (
	ErrPoolFull     = &apperr.Refusal{Code: "licence_pool_full", Message: "Le lot n’a plus de licence libre : ajoutez des licences ou retirez-en une."}
	ErrQuotaFull    = &apperr.Refusal{Code: "licence_quota_full", Message: "Le quota de l’administration de cet agent est atteint : relevez-le d’abord."}
	ErrPoolClosed   = &apperr.Refusal{Code: "licence_pool_closed", Message: "Le lot n’est pas dans sa période de validité."}
	ErrNotWaiting   = &apperr.Refusal{Code: "licence_not_waiting", Message: "Cette demande n’est plus en attente."}
	ErrNotAllocated = &apperr.Refusal{Code: "licence_not_allocated", Message: "Cette licence n’est plus attribuée."}
	ErrAlreadyHas   = &apperr.Refusal{Code: "licence_already_has", Message: "Cet agent a déjà une licence de ce lot."}
	// ErrUnverified: licences go only to accounts whose address is proven.
	ErrUnverified = &apperr.Refusal{Code: "licence_unverified", Message: "Le compte de cette adresse n’a pas confirmé son adresse électronique : une licence ne peut pas lui être attribuée."}
	// ErrNotPublicAgent: the partners' licences are for public agents (ProConnect, or a confirmed address of a
	// public-sector mail domain: postgres.PublicSectorDomains).
	ErrNotPublicAgent = &apperr.Refusal{Code: "licence_not_public_agent", Message: "Les licences sont réservées aux agents publics : ce compte n’est pas celui d’un agent public."}
	// ErrQuotaBelowUsage: a quota may not be set below the licences already allocated to the administration.
	ErrQuotaBelowUsage = &apperr.Refusal{Code: "licence_quota_below_usage", Field: "quota", Message: "Le quota ne peut pas être inférieur aux %d licences déjà attribuées à cette administration."}
)

// Pool is a set of licences bought from a partner for a period.
type Pool struct {
	ID          int64
	Slug        string
	PartnerID   int64
	PartnerSlug string
	PartnerName string
	Name        string
	Description string
	Size        int
	Allocated   int
	ValidFrom   time.Time // first day
	ValidUntil  time.Time // last day, included
	Waiting     int       // requests waiting (when loaded)
	Codes       int       // codes or links imported (when loaded)
	FreeCodes   int       // imported and not handed out (when loaded)
}

// Free is how many licences can still be allocated.
func (p Pool) Free() int { return max(p.Size-p.Allocated, 0) }

// Period of a pool relative to a day.
const (
	PeriodComing  = "coming"
	PeriodOpen    = "open"
	PeriodExpired = "expired"
)

// Period says whether day (a date in Paris) is before, within or after the pool's validity.
func (p Pool) Period(day time.Time) string {
	d := dateOnly(day)
	switch {
	case d.Before(dateOnly(p.ValidFrom)):
		return PeriodComing
	case d.After(dateOnly(p.ValidUntil)):
		return PeriodExpired
	}
	return PeriodOpen
}

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// PeriodLabel is the French label of a period.
func PeriodLabel(p string) string {
	switch p {
	case PeriodComing:
		return "À venir"
	case PeriodOpen:
		return "Ouvert"
	case PeriodExpired:
		return "Expiré"
	}
	return p
}

// Grant is a purchase of licences added to a pool.
type Grant struct {
	Quantity  int
	Label     string
	CreatedAt time.Time
}

// Quota caps the licences of one administration in a pool.
type Quota struct {
	Administration string
	Key            string
	Quota          int
	Allocated      int
}

// Usage is what one administration uses of a pool.
type Usage struct {
	Administration string // as the agents typed it (the most frequent spelling)
	Key            string
	Allocated      int
	Waiting        int
	Quota          int // -1 when no quota applies
}

// Request is an agent's request for a licence of a pool.
type Request struct {
	ID             int64
	PoolID         int64
	PoolName       string
	PartnerName    string
	PartnerSlug    string
	ValidUntil     time.Time
	UserID         int64
	UserName       string
	UserEmail      string
	Administration string
	Status         string
	Position       int // 1 for the first waiting request of the pool; 0 unless waiting
	RequestedAt    time.Time
	AllocatedAt    *time.Time
	EndedAt        *time.Time
	EndReason      string
	Code           string
	ActivationURL  string
}

// Open reports whether the request waits or holds a licence.
func (r Request) Open() bool { return r.Status == StatusWaiting || r.Status == StatusAllocated }

// NewPool is what an administrator types to create a pool.
type NewPool struct {
	PartnerID   int64
	Name        string
	Description string
	Size        int // the first grant
	GrantLabel  string
	ValidFrom   time.Time
	ValidUntil  time.Time
}
