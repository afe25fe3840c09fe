package l10n

// Messages of the changes in credit noted on a visit (信用异动).

func init() { mergeCatalog("zh_creditchange.go", creditChange) }

func creditChange() map[string]string {
	return map[string]string{
		"a change in credit (信用异动) is noted on a visit (%s), not on a %s record: file it with a visit, or leave credit_change out":                   "信用异动在拜访（%s）记录中填写，不能写在%s记录中：请另记一条拜访，或删去 credit_change",
		"is %s, as from: is: a class that did not change is no change in credit; give the class the customer changed to, or leave credit_change out": "为 %s，与 from: 相同：信用等级未变即非信用异动；请填写客户变动后的等级，或删去 credit_change",
		"must be a mapping: from: (the credit class before), to: (the class after), reason: (why)":                                                   "须写成映射：from:（原信用等级）、to:（现信用等级）、reason:（异动原因）",
	}
}
