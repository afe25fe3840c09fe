package main

import (
	"strings"

	"github.com/clipperhouse/displaywidth"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
	"crm/l10n"
)

// The words the commands show for the archive's ids: event kinds,
// statuses. English shows the ids themselves, Chinese the department's terms.

// kindTerms are the Chinese names of the event kinds (a test checks that
// every kind of the registry has one).
var kindTerms = map[journal.Kind]string{
	archive.KindInit:              "建立档案库",
	archive.KindPolicyUpdate:      "修改策略",
	archive.KindTemplatesUpdate:   "登记模板",
	archive.KindMemberAdd:         "增加成员",
	archive.KindMemberRoles:       "变更角色",
	archive.KindMemberRemove:      "移除成员",
	archive.KindMemberRotate:      "更换密钥",
	archive.KindDossierCreate:     "新建档案",
	archive.KindDossierUpdate:     "修改档案",
	archive.KindDossierMerge:      "合并档案",
	archive.KindDossierRekey:      "重新加密",
	archive.KindDossierClassify:   "调整密级",
	archive.KindDossierDeclassify: "自行解密",
	archive.KindDossierCredit:     "调整信用等级",
	archive.KindDossierTier:       "调整客户层级",
	archive.KindReview:            "核定",
	archive.KindReviewSignoff:     "签核核定",
	archive.KindHold:              "冻结",
	archive.KindRelease:           "解除冻结",
	archive.KindLoanRequest:       "借阅申请",
	archive.KindLoanEndorse:       "部门经理签字",
	archive.KindLoanApprove:       "借阅批准",
	archive.KindLoanCancel:        "撤回借阅申请",
	archive.KindLoanReject:        "借阅驳回",
	archive.KindLoanRenew:         "续借",
	archive.KindLoanReturn:        "归还",
	archive.KindLoanExpire:        "到期收回",
	archive.KindDestroyRequest:    "销毁申请",
	archive.KindDestroyApprove:    "销毁批准",
	archive.KindDestroyReject:     "销毁驳回",
	archive.KindDestroyExecute:    "执行销毁",
	archive.KindSubmissionAdd:     "提交客户信息报告",
	archive.KindSubmissionMerge:   "并入报告",
	archive.KindSubmissionReject:  "退回报告",
	archive.KindRequestStats:      "统计资料申请",
	archive.KindRequestEndorse:    "统计申请签字",
	archive.KindRequestApprove:    "批准统计资料申请",
	archive.KindRequestReject:     "驳回统计资料申请",
	archive.KindDecision:          "问题事件裁定",
}

// kindColumn is the width of crm log's kind column in the language of the
// output: that of the widest kind as kindText gives it (English
// dossier.declassify: 18; Chinese: 16, as the terms are kept within it),
// so that the actor starts in one column on every line.
func kindColumn() int {
	w := 0
	for _, s := range archive.Kinds() {
		w = max(w, displaywidth.String(kindText(s.Kind)))
	}
	return w
}

// kindText is an event kind as the user reads it.
func kindText(k journal.Kind) string {
	if t, ok := kindTerms[k]; ok && l10n.Chinese() {
		return t
	}
	return string(k)
}

func statusText(s string) string {
	switch s {
	case archive.StatusActive:
		return l10n.Pick("active", "在档")
	case archive.StatusDestroyed:
		return l10n.Pick("destroyed", "已销毁")
	}
	return s
}

func requestStatusText(s string) string { return archive.RequestStatusText(s) }

func templateStatusText(s string) string {
	switch s {
	case archive.TemplatePinned:
		return l10n.Pick("pinned: used", "已登记：使用中")
	case archive.TemplateUnpinned:
		return l10n.Pick("not pinned: not used", "未登记：不使用")
	case archive.TemplateChanged:
		return l10n.Pick("changed since pinned: not used", "登记后被修改：不使用")
	case archive.TemplateMissing:
		return l10n.Pick("pinned, but missing", "已登记，但文件缺失")
	}
	return s
}

// periodText is a secrecy period as the user reads it: 30y, or 30年.
func periodText(p classify.Period) string {
	if l10n.Chinese() {
		return p.Chinese()
	}
	return p.String()
}

// roleTitle is one role as the user reads it: its id in English, the
// policy's title in Chinese.
func roleTitle(r string, pol *archive.Policy) string {
	if !l10n.Chinese() || pol == nil || r == "" {
		return r
	}
	return pol.RoleTitle(r)
}

// roleChain is roles in order (approval chains), joined by sep.
func roleChain(roles []string, pol *archive.Policy, sep string) string {
	t := make([]string, len(roles))
	for i, r := range roles {
		t[i] = roleTitle(r, pol)
	}
	return strings.Join(t, sep)
}

// padRight pads s with spaces to n columns of the terminal (Chinese
// characters take two).
func padRight(s string, n int) string {
	if w := displaywidth.String(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

// roleNames are roles as the user reads them: ids in English, the
// policy's titles in Chinese.
func roleNames(roles []string, pol *archive.Policy) string {
	if pol == nil {
		return strings.Join(roles, ", ")
	}
	return pol.RolesList(roles)
}
