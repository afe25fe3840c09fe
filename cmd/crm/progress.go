package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"crm/archive/work"
)

// ctx is the context long operations run under: it carries the progress
// display (on a terminal) and is cancelled by an interrupt.
func (e *env) ctx() context.Context {
	if e.context == nil {
		e.context = context.Background()
		if isTerminal(e.io.Err) {
			e.context = work.WithProgress(e.context, &termProgress{w: e.io.Err})
		}
	}
	return e.context
}

// termProgress shows "label n/total" on one terminal line, redrawn at most
// ten times a second, and clears it when done. Operations shorter than a
// second show nothing.
type termProgress struct {
	w     io.Writer
	mu    sync.Mutex
	label string
	n, of int
	start time.Time
	last  time.Time
	shown bool
}

func (p *termProgress) Start(label string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label, p.n, p.of, p.start, p.shown = label, 0, total, time.Now(), false
}

func (p *termProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += n
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.shown = now, true
	fmt.Fprintf(p.w, "\r%s %d/%d ", p.label, p.n, p.of)
}

func (p *termProgress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
	p.shown = false
}
