package web

import (
	"net/http"

	"campus/internal/sheet"
)

// serveDownload answers a private file to download (a roster, an export, an attestation): never stored by a
// cache, saved under filename.
func serveDownload(w http.ResponseWriter, contentType, filename string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "private, no-store")
	w.Write(body)
}

// serveCSV answers records as a private spreadsheet file (internal/sheet, the portal's one CSV writer: byte
// order mark, ";", CRLF, formulas neutralised) saved under filename.
func serveCSV(w http.ResponseWriter, filename string, records ...[]string) {
	b, err := sheet.Bytes(records...)
	if err != nil { // into memory: cannot happen
		http.Error(w, "Le fichier n’a pas pu être produit.", http.StatusInternalServerError)
		return
	}
	serveDownload(w, "text/csv; charset=utf-8", filename, b)
}
