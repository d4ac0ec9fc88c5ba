package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
	"campus/internal/catalogue"
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
		return Audit(ctx, tx, actor, admin.EntitySession, id, admin.SessionLabel(x.ModuleTitle, x.StartsAt), admin.ActionCreate, nil, x.Snapshot().Map())
	})
	if err != nil {
		return 0, fmt.Errorf("postgres.CreateSession: %w", err)
	}
	return id, nil
}

// UpdateSession saves the dates, place and trainer of a session edited from version. Its capacity is not
// changed here: raising it promotes waitlisted agents, which is the enrolment rules' business.
func (s *Store) UpdateSession(ctx context.Context, actor admin.Actor, id int64, version int, x admin.Session) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var old admin.Session
		if err := scanAdminSession(tx.QueryRow(ctx, `SELECT `+adminSessionColumns+adminSessionFrom+` WHERE ms.id = $1 FOR UPDATE OF ms`, id), &old); err != nil {
			return notFound(err)
		}
		if old.Version != version {
			return conflict(ctx, tx, admin.EntitySession, id, old.Version, old.Snapshot())
		}
		if old.Status == "cancelled" {
			return admin.Refuse("Cette session est annulée : elle ne peut plus être modifiée.")
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
		return Audit(ctx, tx, actor, admin.EntitySession, id, admin.SessionLabel(old.ModuleTitle, x.StartsAt), admin.ActionUpdate,
			old.Snapshot().Map(), x.Snapshot().Map())
	})
	if err != nil {
		return fmt.Errorf("postgres.UpdateSession: %w", err)
	}
	return nil
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
