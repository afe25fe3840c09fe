// Package work runs independent pieces of work on every core, with
// cancellation and progress: the one worker pool of crm's lower layers.
package work

import (
	"context"
	"runtime"
	"sync"
)

// Progress hears how far a long operation has got. The command decides how
// to show it (a bar on a terminal, occasional lines in a log, nothing).
// Implementations must be safe for concurrent use.
type Progress interface {
	// Start announces an operation of total steps, labelled for people.
	Start(label string, total int)
	// Add reports n more steps done.
	Add(n int)
	// Done ends the operation (also after an error or cancellation).
	Done()
}

// Quiet is a Progress that shows nothing.
type Quiet struct{}

func (Quiet) Start(string, int) {}
func (Quiet) Add(int)           {}
func (Quiet) Done()             {}

type progressKey struct{}

// WithProgress returns a context that carries p to the operations run with it.
func WithProgress(ctx context.Context, p Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, p)
}

// ProgressOf returns the Progress carried by ctx, or Quiet.
func ProgressOf(ctx context.Context) Progress {
	if ctx != nil {
		if p, ok := ctx.Value(progressKey{}).(Progress); ok && p != nil {
			return p
		}
	}
	return Quiet{}
}

// Each runs f(i) for i in [0, n) on every core and reports each finished
// piece to the context's Progress under label (no report when label is
// empty). It stops handing out work when ctx is cancelled and then returns
// ctx's error; pieces already started finish.
func Each(ctx context.Context, label string, n int, f func(i int)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	p := ProgressOf(ctx)
	if label != "" {
		p.Start(label, n)
		defer p.Done()
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
				if label != "" {
					p.Add(1)
				}
			}
		})
	}
	var err error
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return err
}

// Track reports a sequential operation of total steps to ctx's Progress
// under label: call step after each step and done at the end (also after
// an error).
func Track(ctx context.Context, label string, total int) (step func(), done func()) {
	p := ProgressOf(ctx)
	p.Start(label, total)
	return func() { p.Add(1) }, p.Done
}
