package web

import (
	"fmt"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// QR codes of the attestations' verification addresses, drawn as vectors (an SVG path on the page, filled
// rectangles in the PDF) from the module matrix that github.com/yeqown/go-qrcode/v2 computes: no raster image,
// sharp at any size, nothing inline for the CSP to refuse.

// qrModules returns the dark modules of the QR code of text (error correction level M), row by row, with the
// quiet zone of four modules the standard asks for around them.
func qrModules(text string) ([][]bool, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	w := &qrMatrix{}
	if err := q.Save(w); err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	const quiet = 4
	n := len(w.bits) + 2*quiet
	out := make([][]bool, n)
	for y := range out {
		out[y] = make([]bool, n)
	}
	for y, row := range w.bits {
		for x, dark := range row {
			out[y+quiet][x+quiet] = dark
		}
	}
	return out, nil
}

// qrMatrix is a go-qrcode Writer that keeps the matrix.
type qrMatrix struct{ bits [][]bool }

func (m *qrMatrix) Write(mat qrcode.Matrix) error { m.bits = mat.Bitmap(); return nil }
func (m *qrMatrix) Close() error                  { return nil }

// qrRun is a horizontal run of dark modules: n modules from (x, y).
type qrRun struct{ x, y, n int }

// qrRuns merges each row's adjacent dark modules into runs (fewer shapes to draw).
func qrRuns(mods [][]bool) []qrRun {
	var out []qrRun
	for y, row := range mods {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			n := 1
			for x+n < len(row) && row[x+n] {
				n++
			}
			out = append(out, qrRun{x, y, n})
			x += n
		}
	}
	return out
}

// qrSVGPath is the SVG path of the dark modules, one unit per module.
func qrSVGPath(mods [][]bool) string {
	var b strings.Builder
	for _, r := range qrRuns(mods) {
		fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", r.x, r.y, r.n, r.n)
	}
	return b.String()
}
