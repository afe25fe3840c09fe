package report

import (
	"cmp"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"crm/archive"
	"crm/classify"
	"crm/l10n"
)

// Reports lists the reports Gather knows, in the order `crm report` shows them.
var Reports = []string{"monthly", "quarterly", "annual", "loans", "destruction", "reviews", "classification"}

// Gathered is a report's data, ready for Build.
type Gathered struct {
	Data map[string][]Row
	// Unreadable is how many dossiers the report needed the content of
	// and could not read (no key, or destroyed since). The report says so
	// in a note rather than silently counting fewer.
	Unreadable int
	// Read is how many dossiers' content the report read: a report with
	// Unreadable > 0 and Read == 0 has no figure from content at all.
	Read int
	// Gone is how many dossiers the report needed the content of that
	// were destroyed since (a report on a past period): no key reads them
	// any more, so they are not in Unreadable, and the report says so in
	// a note of its own.
	Gone int
	// Marking is the highest level among the dossiers whose content the
	// report read or whose rows name them, "" when none (marking.go).
	Marking string
	// made are the sections whose rows are made as they are read (the
	// 核定 register), not in Data.
	made map[string]rowSource
	// sectionNotes replace the layout's note of a section (by its key)
	// with the layout's note of that name under notes:, or drop it ("").
	sectionNotes map[string]sectionNote
}

// sectionNote is a section's note as the gathered figures call for it:
// key names a note under the layout's notes: (filled with vars), or is ""
// for none; fallback is said when an archive's copy of the layout, made
// before the note, lacks it.
type sectionNote struct {
	key      string
	vars     map[string]string
	fallback Text
}

// Gather collects the figures of report name for period p. Figures from
// the journal need no key; figures from dossier content use what a's
// identity can decrypt.
func Gather(a *archive.Archive, name string, p Period) (*Gathered, error) {
	p = p.In(a.Location())
	f := gatherFacts(a)
	g, err := f.gather(name, p)
	if err != nil {
		return nil, err
	}
	g.Marking = f.marking(g.Data, g.made)
	return g, nil
}

func (f *facts) gather(name string, p Period) (*Gathered, error) {
	a := f.a
	now := a.Now()
	switch name {
	case "monthly":
		return f.monthly(p, now)
	case "quarterly":
		return f.quarterly(p, now)
	case "annual":
		return f.annual(p, now)
	case "loans":
		return &Gathered{Data: f.loanRegister(p, now)}, nil
	case "destruction":
		return &Gathered{Data: f.destructionRegister(p)}, nil
	case "reviews":
		return &Gathered{made: map[string]rowSource{"reviews": f.reviewRegister(p)}}, nil
	case "classification":
		return &Gathered{made: map[string]rowSource{"changes": f.classificationRegister(p, now)}}, nil
	}
	return nil, l10n.Errorf("no report %q: use one of monthly, quarterly, annual, loans, destruction, reviews, classification", name)
}

// addedSections are sections added to a built-in layout after archives
// could copy it (templates/reports/<name>.yaml): a copy without one
// leaves it out, as the report was when it was made, instead of failing.
var addedSections = map[string][]string{"monthly": {"overdue_loans", "hand_ins", "credit_changes"}}

// Make gathers report l.Name for p (cut in the archive policy's zone) and
// builds it: period, generation time and the unreadable note are set.
func Make(a *archive.Archive, l *Layout, p Period) (*Report, error) {
	p = p.In(a.Location())
	g, err := Gather(a, l.Name, p)
	if err != nil {
		return nil, err
	}
	for _, key := range addedSections[l.Name] {
		if l.Section(key) == nil {
			delete(g.Data, key) // an archive's layout made before the section
		}
	}
	r, err := build(l, g.Data, g.made, true) // g is Make's own
	if err != nil {
		return nil, err
	}
	r.Period, r.AllTime = p.Label, p.All()
	r.Marking, r.MarkingInternal = g.Marking, g.Marking != "" && g.Marking == a.Policy.DeclassifiedLevel()
	r.GeneratedAt = a.Now().In(a.Location())
	r.Unreadable, r.Read = g.Unreadable, g.Read
	for key, sn := range g.sectionNotes {
		s := r.Section(key)
		if s == nil {
			continue
		}
		if sn.key == "" {
			s.Note = Text{}
			continue
		}
		n, nerr := l.Note(sn.key, sn.vars)
		if nerr != nil {
			n = sn.fallback // an archive's layout made before the note
		}
		s.Note = n
	}
	// A count's note, or, from an archive's copy of the layout made
	// before it (or an override without it), the same words built in.
	countNote := func(key string, count int, zh, en string) {
		if count == 0 {
			return
		}
		c := strconv.Itoa(count)
		n, err := l.Note(key, map[string]string{"count": c})
		if err != nil {
			n = Text{Zh: "有 " + c + zh, En: c + en}
		}
		r.Notes = append(r.Notes, n)
	}
	if now := a.Now(); !p.All() && p.End.After(now) {
		// A period still running: its "month end" figures are as of now
		// (R6.8), which the period line alone does not tell.
		until := now.In(a.Location()).Format("2006-01-02 15:04")
		n, err := l.Note("running", map[string]string{"until": until})
		if err != nil {
			n = Text{Zh: "本期尚未结束：各项数字截至 " + until + "。", En: "The period is not over: the figures are as of " + until + "."}
		}
		r.Notes = append(r.Notes, n)
	}
	countNote("destroyed", g.Gone, " 份档案已于其后销毁，内容无从读取，未计入需读取档案内容的统计。",
		" dossiers have been destroyed since, and their content with them: they are left out of the figures that need their content.")
	countNote("unreadable", g.Unreadable, " 份档案无法解密，未计入需读取档案内容的统计。",
		" dossiers cannot be decrypted with your key and are left out of the figures that need their content.")
	return r, nil
}

// contents is what the reports read of the content of the dossiers ids
// (by id, as the passes list them) that a's identity can read: their
// digests (archive.DigestList), by place in ids (nil: not read), made from
// each dossier decrypted and parsed once and kept with the plaintext
// cache while its file is unchanged; read counts them. The others are
// counted in unreadable (no key, not a recipient) or in gone (destroyed
// since: a report on a past period). A file that is not the one the
// journal pinned, or a dossier that does not parse, is an error: reports
// are not made from a tampered archive.
func (f *facts) contents(ids []string) (ds []*archive.Digest, read, unreadable, gone int, err error) {
	if f.digestIDs == nil {
		all, digests, bad, _, err := f.a.DigestList(f.a.Context())
		if err != nil {
			return nil, 0, 0, 0, err
		}
		f.digestIDs, f.digests, f.unread = all, digests, bad
	}
	var hard []error // only about the dossiers this report reads
	for _, id := range ids {
		if err := f.unread[id]; err != nil {
			hard = append(hard, err)
		}
	}
	if len(hard) > 0 {
		return nil, 0, 0, 0, errors.Join(hard...)
	}
	ds = make([]*archive.Digest, len(ids))
	listed := seeker{list: f.digestIDs}
	for i, id := range ids {
		var g *archive.Digest
		if k, ok := listed.find(id); ok {
			g = f.digests[k]
		}
		if g == nil {
			if d := f.s.Dossiers[id]; d != nil && d.Status == archive.StatusDestroyed {
				gone++
			} else {
				unreadable++
			}
			continue
		}
		ds[i] = g
		read++
	}
	f.markRead(ids, ds) // their content is in the report
	return ds, read, unreadable, gone, nil
}

// Category labels for dossiers without a value.
const (
	noCredit   = "未评定"
	noTier     = "未定"
	noIndustry = "未填"
)

// categoryCell is category k of the distribution by key as a cell: the
// label crm gives that distribution's dossiers without a value worded in
// the report's language, any other value (a class, a tier, what a person
// entered, in whichever distribution) as it is.
func categoryCell(key, k string) Value {
	switch {
	case key == "credit" && k == noCredit:
		return Words(Text{Zh: noCredit, En: "not rated"})
	case key == "tier" && k == noTier:
		return Words(Text{Zh: noTier, En: "not set"})
	case (key == "industry" || key == "region") && k == noIndustry:
		return Words(Text{Zh: noIndustry, En: "not filled in"})
	}
	return Str(k)
}

// customer is what the content-based figures need of one dossier.
type customer struct {
	id     string
	d      *archive.Digest
	credit string
	tier   string
	grade  string
	// lastReview is the dossier's last 核定 before the time it was
	// classified as of, if reviewed.
	lastReview time.Time
	reviewed   bool
	// creditD is the journal's step that classed it D, when that is
	// what its class comes from (R8): the dangerous list says why.
	creditD archive.Mark
}

// customers classifies the readable dossiers of st as of its time, as the
// archive's rules say (archive.Policy.CreditOf, archive.TierOf): the
// journaled override in force at t, else what the dossier and the rules
// give; ABC grade by yearly sales under the policy's shares, among the
// readable dossiers.
func (f *facts) customers(st *standing) (cs []*customer, unreadable, gone int, err error) {
	ds, read, unreadable, gone, err := f.contents(st.ids)
	if err != nil {
		return nil, 0, 0, err
	}
	pol := f.a.Policy
	aShare, bShare := pol.GradeShares()
	// Graded in id order (st.ids), without a map by id.
	sales := make([]float64, 0, read)
	for _, d := range ds {
		if d != nil {
			sales = append(sales, max(d.Sales, 0))
		}
	}
	grades, err := classify.ABCGradesInOrder(sales, aShare, bShare)
	if err != nil {
		return nil, 0, 0, l10n.Errorf("%s grades: %v", archive.PolicyFile, err)
	}
	k := 0 // the next grade
	cs = make([]*customer, 0, read)
	for i, id := range st.ids { // by id
		d := ds[i]
		if d == nil {
			continue
		}
		g := grades[k]
		k++
		c := &customer{id: id, d: d, grade: string(g)}
		c.credit, _ = pol.CreditClassOf(st.credit[i], d.Class, d.ScorePtr())
		c.tier = archive.TierOfDigest(st.tier[i], d, g)
		c.credit, c.tier = cmp.Or(c.credit, noCredit), cmp.Or(c.tier, noTier)
		// st.creditD holds the dossiers whose override in force is D.
		if st.credit[i] == string(classify.CreditD) {
			if m, ok := st.creditD[id]; ok && c.credit == m.Value {
				c.creditD = m
			}
		}
		c.lastReview = st.lastReview[i]
		c.reviewed = !c.lastReview.IsZero()
		cs = append(cs, c)
	}
	return cs, unreadable, gone, nil
}

// distribution counts values into rows {key: value, count, share}: the
// fixed categories first (zero counts included), then the others by count,
// most first, then by name.
func distribution(key string, values []string, fixed []string) []Row {
	counts := map[string]int{}
	for _, v := range values {
		counts[v]++
	}
	return distributionOf(key, counts, len(values), fixed)
}

// distributionOf is distribution of n values counted in counts.
func distributionOf(key string, counts map[string]int, n int, fixed []string) []Row {
	keys := slices.Clone(fixed)
	var rest []string
	for v := range counts {
		if !slices.Contains(fixed, v) {
			rest = append(rest, v)
		}
	}
	slices.SortFunc(rest, func(a, b string) int {
		if (a == noIndustry) != (b == noIndustry) { // "not filled in" last
			return cmp.Compare(boolRank(a == noIndustry), boolRank(b == noIndustry))
		}
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	keys = append(keys, rest...)
	rows := make([]Row, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, Row{key: categoryCell(key, k), "count": Int(counts[k]), "share": Share(counts[k], n)})
	}
	return rows
}

// levelsHighFirst is the policy's levels, most secret first.
func (f *facts) levelsHighFirst() []string {
	n := f.a.Policy.LevelNames()
	slices.Reverse(n)
	return n
}

// end is the moment a period's state is read at: its end, or now for a
// period that has not ended.
func end(p Period, now time.Time) time.Time {
	if p.All() || now.Before(p.End) {
		return now.Add(time.Nanosecond)
	}
	return p.End
}

func (f *facts) levelRows(st *standing) []Row {
	return distribution("level", st.levels, f.levelsHighFirst())
}

// contentRows fills the distributions that need dossier content.
func (f *facts) contentRows(data map[string][]Row, cs []*customer, withPlaces bool) {
	// Counted as they come: no list of 100,000 values per figure.
	credit, tier, grade, industry, region := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	gradeSales := map[string]float64{}
	total := 0.0
	for _, c := range cs {
		credit[c.credit]++
		tier[c.tier]++
		grade[c.grade]++
		industry[cmp.Or(c.d.Industry, noIndustry)]++
		region[cmp.Or(c.d.Region, noIndustry)]++
		gradeSales[c.grade] += max(c.d.Sales, 0)
		total += max(c.d.Sales, 0)
	}
	n := len(cs)
	data["by_credit"] = distributionOf("credit", credit, n, []string{"A", "B", "C", "D", noCredit})
	data["by_tier"] = distributionOf("tier", tier, n, []string{"重点", "普通", "潜在"})
	rows := distributionOf("grade", grade, n, []string{"A", "B", "C"})
	for _, r := range rows {
		g := r["grade"].String()
		r["sales"] = Num(gradeSales[g])
		if total > 0 {
			r["sales_share"] = Num(gradeSales[g] / total)
		}
	}
	data["by_grade"] = rows
	if withPlaces {
		data["by_industry"] = distributionOf("industry", industry, n, nil)
		data["by_region"] = distributionOf("region", region, n, nil)
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (f *facts) monthly(p Period, now time.Time) (*Gathered, error) {
	st := f.newStanding(end(p, now))
	acts := make([]activity, 1)
	// The credit classes journaled since the period's end, where they
	// differ from those in force at it (few): the 信用异动 list compares
	// a visit's class with the archive's now.
	var later map[string]string
	// The time of each dossier's latest credit decision (dossier.credit,
	// a class changed or kept), journaled by now, and the times its
	// content was written: a visit's change in credit filed before the
	// decision is reviewed (archive.CreditReviewDue).
	decided := map[string]creditDecision{}
	f.each(func(d *archive.DossierState) { // the one pass
		countActivity(acts, []Period{p}, d)
		st.add(f, d)
		if m := d.CreditMarkAt(now.Add(time.Nanosecond)); !m.At.IsZero() {
			decided[d.ID] = creditDecision{m, d.ContentWrites()}
		}
		if st.t.Before(now) && d.ActiveAt(st.t) {
			if v := d.CreditMarkAt(now.Add(time.Nanosecond)).Value; v != d.CreditMarkAt(st.t).Value {
				if later == nil {
					later = map[string]string{}
				}
				later[d.ID] = v
			}
		}
	})
	s := &acts[0]
	f.journalActivity(s, p, now)
	overdue := f.overdueLoans(p, now) // reads the histories: before they go
	st.creditReasons(f)
	f.passesDone()
	data := map[string][]Row{
		"summary": {{
			"created": Int(s.created), "updated": Int(s.updated), "verified": Int(s.verified),
			"borrowed": Int(s.borrowed), "returned": Int(s.returned), "overdue": Int(s.overdue),
			"destroyed": Int(s.destroyed), "total": Int(len(st.ids)),
		}},
		"by_level":      f.levelRows(st),
		"overdue_loans": overdue,
		"hand_ins":      f.handIns(p, now),
	}
	cs, unreadable, gone, err := f.customers(st)
	if err != nil {
		return nil, err
	}
	f.contentRows(data, cs, true)
	data["credit_changes"] = f.creditChangeRows(p, cs, later, decided)
	var dangerous, key []*customer
	for _, c := range cs {
		if c.credit == string(classify.CreditD) {
			dangerous = append(dangerous, c)
		}
		if c.tier == string(classify.TierKey) {
			key = append(key, c)
		}
	}
	made := map[string]rowSource{
		"dangerous": &rowsOf[*customer]{items: dangerous,
			keys: []string{"dossier", "customer", "industry", "region", "surveyed", "owner", "score", "outstanding", "remarks"},
			cell: func(x **customer, _ int, key string) Value {
				d := (*x).d
				switch key {
				case "surveyed":
					return f.dateOf(d.SurveyDate.Time)
				case "score":
					if d.HasScore {
						return Int(d.Score)
					}
				case "outstanding":
					if d.HasOutstanding { // 未清欠款; empty when not recorded
						return Num(d.Outstanding)
					}
				case "remarks":
					// crm's label before what a person wrote
					var zh, en []string
					if m := (*x).creditD; m.Value != "" {
						// Classed D by a person, not by the survey: say
						// when and why, as the classification register.
						day, by := m.At.In(f.loc).Format(time.DateOnly), f.memberName(m.By)
						zh = append(zh, "信用等级由"+by+"调为 D（"+day+"）："+cmp.Or(m.Reason, "未注明原因"))
						en = append(en, "credit class set to D by "+by+" ("+day+"): "+cmp.Or(m.Reason, "no reason given"))
					}
					if d.PaymentAttitude != "" {
						zh, en = append(zh, "付款态度："+d.PaymentAttitude), append(en, "payment attitude: "+d.PaymentAttitude)
					}
					if d.CreditProblems != "" {
						zh, en = append(zh, d.CreditProblems), append(en, d.CreditProblems)
					}
					if len(zh) == 0 {
						return Str("")
					}
					return Words(Text{Zh: strings.Join(zh, "；"), En: strings.Join(en, "; ")})
				}
				return customerCell(*x, key)
			}},
		"key_customers": &rowsOf[*customer]{items: key,
			keys: []string{"dossier", "customer", "industry", "region", "grade", "credit", "sales", "contact_phone", "owner", "last_verified"},
			cell: func(x **customer, _ int, key string) Value {
				c, d := *x, (*x).d
				switch key {
				case "grade":
					return Str(c.grade)
				case "credit":
					return Str(c.credit)
				case "sales":
					return Num(d.Sales)
				case "contact_phone":
					return Str(d.Phone)
				case "last_verified":
					if c.reviewed {
						return f.dateOf(c.lastReview)
					}
					return Value{}
				}
				return customerCell(c, key)
			}},
	}
	return &Gathered{Data: data, made: made, Unreadable: unreadable, Read: len(cs), Gone: gone}, nil
}

// creditChangeRows are the visits in period p that noted a change in the
// customer's credit (信用异动: a contact record's credit_change), of the
// readable dossiers cs, by date, then by dossier, then as the dossier
// lists them. The class a visit found is not the customer's class until a
// supervisor sets it (crm classify --credit, R8): a dossier's latest such
// visit, of all its visits, whose class is not the one the archive gives
// the customer now (Policy.CreditClassOf: the override journaled now,
// later holding those set since the period's end, else the dossier's
// survey) is marked 待复核, until a credit decision, the class changed or
// kept, is journaled after it was filed (decided: each dossier's latest;
// archive.CreditReviewDue, R8). An earlier visit, superseded by a later
// one, is not.
func (f *facts) creditChangeRows(p Period, cs []*customer, later map[string]string, decided map[string]creditDecision) []Row {
	type note struct {
		c      *customer
		v      *archive.Contact
		latest bool
	}
	var notes []note
	for _, c := range cs {
		vs := c.d.CreditVisits
		last := 0
		for i, v := range vs {
			if !v.Date.Before(vs[last].Date.Time) {
				last = i
			}
		}
		for i := range vs {
			y, m, d := vs[i].Date.Date()
			if p.Contains(time.Date(y, m, d, 0, 0, 0, 0, f.loc)) {
				notes = append(notes, note{c, &vs[i], i == last})
			}
		}
	}
	slices.SortStableFunc(notes, func(x, y note) int {
		return cmp.Or(x.v.Date.Compare(y.v.Date.Time), cmp.Compare(x.c.id, y.c.id))
	})
	rows := make([]Row, 0, len(notes))
	for _, n := range notes {
		c, v, cc := n.c, n.v, n.v.CreditChange
		r := Row{"dossier": Str(c.id), "customer": Str(c.d.Name), "date": Date(v.Date.Time), "who": Str(v.Who),
			"credit_from": Str(cc.From), "credit_to": Str(cc.To), "reason": Str(cc.Reason)}
		class := c.credit
		if o, ok := later[c.id]; ok {
			class, _ = f.a.Policy.CreditClassOf(o, c.d.Class, c.d.ScorePtr())
			class = cmp.Or(class, noCredit)
		}
		due := class
		if class == noCredit {
			due = ""
		}
		switch {
		case !n.latest || archive.CreditReviewDue(c.d.CreditVisits, due, decided[c.id].mark, decided[c.id].filed, f.loc) == nil:
		case class == noCredit:
			r["remarks"] = Words(Text{Zh: "待复核：档案中尚无信用等级，未定为 " + cc.To, En: "to review: the archive gives no credit class yet, not " + cc.To})
		default:
			r["remarks"] = Words(Text{Zh: "待复核：档案中信用等级现为 " + class + "，尚未调为 " + cc.To, En: "to review: the archive's credit class is " + class + " now, not yet " + cc.To})
		}
		rows = append(rows, r)
	}
	return rows
}

// creditDecision is a dossier's latest credit decision (mark) and the
// times its content was written (filed), for archive.CreditReviewDue.
type creditDecision struct {
	mark  archive.Mark
	filed []time.Time
}

// verifiedRow is a dossier of the quarterly report's list of those
// verified in the quarter, by r.
type verifiedRow struct {
	id, level string
	r         archive.Review
}

// unverifiedRow is a dossier of the list of those not verified in the
// quarter, with its last 核定 before the quarter's end (last, zero for
// none) and its content (d, nil when unread).
type unverifiedRow struct {
	id, level string
	last      time.Time
	d         *archive.Digest
}

// customerCell is a cell the lists of customers (dangerous, key) share:
// the dossier, who the customer is, where, whose.
func customerCell(c *customer, key string) Value {
	d := c.d
	switch key {
	case "dossier":
		return Str(c.id)
	case "customer":
		return Str(d.Name)
	case "industry":
		return Str(d.Industry)
	case "region":
		return Str(d.Region)
	case "owner":
		return Str(d.Owner)
	}
	return Value{}
}

func (f *facts) quarterly(p Period, now time.Time) (*Gathered, error) {
	at := end(p, now)
	var verified []verifiedRow
	not := make([]unverifiedRow, 0, len(f.ids)) // most, early in a quarter
	acts := make([]activity, 1)
	f.each(func(d *archive.DossierState) { // the one pass
		countActivity(acts, []Period{p}, d)
		if !d.ActiveAt(at) {
			return
		}
		if r := d.ReviewedIn(p.Label); r != nil {
			verified = append(verified, verifiedRow{id: d.ID, level: f.levelAt(d, at), r: *r})
			return
		}
		x := unverifiedRow{id: d.ID, level: f.levelAt(d, at)}
		if r := d.LastReviewBefore(at); r != nil {
			x.last = r.Time
		}
		not = append(not, x)
	})
	s := &acts[0]
	f.journalActivity(s, p, now)
	f.passesDone()
	notIDs := make([]string, len(not))
	for i := range not {
		notIDs[i] = not[i].id
	}
	owners, read, unreadable, gone, err := f.contents(notIDs)
	if err != nil {
		return nil, err
	}
	for i := range not {
		not[i].d = owners[i]
	}
	due := len(verified) + len(not) // every dossier active at the end
	data := map[string][]Row{
		"summary": {{"due": Int(due), "verified": Int(len(verified)), "not_verified": Int(len(not)),
			"rate": Share(len(verified), due)}},
		"activity": {{
			"created": Int(s.created), "updated": Int(s.updated), "verified": Int(s.verified),
			"borrowed": Int(s.borrowed), "returned": Int(s.returned), "overdue": Int(s.overdue),
			"destroyed": Int(s.destroyed), "total": Int(due),
		}},
	}
	signedBefore := now.Add(time.Nanosecond)
	made := map[string]rowSource{
		"verified": &rowsOf[verifiedRow]{items: verified, keys: []string{"dossier", "level", "verified_on", "verified_by", "signed_off_by", "remarks"},
			cell: func(x *verifiedRow, _ int, key string) Value {
				switch key {
				case "dossier":
					return Str(x.id)
				case "level":
					return Str(x.level)
				case "verified_on":
					return f.dateOf(x.r.Time)
				case "verified_by":
					return Str(f.memberName(x.r.By))
				case "signed_off_by":
					// Signed off by review.signoff (R6.5), usually after
					// the quarter ends: as the archive has it now, like a
					// late 核定.
					return Str(f.signedOff(x.r, signedBefore))
				case "remarks":
					return Str(x.r.Note)
				}
				return Value{}
			}},
		"not_verified": &rowsOf[unverifiedRow]{items: not, keys: []string{"dossier", "level", "last_verified", "days_since", "owner"},
			cell: func(x *unverifiedRow, _ int, key string) Value {
				switch key {
				case "dossier":
					return Str(x.id)
				case "level":
					return Str(x.level)
				case "last_verified":
					return f.dateOf(x.last)
				case "days_since":
					if !x.last.IsZero() {
						return Int(f.daysBetween(x.last, at))
					}
				case "owner":
					if x.d != nil {
						return Str(x.d.Owner)
					}
				}
				return Value{}
			}},
	}
	g := &Gathered{Data: data, made: made, Unreadable: unreadable, Read: read, Gone: gone}
	// The layout's note on the dossiers not verified asks for their 核定
	// before the quarter ends: once it has ended, what is left is a late
	// 核定 of that quarter (R6.5), and with none left, nothing to ask.
	switch {
	case len(not) == 0:
		g.sectionNotes = map[string]sectionNote{"not_verified": {}}
	case !now.Before(p.End):
		g.sectionNotes = map[string]sectionNote{"not_verified": {key: "missed", vars: map[string]string{"quarter": p.Label},
			fallback: Text{Zh: p.Label + " 已结束：请档案负责人补登该季度的核定。", En: p.Label + " has ended: owners should record a late 核定 for that quarter."}}}
	}
	return g, nil
}

func (f *facts) annual(p Period, now time.Time) (*Gathered, error) {
	at := end(p, now)
	// The year and its months so far.
	ps := []Period{p}
	y := p.Start.Year()
	for m := time.January; m <= time.December; m++ {
		mp := MonthPeriod(y, m, f.loc)
		if mp.Start.After(now) {
			break
		}
		ps = append(ps, mp)
	}
	var quarters []Period
	for q := 1; q <= 4; q++ {
		qp := QuarterPeriod(classify.Quarter{Year: y, Q: q}, f.loc)
		if qp.Start.After(now) {
			break
		}
		quarters = append(quarters, qp)
	}
	// The year, its months and quarters, its start and end: one pass.
	acts := make([]activity, len(ps))
	atStart := 0
	st := f.newStanding(at)
	due, done := make([]int, len(quarters)), make([]int, len(quarters))
	f.each(func(d *archive.DossierState) {
		countActivity(acts, ps, d)
		f.countDeclassified(acts, ps, d, now)
		if d.ActiveAt(p.Start) {
			atStart++
		}
		st.add(f, d)
		for i, qp := range quarters {
			if d.ActiveAt(end(qp, now)) {
				due[i]++
				if d.ReviewedIn(qp.Label) != nil {
					done[i]++
				}
			}
		}
	})
	for k, p := range ps {
		f.journalActivity(&acts[k], p, now)
	}
	f.passesDone()
	s := acts[0]
	data := map[string][]Row{
		"summary": {{
			"at_start": Int(atStart), "created": Int(s.created), "updated": Int(s.updated),
			"verified": Int(s.verified), "borrowed": Int(s.borrowed), "returned": Int(s.returned), "overdue": Int(s.overdue),
			"reclassified": Int(s.reclassified), "declassified": Int(s.declassified),
			"destroyed": Int(s.destroyed), "at_end": Int(len(st.ids)),
		}},
		"by_level": f.levelRows(st),
	}
	for k, mp := range ps[1:] {
		a := acts[k+1]
		data["by_month"] = append(data["by_month"], Row{"month": Str(mp.Label), "created": Int(a.created), "updated": Int(a.updated),
			"verified": Int(a.verified), "borrowed": Int(a.borrowed), "returned": Int(a.returned), "overdue": Int(a.overdue),
			"destroyed": Int(a.destroyed)})
	}
	for i, qp := range quarters {
		data["by_quarter"] = append(data["by_quarter"], Row{"quarter": Str(qp.Label), "due": Int(due[i]), "verified": Int(done[i]), "rate": Share(done[i], due[i])})
	}
	cs, unreadable, gone, err := f.customers(st)
	if err != nil {
		return nil, err
	}
	f.contentRows(data, cs, false)
	return &Gathered{Data: data, Unreadable: unreadable, Read: len(cs), Gone: gone}, nil
}

// loanRegister: one row per loan whose time out (from request to return
// or expiry) overlaps p.
func (f *facts) loanRegister(p Period, now time.Time) map[string][]Row {
	var rows []Row
	for _, l := range f.loans {
		from, to := l.Requested, f.loanEnd(l, now)
		if !p.All() && (!from.Before(p.End) || to.Before(p.Start)) {
			continue
		}
		rows = append(rows, f.loanRow(l, now))
	}
	return map[string][]Row{"loans": rows}
}

// overdueLoans are the rows of the loans overdue in p (overdueIn: past
// due at some time in p, whenever they fell due, and not back by then), as
// the loan register has them: the monthly report names them, not only
// counts them (R7.1).
func (f *facts) overdueLoans(p Period, now time.Time) []Row {
	var rows []Row
	for _, l := range f.loans {
		if overdueIn(l, p, now) {
			r := f.loanRow(l, now)
			for k := range r {
				if !slices.Contains(overdueLoanKeys, k) {
					delete(r, k)
				}
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// overdueLoanKeys are the columns of the monthly report's overdue loans
// (templates/reports/monthly.yaml).
var overdueLoanKeys = []string{"card_no", "dossier", "level", "borrower", "department", "date_out", "due", "returned", "remarks"}

// loanRow is loan l's row of the loan register, as of now.
func (f *facts) loanRow(l *archive.Loan, now time.Time) Row {
	from := l.Requested
	var card archive.BorrowCard // journaled with the last approval
	if l.Card != nil {
		card = *l.Card
	}
	approvers := make([]string, len(l.Approvals))
	for i, ap := range l.Approvals {
		approvers[i] = ap.Member
	}
	// A request closed undecided (its requester removed) was never out:
	// nothing came back, so no return date and no 完好.
	intact, returned := Str(""), l.Returned
	if l.Out.IsZero() {
		returned = time.Time{}
	}
	if !returned.IsZero() {
		intact = yesNo(l.Intact)
	}
	r := Row{
		"card_no":        Str(cmp.Or(card.Card, l.ID)),
		"dossier":        Str(l.Dossier),
		"borrower":       Str(f.memberName(l.Borrower)),
		"borrower_title": Str(cmp.Or(card.Title, f.roleTitles(l.Borrower))),
		"department":     Str(cmp.Or(card.Department, l.Department, f.department(l.Borrower))),
		"purpose":        Str(cmp.Or(card.Purpose, l.Purpose)),
		"dept_manager":   Str(f.memberName(l.EndorsedBy)),
		"approver":       f.names(approvers),
		"date_out":       f.dateOf(l.Out),
		"due":            f.dateOf(l.Due),
		"renewals":       Int(l.Renewals),
		"returned":       f.dateOf(returned),
		"intact":         intact,
	}
	if d := f.dossier(l.Dossier); d != nil {
		level := cmp.Or(card.Level, f.levelAt(d, from.Add(time.Nanosecond)))
		if !l.Out.IsZero() {
			// The level it went out at, by R7.2.4: the card records the
			// level the journal had then, which is still the marking of
			// a dossier whose secrecy period had run out (内部) until
			// crm maintain journals its declassification.
			level = f.levelAt(d, l.Out.Add(time.Nanosecond))
		}
		r["level"] = Str(level)
	}
	r["remarks"] = f.loanRemarks(l, now)
	return r
}

// loanEnd is when loan l stopped being out or asked for: returned,
// revoked, withdrawn or rejected, or its dossier destroyed while the
// request waited; else now.
func (f *facts) loanEnd(l *archive.Loan, now time.Time) time.Time {
	for _, t := range []time.Time{l.Returned, l.Expired, l.Cancelled, l.Rejected, f.voidedAt(l)} {
		if !t.IsZero() {
			return t
		}
	}
	return now
}

// voidedAt is when loan request l became void because its dossier was
// destroyed while it waited (archive.State.LoanStatus); zero otherwise.
func (f *facts) voidedAt(l *archive.Loan) time.Time {
	if l.Status() != archive.LoanPending {
		return time.Time{}
	}
	if d := f.dossier(l.Dossier); d != nil {
		return d.Destroyed
	}
	return time.Time{}
}

// loanRemarks is the register's remark on loan l: how it stands or ended,
// in both languages (crm's words; a rejection's reason and the loan's
// note are as a person wrote them).
func (f *facts) loanRemarks(l *archive.Loan, now time.Time) Value {
	var zh, en []string
	say := func(z, e string) { zh, en = append(zh, z), append(en, e) }
	day := func(t time.Time) string { return t.In(f.loc).Format(time.DateOnly) }
	// The due time to the minute (R7.1): a loan falls overdue at its out
	// time plus its days, so on its due date the date column alone would
	// show it overdue, or returned late, on the day it was due.
	due := l.Due.In(f.loc).Format("2006-01-02 15:04")
	switch {
	case !l.Cancelled.IsZero():
		say("申请人撤回", "withdrawn by the requester")
	case !l.Rejected.IsZero():
		// Who turned it down and when: the 批准人 column names nobody.
		by, on := f.memberName(l.RejectedBy), day(l.Rejected)
		say("未获批准（"+by+"驳回，"+on+"）："+l.Reason, "not approved (rejected by "+by+" on "+on+"): "+l.Reason)
	case l.Out.IsZero() && !l.Returned.IsZero(): // closed by the requester's removal (the note says so)
		say("申请作废", "request void")
	case !f.voidedAt(l).IsZero():
		say("档案已销毁，申请作废（"+day(f.voidedAt(l))+"）", "request void: dossier destroyed ("+day(f.voidedAt(l))+")")
	case l.Out.IsZero():
		say("待批准", "awaiting approval")
	case l.Returned.IsZero() && l.RoleLost():
		// Still to come back, and overdue once past its due time, as
		// borrow list and the monthly count of overdue loans say (R7.1).
		if l.Overdue(now) {
			say("逾期未还（应还 "+due+"）", "overdue (not returned; due "+due+")")
		}
		say("借阅人已无借阅资格，收回（"+day(l.Expired)+"）", "access revoked: borrower no longer entitled to borrow ("+day(l.Expired)+")")
	case l.Returned.IsZero() && !l.Expired.IsZero():
		// Access taken back at its due time (loan.expire), the dossier
		// still to come back: overdue all the same, as borrow list and
		// the monthly report's count of it say.
		if l.Overdue(now) {
			say("逾期未还", "overdue (not returned)")
		}
		// Both days (R7.1): the due time the loan fell overdue at, and the
		// day crm maintain took the access back, which may be days later.
		say("到期收回（应还 "+due+"，"+day(l.Expired)+" 收回）", "access revoked "+day(l.Expired)+" after its due time ("+due+")")
	case l.Overdue(now): // past its due time, as borrow list and the counts say
		say("逾期未还（应还 "+due+"）", "overdue (not returned; due "+due+")")
	case !l.Returned.IsZero() && l.Returned.After(l.Due):
		say("逾期归还（应还 "+due+"）", "returned late (due "+due+")")
	}
	if l.ClosedByRemoval != "" {
		say("借阅人 "+l.Borrower+" 已被移除（"+l.ClosedByRemoval+"）", "borrower "+l.Borrower+" removed ("+l.ClosedByRemoval+")")
	}
	if l.Note != "" {
		say(l.Note, l.Note)
	}
	if len(zh) == 0 {
		return Str("")
	}
	return Words(Text{Zh: strings.Join(zh, "；"), En: strings.Join(en, "; ")})
}

// destructionRegister: one row per executed destruction in p (销毁清册,
// R6.10). Each approval goes under the role replay counted it for: the
// role of its step in the policy's chain.
func (f *facts) destructionRegister(p Period) map[string][]Row {
	var rows []Row
	// The rejected requests by dossier, for the remarks: one pass over
	// the requests, not one per row (tens of thousands of destructions
	// would make the list quadratic).
	rejected := map[string][]*archive.Destruction{}
	for _, o := range f.destroys {
		if !o.Rejected.IsZero() {
			rejected[o.Dossier] = append(rejected[o.Dossier], o)
		}
	}
	for _, d := range f.destroys {
		if d.Executed.IsZero() || !p.Contains(d.Executed) {
			continue
		}
		r := Row{"request": Str(d.ID), "dossier": Str(d.Dossier), "reason": Str(d.Reason), "level": Str(d.Level),
			"witnesses": f.names(d.Witnesses), "destroyed_on": f.dateOf(d.Executed), "method": methodCell(d.Method),
			"executed_by": Str(f.memberName(d.ExecutedBy))}
		// Its level when destroyed, by R7.2.4: the execution records
		// the level the journal had, which is still the marking of a
		// dossier whose secrecy period had run out (内部) until crm
		// maintain journals its declassification.
		dd := f.dossier(d.Dossier) // decoded once for the row
		if dd != nil {
			if lv := f.levelAt(dd, d.Executed); lv != "" {
				r["level"] = Str(lv)
			}
		}
		r["remarks"] = f.destructionRemarks(d, dd, rejected[d.Dossier])
		// Each approval under the role of its step in the chain; the
		// layout names the columns it shows.
		for _, ap := range d.Approvals {
			r[ap.Role] = Str(f.memberName(ap.Member))
			r[ap.Role+"_date"] = f.dateOf(ap.Time)
		}
		rows = append(rows, r)
	}
	return map[string][]Row{"destroyed": rows}
}

// destructionRemarks is the 备注 of executed destruction d in the 销毁清册,
// in both languages, from what the journal says of its dossier before it
// was destroyed: the level it had before its secrecy period ran out, when
// it was destroyed declassified (R7.2.4; the 密级 column gives 内部), and
// the earlier requests to destroy it that were rejected, by whom, when
// and why (R6.10: a rejection ends a request, a later one starts anew),
// which rejected holds (the rejected requests about its dossier); dd is
// the dossier's state, nil if the histories have none. Legal
// holds are not among them: the state keeps only the hold in force, and a
// dossier under one is never destroyed.
func (f *facts) destructionRemarks(d *archive.Destruction, dd *archive.DossierState, rejected []*archive.Destruction) Value {
	var zh, en []string
	if dd != nil {
		if ts := f.s.DeclassifiedAt(dd, d.Executed); len(ts) > 0 && f.levelAt(dd, d.Executed) == f.s.Policy.DeclassifiedLevel() {
			t := ts[len(ts)-1]
			lv, day := f.levelAt(dd, t), t.In(f.loc).Format(time.DateOnly)
			zh = append(zh, "原密级"+lv+"，"+day+" 保密期限届满自行解密")
			en = append(en, "was "+lv+" until its secrecy period ran out on "+day)
		}
	}
	for _, o := range rejected {
		if o.Dossier != d.Dossier || o.ID == d.ID || o.Rejected.IsZero() || !o.Rejected.Before(d.Executed) {
			continue
		}
		who, day := f.memberName(o.RejectedBy), o.Rejected.In(f.loc).Format(time.DateOnly)
		z, e := "此前申请 "+o.ID+" 被"+who+"驳回（"+day+"）", "earlier request "+o.ID+" rejected by "+who+" on "+day
		if o.RejectNote != "" {
			z, e = z+"："+o.RejectNote, e+": "+o.RejectNote
		}
		zh, en = append(zh, z), append(en, e)
	}
	if len(zh) == 0 {
		return Value{}
	}
	return Words(Text{Zh: strings.Join(zh, "；"), En: strings.Join(en, "; ")})
}

// yesNo is a yes-or-no cell: 是/否, yes/no in English.
func yesNo(b bool) Value {
	if b {
		return Words(Text{Zh: "是", En: "yes"})
	}
	return Words(Text{Zh: "否", En: "no"})
}

// methodCell is how a destruction was done, as its execution recorded it.
// The default every execution without a method records is one fixed
// string in both languages (archive.DefaultDestroyMethod): the journal
// keeps it as written, and the list words it in the report's language.
func methodCell(m string) Value {
	if m == archive.DefaultDestroyMethod {
		return Words(Text{Zh: "删除密文文件", En: "ciphertext file deleted"})
	}
	return Str(m)
}

// reviewRegister: one row per 核定 in p, by time, with its sign-off
// (review.signoff) as the archive has it now, and its result (核定结果)
// as `crm review done --result` recorded it, else 已核定: a 核定
// recorded without a result (every one before it could be given) says
// no more than that it was done. Its rows are made as they are read: the
// whole register is half a million at 100,000 dossiers.
func (f *facts) reviewRegister(p Period) rowSource {
	keys := []string{"dossier", "level", "quarter", "verified_on", "verified_by", "signed_off_by", "result", "remarks"}
	in := f.reviewsIn(p)
	now := f.a.Now().Unix() // a sign-off dated later (clock skew) is not yet shown
	return &rowsOf[reviewRow]{items: in, keys: keys, cell: func(x *reviewRow, _ int, key string) Value {
		switch key {
		case "dossier":
			return Str(x.dossier)
		case "level":
			return Str(x.level)
		case "quarter":
			return Str(x.quarter)
		case "verified_on":
			return f.dateOf(time.Unix(x.at, 0))
		case "verified_by":
			return Str(f.memberName(x.by))
		case "signed_off_by":
			if x.signedOffBy == "" || x.signedOff > now {
				return Str("")
			}
			return Str(f.memberName(x.signedOffBy))
		case "result":
			// What `crm review done --result` recorded; a 核定 recorded
			// without one shows what its event does: that it was done.
			if x.result == 0 {
				return Words(Text{Zh: "已核定", En: "verified"})
			}
			r := reviewResults[x.result-1]
			return Words(Text{Zh: r.Zh, En: r.En})
		case "remarks":
			return Str(x.note)
		}
		return Value{}
	}}
}

// signedOff names who signed off review r, if that was before t.
func (f *facts) signedOff(r archive.Review, t time.Time) string {
	if r.SignedOffBy == "" || !r.SignedOff.Before(t) {
		return ""
	}
	return f.memberName(r.SignedOffBy)
}

// classificationRegister: one row per marking (at creation), change of
// level, declassification, credit class or tier change in p, by date,
// made as they are read (rowSource). A declassification (自行解密) is
// dated the day its secrecy period ran out, when it happened by R7.2.4,
// as the monthly report counts it; the day crm maintain recorded it is
// in the reason, and one not recorded yet by now is listed all the same.
// Its 批准人 is who decided the change as the journal checked it
// (archive.Change.ApprovedBy): empty for a marking at creation by a
// writer whose roles did not let them decide it.
func (f *facts) classificationRegister(p Period, now time.Time) rowSource {
	keys := []string{"dossier", "changed_on", "change", "from_level", "to_level", "period", "reason", "changed_by", "approved_by", "expires"}
	in := run(f.changeRows(now), p, func(r *changeRow) time.Time { return r.on })
	return &rowsOf[changeRow]{items: in, keys: keys, cell: func(r *changeRow, _ int, key string) Value {
		c := &r.c
		switch key {
		case "dossier":
			return Str(c.Dossier)
		case "changed_on":
			return f.dateOf(r.on)
		case "change":
			if c.Kind == archive.ChangeCredit && c.From == c.To && c.From != "" {
				// The class the dossier had, kept (R8: a supervisor's
				// review of a visit's 信用异动): not a change, as
				// 密级确认 is none.
				return Words(creditKept)
			}
			return Words(changeTerms[c.Kind])
		case "from_level":
			return Str(c.From)
		case "to_level":
			return Str(c.To)
		case "period":
			return periodText(c.Period)
		case "reason":
			if c.Kind == archive.ChangeDeclassify {
				switch {
				case !r.recorded.IsZero():
				case r.since == sinceDestroyed:
					return Words(Text{Zh: "保密期限届满；档案其后已销毁，未登记", En: "secrecy period ran out; the dossier was destroyed since; not recorded"})
				case r.since == sinceMarked:
					return Words(Text{Zh: "保密期限届满；其后重新定密，未登记", En: "secrecy period ran out; marked again since; not recorded"})
				default:
					return Words(Text{Zh: "保密期限届满，尚未登记", En: "secrecy period ran out; not recorded yet"})
				}
				rec := r.recorded.In(f.loc).Format(time.DateOnly)
				return Words(Text{Zh: "保密期限届满，" + rec + " 登记", En: "secrecy period ran out; recorded on " + rec})
			}
			return Str(c.Reason)
		case "changed_by":
			return Str(f.memberName(c.By))
		case "approved_by":
			// Who decided it (R7.2): the journal records the signer of a
			// change the policy let their role decide; a declassification
			// is the secrecy period's, nobody's (R7.2.4).
			if c.Kind == archive.ChangeDeclassify {
				return Words(Text{Zh: "无（保密期限届满自行解密）", En: "none (the secrecy period ran out)"})
			}
			return Str(f.memberName(c.ApprovedBy))
		case "expires":
			if c.Kind == archive.ChangeDeclassify {
				return f.dateOf(r.on)
			}
			if t, err := time.Parse(time.DateOnly, c.Expires); err == nil {
				return Date(t)
			}
		}
		return Value{}
	}}
}

// changeRow is a row of the classification register: a change and the
// time it is dated (on); for a declassification the start of the day the
// secrecy period ran out (R7.2.4), and recorded, when the journal
// recorded it (zero: not yet).
type changeRow struct {
	c            archive.Change
	on, recorded time.Time
	// since, for a declassification not recorded: why the journal never
	// will (the dossier destroyed or marked again since), or "" if it is
	// yet to.
	since string
}

// Why a declassification not recorded yet never will be (changeRow.since).
const (
	sinceDestroyed = "destroyed"
	sinceMarked    = "marked"
)

// changeRows is every change of the journal, and every declassification
// before now that it has not recorded yet, by date, ties by dossier.
func (f *facts) changeRows(now time.Time) []changeRow {
	all := f.changesByTime()
	rows := make([]changeRow, 0, len(all))
	recorded := map[string]bool{} // dossier and the day its period ran out
	for _, c := range all {
		r := changeRow{c: c, on: c.At}
		if c.Kind == archive.ChangeDeclassify {
			if t, err := time.Parse(time.DateOnly, c.Expired); err == nil {
				// When it ran out, as the yearly count has it
				// (State.DeclassifiedAt): one definition of the moment.
				r.on, r.recorded = f.a.Policy.RunsOut(t), c.At
				recorded[c.Dossier+" "+c.Expired] = true
			}
		}
		rows = append(rows, r)
	}
	low := f.a.Policy.DeclassifiedLevel()
	f.each(func(d *archive.DossierState) {
		ts := f.s.DeclassifiedAt(d, now)
		for i, t := range ts {
			day := t.In(f.loc).Format(time.DateOnly)
			if !recorded[d.ID+" "+day] {
				// Recorded some day only if it is the last, of a dossier
				// still held whose journal level is still the one that
				// ran out: else never (destroyed, or marked again since).
				since := ""
				switch {
				case d.Status == archive.StatusDestroyed:
					since = sinceDestroyed
				case i < len(ts)-1 || d.Level == low || f.a.EffectiveLevel(d) == d.Level:
					since = sinceMarked
				}
				rows = append(rows, changeRow{on: t, since: since, c: archive.Change{At: t, Dossier: d.ID, Kind: archive.ChangeDeclassify,
					From: f.levelAt(d, t), To: low, Expired: day}})
			}
		}
	})
	slices.SortStableFunc(rows, func(x, y changeRow) int {
		return cmp.Or(x.on.Compare(y.on), cmp.Compare(x.c.Dossier, y.c.Dossier))
	})
	return rows
}

// run is the items of all (sorted by time, at) in p: one run of them,
// found by binary search.
func run[T any](all []T, p Period, at func(*T) time.Time) []T {
	if p.All() {
		return all
	}
	lo := sort.Search(len(all), func(i int) bool { return !at(&all[i]).Before(p.Start) })
	hi := sort.Search(len(all), func(i int) bool { return !at(&all[i]).Before(p.End) })
	return all[lo:max(lo, hi)]
}

// periodText writes a secrecy period as the department does: 10年,
// 6个月, 1年6个月, 30天, 长期; in English 10 years, 1 year 6 months, long-term.
func periodText(s string) Value {
	p, err := classify.ParsePeriod(s)
	if err != nil {
		return Str(s)
	}
	return Words(Text{Zh: p.Chinese(), En: p.English()})
}
