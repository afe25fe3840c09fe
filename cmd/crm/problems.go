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
	return l10n.YAMLWords(msg)
}
