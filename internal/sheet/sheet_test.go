package sheet_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"campus/internal/sheet"
)

func TestNeutralise(t *testing.T) {
	cases := map[string]string{
		"":                        "",
		"Cybersécurité":           "Cybersécurité",
		"=HYPERLINK(\"x\";\"y\")": "'=HYPERLINK(\"x\";\"y\")",
		"+cmd|' /C calc'!A0":      "'+cmd|' /C calc'!A0",
		"-2+3":                    "'-2+3",
		"@SUM(1+1)":               "'@SUM(1+1)",
		"\t=1+1":                  "'\t'=1+1",
		"\r=1+1":                  "'\r'=1+1",
		"-":                       "'-",
		"+33 1 23 45 67 89":       "'+33 1 23 45 67 89",
		"- point":                 "'- point",
		// Plain numbers cannot run: counts and ids stay numbers.
		"0": "0", "42": "42", "-2": "-2", "+3": "+3", "3,5": "3,5", "-12.75": "-12.75",
		// Not plain numbers.
		"1e5": "1e5", "-1e5": "'-1e5", "-3,": "'-3,", "--2": "'--2", "-2 ": "'-2 ",
		// Other leading characters are not formulas.
		" =1": " =1", "'texte": "'texte", "a=b": "a=b", "2026-01-02": "2026-01-02", "'": "'",
		// A spreadsheet splitting the line at another separator would start a cell with a trigger.
		"Paris,=HYPERLINK(\"x\")": "Paris,'=HYPERLINK(\"x\")", "a;@SUM(1)": "a;'@SUM(1)", "a\t+1": "a\t'+1",
		"a,'=1": "a,''=1", "a,\r=1+1": "a,\r'=1+1", "a;\n@SUM(1)": "a;\n'@SUM(1)", "ligne\r\n-2+3": "ligne\r\n'-2+3", "=1,=2": "'=1,'=2", "1,-2": "1,'-2", "a, =1": "a, =1", "a,b": "a,b",
		// Already starting with an apostrophe then a trigger: one more, so that Restore gives it back.
		"'=1+2": "''=1+2", "''@x": "'''@x", "'-2": "''-2",
	}
	for in, want := range cases {
		if got := sheet.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
		if got := sheet.Restore(sheet.Neutralise(in)); got != in {
			t.Errorf("Restore(Neutralise(%q)) = %q", in, got)
		}
	}
}

func TestRestore(t *testing.T) {
	cases := map[string]string{
		"a,'=1": "a,=1", "a,''=1": "a,'=1", "a,'b": "a,'b",
		"'=1": "=1", "'+a": "+a", "'-2+3": "-2+3", "'@x": "@x", "'\tx": "\tx", "'\rx": "\rx",
		"''=1": "'=1", "'-2": "-2",
		// Left alone: not written by Neutralise.
		"'texte": "'texte", "'": "'", "''": "''", "=1": "=1", "-2": "-2", "": "", "l'=x": "l'=x",
	}
	for in, want := range cases {
		if got := sheet.Restore(in); got != want {
			t.Errorf("Restore(%q) = %q, want %q", in, got, want)
		}
	}
	// Every string made of the characters that matter round-trips.
	alphabet := []string{"'", "=", "+", "-", "@", "\t", "\r", "1", ",", ";", "a", " "}
	var walk func(prefix string, n int)
	walk = func(prefix string, n int) {
		if got := sheet.Restore(sheet.Neutralise(prefix)); got != prefix {
			t.Errorf("Restore(Neutralise(%q)) = %q", prefix, got)
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			walk(prefix+c, n-1)
		}
	}
	walk("", 4)
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := sheet.NewWriter(&buf)
	w.Write([]string{"titre", "valeur", "note"})
	w.Write([]string{"=HYPERLINK(\"http://x\";\"y\")", "-2", "ligne 1\nligne 2"})
	if err := w.WriteAll([][]string{{"Données; « accents »", "+3,5", "@SUM(A1)"}}); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFtitre;valeur;note\r\n" +
		"\"'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\";-2;\"ligne 1\r\nligne 2\"\r\n" +
		"\"Données; « accents »\";+3,5;'@SUM(A1)\r\n"
	if buf.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", buf.String(), want)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), sheet.BOM)))
	r.Comma = sheet.Comma
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 3 || recs[1][0] != "'=HYPERLINK(\"http://x\";\"y\")" || recs[2][2] != "'@SUM(A1)" {
		t.Fatalf("read back: %q %v", recs, err)
	}

	// The byte order mark is written once, even for a file without records.
	buf.Reset()
	w = sheet.NewWriter(&buf)
	w.Flush()
	if w.Error() != nil || buf.String() != sheet.BOM {
		t.Errorf("empty file: %q %v", buf.String(), w.Error())
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disque plein") }

func TestWriter_Error(t *testing.T) {
	w := sheet.NewWriter(failing{})
	w.Write([]string{"a"})
	w.Flush()
	if w.Error() == nil {
		t.Fatal("a failing writer reports no error")
	}
	if err := w.WriteAll([][]string{{"b"}}); err == nil {
		t.Error("WriteAll after an error reports none")
	}
}

func TestBytes(t *testing.T) {
	b, err := sheet.Bytes([]string{"titre", "n"}, []string{"=1+1", "-2"})
	if want := sheet.BOM + "titre;n\r\n'=1+1;-2\r\n"; err != nil || string(b) != want {
		t.Errorf("Bytes = %q, %v; want %q", b, err, want)
	}
}

func TestReading(t *testing.T) {
	for _, c := range []struct {
		name, in, want, msg string
	}{
		{"BOM dropped", sheet.BOM + "a;b\n", "a;b\n", ""},
		{"no BOM", "a;b\n", "a;b\n", ""},
		{"Latin-1 on line 2", "code\nCaf\xe9\n", "", "pas encodé en UTF-8 (premier caractère illisible ligne 2)"},
		{"Latin-1 on line 1", "\xff\xfe", "", "ligne 1"},
	} {
		got, msg := sheet.Decode([]byte(c.in))
		if string(got) != c.want || c.msg == "" && msg != "" || c.msg != "" && !strings.Contains(msg, c.msg) {
			t.Errorf("%s: Decode = %q, %q", c.name, got, msg)
		}
	}
	for _, c := range []struct {
		name, in string
		fields   int
		line     int
		reason   string
	}{
		{"bare quote", "a;b\nx;y\"z\n", 0, 2, "guillemet mal placé (un texte entre guillemets doit doubler ses guillemets intérieurs)"},
		{"quote", "a;b\n\"x;y\n", 0, 2, "guillemet mal placé (un texte entre guillemets doit doubler ses guillemets intérieurs)"},
		{"field count", "a;b\nx;y\nz\n", 0, 3, "nombre de colonnes différent de l’en-tête"},
	} {
		r := sheet.NewReader([]byte(c.in), ';')
		r.FieldsPerRecord = c.fields
		var err error
		for err == nil {
			_, err = r.Read()
		}
		if errors.Is(err, io.EOF) || sheet.ErrorLine(err) != c.line || sheet.Reason(err) != c.reason {
			t.Errorf("%s: %v: line %d, reason %q", c.name, err, sheet.ErrorLine(err), sheet.Reason(err))
		}
	}
	if sheet.Reason(io.ErrUnexpectedEOF) != "ligne illisible" || sheet.ErrorLine(io.ErrUnexpectedEOF) != 0 {
		t.Error("an error that is not the parser's")
	}
}
