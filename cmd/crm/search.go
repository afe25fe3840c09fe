package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/archive/journal"
	"crm/l10n"
)

// searchHit is one dossier that matches, with every field that does.
type searchHit struct {
	ID       string        `json:"id"`
	Level    string        `json:"level"`
	Customer string        `json:"customer"`
	Matches  []searchMatch `json:"matches"`
}

type searchMatch struct {
	Field   string `json:"field"`
	Excerpt string `json:"excerpt"`
}

func newSearchCmd(e *env) *cobra.Command {
	var field, level string
	var asJSON bool
	c := &cobra.Command{
		Use:   "search TEXT [--field F] [--level L] [--json]",
		Short: l10n.Pick("Find the dossiers your key opens whose values contain TEXT, or whose id it is (exit 1 when none does)", "在你能解密的档案中查找含 TEXT 的字段值或编号为 TEXT 的档案（无匹配时退出码 1）"),
		Long: l10n.Pick(`Search the values of the dossiers your key opens for TEXT, ignoring case
and the width of signs, digits and letters ((上海) finds （上海）; traditional
and simplified characters are not matched to each other), on every core;
the plaintext cache makes a second search cheap. --field
limits the search to a field and what is under it (customer.name, customer,
basic.key_people.name: list positions need not be given). Each hit prints the
dossier's id, level and customer and the matching fields with an excerpt.
A dossier's full id (C-000003, in any case) finds that dossier too.
Like grep, crm search exits 1 when nothing matches, so scripts can test it;
how many dossiers your key could not open is said on standard error.`,
			`在你的密钥能解密的档案中查找字段值含 TEXT 的档案（不区分大小写，也不区分符号、数字和字母的
全角与半角，如 (上海) 可找到 （上海）；繁体与简体不互相匹配），多核并行；明文缓存使再次
查找很快。--field 只查该字段及其下级（如 customer.name、customer、basic.key_people.name，
列表序号可省略）。每个结果列出档案编号、密级、客户名称及匹配的字段与摘录。
输入完整的档案编号（如 C-000003，不分大小写）也能找到该档案。
与 grep 相同，没有匹配时退出码为 1，便于脚本判断；无法解密的档案数写在标准错误上。`),
		Example: `  crm search 上海
  crm search 杨建国 --field basic.key_people.name
  crm search 张 --field customer --level 机密
  crm search 天成 --json | jq -r '.[].id'
  crm search 天成 >/dev/null && echo found`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := strings.TrimSpace(args[0])
			if text == "" {
				return usagef("give the text to search for")
			}
			if field != "" && !archive.IsFieldPath(field) {
				// A misspelt field would find nothing, and say so as if
				// nothing matched (exit 1).
				return usagef("--field %s is not a field of a dossier: give one as the template names it (customer.name, customer, basic.key_people.name), or extra.NAME for the department's own", field)
			}
			// Reads only, and of the dossiers their rows (what file, which
			// level) before each one's text in turn: at 100,000 dossiers
			// the whole state was 1.6 GB. Every dossier is decrypted with
			// no plaintext cache yet: the heap stays under the budget.
			e.snapshot, e.summary = true, archive.SummaryRows
			defer archive.PaceGC()()
			a, err := e.open(true)
			if err != nil {
				return err
			}
			if level != "" {
				if level, err = levelFlag(a, level); err != nil {
					return err
				}
			}
			hits, searched, unreadable, err := e.search(a, text, field, level)
			if err != nil {
				return err
			}
			if unreadable > 0 {
				switch {
				case searched+unreadable == 1:
					e.errorf("%s\n", l10n.T("The dossier is not readable with your key and was not searched."))
				case unreadable == 1:
					e.errorf("%s\n", l10n.Sprintf("1 of %d dossiers is not readable with your key and was not searched.", searched+unreadable))
				default:
					e.errorf("%s\n", l10n.Sprintf("%d of %d dossiers are not readable with your key and were not searched.", unreadable, searched+unreadable))
				}
				if searched == 0 {
					return denied(l10n.Errorf("your key (%s) opens none of the %d dossiers to search", a.Identity().Path, unreadable))
				}
			}
			if asJSON {
				if hits == nil {
					hits = []searchHit{}
				}
				if err := printJSON(e.io.Out, hits); err != nil {
					return err
				}
			} else if len(hits) > 0 {
				if err := printHits(e, hits); err != nil {
					return err
				}
			}
			if len(hits) == 0 {
				e.errorf("%s\n", l10n.Sprintf("No dossier matches %q.", text))
				e.exit = ExitError
			}
			return nil
		},
	}
	c.Flags().StringVar(&field, "field", "", l10n.Pick("search only this field and what is under it (customer.name, customer, basic.key_people.name)", "只查该字段及其下级（如 customer.name、customer、basic.key_people.name）"))
	c.Flags().StringVar(&level, "level", "", l10n.Pick("only dossiers of this (effective) level", "只查该密级（按自行解密后的密级）"))
	c.Flags().BoolVar(&asJSON, "json", false, l10n.Pick("print JSON", "输出 JSON"))
	return c
}

// search looks for text in the values of the active dossiers the working
// key opens, on every core, and, without --field, for the dossier whose
// id text is in full (a short form, 3 or 2enh, would find dossiers in
// text that only holds a number). searched and unreadable count the dossiers of
// the level asked for that were and were not read.
func (e *env) search(a *archive.Archive, text, field, level string) (hits []searchHit, searched, unreadable int, err error) {
	v := a.ListView() // the active dossiers, by id
	var ids, levels []string
	var en archive.ListEntry
	for i := range v.Len() {
		if v.Entry(i, &en); level == "" || en.Level == level {
			ids, levels = append(ids, en.ID), append(levels, en.Level)
		}
	}
	found := make([]*searchHit, len(ids))
	want := strings.TrimSpace(text)
	needle := foldString(text)
	tokens := needleTokens(needle)
	unreadable, err = a.Scan(e.ctx(), l10n.T("searching dossiers"), ids, func(d *archive.DossierState, text []byte) error {
		k, ok := slices.BinarySearch(ids, d.ID)
		// The dossier's own id, typed in full in any case, is a match
		// too (crm search C-000003 finds it): ids are on the rows, no
		// value need be looked at for it.
		byID := field == "" && strings.EqualFold(d.ID, want)
		if !ok || !byID && !mayHold(text, tokens) {
			return nil
		}
		root, ok := journal.ReadMapping(text) // crm's own form, without yaml.v3
		if !ok {
			root = new(yaml.Node)
			if err := yaml.Unmarshal(text, root); err != nil {
				return l10n.Errorf("dossier %s: %v", d.ID, err)
			}
		}
		h := &searchHit{ID: d.ID, Level: levels[k]}
		if byID {
			h.Matches = append(h.Matches, searchMatch{Field: "id", Excerpt: d.ID})
		}
		walkValues(root, "", func(path, value string) {
			if path == "customer.name" {
				h.Customer = value
			}
			if !fieldWanted(path, field) {
				return
			}
			if at, n, ok := foldedIndex(value, needle); ok {
				h.Matches = append(h.Matches, searchMatch{Field: path, Excerpt: excerpt(value, at, n)})
			}
		})
		if len(h.Matches) > 0 {
			found[k] = h // each by one goroutine
		}
		return nil
	})
	if err != nil {
		return nil, 0, 0, err
	}
	for _, h := range found {
		if h != nil {
			hits = append(hits, *h)
		}
	}
	return hits, len(ids) - unreadable, unreadable, nil
}

// foldRune is r as search compares it: a fullwidth form of an ASCII
// character (（ ） ： ０ Ａ, U+FF01–U+FF5E) as that character, the
// ideographic space (U+3000) as a blank, then lower-cased. Chinese text is
// typed with either width of punctuation and digits: 华东远洋（上海） is
// found by (上海), and 021-5555 by ０２１. Traditional and simplified
// characters are not folded.
func foldRune(r rune) rune {
	switch {
	case 0xff01 <= r && r <= 0xff5e:
		r -= 0xfee0
	case r == 0x3000:
		return ' '
	}
	return unicode.ToLower(r)
}

// foldString is s with every character folded (foldRune), one for one.
func foldString(s string) string {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return strings.Map(foldRune, s)
		}
	}
	return strings.ToLower(s) // ASCII: its fast path
}

// foldedIndex finds needle (folded) in value as folded: the byte offset
// and length in value of the first match. Folding maps a character to
// one character, of another length at times (（ is three bytes, ( one),
// so the offsets in the folded value are walked back to value's.
func foldedIndex(value, needle string) (at, n int, ok bool) {
	folded := foldString(value)
	i := strings.Index(folded, needle)
	if i < 0 {
		return 0, 0, false
	}
	if len(folded) == len(value) {
		return i, len(needle), true // every character kept its length
	}
	end, fi := -1, 0
	for vi, r := range value {
		if fi == i {
			at = vi
		}
		if fi == i+len(needle) {
			end = vi
			break
		}
		fi += utf8.RuneLen(foldRune(r)) // a bad byte: U+FFFD, as strings.Map writes it
	}
	if end < 0 {
		end = len(value)
	}
	return at, end - at, true
}

// needleTokens are the pieces of a (folded) needle that any value
// holding it shows as they are in its YAML text (mayHold): the needle cut
// at blanks, line breaks and single quotes.
func needleTokens(needle string) [][]byte {
	var out [][]byte
	for _, t := range strings.FieldsFunc(needle, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\''
	}) {
		out = append(out, []byte(t))
	}
	return out
}

// mayHold reports whether a value of the YAML text may contain the needle
// cut into tokens (needleTokens), as folded (foldRune): false only when it
// cannot, so that a search parses only the dossiers that may match (the
// parse was two thirds of a search's time; at 100,000 dossiers, 7 of 11
// s of CPU).
//
// A scalar's value is its text in the file but for line folding (a line
// break and the next line's indentation read as one blank or line break),
// a single-quoted scalar's doubled quotes, and a double-quoted scalar's
// escapes. So, in a text with no double quote or backslash, each token
// of a needle that a value holds is in the text as it is. Any other text
// (a double quote or backslash anywhere; a line or paragraph separator,
// U+2028 or U+2029, which yaml.v3 folds as a line break but keeps in the
// value; UTF-16 with its byte order mark; not UTF-8) is always parsed, as
// are needles of no token. Comments and
// keys may hold a token: a dossier is then parsed for nothing.
func mayHold(text []byte, tokens [][]byte) bool {
	// (ContainsAny of ASCII alone, and Contains: the fast scans; a set
	// with the separators in it decoded every character, a third more.)
	if len(tokens) == 0 || bytes.ContainsAny(text, "\"\\") ||
		bytes.Contains(text, []byte("\u2028")) || bytes.Contains(text, []byte("\u2029")) || !utf8.Valid(text) ||
		bytes.HasPrefix(text, []byte{0xfe, 0xff}) || bytes.HasPrefix(text, []byte{0xff, 0xfe}) {
		return true
	}
	folded := text
	for _, t := range tokens {
		if needsFold(text, t) {
			folded = foldText(text) // a third of a search's time on Chinese text
			break
		}
	}
	for _, t := range tokens {
		if !bytes.Contains(folded, t) {
			return false
		}
	}
	return true
}

// foldText is text (valid UTF-8) folded as foldRune folds it.
func foldText(text []byte) []byte {
	for _, c := range text {
		if c >= utf8.RuneSelf {
			return bytes.Map(foldRune, text)
		}
	}
	return bytes.ToLower(text) // ASCII: no fullwidth form in it
}

// needsFold reports whether text must be folded (foldText) to tell
// whether it holds token t (folded): false when t is in the folded text
// exactly where it is in text. That is so when every character of t is
// one that no character folds into but itself (folded), or an ASCII sign
// or digit whose fullwidth form (（ for (, ０ for 0) the text does not hold;
// a letter may be in the text in upper case.
func needsFold(text, t []byte) bool {
	for _, r := range string(t) {
		switch {
		case folded(r):
		case r > ' ' && r < utf8.RuneSelf && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'):
			if bytes.Contains(text, []byte(string(r+0xfee0))) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// folded reports whether r is a character that no character folds into
// (foldRune) but itself, and that folds to itself: the CJK blocks from
// U+2E80 to U+9FFF (radicals, punctuation, kana, Han) but the ideographic
// space, and the halfwidth CJK signs ｟｠｡｢｣､･ (U+FF5F–U+FF65).
func folded(r rune) bool {
	return 0x2e80 <= r && r <= 0x9fff && r != 0x3000 || 0xff5f <= r && r <= 0xff65
}

// walkValues calls f with the path (customer.name, basic.key_people[0].name) and
// text of every scalar value under n.
func walkValues(n *yaml.Node, path string, f func(path, value string)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkValues(c, path, f)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			walkValues(n.Content[i+1], p, f)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkValues(c, fmt.Sprintf("%s[%d]", path, i), f)
		}
	case yaml.ScalarNode:
		if n.Tag != "!!null" {
			f(path, n.Value)
		}
	case yaml.AliasNode:
		if n.Alias != nil {
			walkValues(n.Alias, path, f)
		}
	}
}

// fieldWanted reports whether path is field or under it; list positions
// may be left out of field (basic.key_people.name matches basic.key_people[2].name).
func fieldWanted(path, field string) bool {
	if field == "" {
		return true
	}
	for _, p := range []string{path, stripIndexes(path)} {
		if p == field || strings.HasPrefix(p, field+".") || strings.HasPrefix(p, field+"[") {
			return true
		}
	}
	return false
}

func stripIndexes(path string) string {
	var b strings.Builder
	skip := false
	for _, r := range path {
		switch {
		case r == '[':
			skip = true
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// excerptContext is how many characters an excerpt keeps on each side of
// the match.
const excerptContext = 15

// excerpt is value around the n bytes at byte offset at, on one line, with
// … where it was cut.
func excerpt(value string, at, n int) string {
	before, match, after := value[:at], value[at:at+n], value[at+n:]
	if utf8.RuneCountInString(before) > excerptContext {
		r := []rune(before)
		before = "…" + string(r[len(r)-excerptContext:])
	}
	if utf8.RuneCountInString(after) > excerptContext {
		after = string([]rune(after)[:excerptContext]) + "…"
	}
	return strings.Join(strings.Fields(before+match+after), " ")
}

// printHits prints the hits as a table: a row per matching field.
func printHits(e *env, hits []searchHit) error {
	var rows [][]string
	for _, h := range hits {
		for i, m := range h.Matches {
			if i == 0 {
				rows = append(rows, []string{h.ID, h.Level, h.Customer, m.Field, m.Excerpt})
			} else {
				rows = append(rows, []string{"", "", "", m.Field, m.Excerpt})
			}
		}
	}
	return printTable(e.io.Out, []string{l10n.Pick("ID", "编号"), l10n.Pick("LEVEL", "密级"), l10n.Pick("CUSTOMER", "客户名称"), l10n.Pick("FIELD", "字段"), l10n.Pick("MATCH", "匹配内容")}, rows)
}
