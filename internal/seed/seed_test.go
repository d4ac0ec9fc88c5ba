package seed

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"campus/internal/cache"
	"campus/internal/catalogue"
)

func TestReference_Validate(t *testing.T) {
	c := Reference()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tailored := 0
	for _, tr := range c.Tracks {
		if tr.Administration != "" {
			tailored++
		}
	}
	if len(c.Modules) < 100 || len(c.Tracks)-tailored < 50 || tailored < 10 {
		t.Fatalf("catalogue too small: %d modules, %d tracks, %d tailored programmes", len(c.Modules), len(c.Tracks)-tailored, tailored)
	}
	if len(c.Domains) != 10 || c.Domains[9].Status != "coming" {
		t.Fatalf("want nine published domains and intelligence artificielle coming, got %d", len(c.Domains))
	}
}

func TestValidate_CatchesBadReferences(t *testing.T) {
	c := Reference()
	c.Tracks = append([]Track{}, c.Tracks...)
	c.Tracks[0].Modules = append([]string{"module-qui-n-existe-pas"}, c.Tracks[0].Modules...)
	if err := c.Validate(); err == nil {
		t.Fatal("a track naming an unknown module must be refused")
	}
	c = Reference()
	c.Modules = append([]Module{}, c.Modules...)
	c.Modules = append(c.Modules, c.Modules[0])
	if err := c.Validate(); err == nil {
		t.Fatal("a duplicate module slug must be refused")
	}
	c = Reference()
	c.Modules = append([]Module{}, c.Modules...)
	for i, m := range c.Modules {
		if m.Format == "en_ligne" {
			c.Modules[i].ExternalURL = ""
			break
		}
	}
	if err := c.Validate(); err == nil {
		t.Fatal("an online module without its content link must be refused")
	}
}

// TestSessionDays: whatever the day asked and the duration, a session falls on consecutive working days (Tuesday
// to Thursday up to three days), never on a weekend, from 9 h 30, its days adding up to the module's duration.
func TestSessionDays(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, minutes := range []int{90, 180, 420, 480, 540, 840, 1080, 1260, 1800, 2100} {
		for d := 0; d < 14; d++ {
			day := time.Date(2027, time.March, 22+d, 0, 0, 0, 0, paris) // across the change to summer time
			start, end := SessionDays(day, minutes)
			days := int(time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, paris).Sub(
				time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, paris)).Hours()/24+0.5) + 1
			for i := 0; i < days; i++ {
				if wd := start.AddDate(0, 0, i).Weekday(); wd == time.Saturday || wd == time.Sunday {
					t.Fatalf("%d min from %s: %s → %s falls on a %s", minutes, day.Format("Mon 2"), start, end, wd)
				}
			}
			if days <= 3 && (start.Weekday() < time.Tuesday || end.Weekday() > time.Thursday) {
				t.Errorf("%d min: %s → %s, want Tuesday to Thursday", minutes, start.Format("Mon"), end.Format("Mon"))
			}
			if start.Hour() != 9 || start.Minute() != 30 || start.Before(day) {
				t.Errorf("%d min: starts %s", minutes, start)
			}
			daily := time.Date(end.Year(), end.Month(), end.Day(), end.Hour(), end.Minute(), 0, 0, paris).Sub(
				time.Date(end.Year(), end.Month(), end.Day(), 9, 30, 0, 0, paris))
			if daily > 4*time.Hour+time.Minute {
				daily -= time.Hour // lunch
			}
			if total := time.Duration(days) * daily; total < time.Duration(minutes)*time.Minute || total >= time.Duration(minutes+days)*time.Minute {
				t.Errorf("%d min over %d days: %s a day", minutes, days, daily)
			}
		}
	}
}

// Every text of the reference catalogue is written in French typography (curly apostrophes, no-break spaces
// inside « » and before : ; ? !), as the interface is: catalogue.Typeset leaves it unchanged.
func TestReference_Typography(t *testing.T) {
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if s := v.String(); catalogue.Typeset(s) != s {
				t.Errorf("%s: %q is not typeset (want %q)", path, s, catalogue.Typeset(s))
			}
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		}
	}
	walk("Reference()", reflect.ValueOf(Reference()))
}

// No two offers of the catalogue carry the same title (folded for case and accents): an agent choosing between
// two "Évaluer ses compétences numériques" cannot tell them apart.
func TestReference_DistinctTitles(t *testing.T) {
	c := Reference()
	seen := map[string]string{}
	check := func(kind, slug, title string) {
		key := cache.FoldText(title)
		if other, ok := seen[key]; ok {
			t.Errorf("%s %q has the title %q, already used by %s", kind, slug, title, other)
		}
		seen[key] = kind + " " + slug
	}
	for _, m := range c.Modules {
		check("module", m.Slug, m.Title)
	}
	for _, tr := range c.Tracks {
		check("track", tr.Slug, tr.Title)
	}
}
