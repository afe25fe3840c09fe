package gen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"crm/archive"
)

// Options describe a synthetic history: a department's years of work on
// its dossiers, every step taken through the archive's own API (so every
// event is signed, checked and replayable exactly as the tool writes it),
// in the order of time.
type Options struct {
	Dossiers int       // dossiers created over the years
	Years    int       // length of the history (at least 1)
	End      time.Time // the history ends here (zero: 2026-11-15)
	// Per dossier, on average: content edits, 核定 (quarterly reviews),
	// and the share of dossiers that are borrowed, reclassified, given a
	// credit class, or destroyed.
	Edits, Reviews                       float64
	Loans, Classified, Credits, Destroys float64
	// Leaver: a fourth clerk works the first 30% of the years, then
	// leaves (member remove): ten years of a department have leavers,
	// and a replay treats their steps apart (a second pass, unless every
	// step of theirs comes before their removal).
	Leaver bool
	Seed   uint64
}

// TenYears is a department's ten years at the scale of issue "Scale":
// 100,000 dossiers and a million events (about ten a dossier: with 6 核定
// a dossier it made 894,000).
var TenYears = Options{Dossiers: 100_000, Years: 10, Edits: 2, Reviews: 7.5, Loans: 0.1, Classified: 0.1, Credits: 0.2, Destroys: 0.01, Leaver: true}

// History is a generated archive with its members' identities.
type History struct {
	Archive *archive.Archive
	Keys    map[string]*archive.Identity // member id → identity
	IDs     []string                     // dossier ids, in creation order
	Events  int                          // events written
}

type step struct {
	at time.Time
	do func() error
}

// BuildHistory writes the history of o into a new archive in dir. Members:
// manager, two supervisors, three clerks (four until the leaver leaves),
// the gm and a dept_manager of 市场部. It works in one Bulk (one lock,
// files synced at the end).
func BuildHistory(dir string, o Options) (*History, error) {
	if o.Years < 1 {
		o.Years = 1
	}
	b := &builder{o: o, end: o.End, h: &History{Keys: map[string]*archive.Identity{}}}
	if b.end.IsZero() {
		b.end = time.Date(2026, 11, 15, 1, 0, 0, 0, time.UTC)
	}
	b.start = b.end.AddDate(-o.Years, 0, 0)
	b.r = rand.New(rand.NewPCG(o.Seed, 7))
	if err := b.members(dir); err != nil {
		return nil, err
	}
	if o.Leaver {
		b.leaves = b.start.Add(time.Duration(float64(b.end.Sub(b.start)) * 0.3))
		b.add(b.leaves, func() error {
			if err := b.as("manager"); err != nil {
				return err
			}
			return b.a.RemoveMemberBecause(context.Background(), leaver, "离职")
		})
	}
	b.ids = make([]string, o.Dossiers)
	b.levels = make([]string, o.Dossiers)
	b.texts = make([][]byte, o.Dossiers)
	for i := range o.Dossiers {
		b.plan(i)
	}
	sort.SliceStable(b.steps, func(i, j int) bool { return b.steps[i].at.Before(b.steps[j].at) })
	a := b.a
	n0 := len(a.State.Journal.Events)
	err := a.Bulk(func() error {
		for _, s := range b.steps {
			a.SetClock(s.at)
			b.now = s.at
			if err := s.do(); err != nil {
				return fmt.Errorf("step at %s: %w", s.at.Format(time.RFC3339), err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.SetClock(b.end)
	b.h.IDs = b.ids
	b.h.Events = len(a.State.Journal.Events) - n0
	return b.h, nil
}

// builder is one BuildHistory: the archive, the random source, and the
// steps planned, each to be taken at its time.
type builder struct {
	o          Options
	start, end time.Time
	r          *rand.Rand
	h          *History
	a          *archive.Archive
	ids        []string // dossier ids, once created
	levels     []string // each dossier's level as the history has it
	texts      [][]byte // each dossier's text as last written
	steps      []step
	now        time.Time // the time of the step being taken
	leaves     time.Time // when the leaver is removed (zero: no leaver)
}

var clerks = []string{"clerk", "clerk2", "clerk3"}

// leaver is the clerk who leaves (Options.Leaver).
const leaver = "clerk4"

// clerk is a clerk at work at time t: the leaver too, before they leave.
func (b *builder) clerk(t time.Time) string {
	if !b.leaves.IsZero() && t.Before(b.leaves) {
		if k := b.r.IntN(len(clerks) + 1); k < len(clerks) {
			return clerks[k]
		}
		return leaver
	}
	return clerks[b.r.IntN(len(clerks))]
}

// members creates the archive with its eight members.
func (b *builder) members(dir string) error {
	members := []struct{ id, name, role, dept string }{
		{"manager", "张经理", "manager", ""}, {"super", "李主管", "supervisor", ""}, {"super2", "钱主管", "supervisor", ""},
		{"clerk", "王专员", "clerk", ""}, {"clerk2", "周专员", "clerk", ""}, {"clerk3", "吴专员", "clerk", ""},
		{"gm", "赵总", "gm", ""}, {"sun", "孙经理", "dept_manager", "市场部"},
	}
	if b.o.Leaver {
		members = append(members, struct{ id, name, role, dept string }{leaver, "郑专员", "clerk", ""})
	}
	for _, m := range members {
		_, id, err := archive.GenerateIdentityText(false, b.start)
		if err != nil {
			return err
		}
		b.h.Keys[m.id] = id
	}
	ctx := context.Background()
	a, err := archive.Init(ctx, dir, b.h.Keys["manager"], archive.InitOptions{Founder: archive.Member{ID: "manager", Name: "张经理"}}, func() time.Time { return b.start })
	if err != nil {
		return err
	}
	b.a, b.h.Archive = a, a
	for _, m := range members[1:] {
		k := b.h.Keys[m.id]
		if err := a.AddMember(ctx, archive.Member{ID: m.id, Name: m.name, Roles: []string{m.role}, Department: m.dept, Recipient: k.Recipient, SigningKey: k.SigningKey()}); err != nil {
			return err
		}
	}
	return nil
}

// at is a random time between from and the end.
func (b *builder) at(from time.Time) time.Time {
	if !from.Before(b.end) {
		return b.end
	}
	return from.Add(time.Duration(b.r.Int64N(int64(b.end.Sub(from)))))
}

func (b *builder) as(m string) error { return b.a.SetIdentity(b.h.Keys[m]) }

// writer is who writes a dossier of the level at time t (the default
// policy): clerks up to 秘密, supervisors up to 机密, the manager
// everything.
func (b *builder) writer(level string, t time.Time) string {
	switch level {
	case "绝密":
		return "manager"
	case "机密":
		return "super"
	}
	return b.clerk(t)
}

// reviewer is who records a 核定 of the level at time t ("" for 绝密:
// nobody).
func (b *builder) reviewer(level string, t time.Time) string {
	switch level {
	case "绝密":
		return ""
	case "机密":
		return "super2"
	}
	return b.clerk(t)
}

func (b *builder) add(at time.Time, do func() error) { b.steps = append(b.steps, step{at, do}) }

// active reports whether dossier i exists and is not destroyed.
func (b *builder) active(i int) bool {
	d := b.a.State.Dossiers[b.ids[i]]
	return b.ids[i] != "" && d != nil && d.Status == archive.StatusActive
}

// plan adds the steps of dossier i's life: its creation, then edits,
// reviews, a credit class, a reclassification, a loan and a destruction,
// each as likely as the options say.
func (b *builder) plan(i int) {
	span := b.end.Sub(b.start)
	created := b.start.Add(time.Duration(float64(span) * 0.95 * float64(i) / float64(max(b.o.Dossiers, 1))))
	b.levels[i] = level(i)
	w := b.writer(b.levels[i], created)
	b.add(created, func() error {
		if err := b.as(w); err != nil {
			return err
		}
		text := DossierText(i)
		id, err := b.a.Create(text, b.levels[i])
		b.ids[i], b.texts[i] = id, text
		return err
	})
	for e := range poisson(b.r, b.o.Edits) {
		b.add(b.at(created.Add(time.Hour)), func() error { return b.edit(i, e) })
	}
	if b.levels[i] != "绝密" {
		for range poisson(b.r, b.o.Reviews) {
			b.add(b.at(created.Add(time.Hour)), func() error { return b.review(i) })
		}
	}
	if b.r.Float64() < b.o.Credits {
		b.add(b.at(created.Add(time.Hour)), func() error { return b.credit(i) })
	}
	if b.levels[i] == "秘密" && b.r.Float64() < b.o.Classified {
		b.add(b.at(created.Add(time.Hour)), func() error { return b.classify(i) })
	}
	if b.levels[i] != "绝密" && b.r.Float64() < b.o.Loans {
		b.add(b.at(created.Add(time.Hour)), func() error { return loan(b.a, b.as, b.ids[i]) })
	}
	if b.r.Float64() < b.o.Destroys {
		b.add(b.at(created.Add(24*time.Hour)), func() error { return destroy(b.a, b.as, b.ids[i]) })
	}
}

// edit appends a line to dossier i, as its level's writer. The text it
// starts from is the one the builder last wrote (only edits change it), and
// the file it replaces the one the journal pins: reading the file back
// would decrypt what this process has just encrypted.
func (b *builder) edit(i, e int) error {
	if b.ids[i] == "" || b.a.State.Dossiers[b.ids[i]].Status != archive.StatusActive {
		return nil
	}
	if err := b.as(b.writer(b.levels[i], b.now)); err != nil {
		return err
	}
	old := b.texts[i]
	text := append(append(make([]byte, 0, len(old)+32), old...), fmt.Sprintf("# 第%d次补充\n", e+1)...)
	_, changed, err := b.a.Update(b.ids[i], b.a.State.Dossiers[b.ids[i]].SHA256, old, text)
	if changed {
		b.texts[i] = text
	}
	return err
}

// review records a 核定 of dossier i by a reader of its level.
func (b *builder) review(i int) error {
	rv := b.reviewer(b.levels[i], b.now)
	if rv == "" || !b.active(i) {
		return nil
	}
	if err := b.as(rv); err != nil {
		return err
	}
	_, err := b.a.ReviewDone(b.ids[i], "资料核对无误")
	return skipRefused(err)
}

// credit sets dossier i's credit class, as a supervisor.
func (b *builder) credit(i int) error {
	if err := b.as("super"); err != nil {
		return err
	}
	_, _, err := b.a.SetCredit(b.ids[i], []string{"A", "B", "C", "D"}[i%4], "年度信用复核")
	return skipRefused(err)
}

// classify raises dossier i from 秘密 to 机密, as the manager.
func (b *builder) classify(i int) error {
	if err := b.as("manager"); err != nil {
		return err
	}
	_, err := b.a.SetLevel(b.ids[i], "机密", "", "重要业务往来 (R7.2.3)")
	if err == nil {
		b.levels[i] = "机密"
	}
	return skipRefused(err)
}

// loan is one borrowing of dossier id by 孙经理: request, approval,
// return (each step re-encrypting the file as the tool does).
func loan(a *archive.Archive, as func(string) error, id string) error {
	if id == "" || a.State.Dossiers[id] == nil || a.State.Dossiers[id].Status != archive.StatusActive || a.State.Dossiers[id].OnLoan() {
		return nil
	}
	if err := as("sun"); err != nil {
		return err
	}
	l, err := a.BorrowRequest(id, "合同续签前核对", 3)
	if err != nil {
		return skipRefused(err)
	}
	if err := as("manager"); err != nil {
		return err
	}
	if _, _, err := a.BorrowApprove(l.ID); err != nil {
		return skipRefused(err)
	}
	_, err = a.BorrowReturn(l.ID, true, "")
	return skipRefused(err)
}

// destroy runs a destruction through the whole chain (R6.10).
func destroy(a *archive.Archive, as func(string) error, id string) error {
	if id == "" || a.State.Dossiers[id] == nil || a.State.Dossiers[id].Status != archive.StatusActive || a.State.Dossiers[id].OnLoan() {
		return nil
	}
	if err := as("clerk"); err != nil {
		return err
	}
	d, err := a.DestroyRequest(id, "客户已注销")
	if err != nil {
		return skipRefused(err)
	}
	for _, m := range []string{"super", "manager", "gm"} {
		if err := as(m); err != nil {
			return err
		}
		if _, err := a.DestroyApprove(d.ID); err != nil {
			return skipRefused(err)
		}
	}
	if err := as("manager"); err != nil {
		return err
	}
	_, err = a.DestroyExecute(d.ID, []string{"super", "clerk"}, "")
	return skipRefused(err)
}

// skipRefused lets the history go on past a step the rules refuse (a
// review twice in a quarter is fine; a loan of a dossier that was
// reclassified meanwhile may be refused): only I/O and integrity errors
// stop the generator.
func skipRefused(err error) error {
	if err == nil || archive.CodeOf(err) == archive.Integrity {
		return err
	}
	var ae *archive.Error
	if ok := asArchiveError(err, &ae); ok {
		return nil
	}
	return err
}

func asArchiveError(err error, target **archive.Error) bool {
	for err != nil {
		if e, ok := err.(*archive.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// poisson draws how many times something with the given mean happens.
func poisson(r *rand.Rand, mean float64) int {
	n := int(mean)
	if r.Float64() < mean-float64(n) {
		n++
	}
	return n
}
