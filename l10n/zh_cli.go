package l10n

// catalogCLI holds the command line's own words (help, completion, keys and
// passphrases, search, confirmations, the editor): kept apart from zh.go so
// that work on the two does not collide. catalog merges it in on first use.
func catalogCLI() map[string]string {
	return map[string]string{
		"help for %s":      "显示 %s 的帮助",
		"name a shell: %s": "请指定 shell：%s",
		"identity file %s is passphrase-protected and there is no terminal to ask for it": "身份文件 %s 有口令保护，但没有终端可以输入口令",
		"print the version of crm":                                                                    "显示 crm 的版本",
		"%v: check the passphrase in %s (CRM_PASSPHRASE_FILE)":                                        "%v：请检查 %s（CRM_PASSPHRASE_FILE）中的口令",
		"the %s report needs the content of %d dossier(s) and there is no identity to read them with": "%s 报表需要读取 %d 份档案的内容，但没有可用的身份文件",
		"no completion for the shell %q: choose %s":                                                   "不支持为 %q 生成补全脚本：请选择 %s",
		"identity file %s: %w":                                                                        "身份文件 %s：%w",
		"identity file %s cannot be read (permission denied): run crm as its owner, or name another with --identity or CRM_IDENTITY": "无权读取身份文件 %s：请以其所有者身份运行 crm，或用 --identity 或 CRM_IDENTITY 指定其他身份文件",
		"%s has no subcommand %q: did you mean %s?":    "%s 没有子命令 %q：你是不是要用 %s？",
		"%s has no subcommand %q":                      "%s 没有子命令 %q",
		"passphrase file %s (CRM_PASSPHRASE_FILE): %v": "口令文件 %s（CRM_PASSPHRASE_FILE）：%v",
		"passphrase file %s (CRM_PASSPHRASE_FILE) may be read by others (mode %s): run chmod 600 %s":             "口令文件 %s（CRM_PASSPHRASE_FILE）其他人也能读取（权限 %s）：请运行 chmod 600 %s",
		"the %s report needs the content of %d dossier(s) and your key (%s) opens none of them: nothing written": "%s 报表需要读取 %d 份档案的内容，但你的密钥（%s）一份也打不开：未生成报表",
		"left":                         "剩余",
		"reading the journal":          "正在读取日志",
		"verifying the archive":        "正在核查档案库",
		"writing dossiers":             "正在写入档案",
		"no member %s in this archive": "本档案库没有成员 %s",
		"this step cannot be undone and there is no terminal to confirm it: add --yes":                                                                                       "此操作无法撤销，且没有终端可以确认：请加上 --yes",
		"Remove member %s (%s)? The %d dossier(s) they can read are re-encrypted without their key; copies they made and old versions in git history stay readable to them.": "确定移除成员 %s（%s）吗？其可读的 %d 份档案将重新加密，不再包含其密钥；其自行保存的副本和 git 历史中的旧版本仍可被其读取。",
		"[y/N]": "[y/N]",
		"--public: this is a secret key (AGE-SECRET-KEY-…), which must never leave its owner: give the output of `crm keygen -y` instead": "--public：这是私钥（AGE-SECRET-KEY-…），绝不能离开其所有者：请改为提供 `crm keygen -y` 的输出",
		"(the text given)": "（所给文本）",
		"Destroy dossier %s (request %s) now? Its file is deleted and cannot be brought back with crm; old versions stay in git history until purged.": "现在销毁档案 %s（申请 %s）吗？其文件将被删除，crm 无法恢复；git 历史中的旧版本在清除前仍然存在。",
		"cancelled: nothing changed":                                              "已取消：未作任何修改",
		"%q could be any of %s: give the full id":                                 "%q 可能指 %s 中的任何一份：请给出完整编号",
		"give the text to search for":                                             "请给出要查找的文本",
		"%d of %d dossiers are not readable with your key and were not searched.": "有 %d 份档案（共 %d 份）无法用你的密钥读取，未被查找。",
		"your key (%s) opens none of the %d dossiers to search":                   "你的密钥（%s）无法打开要查找的 %d 份档案中的任何一份",
		"No dossier matches %q.":                                                  "没有档案匹配 %q。",
		"searching dossiers":                                                      "正在查找档案",
		"readers: %s":                                                             "可读：%s",
		"the problems were not fixed; nothing saved: %s":                          "问题没有修正，未保存任何内容：%s",
		"the template was left as it was: no dossier created":                     "模板没有改动：未新建档案",
		"%s: %s": "%s：%s",
		"please fix these problems, save and quit; quit without saving or empty the file to give up":             "请修正以下问题，然后保存并退出；不保存退出或清空文件即放弃",
		"Dossier %s was already verified for %s: nothing recorded (--again records another 核定).":                 "档案 %s 已完成 %s 的核定：未重复登记（如需再登记一次，请加 --again）。",
		"Dossier %s was already verified for %s on %s by %s: nothing recorded (--again records another 核定).":     "档案 %s 已完成 %s 的核定（%s，%s）：未重复登记（如需再登记一次，请加 --again）。",
		"Signed off the 核定 of %s of %d dossier(s): %s and %d more (crm report reviews --quarter %s lists them).": "已签核 %s 的核定，共 %d 份档案：%s 等，另有 %d 份（crm report reviews --quarter %s 列出全部）。",
		"… and %d more like the line above: `crm maintain --all` prints every one, --json lists them":            "……同类另有 %d 条：`crm maintain --all` 逐条列出，--json 也全部列出",
		"… %d more":            "……另有 %d 份",
		"NOT COUNTED (%s): %s": "未生效（%s）：%s",
		"rejected by %s: %s":   "已被 %s 驳回：%s",
		"--quarter %s has not begun yet (this quarter is %s)": "--quarter %s 尚未开始（本季度为 %s）",
	}
}

func init() { mergeCatalog("zh_cli.go", catalogCLI) }
