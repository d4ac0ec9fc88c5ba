package web

import (
	"fmt"
	"strings"
	"testing"
)

// TestQRModules: the QR code of a verification address is square, has its four-module quiet zone, and its three
// finder patterns (7 × 7: a dark ring, a light ring, a dark 3 × 3 core) at the top left, top right and bottom
// left; its SVG path draws exactly the dark modules.
func TestQRModules(t *testing.T) {
	mods, err := qrModules("https://campus.numerique.gouv.fr/attestations/verifier/abcdefghijklmnopqrstuvwx")
	if err != nil {
		t.Fatal(err)
	}
	n := len(mods)
	if n < 21+8 || (n-8-21)%4 != 0 {
		t.Fatalf("%d modules wide: not a QR code size with its quiet zone", n)
	}
	dark := 0
	for y, row := range mods {
		if len(row) != n {
			t.Fatalf("row %d: %d modules, want %d", y, len(row), n)
		}
		for x, d := range row {
			if d && (x < 4 || y < 4 || x >= n-4 || y >= n-4) {
				t.Fatalf("dark module (%d, %d) in the quiet zone", x, y)
			}
			if d {
				dark++
			}
		}
	}
	finder := func(x0, y0 int) {
		for y := range 7 {
			for x := range 7 {
				ring := max(abs(x-3), abs(y-3))
				if want := ring != 2; mods[y0+y][x0+x] != want {
					t.Fatalf("finder at (%d, %d): module (%d, %d) is %v", x0, y0, x, y, !want)
				}
			}
		}
	}
	finder(4, 4)
	finder(n-11, 4)
	finder(4, n-11)
	// The path covers the dark modules: its runs' lengths add up to them.
	total := 0
	for _, r := range qrRuns(mods) {
		total += r.n
	}
	if total != dark || !strings.HasPrefix(qrSVGPath(mods), "M4 4h7v1h-7z") {
		t.Fatalf("runs cover %d modules of %d; path starts %q", total, dark, qrSVGPath(mods)[:20])
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

type pathRecorder struct{ strings.Builder }

func (r *pathRecorder) MoveTo(x, y float64) { fmt.Fprintf(r, "M%g,%g ", x, y) }
func (r *pathRecorder) LineTo(x, y float64) { fmt.Fprintf(r, "L%g,%g ", x, y) }
func (r *pathRecorder) CurveBezierCubicTo(a, b, c, d, x, y float64) {
	fmt.Fprintf(r, "C%g,%g %g,%g %g,%g ", a, b, c, d, x, y)
}
func (r *pathRecorder) ClosePath() { r.WriteString("Z ") }

// TestSVGPath: the SVG path reader of the Marianne: absolute and relative commands, implicit line-tos after a
// move, numbers run together ("-.5.5"), the smooth curve's reflected control point, and a closed subpath sending
// the current point back to its start.
func TestSVGPath(t *testing.T) {
	var r pathRecorder
	svgPath(&r, "M1 1h2v2H1zm1 1 1 0c1 0 1 1 1 1s-.5.5-1 1l-.5.5z", func(x, y float64) (float64, float64) { return x, y })
	want := "M1,1 L3,1 L3,3 L1,3 Z M2,2 L3,2 C4,2 4,3 4,3 C4,3 3.5,3.5 3,4 L2.5,4.5 Z "
	if r.String() != want {
		t.Fatalf("path\n%s\nwant\n%s", r.String(), want)
	}
	if len(mariannePaths) == 0 {
		t.Fatal("no Marianne")
	}
}
