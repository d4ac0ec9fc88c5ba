package web

import (
	"context"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/templates"
)

// adminPendingSources are the kinds of work that wait for an admin, shown first on the dashboard; each is one
// query. Extension point: the programmes issue adds here its licence requests, trainer applications and
// tailored-programme requests (a func returning their admin.Pending, with the page that deals with them).
func (s *Server) adminPendingSources() []func(context.Context) ([]admin.Pending, error) {
	return []func(context.Context) ([]admin.Pending, error){
		s.store.PendingWork,
		s.store.ProgrammesPendingWork, // licences, trainers' applications, tailored-programme requests
	}
}

var adminMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
	"novembre", "décembre"}

// adminDashboard gathers the back-office part of the /admin home, its queries run concurrently.
func (s *Server) adminDashboard(ctx context.Context, now time.Time) (templates.AdminDashboard, error) {
	now = now.In(catalogue.Paris)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, catalogue.Paris)
	to := from.AddDate(0, 1, 0)
	d := templates.AdminDashboard{Month: adminMonths[now.Month()-1] + " " + strconv.Itoa(now.Year())}
	var counts []admin.StatusCount
	sources := s.adminPendingSources()
	pending := make([][]admin.Pending, len(sources))
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { counts, err = s.store.StatusCounts(ctx); return })
	var month []admin.Session
	g.Go(func() (err error) { month, err = s.store.MonthSessions(ctx, from, to); return })
	for i, src := range sources {
		g.Go(func() (err error) { pending[i], err = src(ctx); return })
	}
	if err := g.Wait(); err != nil {
		return d, err
	}
	for _, p := range pending {
		d.Pending = append(d.Pending, p...)
	}
	d.Sessions = len(month)
	for _, x := range month {
		if x.Status == "cancelled" {
			continue
		}
		d.Seats += x.SeatsTaken
		d.Capacity += x.Capacity
		if x.EndsAt.After(now) && (x.TrainerID == 0 || 2*x.SeatsTaken < x.Capacity || x.SeatsTaken >= x.Capacity) {
			if len(d.Watch) < templates.DashboardWatch {
				d.Watch = append(d.Watch, x)
			} else {
				d.WatchMore++
			}
		}
	}
	kinds := []struct{ kind, label, href string }{
		{admin.EntityDomain, "Domaines", "/admin/domaines"},
		{admin.EntityTrack, "Parcours", "/admin/parcours"},
		{"programme", "Programmes sur mesure", "/admin/programmes"},
		{admin.EntityModule, "Modules", "/admin/modules"},
		{admin.EntityPartner, "Partenaires", "/admin/partenaires"},
		{admin.EntityAudience, "Publics", "/admin/publics"},
	}
	for _, k := range kinds {
		row := templates.AdminCountRow{Label: k.label, Href: k.href, HasComing: k.kind == admin.EntityDomain}
		for _, c := range counts {
			if c.Kind != k.kind {
				continue
			}
			switch c.Status {
			case catalogue.StatusDraft:
				row.Draft = c.Count
			case catalogue.StatusComing:
				row.Coming = c.Count
			case catalogue.StatusPublished:
				row.Published = c.Count
			case catalogue.StatusArchived:
				row.Archived = c.Count
			}
		}
		d.Counts = append(d.Counts, row)
	}
	return d, nil
}
