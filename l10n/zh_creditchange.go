package l10n

// Messages of the changes in credit noted on a visit (信用异动).

func init() { mergeCatalog("zh_creditchange.go", creditChange) }

func creditChange() map[string]string {
	return map[string]string{
		"a change in credit (信用异动) is noted on a visit (%s), not on a %s record: file it with a visit, or leave credit_change out":                   "信用异动在拜访（%s）记录中填写，不能写在%s记录中：请另记一条拜访，或删去 credit_change",
		"is %s, as from: is: a class that did not change is no change in credit; give the class the customer changed to, or leave credit_change out": "为 %s，与 from: 相同：信用等级未变即非信用异动；请填写客户变动后的等级，或删去 credit_change",
		"must be a mapping: from: (the credit class before), to: (the class after), reason: (why)":                                                   "须写成映射：from:（原信用等级）、to:（现信用等级）、reason:（异动原因）",
		"%q is not FROM:TO, the credit class before and after (e.g. B:C)":                                                                            "%q 不是 原等级:现等级 的写法（如 B:C）",
		"%q: the class is %s before and after: a class that did not change is no change in credit":                                                   "%q：前后都是 %s：信用等级未变即非信用异动",
		"--credit-change: %v": "--credit-change：%v",
		"--credit-change: a change in credit (信用异动) is noted on a visit: give --kind %s":                               "--credit-change：信用异动在拜访记录中填写：请用 --kind %s",
		"--credit-reason is the reason of a change in credit: give the change with --credit-change FROM:TO (e.g. B:C)": "--credit-reason 是信用异动的原因：请同时用 --credit-change 原等级:现等级（如 B:C）给出异动",
		"--credit-change needs --credit-reason TEXT: say why the customer's credit changed":                            "--credit-change 须同时给出 --credit-reason 异动原因：说明客户信用为何变化",
	}
}
