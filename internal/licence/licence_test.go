package licence_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"campus/internal/licence"
)

func TestPool_Period(t *testing.T) {
	p := licence.Pool{ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
	paris, _ := time.LoadLocation("Europe/Paris")
	for day, want := range map[time.Time]string{
		time.Date(2025, 12, 31, 23, 30, 0, 0, paris): licence.PeriodComing,
		time.Date(2026, 1, 1, 0, 10, 0, 0, paris):    licence.PeriodOpen,
		time.Date(2026, 12, 31, 23, 59, 0, 0, paris): licence.PeriodOpen,
		time.Date(2027, 1, 1, 0, 0, 0, 0, paris):     licence.PeriodExpired,
	} {
		if got := p.Period(day); got != want {
			t.Errorf("Period(%v) = %s, want %s", day, got, want)
		}
	}
	if (licence.Pool{Size: 5, Allocated: 7}).Free() != 0 {
		t.Error("Free is never negative")
	}
}

func TestParseCodes(t *testing.T) {
	t.Run("Valid", func(t *testing.T) {
		codes, err := licence.ParseCodes(strings.NewReader("\uFEFFLien ; Code\r\nhttps://pix.fr/a/1;PIX-1\r\n\r\n;PIX-2\r\nhttps://pix.fr/a/3;\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 3 || codes[0] != (licence.Code{Line: 2, Code: "PIX-1", URL: "https://pix.fr/a/1"}) ||
			codes[1].Line != 4 || codes[1].Code != "PIX-2" || codes[2].URL != "https://pix.fr/a/3" {
			t.Errorf("codes = %+v", codes)
		}
	})
	for name, c := range map[string]struct {
		in    string
		lines []int
		msg   string
	}{
		"Empty":           {"", []int{0}, "vide"},
		"HeaderOnly":      {"code\n", []int{0}, "aucun code"},
		"UnknownColumn":   {"code,prix\nA-123,3\n", []int{1}, "colonne « prix » inconnue"},
		"FieldCount":      {"code\nAB-12\nAB-13,x\n", []int{3}, "nombre de colonnes"},
		"BadCode":         {"code\nAB-12\nab cd\nÉTÉ-1\nAB\n", []int{3, 4, 5}, "caractère non autorisé"},
		"Duplicate":       {"code\nAB-12\nAB-13\nAB-12\n", []int{4}, "figure déjà ligne 2"},
		"NotHTTPS":        {"lien\nhttp://pix.fr/x\n", []int{2}, "https://"},
		"Neither":         {"code,lien\n,\nAB-12,\n", []int{2}, "ni code ni lien"},
		"NotUTF8":         {"code\n\xff\xfe\n", []int{0}, "UTF-8"},
		"BareQuote":       {"code\nAB\"12\n", []int{2}, "guillemets"},
		"ManyProblemsCap": {"code\n" + strings.Repeat("x\n", 100), nil, "le code doit compter"},
	} {
		t.Run(name, func(t *testing.T) {
			codes, err := licence.ParseCodes(strings.NewReader(c.in))
			var ie *licence.ImportError
			if !errors.As(err, &ie) || codes != nil {
				t.Fatalf("ParseCodes = %v, %v; want an *ImportError and no code", codes, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q does not say %q", err, c.msg)
			}
			if c.lines == nil {
				if len(ie.Problems) != 20 {
					t.Errorf("%d problems reported, want the first 20", len(ie.Problems))
				}
				return
			}
			var lines []int
			for _, p := range ie.Problems {
				lines = append(lines, p.Line)
			}
			if len(lines) != len(c.lines) {
				t.Fatalf("problems on lines %v, want %v (%v)", lines, c.lines, err)
			}
			for i := range lines {
				if lines[i] != c.lines[i] {
					t.Errorf("problems on lines %v, want %v", lines, c.lines)
				}
			}
		})
	}
}
