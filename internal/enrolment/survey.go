package enrolment

import (
	"fmt"
	"strings"
	"time"

	"campus/internal/programme"
)

// Satisfaction surveys. "À chaud": once a training is followed (attended session, completed online module),
// satisfaction (1–5), usefulness (1–5), would recommend, a free comment. "À froid": ColdSurveyDelay later, by
// mail, the usefulness in the work (1–5) and a comment. One answer of each kind per enrolment. Nobody sees who
// answered what: results are aggregates, published to trainers and in the bilan only from programme.SmallCount
// answers; free comments are read by admins and shown elsewhere only once an admin published them.

// Kinds of survey.
const (
	SurveyHot  = "chaud"
	SurveyCold = "froid"
)

// ColdSurveyDelay: the "à froid" survey is sent this long after the training was followed; ColdSurveyWindow
// bounds how late (trainings followed before a deployment are not surveyed at once).
const (
	ColdSurveyDelay  = 60 * 24 * time.Hour
	ColdSurveyWindow = 15 * 24 * time.Hour
	MaxSurveyComment = 2000
	CodeSurvey       = "survey"
)

// Comment moderation.
const (
	CommentPending   = "pending"
	CommentPublished = "published"
	CommentRejected  = "rejected"
)

// CommentStatusLabel is the French label of a comment's moderation status.
func CommentStatusLabel(s string) string {
	switch s {
	case CommentPending:
		return "À modérer"
	case CommentPublished:
		return "Publié"
	case CommentRejected:
		return "Écarté"
	}
	return s
}

// SurveyAnswer is one answer.
type SurveyAnswer struct {
	Kind         string
	Satisfaction int // 1–5 (à chaud)
	Usefulness   int // 1–5
	Recommend    bool
	Comment      string
}

// FollowedAt is when an enrolment was recorded as followed (nil when it is not).
func (e Enrolment) FollowedAt() *time.Time {
	switch {
	case !e.Followed():
		return nil
	case e.CompletedAt != nil:
		return e.CompletedAt
	case e.AttendanceAt != nil:
		return e.AttendanceAt
	}
	return &e.UpdatedAt
}

// CheckSurvey says whether the agent may answer a survey of this kind about an enrolment at now, and checks
// the answer.
func CheckSurvey(e Enrolment, a SurveyAnswer, now time.Time) error {
	at := e.FollowedAt()
	switch {
	case at == nil:
		return ErrSurveyNotFollowed
	case a.Kind == SurveyCold && now.Before(at.Add(ColdSurveyDelay)):
		return ErrSurveyColdEarly.With(int(ColdSurveyDelay.Hours() / 24))
	case a.Kind != SurveyHot && a.Kind != SurveyCold:
		return ErrSurveyUnknown
	case a.Usefulness < 1 || a.Usefulness > 5 || (a.Kind == SurveyHot && (a.Satisfaction < 1 || a.Satisfaction > 5)):
		return ErrSurveyMarks
	case len([]rune(a.Comment)) > MaxSurveyComment:
		return ErrSurveyTooLong.With(MaxSurveyComment)
	}
	return nil
}

// Results are aggregates of answers.
type Results struct {
	Answers         int
	SatisfactionSum int // over the answers that have one (à chaud)
	Satisfied       int // answers with a satisfaction (à chaud)
	UsefulnessSum   int
	Recommend       int
}

// Published reports whether the results may be shown to trainers and in the bilan: programme.SmallCount answers.
func (r Results) Published() bool { return r.Answers >= programme.SmallCount }

func mean(sum, n int) string {
	if n == 0 {
		return "—"
	}
	return strings.Replace(fmt.Sprintf("%.1f", float64(sum)/float64(n)), ".", ",", 1)
}

// Satisfaction is the mean satisfaction ("4,2"), Usefulness the mean usefulness, RecommendRate the share who
// would recommend ("86 %").
func (r Results) Satisfaction() string { return mean(r.SatisfactionSum, r.Satisfied) }
func (r Results) Usefulness() string   { return mean(r.UsefulnessSum, r.Answers) }
func (r Results) RecommendRate() string {
	if r.Satisfied == 0 {
		return "—"
	}
	return fmt.Sprintf("%d\u202f%%", (100*r.Recommend+r.Satisfied/2)/r.Satisfied)
}
