package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"campus/internal/admin"
)

// SearchSynonyms returns the groups of equivalent expressions the search expands queries with (migration 00018),
// in the order they were written.
func (s *Store) SearchSynonyms(ctx context.Context) ([][]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT array_agg(term ORDER BY id) FROM search_synonyms GROUP BY grp ORDER BY min(id)`)
	if err != nil {
		return nil, fmt.Errorf("postgres.SearchSynonyms: %w", err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowTo[[]string])
	if err != nil {
		return nil, fmt.Errorf("postgres.SearchSynonyms: %w", err)
	}
	return groups, nil
}

// SetSearchSynonyms replaces every group, with its audit entry, in one transaction; the table's trigger tells every
// instance that search results changed.
func (s *Store) SetSearchSynonyms(ctx context.Context, actor admin.Actor, groups [][]string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var before string
		if err := tx.QueryRow(ctx, `SELECT coalesce(string_agg(g, E'\n' ORDER BY first), '') FROM (
			SELECT array_to_string(array_agg(term ORDER BY id), ' = ') AS g, min(id) AS first FROM search_synonyms GROUP BY grp) x`).Scan(&before); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM search_synonyms`); err != nil {
			return err
		}
		var grps []int32
		var terms []string
		for i, g := range groups {
			for _, t := range g {
				grps, terms = append(grps, int32(i+1)), append(terms, t)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO search_synonyms (grp, term) SELECT * FROM unnest($1::int[], $2::text[])`, grps, terms); err != nil {
			return err
		}
		after := admin.FormatSynonyms(groups)
		if after == before {
			return nil
		}
		return Audit(ctx, tx, actor, admin.EntitySynonyms, 0, strconv.Itoa(len(groups))+" groupes de synonymes", admin.ActionUpdate,
			map[string]string{"synonymes": before}, map[string]string{"synonymes": after})
	})
	if err != nil {
		return fmt.Errorf("postgres.SetSearchSynonyms: %w", err)
	}
	return nil
}
