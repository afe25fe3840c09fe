package l10n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9*]*(?:\.[0-9*]+)?[a-zA-Z%]`)

// messages returns every string literal passed to l10n.Errorf, Sprintf or T
// in the module's Go files (tests excluded), with where it was found.
func messages(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := ".." // the module root: this package is l10n/
	fset := token.NewFileSet()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			// l10n.Errorf, Sprintf, T and N (a string marked for
			// translation where it is defined), Word, Textf and
			// Sayf (its second argument), the commands' usagef and dataf
			// and archive's problemf, which wrap l10n.Errorf, and
			// verify's c.add and c.note (l10n.Sprintf of their second
			// argument).
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				pkg, ok := fn.X.(*ast.Ident)
				if ok && pkg.Name == "c" && (fn.Sel.Name == "add" || fn.Sel.Name == "note") && len(call.Args) > 1 {
					if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						out[s] = fset.Position(lit.Pos()).String()
					}
					return true
				}
				if ok && pkg.Name == "l10n" && fn.Sel.Name == "Sayf" && len(call.Args) > 1 {
					// Sayf(chinese, format, …)
					if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						out[s] = fset.Position(lit.Pos()).String()
					}
					return true
				}
				if !ok || pkg.Name != "l10n" || !slices.Contains([]string{"Errorf", "Sprintf", "T", "N", "Word", "Textf"}, fn.Sel.Name) {
					return true
				}
			case *ast.Ident:
				if fn.Name != "usagef" && fn.Name != "dataf" && fn.Name != "problemf" {
					return true
				}
			default:
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				out[s] = fset.Position(lit.Pos()).String()
			}
			return true
		})
		return nil
	})
	return out
}

// Every message has a Chinese translation with the same verbs in the same order.
func TestCatalogComplete(t *testing.T) {
	for msg, where := range messages(t) {
		zh, ok := catalog()[msg]
		if !ok {
			t.Errorf("%s: no Chinese translation for %q", where, msg)
			continue
		}
		if a, b := verbRE.FindAllString(msg, -1), verbRE.FindAllString(zh, -1); !slices.Equal(a, b) {
			t.Errorf("%s: verbs %v in %q but %v in its translation %q", where, a, msg, b, zh)
		}
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "zh_CN.UTF-8"}, "zh"},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW"}, "zh"},
		{map[string]string{}, "en"},
	}
	for _, c := range cases {
		if got := Detect(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("Detect(%v) = %s, want %s", c.env, got, c.want)
		}
	}
}

// Every translation is of a message the code still uses.
func TestCatalogHasNoStaleEntries(t *testing.T) {
	used := messages(t)
	for k := range catalog() {
		if _, ok := used[k]; !ok {
			t.Errorf("catalog entry no message uses: %q", k)
		}
	}
}
