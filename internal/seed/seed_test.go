package seed

import "testing"

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
