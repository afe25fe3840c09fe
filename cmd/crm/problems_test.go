package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"crm/archive"
	"crm/l10n"
)

func TestFieldAtLine(t *testing.T) {
	text := []byte(`# comment
customer:
  name: x
  # another
  region: 华东: 上海
basic:
  key_people:
    - name: 陈丽
      notes: 财务
    - name: "张强"
owner: 李四
`)
	// The lines are yaml's (its line numbers): a lone \r, NEL, LS or PS
	// ends a line as \n and \r\n do.
	for _, br := range []string{"\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029"} {
		text := []byte(strings.ReplaceAll(string(text), "\n", br))
		for line, want := range map[int]string{
			1: "", 2: "customer", 3: "customer.name", 4: "customer.name", 5: "customer.region",
			8: "basic.key_people.name", 9: "basic.key_people.notes", 10: "basic.key_people.name", 11: "owner",
		} {
			if got := fieldAtLine(text, line); got != want {
				t.Errorf("breaks %q: line %d: %q, want %q", br, line, got, want)
			}
		}
	}
}

// A syntax error in a text with yaml's other line breaks names the field
// of its line, not the first line's (archive counts its line as yaml does).
func TestProblemLinesOtherBreaks(t *testing.T) {
	for _, br := range []string{"\r", "\u0085", "\u2028", "\u2029"} {
		text := strings.ReplaceAll("customer:\n  name: x\nowner: 李四\nnotes: a: b\n", "\n", br)
		_, err := archive.ParseDossier([]byte(text))
		want := "line 4: notes: mapping values are not allowed in this context"
		if got := problemLines(err, []byte(text), 0); len(got) != 1 || got[0] != want {
			t.Errorf("problemLines(%q) = %q, want %q", text, got, want)
		}
	}
}

// A list or mapping not closed, or a quote, names its own line and field,
// at the end of the text or in its middle, in both languages (yaml.v3
// named the line above: archive.TestParseDossierSyntaxErrorLines).
func TestProblemLinesNotClosed(t *testing.T) {
	const head = "# 客户档案\ncustomer:\n  name: x\nowner: 李四\n" // lines 1–4
	cases := []struct{ text, en, zh string }{
		{head + "basic:\n  owners: [a, b\n", "line 6: basic.owners: did not find expected ',' or ']'", "第 6 行：basic.owners：缺少 ',' 或 ']'：方括号列表没有写完"},
		{head + "basic:\n  owners: [a, b\nnotes: y\n", "line 6: basic.owners: did not find expected ',' or ']'", ""},
		{head + "extra: {a: 1", "line 5: extra: did not find expected ',' or '}'", "第 5 行：extra：缺少 ',' 或 '}'：花括号没有写完"},
		{head + "extra: {a: 1\nnotes: y\n", "line 5: extra: did not find expected ',' or '}'", ""},
		{head + "notes: \"abc\n", "line 5: notes: found unexpected end of stream", "第 5 行：notes：文件意外结束：引号或括号没有闭合"},
		{head + "notes: \"abc\nrelationship: 无\n", "line 5: notes: found unexpected end of stream", ""},
	}
	defer l10n.SetLang("en")
	for _, c := range cases {
		_, err := archive.ParseDossier([]byte(c.text))
		for lang, want := range map[string]string{"en": c.en, "zh": c.zh} {
			if want == "" {
				continue
			}
			l10n.SetLang(lang)
			if got := problemLines(err, []byte(c.text), 0); len(got) != 1 || got[0] != want {
				t.Errorf("%s: problemLines(%q) = %q, want %q", lang, c.text, got, want)
			}
		}
		l10n.SetLang("en")
		// In the editor two lines of problems go above the text.
		var line int
		fmt.Sscanf(c.en, "line %d:", &line)
		if got := problemLines(err, []byte(c.text), 2); len(got) != 1 || !strings.HasPrefix(got[0], "line "+strconv.Itoa(line+2)+": ") {
			t.Errorf("problemLines(%q, offset 2) = %q, want the line moved by 2", c.text, got)
		}
	}
}
