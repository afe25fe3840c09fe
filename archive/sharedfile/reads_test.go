package sharedfile_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// plainReads are the os.Open, os.ReadFile and os.DirFS calls of crm's
// code (every package of the module; tests and testdata aside) that may
// stay: each opens something no crm renames a new version over, nor
// removes, while it is read. Keyed by file, enclosing function and call; the value says why.
// Every other read uses Open or ReadFile, so that on Windows a colleague's
// crm (or the same user's second one) writing the file is not held up.
var plainReads = map[string]string{
	// Folders: opened to list, stat or sync what is in them; crm renames
	// and removes files in them, never the folders.
	"archive/advance.go readNames os.Open":              "a folder, listed",
	"archive/digests.go Archive.statDossiers os.Open":   "dossiers/, opened to stat the files in it",
	"archive/journal/since.go reader.listSince os.Open": "a month folder of the journal, opened for its files' times",
	"archive/lock_unix.go syncFolder os.Open":           "a folder, synced (Unix only)",
	"archive/repair.go readDirUnsorted os.Open":         "a folder, listed",
	"archive/pin.go CheckPinnedFiles os.DirFS":          "fs.Glob over it lists the journal's folders only",
	"cmd/crm/editor.go cleanStalePlaintext os.Open":     "a temporary folder, listed for crm's leftovers",

	// Not Windows: there an open file can be renamed over and removed.
	"archive/sharedfile/open_other.go Open os.Open":         "Open itself",
	"archive/sharedfile/open_other.go ReadFile os.ReadFile": "ReadFile itself",

	// The lock file: created once and never renamed or removed; on
	// Windows it is locked with LockFileEx (lock_windows.go).
	"archive/lock.go Archive.lock os.Open":   "the lock file, when it is not writable",
	"archive/lock.go lockHolder os.ReadFile": "the lock file, read for who holds it",

	// The user's own files, named by them (flag, setting, argument): crm
	// creates an identity only where none is (keygen, O_EXCL), and never
	// writes the others.
	"archive/keys.go LoadIdentity os.ReadFile":                  "the identity file",
	"cmd/crm/keys.go env.loadKey os.ReadFile":                   "the identity file",
	"cmd/crm/keys.go env.identity os.ReadFile":                  "the identity file",
	"cmd/crm/keys.go readPassphraseFile os.ReadFile":            "the passphrase file (CRM_PASSPHRASE_FILE)",
	"cmd/crm/root.go resolveLang os.ReadFile":                   "the config file, which crm never writes",
	"cmd/crm/import.go env.runImport os.ReadFile":               "the spreadsheet crm import is given",
	"cmd/crm/import.go importOptions.intakeOptions os.ReadFile": "the --map file",
	"cmd/crm/member.go readRaw os.ReadFile":                     "a file named on the command line (--from)",

	// Files of this process only, or git's that crm never writes.
	"cmd/crm/editor.go env.editLoop os.ReadFile":          "this process's own temporary file, read once the editor has exited",
	"cmd/crm/teamgit_cmds.go env.mergeDriver os.ReadFile": "the versions git hands its merge driver, in git's temporary files",
	"cmd/crm/gitrepo.go gitDirOf os.ReadFile":             "a .git file naming a worktree's git folder, written by git worktree add only",
	"cmd/crm/teamgit.go env.gitSetup os.ReadFile":         "the pre-push hook, which git never writes and crm writes in place (.gitattributes is read through sharedfile)",
}

// Every read of a file another crm may rename over or remove is shared
// (Open, ReadFile): a plain os.Open, os.ReadFile or os.DirFS not on
// plainReads fails this test, naming it; so does an entry of plainReads
// that no longer names a read.
func TestReadsShareDeletion(t *testing.T) {
	root := moduleRoot(t)
	seen := map[string]bool{}
	var plain []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		for _, key := range readsIn(t, p, filepath.ToSlash(rel)) {
			if _, ok := plainReads[key]; ok {
				seen[key] = true
			} else {
				plain = append(plain, key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(plain)
	for _, key := range plain {
		t.Errorf("%s: a plain read, which on Windows holds up another crm renaming over or removing the file: use sharedfile.Open or ReadFile, or add it to plainReads with why no crm replaces the file", key)
	}
	for key := range plainReads {
		if !seen[key] {
			t.Errorf("plainReads lists %q, which is not a read any more: remove the entry", key)
		}
	}
}

// readsIn lists the calls of os.Open, os.ReadFile and os.DirFS in the Go
// file at path (rel from the module's root), each as "rel Func os.Call",
// Func being the enclosing function (Type.Method for a method).
func readsIn(t *testing.T, path, rel string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	osName := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"os"` {
			osName = "os"
			if imp.Name != nil {
				osName = imp.Name.Name
			}
		}
	}
	if osName == "" || osName == "_" {
		return nil
	}
	var out []string
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok {
			// A package-level variable's function literal: named by
			// the file alone.
			fn = &ast.FuncDecl{Name: ast.NewIdent("(package level)")}
		}
		name := fn.Name.Name
		if fn.Recv != nil && len(fn.Recv.List) > 0 {
			name = recvType(fn.Recv.List[0].Type) + "." + name
		}
		ast.Inspect(decl, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == osName {
				switch sel.Sel.Name {
				case "Open", "ReadFile", "DirFS":
					out = append(out, rel+" "+name+" os."+sel.Sel.Name)
				}
			}
			return true
		})
	}
	return out
}

// recvType is the name of a method's receiver type: T for T, *T, T[P].
func recvType(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvType(x.X)
	case *ast.IndexExpr:
		return recvType(x.X)
	case *ast.IndexListExpr:
		return recvType(x.X)
	case *ast.Ident:
		return x.Name
	}
	return "?"
}

// moduleRoot is the folder of crm's go.mod, found from the working
// folder up: the package's folder under go test, wherever the test
// binary runs otherwise (run-tests.sh under Wine).
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module crm\n") {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("crm's source (its go.mod) is not in the working folder or above it: run the test from the source tree")
		}
		dir = up
	}
}
