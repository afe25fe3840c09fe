package l10n

import (
	"regexp"
	"sync"
)

// Other libraries' messages in the user's language: yaml.v3's, which
// reach the user through a dossier (cmd/crm) and through a report layout
// (report/), and cobra's (cmd/crm).

// Forms are another library's messages as regular expressions, each
// with its other form, Chinese or plain English ($1… are the captured
// parts). The expressions are compiled on first use.
type Forms struct {
	pairs [][2]string
	res   func() []*regexp.Regexp
}

// NewForms are the forms of pairs: {expression, other form}.
func NewForms(pairs [][2]string) *Forms {
	return &Forms{pairs: pairs, res: sync.OnceValue(func() []*regexp.Regexp {
		res := make([]*regexp.Regexp, len(pairs))
		for i, p := range pairs {
			res[i] = regexp.MustCompile(p[0])
		}
		return res
	})}
}

// Rewrite is msg in its other form (Chinese, or plain English), from the
// first expression it matches; ok is false (msg unchanged) if it matches
// none.
func (m *Forms) Rewrite(msg string) (out string, ok bool) {
	for i, re := range m.res() {
		if re.MatchString(msg) {
			return re.ReplaceAllString(msg, m.pairs[i][1]), true
		}
	}
	return msg, false
}

// yamlZh are yaml.v3's messages (gopkg.in/yaml.v3 scannerc.go,
// parserc.go, decode.go) with their Chinese forms.
var yamlZh = NewForms([][2]string{
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
var yamlTypesEnglish = NewForms([][2]string{
	{"^cannot unmarshal !!str `(.*)` into (?:float64|int|int64|uint)$", `"$1" is not a number`},
	{"^cannot unmarshal !!(?:seq|map) into string$", "this should be a piece of text, not a list or several fields"},
	{"^cannot unmarshal !!(?:str|int|float|bool) `(.*)` into \\[\\]string$", `this should be a list (one item a line, each starting with - ), not "$1"`},
	{"^cannot unmarshal !!map into \\[\\].*$", "this should be a list (each item starting with - ), not fields"},
	{"^cannot unmarshal !!(?:seq|map) into \\*?(?:u?int\\d*|float\\d+)$", "this should be a number, not a list or several fields"},
	{"^cannot unmarshal !!(?:seq|map) into \\*?(?:bool|time\\.Time)$", "this should be a single value, not a list or several fields"},
	{"^cannot unmarshal !!seq into .*$", "this should be fields (name: value), not a list"},
	{"^cannot unmarshal !!(\\w+) `?(.*?)`? into (.*)$", `the value "$2" is of the wrong kind here`},
})

// YAMLWords is one of yaml.v3's messages, without the "line N: " it may
// start with, in the user's language: in Chinese; in English with yaml's
// words for a value of the wrong kind, which name Go's types, in plain
// English. Other messages are returned as they are.
func YAMLWords(msg string) string {
	if !Chinese() {
		msg, _ = yamlTypesEnglish.Rewrite(msg)
		return msg
	}
	msg, _ = yamlZh.Rewrite(msg)
	return msg
}
