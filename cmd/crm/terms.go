package main

import (
	"strings"

	"github.com/clipperhouse/displaywidth"

	"crm/archive"
	"crm/classify"
	"crm/l10n"
)

// The words the commands show for the archive's ids: event kinds,
// statuses. English shows the ids themselves, Chinese the department's terms.

// kindColumn is the width of crm log's kind column in the language of the
// output: that of the widest kind as archive.KindText gives it (English
// dossier.declassify: 18; Chinese: 16, as the terms are kept within it),
// so that the actor starts in one column on every line.
func kindColumn() int {
	w := 0
	for _, s := range archive.Kinds() {
		w = max(w, displaywidth.String(archive.KindText(s.Kind)))
	}
	return w
}

func statusText(s string) string {
	switch s {
	case archive.StatusActive:
		return l10n.Pick("active", "在档")
	case archive.StatusDestroyed:
		return l10n.Pick("destroyed", "已销毁")
	}
	return s
}

func requestStatusText(s string) string { return archive.RequestStatusText(s) }

func templateStatusText(s string) string {
	switch s {
	case archive.TemplatePinned:
		return l10n.Pick("pinned: used", "已登记：使用中")
	case archive.TemplateUnpinned:
		return l10n.Pick("not pinned: not used", "未登记：不使用")
	case archive.TemplateChanged:
		return l10n.Pick("changed since pinned: not used", "登记后被修改：不使用")
	case archive.TemplateMissing:
		return l10n.Pick("pinned, but missing", "已登记，但文件缺失")
	}
	return s
}

// periodText is a secrecy period as the user reads it: 30y, or 30年.
func periodText(p classify.Period) string {
	if l10n.Chinese() {
		return p.Chinese()
	}
	return p.String()
}

// roleTitle is one role as the user reads it: its id in English, the
// policy's title in Chinese.
func roleTitle(r string, pol *archive.Policy) string {
	if !l10n.Chinese() || pol == nil || r == "" {
		return r
	}
	return pol.RoleTitle(r)
}

// roleChain is roles in order (approval chains), joined by sep.
func roleChain(roles []string, pol *archive.Policy, sep string) string {
	t := make([]string, len(roles))
	for i, r := range roles {
		t[i] = roleTitle(r, pol)
	}
	return strings.Join(t, sep)
}

// padRight pads s with spaces to n columns of the terminal (Chinese
// characters take two).
func padRight(s string, n int) string {
	if w := displaywidth.String(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// roleNames are roles as the user reads them: ids in English, the
// policy's titles in Chinese.
func roleNames(roles []string, pol *archive.Policy) string {
	if pol == nil {
		return l10n.List(roles)
	}
	return pol.RolesList(roles)
}
