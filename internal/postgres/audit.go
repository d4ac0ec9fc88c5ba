package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
)

// Audit records an admin change in the audit log, inside the transaction of the change itself: the entry
// exists if and only if the change does. before and after are the entity's values (nil for a creation's
// before). The table refuses UPDATE and DELETE (migration 00006): entries cannot be edited.
func Audit(ctx context.Context, tx pgx.Tx, actor admin.Actor, entity string, id int64, label, action string, before, after map[string]string) error {
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor_id, actor_name, entity, entity_id, label, action, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, actorID, actor.Name, entity, id, label, action, jsonMap(before), jsonMap(after))
	if err != nil {
		return fmt.Errorf("postgres.Audit: %w", err)
	}
	return nil
}

// jsonMap keeps a nil map as SQL NULL rather than JSON null.
func jsonMap(m map[string]string) any {
	if m == nil {
		return nil
	}
	return m
}

func auditWhere(f admin.AuditFilter) (string, []any) {
	where, args := "true", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.Entity != "" {
		add("entity = $%d", f.Entity)
	}
	if f.EntityID != 0 {
		add("entity_id = $%d", f.EntityID)
	}
	if f.ActorID != 0 {
		add("actor_id = $%d", f.ActorID)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To)
	}
	return where, args
}

// AuditLog returns a page of the audit log, newest first, with the number of entries matching the filter.
func (s *Store) AuditLog(ctx context.Context, f admin.AuditFilter, limit, offset int) ([]admin.AuditEntry, int, error) {
	where, args := auditWhere(f)
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres.AuditLog: %w", err)
	}
	args = append(args, limit, offset)
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT id, at, coalesce(actor_id, 0), actor_name, entity, entity_id, label, action,
		before, after FROM audit_log WHERE %s ORDER BY at DESC, id DESC LIMIT $%d OFFSET $%d`, where, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AuditLog: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (admin.AuditEntry, error) {
		var e admin.AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorName, &e.Entity, &e.EntityID, &e.Label, &e.Action, &e.Before, &e.After)
		return e, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AuditLog: %w", err)
	}
	return out, total, nil
}

// AuditActors lists the people who appear in the audit log, with the name of their latest entry.
func (s *Store) AuditActors(ctx context.Context) ([]admin.AuditActor, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name FROM (
		SELECT DISTINCT ON (actor_id) actor_id AS id, actor_name AS name FROM audit_log
		WHERE actor_id IS NOT NULL ORDER BY actor_id, id DESC) a ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres.AuditActors: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[admin.AuditActor])
	if err != nil {
		return nil, fmt.Errorf("postgres.AuditActors: %w", err)
	}
	return out, nil
}

// lastChange is who last changed an entity and when, from the audit log.
func lastChange(ctx context.Context, tx pgx.Tx, entity string, id int64) (string, time.Time) {
	var by string
	var at time.Time
	tx.QueryRow(ctx, `SELECT actor_name, at FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT 1`,
		entity, id).Scan(&by, &at)
	return by, at
}

// conflict builds the error of an edit made from a stale version.
func conflict(ctx context.Context, tx pgx.Tx, entity string, id int64, version int, current admin.Snapshot) error {
	by, at := lastChange(ctx, tx, entity, id)
	return &admin.ConflictError{Entity: entity, ID: id, Version: version, Current: current, By: by, At: at}
}
