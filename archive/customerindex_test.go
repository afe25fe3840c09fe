package archive_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"crm/archive"
)

// org is an organisation's dossier named name, for SameCustomer.
func org(name string) *archive.Dossier {
	return &archive.Dossier{Customer: archive.Customer{Name: name}}
}

// The customers index answers crm new's check (R5: one dossier per
// customer) without reading every dossier while nothing that could change
// the answer happened, and never answers otherwise: it follows this
// process's creates, renames and the kinds that change no customer, and
// is left behind by a change of level and by another process's event, where
// the slow way answers (and makes it again).
func TestCustomersIndex(t *testing.T) {
	f := newFixture(t)
	jia := f.createAs("su", "customer:\n  name: 甲公司\nowner: 李四\n", "秘密")
	f.createAs("zhang", "customer:\n  name: 绝密公司\nowner: 张三\n", "绝密") // su does not open it
	f.settle()
	open := func() *archive.Archive { // as crm new opens it
		a := f.creator("su")
		a.EnableCache(f.cache)
		return a
	}
	same := func(a *archive.Archive, name, want string) {
		t.Helper()
		got, unread, err := a.SameCustomer(ctx, org(name), "")
		if err != nil || got != want || unread != 1 {
			t.Fatalf("%s: got %q (%d unread, %v); want %q, 1 unread", name, got, unread, err, want)
		}
	}
	indexed := func(a *archive.Archive, name string, want bool) {
		t.Helper()
		unread, ok := a.IndexedMiss(name)
		if ok != want || ok && unread != 1 {
			t.Fatalf("%s: the index answered %v (%d unread); want %v", name, ok, unread, want)
		}
	}
	done := func(a *archive.Archive) {
		t.Helper()
		if err := a.SaveCache(); err != nil {
			t.Fatal(err)
		}
	}

	a := open()
	indexed(a, "乙公司", false) // no index yet
	same(a, "乙公司", "")       // the slow way, which makes it
	same(a, "甲 公司", jia)
	done(a)

	a = open()
	indexed(a, "乙公司", true)
	indexed(a, "甲 公司", false) // a hash it has (spaces do not count): the slow way names the dossier
	same(a, "甲 公司", jia)
	yi, err := a.Create([]byte("customer:\n  name: 乙公司\nowner: 李四\n"), "秘密")
	if err != nil {
		t.Fatal(err)
	}
	done(a)

	// The create was followed: 乙 is there, 丙 is not.
	a = open()
	indexed(a, "乙公司", false)
	indexed(a, "丙公司", true)
	same(a, "乙公司", yi)
	done(a)

	// A rename, followed: 乙 is free again, 丙 is not.
	e := f.openAs("su", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: yi})
	e.EnableCache(f.cache)
	o, err := e.Read(yi)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Update(yi, o.SHA256, o.Text, bytes.Replace(o.Text, []byte("乙公司"), []byte("丙公司"), 1)); err != nil {
		t.Fatal(err)
	}
	// A review (核定) changes no customer: followed too.
	if _, err := e.ReviewDone(yi, "核定无误"); err != nil {
		t.Fatal(err)
	}
	done(e)
	a = open()
	indexed(a, "乙公司", true)
	indexed(a, "丙公司", false)
	same(a, "丙公司", yi)
	done(a)

	// A new level changes who reads: the index is left behind, and the
	// slow way answers.
	c := f.openAs("su", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: jia})
	c.EnableCache(f.cache)
	if _, err := c.SetLevel(jia, "内部", "", "降密"); err != nil {
		t.Fatal(err)
	}
	done(c)
	a = open()
	indexed(a, "丁公司", false)
	same(a, "甲公司", jia)
	done(a)

	// Another process's event (li's: no cache of su's follows it): the index
	// stands for the state before it, and is not used.
	wu := f.createAs("li", "customer:\n  name: 戊公司\nowner: 李四\n", "秘密")
	a = open()
	indexed(a, "戊公司", false)
	indexed(a, "己公司", false)
	got, unread, err := a.SameCustomer(ctx, org("戊公司"), "")
	if err != nil || got != wu || unread != 1 {
		t.Fatalf("戊公司: got %q (%d unread, %v); want %s", got, unread, err, wu)
	}
	done(a)
	a = open()
	if unread, ok := a.IndexedMiss("己公司"); !ok || unread != 1 {
		t.Fatalf("the slow way did not make the index again: %v, %d unread", ok, unread)
	}
}

// A dossier read only through a loan is read while the loan runs, and not
// when it has lapsed (rowOpens), with no event between: the index is not
// made while the working member reads a dossier that way.
func TestCustomersIndexNotMadeOnALoan(t *testing.T) {
	f := newFixture(t)
	id := f.createAs("zhang", "customer:\n  name: 机密公司\nowner: 张三\n", "机密")
	f.lendFor(id, 3)
	f.settle()
	open := func() *archive.Archive {
		a := f.creator("zhao")
		a.EnableCache(f.cache)
		return a
	}
	a := open()
	got, unread, err := a.SameCustomer(ctx, org("机密公司"), "")
	if err != nil || got != id || unread != 0 {
		t.Fatalf("on the loan: got %q (%d unread, %v); want %s", got, unread, err, id)
	}
	a.SaveCache()
	f.now = f.now.Add(10 * 24 * time.Hour)
	a = open()
	if _, ok := a.IndexedMiss("机密公司"); ok {
		t.Fatal("an index was made on a dossier read through a loan")
	}
	got, unread, err = a.SameCustomer(ctx, org("机密公司"), "")
	if err != nil || got != "" || unread != 1 {
		t.Fatalf("the loan lapsed: got %q (%d unread, %v); want none, 1 unread", got, unread, err)
	}
}

// Two crm new of one customer in one clone at the same time: each finds
// the customer free, then the second's create, under the lock, finds the
// first's dossier and is refused (CustomerTakenError), nothing written;
// with the index (the first kept it) and without it (the slow way, after
// which the step still works on its own parts). Another customer is
// created as before.
func TestCreateRechecksTheCustomerUnderTheLock(t *testing.T) {
	for _, index := range []bool{true, false} {
		t.Run(map[bool]string{true: "index", false: "slow"}[index], func(t *testing.T) {
			f := newFixture(t)
			f.createAs("su", "customer:\n  name: 甲公司\nowner: 李四\n", "秘密")
			f.settle()
			open := func() *archive.Archive {
				a := f.creator("su")
				a.EnableCache(f.cache)
				return a
			}
			if index { // the index, made for the state both start from
				a := open()
				a.SameCustomer(ctx, org("乙公司"), "")
				a.SaveCache()
			}
			a, b := open(), open()
			text := []byte("customer:\n  name: 乙公司\nowner: 李四\n")
			for _, x := range []*archive.Archive{a, b} {
				if got, _, err := x.SameCustomer(ctx, org("乙 公司"), ""); got != "" || err != nil {
					t.Fatalf("乙公司 before either wrote: %q, %v", got, err)
				}
			}
			yi, err := a.Create(text, "秘密")
			if err != nil {
				t.Fatal(err)
			}
			a.SaveCache()
			before := f.eventHashes()
			_, err = b.Create(text, "秘密")
			var taken *archive.CustomerTakenError
			if !errors.As(err, &taken) || taken.Other != yi || taken.Name != "乙公司" {
				t.Fatalf("the second create: %v; want 乙公司's dossier %s named", err, yi)
			}
			if after := f.eventHashes(); len(after) != len(before) {
				t.Fatalf("the refused create wrote %d events", len(after)-len(before))
			}
			if _, err := b.Create([]byte("customer:\n  name: 丙公司\nowner: 李四\n"), "秘密"); err != nil {
				t.Fatalf("another customer after the refusal: %v", err)
			}
			b.SaveCache()
			// Two customers at the same time: both are created.
			c, d := open(), open()
			for _, x := range []struct {
				a    *archive.Archive
				name string
			}{{c, "丁公司"}, {d, "戊公司"}} {
				if got, _, err := x.a.SameCustomer(ctx, org(x.name), ""); got != "" || err != nil {
					t.Fatalf("%s: %q, %v", x.name, got, err)
				}
			}
			for _, x := range []struct {
				a    *archive.Archive
				name string
			}{{c, "丁公司"}, {d, "戊公司"}} {
				if _, err := x.a.Create([]byte("customer:\n  name: "+x.name+"\nowner: 李四\n"), "秘密"); err != nil {
					t.Fatalf("%s: %v", x.name, err)
				}
				x.a.SaveCache()
			}
			f.verifyClean()
		})
	}
}

// An index made in a process after it wrote (no index when it first
// wrote) follows the process's next events all the same.
func TestCustomersIndexMadeAfterAWrite(t *testing.T) {
	f := newFixture(t)
	a := f.creator("su")
	a.EnableCache(f.cache)
	if _, err := a.Create([]byte("customer:\n  name: 甲公司\nowner: 李四\n"), "秘密"); err != nil {
		t.Fatal(err)
	}
	if got, _, err := a.SameCustomer(ctx, org("乙公司"), ""); got != "" || err != nil {
		t.Fatalf("乙公司: %q, %v", got, err)
	}
	if _, err := a.Create([]byte("customer:\n  name: 乙公司\nowner: 李四\n"), "秘密"); err != nil {
		t.Fatal(err)
	}
	a.SaveCache()
	b := f.creator("su")
	b.EnableCache(f.cache)
	if _, ok := b.IndexedMiss("丙公司"); !ok {
		t.Fatal("the index made after the first write did not follow the second")
	}
	if _, ok := b.IndexedMiss("乙公司"); ok {
		t.Fatal("the index lacks the dossier created after it was made")
	}
}
