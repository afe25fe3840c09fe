// Package l10n picks the language of crm's messages and translates them.
//
// Messages are written in English in the code, as fmt format strings; the
// Chinese catalog (zh.go) maps a format string to its translation. The
// language is chosen once per process, from --lang or the locale: LC_ALL,
// then LC_MESSAGES, then LANG; a value starting with "zh" selects Chinese.
// Without any of them (Windows sets none), the system's display language
// decides (systemLang).
package l10n

import (
	"fmt"
	"strings"
	"sync/atomic"
)

var zh atomic.Bool

// Detect returns "zh" or "en" for the locale variables read through getenv,
// in the POSIX order of precedence LC_ALL > LC_MESSAGES > LANG, else for
// the system's display language (systemLang).
func Detect(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return "zh"
			}
			return "en"
		}
	}
	if strings.HasPrefix(strings.ToLower(systemLang()), "zh") {
		return "zh"
	}
	return "en"
}

// systemLang is the language the user chose in the system's settings, as a
// BCP 47 tag (zh-CN), for a process whose environment names no locale: on
// Windows the display language (syslang_windows.go), which is how a user
// there chooses one; "" elsewhere, where the locale variables are the
// choice. A variable for the tests.
var systemLang = sysLang

// SetLang selects the language of every later message: "zh" for Chinese,
// anything else for English.
func SetLang(lang string) { zh.Store(strings.HasPrefix(strings.ToLower(lang), "zh")) }

// Lang returns "zh" or "en".
func Lang() string {
	if zh.Load() {
		return "zh"
	}
	return "en"
}

// Chinese reports whether messages are in Chinese.
func Chinese() bool { return zh.Load() }

// T returns the translation of the format string s in the current language.
func T(s string) string {
	if zh.Load() {
		if t, ok := catalog()[s]; ok {
			return t
		}
	}
	return s
}

// N marks s for translation where it is defined (a table of names, say)
// and returns it unchanged; T translates it where it is shown.
func N(s string) string { return s }

// Translated reports whether s has a Chinese translation.
func Translated(s string) bool {
	_, ok := catalog()[s]
	return ok
}

// Sprintf formats a translated format string.
func Sprintf(format string, a ...any) string { return fmt.Sprintf(T(format), a...) }

// Errorf is fmt.Errorf with a translated format string; %w works as usual.
// The error is Bilingual: In says it in either language (bilingual.go).
func Errorf(format string, a ...any) error { return newMessage(format, a) }

// Pick returns zhText in Chinese and enText otherwise, for the few texts
// (banners, headers) that are not format strings.
func Pick(enText, zhText string) string {
	if zh.Load() {
		return zhText
	}
	return enText
}

// Sentences joins whole sentences into one message: with a space between
// them in English, with none in Chinese, whose full stop （。） ends a
// sentence without one.
func Sentences(parts ...string) string {
	if zh.Load() {
		return strings.Join(parts, "")
	}
	return strings.Join(parts, " ")
}

// NoneWord is "none" in a Chinese sentence: a word of it, without
// brackets (li 的角色为 无; 信用等级 无 → B). English keeps its own words
// ([] for no roles, - for no class). Standing alone, in place of a
// table's rows, "none" is in brackets so that it is not read as a value
// (a report's section without rows says （无记录）, report/render.go); a
// table cell with nothing in it is left as its table leaves it (empty,
// or - in classify suggest).
const NoneWord = "无"

// List joins items as a list in a message: with 、 (the Chinese list
// separator) in Chinese, with ", " otherwise.
func List(items []string) string { return ListIn(zh.Load(), items) }

// ListSep is what List puts between two items, for a list written piece
// by piece into the output: 、 in Chinese, ", " otherwise.
func ListSep() string {
	if zh.Load() {
		return "、"
	}
	return ", "
}
