package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	"campus/internal/mail"
)

const adminSessionColumns = `ms.id, ms.status, ms.version, ms.updated_at, ms.ref, ms.module_id, m.slug, m.title, m.format,
	ms.starts_at, ms.ends_at, ms.place_name, ms.address, ms.city, ms.virtual_url, ms.capacity, ms.seats_taken,
	coalesce(ms.trainer_id, 0), coalesce(CASE WHEN btrim(u.given_name || ' ' || u.usual_name) = '' THEN u.email
		ELSE btrim(u.given_name || ' ' || u.usual_name) END, ''), ms.approval_required, ms.half_days`

const adminSessionFrom = ` FROM module_sessions ms JOIN modules m ON m.id = ms.module_id LEFT JOIN users u ON u.id = ms.trainer_id`

func scanAdminSession(row pgx.Row, s *admin.Session, extra ...any) error {
	return row.Scan(append([]any{&s.ID, &s.Status, &s.Version, &s.UpdatedAt, &s.Ref, &s.ModuleID, &s.Module, &s.ModuleTitle, &s.ModuleFormat,
		&s.StartsAt, &s.EndsAt, &s.PlaceName, &s.Address, &s.City, &s.VirtualURL, &s.Capacity, &s.SeatsTaken,
		&s.TrainerID, &s.Trainer, &s.ApprovalRequired, &s.HalfDays}, extra...)...)
}

// Periods of the session list.
const (
	PeriodUpcoming = "a-venir"
	PeriodPast     = "passees"
	PeriodAll      = "toutes"
)

// SessionFilter narrows the back-office's list of sessions.
type SessionFilter struct {
	Period    string // PeriodUpcoming (default), PeriodPast, PeriodAll
	Module    int64  // 0 for every module
	NoTrainer bool   // only the scheduled sessions without a trainer
}

// AdminSessions returns a page of sessions (upcoming ones by start, past ones latest first) and how many match.
func (s *Store) AdminSessions(ctx context.Context, f SessionFilter, limit, offset int) ([]admin.Session, int, error) {
	where, order := `ms.ends_at > now()`, `ms.starts_at, ms.id`
	switch f.Period {
	case PeriodPast:
		where, order = `ms.ends_at <= now()`, `ms.starts_at DESC, ms.id DESC`
	case PeriodAll:
		where, order = `true`, `ms.starts_at DESC, ms.id DESC`
	}
	where += ` AND ($1 = 0 OR ms.module_id = $1)`
	if f.NoTrainer {
		where += ` AND ms.trainer_id IS NULL AND ms.status = 'scheduled'`
	}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM module_sessions ms WHERE `+where, f.Module).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminSessions: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+adminSessionColumns+adminSessionFrom+` WHERE `+where+` ORDER BY `+order+` LIMIT $2 OFFSET $3`,
		f.Module, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminSessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Session, error) {
		var x admin.Session
		err := scanAdminSession(r, &x)
		return x, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminSessions: %w", err)
	}
	return out, total, nil
}

// AdminSession returns a session with its module and trainer.
func (s *Store) AdminSession(ctx context.Context, id int64) (admin.Session, error) {
	var x admin.Session
	if err := scanAdminSession(s.pool.QueryRow(ctx, `SELECT `+adminSessionColumns+adminSessionFrom+` WHERE ms.id = $1`, id), &x); err != nil {
		return x, fmt.Errorf("postgres.AdminSession: %w", notFound(err))
	}
	return x, nil
}

func trainerArg(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// CreateSession schedules a session of a module; its reference is made from the module and the date.
// A session given to a trainer tells them by mail in the same transaction (tellTrainers).
func (s *Store) CreateSession(ctx context.Context, actor admin.Actor, x admin.Session) (int64, error) {
	var id int64
	suffix := make([]byte, 3)
	rand.Read(suffix)
	ref := fmt.Sprintf("%s-%s-%s", x.Module, x.StartsAt.In(catalogue.Paris).Format("20060102"), hex.EncodeToString(suffix))
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO module_sessions (ref, module_id, starts_at, ends_at, place_name, address, city, virtual_url,
			capacity, trainer_id, approval_required, half_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			ref, x.ModuleID, x.StartsAt, x.EndsAt, x.PlaceName, x.Address, x.City, x.VirtualURL, x.Capacity, trainerArg(x.TrainerID),
			x.ApprovalRequired, x.HalfDays).Scan(&id)
		if err != nil {
			return err
		}
		if err := tellTrainers(ctx, tx, id, admin.Session{}, x, s.mails); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, admin.EntitySession, id, admin.SessionLabel(x.ModuleTitle, x.StartsAt), admin.ActionCreate, nil, x.Snapshot().Map())
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreateSession: %w", err)
	}
	return id, nil
}

// UpdateSession saves the dates, place and trainer of a session edited from version. Its capacity is not
// changed here: raising it promotes waitlisted agents, which is the enrolment rules' business.
//
// When what changed matters to the session's agents (dates, place, virtual classroom, trainer) and the session
// has not ended, the same transaction tells every agent enrolled, waitlisted or pending in it by mail (what
// changed, before and after), and bumps each of their enrolments' version and updated_at, which are their
// calendar event's SEQUENCE and LAST-MODIFIED: calendars that imported the event take the new one. The audit
// entry comes last, in the same transaction. It returns how many agents were told; a change that changes
// nothing writes nothing.
func (s *Store) UpdateSession(ctx context.Context, actor admin.Actor, id int64, version int, x admin.Session) (int, error) {
	told := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		told = 0
		var now time.Time
		old, err := lockVersion(ctx, tx, admin.EntitySession, id, version, scanAdminSession, `SELECT `+adminSessionColumns+`, now()`+adminSessionFrom+` WHERE ms.id = $1 FOR UPDATE OF ms`, &now)
		if err != nil {
			return err
		}
		if old.Status == "cancelled" {
			return admin.ErrSessionCancelled
		}
		x.Module, x.ModuleTitle, x.Capacity = old.Module, old.ModuleTitle, old.Capacity
		if len(admin.Diff(old.Snapshot(), x.Snapshot())) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE module_sessions SET starts_at = $2, ends_at = $3, place_name = $4, address = $5, city = $6,
			virtual_url = $7, trainer_id = $8, approval_required = $9, half_days = $10, version = version + 1, updated_at = now() WHERE id = $1`,
			id, x.StartsAt, x.EndsAt, x.PlaceName, x.Address, x.City, x.VirtualURL, trainerArg(x.TrainerID), x.ApprovalRequired, x.HalfDays); err != nil {
			return err
		}
		after := x.Snapshot().Map()
		if changes := enrolment.SessionChanges(agentView(old), agentView(x), old.Trainer, x.Trainer); len(changes) > 0 && old.EndsAt.After(now) {
			var err error
			if told, err = tellSessionChange(ctx, tx, id, changes, s.mails); err != nil {
				return err
			}
			after["notified"] = strconv.Itoa(told)
		}
		if old.EndsAt.After(now) {
			if err := tellTrainers(ctx, tx, id, old, x, s.mails); err != nil {
				return err
			}
		}
		return Audit(ctx, tx, actor, admin.EntitySession, id, admin.SessionLabel(old.ModuleTitle, x.StartsAt), admin.ActionUpdate,
			old.Snapshot().Map(), after)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.UpdateSession: %w", err)
	}
	return told, nil
}

// agentView is what an agent sees of a session.
func agentView(x admin.Session) catalogue.Session {
	return catalogue.Session{ID: x.ID, StartsAt: x.StartsAt, EndsAt: x.EndsAt, PlaceName: x.PlaceName, Address: x.Address,
		City: x.City, VirtualURL: x.VirtualURL}
}

// tellTrainers tells a session's trainers what a change means for them, by mail in the caller's transaction: the
// trainer it is given to, the one it is taken from, or the same trainer what changed (dates, place, virtual
// classroom). old is the zero Session for a new one; a session starting in the past tells nobody.
func tellTrainers(ctx context.Context, tx pgx.Tx, id int64, old, x admin.Session, mailer enrolment.Mailer) error {
	before, after := agentView(old), agentView(x)
	before.ID, after.ID = id, id
	type notice struct {
		to int64
		n  enrolment.TrainerNotice
	}
	var notices []notice
	switch {
	case old.TrainerID != x.TrainerID:
		if old.TrainerID != 0 {
			notices = append(notices, notice{old.TrainerID, enrolment.TrainerNotice{Kind: enrolment.KindTrainerUnassigned, Session: before}})
		}
		if x.TrainerID != 0 && x.EndsAt.After(time.Now()) {
			notices = append(notices, notice{x.TrainerID, enrolment.TrainerNotice{Kind: enrolment.KindTrainerAssigned, Session: after}})
		}
	case x.TrainerID != 0:
		if changes := enrolment.SessionChanges(before, after, "", ""); len(changes) > 0 {
			notices = append(notices, notice{x.TrainerID, enrolment.TrainerNotice{Kind: enrolment.KindTrainerChanged, Session: after, Changes: changes}})
		}
	}
	if len(notices) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id, email, given_name, usual_name FROM users WHERE id = ANY($1)`, []int64{old.TrainerID, x.TrainerID})
	if err != nil {
		return err
	}
	people := map[int64]enrolment.Person{}
	for rows.Next() {
		var id int64
		var p enrolment.Person
		if err := rows.Scan(&id, &p.Email, &p.GivenName, &p.UsualName); err != nil {
			rows.Close()
			return err
		}
		people[id] = p
	}
	if err := rows.Err(); err != nil {
		return err
	}
	title := x.ModuleTitle
	if title == "" {
		title = old.ModuleTitle
	}
	msgs := make([]mail.Message, 0, len(notices))
	for _, n := range notices {
		if p, ok := people[n.to]; ok {
			n.n.Trainer, n.n.ModuleTitle = p, title
			msgs = append(msgs, mailer.TrainerMessage(n.n))
		}
	}
	return enqueueMails(ctx, tx, msgs)
}

// tellSessionChange bumps the calendar version of every active enrolment of a session (locked by the caller) and
// queues one mail to each of their agents: one update, one read, one insert, whatever their number.
func tellSessionChange(ctx context.Context, tx pgx.Tx, sessionID int64, changes []enrolment.Change, mailer enrolment.Mailer) (int, error) {
	rows, err := tx.Query(ctx, `UPDATE enrolments SET version = version + 1, updated_at = now()
		WHERE session_id = $1 AND status IN ('pending', 'confirmed', 'waitlisted', 'held') RETURNING id`, sessionID)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	list, err := enrolments(ctx, tx, `WHERE e.id = ANY($1) ORDER BY e.status, e.queue_seq, e.id`, ids)
	if err != nil {
		return 0, err
	}
	msgs := make([]mail.Message, 0, len(list))
	for _, e := range list {
		msgs = append(msgs, mailer.Message(enrolment.Notice{Kind: enrolment.KindSessionChanged, Enrolment: e, Changes: changes}))
	}
	return len(msgs), enqueueMails(ctx, tx, msgs)
}

// MonthSessions lists the sessions starting in [from, to), with their fill rate, for the dashboard.
func (s *Store) MonthSessions(ctx context.Context, from, to time.Time) ([]admin.Session, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+adminSessionColumns+adminSessionFrom+`
		WHERE ms.starts_at >= $1 AND ms.starts_at < $2 ORDER BY ms.starts_at, ms.id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres.MonthSessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.Session, error) {
		var x admin.Session
		err := scanAdminSession(r, &x)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres.MonthSessions: %w", err)
	}
	return out, nil
}
