package l10n

// Messages of the reports (report/: layouts, building, XLSX) and of
// classification (classify/) that a user meets, kept apart so that
// parallel work on the catalogue merges cleanly. A layout is 版式, a
// section of a report 部分, a key 标识, as the built-in layouts'
// comments (templates/reports) call them.
func init() { mergeCatalog("zh_report.go", reportMessages) }

func reportMessages() map[string]string {
	return map[string]string{
		// A layout file (report/layout.go): file:line: problem.
		"%s:%d: %s":                                                           "%s:%d：%s",
		"unknown field %q":                                                    "未知字段 %q",
		"this should be %s, not a list":                                       "这里应当是%s，而不是列表",
		"this should be %s, not fields (name: value)":                         "这里应当是%s，而不是若干字段（名称: 值）",
		"this should be %s, not %q":                                           "这里应当是%s，而不是 %q",
		"a list of sections":                                                  "部分的列表",
		"a list of columns":                                                   "列的列表",
		"a map of notes":                                                      "说明的映射（名称: {zh: …, en: …}）",
		"a layout (title:, sections:)":                                        "版式（title:、sections:）",
		"a section (key:, title:, columns:)":                                  "一个部分（key:、title:、columns:）",
		"a column {key:, zh:, en:, kind:}":                                    "一列 {key:, zh:, en:, kind:}",
		"column kind must be one of %s":                                       "列类型 kind 应为 %s 之一",
		"unknown column kind %q: use one of %s":                               "未知的列类型 %q：请用 %s 之一",
		"%s: no note %q under notes:; add it to the layout":                   "%s：notes: 下没有说明 %q；请把它加到版式中",
		"report name %q: use lower-case letters, digits, - and _ (e.g. %s)":   "报表名 %q：只能用小写字母、数字、- 和 _（如 %s）",
		"%w\n(fix %s, or remove it to use the built-in layout)":               "%w\n（请修正 %s，或删除它以使用内置版式）",
		"no report %q: use one of %s, or add %s":                              "没有报表 %q：请用 %s 之一，或添加 %s",
		"%s: empty layout: it needs title: and sections:":                     "%s：版式为空：须有 title: 和 sections:",
		"title: needs zh: (the report's Chinese title)":                       "title: 须有 zh:（报表的中文标题）",
		"sections: needs at least one section":                                "sections: 须至少有一个部分",
		"section key %q: use lower-case snake_case, e.g. by_level":            "部分的标识 %q：请用小写字母加下划线，如 by_level",
		"section key %q used twice":                                           "部分的标识 %q 用了两次",
		"section %s: title: needs zh:":                                        "部分 %s：title: 须有 zh:",
		"section %s: columns: needs at least one column":                      "部分 %s：columns: 须至少有一列",
		"section %s: column key %q: use lower-case snake_case, e.g. date_out": "部分 %s：列的标识 %q：请用小写字母加下划线，如 date_out",
		"section %s: column key %q used twice":                                "部分 %s：列的标识 %q 用了两次",
		"section %s: column %s needs zh: (its Chinese title)":                 "部分 %s：列 %s 须有 zh:（列的中文标题）",
		"section %s: column %s needs kind: (one of %s)":                       "部分 %s：列 %s 须有 kind:（%s 之一）",
		// Building a report from a layout (report/report.go): the
		// archive's layout and the figures crm gathers disagree.
		"a %s column cannot hold %s value %q": "%s 类型的列不能存放 %s 类型的值 %q",
		"a %s column cannot hold %v":          "%s 类型的列不能存放 %v",
		"report %s, section %s, row %d: layout %s has no column %q: add it to the layout or fix the key":   "报表 %s 的部分 %s 第 %d 行：版式 %s 没有标识为 %q 的列：请把该列加到版式中，或改正标识",
		"report %s, section %s, row %d, column %s: %w":                                                     "报表 %s 的部分 %s 第 %d 行 %s 列：%w",
		"report %s, section %s: layout %s has no column %q: add it to the layout or fix the key":           "报表 %s 的部分 %s：版式 %s 没有标识为 %q 的列：请把该列加到版式中，或改正标识",
		"report %s: layout %s has no section %q (it has %s): add the section to the layout or fix the key": "报表 %s：版式 %s 没有标识为 %q 的部分（现有 %s）：请把该部分加到版式中，或改正标识",
		"report %s, section %s: %w": "报表 %s 的部分 %s：%w",
		"report %s, section %s: %d rows do not fit in one XLSX sheet (at most %d): choose the CSV or JSON format": "报表 %s 的部分 %s：%d 行超出一张 XLSX 工作表的容量（最多 %d 行）：请改用 CSV 或 JSON 格式",
		"report %s: writing XLSX: %w":          "报表 %s：写入 XLSX 失败：%w",
		"%s wrote no workbook":                 "%s 没有写出工作簿",
		"starting %s: %w":                      "启动 %s 失败：%w",
		"%s answered what crm cannot read: %v": "%s 的应答 crm 无法读取：%v",
		// Classification (classify/).
		"cannot write invalid secrecy level %d: want one of %s":                 "无法写入无效的密级 %d：应为 %s 之一",
		"yearly sales of customer %q are %v: want a finite amount of 0 or more": "客户 %q 的年销售额为 %v：应为 0 或以上的有限金额",
		"yearly sales of customer %d are %v: want a finite amount of 0 or more": "第 %d 位客户的年销售额为 %v：应为 0 或以上的有限金额",
	}
}
