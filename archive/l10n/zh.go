package l10n

// catalog maps English format strings to Simplified Chinese. Verbs must
// appear in the same order in both.
var catalog = map[string]string{
	"%s needs one of the roles %v; %s holds %v": "%s需要以下角色之一：%v；%s 的角色为 %v",
	"adding a member": "增加成员",
}
