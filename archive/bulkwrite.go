package archive

import (
	"sync"
)

// bulkWriter does a Bulk's file writes in the order they were asked for,
// on another goroutine, so that the next steps are checked, signed and
// encrypted while the files of the last ones are written: an event file,
// then the rename that puts the dossier file it pins in place. At 30,000
// dossiers the generator spent a fifth of its main loop in these system
// calls.
//
// Its order is the order of a step taken without Bulk: an event before the
// dossier file it pins. After the first write that fails, nothing more is
// written, so the disk holds the steps before it (and possibly the next
// dossier file's temporary file, which repair knows); the failure is
// returned by the next step and by Bulk, which reads the state again.
//
// Whatever touches the disk itself inside Bulk waits for the queue first
// (Archive.settle) and stops on its failure: dossierFile, for a step that
// reads, replaces or removes a dossier file; reload and a dossier's log,
// which read the journal; a member file, a destruction's removal, a
// decision's file, a hand-in's file and its removal once merged or
// rejected, which must come after their events.
type bulkWriter struct {
	ops     chan func() error
	pending sync.WaitGroup // ops sent and not yet done
	stopped sync.WaitGroup // the goroutine

	mu  sync.Mutex
	err error // the first write that failed
}

// bulkQueue is how many writes may wait: enough to cover a step's
// encryption, few enough that what a crash loses stays small.
const bulkQueue = 64

func newBulkWriter() *bulkWriter {
	w := &bulkWriter{ops: make(chan func() error, bulkQueue)}
	w.stopped.Go(func() {
		for op := range w.ops {
			if w.failed() == nil {
				if err := op(); err != nil {
					leftBehind.Store(true) // a temporary file may be left
					w.mu.Lock()
					w.err = err
					w.mu.Unlock()
				}
			}
			w.pending.Done()
		}
	})
	return w
}

// failed returns the first write that failed, or nil.
func (w *bulkWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// do queues op after every write queued before it.
func (w *bulkWriter) do(op func() error) {
	w.pending.Add(1)
	w.ops <- op
}

// settle waits for every queued write and returns the first that failed.
func (w *bulkWriter) settle() error {
	w.pending.Wait()
	return w.failed()
}

// stop settles the queue and ends its goroutine.
func (w *bulkWriter) stop() error {
	err := w.settle()
	close(w.ops)
	w.stopped.Wait()
	return err
}

// settle waits for the files a Bulk queued (bulkWriter) and returns the
// first write that failed; outside Bulk it returns nil at once.
func (a *Archive) settle() error {
	if a.queue == nil {
		return nil
	}
	return a.queue.settle()
}

// queueFailed returns a write a Bulk queued that failed, without waiting
// for the others: a step after it is refused.
func (a *Archive) queueFailed() error {
	if a.queue == nil {
		return nil
	}
	return a.queue.failed()
}
