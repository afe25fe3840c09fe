package l10n

import "golang.org/x/sys/windows"

// sysLang is the first of the user's preferred display languages (zh-CN on
// a Chinese Windows), "" if Windows cannot say.
func sysLang() string {
	langs, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil || len(langs) == 0 {
		return ""
	}
	return langs[0]
}
