package archive

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"crm/classify"
	"crm/l10n"
)

// AddContact returns dossier text with contact record c appended to its
// contacts: list (sister rules, "Intake and records": every visit,
// follow-up, reception and complaint is filed into the dossier). Everything
// else in the text stays byte for byte as it was, comments and blank lines
// included: the record is spliced into the text where the list ends. Only a
// list written in an unusual way (a flow list with items, [{…}]) is
// rewritten through the YAML node tree, which keeps comments but not the
// layout. A complaint without keep_until gets the default retention date,
// written out so that the reader sees it. The result is checked with
// ParseDossier; a problem with c is a *ValidationError.
func AddContact(text []byte, c Contact) ([]byte, error) {
	old, err := ParseDossier(text)
	if err != nil {
		return nil, err
	}
	if c.Kind == ContactComplaint && c.KeepUntil.IsZero() {
		c.KeepUntil = ComplaintKeepUntil(c.Date)
	}
	item := contactNode(c)
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil {
		return nil, err
	}
	top := root.Content[0]
	out, ok := spliceContact(text, top, item)
	if !ok || !addedOne(text, out, len(old.Contacts)) {
		out, err = rewriteWithContact(&root, item)
		if err != nil {
			return nil, err
		}
	}
	if _, err := ParseDossier(out); err != nil {
		return nil, err
	}
	if !addedOne(text, out, len(old.Contacts)) {
		return nil, l10n.Errorf("could not add the record to the dossier's contacts: list: edit the dossier instead")
	}
	return out, nil
}

// addedOne reports whether out is text with exactly one more contact record
// and nothing else changed.
func addedOne(text, out []byte, had int) bool {
	d, err := ParseDossier(out)
	if err != nil || len(d.Contacts) != had+1 {
		return false
	}
	fields, err := ChangedFields(text, out)
	return err == nil && slices.Equal(fields, []string{"contacts"})
}

// contactNode is c as a YAML mapping, empty fields left out.
func contactNode(c Contact) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k, v string, plain bool) {
		if v == "" {
			return
		}
		val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
		if plain {
			val.Tag = ""
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, val)
	}
	date := func(d Date) string {
		if d.IsZero() {
			return ""
		}
		return d.Format(time.DateOnly)
	}
	add("date", date(c.Date), true)
	add("who", c.Who, false)
	add("kind", c.Kind, false)
	add("content", c.Content, false)
	add("follow_up", c.FollowUp, false)
	add("keep_until", date(c.KeepUntil), true)
	if cc := c.CreditChange; cc != nil {
		ch := &yaml.Node{Kind: yaml.MappingNode}
		for _, kv := range [][2]string{{"from", cc.From}, {"to", cc.To}, {"reason", cc.Reason}} {
			ch.Content = append(ch.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kv[0]}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv[1]})
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "credit_change"}, ch)
	}
	return m
}

// itemText is item written as one block-list entry ("- date: …"), each
// line indented by indent spaces.
func itemText(item *yaml.Node, indent int, eol string) []byte {
	b, _ := encodeNode(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{item}})
	pad := strings.Repeat(" ", indent)
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		if strings.TrimSpace(line) != "" {
			out.WriteString(pad)
		}
		out.WriteString(strings.TrimSuffix(line, "\n"))
		out.WriteString(eol)
	}
	return out.Bytes()
}

// textLines is a text cut into lines, each with its line end; lines[i]
// is line i+1.
type textLines []string

func linesOf(text []byte) textLines {
	lines := strings.SplitAfter(string(text), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	return lines
}

// insert is the text with add put after the first after lines.
func (lines textLines) insert(after int, add []byte, eol string) []byte {
	var b bytes.Buffer
	for _, l := range lines[:after] {
		b.WriteString(l)
	}
	if after > 0 && !strings.HasSuffix(lines[after-1], "\n") {
		b.WriteString(eol)
	}
	b.Write(add)
	for _, l := range lines[after:] {
		b.WriteString(l)
	}
	return b.Bytes()
}

// spliceContact inserts item into text where the top-level contacts: list
// ends (or adds the list at the end); ok is false for a layout it does not
// handle.
func spliceContact(text []byte, top, item *yaml.Node) ([]byte, bool) {
	eol := "\n"
	if bytes.Contains(text, []byte("\r\n")) {
		eol = "\r\n"
	}
	lines := linesOf(text)
	key, val := child(top, "contacts")
	var after, indent int
	ok := true
	switch {
	case key == nil:
		// No list yet: add one at the end.
		add := append([]byte(eol+"contacts:"+eol), itemText(item, 2, eol)...)
		return lines.insert(len(lines), add, eol), true
	case key.Column != 1 || key.Line > len(lines):
		return nil, false
	case val.Kind == yaml.ScalarNode && val.Tag == "!!null":
		// contacts: / contacts: ~ / contacts: null, perhaps with a comment.
		after, indent, ok = key.Line, 2, lines.dropNull(key, val, eol)
	case val.Kind == yaml.SequenceNode && len(val.Content) == 0 && val.Line == key.Line:
		// contacts: [] (the templates' form), perhaps with a comment.
		after, indent, ok = key.Line, 2, lines.dropEmptyFlow(key, val, eol)
	case val.Kind == yaml.SequenceNode && val.Style&yaml.FlowStyle == 0 && len(val.Content) > 0:
		after, indent = lines.blockListEnd(val), val.Column-1
	default:
		return nil, false
	}
	if !ok {
		return nil, false
	}
	return lines.insert(after, itemText(item, indent, eol), eol), true
}

// dropNull removes the null value (~, null) written after key on its line,
// keeping a comment; false if the line is not as the node says.
func (lines textLines) dropNull(key, val *yaml.Node, eol string) bool {
	if val.Line != key.Line || val.Value == "" {
		return true // contacts: with nothing after it
	}
	line := lines[key.Line-1]
	at := val.Column - 1
	if at > len(line) || !strings.HasPrefix(line[at:], val.Value) {
		return false
	}
	l := strings.TrimRight(line[:at], " ") + " " + strings.TrimLeft(line[at+len(val.Value):], " ")
	lines[key.Line-1] = strings.TrimRight(strings.TrimRight(l, "\r\n"), " ") + eol
	return true
}

// dropEmptyFlow removes the [] written after key on its line, keeping a
// comment; false if the line is not as the node says.
func (lines textLines) dropEmptyFlow(key, val *yaml.Node, eol string) bool {
	line := lines[key.Line-1]
	at := val.Column - 1
	end := strings.Index(line[min(at, len(line)):], "]")
	if at > len(line) || line[at] != '[' || end < 0 {
		return false
	}
	rest := strings.TrimLeft(line[at+end+1:], " ")
	lines[key.Line-1] = strings.TrimRight(strings.TrimRight(line[:at], " ")+" "+rest, "\r\n ") + eol
	return true
}

// blockListEnd is the number of the last line of block list val: its
// items start with "-" at val's column; the list goes on while lines are
// indented deeper, or are further items.
func (lines textLines) blockListEnd(val *yaml.Node) int {
	dash := val.Column - 1
	last := val.Content[len(val.Content)-1].Line
	end := last
	for i := last; i < len(lines); i++ { // lines[i] is line i+1
		l := strings.TrimRight(lines[i], "\r\n")
		trimmed := strings.TrimLeft(l, " ")
		indent := len(l) - len(trimmed)
		switch {
		case trimmed == "":
			continue
		case indent > dash, indent == dash && (trimmed == "-" || strings.HasPrefix(trimmed, "- ")) && !strings.HasPrefix(trimmed, "#"):
			end = i + 1
			continue
		}
		break
	}
	return end
}

// rewriteWithContact appends item to the contacts: list in the node tree
// and writes the whole document again (comments kept, layout not).
func rewriteWithContact(root *yaml.Node, item *yaml.Node) ([]byte, error) {
	top := root.Content[0]
	_, val := child(top, "contacts")
	switch {
	case val == nil:
		top.Content = append(top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "contacts"}, &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{item}})
	case val.Kind == yaml.SequenceNode:
		val.Content = append(val.Content, item)
		val.Style &^= yaml.FlowStyle
	case val.Kind == yaml.ScalarNode && val.Tag == "!!null":
		*val = yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{item}, LineComment: val.LineComment}
	default:
		return nil, &ValidationError{[]*FieldError{{Path: "contacts", Line: val.Line, Msg: l10n.T("must be a list of records (- date: …, kind: …)")}}}
	}
	return encodeNode(root)
}

// encodeNode writes a YAML node tree as crm writes YAML: indented by two.
func encodeNode(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ParseContact reads one contact record written as a YAML mapping (date:,
// who:, kind:, content:, follow_up:, keep_until:, credit_change:), as in
// the editor of `crm contact add`. Errors name the line and field.
func ParseContact(text []byte) (Contact, error) {
	var c Contact
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil {
		return c, &ValidationError{[]*FieldError{syntaxError(text, err)}}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return c, &ValidationError{[]*FieldError{{Line: 1, Msg: l10n.T("a contact record is a mapping: date:, kind:, content:, …")}}}
	}
	top := root.Content[0]
	if ps := unknownFields(top, reflect.TypeFor[Contact](), ""); len(ps) > 0 {
		return c, &ValidationError{ps}
	}
	ps, err := decodeNode(top, &c)
	if err != nil {
		return c, err
	}
	if len(ps) == 0 {
		checkFields(reflect.ValueOf(&c).Elem(), top, "", 0, true, &ps)
	}
	if len(ps) == 0 {
		ps = creditChangeChecks(top, &c, "")
	}
	if len(ps) > 0 {
		return c, &ValidationError{ps}
	}
	return c, nil
}

// RemoveContacts returns dossier text without the contact records for
// which drop is true, and the records removed. Everything else in the text
// stays byte for byte as it was: each record's lines (from its "-" to the
// next record or the end of the list, comments between included) are cut
// out. A list written in an unusual way (a flow list, [{…}]) is rewritten
// through the YAML node tree, which keeps comments but not the layout.
func RemoveContacts(text []byte, drop func(Contact) bool) ([]byte, []Contact, error) {
	old, err := ParseDossier(text)
	if err != nil {
		return nil, nil, err
	}
	var gone []int
	var removed []Contact
	for i, c := range old.Contacts {
		if drop(c) {
			gone = append(gone, i)
			removed = append(removed, c)
		}
	}
	if len(gone) == 0 {
		return text, nil, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil {
		return nil, nil, err
	}
	_, val := child(root.Content[0], "contacts")
	out, ok := cutItems(text, val, gone)
	if !ok || !removedOnly(text, out, len(old.Contacts)-len(gone)) {
		keep := val.Content[:0:0]
		for i, item := range val.Content {
			if !slices.Contains(gone, i) {
				keep = append(keep, item)
			}
		}
		val.Content = keep
		if out, err = encodeNode(&root); err != nil {
			return nil, nil, err
		}
	}
	if !removedOnly(text, out, len(old.Contacts)-len(gone)) {
		return nil, nil, l10n.Errorf("could not remove the records from the dossier's contacts: list: edit the dossier instead")
	}
	return out, removed, nil
}

// removedOnly reports whether out is a valid dossier with want contact
// records that differs from text in its contacts only.
func removedOnly(text, out []byte, want int) bool {
	d, err := ParseDossier(out)
	if err != nil || len(d.Contacts) != want {
		return false
	}
	fields, err := ChangedFields(text, out)
	return err == nil && slices.Equal(fields, []string{"contacts"})
}

// cutItems removes the items gone (indexes) of the block list val from
// text, line by line; ok is false for a layout it does not handle.
func cutItems(text []byte, val *yaml.Node, gone []int) ([]byte, bool) {
	if val == nil || val.Kind != yaml.SequenceNode || val.Style&yaml.FlowStyle != 0 || len(val.Content) == 0 {
		return nil, false
	}
	lines := linesOf(text)
	dash := val.Column - 1
	// An item starts on its "-" line; it ends where the next one starts,
	// or, for the last, where the list ends (the first line indented no
	// deeper than the dash that is not a further item).
	start := func(i int) int { return val.Content[i].Line - 1 }
	last := len(val.Content) - 1
	end := len(lines)
	for i := start(last) + 1; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r\n")
		trimmed := strings.TrimLeft(l, " ")
		if trimmed == "" || len(l)-len(trimmed) > dash {
			continue
		}
		end = i
		break
	}
	// Blank lines before the end belong to what follows.
	for end > start(last)+1 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	cut := make([]bool, len(lines))
	for _, i := range gone {
		from, to := start(i), end
		if i < last {
			to = start(i + 1)
		}
		if from < 0 || from >= len(lines) || !strings.HasPrefix(strings.TrimLeft(lines[from], " "), "-") {
			return nil, false
		}
		for j := from; j < to; j++ {
			cut[j] = true
		}
	}
	var b strings.Builder
	for i, l := range lines {
		if !cut[i] {
			b.WriteString(l)
		}
	}
	return []byte(b.String()), true
}

// ParseCreditChange reads a change in credit given as FROM:TO (B:C; a
// full-width ： too), each a credit class as `crm classify --credit`
// takes it (A–D in either case, or 优, 良, 中, 差), with its reason: the
// CreditNote of a visit, in the classes' letters. The class must change;
// the reason, required in a dossier, is the caller's to ask for (a form in
// the editor may leave it to be written there).
func ParseCreditChange(change, reason string) (*CreditNote, error) {
	from, to, ok := strings.Cut(strings.ReplaceAll(change, "：", ":"), ":")
	if !ok {
		return nil, l10n.Errorf("%q is not FROM:TO, the credit class before and after (e.g. B:C)", change)
	}
	f, err := classify.ParseCreditClass(from)
	if err != nil {
		return nil, err
	}
	t, err := classify.ParseCreditClass(to)
	if err != nil {
		return nil, err
	}
	if f == t {
		return nil, l10n.Errorf("%q: the class is %s before and after: a class that did not change is no change in credit", change, t)
	}
	return &CreditNote{From: string(f), To: string(t), Reason: reason}, nil
}
