package main

import (
	"regexp"
	"sync"
)

// Regular expressions are compiled the first time they are used, not as
// the binary starts: the 33 of this package took ~1 ms of every command's
// start, which `crm show` and `crm textconv` (git log -p) pay per call.

// lazyRE is expr, compiled on first use.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
