package admin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"campus/internal/catalogue"
	"campus/internal/input"
	"campus/internal/sheet"
)

// CSV files exchanged with admins' spreadsheets: written by the portal's one CSV writer (internal/sheet: UTF-8
// with a byte order mark, ";" between columns, CRLF, formulas neutralised), "|" between the items of a list
// cell. The import reads the same format back (the byte order mark optional, neutralised cells restored).
const (
	ListSep = "|"
	// MaxImportBytes bounds an uploaded CSV file.
	MaxImportBytes = 2 << 20
	// MaxImportRows bounds the rows of an import.
	MaxImportRows = 2000
)

// ModuleColumns is the exact header of a modules CSV, both exported and imported.
var ModuleColumns = []string{"slug", "titre", "domaine", "partenaire", "resume", "objectifs", "programme", "duree_minutes",
	"format", "niveau", "prerequis", "url_externe", "mots_cles", "publics", "statut"}

// csvStatus maps the statut column to statuses (accents optional).
var csvStatus = map[string]string{"brouillon": catalogue.StatusDraft, "publié": catalogue.StatusPublished,
	"publie": catalogue.StatusPublished, "archivé": catalogue.StatusArchived, "archive": catalogue.StatusArchived}

// CSVStatus is the statut cell of a status.
func CSVStatus(s string) string {
	switch s {
	case catalogue.StatusDraft:
		return "brouillon"
	case catalogue.StatusPublished:
		return "publié"
	case catalogue.StatusArchived:
		return "archivé"
	case catalogue.StatusComing:
		return "à venir"
	}
	return s
}

// CSVRecord is the module as a row of ModuleColumns.
func (m Module) CSVRecord() []string {
	return []string{m.Slug, m.Title, m.Domain, m.Partner, m.Summary, strings.Join(m.Objectives, ListSep),
		strings.Join(m.Outline, ListSep), itoa(m.DurationMinutes), m.Format, m.Level, m.Prerequisites, m.ExternalURL,
		strings.Join(m.Keywords, ListSep), strings.Join(m.Audiences, ListSep), CSVStatus(m.Status)}
}

// FileError is an import file refused as a whole (encoding, separator, header, syntax, size).
type FileError struct{ Message string }

func (e *FileError) Error() string { return e.Message }

// CSVRow is a data row of an import: its line in the file and its cells, or why it could not be read.
type CSVRow struct {
	Line   int
	Input  ModuleInput
	Status string // the status asked for
	Reject []string
}

// ParseModulesCSV reads a modules CSV strictly: UTF-8 (with or without byte order mark), ";" between
// columns, the exact header ModuleColumns, one module per row; a cell neutralised by the writer (an apostrophe
// before = + - @ tab or carriage return, or after a separator inside the cell) is read back as its value
// (sheet.Restore), so that re-importing an export changes nothing. A row with the wrong number of columns or an
// unknown status is kept with its reasons; anything else wrong refuses the whole file.
func ParseModulesCSV(data []byte) ([]CSVRow, error) {
	if len(data) > MaxImportBytes {
		return nil, &FileError{fmt.Sprintf("Le fichier dépasse la taille maximale de %d Mo.", MaxImportBytes>>20)}
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte(sheet.BOM)))) == 0 {
		return nil, &FileError{"Le fichier est vide."}
	}
	data, msg := sheet.Decode(data)
	if msg != "" {
		return nil, &FileError{msg}
	}
	r := sheet.NewReader(data, sheet.Comma)
	r.FieldsPerRecord = -1 // counted below, to report the line rather than stop
	header, err := r.Read()
	if err != nil {
		return nil, &FileError{"Ligne 1 : l’en-tête n’a pas pu être lu (" + sheet.Reason(err) + ")."}
	}
	if len(header) == 1 && (strings.Contains(header[0], ",") || strings.Contains(header[0], "\t")) {
		return nil, &FileError{"Les colonnes doivent être séparées par des points-virgules (;), pas par des virgules ni des tabulations."}
	}
	if strings.Join(header, ";") != strings.Join(ModuleColumns, ";") {
		return nil, &FileError{"Ligne 1 : l’en-tête doit être exactement « " + strings.Join(ModuleColumns, ";") +
			" » (reçu : « " + strings.Join(header, ";") + " »)."}
	}
	var rows []CSVRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			if l := sheet.ErrorLine(err); l != 0 {
				line = l
			}
			return nil, &FileError{fmt.Sprintf("Ligne %d : %s. Le fichier n’a pas été lu ; corrigez-le et envoyez-le à nouveau.", line, sheet.Reason(err))}
		}
		if len(rows) == MaxImportRows {
			return nil, &FileError{fmt.Sprintf("Le fichier contient plus de %d lignes : découpez-le en plusieurs imports.", MaxImportRows)}
		}
		row := CSVRow{Line: line}
		if len(rec) != len(ModuleColumns) {
			row.Reject = append(row.Reject, fmt.Sprintf("%d colonnes au lieu de %d (vérifiez les points-virgules et les guillemets).",
				len(rec), len(ModuleColumns)))
			if len(rec) > 0 {
				row.Input.Slug = strings.TrimSpace(sheet.Restore(rec[0]))
			}
			rows = append(rows, row)
			continue
		}
		c := func(name string) string {
			for i, col := range ModuleColumns {
				if col == name {
					return sheet.Restore(rec[i]) // the cell as written, without the apostrophe of a neutralised formula
				}
			}
			return ""
		}
		row.Input = ModuleInput{Slug: c("slug"), Title: c("titre"), Domain: c("domaine"), Partner: c("partenaire"),
			Summary: c("resume"), Objectives: Split(c("objectifs"), ListSep), Outline: Split(c("programme"), ListSep),
			Duration: c("duree_minutes"), Format: c("format"), Level: c("niveau"), Prerequisites: c("prerequis"),
			ExternalURL: c("url_externe"), Keywords: Split(c("mots_cles"), ListSep), Audiences: Split(c("publics"), ListSep)}
		st := strings.ToLower(strings.TrimSpace(c("statut")))
		switch code, ok := csvStatus[st]; {
		case st == "":
			row.Status = ""
		case !ok:
			row.Reject = append(row.Reject, "statut : valeur inconnue « "+st+" » (brouillon, publié ou archivé).")
		default:
			row.Status = code
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, &FileError{"Le fichier ne contient que l’en-tête : aucune ligne à importer."}
	}
	return rows, nil
}

// Kinds of plan lines.
const (
	PlanCreate    = "create"
	PlanUpdate    = "update"
	PlanUnchanged = "unchanged"
	PlanReject    = "reject"
)

// PlanLine is what an import would do with one row.
type PlanLine struct {
	Line       int
	Kind       string
	Slug       string
	Title      string
	Reasons    []string // rejected: why
	Changes    []Change // updated: what changes
	Module     Module   // checked, for the apply
	FromStatus string   // updated: the status before
	ExistingID int64
}

// Plan is the dry run of an import.
type Plan struct {
	Lines                                 []PlanLine
	Created, Updated, Unchanged, Rejected int
}

// CanApply reports whether the plan may be applied: no rejected row and something to do.
func (p Plan) CanApply() bool { return p.Rejected == 0 && p.Created+p.Updated > 0 }

// Digest identifies what the plan would do, to check at apply time that nothing changed since the dry run.
func (p Plan) Digest() string {
	type l struct {
		Line    int
		Kind    string
		Slug    string
		Changes []Change
	}
	var ls []l
	for _, x := range p.Lines {
		ls = append(ls, l{x.Line, x.Kind, x.Slug, x.Changes})
	}
	b, _ := json.Marshal(ls)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// PlanImport decides, row by row, what an import would create, change or reject. existing holds the modules
// already stored whose slugs appear in the file (with their status).
func PlanImport(rows []CSVRow, refs Refs, existing map[string]Module) Plan {
	var p Plan
	firstLine := map[string]int{}
	for _, row := range rows {
		pl := PlanLine{Line: row.Line, Slug: strings.TrimSpace(row.Input.Slug), Title: strings.TrimSpace(row.Input.Title)}
		pl.Reasons = append(pl.Reasons, row.Reject...)
		if len(row.Reject) == 0 {
			pl.plan(row, refs, existing, firstLine)
		}
		if len(pl.Reasons) > 0 {
			pl.Kind, pl.Changes = PlanReject, nil
		}
		switch pl.Kind {
		case PlanCreate:
			p.Created++
		case PlanUpdate:
			p.Updated++
		case PlanUnchanged:
			p.Unchanged++
		case PlanReject:
			p.Rejected++
		}
		p.Lines = append(p.Lines, pl)
	}
	return p
}

func (pl *PlanLine) plan(row CSVRow, refs Refs, existing map[string]Module, firstLine map[string]int) {
	if strings.TrimSpace(row.Input.Slug) == "" {
		pl.Reasons = append(pl.Reasons, "slug : renseignez l’adresse du module (la colonne slug identifie le module).")
		return
	}
	old, exists := existing[strings.TrimSpace(row.Input.Slug)]
	status := row.Status
	from := catalogue.StatusDraft
	if exists {
		from = old.Status
		if status == "" {
			status = old.Status
		}
	} else if status == "" {
		status = catalogue.StatusDraft
	}
	m, errs := row.Input.Check(refs, status)
	labels := FieldLabels(EntityModule)
	for _, fe := range errs {
		pl.Reasons = append(pl.Reasons, csvColumn(fe.Field)+" : "+fe.Message)
	}
	pl.Slug, pl.Title, pl.Module = m.Slug, m.Title, m
	if n, dup := firstLine[m.Slug]; dup && m.Slug != "" {
		pl.Reasons = append(pl.Reasons, fmt.Sprintf("le module « %s » figure déjà ligne %d du fichier.", m.Slug, n))
	} else if m.Slug != "" {
		firstLine[m.Slug] = row.Line
	}
	if len(pl.Reasons) > 0 {
		return
	}
	if status != from || !exists {
		d, _ := refs.Domain(m.Domain)
		deps := Deps{DomainStatus: d.Status, DomainTitle: d.Title}
		if pt, ok := refs.Partner(m.Partner); ok {
			deps.PartnerStatus, deps.PartnerName = pt.Status, pt.Title
		}
		if status != from {
			if err := CheckTransition(EntityModule, from, status, deps); err != nil {
				pl.Reasons = append(pl.Reasons, "statut : "+err.Error())
				return
			}
		}
	}
	if !exists {
		pl.Kind = PlanCreate
		return
	}
	pl.ExistingID, pl.FromStatus = old.ID, old.Status
	pl.Module.ID, pl.Module.Version = old.ID, old.Version
	pl.Changes = Diff(old.Snapshot(), m.Snapshot())
	if status != old.Status {
		pl.Changes = append(pl.Changes, Change{Key: "status", Label: labels["status"], Before: StatusLabel(old.Status), After: StatusLabel(status)})
	}
	if len(pl.Changes) == 0 {
		pl.Kind = PlanUnchanged
	} else {
		pl.Kind = PlanUpdate
	}
}

// csvColumn is the CSV column of a form field.
func csvColumn(field string) string {
	switch field {
	case "title":
		return "titre"
	case "domain":
		return "domaine"
	case "partner":
		return "partenaire"
	case "summary":
		return "resume"
	case "objectives":
		return "objectifs"
	case "outline":
		return "programme"
	case "duration":
		return "duree_minutes"
	case "level":
		return "niveau"
	case "prerequisites":
		return "prerequis"
	case "external_url":
		return "url_externe"
	case "keywords":
		return "mots_cles"
	case "audiences":
		return "publics"
	}
	return field
}

// ParseID reads an id from a form: a positive number, or 0 (input.ID).
func ParseID(s string) int64 { return input.ID(s) }
