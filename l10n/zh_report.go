package l10n

// Messages of the reports (report/: layouts, building, XLSX) and of
// classification (classify/) that a user meets, kept apart so that
// parallel work on the catalogue merges cleanly.
func init() { mergeCatalog("zh_report.go", reportMessages) }

func reportMessages() map[string]string {
	return map[string]string{
		"%s answered what crm cannot read: %v": "%s 的应答 crm 无法读取：%v",
		// Classification (classify/).
		"cannot write invalid secrecy level %d: want one of %s":                 "无法写入无效的密级 %d：应为 %s 之一",
		"yearly sales of customer %q are %v: want a finite amount of 0 or more": "客户 %q 的年销售额为 %v：应为 0 或以上的有限金额",
		"yearly sales of customer %d are %v: want a finite amount of 0 or more": "第 %d 位客户的年销售额为 %v：应为 0 或以上的有限金额",
	}
}
