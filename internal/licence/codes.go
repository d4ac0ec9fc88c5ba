package licence

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"campus/internal/sheet"
)

// Code is one licence code or activation link imported from a partner, with the line it came from.
type Code struct {
	Line int
	Code string
	URL  string
}

// Problem is what is wrong with one line of an import (line 0: the whole file).
type Problem struct {
	Line    int
	Message string
}

// String is the French message with its line.
func (p Problem) String() string {
	if p.Line == 0 {
		return p.Message
	}
	return "Ligne " + strconv.Itoa(p.Line) + " : " + p.Message
}

// ImportError lists the problems of a file refused as a whole: an import is all or nothing.
type ImportError struct{ Problems []Problem }

func (e *ImportError) Error() string {
	var msgs []string
	for _, p := range e.Problems {
		msgs = append(msgs, p.String())
	}
	return "licence: import refusé: " + strings.Join(msgs, "; ")
}

// maxProblems bounds the problems reported for one file: past it the file is clearly not the right one.
const maxProblems = 20

// ParseCodes reads a CSV file of codes and activation links, strictly. The first line is the header: the
// columns "code" and/or "lien" (in any order, comma or semicolon separated, case and spaces ignored). Each
// following line has exactly as many fields; a code is 4 to 100 letters, digits, "-", "_" or "."; a link is
// an https:// address of at most 500 characters; a line needs a code or a link, and no code or link may appear
// twice. Empty lines are ignored. Any problem refuses the whole file (*ImportError listing the first ones).
func ParseCodes(r io.Reader) ([]Code, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, &ImportError{[]Problem{{0, "Le fichier n’a pas pu être lu."}}}
	}
	data, msg := sheet.Decode(data)
	if msg != "" {
		return nil, &ImportError{[]Problem{{0, msg}}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ImportError{[]Problem{{0, "Le fichier est vide."}}}
	}
	first, _, _ := bufio.NewReader(bytes.NewReader(data)).ReadLine()
	sep := ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		sep = ';'
	}
	cr := sheet.NewReader(data, sep)
	header, err := cr.Read()
	if err != nil {
		return nil, &ImportError{[]Problem{{1, "l’en-tête n’a pas pu être lu : " + sheet.Reason(err) + "."}}}
	}
	codeCol, urlCol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "code":
			if codeCol >= 0 {
				return nil, &ImportError{[]Problem{{1, "la colonne « code » apparaît deux fois."}}}
			}
			codeCol = i
		case "lien", "lien d’activation", "lien d'activation", "lien_activation":
			if urlCol >= 0 {
				return nil, &ImportError{[]Problem{{1, "la colonne « lien » apparaît deux fois."}}}
			}
			urlCol = i
		default:
			return nil, &ImportError{[]Problem{{1, "colonne « " + strings.TrimSpace(h) + " » inconnue : l’en-tête doit être « code », « lien » ou « code;lien »."}}}
		}
	}
	var out []Code
	var problems []Problem
	seenCode, seenURL := map[string]int{}, map[string]int{}
	fail := func(line int, msg string) bool {
		problems = append(problems, Problem{line, msg})
		return len(problems) >= maxProblems
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := 0
		if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		}
		if err != nil {
			if l := sheet.ErrorLine(err); l != 0 {
				line = l
			}
			if fail(line, sheet.Reason(err)+".") {
				break
			}
			if errors.Is(err, csv.ErrFieldCount) {
				continue
			}
			break
		}
		c := Code{Line: line}
		if codeCol >= 0 {
			c.Code = strings.TrimSpace(rec[codeCol])
		}
		if urlCol >= 0 {
			c.URL = strings.TrimSpace(rec[urlCol])
		}
		if msg := checkCode(c); msg != "" {
			if fail(line, msg) {
				break
			}
			continue
		}
		if c.Code != "" {
			if prev, ok := seenCode[c.Code]; ok {
				if fail(line, "le code « "+c.Code+" » figure déjà ligne "+strconv.Itoa(prev)+".") {
					break
				}
				continue
			}
			seenCode[c.Code] = line
		}
		if c.URL != "" {
			if prev, ok := seenURL[c.URL]; ok {
				if fail(line, "ce lien figure déjà ligne "+strconv.Itoa(prev)+".") {
					break
				}
				continue
			}
			seenURL[c.URL] = line
		}
		if len(out) >= MaxImportRows {
			fail(line, "le fichier dépasse "+strconv.Itoa(MaxImportRows)+" lignes : découpez-le.")
			break
		}
		out = append(out, c)
	}
	if len(problems) > 0 {
		return nil, &ImportError{problems}
	}
	if len(out) == 0 {
		return nil, &ImportError{[]Problem{{0, "Le fichier ne contient aucun code ni lien après l’en-tête."}}}
	}
	return out, nil
}

func checkCode(c Code) string {
	if c.Code == "" && c.URL == "" {
		return "ni code ni lien."
	}
	if c.Code != "" {
		if n := utf8.RuneCountInString(c.Code); n < 4 || n > MaxCode {
			return "le code doit compter de 4 à " + strconv.Itoa(MaxCode) + " caractères."
		}
		for _, r := range c.Code {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return "le code « " + c.Code + " » contient un caractère non autorisé (lettres sans accent, chiffres, « - », « _ » et « . » seulement)."
			}
		}
	}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		switch {
		case len(c.URL) > MaxURL:
			return "le lien dépasse " + strconv.Itoa(MaxURL) + " caractères."
		case err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(c.URL, " \t\"<>"):
			return "le lien doit être une adresse complète commençant par https://."
		}
	}
	return ""
}
