// Package needs is how a test says what it needs of the machine (a tool,
// a kind of file system) and what to install to get it. Without it the
// test is skipped on a developer's machine, saying so, and fails in CI
// (CI=true, as most CI systems set it, or CRM_REQUIRE_TOOLS=1, as .ci/run
// sets it after installing what tests use): a skipped test proves nothing.
package needs

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether a missing need fails the test instead of
// skipping it.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("CRM_REQUIRE_TOOLS") == "1"
}

// Missing skips t, or fails it when Required, with why: what is missing
// and how to get it.
func Missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatal(why + " (CI=true or CRM_REQUIRE_TOOLS=1 makes this a failure)")
	}
	t.Skip("skipped: " + why)
}

// Tool returns the path of the program name, or calls Missing with how
// to install it (install: a command such as "apt-get install strace").
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is not installed: "+install)
	}
	return p
}
