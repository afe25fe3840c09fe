package l10n

// catalog maps English format strings to Simplified Chinese. Verbs must
// appear in the same order in both.
var catalog = map[string]string{}
