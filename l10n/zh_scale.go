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
	"your key %s was member %s's until their keys were changed (%s): use the identity file of the new keys":                                                            "你的密钥 %s 曾属于成员 %s，其密钥已更换（%s）：请使用新密钥的身份文件",
	"you (%s) may read dossier %s, but its file is still encrypted to your keys before they were changed (%s): a writer of level %s re-encrypts it at their next step": "你（%s）可以阅读档案 %s，但其文件仍加密给你更换前的密钥（%s）：密级 %s 的写入者下次操作时会重新加密",
	"written in a clone that had not heard of the change of keys of %v (%s): it opens with their old keys until a writer of level %s re-encrypts it (maintain, rekey)": "写入时所在的克隆尚不知道 %v 已更换密钥（%s）：在密级 %s 的写入者重新加密（maintain、rekey）之前，仍可用其旧密钥打开",
	// verify's checks of submissions/ (hand-ins).
	"left by an interrupted hand-in":                                                  "是中断的报告提交留下的临时文件",
	"no submission.add in the journal hands in this file":                             "日志中没有提交此文件的 submission.add",
	"hand-in %s was %s, but its file is still here":                                   "报告 %s 已处理（%s），但其文件仍在",
	"sha256 %s is not %s, pinned by submission.add (changed or replaced outside crm)": "sha256 为 %s，而非 submission.add 记录的 %s（在 crm 之外被修改或替换）",
	"has %d recipient stanzas, but submission.add pinned %d recipients":               "有 %d 个接收者条目，但 submission.add 记录了 %d 个接收者",
	"missing: the journal says hand-in %s waits":                                      "缺失：日志表明报告 %s 待处理",
	// The pin: a head's file edited in place.
	"event %s, which you saw in this archive before, was changed in its file %s (%s). Restore the file from git (git checkout -- %s) or a backup": "你以前在本档案库中见过的事件 %s 在其文件 %s 中被改动（%s）。请从 git（git checkout -- %s）或备份中恢复该文件",
	// crm log, read a month folder at a time.
	"journal folder %s changed while it was read; run the command again": "日志文件夹 %s 在读取期间发生了变化；请重新运行该命令",
	// Bundles of closed months (journal/bundle.go).
	"bundled: %s: %d event(s) in %s, in place of %d file(s).":       "已归并：%s：%d 个事件并入 %s，取代 %d 个文件。",
	"a bundle starts with a %q line":                                "归并文件应以 %q 行开头",
	"event %d of the bundle: %v":                                    "归并文件中的第 %d 个事件：%v",
	"event %s is out of order or given twice in the bundle":         "事件 %s 在归并文件中顺序不对或重复出现",
	"event %s is dated %s, not in the month of the bundle's folder": "事件 %s 的日期为 %s，不在归并文件所在文件夹的月份内",
	// classify ID… (a batch).
	"several dossiers: say what to change, their level or credit class (a tier is set one dossier at a time)": "多份档案：请指明要更改的内容，密级或信用等级（客户层级一次只能调整一份档案）",
	"--tier takes one dossier (the tier the rules give reads every dossier your key opens); give one ID":      "--tier 一次只能调整一份档案（规则给出的层级要读取您的密钥能打开的全部档案）；请只给一个编号",
	// A batch taken in runs (archive/batchruns.go).
	"the state snapshot could not be read again; the steps before this one were recorded: run the command again for the rest": "无法再次读取状态快照；此前的步骤已登记：请再次运行该命令处理其余部分",
	// member rotate (archive/members.go).
	"you (%s) cannot give yourself new keys: re-encrypting your dossiers after it would be signed with the key it replaces, which then counts for nothing; another manager gives you new keys, from their clone": "您（%s）不能为自己更换密钥：更换后重新加密您的档案要用被替换的旧密钥签名，这些步骤将不被承认；请由另一位经理在其克隆中为您更换密钥",
	"member %s has new keys": "成员 %s 已更换密钥",
	"XLSX is written and read by %s, which comes with crm: it is neither beside %s nor on PATH (install both with go install ./cmd/..., or set CRM_XLSX to its path)": "XLSX 由随 crm 提供的 %s 读写：它既不在 %s 旁边，也不在 PATH 中（用 go install ./cmd/... 一并安装，或把 CRM_XLSX 设为它的路径）",
}
