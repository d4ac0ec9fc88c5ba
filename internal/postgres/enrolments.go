package postgres

// Enrolments: the only code that writes enrolments and seats. Every use case is one transaction; the rules are
// internal/enrolment's. Concurrency, per session:
//
//   - the session row is locked (SELECT … FOR UPDATE) by every operation that changes its seats or its waitlist
//     (enrol, cancel, promote, change capacity, cancel the session), so they are serialised per session and each
//     sees the others' committed effects;
//   - a seat is taken by a conditional UPDATE (seats_taken < capacity, and nobody waiting): 0 rows means full, so
//     the enrolment goes to the waitlist; the CHECK seats_taken <= capacity is the backstop;
//   - the waitlist is ordered by queue_seq, drawn from a sequence under the session's lock (arrival order);
//   - the unique partial indexes on (user, module) and (user, session) of active enrolments make a double submit
//     harmless: it finds the first enrolment (or, racing, fails on the index and is retried once, then finds it).
//
//   - within one instance, requests for the same session are queued in order of arrival and served in batches
//     (EnrolInSession → enrolBatch: one lock, one insert, one batch of mails for a crowd), and the other
//     operations on a session pass an in-process gate first, so that waiting for the row lock holds no pool
//     connection.
//
// Lock order: session row, then enrolment rows. Mails are queued in the outbox in the same transaction.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/apperr"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/mail"
)

const enrolmentColumns = `e.id, e.user_id, e.status, e.cancel_reason, coalesce(e.queue_seq, 0), e.version,
	e.created_at, e.updated_at, e.confirmed_at, e.cancelled_at, e.attendance_at, e.completed_at, e.absence_reason, e.absence_declared_at, e.completion_declared,
	m.id, m.slug, m.title, m.format, m.duration_minutes, m.external_url, coalesce(p.name, ''), m.status, d.status, d.title,
	coalesce(ms.id, 0), coalesce(ms.ref, ''), coalesce(ms.starts_at, 'epoch'), coalesce(ms.ends_at, 'epoch'),
	coalesce(ms.place_name, ''), coalesce(ms.address, ''), coalesce(ms.city, ''), coalesce(ms.virtual_url, ''),
	coalesce(ms.capacity, 0), coalesce(ms.seats_taken, 0), coalesce(ms.status, ''), coalesce(ms.approval_required, false), coalesce(ms.half_days, false),
	coalesce(t.slug, ''), coalesce(t.title, ''),
	u.email, u.given_name, u.usual_name, u.administration,
	CASE WHEN e.status = 'waitlisted' THEN (SELECT count(*) FROM enrolments w
		WHERE w.session_id = e.session_id AND w.status = 'waitlisted' AND w.queue_seq <= e.queue_seq) ELSE 0 END`

const enrolmentFrom = `
	FROM enrolments e
	JOIN users u ON u.id = e.user_id
	JOIN modules m ON m.id = e.module_id
	JOIN domains d ON d.id = m.domain_id
	LEFT JOIN partners p ON p.id = m.partner_id
	LEFT JOIN module_sessions ms ON ms.id = e.session_id
	LEFT JOIN tracks t ON t.id = e.track_id`

func scanEnrolment(row pgx.Row, e *enrolment.Enrolment) error {
	var pos int64
	m, x := &e.Module, &e.Session
	err := row.Scan(&e.ID, &e.UserID, &e.Status, &e.Reason, &e.QueueSeq, &e.Version,
		&e.CreatedAt, &e.UpdatedAt, &e.ConfirmedAt, &e.CancelledAt, &e.AttendanceAt, &e.CompletedAt, &e.AbsenceReason, &e.AbsenceDeclaredAt, &e.Declared,
		&m.ID, &m.Slug, &m.Title, &m.Format, &m.DurationMinutes, &m.ExternalURL, &m.Partner, &m.Status, &m.DomainStatus, &m.DomainTitle,
		&x.ID, &x.Ref, &x.StartsAt, &x.EndsAt, &x.PlaceName, &x.Address, &x.City, &x.VirtualURL, &x.Capacity, &x.SeatsTaken, &x.Status, &x.ApprovalRequired, &x.HalfDays,
		&e.Track.Slug, &e.Track.Title,
		&e.Person.Email, &e.Person.GivenName, &e.Person.UsualName, &e.Person.Administration, &pos)
	if x.ID != 0 {
		x.ModuleID = m.ID
	}
	e.Position = int(pos)
	return err
}

// enrolments runs a query over enrolmentColumns/enrolmentFrom with the given tail (WHERE … ORDER BY …).
func enrolments(ctx context.Context, q queryer, tail string, args ...any) ([]enrolment.Enrolment, error) {
	rows, err := q.Query(ctx, `SELECT `+enrolmentColumns+enrolmentFrom+` `+tail, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (enrolment.Enrolment, error) {
		var e enrolment.Enrolment
		err := scanEnrolment(r, &e)
		return e, err
	})
}

func oneEnrolment(ctx context.Context, q queryer, tail string, args ...any) (enrolment.Enrolment, error) {
	var e enrolment.Enrolment
	err := scanEnrolment(q.QueryRow(ctx, `SELECT `+enrolmentColumns+enrolmentFrom+` `+tail, args...), &e)
	return e, notFound(err)
}

const moduleRefColumns = `m.id, m.slug, m.title, m.format, m.duration_minutes, m.external_url, coalesce(p.name, ''),
	m.status, d.status, d.title`

func moduleRefDest(m *enrolment.ModuleRef) []any {
	return []any{&m.ID, &m.Slug, &m.Title, &m.Format, &m.DurationMinutes, &m.ExternalURL, &m.Partner, &m.Status, &m.DomainStatus, &m.DomainTitle}
}

// lockSession locks a session row for the rest of the transaction and returns it with its module and the
// transaction's time. An extra column (SQL over ms and $2 = arg), when given, is read into dest in the same
// round trip.
func lockSession(ctx context.Context, tx pgx.Tx, id int64, extra ...any) (catalogue.Session, enrolment.ModuleRef, time.Time, error) {
	var x catalogue.Session
	var m enrolment.ModuleRef
	var now time.Time
	dest := append(moduleRefDest(&m), &now)
	col, args := "", []any{id}
	if len(extra) == 3 {
		col, args, dest = ", "+extra[0].(string), append(args, extra[1]), append(dest, extra[2])
	}
	err := scanSession(tx.QueryRow(ctx, `SELECT `+sessionColumns+`, `+moduleRefColumns+`, now()`+col+`
		FROM module_sessions ms JOIN modules m ON m.id = ms.module_id JOIN domains d ON d.id = m.domain_id
		LEFT JOIN partners p ON p.id = m.partner_id
		WHERE ms.id = $1 FOR UPDATE OF ms`, args...), &x, dest...)
	return x, m, now, notFound(err)
}

// errRetry asks txRetry to run the transaction again: what it read before taking its locks has changed.
var errRetry = errors.New("enrolment changed concurrently: retry")

// person returns what the mails and rules need of a user.
func person(ctx context.Context, q queryer, userID int64) (enrolment.Person, bool, error) {
	var p enrolment.Person
	var verified bool
	err := q.QueryRow(ctx, `SELECT email, given_name, usual_name, administration, email_verified_at IS NOT NULL
		FROM users WHERE id = $1`, userID).Scan(&p.Email, &p.GivenName, &p.UsualName, &p.Administration, &verified)
	return p, verified, notFound(err)
}

func notify(ctx context.Context, tx pgx.Tx, mailer enrolment.Mailer, kind string, e enrolment.Enrolment) error {
	return enqueueMail(ctx, tx, mailer.Message(enrolment.Notice{Kind: kind, Enrolment: e}))
}

// retryable: a race on the unique indexes of active enrolments (two submits at once) or a deadlock; the
// transaction is run again and then sees what the other committed.
func retryable(err error) bool {
	if errors.Is(err, errRetry) {
		return true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40P01" || pe.Code == "40001" ||
		(pe.Code == "23505" && (pe.ConstraintName == "enrolments_active_module_key" || pe.ConstraintName == "enrolments_active_session_key"))
}

// txRetry is tx, run again (at most twice more) when it failed on a retryable conflict.
func (s *Store) txRetry(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.tx(ctx, fn)
		if attempt < 2 && retryable(err) {
			continue
		}
		return err
	}
}

// activeEnrolment locks and returns the user's active enrolment of a module, if any.
func activeEnrolment(ctx context.Context, tx pgx.Tx, userID, moduleID int64) (enrolment.Enrolment, bool, error) {
	e, err := oneEnrolment(ctx, tx, `WHERE e.user_id = $1 AND e.module_id = $2
		AND e.status IN ('pending', 'confirmed', 'waitlisted', 'held') FOR UPDATE OF e`, userID, moduleID)
	if errors.Is(err, apperr.ErrNotFound) {
		return e, false, nil
	}
	return e, err == nil, err
}

// EnrolInSession enrols a user in a dated session: a seat when one is free and nobody waits, otherwise the
// waitlist (in arrival order). It is idempotent: asking again for the same session returns the enrolment with
// Already set. A waitlisted or pending (track) enrolment of the same module is left for this session
// (Outcome.Left); a confirmed seat in another session of the module is refused (cancel it first). Refusals
// (an apperr.Refusal of the enrolment package): unverified address, module not open (draft, archived, domain coming), online module,
// session unknown, cancelled or started. The confirmation or waitlist mail is queued in the same transaction.
//
// Under a crowd, the requests for one session that wait for it in this process are served together, in their
// order of arrival, by one transaction (enrolBatch): the session's lock is taken once for all of them.
//
// manager names the agent's line manager (their professional address, "" when none), for a
// session that requires the manager's approval (catalogue.Session.ApprovalRequired; ignored otherwise): a free
// seat is then held (enrolment.Held) and the manager asked by mail (approvals.go); the address is remembered
// for the agent's next enrolment. Refusals of such a session: no address, or not a valid one
// (enrolment.CodeManagerRequired, CodeManagerInvalid).
func (s *Store) EnrolInSession(ctx context.Context, userID, sessionID int64, manager string) (enrolment.Outcome, error) {
	who, verified, err := person(ctx, s.pool, userID)
	if err == nil {
		err = enrolment.MayEnrol(verified)
	}
	if err != nil {
		return enrolment.Outcome{}, fmt.Errorf("postgres.EnrolInSession: %w", err)
	}
	call := &enrolCall{userID: userID, who: who, manager: manager, mailer: s.mails, done: make(chan enrolResult, 1)}
	s.batcher.submit(s, sessionID, call)
	select {
	case r := <-call.done:
		if r.err != nil {
			return r.out, fmt.Errorf("postgres.EnrolInSession: %w", r.err)
		}
		return r.out, nil
	case <-ctx.Done():
		// The enrolment may still be made (as when a client leaves after the commit): resubmitting finds it.
		return enrolment.Outcome{}, fmt.Errorf("postgres.EnrolInSession: %w", ctx.Err())
	}
}

// enrolBatch serves requests for one session in order of arrival: in one transaction, under the session's lock,
// the first ones take the free seats (if nobody waits), the others join the end of the waitlist, with their
// mails. A request whose agent already has this module on their list (a resubmitted form, a waitlist or a
// track's module to leave for this session) or that repeats an agent of the batch is served afterwards, alone,
// by enrolOne.
func (s *Store) enrolBatch(ctx context.Context, sessionID int64, calls []*enrolCall) []enrolResult {
	results := make([]enrolResult, len(calls))
	leave, err := s.batcher.enterGate(ctx, sessionID)
	if err != nil {
		for i := range results {
			results[i].err = err
		}
		return results
	}
	defer leave()
	var alone []int // served by enrolOne after the batch
	err = s.txRetry(ctx, func(tx pgx.Tx) error {
		for i := range results {
			results[i] = enrolResult{}
		}
		alone = alone[:0]
		sess, mod, now, err := lockSession(ctx, tx, sessionID)
		if errors.Is(err, apperr.ErrNotFound) {
			err = enrolment.ErrSessionUnknown
		}
		if err == nil {
			err = enrolment.CheckModuleOpen(mod)
		}
		if err == nil && !mod.Dated() {
			err = enrolment.ErrNotDated
		}
		if _, refused := apperr.AsRefusal(err); refused {
			for i := range results {
				results[i].err = err
			}
			return nil
		}
		if err != nil {
			return err
		}
		users := make([]int64, len(calls))
		for i, c := range calls {
			users[i] = c.userID
		}
		var waiting int
		var listed []int64
		if err := tx.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'),
				coalesce((SELECT array_agg(user_id) FROM enrolments WHERE user_id = ANY($2) AND module_id = $3
					AND status IN ('pending', 'confirmed', 'waitlisted', 'held')), '{}')`, sessionID, users, mod.ID).Scan(&waiting, &listed); err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, u := range listed {
			seen[u] = true
		}
		var fresh []int
		for i, c := range calls {
			if seen[c.userID] {
				alone = append(alone, i)
				continue
			}
			if sess.ApprovalRequired {
				if err := enrolment.CheckManagerEmail(c.who.Email, c.manager); err != nil {
					results[i].err = err
					continue
				}
			}
			seen[c.userID] = true
			fresh = append(fresh, i)
		}
		if len(fresh) == 0 {
			return nil
		}
		if err := enrolment.CheckSessionOpen(sess, now); err != nil {
			for _, i := range fresh {
				results[i].err = err
			}
			return nil
		}
		// Seats for the first ones, only when nobody waits (held for the manager's approval when the session
		// requires it); the waitlist for the others.
		seats := 0
		if waiting == 0 {
			seats = min(max(sess.Capacity-sess.SeatsTaken, 0), len(fresh))
		}
		seated := enrolment.Confirmed
		if sess.ApprovalRequired {
			seated = enrolment.Held
		}
		ids, statuses := make([]int64, len(fresh)), make([]string, len(fresh))
		for k, i := range fresh {
			ids[k], statuses[k] = calls[i].userID, enrolment.Waitlisted
			if k < seats {
				statuses[k] = seated
			}
		}
		rows, err := tx.Query(ctx, `WITH x AS (SELECT * FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS x(user_id, status, ord))
			INSERT INTO enrolments (user_id, module_id, session_id, status, queue_seq, confirmed_at)
			SELECT x.user_id, $3, $4, x.status, nextval('enrolment_queue_seq'), CASE WHEN x.status = 'confirmed' THEN now() END
			FROM x ORDER BY x.ord
			RETURNING id, user_id, status, queue_seq, version, created_at, updated_at, confirmed_at`, ids, statuses, mod.ID, sessionID)
		if err != nil {
			return err
		}
		made, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (enrolment.Enrolment, error) {
			e := enrolment.Enrolment{Module: mod, Session: sess}
			err := r.Scan(&e.ID, &e.UserID, &e.Status, &e.QueueSeq, &e.Version, &e.CreatedAt, &e.UpdatedAt, &e.ConfirmedAt)
			return e, err
		})
		if err != nil {
			return err
		}
		if seats > 0 {
			if _, err := tx.Exec(ctx, `UPDATE module_sessions SET seats_taken = seats_taken + $2 WHERE id = $1`, sessionID, seats); err != nil {
				return err
			}
		}
		byUser := make(map[int64]enrolment.Enrolment, len(made))
		for _, e := range made {
			byUser[e.UserID] = e
		}
		msgs := make([]mail.Message, 0, len(fresh))
		var held []enrolment.Enrolment
		var managers []string
		for _, i := range fresh {
			e, ok := byUser[calls[i].userID]
			if !ok {
				return fmt.Errorf("enrolment of user %d not written", calls[i].userID)
			}
			e.Person, e.Session.SeatsTaken = calls[i].who, sess.SeatsTaken+seats
			kind := enrolment.KindConfirmed
			if e.Status == enrolment.Waitlisted {
				waiting++
				e.Position, kind = waiting, enrolment.KindWaitlisted
			}
			if sess.ApprovalRequired {
				e.ManagerEmail = calls[i].manager
				managers = append(managers, calls[i].manager)
			}
			if e.Status == enrolment.Held {
				held = append(held, e)
				results[i].out.Enrolment = e // completed with its approval below
				continue
			}
			results[i].out.Enrolment = e
			msgs = append(msgs, calls[i].mailer.Message(enrolment.Notice{Kind: kind, Enrolment: e}))
		}
		if sess.ApprovalRequired {
			if err := rememberManagers(ctx, tx, ids, managers, mod.ID); err != nil {
				return err
			}
			approvals, err := requestApprovals(ctx, tx, calls[fresh[0]].mailer, held, now, enrolment.KindHeld)
			if err != nil {
				return err
			}
			for _, i := range fresh {
				if a, ok := approvals[results[i].out.Enrolment.ID]; ok {
					results[i].out.Enrolment.Approval = &a
				}
			}
		}
		return enqueueMails(ctx, tx, msgs)
	})
	if err != nil {
		for i := range results {
			results[i].err = err
		}
		return results
	}
	for _, i := range alone {
		out, err := s.enrolOne(ctx, calls[i].userID, sessionID, calls[i].who, calls[i].manager, calls[i].mailer)
		results[i] = enrolResult{out, err}
	}
	return results
}

// enrolOne serves one request in its own transaction (the session's gate is held by the caller), with every
// case: already enrolled here, a seat elsewhere (refused), a waitlist place elsewhere or a track's module to
// schedule (taken on for this session).
func (s *Store) enrolOne(ctx context.Context, userID, sessionID int64, who enrolment.Person, manager string, mailer enrolment.Mailer) (enrolment.Outcome, error) {
	var out enrolment.Outcome
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		out = enrolment.Outcome{}
		var activeID int64
		sess, mod, now, err := lockSession(ctx, tx, sessionID, `coalesce((SELECT e.id FROM enrolments e WHERE e.user_id = $2
			AND e.module_id = ms.module_id AND e.status IN ('pending', 'confirmed', 'waitlisted', 'held')), 0)`, userID, &activeID)
		if errors.Is(err, apperr.ErrNotFound) {
			return enrolment.ErrSessionUnknown
		}
		if err != nil {
			return err
		}
		if err := enrolment.CheckModuleOpen(mod); err != nil {
			return err
		}
		if !mod.Dated() {
			return enrolment.ErrNotDated
		}
		var cur enrolment.Enrolment
		found := activeID != 0
		if found {
			// The agent already has this module on their list: read it locked (a rare path: a resubmitted form,
			// another session, a track's module to schedule).
			if cur, err = oneEnrolment(ctx, tx, `WHERE e.id = $1 AND e.status IN ('pending', 'confirmed', 'waitlisted', 'held') FOR UPDATE OF e`, activeID); err != nil {
				return errRetry // changed since the lock's read
			}
		}
		var pendingID int64
		if found {
			switch {
			case cur.Session.ID == sessionID:
				out.Already, out.Enrolment = true, cur
				return nil
			case cur.Status == enrolment.Confirmed || cur.Status == enrolment.Held:
				return enrolment.ErrOtherSession.With(catalogue.SpanAfterDu(cur.Session.StartsAt, cur.Session.EndsAt))
			case cur.Status == enrolment.Pending:
				pendingID = cur.ID
			}
		}
		// The session's state is checked after the idempotent answer: a resubmitted form after the start still
		// finds its enrolment.
		if err := enrolment.CheckSessionOpen(sess, now); err != nil {
			return err
		}
		if sess.ApprovalRequired {
			if err := enrolment.CheckManagerEmail(who.Email, manager); err != nil {
				return err
			}
		}
		if found && cur.Status == enrolment.Waitlisted {
			if err := enrolment.Transition(cur.Status, enrolment.Cancelled); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE enrolments SET status = 'cancelled', cancel_reason = 'switched', cancelled_at = now(),
				updated_at = now(), version = version + 1 WHERE id = $1`, cur.ID); err != nil {
				return err
			}
			left := cur
			left.Status, left.Reason = enrolment.Cancelled, enrolment.ReasonSwitched
			out.Left = &left
		}
		// A seat, only when one is free and nobody waits for it; otherwise the end of the waitlist. One statement:
		// the conditional UPDATE (0 rows: full, or people waiting) decides the status of the enrolment written.
		const seat = `WITH seat AS (
				UPDATE module_sessions SET seats_taken = seats_taken + 1
				WHERE id = $1 AND seats_taken < capacity
				  AND NOT EXISTS (SELECT 1 FROM enrolments w WHERE w.session_id = $1 AND w.status = 'waitlisted')
				RETURNING seats_taken)`
		status := `CASE WHEN EXISTS (SELECT 1 FROM seat) THEN 'confirmed' ELSE 'waitlisted' END`
		if sess.ApprovalRequired {
			status = `CASE WHEN EXISTS (SELECT 1 FROM seat) THEN 'held' ELSE 'waitlisted' END`
		}
		const returning = ` RETURNING e.id, e.status, e.queue_seq, e.version, e.created_at, e.updated_at, e.confirmed_at,
				(SELECT count(*) FROM enrolments w WHERE w.session_id = $1 AND w.status = 'waitlisted'),
				coalesce((SELECT seats_taken FROM seat), 0)`
		e := enrolment.Enrolment{UserID: userID, Module: mod, Session: sess, Person: who}
		var waiting, taken int
		dest := []any{&e.ID, &e.Status, &e.QueueSeq, &e.Version, &e.CreatedAt, &e.UpdatedAt, &e.ConfirmedAt, &waiting, &taken}
		if pendingID != 0 {
			// The track's pending enrolment takes the session (pending → confirmed or waitlisted).
			err = tx.QueryRow(ctx, seat+`
				UPDATE enrolments e SET session_id = $1, status = `+status+`, queue_seq = nextval('enrolment_queue_seq'),
					confirmed_at = CASE WHEN EXISTS (SELECT 1 FROM seat) AND NOT $3 THEN now() END, updated_at = now(), version = e.version + 1
				WHERE e.id = $2 AND e.status = 'pending'`+returning, sessionID, pendingID, sess.ApprovalRequired).Scan(dest...)
			e.Track = cur.Track
		} else {
			err = tx.QueryRow(ctx, seat+`
				INSERT INTO enrolments AS e (user_id, module_id, session_id, status, queue_seq, confirmed_at)
				SELECT $2, $3, $1, `+status+`, nextval('enrolment_queue_seq'), CASE WHEN EXISTS (SELECT 1 FROM seat) AND NOT $4 THEN now() END`+
				returning, sessionID, userID, mod.ID, sess.ApprovalRequired).Scan(dest...)
		}
		if err != nil {
			return err
		}
		if pendingID != 0 {
			if err := enrolment.Transition(enrolment.Pending, e.Status); err != nil {
				return err
			}
		}
		if e.Status == enrolment.Waitlisted {
			e.Position = waiting + 1 // the count does not see this statement's own row
		} else {
			e.Session.SeatsTaken = taken
		}
		if sess.ApprovalRequired {
			e.ManagerEmail = manager
			if err := rememberManagers(ctx, tx, []int64{userID}, []string{manager}, mod.ID); err != nil {
				return err
			}
		}
		out.Enrolment = e
		if e.Status == enrolment.Held {
			approvals, err := requestApprovals(ctx, tx, mailer, []enrolment.Enrolment{e}, now, enrolment.KindHeld)
			if a, ok := approvals[e.ID]; ok {
				out.Enrolment.Approval = &a
			}
			return err
		}
		kind := enrolment.KindConfirmed
		if e.Status == enrolment.Waitlisted {
			kind = enrolment.KindWaitlisted
		}
		return notify(ctx, tx, mailer, kind, e)
	})
	return out, err
}

// moduleRef returns a module with its domain's status.
func moduleRef(ctx context.Context, q queryer, moduleID int64) (enrolment.ModuleRef, error) {
	var m enrolment.ModuleRef
	err := q.QueryRow(ctx, `SELECT `+moduleRefColumns+` FROM modules m JOIN domains d ON d.id = m.domain_id
		LEFT JOIN partners p ON p.id = m.partner_id WHERE m.id = $1`, moduleID).Scan(moduleRefDest(&m)...)
	return m, notFound(err)
}

// EnrolOnline enrols a user in a self-paced online module: confirmed at once (the partner's link is then shown).
// Idempotent (Already). Refusals: unverified address, module not open, dated module, module already completed.
func (s *Store) EnrolOnline(ctx context.Context, userID, moduleID int64) (enrolment.Outcome, error) {
	var out enrolment.Outcome
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		out = enrolment.Outcome{}
		_, verified, err := person(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := enrolment.MayEnrol(verified); err != nil {
			return err
		}
		mod, err := moduleRef(ctx, tx, moduleID)
		if err != nil {
			return err
		}
		if err := enrolment.CheckModuleOpen(mod); err != nil {
			return err
		}
		if mod.Dated() {
			return enrolment.ErrDated
		}
		cur, found, err := activeEnrolment(ctx, tx, userID, mod.ID)
		if err != nil {
			return err
		}
		if found {
			out.Already, out.Enrolment = true, cur
			return nil
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM enrolments WHERE user_id = $1 AND module_id = $2 AND status = 'completed')`,
			userID, mod.ID).Scan(&done); err != nil {
			return err
		}
		if done {
			return enrolment.ErrAlreadyCompleted
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO enrolments (user_id, module_id, status, confirmed_at)
			VALUES ($1, $2, 'confirmed', now()) RETURNING id`, userID, mod.ID).Scan(&id); err != nil {
			return err
		}
		if out.Enrolment, err = oneEnrolment(ctx, tx, `WHERE e.id = $1`, id); err != nil {
			return err
		}
		return notify(ctx, tx, s.mails, enrolment.KindOnline, out.Enrolment)
	})
	if err != nil {
		return out, fmt.Errorf("postgres.EnrolOnline: %w", err)
	}
	return out, nil
}

// TrackProgress says where a user stands in a track (one query).
func (s *Store) TrackProgress(ctx context.Context, userID, trackID int64) (enrolment.TrackProgress, error) {
	var p enrolment.TrackProgress
	err := s.pool.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE st.active AND NOT st.done),
			count(*) FILTER (WHERE st.done)
		FROM track_modules tm JOIN modules m ON m.id = tm.module_id
		CROSS JOIN LATERAL (SELECT
			coalesce(bool_or(e.status IN ('pending', 'confirmed', 'waitlisted', 'held')), false) AS active,
			coalesce(bool_or(e.status IN ('attended', 'completed')), false) AS done
			FROM enrolments e WHERE e.user_id = $1 AND e.module_id = tm.module_id) st
		WHERE tm.track_id = $2 AND m.status <> 'draft'`, userID, trackID).Scan(&p.Total, &p.Active, &p.Done)
	if err != nil {
		return p, fmt.Errorf("postgres.TrackProgress: %w", err)
	}
	return p, nil
}

// EnrolTrack enrols a user in the open modules of a track, in track order: online modules are confirmed at once,
// dated modules wait as "pending" until the agent picks a session (EnrolInSession then takes them on). Modules
// already followed actively are left as they are. One mail sums it up. Refusals: tailored programme (reserved to
// its administration), track or domain not open, nothing new to enrol in.
func (s *Store) EnrolTrack(ctx context.Context, userID, trackID int64) (enrolment.TrackOutcome, error) {
	var out enrolment.TrackOutcome
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		out = enrolment.TrackOutcome{}
		p, verified, err := person(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := enrolment.MayEnrol(verified); err != nil {
			return err
		}
		var status, administration, domainStatus, domainTitle string
		if err := tx.QueryRow(ctx, `SELECT t.slug, t.title, t.status, t.administration, d.status, d.title
			FROM tracks t JOIN domains d ON d.id = t.domain_id WHERE t.id = $1`, trackID).
			Scan(&out.Track.Slug, &out.Track.Title, &status, &administration, &domainStatus, &domainTitle); err != nil {
			return notFound(err)
		}
		switch {
		case administration != "":
			return enrolment.ErrTrackTailored.With(administration)
		case status != catalogue.StatusPublished:
			return enrolment.ErrTrackClosed
		case domainStatus == catalogue.StatusComing:
			return enrolment.ErrTrackDomainComing.With(domainTitle)
		}
		rows, err := tx.Query(ctx, `SELECT `+moduleRefColumns+`,
				EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = $2 AND e.module_id = m.id AND e.status IN ('pending', 'confirmed', 'waitlisted', 'held'))
			FROM track_modules tm JOIN modules m ON m.id = tm.module_id JOIN domains d ON d.id = m.domain_id
			LEFT JOIN partners p ON p.id = m.partner_id
			WHERE tm.track_id = $1 AND m.status <> 'draft' ORDER BY tm.position`, trackID, userID)
		if err != nil {
			return err
		}
		type item struct {
			m      enrolment.ModuleRef
			active bool
		}
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
			var it item
			err := r.Scan(append(moduleRefDest(&it.m), &it.active)...)
			return it, err
		})
		if err != nil {
			return err
		}
		for _, it := range items {
			if enrolment.CheckModuleOpen(it.m) != nil {
				out.Closed = append(out.Closed, it.m)
				continue
			}
			if it.active {
				out.Already = append(out.Already, it.m)
				continue
			}
			status := enrolment.Pending
			if !it.m.Dated() {
				status = enrolment.Confirmed
			}
			tag, err := tx.Exec(ctx, `INSERT INTO enrolments (user_id, module_id, track_id, status, confirmed_at)
				VALUES ($1, $2, $3, $4, CASE WHEN $4 = 'confirmed' THEN now() END)
				ON CONFLICT (user_id, module_id) WHERE status IN ('pending', 'confirmed', 'waitlisted', 'held') DO NOTHING`,
				userID, it.m.ID, trackID, status)
			if err != nil {
				return err
			}
			switch {
			case tag.RowsAffected() == 0:
				out.Already = append(out.Already, it.m)
			case status == enrolment.Confirmed:
				out.Online = append(out.Online, it.m)
			default:
				out.ToSchedule = append(out.ToSchedule, it.m)
			}
		}
		if len(out.Online)+len(out.ToSchedule) == 0 {
			if len(out.Already) > 0 {
				return enrolment.ErrTrackNothingNew
			}
			return enrolment.ErrTrackNoOpenModule
		}
		return enqueueMail(ctx, tx, s.mails.Message(enrolment.Notice{Kind: enrolment.KindTrack,
			Enrolment: enrolment.Enrolment{UserID: userID, Person: p}, Track: out}))
	})
	if err != nil {
		return out, fmt.Errorf("postgres.EnrolTrack: %w", err)
	}
	return out, nil
}

// CancelEnrolment is the agent cancelling their own enrolment (userID must own it, otherwise
// apperr.ErrNotFound): a confirmed seat until the cut-off (enrolment.CancelCutoff before the start), a waitlist
// place or a pending module at any time before the start. A freed seat goes to the first waitlisted agent in the
// same transaction (unless the session has started), who is told by mail; the agent gets a confirmation mail.
func (s *Store) CancelEnrolment(ctx context.Context, userID, enrolmentID int64) (enrolment.Enrolment, error) {
	e, err := s.cancel(ctx, enrolmentID, userID, enrolment.ReasonAgent, s.mails)
	if err != nil {
		return e, fmt.Errorf("postgres.CancelEnrolment: %w", err)
	}
	return e, nil
}

func (s *Store) cancel(ctx context.Context, enrolmentID, userID int64, reason string, mailer enrolment.Mailer) (enrolment.Enrolment, error) {
	return s.cancelWith(ctx, enrolmentID, userID, reason, "", mailer)
}

// cancelWith is cancel recording the reason of an absence the agent declared (attendance.go), when not empty.
func (s *Store) cancelWith(ctx context.Context, enrolmentID, userID int64, reason, absence string, mailer enrolment.Mailer) (enrolment.Enrolment, error) {
	var e enrolment.Enrolment
	read := func() error {
		var err error
		e, err = oneEnrolment(ctx, s.pool, `WHERE e.id = $1 AND ($2 = 0 OR e.user_id = $2)`, enrolmentID, userID)
		return err
	}
	// Read (and check the owner) before waiting for the session; the cancellation below only applies if the
	// status is still the one read, otherwise it reads again.
	if err := read(); err != nil {
		return e, err
	}
	if e.HasSession() {
		leave, err := s.batcher.enterGate(ctx, e.Session.ID)
		if err != nil {
			return e, err
		}
		defer leave()
	}
	first := true
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		if !first {
			if err := read(); err != nil {
				return err
			}
		}
		first = false
		now := time.Now()
		var sess catalogue.Session
		var mod enrolment.ModuleRef
		if e.HasSession() {
			var err error
			if sess, mod, now, err = lockSession(ctx, tx, e.Session.ID); err != nil {
				return err
			}
			e.Session = sess // as it is now (dates, seats)
		}
		if reason == enrolment.ReasonAgent {
			if err := enrolment.CheckCancel(e, now); err != nil {
				return err
			}
		} else if !enrolment.Active(e.Status) || (e.HasSession() && !e.Session.StartsAt.After(now)) {
			return enrolment.ErrNotCancellable.With(enrolment.StatusLabel(e.Status))
		}
		if err := enrolment.Transition(e.Status, enrolment.Cancelled); err != nil {
			return err
		}
		// One statement: the cancellation, its mail, the seat given back and, when the session is still to come, the
		// seat given to the head of the waitlist (so the seats taken do not change then).
		was := e.Status
		done := e
		done.Status, done.Reason, done.Position = enrolment.Cancelled, reason, 0
		done.Version++
		m := mailer.Message(enrolment.Notice{Kind: enrolment.KindCancelled, Enrolment: done})
		open := sess.Status == "scheduled" && sess.StartsAt.After(now)
		rows, err := tx.Query(ctx, `
			WITH c AS (
				UPDATE enrolments SET status = 'cancelled', cancel_reason = $3, cancelled_at = now(), updated_at = now(), version = version + 1,
					absence_reason = CASE WHEN $11 <> '' THEN $11 ELSE absence_reason END,
					absence_declared_at = CASE WHEN $11 <> '' THEN now() ELSE absence_declared_at END
				WHERE id = $1 AND status = $2 RETURNING version, updated_at, cancelled_at),
			told AS (
				INSERT INTO mail_outbox (kind, recipient, subject, body) SELECT $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM c)),
			next AS (
				SELECT w.id FROM enrolments w
				WHERE w.session_id = $4 AND w.status = 'waitlisted' AND $2 IN ('confirmed', 'held') AND $5 AND EXISTS (SELECT 1 FROM c)
				ORDER BY w.queue_seq LIMIT 1 FOR UPDATE),
			up AS (
				UPDATE enrolments e SET `+strings.ReplaceAll(promotedSet, "$approval", "$10")+`, updated_at = now(), version = e.version + 1
				FROM next, users u WHERE e.id = next.id AND u.id = e.user_id
				RETURNING e.id, e.user_id, e.queue_seq, e.version, e.created_at, e.updated_at, e.confirmed_at, `+promotedColumns+`),
			seats AS (
				UPDATE module_sessions SET seats_taken = seats_taken - 1 + (SELECT count(*) FROM up)
				WHERE id = $4 AND $2 IN ('confirmed', 'held') AND EXISTS (SELECT 1 FROM c) RETURNING seats_taken),
			withdrawn AS (
				UPDATE enrolment_approvals SET decision = 'withdrawn', decided_at = now()
				WHERE enrolment_id = $1 AND decision = '' AND $2 = 'held' AND EXISTS (SELECT 1 FROM c))
			SELECT c.version, c.updated_at, c.cancelled_at, coalesce((SELECT seats_taken FROM seats), 0),
				up.id, up.user_id, up.queue_seq, up.version, up.created_at, up.updated_at, up.confirmed_at, up.status, up.manager_email,
				u.email, u.given_name, u.usual_name, u.administration
			FROM c LEFT JOIN up ON true LEFT JOIN users u ON u.id = up.user_id`,
			e.ID, was, reason, e.Session.ID, open, m.Kind, m.To, m.Subject, m.Body, sess.ApprovalRequired, absence)
		if err != nil {
			return err
		}
		var promoted []enrolment.Enrolment
		found := false
		for rows.Next() {
			found = true
			var p struct {
				id, user, seq                   *int64
				version                         *int
				created, updated, confirmed     *time.Time
				email, given, usual, administer *string
				status, manager                 *string
			}
			var taken int
			if err := rows.Scan(&e.Version, &e.UpdatedAt, &e.CancelledAt, &taken, &p.id, &p.user, &p.seq, &p.version,
				&p.created, &p.updated, &p.confirmed, &p.status, &p.manager, &p.email, &p.given, &p.usual, &p.administer); err != nil {
				rows.Close()
				return err
			}
			sess.SeatsTaken = taken
			if p.id != nil {
				promoted = append(promoted, enrolment.Enrolment{ID: *p.id, UserID: *p.user, Status: *p.status, ManagerEmail: *p.manager, QueueSeq: *p.seq,
					Version: *p.version, CreatedAt: *p.created, UpdatedAt: *p.updated, ConfirmedAt: p.confirmed, Module: mod, Session: sess,
					Person: enrolment.Person{Email: *p.email, GivenName: *p.given, UsualName: *p.usual, Administration: *p.administer}})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if !found {
			return errRetry // promoted or changed since read: read again
		}
		e.Status, e.Reason, e.Position = enrolment.Cancelled, reason, 0
		if e.HasSession() {
			e.Session.SeatsTaken = sess.SeatsTaken
		}
		for i := range promoted {
			promoted[i].Session.SeatsTaken = sess.SeatsTaken
		}
		return tellPromoted(ctx, tx, mailer, promoted)
	})
	return e, err
}

// enqueueMails writes several mails to the outbox in one statement, inside the caller's transaction.
func enqueueMails(ctx context.Context, tx pgx.Tx, msgs []mail.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	var kinds, to, subjects, bodies []string
	for _, m := range msgs {
		kinds, to, subjects, bodies = append(kinds, m.Kind), append(to, m.To), append(subjects, m.Subject), append(bodies, m.Body)
	}
	_, err := tx.Exec(ctx, `INSERT INTO mail_outbox (kind, recipient, subject, body)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`, kinds, to, subjects, bodies)
	return err
}

// promotedStatus and promotedManager are the SET of a promotion from the waitlist (e, with its user u): in a
// session that requires approval ($approval), the seat is held for the manager the agent named (or named last),
// confirmed when no manager is known (the session's setting changed after they joined the waitlist).
const (
	promotedHeld = `$approval AND coalesce(nullif(e.manager_email, ''), u.manager_email) <> ''`
	promotedSet  = `status = CASE WHEN ` + promotedHeld + ` THEN 'held' ELSE 'confirmed' END,
		confirmed_at = CASE WHEN ` + promotedHeld + ` THEN NULL ELSE now() END,
		manager_email = CASE WHEN $approval THEN coalesce(nullif(e.manager_email, ''), u.manager_email) ELSE e.manager_email END`
	promotedColumns = `e.status, e.manager_email`
)

// promote gives up to free seats of a locked session (sess, of module mod) to its waitlist, in order of arrival,
// in one statement, and returns the promoted enrolments (for their mails): confirmed, or held for their
// manager's approval in a session that requires it (tellPromoted asks the managers). Callers pass 0 free seats
// once the session has started or when it is cancelled: nobody is promoted then.
func promote(ctx context.Context, tx pgx.Tx, sess catalogue.Session, mod enrolment.ModuleRef, free int) ([]enrolment.Enrolment, error) {
	if free <= 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `
		WITH next AS (
			SELECT id FROM enrolments WHERE session_id = $1 AND status = 'waitlisted'
			ORDER BY queue_seq LIMIT $2 FOR UPDATE),
		up AS (
			UPDATE enrolments e SET `+strings.ReplaceAll(promotedSet, "$approval", "$3")+`, updated_at = now(), version = e.version + 1
			FROM next, users u WHERE e.id = next.id AND u.id = e.user_id
			RETURNING e.id, e.user_id, e.queue_seq, e.version, e.created_at, e.updated_at, e.confirmed_at, `+promotedColumns+`),
		seats AS (
			UPDATE module_sessions SET seats_taken = seats_taken + (SELECT count(*) FROM up) WHERE id = $1 RETURNING seats_taken)
		SELECT up.id, up.user_id, up.queue_seq, up.version, up.created_at, up.updated_at, up.confirmed_at, up.status, up.manager_email,
			u.email, u.given_name, u.usual_name, u.administration, (SELECT seats_taken FROM seats)
		FROM up JOIN users u ON u.id = up.user_id ORDER BY up.queue_seq`, sess.ID, free, sess.ApprovalRequired)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (enrolment.Enrolment, error) {
		e := enrolment.Enrolment{Module: mod, Session: sess}
		err := r.Scan(&e.ID, &e.UserID, &e.QueueSeq, &e.Version, &e.CreatedAt, &e.UpdatedAt, &e.ConfirmedAt, &e.Status, &e.ManagerEmail,
			&e.Person.Email, &e.Person.GivenName, &e.Person.UsualName, &e.Person.Administration, &e.Session.SeatsTaken)
		return e, err
	})
}

// promoteAndTell promotes into the free seats of a locked session and queues the promotion mails (and the
// approval requests of those held).
func promoteAndTell(ctx context.Context, tx pgx.Tx, sess catalogue.Session, mod enrolment.ModuleRef, free int, mailer enrolment.Mailer) ([]enrolment.Enrolment, error) {
	promoted, err := promote(ctx, tx, sess, mod, free)
	if err != nil {
		return nil, err
	}
	return promoted, tellPromoted(ctx, tx, mailer, promoted)
}

// ChangeCapacity sets a session's capacity (for the back-office). Lowering it below the seats already held is
// refused (enrolment.CodeCapacityBelowTaken); raising it gives the new seats to the waitlist in order, in the
// same transaction, with a mail to each promoted agent (not once the session has started). It returns the
// promoted enrolments. The session's version is bumped (it is a catalogue change) and the change is written to
// the audit log with its actor in the same transaction; the same capacity changes nothing.
func (s *Store) ChangeCapacity(ctx context.Context, actor admin.Actor, sessionID int64, capacity int) ([]enrolment.Enrolment, error) {
	var promoted []enrolment.Enrolment
	leave, err := s.batcher.enterGate(ctx, sessionID)
	if err != nil {
		return nil, fmt.Errorf("postgres.ChangeCapacity: %w", err)
	}
	defer leave()
	err = s.txRetry(ctx, func(tx pgx.Tx) error {
		sess, mod, _, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if capacity == sess.Capacity {
			promoted = nil
			return nil
		}
		if err := enrolment.CheckCapacity(capacity, sess.SeatsTaken); err != nil {
			return err
		}
		before := map[string]string{"capacity": strconv.Itoa(sess.Capacity)}
		var free int
		if err := tx.QueryRow(ctx, `UPDATE module_sessions SET capacity = $2, updated_at = now(), version = version + 1
			WHERE id = $1 RETURNING CASE WHEN status = 'scheduled' AND starts_at > now() THEN capacity - seats_taken ELSE 0 END`,
			sessionID, capacity).Scan(&free); err != nil {
			return err
		}
		sess.Capacity = capacity
		if promoted, err = promoteAndTell(ctx, tx, sess, mod, free, s.mails); err != nil {
			return err
		}
		after := map[string]string{"capacity": strconv.Itoa(capacity)}
		if len(promoted) > 0 {
			after["promoted"] = strconv.Itoa(len(promoted))
		}
		return Audit(ctx, tx, actor, admin.EntitySession, sessionID, admin.SessionLabel(mod.Title, sess.StartsAt), admin.ActionCapacity, before, after)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.ChangeCapacity: %w", err)
	}
	return promoted, nil
}

// CancelSession cancels a session that has not started (for the back-office): its status becomes cancelled, every
// confirmed and waitlisted enrolment is cancelled (reason session_cancelled, their calendar events then say
// STATUS:CANCELLED) and each agent is told by mail, and the audit log records it with its actor, in one
// transaction. It returns the cancelled enrolments. Refusals: already cancelled, already started.
func (s *Store) CancelSession(ctx context.Context, actor admin.Actor, sessionID int64) ([]enrolment.Enrolment, error) {
	var cancelled []enrolment.Enrolment
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		sess, mod, now, err := lockSession(ctx, tx, sessionID)
		if err != nil {
			return err
		}
		if sess.Status == "cancelled" {
			return enrolment.ErrSessionAlreadyCancelled
		}
		if !sess.StartsAt.After(now) {
			return enrolment.ErrSessionCancelStarted
		}
		if _, err := tx.Exec(ctx, `UPDATE module_sessions SET status = 'cancelled', seats_taken = 0, updated_at = now(),
			version = version + 1 WHERE id = $1`, sessionID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE enrolments SET status = 'cancelled', cancel_reason = 'session_cancelled',
			cancelled_at = now(), updated_at = now(), version = version + 1
			WHERE session_id = $1 AND status IN ('confirmed', 'waitlisted', 'held') RETURNING id`, sessionID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE enrolment_approvals SET decision = 'withdrawn', decided_at = now()
			WHERE enrolment_id = ANY($1) AND decision = ''`, ids); err != nil {
			return err
		}
		// A module taken through a track goes back to the agent's "À planifier": a new pending enrolment of the
		// track, the cancelled one kept (its calendar event says CANCELLED).
		if _, err := tx.Exec(ctx, `INSERT INTO enrolments (user_id, module_id, track_id, status)
			SELECT user_id, module_id, track_id, 'pending' FROM enrolments WHERE id = ANY($1) AND track_id IS NOT NULL
			ON CONFLICT (user_id, module_id) WHERE status IN ('pending', 'confirmed', 'waitlisted', 'held') DO NOTHING`, ids); err != nil {
			return err
		}
		if cancelled, err = enrolments(ctx, tx, `WHERE e.id = ANY($1) ORDER BY e.queue_seq`, ids); err != nil {
			return err
		}
		msgs := make([]mail.Message, 0, len(cancelled))
		for _, e := range cancelled {
			msgs = append(msgs, s.mails.Message(enrolment.Notice{Kind: enrolment.KindSessionCancelled, Enrolment: e}))
		}
		if err := enqueueMails(ctx, tx, msgs); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, admin.EntitySession, sessionID, admin.SessionLabel(mod.Title, sess.StartsAt), admin.ActionCancel,
			map[string]string{"status": admin.StatusLabel(sess.Status)},
			map[string]string{"status": admin.StatusLabel("cancelled"), "notified": strconv.Itoa(len(cancelled))})
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.CancelSession: %w", err)
	}
	return cancelled, nil
}

// MarkAttendance records present (true) or absent (false) for enrolments of a session once it has started (for
// the roster and the back-office). Every id must be an enrolment of this session (otherwise apperr.ErrNotFound)
// holding a seat (confirmed, or already marked: a mark can be corrected). It returns how many changed.
func (s *Store) MarkAttendance(ctx context.Context, sessionID int64, marks map[int64]bool) (int, error) {
	changed := 0
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		changed = 0
		slots, list, err := lockMarks(ctx, tx, sessionID, marks, nil)
		if err != nil {
			return err
		}
		for _, e := range list {
			to := enrolment.NoShow
			if marks[e.ID] {
				to = enrolment.Attended
			}
			if e.Status == to {
				continue
			}
			if err := enrolment.Transition(e.Status, to); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE enrolments SET status = $2, attendance_at = now(), updated_at = now(),
				version = version + 1 WHERE id = $1`, e.ID, to); err != nil {
				return err
			}
			changed++
		}
		// The whole session: every day (or half-day) alike.
		ids, present := markedIDs(list, marks)
		return writeWholeMarks(ctx, tx, slots, ids, present)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.MarkAttendance: %w", err)
	}
	return changed, nil
}

// markCompletion marks an online module's enrolment e (locked by the caller) completed (done) or back in
// progress (for the back-office); the agent then gets an attestation. A completion the agent declared becomes
// the admin's. Refusals: not an online enrolment, not confirmed. It reports whether the enrolment changed, and
// returns it as it is now.
func markCompletion(ctx context.Context, tx pgx.Tx, e enrolment.Enrolment, done bool) (enrolment.Enrolment, bool, error) {
	if done && e.Status == enrolment.Completed && e.Declared { // an admin confirms the agent's declaration
		if _, err := tx.Exec(ctx, `UPDATE enrolments SET completion_declared = false, updated_at = now(), version = version + 1
			WHERE id = $1`, e.ID); err != nil {
			return e, false, err
		}
		e, err := oneEnrolment(ctx, tx, `WHERE e.id = $1`, e.ID)
		return e, true, err
	}
	if (done && e.Status == enrolment.Completed) || (!done && e.Status == enrolment.Confirmed && !e.HasSession()) {
		return e, false, nil
	}
	if err := enrolment.CheckCompletion(e, done); err != nil {
		return e, false, err
	}
	if _, err := tx.Exec(ctx, `UPDATE enrolments SET status = CASE WHEN $2 THEN 'completed' ELSE 'confirmed' END,
		completed_at = CASE WHEN $2 THEN now() END, completion_declared = false, updated_at = now(), version = version + 1
		WHERE id = $1`, e.ID, done); err != nil {
		return e, false, err
	}
	e, err := oneEnrolment(ctx, tx, `WHERE e.id = $1`, e.ID)
	return e, true, err
}

// DeclareCompletion records that the agent userID finished the online module of their enrolment (self-declared:
// the hours count, the attestation says it was declared; an admin's mark (MarkCompletions) replaces it). Another agent's
// enrolment is apperr.ErrNotFound; refusals as markCompletion's.
func (s *Store) DeclareCompletion(ctx context.Context, userID, enrolmentID int64) (enrolment.Enrolment, error) {
	var e enrolment.Enrolment
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		var err error
		if e, err = oneEnrolment(ctx, tx, `WHERE e.id = $1 AND e.user_id = $2 FOR UPDATE OF e`, enrolmentID, userID); err != nil {
			return err
		}
		if e.Status == enrolment.Completed {
			return nil
		}
		if err := enrolment.CheckCompletion(e, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE enrolments SET status = 'completed', completed_at = now(), completion_declared = true,
			updated_at = now(), version = version + 1 WHERE id = $1`, e.ID); err != nil {
			return err
		}
		e, err = oneEnrolment(ctx, tx, `WHERE e.id = $1`, e.ID)
		return err
	})
	if err != nil {
		return e, fmt.Errorf("postgres.DeclareCompletion: %w", err)
	}
	return e, nil
}

// lockMarked locks and returns, in the order of their ids, the enrolments that marks names (id → mark), which
// must all match where (SQL over e, with $1 = arg): apperr.ErrNotFound otherwise.
func lockMarked(ctx context.Context, tx pgx.Tx, where string, arg int64, marks map[int64]bool) ([]enrolment.Enrolment, error) {
	ids := make([]int64, 0, len(marks))
	for id := range marks {
		ids = append(ids, id)
	}
	list, err := enrolments(ctx, tx, `WHERE `+where+` AND e.id = ANY($2) ORDER BY e.id FOR UPDATE OF e`, arg, ids)
	if err != nil {
		return nil, err
	}
	if len(list) != len(ids) {
		return nil, apperr.ErrNotFound
	}
	return list, nil
}

// MarkCompletions marks enrolments of one online module completed (true) or back in progress (false), in one
// transaction (markCompletion: a completion the agent declared becomes the admin's), and says how many changed.
func (s *Store) MarkCompletions(ctx context.Context, moduleID int64, marks map[int64]bool) (int, error) {
	changed := 0
	err := s.txRetry(ctx, func(tx pgx.Tx) error {
		changed = 0
		list, err := lockMarked(ctx, tx, `e.module_id = $1 AND e.session_id IS NULL`, moduleID, marks)
		if err != nil {
			return err
		}
		for _, e := range list {
			_, ok, err := markCompletion(ctx, tx, e, marks[e.ID])
			if err != nil {
				return err
			}
			if ok {
				changed++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.MarkCompletions: %w", err)
	}
	return changed, nil
}

// Enrolment returns one enrolment with its module, session and agent (the caller checks who may see it).
func (s *Store) Enrolment(ctx context.Context, id int64) (enrolment.Enrolment, error) {
	e, err := oneEnrolment(ctx, s.pool, `WHERE e.id = $1`, id)
	if err != nil {
		return e, fmt.Errorf("postgres.Enrolment: %w", err)
	}
	return e, nil
}

// MyEnrolments returns every enrolment of a user, newest first, in one query (enrolment.Group sorts them for
// "Mes formations").
func (s *Store) MyEnrolments(ctx context.Context, userID int64) ([]enrolment.Enrolment, error) {
	list, err := enrolments(ctx, s.pool, `WHERE e.user_id = $1 ORDER BY e.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres.MyEnrolments: %w", err)
	}
	return list, nil
}

// ModuleEnrolment returns the user's enrolment of a module that the module page shows: the active one, else the
// latest followed one; found is false when there is none.
func (s *Store) ModuleEnrolment(ctx context.Context, userID, moduleID int64) (e enrolment.Enrolment, found bool, err error) {
	e, err = oneEnrolment(ctx, s.pool, `WHERE e.user_id = $1 AND e.module_id = $2 AND e.status <> 'cancelled'
		ORDER BY e.status IN ('pending', 'confirmed', 'waitlisted', 'held') DESC, e.id DESC LIMIT 1`, userID, moduleID)
	if errors.Is(err, apperr.ErrNotFound) {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("postgres.ModuleEnrolment: %w", err)
	}
	return e, true, nil
}

const rosterOrder = ` ORDER BY CASE WHEN e.status IN ('confirmed', 'held', 'attended', 'no_show', 'completed') THEN 0
	WHEN e.status = 'waitlisted' THEN 1 WHEN e.status = 'pending' THEN 2 ELSE 3 END, e.queue_seq NULLS LAST, e.id`

// Roster returns a session with its module and every enrolment in it (seat holders, then the waitlist in
// order, then cancellations), in two queries.
func (s *Store) Roster(ctx context.Context, sessionID int64) (enrolment.Roster, error) {
	var r enrolment.Roster
	dest := append(moduleRefDest(&r.Module), &r.Now)
	err := scanSession(s.pool.QueryRow(ctx, `SELECT `+sessionColumns+`, `+moduleRefColumns+`, now()
		FROM module_sessions ms JOIN modules m ON m.id = ms.module_id JOIN domains d ON d.id = m.domain_id
		LEFT JOIN partners p ON p.id = m.partner_id WHERE ms.id = $1`, sessionID), &r.Session, dest...)
	if err != nil {
		return r, fmt.Errorf("postgres.Roster: %w", notFound(err))
	}
	if r.Entries, err = enrolments(ctx, s.pool, `WHERE e.session_id = $1`+rosterOrder, sessionID); err != nil {
		return r, fmt.Errorf("postgres.Roster: %w", err)
	}
	if r.Marks, err = s.AttendanceMarks(ctx, sessionID); err != nil {
		return r, fmt.Errorf("postgres.Roster: %w", err)
	}
	return r, nil
}

// OnlineRoster returns an online module with its self-paced enrolments (in progress, completed, cancelled).
func (s *Store) OnlineRoster(ctx context.Context, moduleID int64) (enrolment.Roster, error) {
	var r enrolment.Roster
	var err error
	if r.Module, err = moduleRef(ctx, s.pool, moduleID); err != nil {
		return r, fmt.Errorf("postgres.OnlineRoster: %w", err)
	}
	if r.Module.Dated() {
		return r, fmt.Errorf("postgres.OnlineRoster: %w", apperr.ErrNotFound)
	}
	if err := s.pool.QueryRow(ctx, `SELECT now()`).Scan(&r.Now); err != nil {
		return r, fmt.Errorf("postgres.OnlineRoster: %w", err)
	}
	if r.Entries, err = enrolments(ctx, s.pool, `WHERE e.module_id = $1 AND e.session_id IS NULL AND e.status <> 'pending'`+rosterOrder, moduleID); err != nil {
		return r, fmt.Errorf("postgres.OnlineRoster: %w", err)
	}
	return r, nil
}

// QueueReminders queues the reminder mail of every confirmed seat in a session starting within
// enrolment.ReminderLead, once: the enrolment records that its reminder was queued, in the same transaction as
// the mail. Seats confirmed after the reminder time are not reminded (their confirmation mail just said it all).
// Safe with several instances (rows are taken with SKIP LOCKED). It returns how many were queued.
func (s *Store) QueueReminders(ctx context.Context) (int, error) {
	n, err := s.mailDue(ctx, s.mails, enrolment.KindReminder, `
		WITH due AS (
			SELECT e.id FROM enrolments e JOIN module_sessions ms ON ms.id = e.session_id
			WHERE e.status = 'confirmed' AND e.reminder_sent_at IS NULL AND ms.status = 'scheduled'
			  AND ms.starts_at > now() AND ms.starts_at <= now() + make_interval(secs => $1)
			  AND e.confirmed_at < ms.starts_at - make_interval(secs => $1)
			ORDER BY e.id LIMIT 500
			FOR UPDATE OF e SKIP LOCKED)
		UPDATE enrolments e SET reminder_sent_at = now() FROM due WHERE e.id = due.id RETURNING e.id`,
		enrolment.ReminderLead.Seconds())
	if err != nil {
		return 0, fmt.Errorf("postgres.QueueReminders: %w", err)
	}
	return n, nil
}

// mailDue runs, in one transaction, the statement that marks the enrolments due for a periodic mail (an UPDATE
// … RETURNING e.id, which takes its rows with SKIP LOCKED) and queues the mail of kind of each of them. It
// returns how many were queued.
func (s *Store) mailDue(ctx context.Context, mailer enrolment.Mailer, kind, mark string, args ...any) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, mark, args...)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		list, err := enrolments(ctx, tx, `WHERE e.id = ANY($1) ORDER BY e.id`, ids)
		if err != nil {
			return err
		}
		for _, e := range list {
			if err := notify(ctx, tx, mailer, kind, e); err != nil {
				return err
			}
		}
		n = len(list)
		return nil
	})
	return n, err
}

// FillFreedSeats promotes waitlisted agents into seats freed outside the enrolment transactions (an account
// deleted with its enrolments). The periodic job runs it; it returns how many were promoted.
func (s *Store) FillFreedSeats(ctx context.Context) (int, error) {
	rows, err := s.pool.Query(ctx, `SELECT ms.id FROM module_sessions ms
		WHERE ms.status = 'scheduled' AND ms.starts_at > now() AND ms.seats_taken < ms.capacity
		  AND EXISTS (SELECT 1 FROM enrolments w WHERE w.session_id = ms.id AND w.status = 'waitlisted')
		ORDER BY ms.id LIMIT 100`)
	if err != nil {
		return 0, fmt.Errorf("postgres.FillFreedSeats: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("postgres.FillFreedSeats: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := s.txRetry(ctx, func(tx pgx.Tx) error {
			sess, mod, now, err := lockSession(ctx, tx, id)
			if err != nil {
				return err
			}
			free := 0
			if sess.Status == "scheduled" && sess.StartsAt.After(now) {
				free = sess.Capacity - sess.SeatsTaken
			}
			p, err := promoteAndTell(ctx, tx, sess, mod, free, s.mails)
			n += len(p)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("postgres.FillFreedSeats: %w", err)
		}
	}
	return n, nil
}

// SetCalendarFeed gives a user a new calendar-feed token, which it draws (account.NewToken: only its hash is
// stored) and returns for the caller to show the feed's link once: the previous link stops working.
func (s *Store) SetCalendarFeed(ctx context.Context, userID int64) (string, error) {
	token, tokenHash := account.NewToken()
	_, err := s.pool.Exec(ctx, `INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now(), last_used_at = NULL`, userID, tokenHash)
	if err != nil {
		return "", fmt.Errorf("postgres.SetCalendarFeed: %w", err)
	}
	return token, nil
}

// RevokeCalendarFeed deletes a user's calendar-feed token.
func (s *Store) RevokeCalendarFeed(ctx context.Context, userID int64) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM calendar_feeds WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("postgres.RevokeCalendarFeed: %w", err)
	}
	return nil
}

// CalendarFeedInfo tells when the user's calendar feed was created and last read (nil when there is none).
func (s *Store) CalendarFeedInfo(ctx context.Context, userID int64) (created, used *time.Time, err error) {
	err = s.pool.QueryRow(ctx, `SELECT created_at, last_used_at FROM calendar_feeds WHERE user_id = $1`, userID).Scan(&created, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("postgres.CalendarFeedInfo: %w", err)
	}
	return created, used, nil
}

// CalendarFeed returns the dated enrolments of the owner of a feed token (by its hash): current ones and those
// cancelled in the last 90 days, so that calendars see the cancellation. Unknown token: apperr.ErrNotFound.
func (s *Store) CalendarFeed(ctx context.Context, tokenHash []byte) (int64, []enrolment.Enrolment, error) {
	var userID int64
	err := s.pool.QueryRow(ctx, `UPDATE calendar_feeds SET last_used_at = now() WHERE token_hash = $1 RETURNING user_id`, tokenHash).Scan(&userID)
	if err != nil {
		return 0, nil, fmt.Errorf("postgres.CalendarFeed: %w", notFound(err))
	}
	list, err := enrolments(ctx, s.pool, `WHERE e.user_id = $1 AND e.session_id IS NOT NULL
		AND (e.status <> 'cancelled' OR e.cancelled_at > now() - interval '90 days') ORDER BY ms.starts_at, e.id`, userID)
	if err != nil {
		return 0, nil, fmt.Errorf("postgres.CalendarFeed: %w", err)
	}
	return userID, list, nil
}

// SessionModuleID returns the module of a session.
func (s *Store) SessionModuleID(ctx context.Context, sessionID int64) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT module_id FROM module_sessions WHERE id = $1`, sessionID).Scan(&id); err != nil {
		return 0, fmt.Errorf("postgres.SessionModuleID: %w", notFound(err))
	}
	return id, nil
}
