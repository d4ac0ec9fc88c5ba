package postgres_test

import (
	"context"
	"testing"
	"time"

	"campus/internal/admin"
	"campus/internal/enrolment"
	"campus/internal/postgres"
	"campus/internal/testdb"
)

// TestStore_Surveys: only followed trainings are surveyed, once per kind; results are aggregates published from
// five answers; comments wait for moderation; the "à froid" invitation goes once, 60 days after.
func TestStore_Surveys(t *testing.T) {
	t.Parallel()
	s, _, sess := enModuleSession(t, "presentiel", 10, 10*24*time.Hour)
	ctx := context.Background()
	users, ids := enEnrolled(t, s, sess, 6)
	marks := map[int64]bool{}
	for i, id := range ids {
		marks[id] = i < 5
	}
	hot := enrolment.SurveyAnswer{Kind: enrolment.SurveyHot, Satisfaction: 4, Usefulness: 5, Recommend: true}
	refusal(t, s.AnswerSurvey(ctx, users[0], ids[0], hot), enrolment.CodeSurvey) // not followed yet
	testdb.Exec(t, s, `UPDATE module_sessions SET starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour' WHERE id = $1`, sess)
	if _, err := s.MarkAttendance(ctx, sess, marks); err != nil {
		t.Fatal(err)
	}
	refusal(t, s.AnswerSurvey(ctx, users[5], ids[5], hot), enrolment.CodeSurvey) // absent
	for i := range 4 {
		a := hot
		a.Satisfaction = 3 + i%3
		if i == 0 {
			a.Comment = "Très concret, merci."
		}
		if err := s.AnswerSurvey(ctx, users[i], ids[i], a); err != nil {
			t.Fatal(err)
		}
	}
	refusal(t, s.AnswerSurvey(ctx, users[0], ids[0], hot), enrolment.CodeSurvey) // twice
	if err := s.AnswerSurvey(ctx, users[1], ids[0], hot); err == nil {
		t.Fatal("an agent answered about another's enrolment")
	}
	refusal(t, s.AnswerSurvey(ctx, users[0], ids[0], enrolment.SurveyAnswer{Kind: enrolment.SurveyCold, Usefulness: 4}), enrolment.CodeSurvey) // too early

	r, err := s.SurveyResults(ctx, postgres.SurveyFilter{SessionID: sess})
	if err != nil || r.Answers != 4 || r.Published() {
		t.Fatalf("four answers: %+v published %v, %v", r, r.Published(), err)
	}
	if err := s.AnswerSurvey(ctx, users[4], ids[4], hot); err != nil {
		t.Fatal(err)
	}
	r = testdb.Must(s.SurveyResults(ctx, postgres.SurveyFilter{SessionID: sess}))(t)
	if !r.Published() || r.Satisfaction() != "3,8" || r.RecommendRate() != "100\u202f%" {
		t.Fatalf("five answers: %+v, satisfaction %s, recommend %s", r, r.Satisfaction(), r.RecommendRate())
	}
	byDomain, err := s.SurveyResultsBy(ctx, "domain", postgres.SurveyFilter{})
	if err != nil || len(byDomain) != 1 || byDomain[0].Results.Answers != 5 {
		t.Fatalf("by domain: %+v, %v", byDomain, err)
	}

	pending, err := s.SurveyComments(ctx, enrolment.CommentPending, postgres.SurveyFilter{})
	if err != nil || len(pending) != 1 || pending[0].Text != "Très concret, merci." {
		t.Fatalf("pending comments %+v, %v", pending, err)
	}
	if rows := testdb.Must(s.SurveyExport(ctx, postgres.SurveyFilter{}))(t); len(rows) != 5 || rows[0][7] != "" && rows[1][7] != "" {
		t.Fatalf("export %v: an unmoderated comment is exported", rows)
	}
	if err := s.ModerateComment(ctx, admin.Actor{Name: "Admin"}, pending[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if pub := testdb.Must(s.SurveyComments(ctx, enrolment.CommentPublished, postgres.SurveyFilter{}))(t); len(pub) != 1 {
		t.Fatal("the comment was not published")
	}

	// À froid: sixty days later, one invitation each.
	testdb.Exec(t, s, `UPDATE enrolments SET attendance_at = now() - interval '61 days' WHERE session_id = $1`, sess)
	n, err := s.QueueColdSurveys(ctx)
	if err != nil || n != 5 {
		t.Fatalf("cold invitations %d, %v; want 5", n, err)
	}
	if n := testdb.Must(s.QueueColdSurveys(ctx))(t); n != 0 {
		t.Fatalf("%d invitations the second time", n)
	}
	if err := s.AnswerSurvey(ctx, users[0], ids[0], enrolment.SurveyAnswer{Kind: enrolment.SurveyCold, Usefulness: 4}); err != nil {
		t.Fatal(err)
	}
}
