package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"campus/internal/account"
	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/templates"
)

// The accounts in the back-office: find an account by address or name, see its role and status, change its role
// (audited; a role taken away ends the account's sessions).

func (s *Server) userAdminRoutes(r chi.Router) {
	r.Get("/utilisateurs", s.adminUsers)
	r.Get("/utilisateurs/{id}", s.adminUser)
	r.Post("/utilisateurs/{id}/role", s.adminUserRole)
}

func roleOptions() []templates.Option {
	out := make([]templates.Option, 0, len(account.Roles))
	for _, r := range account.Roles {
		out = append(out, templates.Option{Value: r, Label: account.RoleLabel(r)})
	}
	return out
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := admin.UserFilter{Query: queryText(q, "q", 200), Role: q.Get("role")}
	if !account.ValidRole(f.Role) {
		f.Role = ""
	}
	page := adminPageNumber(q)
	users, total, err := s.store.AdminUsers(r.Context(), f, adminPerPage, (page-1)*adminPerPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := templates.AdminUsersView{Filter: f, Users: users, Total: total, Roles: roleOptions(),
		Page: s.adminPage(r, "Comptes", templates.Crumb{Label: "Comptes"})}
	v.Pager = adminPager("/admin/utilisateurs", q, page, adminPerPage, total)
	s.render(w, r, http.StatusOK, templates.AdminUsers(v))
}

func (s *Server) renderAdminUser(w http.ResponseWriter, r *http.Request, status int, id int64, form templates.FormState) {
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me, _ := CurrentUser(r)
	v := templates.AdminUserView{User: u, Self: me.ID == u.ID, Roles: roleOptions(), Form: form,
		Page: s.adminPage(r, adminErrorTitle(form, false, "Compte "+catalogue.De(u.DisplayName())),
			templates.Crumb{Label: "Comptes", Href: "/admin/utilisateurs"}, templates.Crumb{Label: u.DisplayName()})}
	s.render(w, r, status, templates.AdminUser(v))
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	s.renderAdminUser(w, r, http.StatusOK, id, templates.FormState{})
}

func (s *Server) adminUserRole(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.notFound(w, r)
		return
	}
	f := s.readForm(w, r)
	role := f.Choice("role", "Rôle", roleOptions(), true)
	if !f.Valid() {
		s.renderAdminUser(w, r, http.StatusUnprocessableEntity, id, f.State())
		return
	}
	u, err := s.store.SetUserRole(r.Context(), adminActor(r), id, role)
	if err := f.Refuse(err); err != nil {
		s.fail(w, r, err)
		return
	}
	if !f.Valid() {
		s.renderAdminUser(w, r, http.StatusUnprocessableEntity, id, f.State())
		return
	}
	s.invalidate("user:" + strconv.FormatInt(id, 10)) // this instance at once; the others by the notification
	s.flashTo(w, r, "/admin/utilisateurs/"+strconv.FormatInt(id, 10), "success", "Rôle "+catalogue.De(u.DisplayName())+" : "+account.RoleLabel(u.Role)+".")
}
