//go:build !windows

package l10n

// sysLang is "": off Windows the locale variables (LC_ALL, LC_MESSAGES,
// LANG) are the user's choice, and none set means English.
func sysLang() string { return "" }
