package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"crm/archive/work"
)

// Without a terminal on standard error, long work reports to nobody: cron
// mails whatever a job prints.
func TestNoProgressWithoutTerminal(t *testing.T) {
	var errb bytes.Buffer
	e := &env{io: &IO{Err: &errb}, getenv: func(string) string { return "" }}
	if _, quiet := work.ProgressOf(e.ctx()).(work.Quiet); !quiet {
		t.Fatalf("progress is shown when standard error is not a terminal")
	}
	e.stopProgress()
	if errb.Len() != 0 {
		t.Fatalf("wrote %q", errb.String())
	}
}

// On a terminal, an operation that lasts shows a bar with its label and
// count, and an operation shorter than the delay shows nothing.
func TestBars(t *testing.T) {
	var out bytes.Buffer
	b := newBars(&out, 50*time.Millisecond)
	b.Start("quick", 3)
	b.Add(3)
	b.Done()
	if out.Len() != 0 {
		t.Fatalf("a short operation drew %q", out.String())
	}
	b.Start("正在解密档案", 10)
	b.Add(4)
	time.Sleep(400 * time.Millisecond)
	b.Start("inner", 0) // an operation inside another gets its own line
	time.Sleep(200 * time.Millisecond)
	b.Done()
	b.Add(1)
	b.Done()
	b.close()
	s := out.String()
	for _, want := range []string{"正在解密档案", "4/10", "inner"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in %q", want, s)
		}
	}
}
