package archive_test

import "testing"

// setUmask does nothing on Windows, which has no umask: a new file's
// access comes from its folder's ACL.
func setUmask(mask int) int { return 0 }

// limitOpenFiles does nothing on Windows: a process's handles have no
// limit to lower there, and the test runs unbounded.
func limitOpenFiles(t *testing.T) {}
