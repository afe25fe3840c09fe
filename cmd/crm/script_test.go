package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"crm/testdata/needs"
)

// TestMain builds crm and its XLSX helper as a user's are built, crm with
// the crash harness's hook (-tags crmtest: crashhook.go), and puts them
// first on PATH for the scripts and the crash harness. The test binary
// itself is not run as crm: it links the test-only packages (testscript,
// excelize for the scripts' workbooks), whose start-up cost ~11 ms of the
// ~30 ms each of the thousands of crm processes the scripts start.
//
// The test binary started again as TestPrintTableEnvironment's helper
// (CRM_TABLE_HELPER=1) runs no crm: it builds nothing (a build links crm
// again, ~2.5 s each of its eight starts).
func TestMain(m *testing.M) {
	if os.Getenv("CRM_TABLE_HELPER") == "1" {
		os.Exit(m.Run())
	}
	bin, err := os.MkdirTemp("", "crm-test-bin-")
	if err == nil {
		err = buildTools(bin)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "building crm for the tests: %v\n", err)
		os.Exit(1)
	}
	os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	code := m.Run()
	os.RemoveAll(bin)
	os.Exit(code)
}

// buildTools builds crm (with the crash hook) and crm-xlsx into dir, with
// the go command that runs the tests.
func buildTools(dir string) error {
	gocmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gocmd); err != nil {
		if gocmd, err = exec.LookPath("go"); err != nil {
			return err
		}
	}
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	for _, b := range []struct{ out, pkg, tags string }{
		{"crm", "crm/cmd/crm", "crmtest"},
		{"crm-xlsx", "crm/cmd/crm-xlsx", ""},
	} {
		cmd := exec.Command(gocmd, "build", "-tags="+b.tags, "-o", filepath.Join(dir, b.out+exe), b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return nil
}

// TestScripts runs the end-to-end scripts in testdata/script against the
// real crm binary. Each script starts with a fresh $WORK as $HOME and
// XDG_CONFIG_HOME, English messages and a fixed clock; scripts override them.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "../../testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", env.WorkDir+"/.config")
			env.Setenv("LANG", "C")
			env.Setenv("LC_ALL", "")
			env.Setenv("CRM_NOW", "2026-11-22T09:00:00+08:00")
			env.Setenv("CRM_SCRYPT_WORK_FACTOR", "10")
			// Journal folders are trusted at once, so that the scripts run
			// through the caches and state snapshots as commands on an
			// archive not written in the last seconds do.
			env.Setenv("CRM_RACY_WINDOW", "0s")
			// Scripts written before random ids read C-000001 and L-000001:
			// their archives number sequentially (crm init --id-scheme);
			// the team scripts unset this to run the default, random ids.
			env.Setenv("CRM_ID_SCHEME", "sequential")
			// Memory-backed temp storage private to this script.
			shm, err := os.MkdirTemp("/dev/shm", "crm-test-")
			if err == nil {
				env.Setenv("CRM_SHM_DIR", shm)
				env.Defer(func() { os.RemoveAll(shm) })
			}
			return nil
		},
		// [need:PROGRAM] holds when PROGRAM is on PATH; a missing one is an
		// error, not a skip, when tools are required (testdata/needs: CI).
		Condition: func(cond string) (bool, error) {
			prog, ok := strings.CutPrefix(cond, "need:")
			if !ok {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			if _, err := exec.LookPath(prog); err != nil {
				if needs.Required() {
					return false, fmt.Errorf("%s is not installed (CI=true or CRM_REQUIRE_TOOLS=1 makes this a failure)", prog)
				}
				return false, nil
			}
			return true, nil
		},
		Cmds: mergeCmds(tamperCmds, reportCmds, rulebookCmds, hardeningCmds, intakeCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// nowhere STRING DIR... fails if any file under the DIRs
			// contains STRING (a plaintext canary left on disk).
			"nowhere": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: nowhere STRING DIR...")
				}
				for _, dir := range args[1:] {
					filepath.WalkDir(ts.MkAbs(dir), func(p string, d fs.DirEntry, err error) error {
						if err != nil || d.IsDir() {
							return nil
						}
						if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(args[0])) {
							ts.Fatalf("%s contains %q", p, args[0])
						}
						return nil
					})
				}
			},
			// capture VAR REGEXP sets $VAR to the first match of REGEXP
			// (of its first group, if it has one) in the last command's
			// stdout: an id crm made up.
			"capture": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: capture VAR REGEXP")
				}
				m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
				if m == nil {
					ts.Fatalf("capture: no match for %s in stdout", args[1])
				}
				ts.Setenv(args[0], m[len(m)-1])
			},
			// subst OLD NEW FILE replaces every OLD in FILE by NEW: a
			// person's edit of a file crm printed.
			"subst": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 3 {
					ts.Fatalf("usage: subst OLD NEW FILE")
				}
				text := ts.ReadFile(args[2])
				if !strings.Contains(text, args[0]) {
					ts.Fatalf("subst: no %q in %s", args[0], args[2])
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(strings.ReplaceAll(text, args[0], args[1])), 0o600))
			},
			// exitcode N CMD ARGS... runs a command and fails unless it
			// exits with status N (N|M: either, where the outcome is
			// not the script's to fix); its stdout and stderr are kept
			// for the next stdout/stderr assertions.
			"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exitcode N command [args...]")
				}
				var wants []int
				for _, w := range strings.Split(args[0], "|") {
					n, err := strconv.Atoi(w)
					if err != nil {
						ts.Fatalf("exitcode: %v", err)
					}
					wants = append(wants, n)
				}
				err := ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("exitcode: %v", err)
				}
				if !slices.Contains(wants, got) {
					ts.Fatalf("%s exited %d, want %s", args[1], got, args[0])
				}
			},
		}),
	})
}

func mergeCmds(ms ...map[string]func(ts *testscript.TestScript, neg bool, args []string)) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	out := map[string]func(ts *testscript.TestScript, neg bool, args []string){}
	for _, m := range ms {
		for k, v := range m {
			if _, dup := out[k]; dup {
				// A second command of the same name would silently replace
				// the first and run the wrong code in some scripts.
				panic("testscript command defined twice: " + k)
			}
			out[k] = v
		}
	}
	return out
}
