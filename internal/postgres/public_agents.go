package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
)

// publicAgentSQL tells whether the account u is a public agent's (migration 00019): signed in with ProConnect,
// or a confirmed address of a public-sector mail domain or one of its sub-domains.
const publicAgentSQL = `(u.proconnect_sub IS NOT NULL OR (u.email_verified_at IS NOT NULL AND EXISTS (
	SELECT 1 FROM public_sector_domains d
	WHERE split_part(u.email, '@', 2) = d.domain OR split_part(u.email, '@', 2) LIKE '%.' || d.domain)))`

// PublicSectorDomains lists the public-sector mail domains, in alphabetical order.
func (s *Store) PublicSectorDomains(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT domain FROM public_sector_domains ORDER BY domain`)
	if err != nil {
		return nil, fmt.Errorf("postgres.PublicSectorDomains: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres.PublicSectorDomains: %w", err)
	}
	return out, nil
}

// SetPublicSectorDomains replaces the list (checked by admin.ParseDomains), with its audit entry, in one
// transaction.
func (s *Store) SetPublicSectorDomains(ctx context.Context, actor admin.Actor, domains []string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM public_sector_domains RETURNING domain`)
		if err != nil {
			return err
		}
		before, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO public_sector_domains (domain) SELECT unnest($1::text[])`, domains); err != nil {
			return err
		}
		slices.Sort(before)
		after := slices.Sorted(slices.Values(domains))
		if slices.Equal(before, after) {
			return nil
		}
		return Audit(ctx, tx, actor, admin.EntityPublicDomains, 0, strconv.Itoa(len(after))+" domaines", admin.ActionUpdate,
			map[string]string{"domaines": strings.Join(before, " ")}, map[string]string{"domaines": strings.Join(after, " ")})
	})
	if err != nil {
		return fmt.Errorf("postgres.SetPublicSectorDomains: %w", err)
	}
	return nil
}
