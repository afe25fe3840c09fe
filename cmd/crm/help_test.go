package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"crm/l10n"
)

// Every command shows how it is used: an Example section (examples.go, or
// the command's own).
func TestEveryCommandHasExamples(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		root := newTestRoot(lang)
		walk(root, func(c *cobra.Command) {
			if c.Hidden && c.Name() != "textconv" {
				return
			}
			if c.Example == "" {
				t.Errorf("%s (%s): no Example: add one to examples.go", c.CommandPath(), lang)
			}
		})
	}
}

// newTestRoot is the command tree as built for a run in lang.
func newTestRoot(lang string) *cobra.Command {
	l10n.SetLang(lang)
	defer l10n.SetLang("en")
	return newRoot(&env{io: &IO{}, getenv: func(string) string { return "" }})
}

// Every example runs a command that exists, with flags it has: examples
// that drifted from the commands would teach users errors.
func TestExamplesParse(t *testing.T) {
	root := newTestRoot("en")
	walk(root, func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			for _, part := range strings.Split(line, "&&") {
				part, _, _ = strings.Cut(part, "|")
				part, _, _ = strings.Cut(part, ">")
				words := strings.Fields(part)
				if len(words) == 0 || words[0] != "crm" {
					continue
				}
				cmd, rest, err := root.Find(words[1:])
				if err != nil || cmd == root && len(words) > 1 && !strings.HasPrefix(words[1], "-") {
					t.Errorf("%s: example %q: no such command", c.CommandPath(), part)
					continue
				}
				if err := cmd.ParseFlags(rest); err != nil {
					t.Errorf("%s: example %q: %v", c.CommandPath(), part, err)
				}
			}
		}
	})
}

// commands names each command by the name it runs by, and the tree built
// for one named command helps and fails as the whole tree does: a user
// never sees which was built.
func TestLazyRootIsTheWholeTree(t *testing.T) {
	full := newTestRoot("en")
	var names []string
	for _, c := range full.Commands() {
		names = append(names, c.Name())
	}
	for _, c := range commands {
		if c.make(&env{io: &IO{}, getenv: func(string) string { return "" }}).Name() != c.name {
			t.Errorf("commands: %q makes another command", c.name)
		}
	}
	if len(commands)+len([]string{"man", "completion", "help"}) != len(names) {
		t.Errorf("commands has %d, the tree %d: %v", len(commands), len(names), names)
	}
	getenv := func(string) string { return "" }
	runBoth := func(args []string) {
		t.Helper()
		var lazyOut, lazyErr, fullOut, fullErr strings.Builder
		code := run(args, &IO{In: strings.NewReader(""), Out: &lazyOut, Err: &lazyErr}, getenv)
		root := newRoot(&env{io: &IO{}, getenv: getenv})
		root.SetArgs(args)
		root.SetOut(&fullOut)
		root.SetErr(&fullErr)
		_, err := root.ExecuteC()
		if lazyOut.String() != fullOut.String() {
			t.Errorf("crm %q (exit %d, %v): lazy tree printed\n%s\nwhole tree\n%s", args, code, err, lazyOut.String(), fullOut.String())
		}
	}
	walk(full, func(c *cobra.Command) {
		if !c.HasParent() {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		runBoth(append(slices.Clone(path), "--help"))
		runBoth(append([]string{"-C", "/nonexistent", "--lang=en"}, append(slices.Clone(path), "-h")...))
		// Before the command, -h and --help take it as their value
		// (cobra's stripFlags): the root's help.
		runBoth(append([]string{"-h"}, path...))
		runBoth(append([]string{"--lang=en", "--help"}, path...))
	})
	for _, args := range [][]string{
		{"-Cx", "show", "--help"}, {"-v"}, {"--", "show"}, {"-hv", "show"}, {"--unknown", "show", "-h"},
	} {
		if mk := commandNamed(args); mk != nil && args[1] != "show" {
			t.Errorf("%q: a command named", args)
		}
	}
	for args, want := range map[string]string{"-C a show": "show", "-i k --now=2026-01-01 review due": "review", "--lang zh list": "list",
		"-Cdir log": "log", "--version": "", "help show": "", "man": "", "completion bash": "", "x show": "", "-- show": "", "-x show": "", "-h show": "", "--help show": "", "-C a --help show": ""} {
		got := ""
		if mk := commandNamed(strings.Fields(args)); mk != nil {
			got = mk(&env{io: &IO{}, getenv: getenv}).Name()
		}
		if got != want {
			t.Errorf("commandNamed(%q) = %q, want %q", args, got, want)
		}
	}
}
