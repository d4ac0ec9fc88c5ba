package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

	"campus/internal/catalogue"
	"campus/internal/postgres"
	"campus/internal/programme"
)

// BenchmarkBilanFiltered measures the admin's filtered bilan (Store.Bilan with a period, an administration, both)
// on an existing database, read only: the national dataset of cmd/bench (1 M agents, 10.1 M enrolments, the
// administration DINUM among six), whose URL is BILAN_BENCH_DATABASE_URL; skipped without it. The periods end
// before today and start in the middle of a month, as an admin's would:
//
//	BILAN_BENCH_DATABASE_URL=$(scripts/devdb.sh url campus_bench_national) \
//	  go test ./internal/postgres -run '^$' -bench BenchmarkBilanFiltered -benchtime 3x
func BenchmarkBilanFiltered(b *testing.B) {
	url := os.Getenv("BILAN_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("BILAN_BENCH_DATABASE_URL is not set")
	}
	ctx := context.Background()
	s, err := postgres.Open(ctx, url, 16)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	now := time.Now().In(catalogue.Paris)
	months := programme.Months(now.AddDate(0, -11, 0), now)
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, catalogue.Paris).AddDate(0, 0, -17)
	month := programme.BilanFilter{From: end.AddDate(0, -1, 1), To: end}
	year := programme.BilanFilter{From: end.AddDate(-1, 0, 1), To: end}
	dinum := func(f programme.BilanFilter) programme.BilanFilter {
		f.Administration, f.Spellings = programme.AdministrationKey("DINUM"), []string{"DINUM"}
		return f
	}
	for _, c := range []struct {
		name string
		f    programme.BilanFilter
	}{
		{"none", programme.BilanFilter{}},
		{"month", month},
		{"year", year},
		{"administration", dinum(programme.BilanFilter{})},
		{"administration+month", dinum(month)},
		{"administration+year", dinum(year)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var bilan programme.Bilan
			for b.Loop() {
				if bilan, err = s.Bilan(ctx, c.f, months); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bilan.Enrolments), "enrolments")
			b.ReportMetric(float64(bilan.AgentsTrained), "trained")
		})
	}
}
