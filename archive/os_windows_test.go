package archive_test

import "testing"

// setUmask does nothing on Windows, which has no umask: a new file's
// access comes from its folder's ACL.
func setUmask(mask int) int { return 0 }

// limitOpenFiles does nothing on Windows: a process's handles have no
// limit to lower there, and the test runs unbounded.
func limitOpenFiles(t *testing.T) {}

// On Windows every folder reads as mode 0777 and every file as 0666: verify
// must not call them writable by every user (verify.go, modeSaysWho), or a
// fresh archive would list each of its files as a problem.
func TestVerifyModeBitsOnWindows(t *testing.T) {
	f := newFixture(t)
	f.create("秘密")
	f.verifyClean()
}
