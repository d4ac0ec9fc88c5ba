package postgres_test

import (
	"context"
	"strings"
	"testing"

	"campus/internal/testdb"
)

// TestHousekeepingPlansUseIndexes: the candidates of the periodic jobs (the inactive-account purge of Cleanup, the
// cold-survey invitations) are read through their indexes (migration 00024), not by reading the whole users or
// enrolments table, which took seconds on the national dataset.
func TestHousekeepingPlansUseIndexes(t *testing.T) {
	t.Parallel()
	s := testdb.Open(t)
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
