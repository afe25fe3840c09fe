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

// messageForms are another library's messages as regular expressions,
// each with its Chinese form ($1… are the captured parts).
type messageForms struct {
	pairs [][2]string
	res   func() []*regexp.Regexp
}

func newMessageForms(pairs [][2]string) *messageForms {
	return &messageForms{pairs: pairs, res: sync.OnceValue(func() []*regexp.Regexp {
		res := make([]*regexp.Regexp, len(pairs))
		for i, p := range pairs {
			res[i] = regexp.MustCompile(p[0])
		}
		return res
	})}
}

// rewrite is msg in its other form (Chinese, or plain English), from the
// first expression it matches;
// ok is false (msg unchanged) if it matches none.
func (m *messageForms) rewrite(msg string) (out string, ok bool) {
	for i, re := range m.res() {
		if re.MatchString(msg) {
			return re.ReplaceAllString(msg, m.pairs[i][1]), true
		}
	}
	return msg, false
}
