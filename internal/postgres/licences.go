package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/licence"
	"campus/internal/mail"
	"campus/internal/programme"
	"campus/internal/seed"
)

// Licences. Every decision on a pool (a request, an allocation, a revocation, a quota, a grant, an import) is
// taken in one transaction that first locks the pool's row: decisions on a pool are taken one at a time, so the
// waiting queue is served exactly in order and a freed licence never misses a waiting request committed just
// before. Allocations are still conditional UPDATEs (… WHERE allocated + n <= size) under CHECK constraints,
// so that no code path can over-allocate a pool or a quota.

// licenceMails builds the mails of licence events. A nil function sends no mail for that event.
type licenceMails struct {
	Allocated func(licence.Request) mail.Message // a licence was allocated (with its code when there is one)
	CodeReady func(licence.Request) mail.Message // the code of an earlier allocation has just been imported
	Revoked   func(licence.Request) mail.Message // an administrator took the licence back
}

// licenceMails are the mails of licence events, composed with the store's mails (their links to the agent's
// licences).
func (s *Store) licenceMails() licenceMails {
	link := s.mails.Link("/mes-licences")
	info := func(r licence.Request) mail.Licence {
		return mail.Licence{Partner: r.PartnerName, Pool: r.PoolName, ValidUntil: catalogue.ShortDate(r.ValidUntil),
			Code: r.Code, URL: r.ActivationURL}
	}
	return licenceMails{
		Allocated: func(r licence.Request) mail.Message {
			return mail.LicenceAllocated(r.UserEmail, r.UserName, info(r), link)
		},
		CodeReady: func(r licence.Request) mail.Message {
			return mail.LicenceCodeReady(r.UserEmail, r.UserName, info(r), link)
		},
		Revoked: func(r licence.Request) mail.Message {
			return mail.LicenceRevoked(r.UserEmail, r.UserName, info(r), r.EndReason, link)
		},
	}
}

const poolColumns = `lp.id, lp.slug, lp.partner_id, p.slug, p.name, lp.name, lp.description, lp.size, lp.allocated,
	lp.valid_from, lp.valid_until`

func scanPool(row pgx.Row, p *licence.Pool, extra ...any) error {
	return row.Scan(append([]any{&p.ID, &p.Slug, &p.PartnerID, &p.PartnerSlug, &p.PartnerName, &p.Name, &p.Description,
		&p.Size, &p.Allocated, &p.ValidFrom, &p.ValidUntil}, extra...)...)
}

// Entities and actions of the programmes in the back-office's audit log.
const (
	auditLicencePool    = "licence_pool"
	auditLicenceRequest = "licence_request"
	auditGrant          = "grant"
	auditQuota          = "quota"
	auditAllocate       = "allocate"
	auditRevoke         = "revoke"
)

func auditInt(n int) string { return strconv.Itoa(n) }

// nullID is NULL for 0 (no acting user: the system, a test).
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// today is the current day in Paris, the day validity periods are compared with.
func today() time.Time { return time.Now().In(catalogue.Paris) }

// lockPool locks a pool's row for the rest of the transaction and returns it.
func lockPool(ctx context.Context, tx pgx.Tx, id int64) (licence.Pool, error) {
	var p licence.Pool
	err := scanPool(tx.QueryRow(ctx, `SELECT `+poolColumns+` FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id
		WHERE lp.id = $1 FOR UPDATE OF lp`, id), &p)
	return p, notFound(err)
}

const requestColumns = `r.id, r.pool_id, lp.name, p.name, p.slug, lp.valid_until, r.user_id,
	trim(u.given_name || ' ' || u.usual_name), u.email, r.administration, r.status,
	CASE WHEN r.status = 'waiting' THEN (SELECT count(*) FROM licence_requests w
	  WHERE w.pool_id = r.pool_id AND w.status = 'waiting' AND w.id <= r.id) ELSE 0 END,
	r.requested_at, r.allocated_at, r.ended_at, r.end_reason, coalesce(c.code, ''), coalesce(c.activation_url, '')`

const requestFrom = ` FROM licence_requests r
	JOIN licence_pools lp ON lp.id = r.pool_id
	JOIN partners p ON p.id = lp.partner_id
	JOIN users u ON u.id = r.user_id
	LEFT JOIN licence_codes c ON c.request_id = r.id`

func scanRequest(row pgx.CollectableRow) (licence.Request, error) {
	var r licence.Request
	err := row.Scan(&r.ID, &r.PoolID, &r.PoolName, &r.PartnerName, &r.PartnerSlug, &r.ValidUntil, &r.UserID, &r.UserName,
		&r.UserEmail, &r.Administration, &r.Status, &r.Position, &r.RequestedAt, &r.AllocatedAt, &r.EndedAt, &r.EndReason,
		&r.Code, &r.ActivationURL)
	return r, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryRequests(ctx context.Context, q querier, where string, args ...any) ([]licence.Request, error) {
	rows, err := q.Query(ctx, `SELECT `+requestColumns+requestFrom+` WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanRequest)
}

func requestByID(ctx context.Context, q querier, id int64) (licence.Request, error) {
	rs, err := queryRequests(ctx, q, `r.id = $1`, id)
	if err != nil {
		return licence.Request{}, err
	}
	if len(rs) == 0 {
		return licence.Request{}, apperr.ErrNotFound
	}
	return rs[0], nil
}

// serveQueue allocates the pool's free licences to the waiting requests, in order, skipping (without
// blocking the queue) those whose administration's quota is full; then hands out imported codes. The pool
// must be locked. It mails each agent served and returns how many were.
func serveQueue(ctx context.Context, tx pgx.Tx, pool licence.Pool, by *int64, mails licenceMails) (int, error) {
	if pool.Period(today()) != licence.PeriodOpen {
		return 0, nil
	}
	var free int
	if err := tx.QueryRow(ctx, `SELECT size - allocated FROM licence_pools WHERE id = $1`, pool.ID).Scan(&free); err != nil {
		return 0, err
	}
	var ids []int64
	if free > 0 {
		rows, err := tx.Query(ctx, `
			WITH w AS (
				SELECT r.id, q.pool_id IS NOT NULL AS counted, q.quota - q.allocated AS room,
				       row_number() OVER (PARTITION BY r.admin_key ORDER BY r.id) AS rank
				FROM licence_requests r
				LEFT JOIN licence_quotas q ON q.pool_id = r.pool_id AND q.admin_key = r.admin_key
				WHERE r.pool_id = $1 AND r.status = 'waiting'
			), chosen AS (
				SELECT id, counted FROM w WHERE NOT counted OR rank <= room ORDER BY id LIMIT $2
			)
			UPDATE licence_requests r SET status = 'allocated', allocated_at = now(), quota_counted = c.counted, allocated_by = $3
			FROM chosen c WHERE r.id = c.id
			RETURNING r.id, r.admin_key, r.quota_counted`, pool.ID, free, by)
		if err != nil {
			return 0, err
		}
		var keys []string
		for rows.Next() {
			var id int64
			var key string
			var counted bool
			if err := rows.Scan(&id, &key, &counted); err != nil {
				rows.Close()
				return 0, err
			}
			ids = append(ids, id)
			if counted {
				keys = append(keys, key)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(ids) > 0 {
			tag, err := tx.Exec(ctx, `UPDATE licence_pools SET allocated = allocated + $2 WHERE id = $1 AND allocated + $2 <= size`, pool.ID, len(ids))
			if err != nil {
				return 0, err
			}
			if tag.RowsAffected() != 1 {
				return 0, fmt.Errorf("pool %d: allocation of %d licences refused", pool.ID, len(ids))
			}
		}
		if len(keys) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE licence_quotas q SET allocated = q.allocated + x.n, updated_at = now()
				FROM (SELECT k, count(*) AS n FROM unnest($2::text[]) AS k GROUP BY k) x
				WHERE q.pool_id = $1 AND q.admin_key = x.k`, pool.ID, keys); err != nil {
				return 0, err
			}
		}
	}
	coded, err := assignCodes(ctx, tx, pool.ID)
	if err != nil {
		return 0, err
	}
	if err := mailRequests(ctx, tx, ids, mails.Allocated); err != nil {
		return 0, err
	}
	var codeOnly []int64
	fresh := map[int64]bool{}
	for _, id := range ids {
		fresh[id] = true
	}
	for _, id := range coded {
		if !fresh[id] {
			codeOnly = append(codeOnly, id)
		}
	}
	if err := mailRequests(ctx, tx, codeOnly, mails.CodeReady); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// assignCodes hands the pool's free codes to its allocations that have none, oldest allocation first, and
// returns the requests served.
func assignCodes(ctx context.Context, tx pgx.Tx, poolID int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `
		WITH need AS (
			SELECT r.id, row_number() OVER (ORDER BY r.allocated_at, r.id) AS n
			FROM licence_requests r
			WHERE r.pool_id = $1 AND r.status = 'allocated' AND NOT EXISTS (SELECT 1 FROM licence_codes c WHERE c.request_id = r.id)
		), free AS (
			SELECT id, row_number() OVER (ORDER BY id) AS n FROM licence_codes WHERE pool_id = $1 AND request_id IS NULL
		)
		UPDATE licence_codes c SET request_id = need.id FROM need JOIN free USING (n) WHERE c.id = free.id
		RETURNING c.request_id`, poolID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func mailRequests(ctx context.Context, tx pgx.Tx, ids []int64, build func(licence.Request) mail.Message) error {
	if build == nil || len(ids) == 0 {
		return nil
	}
	rs, err := queryRequests(ctx, tx, `r.id = ANY($1) ORDER BY r.id`, ids)
	if err != nil {
		return err
	}
	ms := make([]mail.Message, 0, len(rs))
	for _, r := range rs {
		ms = append(ms, build(r))
	}
	return enqueueMails(ctx, tx, ms)
}

// CurrentLicencePool returns the pool a partner's page (and its modules' pages) offers, by the partner's slug:
// the one valid today, else the next to open (apperr.ErrNotFound when the partner has none).
func (s *Store) CurrentLicencePool(ctx context.Context, partnerSlug string) (licence.Pool, error) {
	var p licence.Pool
	err := scanPool(s.pool.QueryRow(ctx, `SELECT `+poolColumns+` FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id
		WHERE p.slug = $1 AND lp.valid_until >= $2::date ORDER BY lp.valid_from, lp.id LIMIT 1`, partnerSlug, today()), &p)
	if err != nil {
		return p, fmt.Errorf("postgres.CurrentLicencePool: %w", notFound(err))
	}
	return p, nil
}

// OpenLicencePools returns the pools agents may ask a licence of today, by partner.
func (s *Store) OpenLicencePools(ctx context.Context) ([]licence.Pool, error) {
	out, err := queryAll(ctx, s.pool, func(r pgx.Row, p *licence.Pool) error { return scanPool(r, p) },
		`SELECT `+poolColumns+` FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id
		WHERE $1::date BETWEEN lp.valid_from AND lp.valid_until AND p.status = 'published' ORDER BY p.name, lp.valid_until, lp.id`, today())
	if err != nil {
		return nil, fmt.Errorf("postgres.OpenLicencePools: %w", err)
	}
	return out, nil
}

// OpenLicenceRequest returns the user's waiting or allocated request in a pool (apperr.ErrNotFound when none).
func (s *Store) OpenLicenceRequest(ctx context.Context, poolID, userID int64) (licence.Request, error) {
	rs, err := queryRequests(ctx, s.pool, `r.pool_id = $1 AND r.user_id = $2 AND r.status IN ('waiting', 'allocated')`, poolID, userID)
	switch {
	case err != nil:
		return licence.Request{}, fmt.Errorf("postgres.OpenLicenceRequest: %w", err)
	case len(rs) == 0:
		return licence.Request{}, fmt.Errorf("postgres.OpenLicenceRequest: %w", apperr.ErrNotFound)
	}
	return rs[0], nil
}

// RequestLicence records an agent's request for a licence of the pool and serves the queue: the agent gets a
// licence at once when the pool and their administration's quota have room and nobody waits before them,
// otherwise the request waits in order. Asking again while a request is open returns that request.
func (s *Store) RequestLicence(ctx context.Context, poolID int64, u account.User) (licence.Request, error) {
	var r licence.Request
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, err := lockPool(ctx, tx, poolID)
		if err != nil {
			return err
		}
		if pool.Period(today()) != licence.PeriodOpen {
			return licence.ErrPoolClosed
		}
		var verified, agent bool
		if err := tx.QueryRow(ctx, `SELECT u.email_verified_at IS NOT NULL, `+publicAgentSQL+` FROM users u WHERE u.id = $1`, u.ID).Scan(&verified, &agent); err != nil {
			return notFound(err)
		}
		if !verified {
			return licence.ErrUnverified
		}
		if !agent {
			return licence.ErrNotPublicAgent
		}
		var id int64
		// Recorded under the pool's lock, at the time of recording: the id order is the arrival order.
		err = tx.QueryRow(ctx, `INSERT INTO licence_requests (pool_id, user_id, administration, admin_key, status, requested_at)
			VALUES ($1, $2, $3, $4, 'waiting', clock_timestamp())
			ON CONFLICT (pool_id, user_id) WHERE status IN ('waiting', 'allocated') DO NOTHING RETURNING id`,
			poolID, u.ID, u.Administration, programme.AdministrationKey(u.Administration)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // already open: nothing changes
		}
		if err != nil {
			return err
		}
		_, err = serveQueue(ctx, tx, pool, nil, s.licenceMails())
		return err
	})
	if err != nil {
		return r, fmt.Errorf("postgres.RequestLicence: %w", err)
	}
	if r, err = s.OpenLicenceRequest(ctx, poolID, u.ID); err != nil {
		return r, fmt.Errorf("postgres.RequestLicence: %w", err)
	}
	return r, nil
}

// UserLicences returns every licence request of a user, open ones first, newest first.
func (s *Store) UserLicences(ctx context.Context, userID int64) ([]licence.Request, error) {
	rs, err := queryRequests(ctx, s.pool, `r.user_id = $1
		ORDER BY r.status NOT IN ('waiting', 'allocated'), r.requested_at DESC, r.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres.UserLicences: %w", err)
	}
	return rs, nil
}

// LicenceRequestPool returns the pool of a request.
func (s *Store) LicenceRequestPool(ctx context.Context, id int64) (int64, error) {
	var pool int64
	if err := s.pool.QueryRow(ctx, `SELECT pool_id FROM licence_requests WHERE id = $1`, id).Scan(&pool); err != nil {
		return 0, fmt.Errorf("postgres.LicenceRequestPool: %w", notFound(err))
	}
	return pool, nil
}

// lockRequest locks a request's pool, then the request; owner, when not zero, must be the request's user
// (apperr.ErrNotFound otherwise).
func lockRequest(ctx context.Context, tx pgx.Tx, id, owner int64) (licence.Pool, string, error) {
	var poolID int64
	if err := tx.QueryRow(ctx, `SELECT pool_id FROM licence_requests WHERE id = $1 AND ($2 = 0 OR user_id = $2)`, id, owner).Scan(&poolID); err != nil {
		return licence.Pool{}, "", notFound(err)
	}
	pool, err := lockPool(ctx, tx, poolID)
	if err != nil {
		return pool, "", err
	}
	var status string
	err = tx.QueryRow(ctx, `SELECT status FROM licence_requests WHERE id = $1 FOR UPDATE`, id).Scan(&status)
	return pool, status, notFound(err)
}

// revoke ends an allocation: the licence returns to the pool (and to the quota), its code is freed for the
// next one, and the queue is served. The pool and the request must be locked.
func revoke(ctx context.Context, tx pgx.Tx, pool licence.Pool, id int64, by *int64, reason string, mails licenceMails) error {
	var key string
	var counted bool
	err := tx.QueryRow(ctx, `SELECT admin_key, quota_counted FROM licence_requests WHERE id = $1 AND status = 'allocated'`, id).Scan(&key, &counted)
	if errors.Is(err, pgx.ErrNoRows) {
		return licence.ErrNotAllocated
	}
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE licence_requests SET status = 'revoked', ended_at = now(), ended_by = $2, end_reason = $3,
		quota_counted = false WHERE id = $1`, id, by, reason); err != nil {
		return err
	}
	if mails.Revoked != nil {
		r, err := requestByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := enqueueMail(ctx, tx, mails.Revoked(r)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE licence_codes SET request_id = NULL WHERE request_id = $1`, id); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE licence_pools SET allocated = allocated - 1 WHERE id = $1 AND allocated > 0`, pool.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("pool %d: nothing allocated to give back", pool.ID)
	}
	if counted {
		if _, err := tx.Exec(ctx, `UPDATE licence_quotas SET allocated = allocated - 1, updated_at = now()
			WHERE pool_id = $1 AND admin_key = $2 AND allocated > 0`, pool.ID, key); err != nil {
			return err
		}
	}
	_, err = serveQueue(ctx, tx, pool, nil, mails)
	return err
}

// CancelLicence lets an agent withdraw their waiting request or give back their licence (which goes to the
// next waiting request). Another user's request is apperr.ErrNotFound.
func (s *Store) CancelLicence(ctx context.Context, id, userID int64) (string, error) {
	mails := s.licenceMails()
	var was string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, status, err := lockRequest(ctx, tx, id, userID)
		if err != nil {
			return err
		}
		was = status
		switch status {
		case licence.StatusWaiting:
			_, err := tx.Exec(ctx, `UPDATE licence_requests SET status = 'cancelled', ended_at = now(), ended_by = $2,
				end_reason = 'Demande annulée par l’agent' WHERE id = $1`, id, userID)
			return err
		case licence.StatusAllocated:
			return revoke(ctx, tx, pool, id, nullID(userID), "Licence rendue par l’agent", licenceMails{Allocated: mails.Allocated, CodeReady: mails.CodeReady})
		}
		return licence.ErrNotWaiting
	})
	if err != nil {
		return was, fmt.Errorf("postgres.CancelLicence: %w", err)
	}
	return was, nil
}

// RevokeLicence takes an allocated licence back (an administrator's decision): it returns to the pool and
// goes to the next waiting request in order.
func (s *Store) RevokeLicence(ctx context.Context, id int64, actor admin.Actor, reason string) (licence.Request, error) {
	var r licence.Request
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, _, err := lockRequest(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		if err := revoke(ctx, tx, pool, id, nullID(actor.ID), reason, s.licenceMails()); err != nil {
			return err
		}
		if r, err = requestByID(ctx, tx, id); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, auditLicenceRequest, id, r.UserName+" – "+r.PoolName, auditRevoke,
			map[string]string{"statut": licence.StatusLabel(licence.StatusAllocated)},
			map[string]string{"statut": licence.StatusLabel(r.Status), "motif": reason})
	})
	if err != nil {
		return r, fmt.Errorf("postgres.RevokeLicence: %w", err)
	}
	return r, nil
}

// allocateOne allocates a licence to one waiting request, out of turn (an administrator's decision), within
// the pool and its quota. The pool and the request must be locked.
func allocateOne(ctx context.Context, tx pgx.Tx, pool licence.Pool, id int64, by int64, mails licenceMails) error {
	if pool.Period(today()) != licence.PeriodOpen {
		return licence.ErrPoolClosed
	}
	var key string
	if err := tx.QueryRow(ctx, `SELECT admin_key FROM licence_requests WHERE id = $1 AND status = 'waiting'`, id).Scan(&key); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return licence.ErrNotWaiting
		}
		return err
	}
	var hasQuota bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM licence_quotas WHERE pool_id = $1 AND admin_key = $2)`, pool.ID, key).Scan(&hasQuota); err != nil {
		return err
	}
	if hasQuota {
		tag, err := tx.Exec(ctx, `UPDATE licence_quotas SET allocated = allocated + 1, updated_at = now()
			WHERE pool_id = $1 AND admin_key = $2 AND allocated < quota`, pool.ID, key)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return licence.ErrQuotaFull
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE licence_pools SET allocated = allocated + 1 WHERE id = $1 AND allocated < size`, pool.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return licence.ErrPoolFull // the transaction rolls the quota back
	}
	if _, err := tx.Exec(ctx, `UPDATE licence_requests SET status = 'allocated', allocated_at = now(), allocated_by = $2,
		quota_counted = $3 WHERE id = $1`, id, nullID(by), hasQuota); err != nil {
		return err
	}
	if _, err := assignCodes(ctx, tx, pool.ID); err != nil {
		return err
	}
	return mailRequests(ctx, tx, []int64{id}, mails.Allocated)
}

func auditAllocation(ctx context.Context, tx pgx.Tx, actor admin.Actor, r licence.Request) error {
	return Audit(ctx, tx, actor, auditLicenceRequest, r.ID, r.UserName+" – "+r.PoolName, auditAllocate,
		map[string]string{"statut": licence.StatusLabel(licence.StatusWaiting)},
		map[string]string{"statut": licence.StatusLabel(r.Status), "agent": r.UserEmail, "administration": r.Administration})
}

// AllocateLicence gives a licence to a waiting request out of turn, within the pool and the quota.
func (s *Store) AllocateLicence(ctx context.Context, id int64, actor admin.Actor) (licence.Request, error) {
	var r licence.Request
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, _, err := lockRequest(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		r, err = allocateAudited(ctx, tx, pool, id, actor, s.licenceMails())
		return err
	})
	if err != nil {
		return r, fmt.Errorf("postgres.AllocateLicence: %w", err)
	}
	return r, nil
}

// allocateAudited serves the request id out of turn (allocateOne) and records it in the audit log; it
// returns the request as allocated.
func allocateAudited(ctx context.Context, tx pgx.Tx, pool licence.Pool, id int64, actor admin.Actor, mails licenceMails) (licence.Request, error) {
	if err := allocateOne(ctx, tx, pool, id, actor.ID, mails); err != nil {
		return licence.Request{}, err
	}
	r, err := requestByID(ctx, tx, id)
	if err != nil {
		return r, err
	}
	return r, auditAllocation(ctx, tx, actor, r)
}

// AllocateLicenceTo gives a licence of the pool to the account with this address (apperr.ErrNotFound when
// there is none): its waiting request is served out of turn, or a request is created and served.
// licence.ErrAlreadyHas when the agent already holds one.
func (s *Store) AllocateLicenceTo(ctx context.Context, poolID int64, email string, actor admin.Actor) (licence.Request, error) {
	var r licence.Request
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, err := lockPool(ctx, tx, poolID)
		if err != nil {
			return err
		}
		var userID int64
		var admin string
		var verified bool
		if err := tx.QueryRow(ctx, `SELECT id, administration, email_verified_at IS NOT NULL FROM users WHERE email = $1`,
			account.NormalizeEmail(email)).Scan(&userID, &admin, &verified); err != nil {
			return notFound(err)
		}
		if !verified {
			return licence.ErrUnverified
		}
		var id int64
		var status string
		err = tx.QueryRow(ctx, `SELECT id, status FROM licence_requests WHERE pool_id = $1 AND user_id = $2
			AND status IN ('waiting', 'allocated') FOR UPDATE`, poolID, userID).Scan(&id, &status)
		switch {
		case err == nil && status == licence.StatusAllocated:
			return licence.ErrAlreadyHas
		case errors.Is(err, pgx.ErrNoRows):
			if err := tx.QueryRow(ctx, `INSERT INTO licence_requests (pool_id, user_id, administration, admin_key, status, requested_at)
				VALUES ($1, $2, $3, $4, 'waiting', clock_timestamp()) RETURNING id`, poolID, userID, admin, programme.AdministrationKey(admin)).Scan(&id); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		r, err = allocateAudited(ctx, tx, pool, id, actor, s.licenceMails())
		return err
	})
	if err != nil {
		return r, fmt.Errorf("postgres.AllocateLicenceTo: %w", err)
	}
	return r, nil
}

// LicencePools lists every pool with its waiting requests and codes, most recent validity first.
func (s *Store) LicencePools(ctx context.Context) ([]licence.Pool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+poolColumns+`,
		(SELECT count(*) FROM licence_requests r WHERE r.pool_id = lp.id AND r.status = 'waiting'),
		(SELECT count(*) FROM licence_codes c WHERE c.pool_id = lp.id),
		(SELECT count(*) FROM licence_codes c WHERE c.pool_id = lp.id AND c.request_id IS NULL)
		FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id
		ORDER BY lp.valid_until DESC, p.name, lp.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.LicencePools: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (licence.Pool, error) {
		var p licence.Pool
		err := scanPool(r, &p, &p.Waiting, &p.Codes, &p.FreeCodes)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.LicencePools: %w", err)
	}
	return out, nil
}

// LicencePoolDetail is a pool as its administration page shows it.
type LicencePoolDetail struct {
	Pool   licence.Pool
	Grants []licence.Grant
	Quotas []licence.Quota
	Usage  []licence.Usage // per administration, most licences first
}

// LicencePool returns a pool with its grants, quotas and usage per administration.
func (s *Store) LicencePool(ctx context.Context, id int64) (LicencePoolDetail, error) {
	var d LicencePoolDetail
	err := scanPool(s.pool.QueryRow(ctx, `SELECT `+poolColumns+`,
		(SELECT count(*) FROM licence_requests r WHERE r.pool_id = lp.id AND r.status = 'waiting'),
		(SELECT count(*) FROM licence_codes c WHERE c.pool_id = lp.id),
		(SELECT count(*) FROM licence_codes c WHERE c.pool_id = lp.id AND c.request_id IS NULL)
		FROM licence_pools lp JOIN partners p ON p.id = lp.partner_id WHERE lp.id = $1`, id),
		&d.Pool, &d.Pool.Waiting, &d.Pool.Codes, &d.Pool.FreeCodes)
	if err != nil {
		return d, fmt.Errorf("postgres.LicencePool: %w", notFound(err))
	}
	rows, err := s.pool.Query(ctx, `SELECT quantity, label, created_at FROM licence_grants WHERE pool_id = $1 ORDER BY id`, id)
	if err == nil {
		d.Grants, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (licence.Grant, error) {
			var g licence.Grant
			err := r.Scan(&g.Quantity, &g.Label, &g.CreatedAt)
			return g, err
		})
	}
	if err != nil {
		return d, fmt.Errorf("postgres.LicencePool: grants: %w", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT administration, admin_key, quota, allocated FROM licence_quotas WHERE pool_id = $1
		ORDER BY administration COLLATE "fr-x-icu"`, id)
	if err == nil {
		d.Quotas, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (licence.Quota, error) {
			var q licence.Quota
			err := r.Scan(&q.Administration, &q.Key, &q.Quota, &q.Allocated)
			return q, err
		})
	}
	if err != nil {
		return d, fmt.Errorf("postgres.LicencePool: quotas: %w", err)
	}
	rows, err = s.pool.Query(ctx, `
		WITH u AS (
			SELECT admin_key, mode() WITHIN GROUP (ORDER BY administration) AS administration,
			       count(*) FILTER (WHERE status = 'allocated') AS allocated,
			       count(*) FILTER (WHERE status = 'waiting') AS waiting
			FROM licence_requests WHERE pool_id = $1 AND status IN ('waiting', 'allocated') GROUP BY admin_key
		)
		SELECT coalesce(u.administration, q.administration), coalesce(u.admin_key, q.admin_key),
		       coalesce(u.allocated, 0), coalesce(u.waiting, 0), coalesce(q.quota, -1)
		FROM u FULL JOIN (SELECT * FROM licence_quotas WHERE pool_id = $1) q ON q.admin_key = u.admin_key
		ORDER BY 3 DESC, 4 DESC, coalesce(u.administration, q.administration) COLLATE "fr-x-icu"`, id)
	if err == nil {
		d.Usage, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (licence.Usage, error) {
			var u licence.Usage
			err := r.Scan(&u.Administration, &u.Key, &u.Allocated, &u.Waiting, &u.Quota)
			return u, err
		})
	}
	if err != nil {
		return d, fmt.Errorf("postgres.LicencePool: usage: %w", err)
	}
	return d, nil
}

// PoolRequests returns a page of a pool's requests with a status (the waiting queue in order, the others most
// recent first) and how many there are.
func (s *Store) PoolRequests(ctx context.Context, poolID int64, status string, offset, limit int) ([]licence.Request, int, error) {
	order := `r.id`
	if status != licence.StatusWaiting {
		order = `coalesce(r.ended_at, r.allocated_at, r.requested_at) DESC, r.id DESC`
	}
	rs, err := queryRequests(ctx, s.pool, `r.pool_id = $1 AND r.status = $2 ORDER BY `+order+` OFFSET $3 LIMIT $4`,
		poolID, status, offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.PoolRequests: %w", err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM licence_requests WHERE pool_id = $1 AND status = $2`, poolID, status).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("postgres.PoolRequests: %w", err)
	}
	return rs, n, nil
}

// CreateLicencePool creates a pool with its first grant and returns its id.
func (s *Store) CreateLicencePool(ctx context.Context, p licence.NewPool, actor admin.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		slug, err := uniqueSlug(ctx, tx, programme.Slug(p.Name), "lot", `SELECT EXISTS (SELECT 1 FROM licence_pools WHERE slug = $1)`)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO licence_pools (slug, partner_id, name, description, size, valid_from, valid_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, slug, p.PartnerID, p.Name, p.Description, p.Size,
			p.ValidFrom, p.ValidUntil).Scan(&id); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `INSERT INTO licence_grants (pool_id, quantity, label, created_by) VALUES ($1, $2, $3, $4)`,
			id, p.Size, p.GrantLabel, nullID(actor.ID)); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, auditLicencePool, id, p.Name, admin.ActionCreate, nil, map[string]string{"nom": p.Name,
			"licences": auditInt(p.Size), "debut": p.ValidFrom.Format(time.DateOnly), "fin": p.ValidUntil.Format(time.DateOnly)})
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreateLicencePool: %w", err)
	}
	return id, nil
}

// AddLicenceGrant adds licences bought for a pool and serves the waiting requests; it returns how many were
// served.
func (s *Store) AddLicenceGrant(ctx context.Context, poolID int64, quantity int, label string, actor admin.Actor) (int, error) {
	var served int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, err := lockPool(ctx, tx, poolID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO licence_grants (pool_id, quantity, label, created_by) VALUES ($1, $2, $3, $4)`,
			poolID, quantity, label, nullID(actor.ID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE licence_pools SET size = size + $2, updated_at = now() WHERE id = $1`, poolID, quantity); err != nil {
			return err
		}
		if served, err = serveQueue(ctx, tx, pool, nullID(actor.ID), s.licenceMails()); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, auditLicencePool, poolID, pool.Name, auditGrant, map[string]string{"licences": auditInt(pool.Size)},
			map[string]string{"licences": auditInt(pool.Size + quantity), "dotation": label, "demandes_servies": auditInt(served)})
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.AddLicenceGrant: %w", err)
	}
	return served, nil
}

// SetLicenceQuota sets (or changes) an administration's quota in a pool. It may not be set below the
// licences the administration already holds (licence.ErrQuotaBelowUsage); a raised quota serves the
// waiting requests. It returns how many were served.
func (s *Store) SetLicenceQuota(ctx context.Context, poolID int64, administration string, quota int, actor admin.Actor) (int, error) {
	var served int
	key := programme.AdministrationKey(administration)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, err := lockPool(ctx, tx, poolID)
		if err != nil {
			return err
		}
		var used int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM licence_requests WHERE pool_id = $1 AND admin_key = $2 AND status = 'allocated'`,
			poolID, key).Scan(&used); err != nil {
			return err
		}
		if quota < used {
			return licence.ErrQuotaBelowUsage.With(used)
		}
		before := map[string]string{"administration": administration}
		var old *int
		if err := tx.QueryRow(ctx, `SELECT quota FROM licence_quotas WHERE pool_id = $1 AND admin_key = $2`, poolID, key).Scan(&old); err != nil &&
			!errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if old != nil {
			before["quota"] = auditInt(*old)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO licence_quotas (pool_id, admin_key, administration, quota, allocated)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (pool_id, admin_key) DO UPDATE SET administration = EXCLUDED.administration, quota = EXCLUDED.quota,
			allocated = EXCLUDED.allocated, updated_at = now()`, poolID, key, administration, quota, used); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE licence_requests SET quota_counted = true
			WHERE pool_id = $1 AND admin_key = $2 AND status = 'allocated'`, poolID, key); err != nil {
			return err
		}
		if served, err = serveQueue(ctx, tx, pool, nil, s.licenceMails()); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, auditLicencePool, poolID, pool.Name, auditQuota, before,
			map[string]string{"administration": administration, "quota": auditInt(quota), "demandes_servies": auditInt(served)})
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.SetLicenceQuota: %w", err)
	}
	return served, nil
}

// DeleteLicenceQuota removes an administration's quota (its agents then share the pool like everyone) and
// serves the waiting requests.
func (s *Store) DeleteLicenceQuota(ctx context.Context, poolID int64, key string, actor admin.Actor) (int, error) {
	var served int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, err := lockPool(ctx, tx, poolID)
		if err != nil {
			return err
		}
		var administration string
		var quota int
		err = tx.QueryRow(ctx, `DELETE FROM licence_quotas WHERE pool_id = $1 AND admin_key = $2 RETURNING administration, quota`,
			poolID, key).Scan(&administration, &quota)
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE licence_requests SET quota_counted = false
			WHERE pool_id = $1 AND admin_key = $2 AND quota_counted`, poolID, key); err != nil {
			return err
		}
		if served, err = serveQueue(ctx, tx, pool, nil, s.licenceMails()); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, auditLicencePool, poolID, pool.Name, auditQuota,
			map[string]string{"administration": administration, "quota": auditInt(quota)},
			map[string]string{"administration": administration, "quota": "aucun", "demandes_servies": auditInt(served)})
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.DeleteLicenceQuota: %w", err)
	}
	return served, nil
}

// ImportLicenceCodes adds codes or activation links to a pool, all or nothing: a code or link the pool already
// has, or more codes than licences, refuses the whole file (*licence.ImportError). The codes go to the
// allocations that have none, and their agents are mailed. It returns how many were imported.
func (s *Store) ImportLicenceCodes(ctx context.Context, poolID int64, codes []licence.Code, actor admin.Actor) (int, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		pool, err := lockPool(ctx, tx, poolID)
		if err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM licence_codes WHERE pool_id = $1`, poolID).Scan(&have); err != nil {
			return err
		}
		if have+len(codes) > pool.Size {
			return &licence.ImportError{Problems: []licence.Problem{{Message: "Le fichier contient " + catalogue.Plural(len(codes), "code ou lien", "codes ou liens") +
				" : avec " + catalogue.Plural(have, "déjà importé", "déjà importés") + ", le lot en compterait plus que ses " +
				catalogue.Plural(pool.Size, "licence", "licences") + "."}}}
		}
		byCode, byURL := map[string]int{}, map[string]int{}
		var cs, us []string
		for _, c := range codes {
			if c.Code != "" {
				byCode[c.Code] = c.Line
				cs = append(cs, c.Code)
			}
			if c.URL != "" {
				byURL[c.URL] = c.Line
				us = append(us, c.URL)
			}
		}
		rows, err := tx.Query(ctx, `SELECT code, activation_url FROM licence_codes
			WHERE pool_id = $1 AND (code = ANY($2) OR activation_url = ANY($3)) ORDER BY id LIMIT 20`, poolID, cs, us)
		if err != nil {
			return err
		}
		var problems []licence.Problem
		for rows.Next() {
			var c, u string
			if err := rows.Scan(&c, &u); err != nil {
				rows.Close()
				return err
			}
			if line, ok := byCode[c]; ok && c != "" {
				problems = append(problems, licence.Problem{Line: line, Message: "le code « " + c + " » a déjà été importé dans ce lot."})
			} else if line, ok := byURL[u]; ok && u != "" {
				problems = append(problems, licence.Problem{Line: line, Message: "ce lien a déjà été importé dans ce lot."})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(problems) > 0 {
			return &licence.ImportError{Problems: problems}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"licence_codes"}, []string{"pool_id", "code", "activation_url", "imported_by"},
			pgx.CopyFromSlice(len(codes), func(i int) ([]any, error) {
				return []any{poolID, codes[i].Code, codes[i].URL, nullID(actor.ID)}, nil
			})); err != nil {
			return err
		}
		if _, err = serveQueue(ctx, tx, pool, nullID(actor.ID), s.licenceMails()); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, auditLicencePool, poolID, pool.Name, admin.ActionImport,
			map[string]string{"codes": auditInt(have)}, map[string]string{"codes": auditInt(have + len(codes))})
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.ImportLicenceCodes: %w", err)
	}
	return len(codes), nil
}

// seedLicencePools inserts the pools that are missing (by slug) with their grants, valid for the calendar
// year of now; an existing pool is left as an administrator may have changed it.
func seedLicencePools(ctx context.Context, tx pgx.Tx, pools []seed.LicencePool, now time.Time) (int, error) {
	n := 0
	y := now.In(catalogue.Paris).Year()
	from, until := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, p := range pools {
		size := 0
		for _, g := range p.Grants {
			size += g.Quantity
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO licence_pools (slug, partner_id, name, description, size, valid_from, valid_until)
			SELECT $1, id, $3, $4, $5, $6, $7 FROM partners WHERE slug = $2
			ON CONFLICT (slug) DO NOTHING RETURNING id`, p.Slug, p.Partner, p.Name, p.Description, size, from, until).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", p.Slug, err)
		}
		for _, g := range p.Grants {
			if _, err := tx.Exec(ctx, `INSERT INTO licence_grants (pool_id, quantity, label) VALUES ($1, $2, $3)`, id, g.Quantity, g.Label); err != nil {
				return n, fmt.Errorf("%s: %w", p.Slug, err)
			}
		}
		n++
	}
	return n, nil
}
