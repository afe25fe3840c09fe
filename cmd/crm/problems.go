package main

import (
	"errors"
	"strconv"
	"strings"

	"crm/archive"
	"crm/l10n"
)

// How a dossier's problems read to the person who wrote it: yaml's own
// messages in the user's language, the field named where yaml does not
// name it, and line numbers that point at the lines of the file the user
// sees (after the comment lines the editor puts above it).

// problemLines are err's problems, one line each. offset is the number of
// lines shown above text (0 for a file given with --from).
func problemLines(err error, text []byte, offset int) []string {
	var ve *archive.ValidationError
	if !errors.As(err, &ve) {
		return strings.Split(strings.TrimSpace(err.Error()), "\n")
	}
	var out []string
	for _, p := range ve.Problems {
		path := p.Path
		if path == "" && p.Line > 0 {
			path = fieldAtLine(text, p.Line)
		}
		msg := strings.Join(strings.Fields(yamlText(p.Msg, offset)), " ")
		switch {
		case p.Line > 0 && path != "":
			out = append(out, l10n.Sprintf("line %d: %s: %s", p.Line+offset, path, msg))
		case p.Line > 0:
			out = append(out, l10n.Sprintf("line %d: %s", p.Line+offset, msg))
		case path != "":
			out = append(out, path+l10n.Pick(": ", "：")+msg)
		default:
			out = append(out, msg)
		}
	}
	return out
}

// keyLineRE is a line that starts a mapping key, maybe as a list item.
var keyLineRE = lazyRE(`^(\s*)((?:- +)*)([^\s#:'"\-][^:#]*?|"[^"]*"|'[^']*')\s*:(?:\s|$)`)

// fieldAtLine is the dotted path of the key on or above line (1-based) of
// text, from indentation: for the syntax errors yaml reports without one.
func fieldAtLine(text []byte, line int) string {
	type key struct {
		indent int
		name   string
	}
	var stack []key
	// Lines as yaml counts them (its line numbers): a lone \r, NEL, LS
	// and PS end a line too.
	for i, l := range archive.TextLines(text) {
		if i >= line {
			break
		}
		m := keyLineRE().FindStringSubmatch(l)
		if m == nil {
			continue
		}
		indent := len(m[1]) + len(m[2])
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, key{indent, strings.Trim(m[3], `"'`)})
	}
	names := make([]string, len(stack))
	for i, k := range stack {
		names[i] = k.name
	}
	return strings.Join(names, ".")
}

// yamlMessages are yaml.v3's messages (gopkg.in/yaml.v3 scannerc.go,
// parserc.go, decode.go) with their Chinese forms.
var yamlMessages = newMessageForms([][2]string{
	{`^mapping values are not allowed in this context$`, "此处不能有“键: 值”：值中含冒号时请加引号，或检查缩进"},
	{`^did not find expected key$`, "缺少应有的键：检查缩进是否与上下文对齐"},
	{`^could not find expected ':'$`, "缺少冒号 ':'：每个字段写成“名称: 值”"},
	{`^found character that cannot start any token$`, "出现了不能作为开头的字符（如制表符或 @、`）：缩进只能用空格，特殊字符开头的值请加引号"},
	{`^found a tab character that violates indentation$`, "缩进中有制表符：YAML 只能用空格缩进"},
	{`^found a tab character where an indentation space is expected$`, "缩进中有制表符：YAML 只能用空格缩进"},
	{`^found unexpected end of stream$`, "文件意外结束：引号或括号没有闭合"},
	{`^did not find expected node content$`, "缺少内容：检查这一行的格式"},
	{`^block sequence entries are not allowed in this context$`, "此处不能有列表项（- ）：检查缩进"},
	{`^did not find expected '-' indicator$`, "缺少列表项标记 '-'：检查缩进"},
	{`^did not find expected ',' or ']'$`, "缺少 ',' 或 ']'：方括号列表没有写完"},
	{`^did not find expected ',' or '}'$`, "缺少 ',' 或 '}'：花括号没有写完"},
	{`^found unknown escape character$`, "未知的转义字符：双引号中的 \\ 要写成 \\\\"},
	{`^found unexpected ':'$`, "出现了多余的冒号 ':'：含冒号的值请加引号"},
	{`^mapping key "(.*)" already defined at line (\d+)$`, "字段 \"$1\" 重复：第 $2 行已有"},
	{"^cannot unmarshal !!str `(.*)` into (?:float64|int|int64|uint)$", "“$1”不是数字"},
	{"^cannot unmarshal !!(?:seq|map) into string$", "这里应当是一段文字，而不是列表或多个字段"},
	{"^cannot unmarshal !!(?:str|int|float|bool) `(.*)` into \\[\\]string$", "这里应当是列表（每项一行，以 - 开头），而不是“$1”"},
	{"^cannot unmarshal !!map into \\[\\].*$", "这里应当是列表（每项以 - 开头），而不是若干字段"},
	{"^cannot unmarshal !!(?:seq|map) into \\*?(?:u?int\\d*|float\\d+)$", "这里应当是数字，而不是列表或多个字段"},
	{"^cannot unmarshal !!(?:seq|map) into \\*?(?:bool|time\\.Time)$", "这里应当是单个值，而不是列表或多个字段"},
	{"^cannot unmarshal !!seq into .*$", "这里应当是若干字段（名称: 值），而不是列表"},
	{"^cannot unmarshal !!(\\w+) `?(.*?)`? into (.*)$", "值“$2”的类型不对"},
})

// yamlTypesEnglish are yaml.v3's messages about a value of the wrong kind
// in plain English: yaml's own words name Go's types (cannot unmarshal !!str
// `lots` into float64).
var yamlTypesEnglish = newMessageForms([][2]string{
	{"^cannot unmarshal !!str `(.*)` into (?:float64|int|int64|uint)$", `"$1" is not a number`},
	{"^cannot unmarshal !!(?:seq|map) into string$", "this should be a piece of text, not a list or several fields"},
	{"^cannot unmarshal !!(?:str|int|float|bool) `(.*)` into \\[\\]string$", `this should be a list (one item a line, each starting with - ), not "$1"`},
	{"^cannot unmarshal !!map into \\[\\].*$", "this should be a list (each item starting with - ), not fields"},
	{"^cannot unmarshal !!(?:seq|map) into \\*?(?:u?int\\d*|float\\d+)$", "this should be a number, not a list or several fields"},
	{"^cannot unmarshal !!(?:seq|map) into \\*?(?:bool|time\\.Time)$", "this should be a single value, not a list or several fields"},
	{"^cannot unmarshal !!seq into .*$", "this should be fields (name: value), not a list"},
	{"^cannot unmarshal !!(\\w+) `?(.*?)`? into (.*)$", `the value "$2" is of the wrong kind here`},
})

// lineNumberRE finds "line N" inside yaml's messages, to move it.
var lineNumberRE = lazyRE(`\bline (\d+)\b`)

// yamlText is one of yaml's messages in the user's language, its line
// numbers moved by offset.
func yamlText(msg string, offset int) string {
	if offset != 0 {
		msg = lineNumberRE().ReplaceAllStringFunc(msg, func(s string) string {
			n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
			return "line " + strconv.Itoa(n+offset)
		})
	}
	if !l10n.Chinese() {
		msg, _ = yamlTypesEnglish.rewrite(msg)
		return msg
	}
	msg, _ = yamlMessages.rewrite(msg)
	return msg
}
