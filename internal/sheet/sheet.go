// Package sheet is the one writer of the CSV files the portal serves, and the one reader of those the admins send, made to be opened in a spreadsheet:
// UTF-8 with a byte order mark (so that Excel reads the accents), ";" between cells (French locale), CRLF line
// ends, and every cell that a spreadsheet would run as a formula neutralised (CSV injection, OWASP).
//
// A cell starting with "=", "+", "-", "@", a tab or a carriage return gets a leading apostrophe, which
// spreadsheets take as "text, not a formula"; a plain number ("-2", "+3,5") is left as it is, since it cannot run
// and counts must stay numbers. A value that already starts with apostrophes followed by one of those characters
// gets one more, so that Restore, used when the portal reads back a file it wrote, gives every value back as it was.
//
// A spreadsheet set to another separator (Excel in a "," locale, or a tab chosen at import) splits a cell where it
// has one, whatever the quotes: "Paris,=HYPERLINK(…)" would give a cell starting with "=". So inside a cell, a
// ",", ";", tab or line break followed by "=", "+", "-" or "@" (or by apostrophes then one of them) gets an
// apostrophe after it too, by the same rule, and Restore removes it.
package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

const (
	// BOM is the UTF-8 byte order mark that starts every file.
	BOM = "\uFEFF"
	// Comma separates the cells.
	Comma = ';'
	// triggers are the first characters that make a spreadsheet read a cell as a formula.
	triggers = "=+-@\t\r"
)

// inner is a separator of some spreadsheet's import (",", ";", tab, a line break) followed by apostrophes, if any, and a
// trigger: the start of a cell once the spreadsheet has split the line there.
var inner = regexp.MustCompile(`[,;\t\r\n]'*[=+\-@]`)

// plainNumber is a cell that a spreadsheet reads as a number, never as a formula.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+([.,][0-9]+)?$`)

// triggered reports whether s, once its leading apostrophes are set aside, starts with a trigger.
func triggered(s string) bool {
	rest := strings.TrimLeft(s, "'")
	return rest != "" && strings.IndexByte(triggers, rest[0]) >= 0
}

// risky reports whether a value must be prefixed: it starts with a trigger, after any apostrophes (so that
// Restore stays the exact inverse), and is not a plain number.
func risky(s string) bool { return triggered(s) && !plainNumber.MatchString(s) }

// Neutralise is the cell a spreadsheet shows as the value s without running it: s with a leading apostrophe
// when it starts with = + - @ tab or carriage return (or apostrophes then one of them) and is not a plain number.
func Neutralise(s string) string {
	s = inner.ReplaceAllStringFunc(s, func(m string) string { return m[:1] + "'" + m[1:] })
	if risky(s) {
		return "'" + s
	}
	return s
}

// Restore is the inverse of Neutralise, for reading back a file the portal wrote: a cell starting with an
// apostrophe followed (after any other apostrophes) by = + - @ tab or carriage return loses that apostrophe.
// For any s, Restore(Neutralise(s)) == s.
func Restore(cell string) string {
	if strings.HasPrefix(cell, "'") && triggered(cell) {
		cell = cell[1:]
	}
	return inner.ReplaceAllStringFunc(cell, func(m string) string {
		if m[1] == '\'' {
			return m[:1] + m[2:]
		}
		return m
	})
}

// Writer writes a spreadsheet CSV: the byte order mark once, then records of neutralised cells separated by
// ";", with CRLF line ends. Call Flush, then check Error, as with encoding/csv.
type Writer struct {
	buf *bufio.Writer
	cw  *csv.Writer
	err error
}

// NewWriter starts a file on w; the byte order mark is written with the first Flush, even if no record is.
func NewWriter(w io.Writer) *Writer {
	buf := bufio.NewWriter(w)
	_, err := buf.WriteString(BOM)
	cw := csv.NewWriter(buf) // shares buf: the byte order mark comes first
	cw.Comma, cw.UseCRLF = Comma, true
	return &Writer{buf: buf, cw: cw, err: err}
}

// Write writes one record, each cell neutralised.
func (w *Writer) Write(record []string) error {
	if w.err != nil {
		return w.err
	}
	cells := make([]string, len(record))
	for i, c := range record {
		cells[i] = Neutralise(c)
	}
	if err := w.cw.Write(cells); err != nil {
		w.err = err
	}
	return w.err
}

// WriteAll writes the records, then flushes.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// Flush writes what is buffered to the underlying writer.
func (w *Writer) Flush() {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil && w.err == nil {
		w.err = err
	}
	if err := w.buf.Flush(); err != nil && w.err == nil {
		w.err = err
	}
}

// Error is the first error met by Write or Flush.
func (w *Writer) Error() error { return w.err }

// Bytes is a whole file of the records, written into memory.
func Bytes(records ...[]string) ([]byte, error) {
	var buf bytes.Buffer
	if err := NewWriter(&buf).WriteAll(records); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Reading: the imports (modules, licence codes) read files a spreadsheet saved, the portal's own or a partner's.

// Decode prepares the bytes of an uploaded file for NewReader: the byte order mark, if any, is dropped. A file
// that is not UTF-8 gets a French message instead, with the line of its first unreadable character and how to
// save it right.
func Decode(data []byte) ([]byte, string) {
	data = bytes.TrimPrefix(data, []byte(BOM))
	if utf8.Valid(data) {
		return data, ""
	}
	at := 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			at = i
			break
		}
		i += n
	}
	line := bytes.Count(data[:at], []byte("\n")) + 1
	return nil, fmt.Sprintf("Le fichier n’est pas encodé en UTF-8 (premier caractère illisible ligne %d). "+
		"Dans votre tableur, enregistrez-le au format « CSV UTF-8 ».", line)
}

// NewReader reads the records of data (Decode's result), comma between cells. Cells come as written: a cell
// of the portal's own file goes through Restore.
func NewReader(data []byte, comma rune) *csv.Reader {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	return r
}

// Reason is the French reason of an error of NewReader's, to follow "Ligne N : " (no final period).
func Reason(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "guillemet mal placé (un texte entre guillemets doit doubler ses guillemets intérieurs)"
	case errors.Is(err, csv.ErrFieldCount):
		return "nombre de colonnes différent de l’en-tête"
	}
	return "ligne illisible"
}

// ErrorLine is the line where an error of NewReader's was met (0 when it does not say).
func ErrorLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}
