package postgres

// Line-manager approvals (migration 00014, rules in internal/enrolment/approval.go). A held enrolment holds its
// seat like a confirmed one; every change of it runs under its session's lock (and gate), like the other
// operations on seats: the manager's decision, the expiry (periodic job) and the promotion of the waitlist into
// the seat a refusal or an expiry frees, in the same transaction. The manager's links carry a random token of
// which only the SHA-256 is stored; a decision is made once (the row's decision is set under its lock).

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/mail"
)

// Actions of the audit log about approvals (entity "enrolment").
const (
	ActionApprovalRequest = "approval_request"
	ActionApprove         = "approve"
	ActionRefuse          = "refuse"
	ActionExpire          = "expire"
)

const approvalColumns = `a.id, a.enrolment_id, a.manager_email, a.requested_at, a.expires_at, a.reminded_at, a.decision,
	a.decided_at, a.message`

func approvalDest(a *enrolment.Approval) []any {
	return []any{&a.ID, &a.EnrolmentID, &a.ManagerEmail, &a.RequestedAt, &a.ExpiresAt, &a.RemindedAt, &a.Decision, &a.DecidedAt, &a.Message}
}

// rememberManagers records the manager each user named: on the user (offered at their next enrolment) and on
// their active enrolment of the module (asked when a waitlisted one is promoted).
func rememberManagers(ctx context.Context, tx pgx.Tx, users []int64, managers []string, moduleID int64) error {
	if len(users) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `WITH x AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS x(u, m)),
			en AS (UPDATE enrolments e SET manager_email = x.m FROM x
				WHERE e.user_id = x.u AND e.module_id = $3 AND e.status IN ('held', 'waitlisted') AND e.manager_email <> x.m)
		UPDATE users SET manager_email = x.m FROM x WHERE users.id = x.u AND users.manager_email <> x.m`, users, managers, moduleID)
	return err
}

// auditRow is one entry of the audit log about an enrolment.
type auditRow struct {
	actorID   int64
	actorName string
	e         enrolment.Enrolment
	after     map[string]string
}

func enrolmentLabel(e enrolment.Enrolment) string {
	label := e.Person.Email + " — " + e.Module.Title
	if e.HasSession() {
		label += " (" + catalogue.SpanAfterDu(e.Session.StartsAt, e.Session.EndsAt) + ")"
	}
	return label
}

// auditEnrolments writes entries of the audit log about enrolments in one statement, in the caller's transaction.
func auditEnrolments(ctx context.Context, tx pgx.Tx, action string, list []auditRow) error {
	if len(list) == 0 {
		return nil
	}
	actors, names, ids, labels, afters := make([]int64, len(list)), make([]string, len(list)), make([]int64, len(list)), make([]string, len(list)), make([]string, len(list))
	for i, r := range list {
		b, err := json.Marshal(r.after)
		if err != nil {
			return err
		}
		actors[i], names[i], ids[i], labels[i], afters[i] = r.actorID, r.actorName, r.e.ID, enrolmentLabel(r.e), string(b)
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_name, entity, entity_id, label, action, after)
		SELECT nullif(x.a, 0), x.n, 'enrolment', x.id, x.l, $6, x.j::jsonb
		FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[]) AS x(a, n, id, l, j)`,
		actors, names, ids, labels, afters, action)
	return err
}

func parisTime(t time.Time) string { return catalogue.ShortDate(t) + " à " + catalogue.Clock(t) }

// requestApprovals opens the approval requests of held enrolments (with their Person, Module, Session and
// ManagerEmail), in one statement: each gets a new single-use token, the manager a mail with its link, the
// agent a mail of kind agentKind (enrolment.KindHeld or KindPromotedHeld), and the audit log an entry. It
// returns the requests by enrolment id.
func requestApprovals(ctx context.Context, tx pgx.Tx, mailer enrolment.Mailer, held []enrolment.Enrolment, now time.Time, agentKind string) (map[int64]enrolment.Approval, error) {
	if len(held) == 0 {
		return nil, nil
	}
	ids, emails, hashes, expires, tokens := make([]int64, len(held)), make([]string, len(held)), make([][]byte, len(held)), make([]time.Time, len(held)), make([]string, len(held))
	for i, e := range held {
		tokens[i], hashes[i] = account.NewToken()
		ids[i], emails[i], expires[i] = e.ID, e.ManagerEmail, enrolment.HoldUntil(now, e.Session.StartsAt, mailer.Hold())
	}
	rows, err := tx.Query(ctx, `INSERT INTO enrolment_approvals AS a (enrolment_id, manager_email, token_hash, expires_at)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::timestamptz[])
		RETURNING `+approvalColumns, ids, emails, hashes, expires)
	if err != nil {
		return nil, err
	}
	made, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (enrolment.Approval, error) {
		var a enrolment.Approval
		err := r.Scan(approvalDest(&a)...)
		return a, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]enrolment.Approval, len(made))
	for _, a := range made {
		out[a.EnrolmentID] = a
	}
	msgs := make([]mail.Message, 0, 2*len(held))
	audit := make([]auditRow, 0, len(held))
	for i, e := range held {
		a := out[e.ID]
		msgs = append(msgs, mailer.Message(enrolment.Notice{Kind: agentKind, Enrolment: e, Approval: a}),
			mailer.Message(enrolment.Notice{Kind: enrolment.KindApprovalRequest, Enrolment: e, Approval: a, Token: tokens[i]}))
		audit = append(audit, auditRow{actorID: e.UserID, actorName: e.Person.Name(), e: e,
			after: map[string]string{"Responsable": a.ManagerEmail, "Place réservée jusqu’au": parisTime(a.ExpiresAt)}})
	}
	if err := enqueueMails(ctx, tx, msgs); err != nil {
		return nil, err
	}
	return out, auditEnrolments(ctx, tx, ActionApprovalRequest, audit)
}

// tellPromoted queues the mails of enrolments promoted from a waitlist: a confirmation, or, for those held for
// their manager's approval, the request to the manager and its notice to the agent.
func tellPromoted(ctx context.Context, tx pgx.Tx, mailer enrolment.Mailer, promoted []enrolment.Enrolment) error {
	msgs := make([]mail.Message, 0, len(promoted))
	var held []enrolment.Enrolment
	for _, p := range promoted {
		if p.Status == enrolment.Held {
			held = append(held, p)
			continue
		}
		msgs = append(msgs, mailer.Message(enrolment.Notice{Kind: enrolment.KindPromoted, Enrolment: p}))
	}
	if err := enqueueMails(ctx, tx, msgs); err != nil {
		return err
	}
	_, err := requestApprovals(ctx, tx, mailer, held, time.Now(), enrolment.KindPromotedHeld)
	return err
}

// ApprovalByToken returns the request a manager's link leads to (by the SHA-256 of its token), whatever its
// state; an unknown token is apperr.ErrNotFound.
func (s *Store) ApprovalByToken(ctx context.Context, tokenHash []byte) (enrolment.ApprovalRequest, error) {
	r, err := approvalRequest(ctx, s.pool, `a.token_hash = $1 OR a.reminder_hash = $1`, tokenHash)
	if err != nil {
		return r, fmt.Errorf("postgres.ApprovalByToken: %w", err)
	}
	return r, nil
}

func approvalRequest(ctx context.Context, q queryer, where string, args ...any) (enrolment.ApprovalRequest, error) {
	var r enrolment.ApprovalRequest
	var id int64
	err := q.QueryRow(ctx, `SELECT `+approvalColumns+` FROM enrolment_approvals a WHERE `+where, args...).Scan(approvalDest(&r.Approval)...)
	if err != nil {
		return r, notFound(err)
	}
	id = r.Approval.EnrolmentID
	if r.Enrolment, err = oneEnrolment(ctx, q, `WHERE e.id = $1`, id); err != nil {
		return r, err
	}
	a := r.Approval
	r.Enrolment.Approval = &a
	return r, nil
}

// TeamApprovals returns the requests waiting for the answer of the manager whose (proven) address is email,
// soonest expiry first, and those they decided in the last 30 days.
func (s *Store) TeamApprovals(ctx context.Context, email string) (pending, decided []enrolment.ApprovalRequest, err error) {
	rows, err := s.pool.Query(ctx, `SELECT `+approvalColumns+` FROM enrolment_approvals a
		WHERE lower(a.manager_email) = lower($1) AND ((a.decision = '' AND a.expires_at > now())
			OR (a.decision IN ('approved', 'refused') AND a.decided_at > now() - interval '30 days'))
		ORDER BY a.decision <> '', a.expires_at, a.id LIMIT 500`, email)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres.TeamApprovals: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (enrolment.Approval, error) {
		var a enrolment.Approval
		err := r.Scan(approvalDest(&a)...)
		return a, err
	})
	if err != nil || len(list) == 0 {
		return nil, nil, err
	}
	ids := make([]int64, len(list))
	for i, a := range list {
		ids[i] = a.EnrolmentID
	}
	es, err := enrolments(ctx, s.pool, `WHERE e.id = ANY($1)`, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres.TeamApprovals: %w", err)
	}
	byID := make(map[int64]enrolment.Enrolment, len(es))
	for _, e := range es {
		byID[e.ID] = e
	}
	for _, a := range list {
		r := enrolment.ApprovalRequest{Approval: a, Enrolment: byID[a.EnrolmentID]}
		if a.Pending() {
			pending = append(pending, r)
		} else {
			decided = append(decided, r)
		}
	}
	return pending, decided, nil
}

// LatestApprovals returns the latest approval request of each of the given enrolments that has one (for "Mes
// formations"), in one query.
func (s *Store) LatestApprovals(ctx context.Context, enrolmentIDs []int64) (map[int64]enrolment.Approval, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (a.enrolment_id) `+approvalColumns+` FROM enrolment_approvals a
		WHERE a.enrolment_id = ANY($1) ORDER BY a.enrolment_id, a.id DESC`, enrolmentIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres.LatestApprovals: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (enrolment.Approval, error) {
		var a enrolment.Approval
		err := r.Scan(approvalDest(&a)...)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.LatestApprovals: %w", err)
	}
	out := make(map[int64]enrolment.Approval, len(list))
	for _, a := range list {
		out[a.EnrolmentID] = a
	}
	return out, nil
}

// ManagerEmail returns the manager's address a user named last ("" when none).
func (s *Store) ManagerEmail(ctx context.Context, userID int64) (string, error) {
	var m string
	if err := s.pool.QueryRow(ctx, `SELECT manager_email FROM users WHERE id = $1`, userID).Scan(&m); err != nil {
		return "", fmt.Errorf("postgres.ManagerEmail: %w", notFound(err))
	}
	return m, nil
}

// Decision is a manager's answer to an approval request.
type Decision struct {
	Approve bool
	Message string
	// Who decides: a manager's account (ID, name), or, from a mailed link, nobody signed in (ID 0).
	Actor admin.Actor
}

// DecideApprovalByToken applies the decision of the manager holding a link (by its token's hash).
func (s *Store) DecideApprovalByToken(ctx context.Context, tokenHash []byte, d Decision) (enrolment.ApprovalRequest, error) {
	r, err := s.decide(ctx, `a.token_hash = $1 OR a.reminder_hash = $1`, []any{tokenHash}, d, s.mails)
	if err != nil {
		return r, fmt.Errorf("postgres.DecideApprovalByToken: %w", err)
	}
	return r, nil
}

// DecideTeamApproval applies the decision of a signed-in manager whose proven address is managerEmail on one of
// their team's requests; a request addressed to someone else is apperr.ErrNotFound.
func (s *Store) DecideTeamApproval(ctx context.Context, approvalID int64, managerEmail string, d Decision) (enrolment.ApprovalRequest, error) {
	r, err := s.decide(ctx, `a.id = $1 AND lower(a.manager_email) = lower($2)`, []any{approvalID, managerEmail}, d, s.mails)
	if err != nil {
		return r, fmt.Errorf("postgres.DecideTeamApproval: %w", err)
	}
	return r, nil
}

// decide applies a decision to the request found by where: under its session's lock, the request is checked
// (pending, enrolment still held, not expired) and decided once; an approval confirms the seat, a refusal
// cancels the enrolment and gives the seat to the head of the waitlist, in the same transaction; the agent is
// told by mail with the manager's message; the audit log records it.
func (s *Store) decide(ctx context.Context, where string, args []any, d Decision, mailer enrolment.Mailer) (enrolment.ApprovalRequest, error) {
	msg, err := enrolment.CleanMessage(d.Message)
	if err != nil {
		return enrolment.ApprovalRequest{}, err
	}
	var approvalID, sessionID int64
	if err := s.pool.QueryRow(ctx, `SELECT a.id, e.session_id FROM enrolment_approvals a JOIN enrolments e ON e.id = a.enrolment_id
		WHERE `+where, args...).Scan(&approvalID, &sessionID); err != nil {
		return enrolment.ApprovalRequest{}, notFound(err)
	}
	leave, err := s.batcher.enterGate(ctx, sessionID)
	if err != nil {
		return enrolment.ApprovalRequest{}, err
	}
	defer leave()
	var out enrolment.ApprovalRequest
	err = s.txRetry(ctx, func(tx pgx.Tx) error {
		sess, mod, now, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		var a enrolment.Approval
		if err := tx.QueryRow(ctx, `SELECT `+approvalColumns+` FROM enrolment_approvals a WHERE a.id = $1 FOR UPDATE`, approvalID).
			Scan(approvalDest(&a)...); err != nil {
			return notFound(err)
		}
		e, err := oneEnrolment(ctx, tx, `WHERE e.id = $1 FOR UPDATE OF e`, a.EnrolmentID)
		if err != nil {
			return err
		}
		e.Session = sess
		if err := enrolment.CheckDecision(a, e, now); err != nil {
			return err
		}
		to, decision, action, kind := enrolment.Confirmed, enrolment.DecisionApproved, ActionApprove, enrolment.KindApproved
		if !d.Approve {
			to, decision, action, kind = enrolment.Cancelled, enrolment.DecisionRefused, ActionRefuse, enrolment.KindRefused
		}
		if err := enrolment.Transition(e.Status, to); err != nil {
			return err
		}
		if d.Approve {
			err = tx.QueryRow(ctx, `UPDATE enrolments SET status = 'confirmed', confirmed_at = now(), updated_at = now(), version = version + 1
				WHERE id = $1 AND status = 'held' RETURNING version, updated_at, confirmed_at`, e.ID).Scan(&e.Version, &e.UpdatedAt, &e.ConfirmedAt)
		} else {
			err = tx.QueryRow(ctx, `UPDATE enrolments SET status = 'cancelled', cancel_reason = 'refused', cancelled_at = now(), updated_at = now(),
				version = version + 1 WHERE id = $1 AND status = 'held' RETURNING version, updated_at, cancelled_at`, e.ID).Scan(&e.Version, &e.UpdatedAt, &e.CancelledAt)
			e.Reason = enrolment.ReasonRefused
		}
		if err != nil {
			return err
		}
		e.Status = to
		if err := tx.QueryRow(ctx, `UPDATE enrolment_approvals SET decision = $2, decided_at = now(), decided_by = nullif($3, 0), message = $4
			WHERE id = $1 RETURNING decision, decided_at, message`, a.ID, decision, d.Actor.ID, msg).Scan(&a.Decision, &a.DecidedAt, &a.Message); err != nil {
			return err
		}
		if !d.Approve {
			// The seat goes back, and to the head of the waitlist while the session is to come.
			free := 0
			if err := tx.QueryRow(ctx, `UPDATE module_sessions SET seats_taken = seats_taken - 1 WHERE id = $1
				RETURNING seats_taken, CASE WHEN status = 'scheduled' AND starts_at > now() THEN capacity - seats_taken ELSE 0 END`, sess.ID).
				Scan(&sess.SeatsTaken, &free); err != nil {
				return err
			}
			promoted, err := promote(ctx, tx, sess, mod, free)
			if err != nil {
				return err
			}
			if err := tellPromoted(ctx, tx, mailer, promoted); err != nil {
				return err
			}
			if len(promoted) > 0 {
				sess.SeatsTaken = promoted[len(promoted)-1].Session.SeatsTaken
			}
			e.Session = sess
		}
		if err := enqueueMail(ctx, tx, mailer.Message(enrolment.Notice{Kind: kind, Enrolment: e, Approval: a})); err != nil {
			return err
		}
		actor := d.Actor
		if actor.ID == 0 {
			actor.Name = "Responsable hiérarchique " + a.ManagerEmail + " (lien reçu par courriel)"
		}
		after := map[string]string{"Décision": enrolment.DecisionLabel(decision), "Responsable": a.ManagerEmail}
		if msg != "" {
			after["Message"] = msg
		}
		if err := auditEnrolments(ctx, tx, action, []auditRow{{actorID: actor.ID, actorName: actor.Name, e: e, after: after}}); err != nil {
			return err
		}
		e.Approval = &a
		out = enrolment.ApprovalRequest{Approval: a, Enrolment: e}
		return nil
	})
	return out, err
}

// ExpireApprovals ends the holds whose manager did not answer in time: each such enrolment is cancelled
// (reason expired), its seat given to the head of the waitlist in the same transaction, the agent told by
// mail. The periodic job runs it; safe with several instances (each session is handled under its row lock, and
// the due requests are read again under it). It returns how many holds expired.
func (s *Store) ExpireApprovals(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT e.session_id FROM enrolment_approvals a JOIN enrolments e ON e.id = a.enrolment_id
		WHERE a.decision = '' AND a.expires_at <= now() AND e.status = 'held' LIMIT 100`)
	if err != nil {
		return 0, fmt.Errorf("postgres.ExpireApprovals: %w", err)
	}
	sessions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("postgres.ExpireApprovals: %w", err)
	}
	n := 0
	for _, id := range sessions {
		k, err := s.expireSession(ctx, id, s.mails)
		n += k
		if err != nil {
			return n, fmt.Errorf("postgres.ExpireApprovals: %w", err)
		}
	}
	// Requests whose enrolment left the held state some other way are closed too (nothing to tell).
	if _, err := s.pool.Exec(ctx, `UPDATE enrolment_approvals a SET decision = 'withdrawn', decided_at = now()
		FROM enrolments e WHERE e.id = a.enrolment_id AND a.decision = '' AND e.status <> 'held'`); err != nil {
		return n, fmt.Errorf("postgres.ExpireApprovals: %w", err)
	}
	return n, nil
}

func (s *Store) expireSession(ctx context.Context, sessionID int64, mailer enrolment.Mailer) (int, error) {
	leave, err := s.batcher.enterGate(ctx, sessionID)
	if err != nil {
		return 0, err
	}
	defer leave()
	n := 0
	err = s.txRetry(ctx, func(tx pgx.Tx) error {
		n = 0
		sess, mod, _, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `WITH due AS (
				SELECT a.id, a.enrolment_id FROM enrolment_approvals a JOIN enrolments e ON e.id = a.enrolment_id
				WHERE e.session_id = $1 AND e.status = 'held' AND a.decision = '' AND a.expires_at <= now()
				ORDER BY e.queue_seq FOR UPDATE OF a, e),
			ap AS (UPDATE enrolment_approvals a SET decision = 'expired', decided_at = now() FROM due WHERE a.id = due.id
				RETURNING `+approvalColumns+`)
			UPDATE enrolments e SET status = 'cancelled', cancel_reason = 'expired', cancelled_at = now(), updated_at = now(), version = e.version + 1
			FROM ap WHERE e.id = ap.enrolment_id
			RETURNING e.id, ap.id, ap.manager_email, ap.requested_at, ap.expires_at`, sessionID)
		if err != nil {
			return err
		}
		type expired struct {
			id int64
			a  enrolment.Approval
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (expired, error) {
			var x expired
			err := r.Scan(&x.id, &x.a.ID, &x.a.ManagerEmail, &x.a.RequestedAt, &x.a.ExpiresAt)
			x.a.EnrolmentID, x.a.Decision = x.id, enrolment.DecisionExpired
			return x, err
		})
		if err != nil || len(list) == 0 {
			return err
		}
		n = len(list)
		free := 0
		if err := tx.QueryRow(ctx, `UPDATE module_sessions SET seats_taken = seats_taken - $2 WHERE id = $1
			RETURNING seats_taken, CASE WHEN status = 'scheduled' AND starts_at > now() THEN capacity - seats_taken ELSE 0 END`, sessionID, n).
			Scan(&sess.SeatsTaken, &free); err != nil {
			return err
		}
		ids := make([]int64, n)
		byID := make(map[int64]enrolment.Approval, n)
		for i, x := range list {
			ids[i], byID[x.id] = x.id, x.a
		}
		gone, err := enrolments(ctx, tx, `WHERE e.id = ANY($1) ORDER BY e.queue_seq`, ids)
		if err != nil {
			return err
		}
		msgs := make([]mail.Message, 0, n)
		audit := make([]auditRow, 0, n)
		for _, e := range gone {
			a := byID[e.ID]
			msgs = append(msgs, mailer.Message(enrolment.Notice{Kind: enrolment.KindExpired, Enrolment: e, Approval: a}))
			audit = append(audit, auditRow{actorName: "Campus (délai de réponse expiré)", e: e,
				after: map[string]string{"Décision": enrolment.DecisionLabel(enrolment.DecisionExpired), "Responsable": a.ManagerEmail}})
		}
		if err := enqueueMails(ctx, tx, msgs); err != nil {
			return err
		}
		if err := auditEnrolments(ctx, tx, ActionExpire, audit); err != nil {
			return err
		}
		promoted, err := promote(ctx, tx, sess, mod, free)
		if err != nil {
			return err
		}
		return tellPromoted(ctx, tx, mailer, promoted)
	})
	return n, err
}

// RemindApprovals mails the reminder of every request due for one (enrolment.ReminderDue), once, with a link
// of its own (the first link stays valid). Safe with several instances (rows taken with SKIP LOCKED). It
// returns how many reminders were queued.
func (s *Store) RemindApprovals(ctx context.Context) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+approvalColumns+` FROM enrolment_approvals a
			WHERE a.decision = '' AND a.reminded_at IS NULL AND a.expires_at > now()
			  AND now() >= a.expires_at - least(make_interval(secs => $1), (a.expires_at - a.requested_at) / 2)
			ORDER BY a.id LIMIT 200 FOR UPDATE SKIP LOCKED`, enrolment.ApprovalReminderLead.Seconds())
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (enrolment.Approval, error) {
			var a enrolment.Approval
			err := r.Scan(approvalDest(&a)...)
			return a, err
		})
		if err != nil || len(list) == 0 {
			return err
		}
		ids, enIDs, hashes, tokens := make([]int64, len(list)), make([]int64, len(list)), make([][]byte, len(list)), make([]string, len(list))
		for i, a := range list {
			tokens[i], hashes[i] = account.NewToken()
			ids[i], enIDs[i] = a.ID, a.EnrolmentID
		}
		if _, err := tx.Exec(ctx, `UPDATE enrolment_approvals a SET reminder_hash = x.h, reminded_at = now()
			FROM unnest($1::bigint[], $2::bytea[]) AS x(id, h) WHERE a.id = x.id`, ids, hashes); err != nil {
			return err
		}
		es, err := enrolments(ctx, tx, `WHERE e.id = ANY($1)`, enIDs)
		if err != nil {
			return err
		}
		byID := make(map[int64]enrolment.Enrolment, len(es))
		for _, e := range es {
			byID[e.ID] = e
		}
		msgs := make([]mail.Message, 0, len(list))
		for i, a := range list {
			e, ok := byID[a.EnrolmentID]
			if !ok || e.Status != enrolment.Held {
				continue
			}
			msgs = append(msgs, s.mails.Message(enrolment.Notice{Kind: enrolment.KindApprovalReminder, Enrolment: e, Approval: a, Token: tokens[i]}))
		}
		n = len(msgs)
		return enqueueMails(ctx, tx, msgs)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.RemindApprovals: %w", err)
	}
	return n, nil
}
