package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"campus/internal/account"
	"campus/internal/cache"
	"campus/internal/catalogue"
	"campus/internal/enrolment"
	lic "campus/internal/licence"
	"campus/templates"
)

// sessCalendarURL holds a new calendar-feed link until "Mes formations" shows it, once: only its hash is stored.
const sessCalendarURL = "calendar_feed_url"

// myTrainings is "Mes formations": every enrolment of the agent in one query, grouped by what it means now.
func (s *Server) myTrainings(w http.ResponseWriter, r *http.Request) {
	s.renderMyTrainings(w, r, http.StatusOK, "")
}

func (s *Server) renderMyTrainings(w http.ResponseWriter, r *http.Request, status int, refusal string) {
	u, _ := CurrentUser(r)
	ctx := r.Context()
	data, err := s.myTrainingsData(ctx, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := time.Now()
	v := templates.MyTrainingsView{Page: s.page(r, "", "Mes formations", "", templates.Crumb{Label: "Mes formations"}),
		Mine: enrolment.Group(data.list, now), Now: now, Error: refusal,
		Feed: templates.CalendarFeedBox{Active: data.feedCreated != nil, Created: data.feedCreated, Used: data.feedUsed}}
	v.Licences.Requests = data.licences // partner licences (licence.go)
	if r.Method == http.MethodGet {
		v.Feed.NewURL = s.sessions.PopString(ctx, sessCalendarURL)
	}
	s.render(w, r, status, templates.MyTrainings(v))
}

// myTrainings is what "Mes formations" reads of the database for a user.
type myTrainings struct {
	list                  []enrolment.Enrolment
	feedCreated, feedUsed *time.Time
	licences              []lic.Request
}

// Size is a rough count of the bytes held (cache.Sizer).
func (m myTrainings) Size() int { return 512 + 1024*len(m.list) + 512*len(m.licences) }

// myTrainingsKeys are the users' "Mes formations" data, per user and data version; catalogue and seat changes
// drop them.
var myTrainingsKeys = cache.NewKeys[myTrainings]("mes-formations:", cache.All)

// myTrainingsData reads the user's enrolments, calendar feed and licences, or takes them from the cache: kept
// under the user's data version, which every change to those rows moves (migration 00008) and which was read
// with the session in this very request, so the copy is never older than the user's last action on any
// instance; catalogue and seat changes (titles, dates, places) drop it like the catalogue pages.
func (s *Server) myTrainingsData(ctx context.Context, u account.User) (myTrainings, error) {
	key := myTrainingsKeys.Of(strconv.FormatInt(u.ID, 10) + ":" + strconv.FormatInt(u.DataVersion, 10))
	return cache.Load(s.cache, key, func() (myTrainings, error) {
		var m myTrainings
		var err error
		if m.list, err = s.store.MyEnrolments(ctx, u.ID); err != nil {
			return m, err
		}
		if err = s.withApprovals(ctx, m.list); err != nil {
			return m, err
		}
		if err = s.withSurveys(ctx, m.list); err != nil {
			return m, err
		}
		if m.feedCreated, m.feedUsed, err = s.store.CalendarFeedInfo(ctx, u.ID); err != nil {
			return m, err
		}
		m.licences, err = s.store.UserLicences(ctx, u.ID)
		return m, err
	})
}

// cancelPage asks the agent to confirm a cancellation (or says why it is no longer possible).
func (s *Server) cancelPage(w http.ResponseWriter, r *http.Request) {
	e, err := s.ownEnrolment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.cancelView(r, e)
	if err := enrolment.CheckCancel(e, v.Now); err != nil {
		v.Refusal = err.Error()
	}
	s.render(w, r, http.StatusOK, templates.CancelEnrolment(v))
}

func (s *Server) cancelView(r *http.Request, e enrolment.Enrolment) templates.CancelView {
	return templates.CancelView{Enrolment: e, Now: time.Now(), Page: s.page(r, "", "Annuler mon inscription à "+e.Module.Title, "",
		templates.Crumb{Label: "Mes formations", Href: "/mes-formations"}, templates.Crumb{Label: "Annuler mon inscription"})}
}

// cancelEnrolment cancels the agent's own enrolment; the freed seat goes to the waitlist in the same
// transaction. A refusal (cut-off, started session) shows the confirmation page again with its reason.
func (s *Server) cancelEnrolment(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	id, _, ok := s.postedID(w, r) // the form is read to bound the body
	if !ok {
		return
	}
	e, err := s.store.CancelEnrolment(r.Context(), u.ID, id)
	if ref, _ := refused(err); ref != nil {
		cur, lerr := s.store.Enrolment(r.Context(), id)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		v := s.cancelView(r, cur)
		v.Refusal = ref.Message
		s.render(w, r, http.StatusUnprocessableEntity, templates.CancelEnrolment(v))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if e.HasSession() {
		s.invalidate("seats")
	}
	s.flashTo(w, r, "/mes-formations", "success", "Votre inscription à « "+e.Module.Title+" » est annulée. Un courriel de confirmation vous a été envoyé.")
}

// createCalendarFeed makes a new private feed link (the previous one stops working) and shows it once.
func (s *Server) createCalendarFeed(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	s.readForm(w, r)
	token, err := s.store.SetCalendarFeed(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessCalendarURL, s.baseURL()+"/calendrier/"+token+".ics")
	s.flashTo(w, r, "/mes-formations#abonnement", "success", "Votre lien d’abonnement est prêt : copiez-le dans votre agenda, il ne sera affiché qu’une fois.")
}

// revokeCalendarFeed turns the feed link off.
func (s *Server) revokeCalendarFeed(w http.ResponseWriter, r *http.Request) {
	u, _ := CurrentUser(r)
	s.readForm(w, r)
	if err := s.store.RevokeCalendarFeed(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flashTo(w, r, "/mes-formations#abonnement", "success", "Le lien d’abonnement à votre agenda est désactivé.")
}

// exportedEnrolment is an enrolment in the "download my data" file (RGPD).
type exportedEnrolment struct {
	Module      string     `json:"module"`
	Session     string     `json:"session,omitempty"`
	Status      string     `json:"statut"`
	Track       string     `json:"parcours,omitempty"`
	CreatedAt   time.Time  `json:"inscrit_le"`
	CancelledAt *time.Time `json:"annule_le,omitempty"`
}

// enrolmentExport is the enrolment part of the personal data export, in one query.
func (s *Server) enrolmentExport(ctx context.Context, userID int64) (map[string]any, error) {
	list, err := s.store.MyEnrolments(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]exportedEnrolment, 0, len(list))
	for _, e := range list {
		x := exportedEnrolment{Module: e.Module.Title, Status: enrolment.StatusLabel(e.Status), Track: e.Track.Title,
			CreatedAt: e.CreatedAt, CancelledAt: e.CancelledAt}
		if e.HasSession() {
			x.Session = catalogue.Span(e.Session.StartsAt, e.Session.EndsAt) + " — " + e.Session.City
		}
		out = append(out, x)
	}
	return map[string]any{"inscriptions": out}, nil
}

// withSurveys marks the followed enrolments with the surveys answered (one query, only when some are followed).
func (s *Server) withSurveys(ctx context.Context, list []enrolment.Enrolment) error {
	var ids []int64
	for _, e := range list {
		if e.Followed() {
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	done, err := s.store.SurveysAnswered(ctx, ids)
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].Followed() {
			list[i].Surveys = done[list[i].ID]
			if list[i].Surveys == nil {
				list[i].Surveys = map[string]bool{}
			}
		}
	}
	return nil
}

// withApprovals adds their latest line-manager approval request to the enrolments that have one (held, or
// decided in a session that requires approval): one query, only when there are such enrolments.
func (s *Server) withApprovals(ctx context.Context, list []enrolment.Enrolment) error {
	var ids []int64
	for _, e := range list {
		if e.Status == enrolment.Held || e.Session.ApprovalRequired || e.Reason == enrolment.ReasonRefused || e.Reason == enrolment.ReasonExpired {
			ids = append(ids, e.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	byID, err := s.store.LatestApprovals(ctx, ids)
	if err != nil {
		return err
	}
	for i := range list {
		if a, ok := byID[list[i].ID]; ok {
			list[i].Approval = &a
		}
	}
	return nil
}
