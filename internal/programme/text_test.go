package programme_test

import (
	"testing"

	"campus/internal/programme"
)

func TestAdministrationKey(t *testing.T) {
	for in, want := range map[string]string{
		"Ministère des Armées":          "ministere des armees",
		"  MINISTÈRE   des  armées ":    "ministere des armees",
		"DINUM":                         "dinum",
		"Direction générale (DGFiP)":    "direction generale dgfip",
		"Préfecture de l’Île-de-France": "prefecture de l ile de france",
		"":                              "",
	} {
		if got := programme.AdministrationKey(in); got != want {
			t.Errorf("AdministrationKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Pix 2027 – complément": "pix-2027-complement",
		"OpenClassrooms":        "openclassrooms",
		"  --  ":                "",
	} {
		if got := programme.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
