package postgres_test

import (
	"context"
	"strings"
	"testing"

	"campus/internal/testdb"
)

// TestHousekeepingPlansUseIndexes: the candidates of the periodic jobs (the inactive-account purge of Cleanup, the
// cold-survey invitations) are read through their indexes (migration 00024), not by reading the whole users or
// enrolments table, which took seconds on the national dataset. The enrolments are those of a portal in use: many
// followed trainings whose cold survey was sent long ago (as the followed trainings the filtered bilan's index of
// migration 00028 holds, which an empty table would let the planner take as well).
func TestHousekeepingPlansUseIndexes(t *testing.T) {
	t.Parallel()
	s := enStore(t)
	module := enModule(t, s, "en_ligne", "published", "published")
	users := enUsers(t, s, 2000)
	testdb.Exec(t, s, `INSERT INTO enrolments (user_id, module_id, status, created_at, updated_at, completed_at, cold_survey_sent_at)
		SELECT u, $2, 'completed', now() - interval '90 days', now() - interval '60 days', now() - interval '60 days', now() - interval '30 days'
		FROM unnest($1::bigint[]) u`, users, module)
	testdb.Exec(t, s, `ANALYZE enrolments`)
	plans, err := s.HousekeepingPlans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, index := range map[string]string{"inactiveAccounts": "users_last_seen_idx", "coldSurveysDue": "enrolments_cold_survey_idx"} {
		if !strings.Contains(plans[name], index) {
			t.Errorf("%s: the plan does not use %s:\n%s", name, index, plans[name])
		}
	}
}
