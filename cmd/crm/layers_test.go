package main

import (
	"crm/archive"
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

// The packages below cmd/ never print and never name the command line:
// they return values and errors, and the commands present them (DESIGN.md,
// STYLE.md). This test reads their source: no reference to os.Stdout or
// os.Stderr, no fmt.Print…, no string naming a flag (--x), and no message
// naming a crm command (`crm …` in an l10n call).
func TestLowerLayersNeitherPrintNorNameFlags(t *testing.T) {
	flagRE := regexp.MustCompile(`(^|[\s"'(\x60])--[a-z]`)
	commandRE := commandNamesRE()
	bareRE := bareCommandRE()
	for _, dir := range []string{"../../archive", "../../classify", "../../report"} {
		eachSourceFile(t, dir, func(fset *token.FileSet, f *ast.File) {
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok {
						name := id.Name + "." + x.Sel.Name
						if name == "os.Stdout" || name == "os.Stderr" || (id.Name == "fmt" && strings.HasPrefix(x.Sel.Name, "Print")) {
							t.Errorf("%s: %s: packages below cmd/ do not print", fset.Position(x.Pos()), name)
						}
					}
				case *ast.CallExpr:
					if id, ok := x.Fun.(*ast.Ident); ok && (id.Name == "print" || id.Name == "println") {
						t.Errorf("%s: %s: packages below cmd/ do not print", fset.Position(x.Pos()), id.Name)
					}
					if isMessageCall(x) {
						if lit, ok := x.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							if strings.Contains(s, "`crm ") || commandRE.MatchString(s) || bareRE.MatchString(s) {
								t.Errorf("%s: message %q names a command: say it with a next step (archive.Next) and let cmd name it", fset.Position(lit.Pos()), s)
							}
						}
					}
				case *ast.BasicLit:
					if x.Kind == token.STRING {
						s, _ := strconv.Unquote(x.Value)
						if flagRE.MatchString(s) {
							t.Errorf("%s: %q names a flag: name the input (archive.Error.Field) and let cmd name the flag", fset.Position(x.Pos()), s)
						}
					}
				}
				return true
			})
		})
	}
}

// isMessageCall reports whether call x makes a message from its first
// argument: an l10n call, fmt.Errorf, errors.New, or archive's problemf.
func isMessageCall(x *ast.CallExpr) bool {
	if len(x.Args) == 0 {
		return false
	}
	switch f := x.Fun.(type) {
	case *ast.SelectorExpr:
		pkg, ok := f.X.(*ast.Ident)
		return ok && (pkg.Name == "l10n" || pkg.Name == "fmt" && f.Sel.Name == "Errorf" || pkg.Name == "errors" && f.Sel.Name == "New")
	case *ast.Ident:
		return f.Name == "problemf"
	}
	return false
}

// commandNamesRE matches a bare "crm COMMAND" for each top-level command
// of crm (crm member add, crm sync), as a word: not "crm.yaml", not "the
// crm archive", not "crm writes".
func commandNamesRE() *regexp.Regexp {
	var names []string
	for _, c := range newTestRoot("en").Commands() {
		names = append(names, regexp.QuoteMeta(c.Name()))
	}
	return regexp.MustCompile(`(^|[^\w.\x60-])crm (` + strings.Join(names, "|") + `)\b`)
}

// The stricter check finds a bare command, and only a command.
func TestCommandNamesRE(t *testing.T) {
	re := commandNamesRE()
	for _, s := range []string{"(crm member add)", "crm sync removes it", "with crm member roles OTHER-ID ROLE…", "see crm log"} {
		if !re.MatchString(s) {
			t.Errorf("%q: a command not found", s)
		}
	}
	for _, s := range []string{"no crm archive at %s", "this crm reads %q", "crm writes only plain files", "crm.yaml", "not an age file crm could have written", "crm journal signing key v1"} {
		if re.MatchString(s) {
			t.Errorf("%q: found a command in it", s)
		}
	}
}

// bareCommandRE matches a crm command named without "crm": a list of
// command names in brackets ("(maintain, rekey, repair)", "(rekey)"), a
// command someone runs ("run repair"), or maintain and rekey, which name
// nothing else, anywhere as a word (not a kind: dossier.rekey). "the
// repair", the archive's own mending (Archive.Repair), is no command.
func bareCommandRE() *regexp.Regexp {
	var names []string
	for _, c := range newTestRoot("en").Commands() {
		names = append(names, regexp.QuoteMeta(c.Name()))
	}
	for _, n := range []string{"maintain", "rekey", "repair"} {
		if !slices.Contains(names, n) {
			panic("no command " + n + ": bareCommandRE looks for it")
		}
	}
	w := `(?:` + strings.Join(names, "|") + `)`
	return regexp.MustCompile(`\(\s*` + w + `(?:\s*(?:,|、|\bor\b|\band\b)\s*` + w + `)*\s*\)` +
		`|\b(?:run|runs|running|use|with)\s+` + w + `\b` +
		`|(?:^|[^\w.\x60-])(?:maintain|rekey)\b`)
}

// The bare check finds a command named without crm, and no prose.
func TestBareCommandRE(t *testing.T) {
	re := bareCommandRE()
	for _, s := range []string{
		"a writer of level %s re-encrypts it at their next step (maintain, rekey, repair)",
		"until a writer of level %s re-encrypts it (maintain, rekey)",
		"re-encrypt it (rekey)", "(maintain or rekey)", "run repair to finish it", "maintain re-encrypts it",
	} {
		if !re.MatchString(s) {
			t.Errorf("%q: the command not found", s)
		}
	}
	for _, s := range []string{
		"a temporary file of a write in progress or interrupted (the repair removes it once its process is gone)",
		"a %s of the same id (dossier.rekey)", "(a member.add of the same id, made apart)", "(R7.2.3)",
		"(its readers: %s)", "a new dossier", "run the edit again on the new version",
	} {
		if re.MatchString(s) {
			t.Errorf("%q: found a command in it", s)
		}
	}
}

// eachSourceFile parses every non-test Go file under dir and calls fn on it.
func eachSourceFile(t *testing.T, dir string, fn func(*token.FileSet, *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		fn(fset, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every next step the archive can name has words here.
func TestEveryNextHasAHint(t *testing.T) {
	for n := archive.NoNext + 1; n <= archive.NextLast; n++ {
		if _, ok := hints[n]; !ok {
			t.Errorf("archive.Next %d has no hint", n)
		}
	}
}

// report/ asks archive's State and keeps no event kind names of its own
// (issue "Event model and layering"): no string in its source is a kind.
func TestReportNamesNoEventKind(t *testing.T) {
	kinds := map[string]bool{}
	for _, k := range archive.Kinds() {
		kinds[string(k.Kind)] = true
	}
	eachSourceFile(t, "../../report", func(fset *token.FileSet, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			if x, ok := n.(*ast.BasicLit); ok && x.Kind == token.STRING {
				if s, _ := strconv.Unquote(x.Value); kinds[s] {
					t.Errorf("%s: %q is an event kind: ask archive.State instead", fset.Position(x.Pos()), s)
				}
			}
			return true
		})
	})
	if len(kinds) < 10 {
		t.Fatalf("only %d kinds in the registry", len(kinds))
	}
}
