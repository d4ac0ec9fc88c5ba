package testdb

import (
	"strconv"
	"sync/atomic"
	"testing"

	"campus/internal/admin"
	"campus/internal/postgres"
	"campus/internal/programme"
)

var programmeSeq atomic.Int64

// RestrictedProgramme takes a request of the administration, whose contact gives the address contact, through
// the tailored-programme workflow (study, a proposal of one published module, acceptance as a programme
// restricted to the administration) and returns the request's id, the programme's title and its track.
func RestrictedProgramme(t testing.TB, s *postgres.Store, administration, contact string) (int64, string, programme.Ref) {
	t.Helper()
	ctx := t.Context()
	title := "Programme réservé " + strconv.FormatInt(programmeSeq.Add(1), 10)
	id, _, err := s.SubmitProgrammeRequest(ctx, programme.Request{Administration: administration, ContactName: "Alix Martin",
		ContactEmail: contact, Need: "Former nos agents.", Headcount: 40, Timing: "Automne",
		Domains: []programme.Ref{{Slug: "data"}}, Audiences: []programme.Ref{{Slug: "managers"}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	module := Int64(t, s, `SELECT id FROM modules WHERE status = 'published' ORDER BY id LIMIT 1`)
	var r programme.Request
	for _, c := range []programme.Change{{To: programme.StatusStudy}, {To: programme.StatusProposed, Title: title, Proposal: "Un module.",
		Message: "Voici.", Modules: []int64{module}}, {To: programme.StatusAccepted, Public: false}} {
		if r, err = s.ChangeProgrammeRequest(ctx, id, c, admin.Actor{Name: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	if r.Track == nil || !r.TrackRestricted {
		t.Fatalf("not a restricted programme: %+v", r)
	}
	return id, title, *r.Track
}
