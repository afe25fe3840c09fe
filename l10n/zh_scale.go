package l10n

// Messages of work at scale (the verified-journal cache, batch steps,
// benchmarks), kept apart so that parallel work on the catalogue merges
// cleanly.
func init() { mergeCatalog("zh_scale.go", scale) }

var scale = map[string]string{
	"give dossier ids or --all-readable, not both":      "请给出档案编号或 --all-readable，不要同时给出",
	"give the dossier ids to record, or --all-readable": "请给出要登记的档案编号，或 --all-readable",
	"No dossier you can read is due for %s.":            "没有您能阅读且 %s 应核定的档案。",
	"event data is damaged in memory":                   "事件数据在内存中已损坏",
	"CRM_RACY_WINDOW %q: use a duration like 2s or 10s": "CRM_RACY_WINDOW %q：请使用 2s 或 10s 这样的时长",
	"saving the list cache: %v":                         "保存列表缓存失败：%v",
}
