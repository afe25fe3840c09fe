package main

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"crm/archive"
	"crm/classify"
	"crm/l10n"
)

func newClassifyCmd(e *env) *cobra.Command {
	var level, period, reason, credit, tier string
	c := &cobra.Command{
		Use:   "classify ID… [--level L --reason R [--period 10y|长期]] [--credit C --reason R] [--tier T --reason R]",
		Short: l10n.Pick("Set a dossier's secrecy level, credit class or tier, with a journaled reason", "调整档案密级、信用等级或客户层级（理由记入日志）"),
		Long: l10n.Pick("Set the secrecy level, credit class or tier of one dossier; or the level and/or credit class of several in one batch (all checked first: nothing is changed unless every one may be). A credit class the dossier already has writes nothing, unless a visit's change in credit (信用异动) awaits review: then it is journaled as the class kept after the review, and the monthly report no longer marks the visit 待复核.",
			"调整一份档案的密级、信用等级或客户层级；或一次调整多份档案的密级和/或信用等级（先逐一核查：只要有一份不可调整，就一份也不调整）。信用等级与档案现有等级相同时不写入任何内容；但若有拜访记录的信用异动待复核，则记为复核后维持原等级，月报不再标“待复核”。"),
		Args: cobra.MinimumNArgs(1),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 && tier != "" {
				return usagef("--tier takes one dossier (the tier the rules give reads every dossier your key opens); give one ID")
			}
			return checkClassifyFlags(level, period, reason, credit, tier)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 || tier != "" {
				// The tier the rules give reads every dossier the key
				// opens (the ABC grade): the snapshot's rows and the
				// content digests, as a batch reads them (archive.SetTier).
				return e.classifyMany(args, level, period, reason, credit, tier)
			}
			return e.oneDossierStep(e.stepOnDossier(func(a *archive.Archive, id string) error {
				return e.classifyOne(a, id, level, period, reason, credit)
			}))(cmd, args)
		},
	}
	f := c.Flags()
	f.StringVar(&level, "level", "", l10n.Pick("new secrecy level: 内部, 秘密, 机密, 绝密", "新密级：内部、秘密、机密、绝密"))
	f.StringVar(&period, "period", "", l10n.Pick("secrecy period, e.g. 10y, 6m, 30d or 长期 (default from policy for the level)", "保密期限，如 10y、6m、30d 或 长期（默认见策略）"))
	f.StringVar(&reason, "reason", "", l10n.Pick("why (journaled; required)", "理由（记入日志，必填）"))
	f.StringVar(&credit, "credit", "", l10n.Pick("override the credit class: A, B, C or D", "调整信用等级：A、B、C、D"))
	f.StringVar(&tier, "tier", "", l10n.Pick("override the tier: 重点, 普通 or 潜在", "调整客户层级：重点、普通、潜在"))
	c.AddCommand(newSuggestCmd(e), newDeclassifyCmd(e))
	return c
}

// checkClassifyFlags checks every value before anything changes.
func checkClassifyFlags(level, period, reason, credit, tier string) error {
	if period != "" && level == "" {
		return usagef("--period goes with --level")
	}
	if level == "" && credit == "" && tier == "" {
		return usagef("say what to change: --level, --credit or --tier (with --reason)")
	}
	// The values given first: a wrong one is the first thing to fix.
	if credit != "" {
		if _, err := classify.ParseCreditClass(credit); err != nil {
			return usagef("--credit: %v", err)
		}
	}
	if tier != "" {
		if _, err := classify.ParseTier(tier); err != nil {
			return usagef("--tier: %v", err)
		}
	}
	if period != "" {
		if _, err := classify.ParsePeriod(period); err != nil {
			return usagef("--period: %v", err)
		}
	}
	if strings.TrimSpace(reason) == "" {
		return usagef("--reason is needed: say why the classification changes (it is journaled)")
	}
	return nil
}

// classifyMany is classify of several dossiers: one batch, every dossier
// checked first (archive.ClassifyMany), resolved against the snapshot's
// rows and written against those dossiers' parts, as review done's batch;
// then the tier of one dossier (tier, with a single id), likewise.
func (e *env) classifyMany(args []string, level, period, reason, credit, tier string) error {
	e.snapshot, e.snapshotSteps, e.summary = true, true, archive.SummaryRows
	a, ids, err := e.openForBatch(args)
	if err != nil {
		return err
	}
	if level != "" {
		if level, err = levelFlag(a, level); err != nil {
			return err
		}
	}
	if level != "" || credit != "" {
		if err := e.classifyBatch(a, ids, level, period, reason, credit); err != nil {
			return err
		}
	}
	if tier != "" {
		return e.setTier(a, ids[0], tier, reason)
	}
	return nil
}

// classifyBatch is ClassifyMany of ids, said dossier by dossier.
func (e *env) classifyBatch(a *archive.Archive, ids []string, level, period, reason, credit string) error {
	done, err := a.ClassifyMany(ids, level, period, credit, reason)
	for _, r := range done { // on an error, those written before it
		if r.Level != nil {
			e.printLevelChange(r.ID, r.Level)
		}
		if r.Credit != nil {
			e.printCreditChange(a, r.ID, r.Credit.Old, r.Credit.New, r.Credit.Changed)
		}
	}
	return err
}

func (e *env) setLevel(a *archive.Archive, id, level, period, reason string) error {
	ch, err := a.SetLevel(id, level, period, reason)
	if err != nil {
		return err
	}
	e.printLevelChange(id, ch)
	return nil
}

// printLevelChange says what a level change did.
func (e *env) printLevelChange(id string, ch *archive.LevelChange) {
	exp := l10n.T("never (长期)")
	if !ch.Expires.IsZero() {
		exp = ch.Expires.Format(time.DateOnly)
	}
	if !ch.Changed {
		e.printf("%s\n", l10n.Sprintf("%s is already %s (secrecy period %s, expires %s): nothing written.", id, ch.Level, periodText(ch.Period), exp))
		return
	}
	e.printf("%s\n", l10n.Sprintf("%s: level %s → %s, secrecy period %s from %s, expires %s; re-encrypted to its readers.", id, ch.OldLevel, ch.Level, periodText(ch.Period), ch.SetOn.Format(time.DateOnly), exp))
}

func (e *env) setCredit(a *archive.Archive, id, credit, reason string) error {
	old, changed, err := a.SetCredit(id, credit, reason)
	if err != nil {
		return err
	}
	e.printCreditChange(a, id, old, a.State.Dossiers[id].Credit, changed)
	return nil
}

// printCreditChange says what a credit class override did: from old to
// credit. A batch's state may no longer hold the dossier.
func (e *env) printCreditChange(a *archive.Archive, id, old, credit string, changed bool) {
	if !changed {
		e.printf("%s\n", l10n.Sprintf("%s already has credit class %s: nothing written.", id, credit))
		return
	}
	msg := l10n.Sprintf("%s: credit class %s → %s.", id, cmp.Or(old, l10n.Pick("-", l10n.NoneWord)), credit)
	if old == credit {
		// Kept, journaled: the class in force, reviewed (a visit's
		// change in credit awaited review, R8), or pinned from the
		// dossier's survey.
		msg = l10n.Sprintf("%s: credit class %s kept, journaled with the reason.", id, credit)
	}
	if t, ok := a.Policy.CreditTermsOf(credit); ok {
		msg = l10n.Sentences(msg, l10n.Sprintf("Credit limit %.0f, terms %s.", t.Limit, t.Terms))
	}
	if classify.Dangerous(classify.CreditClass(credit)) {
		msg = l10n.Sentences(msg, l10n.T("Listed as a dangerous customer (危险客户)."))
	}
	e.printf("%s\n", msg)
}

func (e *env) setTier(a *archive.Archive, id, tier, reason string) error {
	old, changed, err := a.SetTier(id, tier, reason)
	if err != nil {
		return err
	}
	// The tier is the one given (checked when set): after a step on its
	// part alone the state may no longer hold the dossier.
	t, _ := classify.ParseTier(tier)
	if !changed {
		e.printf("%s\n", l10n.Sprintf("%s already has tier %s: nothing written.", id, t))
		return nil
	}
	e.printf("%s\n", l10n.Sprintf("%s: tier %s → %s.", id, cmp.Or(old, l10n.Pick("-", l10n.NoneWord)), t))
	return nil
}

// ruleText is rule r as the 依据 column shows it: its id, then how it
// applied. In Chinese a rule of DOMAIN.md keeps its number (R7.2.3) and
// one without a number is named in Chinese (ruleNames), with the Chinese
// colon.
func ruleText(r classify.Rule) string {
	if !l10n.Chinese() {
		if r.ID == "" {
			return r.TextEN
		}
		return r.ID + ": " + r.TextEN
	}
	if r.ID == "" {
		return r.Text
	}
	return cmp.Or(ruleNames[r.ID], r.ID) + "：" + r.Text
}

// ruleNames are the Chinese names of the rules DOMAIN.md gives no number
// (classify.Rule's ids), and of the journal's say.
var ruleNames = map[string]string{
	classify.RuleValueGrade:  "价值分级",
	classify.RuleTier:        "客户层级",
	classify.RuleCooperation: "合作年限",
	classify.RuleDossier:     "档案",
	"journal":                "日志",
}

// printAssessments prints current and suggested classifications, a row
// per level, credit class and tier, with the rule that gave each.
func printAssessments(e *env, out []archive.Assessment) error {
	// Three lines per assessment (two when unreadable), made when the
	// table measures them and again when it writes them: every dossier's
	// cells held at once were 150 MB at 100,000 dossiers.
	type line struct {
		x    int32 // the assessment
		part uint8 // level, credit, tier; or level, unreadable
	}
	var lines []line
	for i, x := range out {
		n := 3
		if !x.Readable {
			n = 2
		}
		for p := range n {
			lines = append(lines, line{int32(i), uint8(p)})
		}
	}
	headers := []string{l10n.Pick("ID", "编号"), l10n.Pick("WHAT", "项目"), l10n.Pick("CURRENT", "现有"), l10n.Pick("SUGGESTED", "建议"), l10n.Pick("RULE", "依据")}
	return printTableRows(e.io.Out, headers, len(lines), func(i int, row []string) []string {
		l := lines[i]
		x := &out[l.x]
		switch {
		case l.part == 0:
			lvl := x.Level
			if x.MarkedLevel != "" {
				lvl = l10n.Sprintf("%s (marked %s, expired %s)", x.Level, x.MarkedLevel, x.Expires)
			}
			return append(row[:0], x.ID, l10n.Pick("level", "密级"), lvl, cmp.Or(x.SuggestedLevel, "-"), ruleText(x.LevelRule))
		case !x.Readable:
			return append(row[:0], "", l10n.Pick("credit/tier", "信用/层级"), "?", "?", l10n.T("not readable with your key"))
		case l.part == 1:
			cr := cmp.Or(x.Credit, "-")
			if x.Dangerous {
				cr += l10n.Pick(" (dangerous)", "（危险客户）")
			}
			return append(row[:0], "", l10n.Pick("credit", "信用等级"), cr, cmp.Or(x.SuggestedCredit, "-"), ruleText(x.CreditRule))
		}
		return append(row[:0], "", l10n.Pick("tier", "客户层级"), cmp.Or(x.Tier, "-"), cmp.Or(x.SuggestedTier, "-"), ruleText(x.TierRule))
	})
}

func newSuggestCmd(e *env) *cobra.Command {
	var all, asJSON bool
	c := &cobra.Command{
		Use:   "suggest [ID|--all] [--json]",
		Short: l10n.Pick("Show current vs suggested level, credit class and tier, with the rule that gave each; changes nothing", "显示现有与建议的密级、信用等级、客户层级及依据；不作任何修改"),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) == 1) {
				return usagef("name one dossier ID, or --all")
			}
			// Reads only the dossiers' rows, and each readable dossier's
			// digest (archive.AssessAll).
			e.snapshot, e.summary = true, archive.SummaryRows
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				if err := resolveDossier(a, args); err != nil {
					return err
				}
				if _, err := a.Lookup(args[0]); err != nil {
					return err
				}
			}
			// Grades are ranked over every dossier the key opens.
			only := ""
			if len(args) == 1 {
				only = args[0]
			}
			// The rows, digests and assessments stay while each
			// assessment, then each line, makes its garbage: under
			// archive.PaceGC's budget --all at 100,000 dossiers takes
			// 229 MB and 1.2 s (paced at 25%: 241 MB, 1.34 s; not at all:
			// 280 MB).
			defer archive.PaceGC()()
			all, lerr := a.AssessAll(e.ctx(), only)
			if lerr != nil {
				e.errorf("crm: %v\n", lerr)
			}
			out := all // --all: every one, not copied (100,000 assessments are large)
			if len(args) == 1 {
				out = slices.DeleteFunc(all, func(x archive.Assessment) bool { return x.ID != args[0] })
			}
			unreadable := 0
			for i := range out {
				if !out[i].Readable {
					unreadable++
				}
			}
			if asJSON {
				if out == nil {
					out = []archive.Assessment{}
				}
				if err := printJSON(e.io.Out, out); err != nil {
					return err
				}
			} else if err := printAssessments(e, out); err != nil {
				return err
			}
			if unreadable > 0 {
				e.errorf("%s\n", l10n.Sprintf("%d of %d dossiers could not be read with your key: only their level is suggested, from the journal.", unreadable, len(out)))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&all, "all", false, l10n.Pick("every dossier", "全部档案"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

func newDeclassifyCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "declassify-expired",
		Short: l10n.Pick("Declassify every dossier whose secrecy period has run out to 内部, re-encrypting it (R7.2.4; crm maintain runs it too)", "将保密期限已满的档案解密为内部并重新加密（R7.2.4；crm maintain 亦会执行）"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := e.open(true)
			if err != nil {
				return err
			}
			n, err := a.DeclassifyExpired(e.ctx())
			e.printf("%s\n", l10n.Sprintf("Declassified %d dossier(s) whose secrecy period ran out.", n))
			return err
		},
	}
}

// listFilters are the classification filters of `crm list`.
type listFilters struct {
	expiring, credit, tier string
	until                  time.Time
}

func (f *listFilters) check(a *archive.Archive, decrypt bool) error {
	if f.expiring != "" {
		span, err := classify.ParseSpan(f.expiring)
		if err != nil {
			return usagef("--expiring-within: %v", err)
		}
		// Today is the policy's day (R7.2.4 declassifies on the day in
		// its zone), not UTC's: from 00:00 to 08:00 in Shanghai the UTC
		// date is still yesterday.
		f.until = classify.AddSpan(a.Now().In(a.Location()), span)
	}
	if f.credit != "" {
		c, err := classify.ParseCreditClass(f.credit)
		if err != nil {
			return usagef("--credit: %v", err)
		}
		f.credit = string(c)
	}
	if f.tier != "" {
		t, err := classify.ParseTier(f.tier)
		if err != nil {
			return usagef("--tier: %v", err)
		}
		f.tier = string(t)
	}
	if (f.credit != "" || f.tier != "") && !decrypt {
		// Flags that cannot work together, whatever the key: a usage
		// error (exit 2) that the command line alone settles, not "not
		// permitted" (3), which is for a role or a key the user lacks.
		flag := "--credit"
		if f.credit == "" {
			flag = "--tier"
		}
		return usagef("%s and --no-decrypt exclude each other: %s reads the dossiers, which --no-decrypt leaves unread", flag, flag)
	}
	if (f.credit != "" || f.tier != "") && a.Identity() == nil {
		// No key given at all: say how to give one.
		return &archive.Error{Code: archive.Denied, Next: archive.NextIdentity, Err: l10n.Errorf("--credit and --tier read the dossiers: they need your key")}
	}
	return nil
}

// keep reports whether en passes the filters. Expiring means the secrecy
// period ends by the limit, including one that has ended but whose file
// has not been declassified yet. The credit class and tier are those the
// entry shows: a dossier the key does not open shows the class and tier
// the journal set, which are in force whatever it writes (R8,
// archive.ListEntry), and passes on them; one the journal set none for
// shows none and passes no --credit or --tier. Before (helper 130) such a
// row listed as "D (dangerous)" was left out of --credit D.
func (f *listFilters) keep(en archive.ListEntry) bool {
	if !f.until.IsZero() {
		exp, err := time.Parse(time.DateOnly, en.Expires)
		if en.Expires == "" || err != nil || exp.After(f.until) {
			return false
		}
	}
	if f.credit != "" && en.Credit != f.credit {
		return false
	}
	if f.tier != "" && en.Tier != f.tier {
		return false
	}
	return true
}

// unknown reports whether en, a dossier the key does not open, was left
// out only for a credit class or tier it does not show (none set in the
// journal): what it writes might match.
func (f *listFilters) unknown(en archive.ListEntry) bool {
	if en.Readable {
		return false
	}
	g, unsure := *f, false
	if g.credit != "" && en.Credit == "" {
		g.credit, unsure = "", true
	}
	if g.tier != "" && en.Tier == "" {
		g.tier, unsure = "", true
	}
	return unsure && g.keep(en)
}

func (f *listFilters) flags(c *cobra.Command) {
	c.Flags().StringVar(&f.expiring, "expiring-within", "", l10n.Pick("only dossiers whose secrecy period ends within DUR (30d, 6m, 1y; journal only), or has ended and awaits declassification", "仅列出保密期限在 DUR 内届满（或已届满待解密）的档案"))
	c.Flags().StringVar(&f.credit, "credit", "", l10n.Pick("only dossiers of this credit class (A–D; D: dangerous customers); needs your key", "仅列出该信用等级（D 为危险客户）；需密钥"))
	c.Flags().StringVar(&f.tier, "tier", "", l10n.Pick("only dossiers of this tier (重点, 普通, 潜在); needs your key", "仅列出该客户层级；需密钥"))
}

// classifyOne is `crm classify ID` without --tier: the level, then the
// credit class, each that was asked for.
func (e *env) classifyOne(a *archive.Archive, id, level, period, reason, credit string) error {
	if level != "" {
		var err error
		if level, err = levelFlag(a, level); err != nil {
			return err
		}
		if err := e.setLevel(a, id, level, period, reason); err != nil {
			return err
		}
	}
	if credit != "" {
		return e.setCredit(a, id, credit, reason)
	}
	return nil
}
