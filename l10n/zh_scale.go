package l10n

// Messages of work at scale (the verified-journal cache, batch steps,
// benchmarks), kept apart so that parallel work on the catalogue merges
// cleanly.
func init() { mergeCatalog("zh_scale.go", scale) }

func scale() map[string]string {
	return map[string]string{
		"give dossier ids or --all-readable, not both":      "请给出档案编号或 --all-readable，不要同时给出",
		"give the dossier ids to record, or --all-readable": "请给出要登记的档案编号，或 --all-readable",
		"No dossier you can read is due for %s.":            "没有您能阅读且 %s 应核定的档案。",
		"event data is damaged in memory":                   "事件数据在内存中已损坏",
		"CRM_RACY_WINDOW %q: use a duration like 2s or 10s": "CRM_RACY_WINDOW %q：请使用 2s 或 10s 这样的时长",
		"saving the list cache: %v":                         "保存列表缓存失败：%v",
		"your key %s was member %s's until their keys were changed (%s): use the identity file of the new keys":                                                            "你的密钥 %s 曾属于成员 %s，其密钥已更换（%s）：请使用新密钥的身份文件",
		"you (%s) may read dossier %s, but its file is still encrypted to your keys before they were changed (%s): a writer of level %s re-encrypts it at their next step": "你（%s）可以阅读档案 %s，但其文件仍加密给你更换前的密钥（%s）：密级 %s 的写入者下次操作时会重新加密",
		"written in a clone that had not heard of the change of keys of %v (%s): it opens with their old keys until a writer of level %s re-encrypts it":                   "写入时所在的克隆尚不知道 %v 已更换密钥（%s）：在密级 %s 的写入者重新加密之前，仍可用其旧密钥打开",
		// verify's checks of submissions/ (hand-ins).
		"left by an interrupted hand-in":                      "是中断的报告提交留下的临时文件",
		"no submission.add in the journal hands in this file": "日志中没有提交此文件的记录",
		"hand-in %s was %s, but its file is still here":       "报告 %s 已处理（%s），但其文件仍在",
		"sha256 %s is not %s, pinned by submission.add (changed, replaced or rolled back outside crm: restore it from git)": "sha256 为 %s，而非提交时日志记录的 %s（在 crm 之外被修改、替换或回退：请从 git 恢复）",
		"has %d recipient stanzas, but submission.add pinned %d recipients":                                                 "有 %d 个接收者条目，但提交时日志记录了 %d 个接收者",
		"missing: the journal says hand-in %s waits":                                                                        "缺失：日志表明报告 %s 待处理",
		// The pin: a head's file edited in place.
		"event %s, which you saw in this archive before, was changed in its file %s (%s)": "你以前在本档案库中见过的事件 %s 在其文件 %s 中被改动（%s）",
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
		"to give yourself (%s) new keys, give the new identity file instead of its public keys: the re-encryption after the change must be signed with the new key": "为自己（%s）更换密钥时，请给出新的身份文件而不是其公钥：更换后的重新加密必须由新密钥签名",
		"the identity file of the new keys":                              "新密钥的身份文件",
		"the new identity file holds the key you work with now (%s)":     "新的身份文件中是您当前使用的密钥（%s）",
		"the new key %s is already member %s's":                          "新密钥 %s 已属于成员 %s",
		"your new keys (journaled) are not found in the archive's state": "您的新密钥（已记入日志）在档案库状态中找不到",
		"give the member's new public keys (--public FILE, from `crm keygen -y`), or, for your own, your new identity file (--new-identity FILE)":                                                                                 "请给出成员的新公钥（--public FILE，来自 `crm keygen -y`），或者为自己更换时给出新的身份文件（--new-identity FILE）",
		"--new-identity is for your own keys (you are %s): give member %s's new public keys with --public FILE; their secret key never leaves them":                                                                               "--new-identity 只用于更换您自己的密钥（您是 %s）：请用 --public FILE 给出成员 %s 的新公钥；其私钥不离开本人",
		"to give yourself new keys, name the new identity file: --new-identity FILE (from `crm keygen -o FILE`); the re-encryption after the change is signed with the new key":                                                   "为自己更换密钥时请给出新的身份文件：--new-identity FILE（来自 `crm keygen -o FILE`）；更换后的重新加密由新密钥签名",
		"You (%s) have new keys; %d dossier(s) re-encrypted to them. From now on work with %s (--identity, CRM_IDENTITY or identity in the config file); the old key opens no new version, but git history still holds old ones.": "您（%s）已更换密钥；%d 份档案已重新加密给新密钥。此后请使用 %s（--identity、CRM_IDENTITY 或配置文件中的 identity）；旧密钥打不开任何新版本，但 git 历史中仍保存着旧版本。",
		"member %s has new keys": "成员 %s 已更换密钥",
		"that key was never one of yours (%s) that a change of keys replaced": "该密钥从来不是您（%s）被更换掉的旧密钥",
		"your new keys are journaled, but not every dossier was re-encrypted to them (%w): run the change again with the same two identity files to finish it; until then, files only you read open only with the old key": "您的新密钥已记入日志，但并非所有档案都已重新加密给新密钥（%w）：请用同样的两个身份文件再次执行更换以完成；在此之前，只有您可读的档案只能用旧密钥打开",
		"Your (%s) change of keys was journaled before; %d dossier(s) re-encrypted to the new keys now. From now on work with %s.":                                                                                         "您（%s）的密钥更换此前已记入日志；现已将 %d 份档案重新加密给新密钥。此后请使用 %s。",
		"XLSX is written and read by %s, which comes with crm: it is neither beside %s nor on PATH (install both with go install ./cmd/..., or set CRM_XLSX to its path)":                                                  "XLSX 由随 crm 提供的 %s 读写：它既不在 %s 旁边，也不在 PATH 中（用 go install ./cmd/... 一并安装，或把 CRM_XLSX 设为它的路径）",
		// Data let go after a whole replay, read back (journal.Event.LetGoData).
		"%s: neither this file nor a bundle of its month holds this event (%s) any longer, to read its data again: run the command again": "%s：该文件及其月份的归并文件都已不再包含此事件（%s），无法再次读取其数据：请重新运行该命令",
	}
}
