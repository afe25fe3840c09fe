package archive_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

// The customers index (R5: one dossier per customer) against the truth,
// over a seeded random run of what users do: create organisations and
// people of a few names (written with full-width brackets or spaces too,
// which CustomerKey treats as one), rename them, destroy, change levels,
// lend and return, let loans lapse, change roles, review, set credit and
// tier, hold, maintain, and work in a second clone that is pulled in.
// Each step is taken by some member, with the plaintext cache or
// without. After each, for the members checked (those who took it, and
// one more), the index's "no dossier" (IndexedMiss) where it answers, and
// SameCustomer's answer (in half the checks, which make the index again;
// the others leave it to stand for an older state), must be what a cold
// replay reading every active dossier the member may read says.
//
// H139_SEEDS="1 2 3" runs other seeds, to look further.
func TestCustomersIndexAgainstTheTruth(t *testing.T) {
	steps := 100
	if testing.Short() {
		steps = 40
	}
	seeds := []uint64{139}
	if v := os.Getenv("H139_SEEDS"); v != "" {
		seeds = nil
		for _, f := range strings.Fields(v) {
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, n)
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			w := newIndexWorld(t, seed)
			w.known = map[*fixture]map[string]truth{w.f: w.truths(w.f)}
			for i := range steps {
				w.step(i)
				w.check(i)
			}
			t.Logf("seed %d: %v; index answered %d times, missed %d", seed, w.did, w.answered, w.slow)
		})
	}
}

// indexNames are the customers' names the run writes and asks about:
// nine customers, some written several ways, two of them people's names
// (a person's dossier may bear any of them).
var indexNames = []string{
	"华东机械（上海）", "华东机械(上海)", "华东 机械 (上海)",
	"南方贸易", "南方　贸易",
	"北方重工", "西部物流", "东海食品", "中原电器（郑州）", "中原电器(郑州)",
	"江南纺织", "无档案公司", "张伟", "李娜",
}

// indexCheckers are the members whose index is checked: a clerk, a
// supervisor, the department managers (who read through loans), the
// manager and a general manager.
var indexCheckers = []string{"li", "su", "zhao", "zhou", "zhang", "wang"}

// indexWorld is the run: the main clone f, a second clone g while one is
// forked (base: the folder at the fork), and what the run counts.
type indexWorld struct {
	t        *testing.T
	r        *rand.Rand
	f, g     *fixture
	base     string
	gMade    map[string]bool               // dossiers created in g while forked
	known    map[*fixture]map[string]truth // each clone's truths, as the last check found them
	made     []string                      // every dossier created, in order
	actors   map[string]bool               // who took the step checked next
	did      map[string]int
	answered int
	slow     int
}

func newIndexWorld(t *testing.T, seed uint64) *indexWorld {
	f := newFixtureStyle(t, archive.IDRandom)
	return &indexWorld{t: t, r: rand.New(rand.NewPCG(seed, 0x139)), f: f, did: map[string]int{}, actors: map[string]bool{}}
}

func (w *indexWorld) pick(xs []string) string { return xs[w.r.IntN(len(xs))] }

// refused counts a step refused, and says why in a verbose run.
func (w *indexWorld) refused(what string, err error) {
	w.did[what]++
	if testing.Verbose() && os.Getenv("H139_WHY") != "" {
		w.t.Logf("%s: %v", what, err)
	}
}

// truth is what a member may read of the active dossiers, from a cold
// replay and Read: the organisations' dossiers by CustomerKey (ids in
// order), how many they may not read, and every active dossier's level.
type truth struct {
	byKey  map[string][]string
	unread int
	levels map[string]string
	state  *archive.State
}

// truths are truthOf x for every member checked, from one cold replay.
func (w *indexWorld) truths(x *fixture) map[string]truth {
	w.t.Helper()
	a := x.cold("zhang")
	out := map[string]truth{}
	for _, m := range indexCheckers {
		if err := a.SetIdentity(x.ids[m]); err != nil {
			w.t.Fatal(err)
		}
		out[m] = w.truthOf(a, m)
	}
	return out
}

// truthOf reads every active dossier of a cold replay as member m.
func (w *indexWorld) truthOf(a *archive.Archive, m string) truth {
	w.t.Helper()
	tr := truth{byKey: map[string][]string{}, levels: map[string]string{}, state: a.State}
	for id, d := range a.State.Dossiers {
		if d.Status != archive.StatusActive {
			continue
		}
		tr.levels[id] = d.Level
		o, err := a.Read(id)
		if err != nil {
			if archive.CodeOf(err) == archive.Denied {
				tr.unread++
				continue
			}
			w.t.Fatalf("%s reading %s: %v", m, id, err)
		}
		dd, err := archive.ParseDossier(o.Text)
		if err != nil {
			w.t.Fatalf("%s: %v", id, err)
		}
		if dd.IsIndividual() || dd.Customer.Name == "" {
			continue
		}
		k := archive.CustomerKey(dd.Customer.Name)
		tr.byKey[k] = append(tr.byKey[k], id)
	}
	for _, ids := range tr.byKey {
		slices.Sort(ids)
	}
	return tr
}

// holder is the truth's answer to SameCustomer(name, except).
func (tr truth) holder(name, except string) string {
	for _, id := range tr.byKey[archive.CustomerKey(name)] {
		if id != except {
			return id
		}
	}
	return ""
}

// check compares, in each clone and for each member checked, the index's
// answers and SameCustomer's with the truth.
func (w *indexWorld) check(step int) {
	w.t.Helper()
	defer clear(w.actors)
	w.known = map[*fixture]map[string]truth{}
	for _, x := range w.clones() {
		x.settle() // as a journal not written in the last seconds: the cache trusts it
		w.known[x] = w.truths(x)
		// The members whose index may have moved with the step: those who
		// took it (their process follows its own events), and after the
		// clock moved, those who borrow; and one more at random.
		who := []string{w.pick(indexCheckers)}
		for _, m := range indexCheckers {
			if w.actors[m] && !slices.Contains(who, m) {
				who = append(who, m)
			}
		}
		for _, m := range who {
			tr := w.known[x][m]
			a := x.creator(m)
			a.EnableCache(x.cache)
			for _, name := range indexNames {
				unread, ok := a.IndexedMiss(name)
				if !ok {
					w.slow++
					continue
				}
				w.answered++
				if id := tr.holder(name, ""); id != "" || unread != tr.unread {
					w.t.Fatalf("step %d (%s): %s's index says %s has no dossier, %d unread; the truth: %q, %d unread",
						step, w.where(x), m, name, unread, id, tr.unread)
				}
			}
			if w.r.IntN(2) == 0 {
				continue // the index is left as it is: it may stand for an older state
			}
			for _, name := range indexNames {
				got, unread, err := a.SameCustomer(ctx, indexOrg(name), "")
				if err != nil || got != tr.holder(name, "") || unread != tr.unread {
					w.t.Fatalf("step %d (%s): %s's SameCustomer(%s) = %q, %d unread, %v; the truth: %q, %d unread",
						step, w.where(x), m, name, got, unread, err, tr.holder(name, ""), tr.unread)
				}
				if got == "" {
					continue
				}
				other, _, err := a.SameCustomer(ctx, indexOrg(name), got)
				if err != nil || other != tr.holder(name, got) {
					w.t.Fatalf("step %d (%s): %s's SameCustomer(%s) but %s = %q, %v; the truth: %q",
						step, w.where(x), m, name, got, other, err, tr.holder(name, got))
				}
			}
			if err := a.SaveCache(); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

func (w *indexWorld) clones() []*fixture {
	if w.g != nil {
		return []*fixture{w.f, w.g}
	}
	return []*fixture{w.f}
}

func (w *indexWorld) where(x *fixture) string {
	if x == w.g {
		return "the second clone"
	}
	return "the main clone"
}

func indexOrg(name string) *archive.Dossier {
	return &archive.Dossier{Customer: archive.Customer{Name: name}}
}

// indexText is a dossier of the customer named name (a person's when
// person), with a line that makes each text another.
func (w *indexWorld) indexText(name string, person bool) []byte {
	kind := ""
	if person {
		kind = "  kind: 个人\n"
	}
	return fmt.Appendf(nil, "customer:\n  name: %s\n%sowner: 李四\nnotes: 第%d稿\n", name, kind, w.r.IntN(1000))
}

// open opens x as member m as a command would: with the options o of the
// command (the way it reads the snapshot and what the step is about), or
// from the whole journal; with the plaintext cache most times (done saves
// it, as the command does at its end), else without.
func (w *indexWorld) open(x *fixture, m string, o archive.OpenOptions) (a *archive.Archive, done func()) {
	w.t.Helper()
	w.actors[m] = true
	if w.r.IntN(3) == 0 {
		a = x.as(m)
	} else {
		a = x.openAs(m, o)
	}
	if w.r.IntN(5) < 3 {
		a.EnableCache(x.cache)
		if w.r.IntN(2) == 0 {
			// The command reads the customers before its step, as crm
			// import does: the index it keeps is the one its step follows.
			if _, err := a.Customers(ctx); err != nil {
				w.t.Fatal(err)
			}
		}
		return a, func() {
			if err := a.SaveCache(); err != nil {
				w.t.Fatal(err)
			}
		}
	}
	return a, func() {}
}

// The options the commands open with (cmd/crm: oneStep, oneLoanStep, …).
var (
	creates    = archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Creates: true}
	readsAll   = archive.OpenOptions{Snapshot: true}
	stepsOnAll = archive.OpenOptions{Snapshot: true, SnapshotSteps: true}
)

func stepOn(id string) archive.OpenOptions {
	return archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Only: id}
}

func stepOnLoan(id string) archive.OpenOptions {
	return archive.OpenOptions{Snapshot: true, SnapshotSteps: true, OnlyLoan: id}
}

func stepOnRequest(id string) archive.OpenOptions {
	return archive.OpenOptions{Snapshot: true, SnapshotSteps: true, OnlyDestruction: id}
}

// levelsFor are the levels a member of roles reads (the policy's
// default levels).
func levelsFor(m string, roles []string) []string {
	has := func(r string) bool { return slices.Contains(roles, r) }
	switch {
	case has("manager") || has("gm"):
		return []string{"内部", "秘密", "机密", "绝密"}
	case has("supervisor"):
		return []string{"内部", "秘密", "机密"}
	case has("clerk"):
		return []string{"内部", "秘密"}
	}
	return nil
}

// step takes one random step, in the main clone or (while forked) the
// second.
func (w *indexWorld) step(i int) {
	w.t.Helper()
	x := w.f
	if w.g != nil && w.r.IntN(2) == 0 {
		x = w.g
	}
	tr := w.known[x]["zhang"] // the manager reads every level
	// In the order they were made (ids are random): a seed takes the
	// same steps every run.
	ids := slices.DeleteFunc(slices.Clone(w.made), func(id string) bool { return tr.levels[id] == "" })
	if x == w.g {
		// The second clone touches no file the main one may: it creates,
		// renames what it created, and takes steps that write no file.
		ids = slices.DeleteFunc(ids, func(id string) bool { return !w.gMade[id] })
		w.stepApart(i, x, tr, ids)
		return
	}
	n := w.r.IntN(100)
	switch {
	case n < 18:
		w.create(x, tr)
	case n < 22:
		w.createTwice(x, tr)
	case n < 32:
		w.rename(x, tr, ids)
	case n < 40:
		w.setLevel(x, tr, ids)
	case n < 50:
		w.lend(x, tr, ids)
	case n < 55:
		w.giveBack(x, tr)
	case n < 60:
		w.lapse(tr)
	case n < 66:
		w.destroy(x, tr, ids)
	case n < 72:
		w.kept(x, tr, ids)
	case n < 79:
		w.roles(x, tr)
	case n < 84:
		w.did["maintain"]++
		a, done := w.open(x, w.pick([]string{"zhang", "li", "su"}), readsAll)
		a.Maintain(ctx, classify.Period{Days: 14})
		done()
	case n < 92:
		if w.g == nil {
			w.fork()
		} else {
			w.merge()
		}
	default:
		w.kept(x, tr, ids)
	}
}

// stepApart is a step of the second clone.
func (w *indexWorld) stepApart(i int, x *fixture, tr truth, ids []string) {
	switch n := w.r.IntN(10); {
	case n < 4:
		if id := w.create(x, tr); id != "" {
			w.gMade[id] = true
		}
	case n < 6:
		w.rename(x, tr, ids)
	case n < 8 && len(ids) > 0:
		w.kept(x, tr, ids)
	default:
		w.merge()
	}
}

// create is crm new: SameCustomer first, then Create unless the customer
// has a dossier (but for --allow-duplicate, now and then).
func (w *indexWorld) create(x *fixture, tr truth) string {
	m := w.pick([]string{"li", "su", "zhang"})
	levels := levelsFor(m, tr.state.Members[m].Roles)
	if len(levels) == 0 {
		return ""
	}
	a, done := w.open(x, m, creates)
	defer done()
	name := w.pick(indexNames)
	person := w.r.IntN(6) == 0
	text := w.indexText(name, person)
	dd, _ := archive.ParseDossier(text)
	if other, _, err := a.SameCustomer(ctx, dd, ""); err != nil {
		w.t.Fatal(err)
	} else if other != "" && w.r.IntN(4) != 0 {
		w.refused("create refused", err)
		return ""
	}
	id, err := a.Create(text, w.pick(levels))
	if err != nil {
		w.refused("create failed", err)
		return ""
	}
	w.did["create"]++
	w.made = append(w.made, id)
	return id
}

// createTwice is two crm new of one member at the same time, of one
// customer or of two: each looks (SameCustomer), then each creates; the
// second create of the customer the first made is refused under the lock
// (CustomerTakenError), with the customers index kept by the first
// process or without it.
func (w *indexWorld) createTwice(x *fixture, tr truth) {
	m := w.pick([]string{"li", "su", "zhang"})
	levels := levelsFor(m, tr.state.Members[m].Roles)
	if len(levels) == 0 {
		return
	}
	a, doneA := w.open(x, m, creates)
	b, doneB := w.open(x, m, creates)
	nameA, nameB := w.pick(indexNames), w.pick(indexNames)
	switch w.r.IntN(3) {
	case 0: // one customer of the pool, written the same or another way
		nameB = w.pick(slices.DeleteFunc(slices.Clone(indexNames), func(n string) bool { return archive.CustomerKey(n) != archive.CustomerKey(nameA) }))
	case 1: // a customer new to the run (the pool's have dossiers soon)
		n := len(w.made)
		nameA, nameB = fmt.Sprintf("新客户%d号", n), fmt.Sprintf("新客户 %d 号", n)
	}
	textA, textB := w.indexText(nameA, false), w.indexText(nameB, false)
	for _, c := range []struct {
		a    *archive.Archive
		name string
	}{{a, nameA}, {b, nameB}} {
		if other, _, err := c.a.SameCustomer(ctx, indexOrg(c.name), ""); err != nil {
			w.t.Fatal(err)
		} else if other != "" {
			w.did["create twice: taken"]++
			return
		}
	}
	id, err := a.Create(textA, w.pick(levels))
	if err != nil {
		w.t.Fatalf("the first of two creates of %s: %v", nameA, err)
	}
	w.made = append(w.made, id)
	first := w.r.IntN(2) == 0
	if first {
		doneA()
	}
	idB, err := b.Create(textB, w.pick(levels))
	var taken *archive.CustomerTakenError
	switch same := archive.CustomerKey(nameA) == archive.CustomerKey(nameB); {
	case same && !errors.As(err, &taken):
		w.t.Fatalf("two creates of %s and %s at once: the second %q, %v; want refused, %s named", nameA, nameB, idB, err, id)
	case same && taken.Other != id:
		w.t.Fatalf("the second create of %s names %s, want %s", nameB, taken.Other, id)
	case !same && err != nil:
		w.t.Fatalf("two creates of %s and %s at once: the second %v", nameA, nameB, err)
	case !same:
		w.made = append(w.made, idB)
	}
	if !first {
		doneA()
	}
	doneB()
	w.did["create twice"]++
}

// rename is crm edit of a dossier's customer: another name, or a person's
// dossier made an organisation's and back; refused as crm edit refuses it
// when the new customer has another dossier.
func (w *indexWorld) rename(x *fixture, tr truth, ids []string) {
	if len(ids) == 0 {
		return
	}
	id := w.pick(ids)
	var m string
	switch tr.levels[id] {
	case "绝密":
		m = "zhang"
	case "机密":
		m = w.pick([]string{"su", "zhang"})
	default:
		m = w.pick([]string{"li", "su", "zhang"})
	}
	a, done := w.open(x, m, stepOn(id))
	defer done()
	o, err := a.Read(id)
	if err != nil {
		w.refused("rename unread", err)
		return
	}
	text := w.indexText(w.pick(indexNames), w.r.IntN(6) == 0)
	od, _ := archive.ParseDossier(o.Text)
	dd, _ := archive.ParseDossier(text)
	if archive.OtherCustomer(od, dd) && w.r.IntN(8) != 0 {
		if other, _, err := a.SameCustomer(ctx, dd, id); err != nil {
			w.t.Fatal(err)
		} else if other != "" {
			w.refused("rename refused", err)
			return
		}
	}
	if _, _, err := a.Update(id, o.SHA256, o.Text, text); err != nil {
		w.refused("rename failed", err)
		return
	}
	w.did["rename"]++
}

func (w *indexWorld) setLevel(x *fixture, tr truth, ids []string) {
	if len(ids) == 0 {
		return
	}
	id := w.pick(ids)
	a, done := w.open(x, w.pick([]string{"zhang", "zhang", "su"}), stepOn(id))
	defer done()
	if _, err := a.SetLevel(id, w.pick([]string{"内部", "秘密", "机密", "绝密"}), "", "调整"); err != nil {
		w.refused("level refused", err)
		return
	}
	w.did["level"]++
}

// lend is a department manager's loan, approved (for 绝密 twice) or not.
func (w *indexWorld) lend(x *fixture, tr truth, ids []string) {
	if len(ids) == 0 {
		return
	}
	b := w.pick([]string{"zhao", "zhou"})
	id := w.pick(ids)
	a, done := w.open(x, b, stepOn(id))
	l, err := a.BorrowRequest(id, "谈判", 1+w.r.IntN(3))
	done()
	if err != nil {
		w.refused("loan refused", err)
		return
	}
	if b == "zhou" {
		// A sign-off as well (R6.7), which the rules may refuse: the
		// approvals below say whether the loan goes out.
		a, done := w.open(x, "zhou", stepOnLoan(l.ID))
		a.BorrowEndorse(l.ID)
		done()
	}
	for _, approver := range []string{"zhang", "wang"} {
		if w.r.IntN(6) == 0 {
			w.did["loan left waiting"]++
			return
		}
		a, done := w.open(x, approver, stepOnLoan(l.ID))
		_, last, err := a.BorrowApprove(l.ID)
		done()
		if err != nil {
			w.refused("loan approval refused", err)
			return
		}
		if last {
			w.did["loan"]++
			if w.r.IntN(3) == 0 {
				w.lapsesUnreturned(x, l)
			}
			return
		}
	}
}

// giveBack returns a loan that is out, by its borrower.
func (w *indexWorld) giveBack(x *fixture, tr truth) {
	var out []*archive.Loan
	for _, l := range tr.state.SortedLoans() {
		if l.Status() == archive.LoanOut {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return
	}
	l := out[w.r.IntN(len(out))]
	a, done := w.open(x, w.pick([]string{l.Borrower, "zhang"}), stepOnLoan(l.ID))
	defer done()
	if _, err := a.BorrowReturn(l.ID, true, ""); err != nil {
		w.refused("return refused", err)
		return
	}
	w.did["return"]++
}

// lapsesUnreturned is the borrower of loan l looking at a customer (crm
// new, which they may not run to its end) while the loan runs, then the
// clock moving past its due time, with no event between.
func (w *indexWorld) lapsesUnreturned(x *fixture, l *archive.Loan) {
	w.did["time: a loan lapses unreturned"]++
	a := x.creator(l.Borrower)
	a.EnableCache(x.cache)
	if _, _, err := a.SameCustomer(ctx, indexOrg(w.pick(indexNames)), ""); err != nil {
		w.t.Fatal(err)
	}
	if err := a.SaveCache(); err != nil {
		w.t.Fatal(err)
	}
	loan := a.State.Loans[l.ID]
	w.f.now = loan.Due.Add(time.Hour)
	if w.g != nil {
		w.g.now = w.f.now
	}
}

// lapse moves the clock: a day or a few, or past a loan's due time.
func (w *indexWorld) lapse(tr truth) {
	w.did["time"]++
	next := w.f.now.Add(time.Duration(1+w.r.IntN(4)) * 24 * time.Hour)
	for _, l := range tr.state.SortedLoans() {
		if l.Status() == archive.LoanOut && l.Due.After(w.f.now) && w.r.IntN(2) == 0 {
			next = l.Due.Add(time.Hour)
			w.did["time: a loan lapses"]++
			break
		}
	}
	w.actors["zhao"], w.actors["zhou"] = true, true
	w.f.now = next
	if w.g != nil {
		w.g.now = next
	}
}

// destroy asks for a destruction and takes its steps, or only some.
func (w *indexWorld) destroy(x *fixture, tr truth, ids []string) {
	if len(ids) == 0 {
		return
	}
	id := w.pick(ids)
	a, done := w.open(x, w.pick([]string{"li", "su", "zhang"}), stepOn(id))
	r, err := a.DestroyRequest(id, "过期")
	done()
	if err != nil {
		w.refused("destroy refused", err)
		return
	}
	for _, who := range []string{"su", "zhang", "wang"} {
		if w.r.IntN(8) == 0 {
			w.did["destroy left waiting"]++
			return
		}
		a, done := w.open(x, who, stepOnRequest(r.ID))
		_, err := a.DestroyApprove(r.ID)
		done()
		if err != nil {
			w.refused("destroy approval refused", err)
			return
		}
	}
	a, done = w.open(x, "zhang", stepOnRequest(r.ID))
	defer done()
	if _, err := a.DestroyExecute(r.ID, []string{"li", "su"}, ""); err != nil {
		w.refused("destroy execute refused", err)
		return
	}
	w.did["destroy"]++
}

// kept takes a step of a kind that changes no customer: a review (核定),
// a credit class, a tier, a hold or its release.
func (w *indexWorld) kept(x *fixture, tr truth, ids []string) {
	if len(ids) == 0 {
		return
	}
	id := w.pick(ids)
	var err error
	switch n := w.r.IntN(4); n {
	case 0:
		m := "zhang"
		if tr.levels[id] != "绝密" {
			m = w.pick([]string{"su", "zhang"})
		}
		a, done := w.open(x, m, stepOn(id))
		_, err = a.ReviewDone(id, "核定无误")
		done()
		w.did["review"]++
	case 1:
		a, done := w.open(x, w.pick([]string{"su", "zhang"}), stepOn(id))
		_, _, err = a.SetCredit(id, w.pick([]string{"A", "B", "C", "D"}), "调查")
		done()
		w.did["credit"]++
	case 2:
		a, done := w.open(x, w.pick([]string{"su", "zhang"}), stepOn(id))
		_, _, err = a.SetTier(id, w.pick([]string{"重点", "普通", "潜在"}), "调整")
		done()
		w.did["tier"]++
	default:
		if x == w.g {
			return
		}
		a, done := w.open(x, "zhang", stepOn(id))
		err = a.SetHold(id, tr.state.Dossiers[id].Hold == nil && w.r.IntN(3) == 0, "诉讼")
		done()
		w.did["hold"]++
	}
	if err != nil {
		w.refused("kept refused", err)
	}
}

// roles gives li the supervisor's role or takes it, or su the manager's; a manager (zhang, or su while one) does it, su to
// themself too: a step that changes what its own writer reads.
func (w *indexWorld) roles(x *fixture, tr truth) {
	m, by := w.pick([]string{"li", "su"}), "zhang"
	if slices.Contains(tr.state.Members["su"].Roles, "manager") && w.r.IntN(2) == 0 {
		m, by = "su", "su" // su's own roles: what su reads changes with su's own step
		w.did["roles: su's own"]++
	}
	roles := tr.state.Members[m].Roles
	extra := map[string]string{"li": "supervisor", "su": "manager"}[m]
	if slices.Contains(roles, extra) {
		roles = slices.DeleteFunc(slices.Clone(roles), func(r string) bool { return r == extra })
	} else {
		roles = append(slices.Clone(roles), extra)
	}
	a, done := w.open(x, by, stepsOnAll)
	if by == m {
		// su's index made just before (crm new, say) and followed
		// through su's own step, or not: the case that matters here.
		a, done = x.openAs(by, stepsOnAll), func() {}
		if w.r.IntN(4) != 0 {
			a.EnableCache(x.cache)
			if _, err := a.Customers(ctx); err != nil {
				w.t.Fatal(err)
			}
			done = func() { a.SaveCache() }
		}
	}
	defer done()
	if err := a.SetRoles(ctx, m, roles); err != nil {
		w.refused("roles refused", err)
		return
	}
	w.did["roles"]++
}

// fork makes the second clone, as git clone does.
func (w *indexWorld) fork() {
	w.did["fork"]++
	w.base = filepath.Join(w.t.TempDir(), "base")
	copyTree(w.t, w.f.dir, w.base)
	w.g = w.f.clone()
	w.gMade = map[string]bool{}
}

// merge pulls the second clone into the main one, and drops it.
func (w *indexWorld) merge() {
	if w.g == nil {
		return
	}
	w.did["merge"]++
	w.f.pull(w.g, w.base)
	w.g = nil
	os.RemoveAll(w.base)
}

// A member's own step that changes what they read (here su, a manager
// too, giving up the manager's role: 绝密 is no longer theirs) leaves
// their customers index behind, though their process followed it: the
// slow way then counts the 绝密 dossier unread.
func TestCustomersIndexLeftBehindByOwnRoles(t *testing.T) {
	f := newFixture(t)
	if err := f.as("zhang").SetRoles(ctx, "su", []string{"supervisor", "manager"}); err != nil {
		t.Fatal(err)
	}
	f.createAs("zhang", "customer:\n  name: 绝密公司\nowner: 张三\n", "绝密")
	f.createAs("li", "customer:\n  name: 甲公司\nowner: 李四\n", "秘密")
	a := f.openAs("su", stepsOnAll)
	a.EnableCache(f.cache)
	if got, unread, err := a.SameCustomer(ctx, indexOrg("乙公司"), ""); got != "" || unread != 0 || err != nil {
		t.Fatalf("乙公司 as a manager: %q, %d unread, %v", got, unread, err)
	}
	err := a.SetRoles(ctx, "su", []string{"supervisor"})
	if err != nil && archive.CodeOf(err) != archive.Unfinished {
		t.Fatal(err)
	}
	if err := a.SaveCache(); err != nil {
		t.Fatal(err)
	}
	b := f.creator("su")
	b.EnableCache(f.cache)
	if unread, ok := b.IndexedMiss("乙公司"); ok {
		t.Fatalf("the index followed su's own change of roles: %d unread", unread)
	}
	if got, unread, err := b.SameCustomer(ctx, indexOrg("乙公司"), ""); got != "" || unread != 1 || err != nil {
		t.Fatalf("乙公司 as a supervisor: %q, %d unread, %v; want none, 1 unread", got, unread, err)
	}
}
