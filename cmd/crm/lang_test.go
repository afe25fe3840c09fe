package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"

	"crm/l10n"
)

// Under a Chinese locale every line of every command's help is Chinese:
// no line is mostly English words, once what is not prose is set aside
// (command and flag names, the usage line, example commands, code in
// backquotes, quoted values, placeholders in capitals, file names, format
// and program names). A help text or a cobra string left in English fails.
func TestHelpIsChinese(t *testing.T) {
	defer l10n.SetLang("en")
	root := newTestRoot("zh")
	names := map[string]bool{}
	var paths [][]string
	walk(root, func(c *cobra.Command) {
		names[c.Name()] = true
		paths = append(paths, strings.Fields(c.CommandPath())[1:])
	})
	delete(names, "help") // a word as well as a command: "help for …" is English
	for _, p := range paths {
		var out, errb bytes.Buffer
		args := append(append([]string{}, p...), "--help")
		code := run(args, &IO{Out: &out, Err: &errb}, func(k string) string {
			return map[string]string{"LANG": "zh_CN.UTF-8", "HOME": t.TempDir()}[k]
		})
		if code != 0 || errb.Len() != 0 {
			t.Errorf("crm %s --help: exit %d, %s", strings.Join(p, " "), code, errb.String())
			continue
		}
		for _, line := range proseLines(out.String()) {
			if english(wordCounts(line, names)) {
				t.Errorf("crm %s --help: English in %q", strings.Join(p, " "), line)
			}
		}
	}
}

var (
	flagLineRE = regexp.MustCompile(`^\s+(?:-\w, )?--[\w-]+(?: [^\s]+)?\s{2,}(.*)$`)
	cmdLineRE  = regexp.MustCompile(`^  \S+\s{2,}(.*)$`)
)

// proseLines are the parts of a help text that are prose: flag and
// subcommand descriptions, comments of examples, and the long text;
// headings, the usage line and example commands are left out.
func proseLines(help string) []string {
	var out []string
	section := ""
	for _, l := range strings.Split(help, "\n") {
		switch {
		case strings.TrimSpace(l) == "":
			continue
		case !strings.HasPrefix(l, " ") && (strings.HasSuffix(l, "：") || strings.HasSuffix(l, ":")):
			section = l
			if strings.HasSuffix(l, ":") {
				out = append(out, l+" (heading)") // an English heading: cobra's own
			}
			continue
		}
		switch section {
		case "用法：":
		case "示例：":
			if c, ok := strings.CutPrefix(strings.TrimSpace(l), "# "); ok {
				out = append(out, c)
			} else if _, c, ok := strings.Cut(l, "  # "); ok {
				out = append(out, c)
			}
		case "选项：", "全局选项：":
			if m := flagLineRE.FindStringSubmatch(l); m != nil {
				out = append(out, m[1])
			} else {
				out = append(out, l)
			}
		case "子命令：":
			if m := cmdLineRE.FindStringSubmatch(l); m != nil {
				out = append(out, m[1])
			}
		default:
			out = append(out, l)
		}
	}
	return out
}

var notProseRE = regexp.MustCompile("`[^`]*`|\"[^\"]*\"|“[^”]*”|(?:^|\\s)-{1,2}[\\w-]+|\\$?\\b[A-Z][A-Z0-9_.-]*\\b|\\S*[/~.:@=]\\S*|\\S*\\d\\S*|\\b[A-Za-z]+_[A-Za-z_]+\\b|\\b[a-z]+(?:-[a-z]+)+\\b")

// allowedWords are names that stay as they are in Chinese text.
var allowedWords = map[string]bool{
	"crm": true, "age": true, "git": true, "cron": true, "crontab": true, "systemd": true, "chronic": true,
	"moreutils": true, "vim": true, "yaml": true, "json": true, "csv": true, "xlsx": true, "md": true,
	"markdown": true, "table": true, "zh": true, "en": true, "bash": true, "zsh": true, "fish": true,
	"powershell": true, "shell": true, "excel": true, "wps": true, "libreoffice": true, "man": true,
	"id": true, "ids": true, "grep": true, "jq": true, "scrypt": true, "or": false,
}

// wordCounts counts the English words of line that are prose, and its
// Chinese characters.
func wordCounts(line string, commands map[string]bool) (english, han int) {
	for _, r := range line {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	rest := notProseRE.ReplaceAllString(line, " ")
	for _, w := range strings.FieldsFunc(rest, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) {
		if len(w) < 2 || allowedWords[strings.ToLower(w)] || commands[w] {
			continue
		}
		english++
	}
	return english, han
}

// english reports whether a line with en English words and han Chinese
// characters is English rather than Chinese with a few names in it.
func english(en, han int) bool { return en >= 2 && en*3 >= han }

// The check above finds English, and lets Chinese with names through.
func TestWordCounts(t *testing.T) {
	names := map[string]bool{"borrow": true}
	for line, want := range map[string]bool{
		"help for crm borrow":                               true,
		"Generate the autocompletion script":                true,
		"显示 crm borrow 的帮助":                                 false,
		"输出格式：table、md、csv、xlsx、json（默认 \"table\"）":         false,
		"写入文件 FILE（权限 0600）":                                false,
		"用 `crm keygen -y` 的输出 --public FILE":               false,
		"以 `age -p` 的方式加口令保护，cron 用 CRM_PASSPHRASE_FILE 解锁": false,
		"不再询问确认 (needed without a terminal)":                true,
	} {
		en, han := wordCounts(line, names)
		if got := english(en, han); got != want {
			t.Errorf("%q: english=%d han=%d", line, en, han)
		}
	}
}
