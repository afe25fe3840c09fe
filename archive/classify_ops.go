package archive

import (
	"errors"
	"os"
	"strings"
	"time"

	"crm/classify"
	"crm/l10n"
)

// Event kinds of classification (FORMAT.md, R7.2 and R8).
const (
	KindDossierClassify   = "dossier.classify"
	KindDossierDeclassify = "dossier.declassify"
	KindDossierCredit     = "dossier.credit"
	KindDossierTier       = "dossier.tier"
)

// classifyData is the data of the classification events, and the level
// dates of dossier.create. Dates are YYYY-MM-DD.
type classifyData struct {
	OldLevel string `yaml:"old_level,omitempty"`
	Level    string `yaml:"level,omitempty"`
	SetOn    string `yaml:"set_on,omitempty"`
	Period   string `yaml:"period,omitempty"`
	Expires  string `yaml:"expires,omitempty"`
	Expired  string `yaml:"expired,omitempty"`
	OldClass string `yaml:"old_class,omitempty"`
	Class    string `yaml:"class,omitempty"`
	OldTier  string `yaml:"old_tier,omitempty"`
	Tier     string `yaml:"tier,omitempty"`
	Reason   string `yaml:"reason,omitempty"`
}

// reclassifyBlocked returns why d's level may not change now, or nil.
func reclassifyBlocked(d *DossierState) error {
	if d.OnLoan() {
		return l10n.Errorf("dossier %s is on loan: its level cannot change until it is returned (R7.1)", d.ID)
	}
	if d.OnHold() {
		return l10n.Errorf("dossier %s is under a legal hold: its level cannot change until it is released", d.ID)
	}
	return nil
}

// LevelPeriod returns the default secrecy period of a level: the policy's
// levels[].period, else DOMAIN.md's default (classify.DefaultPeriod).
func (p *Policy) LevelPeriod(level string) classify.Period {
	if lp := p.Level(level); lp != nil && lp.Period != "" {
		if per, err := classify.ParsePeriod(lp.Period); err == nil {
			return per
		}
	}
	lv, _ := classify.ParseLevel(level)
	return classify.DefaultPeriod(lv)
}

// topLevel is the most secret level of the policy (绝密 by default):
// raising to it or lowering from it needs permissions.classify_top_secret.
func (p *Policy) topLevel() string { return p.Levels[len(p.Levels)-1].Name }

// DeclassifiedLevel is the level a dossier drops to when its secrecy period
// runs out (R7.2.4): 内部, or the policy's least secret level if it has no 内部.
func (p *Policy) DeclassifiedLevel() string {
	if n := classify.Internal.String(); p.Level(n) != nil {
		return n
	}
	return p.Levels[0].Name
}

// civil returns t's calendar date, as read in t's own location, at midnight UTC.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// levelDates is the data of an event that sets a level today with period
// per: set_on, period and, if the period ends, expires.
func (a *Archive) levelDates(level string, per classify.Period) map[string]any {
	today := civil(a.Now())
	m := map[string]any{"set_on": today.Format(time.DateOnly), "period": per.String()}
	if exp, ok := classify.Expiry(today, per); ok {
		m["expires"] = exp.Format(time.DateOnly)
	}
	return m
}

// setLevelDates records when level was set and its period. An event
// without them (written before they were journaled) counts from its own
// date with the policy's period.
func (d *DossierState) setLevelDates(p *Policy, level, setOn, period string, t time.Time) error {
	d.LevelSetOn = civil(t.UTC())
	if setOn != "" {
		v, err := time.Parse(time.DateOnly, setOn)
		if err != nil {
			return l10n.Errorf("set_on %q is not a date YYYY-MM-DD", setOn)
		}
		d.LevelSetOn = v
	}
	var err error
	switch {
	case period != "":
		d.Period, err = classify.ParsePeriod(period)
		if err != nil {
			err = l10n.Errorf("period: %v", err)
		}
	case p != nil:
		d.Period = p.LevelPeriod(level)
	default:
		lv, _ := classify.ParseLevel(level)
		d.Period = classify.DefaultPeriod(lv)
	}
	d.Expires, _ = classify.Expiry(d.LevelSetOn, d.Period)
	return err
}

// applyClassify replays what the classification events (and dossier.create)
// say of a dossier's level dates, credit class and tier, and checks the
// actor's role for them. It runs before d.Level takes the event's level.
func (s *State) applyClassify(e *Event, p *Policy, d *DossierState, bad func(*Event, string, ...any)) {
	switch e.Kind {
	case KindDossierCreate, KindDossierClassify, KindDossierDeclassify, KindDossierCredit, KindDossierTier:
	default:
		return
	}
	var c classifyData
	if err := e.Decode(&c); err != nil {
		bad(e, "unreadable data: %v", err)
		return
	}
	// A step that fails a check is reported and does not count.
	n0 := len(s.Problems)
	failed := func() bool { return len(s.Problems) > n0 }
	actor := s.Members[e.Actor]
	need := func(what string, roles []string) {
		if p != nil && !actor.HasRole(roles...) {
			bad(e, "%s by %s, who does not hold a role allowed to %s (%v)", e.Kind, e.Actor, what, roles)
		}
	}
	switch e.Kind {
	case KindDossierCreate:
		if err := d.setLevelDates(p, c.Level, c.SetOn, c.Period, e.Time); err != nil {
			bad(e, "%v", err)
		}
	case KindDossierClassify:
		if p != nil {
			if p.Level(c.Level) == nil {
				bad(e, "unknown level %q", c.Level)
			}
			if top := p.topLevel(); d.Level == top || c.Level == top {
				need(l10n.Sprintf("raise a dossier to or lower it from %s", top), p.Permissions.ClassifyTopSecret)
			} else {
				need(l10n.T("change a dossier's level"), p.Permissions.Classify)
			}
		}
		if strings.TrimSpace(c.Reason) == "" {
			bad(e, "%s without a reason", e.Kind)
		}
		if failed() {
			return
		}
		if err := d.setLevelDates(p, c.Level, c.SetOn, c.Period, e.Time); err != nil {
			bad(e, "%v", err)
		}
	case KindDossierDeclassify:
		// Clocks lie, and zones differ by up to a day: an event a full day
		// before the expiry the journal itself recorded is a forgery or a
		// mistake.
		if d.Expires.IsZero() || e.Time.Add(24*time.Hour).Before(d.Expires) {
			bad(e, "dossier %s declassified before its secrecy period ran out (expires %s)", d.ID, fmtDate(d.Expires))
		}
		if p != nil && c.Level != p.DeclassifiedLevel() {
			bad(e, "%s to %q: an expired dossier drops to %s", e.Kind, c.Level, p.DeclassifiedLevel())
		}
		if failed() {
			return
		}
		d.LevelSetOn, d.Period, d.Expires = d.Expires, classify.Period{Long: true}, time.Time{}
	case KindDossierCredit:
		if p != nil {
			need(l10n.T("set a credit class"), p.Permissions.Classify)
		}
		if _, err := classify.ParseCreditClass(c.Class); err != nil {
			bad(e, "%v", err)
		}
		if failed() {
			return
		}
		d.Credit, d.CreditReason = c.Class, c.Reason
	case KindDossierTier:
		if p != nil {
			need(l10n.T("set a tier"), p.Permissions.Classify)
		}
		if _, err := classify.ParseTier(c.Tier); err != nil {
			bad(e, "%v", err)
		}
		if failed() {
			return
		}
		d.Tier, d.TierReason = c.Tier, c.Reason
	}
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

// EffectiveLevel is the level dossier d has today (a.Now()) by R7.2.4:
// 内部 from the day its secrecy period runs out, else the level the journal
// recorded. It is what list, show and reports use; see ExpectedRecipients
// for why the file's recipients follow the recorded level until
// DeclassifyExpired runs.
func (a *Archive) EffectiveLevel(d *DossierState) string {
	if a.expired(d) {
		return a.Policy.DeclassifiedLevel()
	}
	return d.Level
}

// expired reports whether d's secrecy period has run out by today and the
// journal has not yet recorded its declassification.
func (a *Archive) expired(d *DossierState) bool {
	if d.Level == a.Policy.DeclassifiedLevel() {
		return false
	}
	today := a.Now()
	if lv, err := classify.ParseLevel(d.Level); err == nil {
		return classify.EffectiveLevel(lv, d.LevelSetOn, d.Period, today) != lv
	}
	return classify.Expired(d.LevelSetOn, d.Period, today)
}

// readersFor is whom d is encrypted to at level: the level's readers plus
// the borrowers of its open loans (a level change is refused while on loan,
// but declassification is not, and must not cut a borrower off).
func (a *Archive) readersFor(d *DossierState, level string) []string {
	return a.recipientsAt(d, level, "", "")
}

// reencrypt decrypts d's file with the working identity (checking that it
// is the file the journal pinned; the plaintext cache spares the
// decryption) and encrypts it to readers. It is the one way a step
// re-encrypts a dossier: rekey, classify, declassify, loans.
func (a *Archive) reencrypt(d *DossierState, readers []string) ([]byte, error) {
	ct, err := os.ReadFile(a.dossierFile(d.ID))
	if err != nil {
		return nil, Integrity(l10n.Errorf("%s: %v: restore it from git or a backup, then run `crm verify`", DossierPath(d.ID), err))
	}
	sum := sha256Hex(ct)
	if sum != d.SHA256 {
		return nil, Integrity(l10n.Errorf("%s is not the file the journal recorded: run `crm verify`", DossierPath(d.ID)))
	}
	denied := Denied(l10n.Errorf("re-encrypting dossier %s needs to decrypt it, and your key cannot: ask a member who can read level %s to do it", d.ID, d.Level))
	if a.id == nil || !a.CanRead(d) {
		return nil, denied
	}
	plain, ok := a.cache.get(sum)
	if !ok {
		if plain, err = Decrypt(ct, a.id.Age); err != nil {
			return nil, denied
		}
	}
	rs, err := a.recipients(readers)
	if err != nil {
		return nil, err
	}
	return Encrypt(plain, rs...)
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

// parseLevelName accepts a policy level name, or any name classify.ParseLevel
// knows (秘密, secret, …) that the policy has.
func (p *Policy) parseLevelName(s string) (string, error) {
	if p.Level(s) != nil {
		return s, nil
	}
	if lv, err := classify.ParseLevel(s); err == nil && p.Level(lv.String()) != nil {
		return lv.String(), nil
	}
	return "", p.CheckLevel(s)
}

func needReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return Usage(l10n.Errorf("--reason is needed: say why the classification changes (it is journaled)"))
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
	if err := CheckID(id); err != nil {
		return nil, err
	}
	name, err := a.Policy.parseLevelName(level)
	if err != nil {
		return nil, err
	}
	if err := needReason(reason); err != nil {
		return nil, err
	}
	per := a.Policy.LevelPeriod(name)
	if period != "" {
		if per, err = classify.ParsePeriod(period); err != nil {
			return nil, Usage(l10n.Errorf("--period: %v", err))
		}
	}
	if _, err := a.require(l10n.T("changing a dossier's level"), a.Policy.Permissions.Classify); err != nil {
		return nil, err
	}
	var out *LevelChange
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		if top := a.Policy.topLevel(); d.Level == top || name == top {
			if _, err := a.require(l10n.Sprintf("raising a dossier to or lowering it from %s", top), a.Policy.Permissions.ClassifyTopSecret); err != nil {
				return err
			}
		}
		if err := reclassifyBlocked(d); err != nil {
			return err
		}
		out = &LevelChange{ID: id, OldLevel: d.Level, Level: name, Period: per}
		if name == d.Level && !a.expired(d) && (period == "" || per == d.Period) {
			out.Period, out.SetOn, out.Expires = d.Period, d.LevelSetOn, d.Expires
			return nil
		}
		readers := a.readersFor(d, name)
		ct, err := a.reencrypt(d, readers)
		if err != nil {
			return err
		}
		extra := a.levelDates(name, per)
		extra["old_level"], extra["reason"] = d.Level, strings.TrimSpace(reason)
		if _, err := a.writeCiphertext(id, ct, readers, KindDossierClassify, fileData{Level: name}, extra); err != nil {
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
// each; `crm classify declassify-expired` and `crm maintain` call it. It
// returns how many it declassified. Those the working key cannot open are
// left for someone who can, and named in a "not permitted" error (exit 3).
func (a *Archive) DeclassifyExpired() (int, error) {
	if _, err := a.Me(); err != nil {
		return 0, err
	}
	var n int
	err := a.locked(func() (err error) {
		n, err = a.declassifyExpired()
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

func (a *Archive) declassifyExpired() (int, error) {
	todo := a.ExpiredDossiers()
	level := a.Policy.DeclassifiedLevel()
	type result struct {
		readers []string
		ct      []byte
		err     error
	}
	res := make([]result, len(todo))
	parallel(len(todo), func(i int) {
		r := a.readersFor(todo[i], level)
		ct, err := a.reencrypt(todo[i], r)
		res[i] = result{r, ct, err}
	})
	n := 0
	var denied []string
	var errs []error
	for i, d := range todo {
		if err := res[i].err; err != nil {
			if ExitCode(err) == ExitDenied {
				denied = append(denied, d.ID)
			} else {
				errs = append(errs, err)
			}
			continue
		}
		extra := map[string]any{"old_level": d.Level, "expired": fmtDate(d.Expires)}
		if _, err := a.writeCiphertext(d.ID, res[i].ct, res[i].readers, KindDossierDeclassify, fileData{Level: level}, extra); err != nil {
			return n, err
		}
		n++
	}
	if len(denied) > 0 {
		errs = append(errs, Denied(l10n.Errorf("%d expired dossier(s) were not declassified because your key cannot open them (%s): a member who can read them must run `crm classify declassify-expired`", len(denied), strings.Join(denied, ", "))))
	}
	if len(errs) == 1 {
		return n, errs[0]
	}
	return n, errors.Join(errs...)
}

// SetCredit overrides dossier id's credit class (R8) with a journaled
// reason (dossier.credit). The dossier file is not changed. It returns the
// class before (the previous override, else what the dossier gives if the
// working key can read it) and whether anything was written.
func (a *Archive) SetCredit(id, class, reason string) (old string, changed bool, err error) {
	if err := CheckID(id); err != nil {
		return "", false, err
	}
	c, err := classify.ParseCreditClass(class)
	if err != nil {
		return "", false, Usage(l10n.Errorf("--credit: %v", err))
	}
	if err := needReason(reason); err != nil {
		return "", false, err
	}
	if _, err := a.require(l10n.T("setting a credit class"), a.Policy.Permissions.Classify); err != nil {
		return "", false, err
	}
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		old = d.Credit
		if old == "" && a.CanRead(d) {
			if o, err := a.Read(id); err == nil {
				if dd, err := ParseDossier(o.Text); err == nil {
					old, _, _ = a.creditOf(d, dd)
				}
			}
		}
		if d.Credit == string(c) {
			return nil
		}
		_, err = a.appendEvent(KindDossierCredit, id, classifyData{OldClass: old, Class: string(c), Reason: strings.TrimSpace(reason)})
		changed = err == nil
		return err
	})
	return old, changed, err
}

// SetTier overrides dossier id's tier (重点/普通/潜在) with a journaled
// reason (dossier.tier). The dossier file is not changed. It returns the
// tier before (the previous override, else what the dossier and the rules
// give if the working key can read it) and whether anything was written.
func (a *Archive) SetTier(id, tier, reason string) (old string, changed bool, err error) {
	if err := CheckID(id); err != nil {
		return "", false, err
	}
	t, err := classify.ParseTier(tier)
	if err != nil {
		return "", false, Usage(l10n.Errorf("--tier: %v", err))
	}
	if err := needReason(reason); err != nil {
		return "", false, err
	}
	if _, err := a.require(l10n.T("setting a tier"), a.Policy.Permissions.Classify); err != nil {
		return "", false, err
	}
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		old = d.Tier
		if old == "" && a.CanRead(d) {
			// The tier the rules give depends on the ABC grade over every
			// dossier the key opens.
			es, _ := a.List(true)
			for _, x := range a.Assess(es) {
				if x.ID == id {
					old = x.Tier
				}
			}
		}
		if d.Tier == string(t) {
			return nil
		}
		_, err = a.appendEvent(KindDossierTier, id, classifyData{OldTier: old, Tier: string(t), Reason: strings.TrimSpace(reason)})
		changed = err == nil
		return err
	})
	return old, changed, err
}

// Thresholds returns the policy's credit thresholds (R8), or the defaults
// when it sets none. ParsePolicy has checked them.
func (p *Policy) Thresholds() classify.Thresholds {
	th := classify.Thresholds{A: p.Credit.Thresholds["A"], B: p.Credit.Thresholds["B"], C: p.Credit.Thresholds["C"]}
	if th == (classify.Thresholds{}) {
		return classify.DefaultThresholds()
	}
	return th
}

// GradeShares returns the ABC value-grade shares, or the defaults when the
// policy sets none. ParsePolicy has checked them.
func (p *Policy) GradeShares() (a, b float64) {
	if p.Grades.AShare == 0 && p.Grades.BShare == 0 {
		return classify.DefaultAShare, classify.DefaultBShare
	}
	return p.Grades.AShare, p.Grades.BShare
}

// creditOf returns dossier d's current credit class: the journaled
// override, else the class written in its credit survey, else the class of
// its survey score; with where it came from ("journal", "dossier", "score").
func (a *Archive) creditOf(d *DossierState, dd *Dossier) (class, source string, rule classify.Rule) {
	switch {
	case d.Credit != "":
		return d.Credit, "journal", classify.Rule{ID: "journal", Text: "日志记录的调整：" + d.CreditReason, TextEN: "set in the journal: " + d.CreditReason}
	case dd == nil:
		return "", "", classify.Rule{}
	case dd.CreditSurvey.Class != "":
		return dd.CreditSurvey.Class, "dossier", classify.Rule{ID: classify.RuleDossier, Text: "档案信用调查表中写明的信用等级", TextEN: "the class written in the dossier's credit survey"}
	case dd.CreditSurvey.Score != nil:
		if c, r, err := classify.ClassifyScore(*dd.CreditSurvey.Score, a.Policy.Thresholds()); err == nil {
			return string(c), "score", r
		}
	}
	return "", "", classify.Rule{}
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
	sales := map[string]float64{}
	for _, en := range entries {
		if en.Dossier != nil {
			sales[en.ID] = en.Dossier.YearlySales
		}
	}
	as, bs := a.Policy.GradeShares()
	grades, gerr := classify.ABCGrades(sales, as, bs)
	out := make([]Assessment, 0, len(entries))
	for _, en := range entries {
		d := a.State.Dossiers[en.ID]
		if d == nil {
			continue
		}
		x := Assessment{ID: d.ID, Level: a.EffectiveLevel(d), Period: d.Period.String()}
		if x.Level != d.Level {
			x.MarkedLevel = d.Level
		}
		if !d.LevelSetOn.IsZero() {
			x.SetOn = fmtDate(d.LevelSetOn)
		}
		if !d.Expires.IsZero() {
			x.Expires = fmtDate(d.Expires)
		}
		if gerr != nil {
			x.Problems = append(x.Problems, gerr.Error())
		}
		dd := en.Dossier
		cur, _ := classify.ParseLevel(d.Level)
		in := classify.SuggestInput{CurrentLevel: cur, LevelSetOn: d.LevelSetOn, Period: d.Period, Today: a.Now(), Thresholds: a.Policy.Thresholds()}
		if dd != nil {
			x.Readable = true
			in.Relationship, in.Score, in.Sales, in.ExplicitTier = dd.Relationship, dd.CreditSurvey.Score, dd.YearlySales, dd.Tier
			in.Grade = grades[d.ID]
			x.Grade = string(in.Grade)
		}
		s := classify.Suggest(in)
		if s.Level.Valid() {
			x.SuggestedLevel = s.Level.String()
		}
		x.LevelRule = s.LevelRule
		if declassified(d) {
			// classify.Suggest would suggest the relationship's level again
			// once the stored level is 内部; re-marking a declassified
			// dossier is a person's decision (R7.2.4).
			x.SuggestedLevel = d.Level
			x.LevelRule = classify.Rule{ID: classify.RulePeriod,
				Text:   "保密期限已于 " + fmtDate(d.LevelSetOn) + " 届满，已自行解密为" + d.Level + "；重新定密须由有权限者决定",
				TextEN: "the secrecy period ran out on " + fmtDate(d.LevelSetOn) + " and the dossier was declassified to " + d.Level + "; marking it again is a person's decision"}
		} else if dd == nil && s.EffectiveLevel == cur {
			x.LevelRule = classify.Rule{ID: "journal", Text: "无法用你的密钥解密档案，沿用日志记录的密级", TextEN: "the dossier cannot be read with your key, so the level the journal records is kept"}
		}
		x.Credit, x.CreditSource, _ = a.creditOf(d, dd)
		if dd != nil {
			x.SuggestedCredit, x.CreditRule = string(s.Credit), s.CreditRule
			x.SuggestedTier, x.TierRule = string(s.Tier), s.TierRule
			x.Tier = dd.Tier
			for _, p := range s.Problems {
				x.Problems = append(x.Problems, p.Error())
			}
		}
		if d.Tier != "" {
			x.Tier = d.Tier
		}
		if x.Tier == "" {
			x.Tier = x.SuggestedTier
		}
		if x.Credit != "" {
			x.Dangerous = classify.Dangerous(classify.CreditClass(x.Credit))
			if t, ok := a.Policy.Credit.Classes[x.Credit]; ok {
				x.CreditLimit, x.CreditTerms = &t.Limit, t.Terms
			}
		}
		out = append(out, x)
	}
	return out
}

// declassified reports whether d's level was last set by dossier.declassify.
func declassified(d *DossierState) bool {
	for i := len(d.Events) - 1; i >= 0; i-- {
		switch d.Events[i].Kind {
		case KindDossierDeclassify:
			return true
		case KindDossierClassify, KindDossierCreate:
			return false
		}
	}
	return false
}
