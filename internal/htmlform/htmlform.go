// Package htmlform reads an HTML form as a browser submits it, for the checks that drive the portal over HTTP
// (the tests, cmd/opscheck): the form's data set of HTML's "constructing the entry list", for the controls the
// portal uses.
package htmlform

import (
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Values is what a browser sends for form when it is submitted without a submit button's own name: enabled
// named controls; check boxes and radio buttons when checked (value "on" without one); text areas' text; a
// select's selected options, or its first option when none is selected and it is not multiple. Buttons, submit,
// reset, image and file inputs send nothing.
func Values(form *goquery.Selection) url.Values {
	v := url.Values{}
	form.Find("input[name], textarea[name], select[name]").Each(func(_ int, s *goquery.Selection) {
		if _, disabled := s.Attr("disabled"); disabled {
			return
		}
		name := s.AttrOr("name", "")
		switch goquery.NodeName(s) {
		case "textarea":
			v.Add(name, s.Text())
		case "select":
			options := s.Find("option").FilterFunction(func(_ int, o *goquery.Selection) bool {
				_, disabled := o.Attr("disabled")
				return !disabled
			})
			selected := options.Filter("[selected]")
			if _, multiple := s.Attr("multiple"); selected.Length() == 0 && !multiple {
				selected = options.First()
			}
			selected.Each(func(_ int, o *goquery.Selection) {
				v.Add(name, o.AttrOr("value", strings.Join(strings.Fields(o.Text()), " ")))
			})
		default:
			switch s.AttrOr("type", "text") {
			case "submit", "button", "reset", "image", "file":
			case "checkbox", "radio":
				if _, checked := s.Attr("checked"); checked {
					v.Add(name, s.AttrOr("value", "on"))
				}
			default:
				v.Add(name, s.AttrOr("value", ""))
			}
		}
	})
	return v
}
