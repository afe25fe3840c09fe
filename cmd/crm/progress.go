package main

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"crm/archive/work"
	"crm/l10n"
)

// Progress of long work. The lower layers report through work.Progress;
// the command shows it as a bar (github.com/vbauerster/mpb) when standard
// error is a terminal, and shows nothing otherwise: cron mails whatever a
// job prints, and a report run from cron must print nothing but errors.

// showAfter is how long an operation runs before its bar appears: shorter
// ones show nothing.
const showAfter = time.Second

// ctx is the context long operations run under: it carries the progress
// display when standard error is a terminal.
func (e *env) ctx() context.Context {
	if e.context == nil {
		e.context = context.Background()
		if isTerminal(e.io.Err) && e.getenv("TERM") != "dumb" {
			e.bars = newBars(progressWriter(e.io.Err), showAfter)
			e.context = work.WithProgress(e.context, e.bars)
		}
	}
	return e.context
}

// stopProgress removes any bar still shown, before the command's last words.
func (e *env) stopProgress() {
	if e.bars != nil {
		e.bars.close()
	}
}

// during runs f as one operation of unknown length (a spinner with the
// time spent), for work the lower layers do not count: reading and checking
// the journal, verifying.
func (e *env) during(label string, f func() error) error {
	p := work.ProgressOf(e.ctx())
	p.Start(label, 0)
	defer p.Done()
	return f()
}

// bars is a work.Progress that draws one bar per running operation (an
// operation started inside another gets its own line), each only once it
// has run for a while, and removes it when the operation ends.
type bars struct {
	w     io.Writer
	delay time.Duration

	mu  sync.Mutex
	p   *mpb.Progress // made when the first bar is shown
	ops []*operation  // running, innermost last
}

type operation struct {
	label  string
	total  int
	n      int
	start  time.Time
	timer  *time.Timer
	bar    *mpb.Bar
	closed bool
}

func newBars(w io.Writer, delay time.Duration) *bars { return &bars{w: w, delay: delay} }

func (b *bars) Start(label string, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o := &operation{label: label, total: total, start: time.Now()}
	b.ops = append(b.ops, o)
	o.timer = time.AfterFunc(b.delay, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.show(o)
	})
}

// show draws o's bar (b.mu held).
func (b *bars) show(o *operation) {
	if o.closed || o.bar != nil {
		return
	}
	if b.p == nil {
		b.p = mpb.New(mpb.WithOutput(b.w), mpb.WithRefreshRate(100*time.Millisecond), mpb.WithAutoRefresh())
	}
	name := decor.Name(o.label+" ", decor.WCSyncSpaceR)
	if o.total <= 0 {
		// Unknown length: a spinner and the time spent.
		o.bar = b.p.New(0, mpb.SpinnerStyle(), mpb.BarWidth(1),
			mpb.PrependDecorators(name),
			mpb.AppendDecorators(decor.NewElapsed(decor.ET_STYLE_GO, o.start)))
		return
	}
	// Made without a total and given one after, so that reaching it does
	// not complete the bar: Done removes it, and only then does the
	// command print its result.
	o.bar = b.p.New(0, mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.PrependDecorators(name, decor.CountersNoUnit("%d/%d ", decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Name(" "+l10n.T("left")+" "), decor.AverageETA(decor.ET_STYLE_GO)))
	o.bar.SetTotal(int64(o.total), false)
	o.bar.SetCurrent(int64(o.n))
	o.bar.DecoratorAverageAdjust(o.start)
}

func (b *bars) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ops) == 0 {
		return
	}
	o := b.ops[len(b.ops)-1]
	o.n += n
	if o.bar != nil {
		o.bar.IncrBy(n)
	}
}

func (b *bars) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ops) == 0 {
		return
	}
	o := b.ops[len(b.ops)-1]
	b.ops = b.ops[:len(b.ops)-1]
	b.end(o)
	if len(b.ops) == 0 && b.p != nil {
		// The outermost operation ended: wait until its bar is gone from
		// the terminal, before the command writes there.
		b.p.Wait()
		b.p = nil
	}
}

// end stops o and removes its bar (b.mu held).
func (b *bars) end(o *operation) {
	o.closed = true
	o.timer.Stop()
	if o.bar != nil {
		o.bar.Abort(true)
	}
}

// close ends every operation and waits until the bars are gone from the
// terminal.
func (b *bars) close() {
	b.mu.Lock()
	for len(b.ops) > 0 {
		b.end(b.ops[len(b.ops)-1])
		b.ops = b.ops[:len(b.ops)-1]
	}
	p := b.p
	b.p = nil
	b.mu.Unlock()
	if p != nil {
		p.Wait()
	}
}
