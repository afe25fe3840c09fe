package archive

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"

	"filippo.io/age"
	"gopkg.in/yaml.v3"

	"crm/archive/journal"
	"crm/l10n"
)

// Dossier files merge by content (DESIGN.md, "Many writers"): git's merge
// driver gives crm the three versions of a dossier file; MergeDossier
// decrypts them in memory, merges the YAML field by field and encrypts
// the result only to recipients who could read both sides. After git has
// finished, dossier.merge journals the merged file: it follows both
// clones' heads and pins it.

// DossierMerge is the data of dossier.merge: the changed field paths
// (against the version this clone had), the SHA-256 of the versions
// merged (each pinned by an event the merge follows), and the file.
type DossierMerge struct {
	Fields  []string `yaml:"fields" json:"fields"`
	Parents []string `yaml:"parents" json:"parents"`
	File    `yaml:",inline"`
}

func (x *DossierMerge) check(c *step) error {
	c.fileRequired = true
	if len(x.Parents) < 2 {
		return problemf("%s merges fewer than two versions", kindWord(c.e.Kind))
	}
	for _, p := range x.Parents {
		if !c.pinnedBefore(p) {
			return problemf("%s merges version %s of dossier %s, which no event it follows pinned", kindWord(c.e.Kind), shortSum(p), c.d.ID)
		}
	}
	return nil
}

func (x *DossierMerge) apply(c *step) {
	c.d.Updates = append(c.d.Updates, Stamp{At: c.e.Time, By: c.e.Actor, Fields: changedFields(x.Fields)})
}

// pinnedBefore reports whether an event of the step's dossier that the
// step follows pinned the file with SHA-256 sum. On a state advanced from
// a snapshot (advance.go), the dossier's earlier events are read from
// their files, by the paths the snapshot keeps (each checked against the
// hash its name holds); the step follows every one of them, as every new
// event follows the snapshot's heads (journal.Journal.Prior) or, after a
// merge, every old event about its own dossier (commutes). One that
// cannot be read does not count: the check fails, and the advance gives
// way to a replay of the whole journal.
func (c *step) pinnedBefore(sum string) bool {
	pins := func(e *journal.Event) bool {
		if e.Dossier != c.d.ID {
			return false
		}
		f, ok := pinOf(e)
		return ok && f.SHA256 == sum && c.follows(e.Hash)
	}
	if slices.ContainsFunc(c.d.Events, pins) {
		return true
	}
	j := c.s.Journal
	if j == nil || j.Prior == nil || j.Root() == "" {
		return false
	}
	for _, p := range c.s.eventPaths[c.d.ID] {
		if e, err := journal.ReadFile(j.Root(), p); err == nil && pins(e) {
			return true
		}
	}
	return false
}

func shortSum(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// PinnedRecipients returns the recipients the journal pinned for the
// dossier file with SHA-256 sum, if an event pinned it.
func (s *State) PinnedRecipients(sum string) ([]string, bool) {
	for _, e := range s.Journal.Events {
		if e.Dossier == "" {
			continue
		}
		if f, ok := pinOf(e); ok && f.SHA256 == sum {
			return f.Recipients, true
		}
	}
	return nil, false
}

// MergeablePins reports whether every version in parents was pinned by
// an event of dossier id that is not a problem. When one was not (its
// writer was removed concurrently, say), dossier.merge is refused: crm
// sync then keeps the journal's version instead of the merged file.
// An event dated ahead of this clock is no such problem: it counts once
// its date comes (AheadEvents), so its version is not to be dropped.
func (a *Archive) MergeablePins(id string, parents []string) bool {
	events, err := a.DossierLog(id)
	if err != nil {
		return false
	}
	events = append(slices.Clip(events), a.State.tooNew...)
	for _, p := range parents {
		if !slices.ContainsFunc(events, func(e *journal.Event) bool {
			f, ok := pinOf(e)
			return ok && e.Dossier == id && f.SHA256 == p && (!a.State.isProblem(e.Path) || a.State.datedAhead(e.Path))
		}) {
			return false
		}
	}
	return true
}

// pinOf is the file an event pins (sha256 and recipients), if its data
// reads as one.
func pinOf(e *journal.Event) (File, bool) {
	var f struct {
		File `yaml:",inline"`
	}
	if e.DecodeLoose(&f) != nil {
		return File{}, false
	}
	return f.File, true
}

// PinnedRecipientsOf is PinnedRecipients among the events of dossier id,
// the only ones that pin its file: from the replayed state, or, for a
// state taken from a snapshot, from those events' files (DossierLog), so
// that git's merge driver, run once per merged dossier, reads that
// dossier's events instead of the whole journal. False when none of them
// pins sum or the state has no dossier id.
func (a *Archive) PinnedRecipientsOf(id, sum string) ([]string, bool) {
	if a.State.Dossiers[id] == nil {
		return nil, false
	}
	events, err := a.DossierLog(id)
	if err != nil {
		return nil, false
	}
	for _, e := range events {
		if e.Dossier != id {
			continue
		}
		if f, ok := pinOf(e); ok && f.SHA256 == sum {
			return f.Recipients, true
		}
	}
	return nil, false
}

// MergeResult is what MergeDossier made of three versions of a dossier.
type MergeResult struct {
	Merged     []byte   // the merged ciphertext, when clean
	Recipients []string // whom Merged is encrypted to: those who could read both sides
	// Keys are the recipients' public keys Merged is encrypted to: those
	// of this clone's journal before the merge, which may give a
	// recipient other keys (member.rotate) than the merged journal does.
	Keys    []string
	Fields  []string // fields the merge changed against ours
	Parents []string // SHA-256 of ours and theirs
	// A conflict leaves Merged nil and says why: the fields both sides
	// changed differently, or the version (base, ours, theirs) the working
	// key cannot read, with the recipients the journal pinned for it.
	Conflicts  []string
	Unreadable string
	Readers    []string
	Created    bool // both sides created the file (an id collision): never merged
}

// Clean reports whether the merge needs no person.
func (r *MergeResult) Clean() bool {
	return r.Merged != nil
}

// MergeDossier merges three versions of dossier id's ciphertext (base may
// be nil when both sides created the file) with the working identity.
// pinned gives the recipients the journal (of either side) pinned for a
// ciphertext hash. Nothing is encrypted to anyone who could not read both
// sides; nothing is written.
func (a *Archive) MergeDossier(id string, base, ours, theirs []byte, pinned func(sum string) ([]string, bool)) (*MergeResult, error) {
	if a.id == nil {
		return nil, (&Error{Code: Denied, Err: l10n.Errorf("no identity: this step needs your key")}).then(NextIdentity, "")
	}
	r := &MergeResult{Parents: []string{sha256Hex(ours), sha256Hex(theirs)}}
	if len(base) == 0 {
		r.Created = true
		return r, nil
	}
	texts := make([][]byte, 3)
	for i, ct := range [][]byte{base, ours, theirs} {
		plain, err := Decrypt(ct, a.id.Age)
		if err != nil {
			var nm *age.NoIdentityMatchError
			if !errors.As(err, &nm) {
				return nil, l10n.Errorf("decrypting %s: %v", DossierPath(id), err)
			}
			r.Unreadable = []string{"base", "ours", "theirs"}[i]
			r.Readers, _ = pinned(sha256Hex(ct))
			return r, nil
		}
		texts[i] = plain
	}
	merged, conflicts, err := MergeText(texts[0], texts[1], texts[2], false)
	if err != nil {
		return nil, l10n.Errorf("merging %s: %v", DossierPath(id), err)
	}
	if len(conflicts) > 0 {
		r.Conflicts = conflicts
		return r, nil
	}
	ro, ok1 := pinned(r.Parents[0])
	rt, ok2 := pinned(r.Parents[1])
	if !ok1 || !ok2 {
		r.Unreadable = "theirs"
		return r, nil
	}
	for _, x := range ro {
		if slices.Contains(rt, x) && (x == Recovery || a.State.Members[x] != nil) {
			r.Recipients = append(r.Recipients, x)
		}
	}
	if r.Merged, err = a.encrypt(merged, r.Recipients); err != nil {
		return nil, err
	}
	r.Keys = a.RecipientKeys(r.Recipients)
	if r.Fields, err = ChangedFields(texts[1], merged); err != nil {
		return nil, err
	}
	return r, nil
}

// MergeText merges two YAML texts changed apart from base, field by field
// on yaml.v3 nodes: a field changed on one side takes that side's value
// (with its comments); a field changed on both sides differently is a
// conflict. Lists that both sides only appended to keep both appendices
// (base, ours', theirs'). Key order and comments are ours'. With mark,
// each conflict keeps ours' value and carries theirs' (and base's) as
// comment lines above its key, for a person to settle; otherwise the
// conflicts are only listed.
func MergeText(base, ours, theirs []byte, mark bool) ([]byte, []string, error) {
	switch {
	case bytes.Equal(ours, theirs), bytes.Equal(base, theirs):
		return ours, nil, nil
	case bytes.Equal(base, ours):
		return theirs, nil, nil
	}
	var b, o, t yaml.Node
	for i, x := range []struct {
		text []byte
		n    *yaml.Node
	}{{base, &b}, {ours, &o}, {theirs, &t}} {
		if err := yaml.Unmarshal(x.text, x.n); err != nil {
			return nil, nil, l10n.Errorf("%s: %v", []string{"base", "ours", "theirs"}[i], err)
		}
	}
	m := &merger{mark: mark}
	root := m.merge(docRoot(&b), docRoot(&o), docRoot(&t), "")
	if len(m.conflicts) > 0 && !mark {
		return nil, m.conflicts, nil
	}
	out := o
	if out.Kind == yaml.DocumentNode && len(out.Content) == 1 {
		out.Content = []*yaml.Node{root}
	} else {
		out = *root
	}
	encoded, err := encodeNode(&out)
	if err != nil {
		return nil, nil, err
	}
	if len(m.conflicts) == 0 {
		// yaml.v3 keeps comments but not blank lines or quoting: when
		// the sides changed different lines, a line merge keeps the
		// layout too, and is used if it means exactly the same.
		if text, ok := mergeLines(base, ours, theirs); ok {
			var n yaml.Node
			if yaml.Unmarshal(text, &n) == nil && same(docRoot(&n), root) {
				return text, nil, nil
			}
		}
	}
	return encoded, m.conflicts, nil
}

// hunk replaces lines [s, e) of a text by lines.
type hunk struct {
	s, e  int
	lines []string
}

// mergeLines merges ours and theirs, both changed from base, line by line
// (diff3): false if they changed the same or touching lines differently,
// or the texts are too long for the quadratic diff.
func mergeLines(base, ours, theirs []byte) ([]byte, bool) {
	b, o, t := splitLines(base), splitLines(ours), splitLines(theirs)
	if len(b)*max(len(o), len(t)) > 4_000_000 {
		return nil, false
	}
	ho, ht := lineDiff(b, o), lineDiff(b, t)
	var out []string
	pos, i, j := 0, 0, 0
	for i < len(ho) || j < len(ht) {
		var h hunk
		switch {
		case j == len(ht) || i < len(ho) && ho[i].e < ht[j].s:
			h, i = ho[i], i+1
		case i == len(ho) || ht[j].e < ho[i].s:
			h, j = ht[j], j+1
		case ho[i].s == ht[j].s && ho[i].e == ht[j].e && slices.Equal(ho[i].lines, ht[j].lines):
			h, i, j = ho[i], i+1, j+1
		default:
			return nil, false // the same or touching lines
		}
		out = append(out, b[pos:h.s]...)
		out = append(out, h.lines...)
		pos = h.e
	}
	out = append(out, b[pos:]...)
	return []byte(strings.Join(out, "")), true
}

// splitLines splits text after each newline.
func splitLines(text []byte) []string {
	return strings.SplitAfter(string(text), "\n")
}

// lineDiff returns the hunks that turn a into b, in order, from their
// longest common subsequence.
func lineDiff(a, b []string) []hunk {
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var hs []hunk
	var cur *hunk
	i, j := 0, 0
	flush := func() {
		if cur != nil {
			cur.e = i
			hs = append(hs, *cur)
			cur = nil
		}
	}
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			flush()
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			if cur == nil {
				cur = &hunk{s: i}
			}
			cur.lines = append(cur.lines, b[j])
			j++
		default:
			if cur == nil {
				cur = &hunk{s: i}
			}
			i++
		}
	}
	flush()
	return hs
}

func docRoot(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return n.Content[0]
	}
	if n.Kind == 0 {
		return nil
	}
	return n
}

type merger struct {
	mark      bool
	conflicts []string
}

// merge returns the merge of o and t against b (each may be nil: absent).
func (m *merger) merge(b, o, t *yaml.Node, path string) *yaml.Node {
	switch {
	case same(o, t):
		return o
	case b != nil && same(b, o):
		return t
	case b != nil && same(b, t):
		return o
	case o != nil && t != nil && o.Kind == yaml.MappingNode && t.Kind == yaml.MappingNode && (b == nil || b.Kind == yaml.MappingNode):
		return m.mapping(b, o, t, path)
	case o != nil && t != nil && b != nil && o.Kind == yaml.SequenceNode && t.Kind == yaml.SequenceNode && b.Kind == yaml.SequenceNode &&
		isPrefix(b.Content, o.Content) && isPrefix(b.Content, t.Content):
		out := *o
		out.Content = append(slices.Clone(o.Content), t.Content[len(b.Content):]...)
		return &out
	}
	m.conflicts = append(m.conflicts, cmpOr(path, "."))
	return o
}

func (m *merger) mapping(b, o, t *yaml.Node, path string) *yaml.Node {
	out := *o
	out.Content = nil
	sub := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	for i := 0; i+1 < len(o.Content); i += 2 {
		key, ov := o.Content[i], o.Content[i+1]
		bv, tv := MappingValue(b, key.Value), MappingValue(t, key.Value)
		if tv == nil && bv != nil {
			if same(bv, ov) {
				continue // deleted in theirs
			}
			m.conflict(key, nil, bv, sub(key.Value)) // changed in ours, deleted in theirs
			out.Content = append(out.Content, key, ov)
			continue
		}
		if tv == nil {
			out.Content = append(out.Content, key, ov) // added in ours
			continue
		}
		n := len(m.conflicts)
		v := m.merge(bv, ov, tv, sub(key.Value))
		if len(m.conflicts) > n && m.mark && !isCollection(ov, tv) {
			key = m.annotate(key, tv, bv)
		}
		out.Content = append(out.Content, key, v)
	}
	for i := 0; i+1 < len(t.Content); i += 2 {
		key, tv := t.Content[i], t.Content[i+1]
		if MappingValue(o, key.Value) != nil {
			continue
		}
		bv := MappingValue(b, key.Value)
		switch {
		case bv == nil:
			out.Content = append(out.Content, key, tv) // added in theirs
		case same(bv, tv):
			// deleted in ours
		default:
			m.conflicts = append(m.conflicts, sub(key.Value)) // deleted in ours, changed in theirs
			if m.mark {
				out.Content = append(out.Content, m.annotate(key, tv, bv), tv)
			}
		}
	}
	return &out
}

// conflict records a conflict at path where theirs deleted the key.
func (m *merger) conflict(key, tv, bv *yaml.Node, path string) {
	m.conflicts = append(m.conflicts, path)
	if m.mark {
		*key = *m.annotate(key, tv, bv)
	}
}

// ConflictMarker starts the comment lines that MergeText(mark) puts above
// a conflicting field.
const ConflictMarker = "crm 冲突/conflict:"

// annotate returns a copy of key whose head comment shows theirs' and
// base's values.
func (m *merger) annotate(key, tv, bv *yaml.Node) *yaml.Node {
	k := *key
	var c strings.Builder
	c.WriteString(ConflictMarker + " " + l10n.T("both clones changed this field; ours is kept below. Keep one, or write both, then delete these lines.") + "\n")
	for _, x := range []struct {
		label string
		n     *yaml.Node
	}{{"theirs", tv}, {"base", bv}} {
		c.WriteString(x.label + ": ")
		if x.n == nil {
			c.WriteString(l10n.T("(deleted)") + "\n")
			continue
		}
		if x.n.Kind == yaml.ScalarNode {
			c.WriteString(strconv.Quote(x.n.Value) + "\n")
			continue
		}
		b, _ := yaml.Marshal(x.n)
		c.WriteString("\n")
		for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			c.WriteString("  " + line + "\n")
		}
	}
	k.HeadComment = strings.TrimRight(c.String(), "\n")
	if key.HeadComment != "" {
		k.HeadComment = key.HeadComment + "\n" + k.HeadComment
	}
	return &k
}

func isCollection(o, t *yaml.Node) bool {
	return o != nil && t != nil && o.Kind == yaml.MappingNode && t.Kind == yaml.MappingNode
}

// MappingValue returns the value node of key in mapping n, or nil (n nil
// or not a mapping, or no such key).
func MappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func isPrefix(p, s []*yaml.Node) bool {
	if len(p) > len(s) {
		return false
	}
	for i := range p {
		if !same(p[i], s[i]) {
			return false
		}
	}
	return true
}

// same reports whether two nodes hold the same value (comments, style and
// positions aside).
func same(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind == yaml.AliasNode && a.Alias != nil {
		a = a.Alias
	}
	if b.Kind == yaml.AliasNode && b.Alias != nil {
		b = b.Alias
	}
	if a.Kind != b.Kind || a.ShortTag() != b.ShortTag() || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !same(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// JournalMerge journals dossier.merge for dossier id, whose file git's
// merge driver (or a person resolving a conflict) has written: ct is the
// merged ciphertext, encrypted to recipients (with their public keys
// keys, nil when not known), parents the versions merged and fields what
// changed. When the merged journal gives other recipients (a level
// changed in one clone, a loan in the other), or other keys to one of them
// (a member.rotate in the other clone: git's driver encrypted with the
// keys this clone had, and the old key, of a lost laptop say, must not
// open the merged version), the file is re-encrypted to them (the working
// key must open it), so that it is readable only as the resulting level
// allows. The event follows every good head: both clones' work.
func (a *Archive) JournalMerge(id string, ct []byte, recipients, keys, parents, fields []string) error {
	if _, err := a.requireKind(KindDossierMerge); err != nil {
		return err
	}
	return a.writeMerge(id, fields, parents, func(want []string) ([]byte, error) {
		if slices.Equal(want, recipients) && (keys == nil || slices.Equal(keys, a.RecipientKeys(want))) {
			return ct, nil
		}
		if a.id == nil {
			return nil, deniedErr(l10n.Errorf("no identity: this step needs your key"))
		}
		plain, err := a.decryptAs(ct, recipients)
		if err != nil {
			return nil, deniedErr(l10n.Errorf("journaling the merge of dossier %s needs to decrypt it, and your key cannot", id))
		}
		return a.encrypt(plain, want)
	})
}

// ResolveMerge journals a person's settlement of a dossier both clones
// changed: text (checked like any dossier) replaces the file, encrypted to
// the recipients the merged journal gives, and dossier.merge names the two
// versions settled (parents) and the fields changed against ours.
func (a *Archive) ResolveMerge(id string, ours, text []byte, parents []string) error {
	if _, err := a.requireKind(KindDossierMerge); err != nil {
		return err
	}
	if _, err := ParseDossier(text); err != nil {
		return err
	}
	fields, err := ChangedFields(ours, text)
	if err != nil {
		return err
	}
	return a.writeMerge(id, fields, parents, func(want []string) ([]byte, error) {
		return a.encrypt(text, want)
	})
}

// writeMerge writes dossier id's merged file and its dossier.merge event
// under the lock; file gives the ciphertext for the recipients the
// (merged) journal expects.
func (a *Archive) writeMerge(id string, fields, parents []string, file func(want []string) ([]byte, error)) error {
	if fields == nil {
		fields = []string{}
	}
	return a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		want := a.State.ExpectedRecipients(d)
		ct, err := file(want)
		if err != nil {
			return err
		}
		_, err = a.writeCiphertext(d.ID, ct, want, KindDossierMerge, &DossierMerge{Fields: fields, Parents: parents})
		return err
	})
}
