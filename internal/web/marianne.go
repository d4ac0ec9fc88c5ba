package web

import (
	"regexp"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// The Marianne of the State's brand block, as the DSFR draws it before "République française" (.fr-logo::before
// in @gouvfr/dsfr's dsfr.css, light theme): a blue, white and red band 44 × 16 units under the profile,
// drawn from these SVG paths of the DSFR (viewBox 0 0 44 18, the band from y = 1 to 17). The DSFR is under
// licence Etalab 2.0; the Marianne is reserved to State services (see README, Licences).
var mariannePaths = []struct{ fill, d string }{
	{"#fff", "M11.3 10.2c-.9.6-1.7 1.3-2.3 2.1v-.1c.4-.5.7-1 1-1.5.4-.2.7-.5 1-.8.5-.5 1-1 1.7-1.3.3-.1.5-.1.8 0-.1.1-.2.1-.4.2H13v-.1c-.3.3-.7.5-1 .9-.1.2-.2.6-.7.6 0 .1.1 0 0 0zm1.6 4.6c0-.1-.1 0-.2 0l-.1.1-.1.1-.2.2s.1.1.2 0l.1-.1c.1 0 .2-.1.2-.2.1 0 .1 0 .1-.1 0 .1 0 0 0 0zm-1.6-4.3c.1 0 .2 0 .2-.1s.1-.1.1-.1v-.1c-.2.1-.3.2-.3.3zm2.4 1.9s0-.1 0 0c.1-.1.2-.1.3-.1.7-.1 1.4-.3 2.1-.6-.8-.5-1.7-.9-2.6-1h.1c-.1-.1-.3-.1-.5-.2h.1c-.2-.1-.5-.1-.7-.2.1 0 .2-.2.2-.3h-.1c-.4.2-.6.5-.8.9.2.1.5 0 .7.1h-.3c-.1 0-.2.1-.2.2h.1c-.1 0-.1.1-.2.1.1.1.2 0 .4 0 0 .1.1.1.1.1-.1 0-.2.1-.3.3-.1.2-.2.2-.3.3v.1c-.3.2-.6.5-.9.8v.1c-.1.1-.2.1-.2.2v.1c.4-.1.6-.4 1-.5l.6-.3c.2 0 .3-.1.5-.1v.1h.2c0 .1-.2 0-.1.1s.3.1.4 0c.2-.2.3-.2.4-.2zM12.4 14c-.4.2-.9.2-1.2.4 0 0 0 .1-.1.1 0 0-.1 0-.1.1-.1 0-.1.1-.2.2l-.1.1s0 .1.1 0l.1-.1s-.1.1-.1.2V15.3l-.1.1s0 .1-.1.1l-.1.1.2-.2.1-.1h.2s0-.1.1-.1c.1-.1.2-.2.3-.2h.1c.1-.1.3-.1.4-.2.1-.1.2-.2.3-.2.2-.2.5-.3.8-.5-.1 0-.2-.1-.3-.1 0 .1-.2 0-.3 0zM30 9.7c-.1.2-.4.2-.6.3-.2.2 0 .4.1.5.1.3-.2.5-.4.5.1.1.2.1.2.1 0 .2.2.2.1.4s-.5.3-.3.5c.1.2.1.5 0 .7-.1.2-.3.4-.5.5-.2.1-.4.1-.6 0-.1 0-.1-.1-.2-.1-.5-.1-1-.2-1.5-.2-.1 0-.3.1-.4.1-.1.1-.3.2-.4.3l-.1.1c-.1.1-.2.2-.2.3-.1.2-.2.4-.2.6-.2.5-.2 1 0 1.4 0 0 1 .3 1.7.6.2.1.5.2.7.4l1.7 1H13.2l1.6-1c.6-.4 1.3-.7 2-1 .5-.2 1.1-.5 1.5-.9.2-.2.3-.4.5-.5.3-.4.6-.7 1-1l.3-.3s0-.1.1-.1c-.2.1-.2.2-.4.2 0 0-.1 0 0-.1s.2-.2.3-.2v-.1c-.4 0-.7.2-1 .5h-.2c-.5.2-.8.5-1.2.7v-.1c-.2.1-.4.2-.5.2-.2 0-.5.1-.8 0-.4 0-.7.1-1.1.2-.2.1-.4.1-.6.2v.1l-.2.2c-.2.1-.3.2-.5.4l-.5.5h-.1l.1-.1.1-.1c0-.1.1-.1.1-.2.2-.1.3-.3.5-.4 0 0-.1 0 0 0 0 0 0-.1.1-.1l-.1.1c-.1.1-.1.2-.2.2v-.1-.1l.2-.2c.1-.1.2-.1.3-.2h.1c-.2.1-.3.1-.5.2H14h-.1c0-.1.1-.1.2-.2h.1c1-.8 2.3-.6 3.4-1 .1-.1.2-.1.3-.2.1-.1.3-.2.5-.3.2-.2.4-.4.5-.7v-.1c-.4.4-.8.7-1.3 1-.6.2-1.3.4-2 .4 0-.1.1-.1.1-.1 0-.1.1-.1.1-.2h.1s0-.1.1-.1h.1c-.1-.1-.3.1-.4 0 .1-.1 0-.2.1-.2h.1s0-.1.1-.1c.5-.3.9-.5 1.3-.7-.1 0-.1.1-.2 0 .1 0 0-.1.1-.1.3-.1.6-.3.9-.4-.1 0-.2.1-.3 0 .1 0 .1-.1.2-.1v-.1h0c0-.1.1 0 .2-.1h-.1c.1-.1.2-.2.4-.2 0-.1-.1 0-.1-.1h.1-.5c-.1 0 0-.1 0-.1.1-.2.2-.5.3-.7h-.1c-.3.3-.8.5-1.2.6h-.2c-.2.1-.4.1-.5 0-.1-.1-.2-.2-.3-.2-.2-.1-.5-.3-.8-.4-.7-.2-1.5-.4-2.3-.3.3-.1.7-.2 1.1-.3.5-.2 1-.3 1.5-.3h-.3c-.4 0-.9.1-1.3.2-.3.1-.6.2-.9.2-.2.1-.3.2-.5.2v-.1c.3-.4.7-.7 1.1-.8.5-.1 1.1 0 1.6.1.4 0 .8.1 1.1.2.1 0 .2.2.3.3.2.1.4 0 .5.1v-.2c.1-.1.3 0 .4 0 .2-.2-.2-.4-.3-.6v-.1c.2.2.5.4.7.6.1.1.5.2.5 0-.2-.3-.4-.6-.7-.9v-.2c-.1 0-.1 0-.1-.1-.1-.1-.1-.2-.1-.3-.1-.2 0-.4-.1-.5-.1-.2-.1-.3-.1-.5-.1-.5-.2-1-.3-1.4-.1-.6.3-1 .6-1.5.2-.4.5-.7.8-1 .1-.4.3-.7.6-1 .3-.3.6-.5.9-.6.3-.1.5-.2.8-.3l2.5-.4H25l1.8.3c.1 0 .2 0 .2.1.1.1.3.2.4.2.2.1.4.3.6.5.1.1.2.3.1.4-.1.1-.1.4-.2.4-.2.1-.4.1-.6.1-.1 0-.2 0-.4-.1.5.2.9.4 1.2.8 0 .1.2.1.3.1v.1c-.1.1-.1.1-.1.2h.1c.1-.1.1-.4.3-.3.2.1.2.3.1.4-.1.1-.2.2-.4.3v.2c.1.1.1.2.2.4s.1.5.2.7c.1.5.2.9.2 1.4 0 .2-.1.5 0 .7l.3.6c.1.2.2.3.3.5.2.3.6.6.4 1zm-15.6 5.2c-.1 0-.1.1-.1.1s.1 0 .1-.1zm5.8-1.8c-.1.1 0 0 0 0zm-6.7-.2c0 .1.1 0 .1 0 .2-.1.5 0 .6-.2-.1-.1-.2 0-.2-.1-.1 0-.2 0-.2.1-.1.1-.3.1-.3.2z"},
	{"gray", "M27.9 6.8c.1 0 .3 0 .3.1-.1.2-.4.3-.6.5h-.1c-.1.1-.1.2-.1.2h-.3c.1.1.3.2.5.2l.1.1h.2V8c-.1.1-.2.1-.4.1.2.1.5.1.7 0 .2-.1 0-.4.1-.5-.1 0 0-.1-.1-.1.1-.1.1-.2.2-.2s.1 0 .2-.1c0-.1-.1-.1-.1-.2.2-.1.3-.3.3-.5 0-.1-.3-.1-.4-.2h-.5c-.2 0-.3.1-.5.1l-.6.3c.2-.1.4-.1.7-.2 0 .3.2.3.4.3"},
}

// pathSink is what svgPath draws on: a *fpdf.Fpdf.
type pathSink interface {
	MoveTo(x, y float64)
	LineTo(x, y float64)
	CurveBezierCubicTo(cx0, cy0, cx1, cy1, x, y float64)
	ClosePath()
}

var svgPathToken = regexp.MustCompile(`[MmLlHhVvCcSsZz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`)

// drawMarianne draws the Marianne with its top-left corner at (x, y), width mm wide (16/44 of it high).
func drawMarianne(pdf *fpdf.Fpdf, x, y, width float64) {
	k := width / 44
	pdf.SetFillColor(0, 0, 145) // bleu France
	pdf.Rect(x, y, 44.0/3*k, 16*k, "F")
	pdf.SetFillColor(225, 0, 15) // rouge Marianne
	pdf.Rect(x+88.0/3*k, y, 44.0/3*k, 16*k, "F")
	for _, p := range mariannePaths {
		switch p.fill {
		case "#fff":
			pdf.SetFillColor(255, 255, 255)
		default:
			pdf.SetFillColor(128, 128, 128)
		}
		// SVG units to mm: the band starts at y = 1 in the path's viewBox.
		svgPath(pdf, p.d, func(px, py float64) (float64, float64) { return x + px*k, y + (py-1)*k })
		pdf.DrawPath("f")
	}
}

// svgPath traces an SVG path's data (M, L, H, V, C, S, Z, absolute and relative: what the Marianne uses) on
// the PDF, through at (SVG units to page coordinates). fpdf's own SVG reader does not know S.
func svgPath(pdf pathSink, d string, at func(x, y float64) (float64, float64)) {
	toks := svgPathToken.FindAllString(d, -1)
	var cmd byte
	var cx, cy, sx, sy, lx, ly float64 // current point, subpath start, last control point
	num := func(i *int) float64 {
		v, _ := strconv.ParseFloat(toks[*i], 64)
		*i++
		return v
	}
	isNum := func(i int) bool { return i < len(toks) && !strings.ContainsAny(toks[i][:1], "MmLlHhVvCcSsZz") }
	for i := 0; i < len(toks); {
		if !isNum(i) {
			cmd = toks[i][0]
			i++
			if cmd == 'Z' || cmd == 'z' {
				pdf.ClosePath()
				cx, cy, lx, ly = sx, sy, sx, sy
				continue
			}
		}
		if !isNum(i) {
			continue
		}
		rel := cmd >= 'a'
		ox, oy := 0.0, 0.0
		if rel {
			ox, oy = cx, cy
		}
		switch cmd | 0x20 { // lower case
		case 'm':
			cx, cy = ox+num(&i), oy+num(&i)
			sx, sy, lx, ly = cx, cy, cx, cy
			pdf.MoveTo(at(cx, cy))
			if rel {
				cmd = 'l' // further pairs are line-tos
			} else {
				cmd = 'L'
			}
		case 'l':
			cx, cy = ox+num(&i), oy+num(&i)
			lx, ly = cx, cy
			pdf.LineTo(at(cx, cy))
		case 'h':
			cx = ox + num(&i)
			lx, ly = cx, cy
			pdf.LineTo(at(cx, cy))
		case 'v':
			cy = oy + num(&i)
			lx, ly = cx, cy
			pdf.LineTo(at(cx, cy))
		case 'c', 's':
			x1, y1 := 2*cx-lx, 2*cy-ly // 's': the reflection of the last control point
			if cmd|0x20 == 'c' {
				x1, y1 = ox+num(&i), oy+num(&i)
			}
			x2, y2 := ox+num(&i), oy+num(&i)
			cx, cy = ox+num(&i), oy+num(&i)
			lx, ly = x2, y2
			ax, ay := at(x1, y1)
			bx, by := at(x2, y2)
			ex, ey := at(cx, cy)
			pdf.CurveBezierCubicTo(ax, ay, bx, by, ex, ey)
		default:
			i++ // unknown command: skip its numbers
		}
	}
}
