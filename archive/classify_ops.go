package archive

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"crm/archive/work"
	"crm/classify"
	"crm/l10n"
)

// Payloads of the classification events (R7.2, R8). Dates are YYYY-MM-DD.
type (
	// DossierClassify records a change of level by a person, with the
	// new secrecy period.
	DossierClassify struct {
		OldLevel string `yaml:"old_level" json:"old_level"`
		Level    string `yaml:"level" json:"level"`
		Reason   string `yaml:"reason" json:"reason"`
		SetOn    string `yaml:"set_on,omitempty" json:"set_on,omitempty"`
		Period   string `yaml:"period,omitempty" json:"period,omitempty"`
		Expires  string `yaml:"expires,omitempty" json:"expires,omitempty"`
		File     `yaml:",inline"`
	}
	// DossierDeclassify records that the secrecy period ran out (R7.2.4).
	DossierDeclassify struct {
		OldLevel string `yaml:"old_level" json:"old_level"`
		Level    string `yaml:"level" json:"level"`
		Expired  string `yaml:"expired" json:"expired"`
		File     `yaml:",inline"`
	}
	// DossierCredit overrides the credit class (R8).
	DossierCredit struct {
		OldClass string `yaml:"old_class,omitempty" json:"old_class,omitempty"`
		Class    string `yaml:"class" json:"class"`
		Reason   string `yaml:"reason" json:"reason"`
		// Reviews, set when the decision keeps the class in force for
		// a visit's change in credit that awaited review (R8,
		// CreditReview); absent from every other, and from those
		// written before it existed.
		Reviews *CreditReview `yaml:"reviews,omitempty" json:"reviews,omitempty"`
	}
	// DossierTier overrides the tier (重点/普通/潜在).
	DossierTier struct {
		OldTier string `yaml:"old_tier,omitempty" json:"old_tier,omitempty"`
		Tier    string `yaml:"tier" json:"tier"`
		Reason  string `yaml:"reason" json:"reason"`
	}
)

// markPeriod is the secrecy period of a marking of level name: period
// (--period) when given, else the policy's for the level. The level a
// dossier drops to when its period runs out (内部) is not a secret level
// and is not declassified again (R7.2.4): a period with an end for it
// would show an expiry that never comes, and list --expiring-within would
// name the dossier for ever, so it is refused.
func (p *Policy) markPeriod(name, period string) (classify.Period, error) {
	if period == "" {
		return p.LevelPeriod(name), nil
	}
	per, err := classify.ParsePeriod(period)
	if err != nil {
		return per, usageErr("period", err)
	}
	if name == p.DeclassifiedLevel() && per.Ends() {
		return per, usageErr("period", l10n.Errorf("%s is the level a dossier drops to when its secrecy period runs out (R7.2.4): it has no secrecy period of its own; leave the period out, or give 长期", name))
	}
	return per, nil
}

// reclassifyBlocked returns why d's level may not change now, or nil.
func reclassifyBlocked(d *DossierState) error {
	if d.OnLoan() {
		return failErr(l10n.Errorf("dossier %s is on loan: its level cannot change until it is returned (R7.1)", d.ID), NextLoans, "")
	}
	if d.OnHold() {
		return failErr(l10n.Errorf("dossier %s is under a legal hold: its level cannot change until it is released", d.ID), NextRelease, d.ID)
	}
	return nil
}

func (x *DossierClassify) check(c *step) error {
	if c.p.Level(x.Level) == nil {
		return problemf("unknown level %q", x.Level)
	}
	if need := c.p.ClassifyRoles(c.d.Level, x.Level); !c.actor.HasRole(need...) {
		return rolesErr(c.p, classifyWhat(c.p, c.d.Level, x.Level), c.actor, need)
	}
	if strings.TrimSpace(x.Reason) == "" {
		return missingErr("reason", problemf("%s without a reason", kindWord(c.e.Kind)))
	}
	if err := reclassifyBlocked(c.d); err != nil {
		return err
	}
	return c.checkMarking(x.Level, x.SetOn, x.Period, x.Expires)
}

// checkMarking checks the marking a creation or a change of level
// records (R7.2.4): a level of the policy, the day it was set and its
// secrecy period, and the expiry they give. The step writes a file of
// that level.
func (c *step) checkMarking(level, setOn, period, expires string) error {
	if c.p.Level(level) == nil {
		return problemf("unknown level %q", level)
	}
	m, err := levelDates(c.p, level, setOn, period, c.e.Time)
	if err != nil {
		return err
	}
	if err := checkExpires(m, expires); err != nil {
		return err
	}
	c.level, c.fileRequired = level, true
	return nil
}

// classifyWhat names a change of level from one level to another.
func classifyWhat(p *Policy, from, to string) l10n.Phrase {
	if top := p.TopLevel(); from == top || to == top {
		return l10n.Textf("raising a dossier to or lowering it from %s", top)
	}
	return l10n.Word("changing a dossier's level")
}

// levelBefore is the level d has at t by R7.2.4, before a change of
// level at t: the recorded level, or the declassified level (内部) once its
// secrecy period has run out, though no dossier.declassify recorded it yet.
// A dossier marked again after its period ran out is raised from 内部,
// not "confirmed" at the level it no longer had.
func levelBefore(p *Policy, d *DossierState, t time.Time) string {
	if low := p.DeclassifiedLevel(); d.Level != low && classify.Expired(d.LevelSetOn, d.Period, t.In(p.Location())) {
		return low
	}
	return d.Level
}

func (x *DossierClassify) apply(c *step) {
	m, _ := levelDates(c.p, x.Level, x.SetOn, x.Period, c.e.Time)
	from := levelBefore(c.p, c.d, c.e.Time)
	c.d.setLevel(m)
	kind := ChangeConfirm
	switch r, o := c.p.LevelRank(x.Level), c.p.LevelRank(from); {
	case r > o:
		kind = ChangeRaise
	case r < o:
		kind = ChangeLower
	}
	c.s.Changes = append(c.s.Changes, Change{At: c.e.Time, Dossier: c.d.ID, Kind: kind, From: from, To: x.Level,
		Period: m.Period.String(), Expires: fmtDate(m.Expires), Reason: x.Reason, By: c.e.Actor, ApprovedBy: c.e.Actor})
}

func (x *DossierDeclassify) check(c *step) error {
	d := c.d
	if d.Expires.IsZero() {
		return problemf("dossier %s declassified before its secrecy period ran out (expires %s)", d.ID, "-")
	}
	// Clocks only bound (FORMAT.md, "Time"): a declassification is dated
	// no earlier than the moment the period ran out, by the one definition
	// maintain, the register and the yearly count use (Policy.RunsOut). A
	// clock ahead or forged by hours would otherwise declassify early.
	if from, zone := c.declassifyFrom(d.Expires); c.e.Time.Before(from) {
		return problemf("dossier %s declassified before its secrecy period ran out: dated %s, but the period that expires %s ran out at %s (00:00 in %s); the clock that wrote it was ahead or forged", d.ID, fmtUTC(c.e.Time), fmtDate(d.Expires), fmtUTC(from), zone)
	}
	if want := c.p.DeclassifiedLevel(); x.Level != want {
		return problemf("%s to %q: an expired dossier drops to %s", kindWord(c.e.Kind), x.Level, want)
	}
	c.level, c.fileRequired = x.Level, true
	return nil
}

// declassifyFrom is the earliest a dossier.declassify of a secrecy period
// whose expiry day is exp may be dated at this place of the journal, and
// the zone it is midnight in. Under the policy the journal recorded here
// (the one replayed under: written under it), that is Policy.RunsOut.
// An event written under an earlier policy was dated by that policy's
// zone, which the journal does not record (policy.update keeps only a
// hash), and a change of zone makes no old event wrong (FORMAT.md): its
// bound is the day's start in the easternmost zone, UTC+14, as for the
// other dates an event records (sameDay).
func (c *step) declassifyFrom(exp time.Time) (time.Time, string) {
	if c.p.sha != "" && c.p.sha == c.s.PolicySHA256 {
		return c.p.RunsOut(exp), c.p.Location().String()
	}
	return exp.Add(-zoneEast), "UTC+14"
}

func (x *DossierDeclassify) apply(c *step) {
	d := c.d
	from, expired := d.Level, d.Expires
	d.setLevel(LevelMark{At: c.e.Time, Level: x.Level, SetOn: expired, Period: classify.Period{Long: true}, Declassified: true})
	c.s.Changes = append(c.s.Changes, Change{At: c.e.Time, Dossier: d.ID, Kind: ChangeDeclassify, From: from, To: x.Level,
		Expired: fmtDate(expired), By: c.e.Actor})
}

func (x *DossierCredit) check(c *step) error {
	if _, err := classify.ParseCreditClass(x.Class); err != nil {
		return usageErr("credit", err)
	}
	if err := x.checkKeep(c); err != nil {
		return err
	}
	return c.judgesContent(l10n.Word("setting a credit class"))
}

// judgesContent refuses a step that judges what a dossier says (its
// credit class, its tier: R8, from its credit survey and trading record)
// to a member who may not read it at that point: a class set blind is
// no judgement, and the old class it records could not be known.
func (c *step) judgesContent(what l10n.Phrase) error { return judgesContent(c.s, c.d, c.actor, what) }

// judgesContent is step.judgesContent of dossier d in state s for actor:
// also what a batch checks of every dossier before it writes any
// (ClassifyMany).
func judgesContent(s *State, d *DossierState, actor *Member, what l10n.Phrase) error {
	if d == nil || slices.Contains(s.ExpectedRecipients(d), actor.ID) {
		return nil
	}
	return &Error{Code: Denied, Actor: actor.ID, Err: l10n.Errorf("%s of dossier %s judges what it says, which %s may not read (level %s)", what, d.ID, actor.ID, d.Level)}
}

func (x *DossierCredit) apply(c *step) {
	d := c.d
	d.Credit, d.CreditReason = x.Class, x.Reason
	d.Credits = append(d.Credits, Mark{At: c.e.Time, Value: x.Class, Old: x.OldClass, Reason: x.Reason, By: c.e.Actor, Reviewed: x.Reviews})
	c.s.Changes = append(c.s.Changes, Change{At: c.e.Time, Dossier: d.ID, Kind: ChangeCredit, From: x.OldClass, To: x.Class, Reason: x.Reason, By: c.e.Actor, ApprovedBy: c.e.Actor})
}

func (x *DossierTier) check(c *step) error {
	if _, err := classify.ParseTier(x.Tier); err != nil {
		return usageErr("tier", err)
	}
	return c.judgesContent(l10n.Word("setting a tier"))
}

func (x *DossierTier) apply(c *step) {
	d := c.d
	d.Tier, d.TierReason = x.Tier, x.Reason
	d.Tiers = append(d.Tiers, Mark{At: c.e.Time, Value: x.Tier, Old: x.OldTier, Reason: x.Reason, By: c.e.Actor})
	c.s.Changes = append(c.s.Changes, Change{At: c.e.Time, Dossier: d.ID, Kind: ChangeTier, From: x.OldTier, To: x.Tier, Reason: x.Reason, By: c.e.Actor, ApprovedBy: c.e.Actor})
}

// LevelChange is the outcome of SetLevel.
type LevelChange struct {
	ID       string
	OldLevel string
	Level    string
	Period   classify.Period
	SetOn    time.Time
	Expires  time.Time // zero for a period without end
	Changed  bool      // false: the dossier already had this level and period; nothing written
}

func needReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return missingErr("reason", l10n.Errorf("say why the classification changes (it is journaled)"))
	}
	return nil
}

// SetLevel changes dossier id's secrecy level (R7.2): level and reason are
// required; period is the secrecy period ("" for the policy's default for
// the level). The dossier is re-encrypted to the new level's readers, so
// readers lose access on a raise and gain it on a lowering, and
// dossier.classify is journaled. Who may is permissions.classify, and
// permissions.classify_top_secret for raising to or lowering from the top
// level. It is refused while the dossier is on loan or on legal hold.
func (a *Archive) SetLevel(id, level, period, reason string) (*LevelChange, error) {
	if err := a.checkID(id); err != nil {
		return nil, err
	}
	name, err := a.Policy.ParseLevelName(level)
	if err != nil {
		return nil, err
	}
	if err := needReason(reason); err != nil {
		return nil, err
	}
	per, err := a.Policy.markPeriod(name, period)
	if err != nil {
		return nil, err
	}
	if _, err := a.require(l10n.Word("changing a dossier's level"), a.Policy.Permissions.Classify); err != nil {
		return nil, err
	}
	var out *LevelChange
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		if need := a.Policy.ClassifyRoles(d.Level, name); !a.me.HasRole(need...) {
			return rolesErr(a.Policy, classifyWhat(a.Policy, d.Level, name), a.me, need)
		}
		if err := reclassifyBlocked(d); err != nil {
			return err
		}
		out = &LevelChange{ID: id, OldLevel: levelBefore(a.Policy, d, a.now), Level: name, Period: per}
		if name == d.Level && !a.expired(d) && (period == "" || per == d.Period) {
			out.Period, out.SetOn, out.Expires = d.Period, d.LevelSetOn, d.Expires
			return nil
		}
		readers := a.State.RecipientsAt(d, name, "", "")
		ct, err := a.reencrypt(d, readers)
		if err != nil {
			return err
		}
		setOn, ps, expires := a.newLevelDates(per)
		x := &DossierClassify{OldLevel: out.OldLevel, Level: name, Reason: strings.TrimSpace(reason), SetOn: setOn, Period: ps, Expires: expires}
		if _, err := a.writeCiphertext(id, ct, readers, KindDossierClassify, x); err != nil {
			return err
		}
		d = a.State.Dossiers[id]
		out.SetOn, out.Expires, out.Changed = d.LevelSetOn, d.Expires, true
		return nil
	})
	return out, err
}

// DeclassifyExpired re-encrypts every dossier whose secrecy period has run
// out (R7.2.4) to the readers of 内部 and journals dossier.declassify for
// each. It returns how many it declassified. Those the working key cannot
// open are left for someone who can, and named in a Denied error.
func (a *Archive) DeclassifyExpired(ctx context.Context) (int, error) {
	if _, err := a.Me(); err != nil {
		return 0, err
	}
	var n int
	err := a.locked(func() (err error) {
		n, err = a.declassifyExpired(ctx)
		return err
	})
	return n, err
}

// ExpiredDossiers returns the active dossiers whose secrecy period has run
// out but whose declassification the journal has not recorded yet.
func (a *Archive) ExpiredDossiers() []*DossierState {
	var out []*DossierState
	for _, d := range a.State.SortedDossiers() {
		if d.Status == StatusActive && a.expired(d) {
			out = append(out, d)
		}
	}
	return out
}

func (a *Archive) declassifyExpired(ctx context.Context) (int, error) {
	todo := a.ExpiredDossiers()
	level := a.Policy.DeclassifiedLevel()
	type result struct {
		readers []string
		ct      []byte
		err     error
	}
	res := make([]result, len(todo))
	if err := work.Each(ctx, l10n.T("declassifying dossiers"), len(todo), func(i int) {
		r := a.State.RecipientsAt(todo[i], level, "", "")
		ct, err := a.reencrypt(todo[i], r)
		res[i] = result{r, ct, err}
	}); err != nil {
		return 0, err
	}
	n := 0
	var denied, notWriter []string
	var errs []error
	step, done := work.Track(ctx, l10n.T("writing dossiers"), len(todo))
	defer done()
	for i, d := range todo {
		step()
		if err := res[i].err; err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == Denied && e.Next == NextRekey {
				notWriter = append(notWriter, d.ID)
			} else if IsCode(err, Denied) {
				denied = append(denied, d.ID)
			} else {
				errs = append(errs, err)
			}
			continue
		}
		x := &DossierDeclassify{OldLevel: d.Level, Level: level, Expired: fmtDate(d.Expires)}
		if _, err := a.writeCiphertext(d.ID, res[i].ct, res[i].readers, KindDossierDeclassify, x); err != nil {
			return n, err
		}
		n++
	}
	if len(denied) > 0 {
		errs = append(errs, deniedErr(l10n.Errorf("%d expired dossier(s) were not declassified because your key cannot open them (%s)", len(denied), l10n.List(denied))).then(NextDeclassify, ""))
	}
	if len(notWriter) > 0 {
		errs = append(errs, deniedErr(l10n.Errorf("%d expired dossier(s) were not declassified because declassifying re-encrypts the file, which only a writer of its level may do (%s)", len(notWriter), l10n.List(notWriter))).then(NextDeclassify, ""))
	}
	if len(errs) == 1 {
		return n, errs[0]
	}
	return n, errors.Join(errs...)
}

// classOverride journals a credit class or tier override for dossier id,
// unless it already has it; old is what applied before.
func (a *Archive) classOverride(kind string, id, reason string, current func(d *DossierState) (cur, old string), write func(d *DossierState, old string) error) (old string, changed bool, err error) {
	if err := a.checkID(id); err != nil {
		return "", false, err
	}
	if err := needReason(reason); err != nil {
		return "", false, err
	}
	if _, err := a.require(l10n.Word(kind), a.Policy.Permissions.Classify); err != nil {
		return "", false, err
	}
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		id = d.ID
		var cur string
		cur, old = current(d)
		if cur != "" {
			return nil
		}
		err = write(d, old)
		changed = err == nil
		return err
	})
	return old, changed, err
}

// SetCredit overrides dossier id's credit class (R8) with a journaled
// reason (dossier.credit). The dossier file is not changed. It returns the
// class before (the previous override, else what the dossier gives if the
// working key can read it) and whether anything was written.
func (a *Archive) SetCredit(id, class, reason string) (old string, changed bool, err error) {
	c, err := classify.ParseCreditClass(class)
	if err != nil {
		return "", false, usageErr("credit", err)
	}
	// A class that is already the customer's is kept, journaled, when a
	// visit's change in credit (信用异动) awaits review: the supervisor
	// reviewed it and did not take it (CreditReviewDue), which clears the
	// monthly report's 待复核. Otherwise it writes nothing, as before.
	var keep *CreditReview
	return a.classOverride("setting a credit class", id, reason, func(d *DossierState) (string, string) {
		old := d.Credit
		var dd *Dossier
		if (old == "" || old == string(c)) && a.CanRead(d) {
			if o, err := a.Read(id); err == nil {
				dd, _ = ParseDossier(o.Text)
			}
		}
		if old == "" && dd != nil {
			old, _, _ = a.Policy.CreditOf("", "", dd)
		}
		if old == string(c) && dd != nil {
			if v := CreditReviewDue(dd.Contacts, old, d.CreditMarkAt(a.Now().Add(time.Nanosecond)), d.ContentWrites(), a.Policy.Location()); v != nil {
				keep = &CreditReview{Visit: v.Date.Format(time.DateOnly), To: v.CreditChange.To}
			}
		}
		if d.Credit == string(c) && keep == nil {
			return old, old
		}
		return "", old
	}, func(d *DossierState, old string) error {
		_, err := a.commit(KindDossierCredit, id, &DossierCredit{OldClass: old, Class: string(c), Reason: strings.TrimSpace(reason), Reviews: keep})
		return err
	})
}

// SetTier overrides dossier id's tier (重点/普通/潜在) with a journaled
// reason (dossier.tier). The dossier file is not changed. It returns the
// tier before (the previous override, else what the dossier and the rules
// give if the working key can read it) and whether anything was written.
//
// The tier before is graded first, from the state as opened (the
// snapshot's rows and the content digests, or a whole state), and the
// step is a batch of one, taken on the dossier's part under the lock: at
// 100,000 dossiers a replay of the whole journal for it took 24 s and
// 1.9 GB.
func (a *Archive) SetTier(id, tier, reason string) (old string, changed bool, err error) {
	t, err := classify.ParseTier(tier)
	if err != nil {
		return "", false, usageErr("tier", err)
	}
	// The roles and the reason first: the grade below decrypts every
	// dossier the key opens.
	if err := needReason(reason); err != nil {
		return "", false, err
	}
	if _, err := a.require(l10n.Word("setting a tier"), a.Policy.Permissions.Classify); err != nil {
		return "", false, err
	}
	if a.partial && !a.State.summary {
		// Some dossiers' parts (a batch just took its steps on them):
		// the grade ranks every dossier, so the rows are taken again.
		a.summary = SummaryRows
		if _, err := a.refresh(); err != nil {
			return "", false, err
		}
	}
	d, err := a.Lookup(id)
	if err != nil {
		return "", false, err
	}
	// Graded now, from the state as opened (rows, or the whole state a
	// first command replayed): under the lock it may be the dossier's
	// part alone, taken by the batch whatever the open gave. The tier
	// before is what the register shows as the change's "from"; it is
	// no rule of the step's.
	listed := ""
	if d.Tier == "" && a.CanRead(d) {
		listed = a.listedTier(d.ID)
	}
	_, err = a.batch([]string{d.ID}, func(*DossierState) error { return nil }, func(id string) error {
		old, changed, err = a.setTier(id, t, reason, listed)
		return err
	})
	return old, changed, err
}

// setTier is SetTier's step; listed is the tier the dossier is listed
// with when it has no override and the key reads it.
func (a *Archive) setTier(id string, t classify.Tier, reason, listed string) (old string, changed bool, err error) {
	return a.classOverride("setting a tier", id, reason, func(d *DossierState) (string, string) {
		old := d.Tier
		if old == "" && a.CanRead(d) {
			old = listed
		}
		if d.Tier == string(t) {
			return old, old
		}
		return "", old
	}, func(d *DossierState, old string) error {
		_, err := a.commit(KindDossierTier, d.ID, &DossierTier{OldTier: old, Tier: string(t), Reason: strings.TrimSpace(reason)})
		return err
	})
}

// listedTier is the tier dossier id is listed with (Assessment.Tier): the
// tier the rules give depends on the ABC grade over every dossier the key
// opens. "" if the key does not open it.
func (a *Archive) listedTier(id string) string {
	xs, _ := a.AssessAll(a.ctx, id)
	for _, x := range xs {
		if x.ID == id && x.Readable {
			return x.Tier
		}
	}
	return ""
}

// Assessment is what the journal and the rules say of one dossier's
// classification: current values and suggestions, each with its rule.
type Assessment struct {
	ID          string `json:"id"`
	Readable    bool   `json:"readable"`
	Level       string `json:"level"`                  // effective level (R7.2.4)
	MarkedLevel string `json:"marked_level,omitempty"` // the recorded level, when it differs
	Period      string `json:"period,omitempty"`
	SetOn       string `json:"set_on,omitempty"`
	Expires     string `json:"expires,omitempty"`

	SuggestedLevel string        `json:"suggested_level,omitempty"`
	LevelRule      classify.Rule `json:"level_rule"`

	Credit          string        `json:"credit,omitempty"`
	CreditSource    string        `json:"credit_source,omitempty"`
	CreditLimit     *float64      `json:"credit_limit,omitempty"`
	CreditTerms     string        `json:"credit_terms,omitempty"`
	Dangerous       bool          `json:"dangerous"`
	SuggestedCredit string        `json:"suggested_credit,omitempty"`
	CreditRule      classify.Rule `json:"credit_rule"`

	Grade         string        `json:"grade,omitempty"`
	Tier          string        `json:"tier,omitempty"`
	SuggestedTier string        `json:"suggested_tier,omitempty"`
	TierRule      classify.Rule `json:"tier_rule"`

	Problems []string `json:"problems,omitempty"`
}

// Assess classifies the entries of List (decrypted where the key opens
// them): level from the journal and the relationship (R7.2.3/R7.2.4),
// credit class (R8) and tier with its ABC grade, graded over all readable
// entries. It changes nothing. Unreadable entries get only what the journal
// says.
func (a *Archive) Assess(entries []ListEntry) []Assessment {
	ds := make([]*DossierState, len(entries))
	dds := make([]*Dossier, len(entries))
	for i, en := range entries {
		ds[i], dds[i] = a.State.Dossiers[en.ID], en.Dossier
	}
	return a.assessAll(ds, dds)
}

// assessAll assesses dossiers ds, with the content dds[i] of those the key
// reads (nil for the others): the ABC grades are ranked over them all.
// Nil states are left out.
func (a *Archive) assessAll(ds []*DossierState, dds []*Dossier) []Assessment {
	sales := map[string]float64{}
	for i, dd := range dds {
		if dd != nil && ds[i] != nil {
			sales[ds[i].ID] = dd.YearlySales
		}
	}
	return a.assessGraded(len(ds), func(i int) (*DossierState, *Dossier) { return ds[i], dds[i] }, sales)
}

// assessGraded is assessAll of n dossiers, the i-th's state and content
// (nil when the key does not read it) given by at, with the ABC grades
// ranked over sales (the yearly sales of every dossier the key reads).
// Each is asked for when it is assessed and not kept: AssessAll makes
// them from rows and digests (100,000 states and dossiers held at once
// were 280 MB).
func (a *Archive) assessGraded(n int, at func(i int) (*DossierState, *Dossier), sales map[string]float64) []Assessment {
	as, bs := a.Policy.GradeShares()
	grades, gerr := classify.ABCGrades(sales, as, bs)
	out := make([]Assessment, 0, n)
	for i := range n {
		d, dd := at(i)
		if d == nil {
			continue
		}
		out = append(out, a.assess(d, dd, grades[d.ID], gerr))
	}
	return out
}

// listedTier is the tier a readable dossier is listed with: the tier set
// in the journal (override), else the one the dossier writes, else the one
// its grade and sales give (classify.SuggestTier).
func listedTier(override, written string, grade classify.Grade, sales float64) string {
	switch {
	case override != "":
		return override
	case written != "":
		return written
	}
	return string(classify.TierOf(grade, sales))
}

func (a *Archive) assess(d *DossierState, dd *Dossier, grade classify.Grade, gerr error) Assessment {
	x := Assessment{ID: d.ID, Level: a.EffectiveLevel(d), Period: d.Period.String(), SetOn: fmtDate(d.LevelSetOn), Expires: fmtDate(d.Expires)}
	if x.Level != d.Level {
		x.MarkedLevel = d.Level
	}
	if gerr != nil {
		x.Problems = append(x.Problems, gerr.Error())
	}
	cur, _ := classify.ParseLevel(d.Level)
	in := classify.SuggestInput{CurrentLevel: cur, LevelSetOn: d.LevelSetOn, Period: d.Period, Today: a.now.In(a.Location()), Thresholds: a.Policy.Thresholds()}
	if dd != nil {
		x.Readable = true
		in.Relationship, in.Score, in.Sales, in.ExplicitTier = dd.Relationship, dd.CreditSurvey.Score, dd.YearlySales, dd.Tier
		in.Grade = grade
		x.Grade = string(grade)
	}
	s := classify.Suggest(in)
	if s.Level.Valid() {
		x.SuggestedLevel = s.Level.String()
	}
	x.LevelRule = s.LevelRule
	switch {
	case d.Declassified:
		// classify.Suggest would suggest the relationship's level again
		// once the stored level is 内部; re-marking a declassified
		// dossier is a person's decision (R7.2.4).
		x.SuggestedLevel = d.Level
		x.LevelRule = classify.Rule{ID: classify.RulePeriod,
			Text:   "保密期限已于 " + fmtDate(d.LevelSetOn) + " 届满，已自行解密为" + d.Level + "；重新定密须由有权限者决定",
			TextEN: "the secrecy period ran out on " + fmtDate(d.LevelSetOn) + " and the dossier was declassified to " + d.Level + "; marking it again is a person's decision"}
	case dd == nil && s.EffectiveLevel == cur:
		x.LevelRule = classify.Rule{ID: "journal", Text: "无法用你的密钥解密档案，沿用日志记录的密级", TextEN: "the dossier cannot be read with your key, so the level the journal records is kept"}
	}
	x.Credit, x.CreditSource, _ = a.Policy.CreditOf(d.Credit, d.CreditReason, dd)
	if dd != nil {
		x.SuggestedCredit, x.CreditRule = string(s.Credit), s.CreditRule
		x.SuggestedTier, x.TierRule = string(s.Tier), s.TierRule
		for _, p := range s.Problems {
			x.Problems = append(x.Problems, p.Error())
		}
	}
	x.Tier = d.Tier
	if dd != nil {
		x.Tier = listedTier(d.Tier, dd.Tier, grade, dd.YearlySales)
	}
	if x.Credit != "" {
		x.Dangerous = classify.Dangerous(classify.CreditClass(x.Credit))
		if t, ok := a.Policy.CreditTermsOf(x.Credit); ok {
			x.CreditLimit, x.CreditTerms = &t.Limit, t.Terms
		}
	}
	return x
}

// Reclassified is what ClassifyMany did to one dossier.
type Reclassified struct {
	ID     string
	Level  *LevelChange  // nil when no level was set
	Credit *CreditChange // nil when no credit class was set
}

// CreditChange is what SetCredit did: the class before and after, and
// whether the override was written.
type CreditChange struct {
	Old, New string
	Changed  bool
}

// ClassifyMany sets the level (level, period: as SetLevel) and/or the
// credit class (credit: as SetCredit) of every dossier of ids, with one
// reason, as one batch (R7.2, R8). Every dossier is checked first as those
// steps check it (the member's roles for the change, a loan or a legal
// hold, a key that reads the file it re-encrypts), and nothing is written
// unless all pass: the error names each dossier refused. Then the steps
// are taken under one lock and the files synced once at the end (Bulk).
// It returns what changed, in the order of ids (an id given twice counts
// once). Tiers are not batched: the tier the rules give reads every
// dossier the key opens, for each dossier.
func (a *Archive) ClassifyMany(ids []string, level, period, credit, reason string) ([]Reclassified, error) {
	if level == "" && credit == "" {
		return nil, usageErr("level", l10n.Errorf("several dossiers: say what to change, their level or credit class (a tier is set one dossier at a time)"))
	}
	var name string
	var per classify.Period
	if level != "" {
		var err error
		if name, err = a.Policy.ParseLevelName(level); err != nil {
			return nil, err
		}
		if per, err = a.Policy.markPeriod(name, period); err != nil {
			return nil, err
		}
	}
	if credit != "" {
		if _, err := classify.ParseCreditClass(credit); err != nil {
			return nil, usageErr("credit", err)
		}
	}
	if err := needReason(reason); err != nil {
		return nil, err
	}
	what := "setting a credit class"
	if level != "" {
		what = "changing a dossier's level"
	}
	if _, err := a.require(l10n.Word(what), a.Policy.Permissions.Classify); err != nil {
		return nil, err
	}
	var out []Reclassified
	done, err := a.batch(ids, func(d *DossierState) error {
		var err error
		if name != "" {
			// As SetLevel: the roles, a loan or hold, then, unless the
			// level and period are already these, the file.
			write := name != d.Level || a.expired(d) || period != "" && per != d.Period
			err = a.checkLevelChange(d, name, write)
		}
		if err == nil && credit != "" {
			// As SetCredit's step: a class judges what the dossier
			// says, which the member must read. Checked of every one
			// first: a batch whose third dossier the supervisor may
			// not read (绝密) wrote the first two's classes.
			err = judgesContent(a.State, d, a.me, l10n.Word("setting a credit class"))
		}
		if err != nil && !strings.Contains(err.Error(), d.ID) {
			err = l10n.Errorf("%s: %w", d.ID, err) // which dossier
		}
		return err
	}, func(id string) error {
		r := Reclassified{ID: id}
		if name != "" {
			ch, err := a.SetLevel(id, name, period, reason)
			if err != nil {
				return err
			}
			r.Level = ch
		}
		if credit != "" {
			old, changed, err := a.SetCredit(id, credit, reason)
			if err != nil {
				out = append(out, r) // its level, if any, was written
				return err
			}
			// The state now may be a run's (batch): the class is
			// read while it holds the dossier.
			r.Credit = &CreditChange{old, a.State.Dossiers[id].Credit, changed}
		}
		out = append(out, r)
		return nil
	})
	// Taken in runs, the steps came by part.
	at := make(map[string]int, len(done))
	for i, id := range done {
		at[id] = i
	}
	slices.SortStableFunc(out, func(x, y Reclassified) int { return at[x.ID] - at[y.ID] })
	return out, err // on an error, what was written before it
}

// checkLevelChange is what SetLevel checks of dossier d before it
// changes its level to name: the member's roles for that change, no loan
// and no legal hold, and, when it will write (write), what re-encrypting
// the file needs (reencryptable).
func (a *Archive) checkLevelChange(d *DossierState, name string, write bool) error {
	if need := a.Policy.ClassifyRoles(d.Level, name); !a.me.HasRole(need...) {
		return rolesErr(a.Policy, classifyWhat(a.Policy, d.Level, name), a.me, need)
	}
	if err := reclassifyBlocked(d); err != nil {
		return err
	}
	if write {
		_, err := a.reencryptable(d)
		return err
	}
	return nil
}
