package apperr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"campus/internal/catalogue"
)

// TestRefusals_Typeset reads every refusal the domain packages declare (the &apperr.Refusal{…} literals of
// internal/*, tests aside) and holds their messages, shown as they are on forms and 422 pages, to French
// typography (catalogue.Typeset), as the pages' texts are (web's TestTypography_EveryPage) but also for the
// refusals no page of that test provokes.
func TestRefusals_Typeset(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	refusals := 0
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Refusal" {
				return true
			}
			fields := map[string]string{}
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if v, ok := literal(kv.Value); ok {
						fields[kv.Key.(*ast.Ident).Name] = v
					}
				}
			}
			where := fset.Position(lit.Pos()).String()
			msg, ok := fields["Message"]
			if !ok {
				t.Errorf("%s: a refusal whose message is not a string literal: this test cannot read it", where)
				return true
			}
			refusals++
			if want := catalogue.Typeset(msg); want != msg {
				t.Errorf("%s: %q is not typeset (want %q)", where, msg, want)
			}
			return true
		})
	}
	if refusals < 60 {
		t.Fatalf("only %d refusals found: the walk proves nothing", refusals)
	}
	t.Logf("%d refusals", refusals)
}

// literal is the value of a string literal or of a sum of them ("a " + "b"), false for anything else.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			x, okX := literal(e.X)
			y, okY := literal(e.Y)
			return x + y, okX && okY
		}
	}
	return "", false
}
