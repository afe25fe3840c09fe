package main

import (
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"crm/l10n"
)

// settingsFile is name in the folder crm reads its settings from, as a
// user of this system types it in an example (exampleSettingsFolder):
// ~ means nothing to cmd.exe, which would make a folder named "~".
func settingsFile(name string) string {
	return exampleSettingsFolder + string(filepath.Separator) + name
}

// examples are the Example sections of the commands that do not set their
// own, by command path: lines of commands, and comments (lines starting
// with #) as {English, Chinese}. A test fails on a command without one.
var examples = map[string][]any{
	"crm git": {
		"crm git setup",
	},
	"crm git setup": {
		exNote("once per clone: git diff shows dossiers decrypted, merges go through crm, pushes are verified", "每个克隆执行一次：git diff 显示解密后的档案，合并经由 crm，推送前核查"),
		"crm git setup",
	},
	"crm sync": {
		exNote("commit, pull and merge the others' work, verify, push", "提交、拉取并合并他人的工作，核查后推送"),
		"crm sync",
	},
	"crm resolve": {
		exNote("both clones changed the dossier: edit the merged text in the editor", "两个克隆都改了该档案：在编辑器中编辑合并后的文本"),
		"crm resolve C-0Q7K4M8Z3X",
		exNote("or give the settled text from a file", "或从文件给出解决后的文本"),
		"crm resolve C-0Q7K4M8Z3X --from settled.yaml",
	},
	"crm restore": {
		exNote("put back the version the journal pinned, from git history", "从 git 历史恢复日志登记的版本"),
		"crm restore C-0Q7K4M8Z3X",
		exNote("an event's file deleted or edited by hand (verify names it by its hash): put it back as written", "被删除或手工改动的事件文件（verify 以哈希指明）：恢复其原样"),
		"crm restore 3801ed105bd7",
	},
	"crm purge": {
		exNote("after destruction: remove every old ciphertext from git history", "销毁之后：从 git 历史中删除全部旧密文"),
		"crm purge C-0Q7K4M8Z3X --yes",
		"git push --force --all",
	},
	"crm member rotate": {
		exNote("a lost laptop: the member makes new keys, the manager registers them", "电脑遗失：成员生成新密钥，经理登记"),
		"crm keygen -o li-new.key && crm keygen -y li-new.key > li-new.pub",
		"crm member rotate li --public li-new.pub",
		exNote("your own keys (a sole manager too): the change is signed with the old key, the rest with the new", "更换自己的密钥（唯一的经理也可）：更换由旧密钥签名，其余由新密钥签名"),
		"crm keygen -o " + settingsFile("identity-2027.txt"),
		"crm member rotate zhang --new-identity " + settingsFile("identity-2027.txt"),
	},
	"crm repair": {
		exNote("finish or undo what a crash left, rebuild member files, re-encrypt stale files", "完成或撤销崩溃遗留的写入，重建成员文件，重新加密收件人过期的档案"),
		"crm repair",
	},
	"crm templates": {
		"crm templates list",
		"crm templates pin",
	},
	"crm templates list": {
		"crm templates list",
	},
	"crm templates pin": {
		exNote("use the overrides under templates/ from now on (a manager signs them)", "今后使用 templates/ 下的自定义模板（由经理签名登记）"),
		"crm templates pin",
	},
	"crm borrow cancel": {
		exNote("the requester withdraws a request that waits", "申请人撤回尚待审批的申请"),
		"crm borrow cancel L-0Q7P3A8K2F --reason 已不需要",
	},
	"crm borrow reject": {
		"crm borrow reject L-0Q7P3A8K2F --reason 用途不符",
	},
	"crm contact remove": {
		exNote("complaint records past their retention (two years by default)", "删除超过保存期限（默认两年）的投诉记录"),
		"crm contact remove C-0Q7K4M8Z3X --expired",
	},
	"crm review signoff": {
		exNote("the supervisor signs off the quarter's 核定 (R6.5)", "主管签核本季度的核定 (R6.5)"),
		"crm review signoff 2026Q4",
	},
	"crm submit": {
		exNote("a salesperson hands in the monthly customer information report (R6.1)", "业务员提交每月客户信息报告 (R6.1)"),
		"crm submit --from 客户信息报告.yaml",
		"crm submit --from update.yaml --dossier C-0Q7K4M8Z3X",
	},
	"crm submissions": {
		"crm submissions list --pending",
		"crm submissions merge S-0Q7K4M8Z3X C-0Q7K4M8Z3X",
	},
	"crm submissions list": {
		"crm submissions list",
		"crm submissions list --pending --json",
	},
	"crm submissions show": {
		"crm submissions show S-0Q7K4M8Z3X",
	},
	"crm submissions merge": {
		exNote("fold a hand-in into a dossier, in the editor", "在编辑器中把提交的报告并入档案"),
		"crm submissions merge S-0Q7K4M8Z3X C-0Q7K4M8Z3X",
		exNote("or make a new dossier of it", "或据此新建档案"),
		"crm submissions merge S-0Q7K4M8Z3X --new",
	},
	"crm submissions reject": {
		"crm submissions reject S-0Q7K4M8Z3X --reason 资料不全",
	},
	"crm request": {
		"crm request stats --purpose 年度销售分析 --report monthly",
		"crm request list",
	},
	"crm request stats": {
		exNote("a member outside 客服部 asks for statistics (R6.7)", "客服部以外的成员申请统计数据 (R6.7)"),
		"crm request stats --purpose 年度销售分析 --report monthly",
	},
	"crm request endorse": {
		exNote("the requester's own department manager signs first", "先由申请人所在部门经理签字"),
		"crm request endorse R-0Q7K4M8Z3X",
	},
	"crm request approve": {
		"crm request approve R-0Q7K4M8Z3X",
	},
	"crm request reject": {
		"crm request reject R-0Q7K4M8Z3X --reason 用途不明",
	},
	"crm request list": {
		"crm request list",
		"crm request list --json",
	},
	"crm contact": {
		"crm contact add 0q7k --kind 拜访 --content 了解扩产计划",
		"crm contact list 0q7k",
	},
	"crm contact add": {
		exNote("a visit, written on the command line", "在命令行写一条拜访记录"),
		"crm contact add C-0Q7K4M8Z3X --kind 拜访 --content 了解扩产计划 --follow-up 寄报价",
		exNote("a visit that found the customer's credit changed (信用异动): the monthly report lists it for review", "拜访中发现客户信用变化（信用异动）：月报列出，待主管复核"),
		"crm contact add C-0Q7K4M8Z3X --kind 拜访 --content 库存积压 --credit-change B:C --credit-reason 连续两月拖欠货款",
		exNote("a complaint, kept two years (R: 投诉记录)", "一条投诉记录，保存两年"),
		"crm contact add C-0Q7K4M8Z3X --kind 投诉 --content 交货延迟",
		exNote("in the editor", "在编辑器中填写"),
		"crm contact add C-0Q7K4M8Z3X --kind 回访",
	},
	"crm contact list": {
		"crm contact list C-0Q7K4M8Z3X",
		"crm contact list C-0Q7K4M8Z3X --json",
	},
	"crm import": {
		exNote("check a customer spreadsheet first: nothing is written", "先检查客户表格，不写入任何内容"),
		"crm import customers.xlsx --dry-run",
		"crm import customers.csv --map columns.yaml --level 秘密",
		exNote("a spreadsheet from another program, on standard input (CSV, or XLSX)", "从标准输入读取其他程序输出的表格（CSV 或 XLSX）"),
		"export-customers | crm import - --owner 李四",
	},
	"crm export": {
		"crm export register -o 客户信息登记表.xlsx",
	},
	"crm export register": {
		exNote("the spreadsheet copy for analysis (R6.2)", "供分析用的电子表格副本 (R6.2)"),
		"crm export register -o 客户信息登记表.xlsx",
		"crm export register --format csv -o register.csv",
	},
	"crm": {
		"crm keygen -o " + settingsFile("identity.txt"),
		"crm init archive --id zhang --name 张三",
		"crm new",
		"crm search 上海",
		"crm show 0q7k",
	},
	"crm keygen": {
		exNote("your identity, in the default place", "你的身份文件，放在默认位置"),
		"crm keygen -o " + settingsFile("identity.txt"),
		exNote("protected by a passphrase", "用口令保护"),
		"crm keygen --passphrase -o " + settingsFile("identity.txt"),
		exNote("the public part, for the manager who adds you", "公开部分，交给为你添加成员的经理"),
		"crm keygen -y > me.pub",
	},
	"crm init": {
		"crm init archive --id zhang --name 张三 --git",
		"crm init --id zhang --name 张三 --recovery age1…",
	},
	"crm member": {
		"crm member list",
		"crm member add wang --name 王五 --role clerk --public wang.pub",
	},
	"crm member add": {
		"crm member add wang --name 王五 --role clerk --public wang.pub",
		exNote("the block pasted from crm keygen -y", "直接粘贴 crm keygen -y 的输出"),
		`crm member add wang --name 王五 --role clerk --public "$(cat wang.pub)"`,
		"crm member add sun --name 孙经理 --role dept_manager --department 市场部 --recipient age1… --signing-key crm-ed25519:…",
	},
	"crm member list":   {"crm member list", "crm member list --json"},
	"crm member roles":  {"crm member roles", "crm member roles wang clerk supervisor"},
	"crm member remove": {"crm member remove wang", "crm member remove wang --yes"},
	"crm new": {
		exNote("opens $EDITOR on the dossier template", "用 $EDITOR 编辑档案模板"),
		"crm new",
		"crm new --from dossier.yaml --level 机密",
		"cat dossier.yaml | crm new --from -",
		exNote("refused when an organisation of that name has a dossier (one per customer, R5); another customer of the same name:", "同名机构已有档案时拒绝（每个客户一份，R5）；确是另一个同名客户时："),
		"crm new --from dossier.yaml --allow-duplicate",
	},
	"crm show": {"crm show C-0Q7K4M8Z3X", "crm show 0q7k", "crm show c-0q7k --json"},
	"crm edit": {"crm edit C-0Q7K4M8Z3X", "crm edit 0q7k --from dossier.yaml"},
	"crm list": {
		"crm list",
		"crm list --level 机密 --json",
		"crm list --expiring-within 30d --no-decrypt",
		"crm list --credit D",
	},
	"crm log":    {"crm log", "crm log C-0Q7K4M8Z3X", "crm log 0q7k --json"},
	"crm verify": {"crm verify", "crm verify --fast", "crm verify || echo 'something is wrong'"},
	"crm rekey":  {"crm rekey", "crm rekey C-0Q7K4M8Z3X"},
	"crm classify": {
		"crm classify C-0Q7K4M8Z3X --level 绝密 --reason 涉及公司权益",
		"crm classify 0q7k --credit B --reason 复查信用",
		"crm classify 0q7k --tier 重点 --reason 年销售额上升",
	},
	"crm classify suggest":            {"crm classify suggest C-0Q7K4M8Z3X", "crm classify suggest --all --json"},
	"crm classify declassify-expired": {"crm classify declassify-expired"},
	"crm borrow": {
		"crm borrow request C-0Q7K4M8Z3X --purpose 谈判准备",
		"crm borrow approve L-0Q7P3A8K2F",
		"crm borrow return L-0Q7P3A8K2F --intact",
	},
	"crm borrow request": {"crm borrow request C-0Q7K4M8Z3X --purpose 谈判准备", "crm borrow request 0q7k --purpose 审计 --days 2"},
	"crm borrow endorse": {"crm borrow endorse L-0Q7P3A8K2F"},
	"crm borrow approve": {"crm borrow approve L-0Q7P3A8K2F"},
	"crm borrow renew":   {"crm borrow renew L-0Q7P3A8K2F"},
	"crm borrow return":  {"crm borrow return L-0Q7P3A8K2F --intact", "crm borrow return L-0Q7P3A8K2F --damaged 缺第3页"},
	"crm borrow list":    {"crm borrow list", "crm borrow list --overdue --json"},
	"crm review":         {"crm review due", "crm review done C-0Q7K4M8Z3X --note 已核对联系人"},
	"crm review due": {
		"crm review due",
		"crm review due --quarter 2026Q4 --json",
		exNote("in cron: exit 10 when the quarter ends within two weeks", "在 cron 中：季度两周内结束且有待核定时退出码 10"),
		"crm review due --within 14d",
	},
	"crm review done": {"crm review done C-0Q7K4M8Z3X --note 已核对联系人", "crm review done C-0Q7K4M8Z3X --result 已补充 --note 补充联系人", "crm review done C-0Q7K4M8Z3X C-0Q7M2B9R4T C-0Q7N5D1H6W", "crm review done --all-readable --note 季度核定"},
	"crm destroy": {
		"crm destroy request C-0Q7K4M8Z3X --reason 已无保存价值",
		"crm destroy approve D-0Q7R6E4J9B",
		"crm destroy execute D-0Q7R6E4J9B --witness li --witness zhao",
	},
	"crm destroy request": {"crm destroy request C-0Q7K4M8Z3X --reason 已无保存价值"},
	"crm destroy approve": {"crm destroy approve D-0Q7R6E4J9B"},
	"crm destroy reject":  {"crm destroy reject D-0Q7R6E4J9B --reason 仍有业务往来"},
	"crm destroy execute": {"crm destroy execute D-0Q7R6E4J9B --witness li --witness zhao", "crm destroy execute D-0Q7R6E4J9B --witness li --witness zhao --method 粉碎 --yes"},
	"crm destroy list":    {"crm destroy list", "crm destroy list --json"},
	"crm hold":            {"crm hold C-0Q7M2B9R4T --reason 诉讼"},
	"crm release":         {"crm release C-0Q7M2B9R4T --reason 诉讼结束"},
	"crm maintain": {
		"crm maintain",
		"CRM_IDENTITY=/etc/crm/maintain.key chronic crm maintain",
		"crm maintain --within 30d --json",
	},
	"crm report": {
		"crm report monthly --month 2026-10",
		"crm report quarterly --quarter 2026Q3 -o q3.xlsx",
		"crm report loans --format csv --bom -o 借阅登记.csv",
	},
	"crm report monthly":        {"crm report monthly", "crm report monthly --month 2026-10 -o 客户信息报表-2026-10.xlsx"},
	"crm report quarterly":      {"crm report quarterly --quarter 2026Q3", "crm report quarterly --format md"},
	"crm report annual":         {"crm report annual --year 2026 -o 2026.xlsx"},
	"crm report loans":          {"crm report loans", "crm report loans --month 2026-10 --format csv --bom -o 借阅登记.csv"},
	"crm report destruction":    {"crm report destruction --year 2026 -o 销毁清册.xlsx"},
	"crm report reviews":        {"crm report reviews --quarter 2026Q4"},
	"crm report classification": {"crm report classification --format json"},
	"crm textconv":              {`git config diff.crm.textconv "crm textconv"`, "crm textconv dossiers/C-0Q7K4M8Z3X.age"},
	"crm man":                   {"crm man man", "man -l man/crm-borrow-request.1"},
	"crm help":                  {"crm help", "crm help borrow request"},
}

// exNote is an example's comment in both languages.
func exNote(en, zh string) [2]string { return [2]string{en, zh} }

// exampleText renders an example: two spaces before each line, comments
// in the user's language.
func exampleText(lines []any) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch x := l.(type) {
		case string:
			b.WriteString("  " + x)
		case [2]string:
			b.WriteString("  # " + l10n.Pick(x[0], x[1]))
		}
	}
	return b.String()
}

// setExamples gives every command without an Example the one above.
func setExamples(root *cobra.Command) {
	walk(root, func(cmd *cobra.Command) {
		if ex, ok := examples[cmd.CommandPath()]; ok && cmd.Example == "" {
			cmd.Example = exampleText(ex)
		}
	})
}
