package web

import (
	"net/http"
	"time"

	"campus/internal/account"
	"campus/internal/mail"
	"campus/templates"
)

// adminHome is the back-office home: counts of accounts, catalogue and mails, in one query.
func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	f, err := s.store.AdminFigures(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dashboard, err := s.adminDashboard(r.Context(), time.Now()) // the back-office's part (admin_dashboard.go)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, templates.AdminHome(templates.AdminHomeView{Dashboard: dashboard,
		Page: s.page(r, "", "Administration", "", templates.Crumb{Label: "Administration"}),
		Figures: templates.AdminFigures{Users: f.Users, Verified: f.Verified, ProConnect: f.ProConnect, Agents: f.Agents,
			Trainers: f.Trainers, Admins: f.Admins, NewUsers7Days: f.NewUsers7Days, Modules: f.Modules,
			PublishedModules: f.PublishedModules, Tracks: f.Tracks, UpcomingSessions: f.UpcomingSessions,
			MailsPending: f.MailsPending, MailsFailed: f.MailsFailed}}))
}

// devMails lists the outbox, development only: the links of the mails can be followed without SMTP.
func (s *Server) devMails(w http.ResponseWriter, r *http.Request) {
	filter := account.NormalizeEmail(queryText(r.URL.Query(), "a", 254))
	ms, err := s.store.RecentMails(r.Context(), filter, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.DevMailsView{Page: s.page(r, "", "Courriels (développement)", "", templates.Crumb{Label: "Courriels"}), Filter: filter}
	for _, m := range ms {
		v.Mails = append(v.Mails, templates.DevMail{ID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, Body: m.Body,
			Link: mail.Link(m.Body), CreatedAt: m.CreatedAt, SentAt: m.SentAt, Attempts: m.Attempts, LastError: m.LastError})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, templates.DevMails(v))
}
