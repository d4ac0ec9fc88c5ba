package web

import (
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"campus/internal/admin"
	"campus/templates"
)

// adminJournal lists the audit log, newest first, filtered by kind of entity (and one entity), author and
// dates, a page at a time.
func (s *Server) adminJournal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := s.readForm(w, r)
	v := templates.AdminJournalView{}
	var filter admin.AuditFilter
	for _, e := range admin.Entities {
		v.Entities = append(v.Entities, templates.Option{Value: e, Label: admin.EntityLabel(e)})
		if e == q.Get("entite") {
			filter.Entity, v.Entity = e, e
		}
	}
	if id := queryID(q, "id"); id != 0 && filter.Entity != "" {
		filter.EntityID, v.EntityID = id, strconv.FormatInt(id, 10)
	}
	if id := queryID(q, "auteur"); id != 0 {
		filter.ActorID, v.Actor = id, strconv.FormatInt(id, 10)
	}
	filter.From = f.Date("du", "Du", false)
	if to := f.Date("au", "Au", false); !to.IsZero() {
		filter.To = to.AddDate(0, 0, 1)
	}
	if !filter.From.IsZero() && !filter.To.IsZero() && !filter.To.After(filter.From) {
		f.Fail("au", "La date de fin doit être le même jour que la date de début ou après.")
		filter.To = time.Time{}
	}
	v.Form = f.State()
	page := adminPageNumber(q)
	const per = 50
	var actors []admin.AuditActor
	g, ctx := errgroup.WithContext(r.Context())
	g.Go(func() (err error) { v.Entries, v.Total, err = s.store.AuditLog(ctx, filter, per, (page-1)*per); return })
	g.Go(func() (err error) { actors, err = s.store.AuditActors(ctx); return })
	if err := g.Wait(); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range actors {
		v.Actors = append(v.Actors, templates.Option{Value: strconv.FormatInt(a.ID, 10), Label: a.Name})
	}
	v.Pager = adminPager("/admin/journal", q, page, per, v.Total)
	title := pagedTitle("Journal des modifications", page)
	v.Page = s.adminPage(r, adminErrorTitle(v.Form, false, title), templates.Crumb{Label: "Journal des modifications"})
	status := http.StatusOK
	if v.Form.Failed() {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, templates.AdminJournal(v))
}
