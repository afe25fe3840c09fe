package l10n

// Messages of a credit class kept after a visit's change in credit was
// reviewed (信用异动 复核维持).

func init() { mergeCatalog("zh_creditkeep.go", creditKeep) }

func creditKeep() map[string]string {
	return map[string]string{
		"a review of a visit's change in credit keeps the class in force; this one sets %s where %s applied":     "复核信用异动后维持的应是现行信用等级；此记录定为 %s，而现行等级为 %s",
		"the visit a kept credit class reviews: %v":                                                              "复核维持信用等级所依据的拜访：%v",
		"the visit a kept credit class reviews noted %s, the class kept: there is no change to review":           "复核维持信用等级所依据的拜访记为 %s，即所维持的等级：并无信用异动可复核",
		"the visit a kept credit class reviews is dated %q: a day (YYYY-MM-DD) no later than the decision's, %s": "复核维持信用等级所依据的拜访日期为 %q：应为不晚于复核当日（%s）的日期（YYYY-MM-DD）",
		"%s: credit class %s kept, journaled with the reason.":                                                   "%s：信用等级维持 %s，已连同理由记入日志。",
	}
}
