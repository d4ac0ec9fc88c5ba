package web

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"campus/internal/admin"
	"campus/internal/catalogue"
	"campus/internal/sheet"
	"campus/templates"
)

// Bulk export of the catalogue (one CSV per kind, or all of them in a zip) and import of modules from CSV:
// an upload is parsed strictly and simulated (dry run), then applied all or nothing by posting its token.

// adminExportFiles are the CSV files of the export, in the order of the page.
var adminExportFiles = []struct{ name, label string }{
	{"domaines.csv", "Domaines"},
	{"parcours.csv", "Parcours et programmes sur mesure"},
	{"modules.csv", "Modules (même format que l’import)"},
	{"sessions.csv", "Sessions"},
	{"partenaires.csv", "Partenaires"},
	{"publics.csv", "Publics"},
}

func (s *Server) adminImportView(r *http.Request, title string) templates.AdminImportView {
	v := templates.AdminImportView{Columns: admin.ModuleColumns,
		Page: s.adminPage(r, title, templates.Crumb{Label: "Import et export"})}
	v.Exports = append(v.Exports, templates.AdminAction{Label: "Tout le catalogue (archive zip des fichiers ci-dessous)", Href: "/admin/export/catalogue.zip"})
	for _, f := range adminExportFiles {
		v.Exports = append(v.Exports, templates.AdminAction{Label: f.label + " (" + f.name + ")", Href: "/admin/export/" + f.name})
	}
	return v
}

func (s *Server) adminImportPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, templates.AdminImport(s.adminImportView(r, "Import et export")))
}

// adminExportCSV writes one export file (alone, or inside the zip) through the portal's one CSV writer.
func (s *Server) adminExportCSV(ctx context.Context, name string, w io.Writer) error {
	var header []string
	var rows [][]string
	switch name {
	case "domaines.csv":
		ds, err := s.store.AdminDomains(ctx)
		if err != nil {
			return err
		}
		header, rows = admin.DomainsCSV(ds)
	case "parcours.csv":
		ts, err := s.store.ExportTracks(ctx)
		if err != nil {
			return err
		}
		header, rows = admin.TracksCSV(ts)
	case "modules.csv":
		ms, err := s.store.ExportModules(ctx)
		if err != nil {
			return err
		}
		header, rows = admin.ModulesCSV(ms)
	case "sessions.csv":
		ss, err := s.store.ExportSessions(ctx)
		if err != nil {
			return err
		}
		header, rows = admin.SessionsCSV(ss)
	case "partenaires.csv":
		ps, err := s.store.AdminPartners(ctx)
		if err != nil {
			return err
		}
		header, rows = admin.PartnersCSV(ps)
	case "publics.csv":
		as, err := s.store.AdminAudiences(ctx)
		if err != nil {
			return err
		}
		header, rows = admin.AudiencesCSV(as)
	default:
		return errAdminUnknownExport
	}
	cw := sheet.NewWriter(w)
	cw.Write(header)
	return cw.WriteAll(rows)
}

var errAdminUnknownExport = errors.New("unknown export")

// adminExport downloads an export file, dated.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	var buf bytes.Buffer
	contentType := "text/csv; charset=utf-8"
	if name == "catalogue.zip" {
		contentType = "application/zip"
		zw := zip.NewWriter(&buf)
		for _, f := range adminExportFiles {
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Now()})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if err := s.adminExportCSV(r.Context(), f.name, fw); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := zw.Close(); err != nil {
			s.fail(w, r, err)
			return
		}
	} else if err := s.adminExportCSV(r.Context(), name, &buf); err != nil {
		if errors.Is(err, errAdminUnknownExport) {
			s.notFound(w, r)
			return
		}
		s.fail(w, r, err)
		return
	}
	ext := path.Ext(name)
	dated := strings.TrimSuffix(name, ext) + "-" + time.Now().In(catalogue.Paris).Format("2006-01-02") + ext
	serveDownload(w, contentType, "campus-"+dated, buf.Bytes())
}

// adminUploadLimit bounds the whole multipart body: the file and a little room for the boundaries and headers.
const adminUploadLimit = admin.MaxImportBytes + 64<<10

// adminReadUpload reads the CSV file of the import form (field "fichier") from a multipart body, streaming, never
// more than admin.MaxImportBytes of it. It returns a French message when there is no usable file.
func adminReadUpload(w http.ResponseWriter, r *http.Request) (name string, data []byte, msg string) {
	tooBig := "Le fichier dépasse la taille maximale de 2 Mo : découpez-le en plusieurs imports."
	r.Body = http.MaxBytesReader(w, r.Body, adminUploadLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, "Choisissez le fichier CSV à importer."
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", nil, tooBig
		}
		if err != nil {
			return "", nil, "Le fichier envoyé n’a pas pu être lu. Réessayez."
		}
		if part.FormName() != "fichier" {
			part.Close()
			continue
		}
		name = adminFilename(part)
		data, err = io.ReadAll(io.LimitReader(part, admin.MaxImportBytes+1))
		part.Close()
		switch {
		case errors.As(err, &mbe) || len(data) > admin.MaxImportBytes:
			return name, nil, tooBig
		case err != nil:
			return name, nil, "Le fichier envoyé n’a pas pu être lu. Réessayez."
		case name == "" && len(data) == 0:
			return "", nil, "Choisissez le fichier CSV à importer."
		}
		return name, data, ""
	}
	return "", nil, "Choisissez le fichier CSV à importer."
}

func adminFilename(p *multipart.Part) string {
	n := path.Base(strings.ReplaceAll(p.FileName(), "\\", "/"))
	n = strings.ToValidUTF8(n, "")
	if n == "." || n == "/" {
		n = ""
	}
	if utf8.RuneCountInString(n) > 120 {
		n = string([]rune(n)[:120])
	}
	return n
}

// adminUploadImport simulates the import of an uploaded file and shows what it would do.
func (s *Server) adminUploadImport(w http.ResponseWriter, r *http.Request) {
	v := s.adminImportView(r, "Simulation de l’import")
	f := &Form{shown: map[string]string{}, errors: map[string]string{}}
	name, data, msg := adminReadUpload(w, r)
	v.Filename = name
	if msg == "" {
		rows, err := admin.ParseModulesCSV(data)
		var fe *admin.FileError
		switch {
		case errors.As(err, &fe):
			msg = fe.Message
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			plan, err := s.store.PlanModulesImport(r.Context(), rows)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			v.Plan = &plan
			if plan.CanApply() {
				if v.Token, err = s.store.SaveImport(r.Context(), adminActor(r), name, data, plan.Digest()); err != nil {
					s.fail(w, r, err)
					return
				}
			}
		}
	}
	if msg != "" {
		f.Fail("fichier", msg)
		v.Form = f.State()
		v.Page = s.adminPage(r, "Erreur – Import et export", templates.Crumb{Label: "Import et export"})
		s.render(w, r, http.StatusUnprocessableEntity, templates.AdminImport(v))
		return
	}
	if v.Plan.Rejected > 0 {
		v.Page = s.adminPage(r, "Erreur – Simulation de l’import", templates.Crumb{Label: "Import et export"})
	}
	s.render(w, r, http.StatusOK, templates.AdminImport(v))
}

// adminApplyImport applies a simulated import, all or nothing.
func (s *Server) adminApplyImport(w http.ResponseWriter, r *http.Request) {
	plan, err := s.store.ApplyImport(r.Context(), adminActor(r), chi.URLParam(r, "token"))
	var fe *admin.FileError
	msg, kind := "", "error"
	switch ref, _ := refused(err); {
	case errors.Is(err, admin.ErrImportApplied):
		msg, kind = ref.Message, "info"
	case errors.Is(err, admin.ErrSlugTaken):
		msg = "Rien n’a été importé : " + ref.Message + " Relancez la simulation."
	case ref != nil:
		msg = ref.Message
	case errors.As(err, &fe):
		msg = fe.Message
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if msg != "" {
		s.flashTo(w, r, "/admin/import-export", kind, msg)
		return
	}
	s.invalidate("catalogue")
	s.flashTo(w, r, "/admin/journal?entite=module", "success", "Import appliqué : "+catalogue.Plural(plan.Created, "module créé", "modules créés")+", "+
		catalogue.Plural(plan.Updated, "module modifié", "modules modifiés")+". Chaque changement figure dans le journal.")
}
