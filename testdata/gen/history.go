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
	Seed                                 uint64
}

// TenYears is a department's ten years at the scale of issue "Scale":
// 100,000 dossiers and about a million events.
var TenYears = Options{Dossiers: 100_000, Years: 10, Edits: 2, Reviews: 6, Loans: 0.1, Classified: 0.1, Credits: 0.2, Destroys: 0.01}

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
// manager, two supervisors, three clerks, the gm and a dept_manager of
// 市场部. It works in one Bulk (one lock, files synced at the end).
func BuildHistory(dir string, o Options) (*History, error) {
	if o.Years < 1 {
		o.Years = 1
	}
	end := o.End
	if end.IsZero() {
		end = time.Date(2026, 11, 15, 1, 0, 0, 0, time.UTC)
	}
	start := end.AddDate(-o.Years, 0, 0)
	r := rand.New(rand.NewPCG(o.Seed, 7))
	h := &History{Keys: map[string]*archive.Identity{}}
	members := []struct{ id, name, role, dept string }{
		{"manager", "张经理", "manager", ""}, {"super", "李主管", "supervisor", ""}, {"super2", "钱主管", "supervisor", ""},
		{"clerk", "王专员", "clerk", ""}, {"clerk2", "周专员", "clerk", ""}, {"clerk3", "吴专员", "clerk", ""},
		{"gm", "赵总", "gm", ""}, {"sun", "孙经理", "dept_manager", "市场部"},
	}
	for _, m := range members {
		_, id, err := archive.GenerateIdentityText(false, start)
		if err != nil {
			return nil, err
		}
		h.Keys[m.id] = id
	}
	ctx := context.Background()
	a, err := archive.Init(ctx, dir, h.Keys["manager"], archive.InitOptions{Founder: archive.Member{ID: "manager", Name: "张经理"}}, func() time.Time { return start })
	if err != nil {
		return nil, err
	}
	h.Archive = a
	for _, m := range members[1:] {
		k := h.Keys[m.id]
		if err := a.AddMember(ctx, archive.Member{ID: m.id, Name: m.name, Roles: []string{m.role}, Department: m.dept, Recipient: k.Recipient, SigningKey: k.SigningKey}); err != nil {
			return nil, err
		}
	}
	span := end.Sub(start)
	at := func(from time.Time) time.Time {
		if !from.Before(end) {
			return end
		}
		return from.Add(time.Duration(r.Int64N(int64(end.Sub(from)))))
	}
	as := func(m string) error { return a.SetIdentity(h.Keys[m]) }
	clerks := []string{"clerk", "clerk2", "clerk3"}
	// Who may read and write a level (the default policy): clerks up to
	// 秘密, supervisors up to 机密, the manager everything.
	writer := func(level string) string {
		switch level {
		case "绝密":
			return "manager"
		case "机密":
			return "super"
		}
		return clerks[r.IntN(len(clerks))]
	}
	reviewer := func(level string) string {
		switch level {
		case "绝密":
			return ""
		case "机密":
			return "super2"
		}
		return clerks[r.IntN(len(clerks))]
	}
	var steps []step
	ids := make([]string, o.Dossiers)
	levels := make([]string, o.Dossiers)
	for i := range o.Dossiers {
		created := start.Add(time.Duration(float64(span) * 0.95 * float64(i) / float64(max(o.Dossiers, 1))))
		levels[i] = level(i)
		w := writer(levels[i])
		steps = append(steps, step{created, func() error {
			if err := as(w); err != nil {
				return err
			}
			id, err := a.Create(DossierText(i), levels[i])
			ids[i] = id
			return err
		}})
		for e := range poisson(r, o.Edits) {
			steps = append(steps, step{at(created.Add(time.Hour)), func() error {
				if ids[i] == "" || a.State.Dossiers[ids[i]].Status != archive.StatusActive {
					return nil
				}
				if err := as(writer(levels[i])); err != nil {
					return err
				}
				op, err := a.Read(ids[i])
				if err != nil {
					return err
				}
				_, _, err = a.Update(ids[i], op.SHA256, op.Text, append(append([]byte{}, op.Text...), fmt.Sprintf("# 第%d次补充\n", e+1)...))
				return err
			}})
		}
		if levels[i] != "绝密" {
			for range poisson(r, o.Reviews) {
				steps = append(steps, step{at(created.Add(time.Hour)), func() error {
					rv := reviewer(levels[i])
					if rv == "" || ids[i] == "" || a.State.Dossiers[ids[i]] == nil || a.State.Dossiers[ids[i]].Status != archive.StatusActive {
						return nil
					}
					if err := as(rv); err != nil {
						return err
					}
					_, err := a.ReviewDone(ids[i], "资料核对无误")
					return skipRefused(err)
				}})
			}
		}
		if r.Float64() < o.Credits {
			steps = append(steps, step{at(created.Add(time.Hour)), func() error {
				if err := as("super"); err != nil {
					return err
				}
				_, _, err := a.SetCredit(ids[i], []string{"A", "B", "C", "D"}[i%4], "年度信用复核")
				return skipRefused(err)
			}})
		}
		if levels[i] == "秘密" && r.Float64() < o.Classified {
			steps = append(steps, step{at(created.Add(time.Hour)), func() error {
				if err := as("manager"); err != nil {
					return err
				}
				_, err := a.SetLevel(ids[i], "机密", "", "重要业务往来 (R7.2.3)")
				if err == nil {
					levels[i] = "机密"
				}
				return skipRefused(err)
			}})
		}
		if levels[i] != "绝密" && r.Float64() < o.Loans {
			out := at(created.Add(time.Hour))
			steps = append(steps, step{out, func() error { return loan(a, as, ids[i]) }})
		}
		if r.Float64() < o.Destroys {
			steps = append(steps, step{at(created.Add(24 * time.Hour)), func() error { return destroy(a, as, ids[i]) }})
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	n0 := len(a.State.Journal.Events)
	err = a.Bulk(func() error {
		for _, s := range steps {
			a.SetClock(s.at)
			if err := s.do(); err != nil {
				return fmt.Errorf("step at %s: %w", s.at.Format(time.RFC3339), err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.SetClock(end)
	h.IDs = ids
	h.Events = len(a.State.Journal.Events) - n0
	return h, nil
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
