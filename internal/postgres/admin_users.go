package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"campus/internal/account"
	"campus/internal/admin"
)

// likePattern is a LIKE pattern matching s anywhere, its own wildcards taken literally.
func likePattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// adminUsersWhere selects accounts by a part ($2, a LIKE pattern of the query $1) of the address or of the name in
// either order, accents and case ignored, and by role ($3, "" for any).
const adminUsersWhere = `($1 = '' OR u.email LIKE lower($2)
	OR campus_unaccent(lower(u.given_name || ' ' || u.usual_name)) LIKE campus_unaccent(lower($2))
	OR campus_unaccent(lower(u.usual_name || ' ' || u.given_name)) LIKE campus_unaccent(lower($2)))
	AND ($3 = '' OR u.role = $3)`

// AdminUsers finds accounts for the back-office, newest first: by a part of the address or of the name
// (accents and case ignored), by role; with the number of accounts matching, in one query.
func (s *Store) AdminUsers(ctx context.Context, f admin.UserFilter, limit, offset int) ([]account.User, int, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+`, count(*) OVER () FROM users u WHERE `+adminUsersWhere+`
		ORDER BY u.created_at DESC, u.id DESC LIMIT $4 OFFSET $5`,
		f.Query, likePattern(f.Query), f.Role, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminUsers: %w", err)
	}
	total := 0
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (account.User, error) {
		var u account.User
		err := scanUser(r, &u, &total)
		return u, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres.AdminUsers: %w", err)
	}
	if len(out) == 0 && offset > 0 { // a page past the end: the total still counts
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users u WHERE `+adminUsersWhere,
			f.Query, likePattern(f.Query), f.Role).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("postgres.AdminUsers: %w", err)
		}
	}
	return out, total, nil
}

// SetUserRole gives account id the role, with its audit entry in the same transaction. A role taken away ends the
// account's sessions on every instance (session epoch): what the account could do stops at once. An admin cannot
// take away their own admin role (so the Campus always keeps one). The same role again changes nothing.
func (s *Store) SetUserRole(ctx context.Context, actor admin.Actor, id int64, role string) (account.User, error) {
	var u account.User
	if !account.ValidRole(role) {
		return u, fmt.Errorf("postgres.SetUserRole: unknown role %q", role)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var before string
		if err := tx.QueryRow(ctx, `SELECT role FROM users WHERE id = $1 FOR UPDATE`, id).Scan(&before); err != nil {
			return notFound(err)
		}
		if before == role {
			return scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id), &u)
		}
		if actor.ID == id && before == account.RoleAdmin {
			return admin.ErrOwnAdminRole
		}
		lower := account.Demotes(before, role)
		if err := scanUser(tx.QueryRow(ctx, `UPDATE users u SET role = $2, updated_at = now(),
			session_epoch = session_epoch + CASE WHEN $3 THEN 1 ELSE 0 END WHERE u.id = $1 RETURNING `+userColumns, id, role, lower), &u); err != nil {
			return err
		}
		return Audit(ctx, tx, actor, admin.EntityUser, id, u.Email, admin.ActionRole,
			map[string]string{"Rôle": account.RoleLabel(before)}, map[string]string{"Rôle": account.RoleLabel(role)})
	})
	if err != nil {
		return u, fmt.Errorf("postgres.SetUserRole: %w", err)
	}
	return u, nil
}

// DemoAccount creates, or resets, an account for exploring a development portal: its address proven, the
// password hash and the role given; its sessions end when it existed. The `campus demo` command only, which
// refuses to run outside development.
func (s *Store) DemoAccount(ctx context.Context, email, givenName, usualName, role, passwordHash string) (account.User, error) {
	var u account.User
	err := scanUser(s.pool.QueryRow(ctx, `INSERT INTO users AS u (email, password_hash, given_name, usual_name, administration,
			role, email_verified_at)
		VALUES ($1, $2, $3, $4, 'Campus du numérique public (démonstration)', $5, now())
		ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role,
			email_verified_at = coalesce(u.email_verified_at, now()), session_epoch = u.session_epoch + 1, updated_at = now()
		RETURNING `+userColumns, account.NormalizeEmail(email), passwordHash, givenName, usualName, role), &u)
	if err != nil {
		return u, fmt.Errorf("postgres.DemoAccount: %w", err)
	}
	return u, nil
}
