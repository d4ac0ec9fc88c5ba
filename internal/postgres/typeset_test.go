package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"campus/internal/catalogue"
	"campus/internal/testdb"
	"campus/migrations"
)

// TestTypeset_SQLMatchesGo: campus_typeset (migration 00026) gives what catalogue.Typeset gives, on text and on
// arrays of text, and keeps NULL.
func TestTypeset_SQLMatchesGo(t *testing.T) {
	t.Parallel()
	s := testdb.Open(t)
	inputs := []string{"", "Atelier d'été : les « données » ?", "l'État ; l'agent ! vraiment ?", "« :", "« »", "« ;", "« ?»",
		"a  :", " :", "x :: y", "« « a » »", "déjà typographié : l’agent « ici » ?",
		"https://www.exemple.gouv.fr/page?x=1&y=2", "9:30, https://a.fr/?q=l'x", "''", "fin !", "! ? ; : « »",
		"aujourd'hui\nl'après-midi : « suite »", "tab\t: x", "ligne\n: début"}
	for _, in := range inputs {
		var got string
		if err := s.Pool().QueryRow(context.Background(), `SELECT campus_typeset($1::text)`, in).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := catalogue.Typeset(in); got != want {
			t.Errorf("campus_typeset(%q) = %q, catalogue.Typeset gives %q", in, got, want)
		}
	}
	var arr []string
	if err := s.Pool().QueryRow(context.Background(), `SELECT campus_typeset($1::text[])`, inputs).Scan(&arr); err != nil {
		t.Fatal(err)
	}
	for i, in := range inputs {
		if i >= len(arr) || arr[i] != catalogue.Typeset(in) {
			t.Fatalf("campus_typeset(text[]) = %q, want each of %q typeset, in order", arr, inputs)
		}
	}
	var null1, null2 *string
	var nullArr []string
	if err := s.Pool().QueryRow(context.Background(), `SELECT campus_typeset(NULL::text), campus_typeset(NULL::text[])::text, campus_typeset('{}'::text[])`).
		Scan(&null1, &null2, &nullArr); err != nil {
		t.Fatal(err)
	}
	if null1 != nil || null2 != nil || nullArr == nil || len(nullArr) != 0 {
		t.Errorf("campus_typeset(NULL) = %v, (NULL::text[]) = %v, ('{}') = %v; want NULL, NULL, {}", null1, null2, nullArr)
	}
}

// typesetColumns are the prose columns migration 00026 typesets, by table.
var typesetColumns = map[string][]string{
	"domains":            {"title", "summary", "description"},
	"partners":           {"name", "short_name", "summary", "description"},
	"audiences":          {"label", "description"},
	"modules":            {"title", "summary", "objectives", "outline", "prerequisites"},
	"tracks":             {"title", "summary", "description"},
	"module_sessions":    {"place_name", "address", "city"},
	"licence_pools":      {"name", "description"},
	"licence_grants":     {"label"},
	"programme_requests": {"proposal_title", "proposal"},
}

// untypeset is the SQL of a text as written before the typography pass: the exact inverse of campus_typeset.
func untypeset(col string, array bool) string {
	e := "x"
	for _, r := range [][2]string{{"chr(8217)", `''''`}, {`'«' || chr(160)`, `'« '`}, {`chr(160) || '»'`, `' »'`},
		{`chr(160) || ':'`, `' :'`}, {`chr(8239) || ';'`, `' ;'`}, {`chr(8239) || '?'`, `' ?'`}, {`chr(8239) || '!'`, `' !'`}} {
		e = "replace(" + e + ", " + r[0] + ", " + r[1] + ")"
	}
	if array {
		return "ARRAY(SELECT " + e + " FROM unnest(" + col + ") WITH ORDINALITY AS u (x, n) ORDER BY n)"
	}
	return strings.ReplaceAll(e, "(x,", "("+col+",")
}

// TestTypesetMigration_OldDeployment: the reference seed is typeset as campus_typeset writes it (the migration
// changes nothing on a fresh seed), and a deployment seeded before the typography pass (its texts with straight
// apostrophes and plain spaces) gets, from migration 00026, the texts of a fresh seed, with the same versions and
// dates and the same search documents.
func TestTypesetMigration_OldDeployment(t *testing.T) {
	t.Parallel()
	s := testdb.NewSeeded(t, "typeset_migration", 4)
	ctx := context.Background()
	rows := func(table string) string { // a table's rows as they are, every column
		return testdb.String(t, s, fmt.Sprintf(`SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.id)::text, '') FROM %s t`, table))
	}
	fresh := map[string]string{"search_docs": testdb.String(t, s,
		`SELECT jsonb_agg(to_jsonb(d) ORDER BY d.kind, d.id)::text FROM search_docs d`)}
	for table, cols := range typesetColumns {
		fresh[table] = rows(table)
		var changed []string
		for _, c := range cols {
			changed = append(changed, fmt.Sprintf("%s IS DISTINCT FROM campus_typeset(%s)", c, c))
		}
		if n := testdb.Int(t, s, `SELECT count(*) FROM `+table+` WHERE `+strings.Join(changed, " OR ")); n != 0 {
			t.Errorf("%s: %d rows of the seed are not typeset as campus_typeset writes them", table, n)
		}
	}

	// An old deployment: straight apostrophes and plain spaces, written under the triggers (search documents follow).
	old := 0
	for table, cols := range typesetColumns {
		var sets, was []string
		for _, c := range cols {
			u := untypeset(c, table == "modules" && (c == "objectives" || c == "outline"))
			sets, was = append(sets, c+" = "+u), append(was, u)
		}
		old += int(testdb.Exec(t, s, `UPDATE `+table+` SET `+strings.Join(sets, ", ")+
			` WHERE (`+strings.Join(cols, ", ")+`, '') IS DISTINCT FROM (`+strings.Join(was, ", ")+`, '')`))
	}
	t.Logf("%d rows un-typeset", old)
	if old < 100 {
		t.Fatalf("only %d rows of the seed had typography to undo: the test would prove little", old)
	}
	if got := rows("modules"); got == fresh["modules"] {
		t.Fatal("un-typesetting changed no module")
	}

	db := stdlib.OpenDBFromPool(s.Pool())
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 25); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for table := range typesetColumns {
		if got := rows(table); got != fresh[table] {
			t.Errorf("%s after the migration differs from the fresh seed's", table)
		}
	}
	if got := testdb.String(t, s, `SELECT jsonb_agg(to_jsonb(d) ORDER BY d.kind, d.id)::text FROM search_docs d`); got != fresh["search_docs"] {
		t.Error("the search documents after the migration differ from the fresh seed's")
	}
}
