package archive

import (
	"slices"

	"crm/archive/journal"
	"crm/l10n"
)

// The kinds of event (journal/FORMAT.md, "Event kinds"). Each has one entry
// in the registry below; writing and replay both go through it.
const (
	KindInit              journal.Kind = "archive.init"
	KindPolicyUpdate      journal.Kind = "policy.update"
	KindTemplatesUpdate   journal.Kind = "templates.update"
	KindMemberAdd         journal.Kind = "member.add"
	KindMemberRoles       journal.Kind = "member.roles"
	KindMemberRemove      journal.Kind = "member.remove"
	KindDossierCreate     journal.Kind = "dossier.create"
	KindDossierUpdate     journal.Kind = "dossier.update"
	KindDossierRekey      journal.Kind = "dossier.rekey"
	KindDossierClassify   journal.Kind = "dossier.classify"
	KindDossierDeclassify journal.Kind = "dossier.declassify"
	KindDossierCredit     journal.Kind = "dossier.credit"
	KindDossierTier       journal.Kind = "dossier.tier"
	KindReview            journal.Kind = "dossier.review"
	KindReviewSignoff     journal.Kind = "review.signoff"
	KindHold              journal.Kind = "dossier.hold"
	KindRelease           journal.Kind = "dossier.release"
	KindLoanRequest       journal.Kind = "loan.request"
	KindLoanEndorse       journal.Kind = "loan.endorse"
	KindLoanApprove       journal.Kind = "loan.approve"
	KindLoanCancel        journal.Kind = "loan.cancel"
	KindLoanReject        journal.Kind = "loan.reject"
	KindLoanRenew         journal.Kind = "loan.renew"
	KindLoanReturn        journal.Kind = "loan.return"
	KindLoanExpire        journal.Kind = "loan.expire"
	KindDestroyRequest    journal.Kind = "destroy.request"
	KindDestroyApprove    journal.Kind = "destroy.approve"
	KindDestroyReject     journal.Kind = "destroy.reject"
	KindDestroyExecute    journal.Kind = "destroy.execute"
	KindSubmissionAdd     journal.Kind = "submission.add"
	KindSubmissionMerge   journal.Kind = "submission.merge"
	KindSubmissionReject  journal.Kind = "submission.reject"
	KindRequestStats      journal.Kind = "request.stats"
	KindRequestEndorse    journal.Kind = "request.endorse"
	KindRequestApprove    journal.Kind = "request.approve"
	KindRequestReject     journal.Kind = "request.reject"
	KindDecision          journal.Kind = "journal.decision"
	KindDossierMerge      journal.Kind = "dossier.merge"
	KindMemberRotate      journal.Kind = "member.rotate"
)

// Workflow names the procedure a kind of event belongs to.
type Workflow string

// The workflows, in the order FORMAT.md lists them.
const (
	WorkflowArchive  Workflow = "archive"  // genesis and policy
	WorkflowMembers  Workflow = "members"  // who is who (R4.10)
	WorkflowDossier  Workflow = "dossier"  // content (R6.3)
	WorkflowClassify Workflow = "classify" // level, credit class, tier (R7.2, R8)
	WorkflowReview   Workflow = "review"   // 核定 (R6.5)
	WorkflowHold     Workflow = "hold"     // legal hold (冻结)
	WorkflowLoan     Workflow = "loan"     // borrowing (R7.1, R6.7)
	WorkflowDestroy  Workflow = "destroy"  // destruction (R6.10)
	WorkflowIntake   Workflow = "intake"   // sales' hand-ins (R6.1, R6.3)
	WorkflowRequest  Workflow = "request"  // statistics for other departments (R6.7)
)

// KindSpec is the registry's entry for one kind of event.
type KindSpec struct {
	Kind journal.Kind
	// Term is the kind's name in Chinese, the department's word for the
	// step (冻结 for dossier.hold): crm log's kind column and every Chinese
	// message that names a kind show it (KindText). At most 16 columns
	// wide (TestEveryKindHasAChineseTerm), so that a new term does not
	// widen crm log's kind column.
	Term     string
	Workflow Workflow
	// What names the step for people, as in "adding a member needs one of
	// the roles …".
	What string
	// Roles returns the roles that may write the kind under policy p;
	// replay refuses the event from anyone else. The payload's own rule
	// may narrow it further (the next role of a chain, the top level).
	// Nil means no role: the kind's rule decides who (Who says it).
	Roles func(p *Policy) []string
	Who   string
	// Rule is the department's rule that says who may, quoted when
	// someone else tries (optional).
	Rule string
	// WritesFile: the event may pin a new dossier file (sha256, recipients).
	WritesFile bool
	// SetsLevel: the event sets the dossier's recorded level.
	SetsLevel bool
	// Dossier: the event names a dossier.
	Dossier bool
	// Reach is what of the state the kind's rule reads and changes besides
	// the members and the policy: what replaying it on top of a state
	// snapshot needs (advance.go).
	Reach Reach
	// New returns a new, empty payload of the kind's data type.
	New func() payload
}

// Reach is how much of the state an event's rule reads and changes
// besides the members and the policy.
type Reach int

const (
	// ReachArchive: any dossier or register (the zero value).
	ReachArchive Reach = iota
	// ReachOwnPart: it changes only the dossier it names (and what is
	// kept with it: its loans, its destruction requests), but reads more
	// (every loan's id, every request's id).
	ReachOwnPart
	// ReachDossier: it reads and changes only the dossier it names.
	ReachDossier
	// ReachJournal: it needs what a snapshot does not keep (the journal's
	// events, replay's second pass, the key history, a new policy): a
	// snapshot is never advanced over it (but for a removal that closes
	// no loans, and new keys for a member: memberStep).
	ReachJournal
	// ReachHeader: it changes only what every state holds (a snapshot
	// keeps it in its header): the hand-ins, the statistics requests, the
	// members and the roles they held (member.add, member.roles). Of the
	// dossiers it reads only the one it names or, handing in, the one it
	// is about (eventParts).
	ReachHeader
)

func roles(f func(p *Policy) []string) func(p *Policy) []string { return f }

var registry = []*KindSpec{
	{Kind: KindInit, Term: "建立档案库", Reach: ReachJournal, Workflow: WorkflowArchive, What: l10n.N("founding the archive"), Who: l10n.N("the founder (the genesis event)"),
		New: func() payload { return &InitData{} }},
	{Kind: KindPolicyUpdate, Term: "修改策略", Reach: ReachJournal, Workflow: WorkflowArchive, What: l10n.N("changing the policy"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Members }), New: func() payload { return &PolicyUpdate{} }},
	{Kind: KindTemplatesUpdate, Term: "登记模板", Workflow: WorkflowArchive, What: l10n.N("pinning template overrides"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Members }), New: func() payload { return &TemplatesUpdate{} }},
	{Kind: KindMemberAdd, Term: "增加成员", Reach: ReachHeader, Workflow: WorkflowMembers, What: l10n.N("adding a member"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Members }), New: func() payload { return &MemberAdd{} }},
	{Kind: KindMemberRoles, Term: "变更角色", Reach: ReachHeader, Workflow: WorkflowMembers, What: l10n.N("changing roles"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Members }), New: func() payload { return &MemberRoles{} }},
	{Kind: KindMemberRemove, Term: "移除成员", Reach: ReachJournal, Workflow: WorkflowMembers, What: l10n.N("removing a member"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Members }), New: func() payload { return &MemberRemove{} }},
	{Kind: KindMemberRotate, Term: "更换密钥", Reach: ReachJournal, Workflow: WorkflowMembers, What: l10n.N("giving a member new keys"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Members }), New: func() payload { return &MemberRotate{} }},
	{Kind: KindDossierCreate, Term: "新建档案", Reach: ReachDossier, Workflow: WorkflowDossier, What: l10n.N("creating a dossier"), WritesFile: true, SetsLevel: true, Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Permissions.Write }), New: func() payload { return &DossierCreate{} }},
	{Kind: KindDossierUpdate, Term: "修改档案", Reach: ReachDossier, Workflow: WorkflowDossier, What: l10n.N("editing a dossier"), WritesFile: true, Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Permissions.Write }), New: func() payload { return &DossierUpdate{} }},
	{Kind: KindDossierMerge, Term: "合并档案", Reach: ReachDossier, Workflow: WorkflowDossier, What: l10n.N("merging a dossier edited in two clones"), WritesFile: true, Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Permissions.Write }), New: func() payload { return &DossierMerge{} }},
	{Kind: KindDossierRekey, Term: "重新加密", Reach: ReachDossier, Workflow: WorkflowDossier, What: l10n.N("re-encrypting a dossier"), WritesFile: true, Dossier: true,
		Who: l10n.N("a writer of the level who can open the file"), New: func() payload { return &DossierRekey{} }},
	{Kind: KindDossierClassify, Term: "调整密级", Reach: ReachDossier, Workflow: WorkflowClassify, What: l10n.N("changing a dossier's level"), WritesFile: true, SetsLevel: true, Dossier: true,
		Roles: roles(func(p *Policy) []string { return union(p.Permissions.Classify, p.Permissions.ClassifyTopSecret) }),
		New:   func() payload { return &DossierClassify{} }},
	{Kind: KindDossierDeclassify, Term: "自行解密", Reach: ReachDossier, Workflow: WorkflowClassify, What: l10n.N("declassifying a dossier"), WritesFile: true, SetsLevel: true, Dossier: true,
		Who: l10n.N("a writer of the level who can open the file, once the secrecy period ran out"), New: func() payload { return &DossierDeclassify{} }},
	{Kind: KindDossierCredit, Term: "调整信用等级", Reach: ReachDossier, Workflow: WorkflowClassify, What: l10n.N("setting a credit class"), Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Permissions.Classify }), New: func() payload { return &DossierCredit{} }},
	{Kind: KindDossierTier, Term: "调整客户层级", Reach: ReachDossier, Workflow: WorkflowClassify, What: l10n.N("setting a tier"), Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Permissions.Classify }), New: func() payload { return &DossierTier{} }},
	{Kind: KindReview, Term: "核定", Reach: ReachDossier, Workflow: WorkflowReview, What: l10n.N("the quarterly review (核定)"), Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Permissions.Review }), New: func() payload { return &ReviewData{} }},
	{Kind: KindReviewSignoff, Term: "签核核定", Workflow: WorkflowReview, What: l10n.N("signing off a quarter's 核定"),
		Roles: roles((*Policy).SignoffRoles), New: func() payload { return &ReviewSignoff{} }},
	{Kind: KindHold, Term: "冻结", Reach: ReachDossier, Workflow: WorkflowHold, What: l10n.N("a legal hold"), Dossier: true,
		Roles: roles((*Policy).HoldRoles), New: func() payload { return &HoldData{} }},
	{Kind: KindRelease, Term: "解除冻结", Reach: ReachDossier, Workflow: WorkflowHold, What: l10n.N("releasing a legal hold"), Dossier: true,
		Roles: roles((*Policy).HoldRoles), New: func() payload { return &ReleaseData{} }},
	{Kind: KindLoanRequest, Term: "借阅申请", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("borrowing a dossier"), Dossier: true, Rule: l10n.N("only managers and above may borrow a dossier (R7.1)"),
		Roles: roles(func(p *Policy) []string { return p.Loan.Borrowers }), New: func() payload { return &LoanRequest{} }},
	{Kind: KindLoanEndorse, Term: "部门经理签字", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("signing a loan request"), Dossier: true,
		Roles: roles(func(p *Policy) []string { return []string{"dept_manager"} }), New: func() payload { return &LoanEndorse{} }},
	{Kind: KindLoanApprove, Term: "借阅批准", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("approving a loan"), WritesFile: true, Dossier: true,
		Roles: roles(allLoanApprovers), New: func() payload { return &LoanApprove{} }},
	{Kind: KindLoanCancel, Term: "撤回借阅申请", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("withdrawing a loan request"), Dossier: true,
		Who: l10n.N("the requester, while the request waits"), New: func() payload { return &LoanCancel{} }},
	{Kind: KindLoanReject, Term: "借阅驳回", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("rejecting a loan request"), Dossier: true,
		Roles: roles(allLoanApprovers), New: func() payload { return &LoanReject{} }},
	{Kind: KindLoanRenew, Term: "续借", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("renewing a loan"), Dossier: true,
		Who: l10n.N("the borrower"), New: func() payload { return &LoanRenew{} }},
	{Kind: KindLoanReturn, Term: "归还", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("returning a loan"), WritesFile: true, Dossier: true,
		Who: l10n.N("the borrower, or an approver of the loan (the file: only a writer)"), New: func() payload { return &LoanReturn{} }},
	{Kind: KindLoanExpire, Term: "到期收回", Reach: ReachOwnPart, Workflow: WorkflowLoan, What: l10n.N("revoking an overdue loan"), WritesFile: true, Dossier: true,
		Who: l10n.N("a recipient of the file, after the loan's due time or once its borrower holds no role of `loan.borrowers` (the file: only a writer)"), New: func() payload { return &LoanExpire{} }},
	{Kind: KindDestroyRequest, Term: "销毁申请", Reach: ReachOwnPart, Workflow: WorkflowDestroy, What: l10n.N("asking to destroy a dossier"), Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Permissions.Write }), New: func() payload { return &DestroyRequest{} }},
	{Kind: KindDestroyApprove, Term: "销毁批准", Reach: ReachOwnPart, Workflow: WorkflowDestroy, What: l10n.N("approving a destruction"), Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Destruction.Chain }), New: func() payload { return &DestroyApprove{} }},
	{Kind: KindDestroyReject, Term: "销毁驳回", Reach: ReachOwnPart, Workflow: WorkflowDestroy, What: l10n.N("rejecting a destruction"), Dossier: true,
		Roles: roles(func(p *Policy) []string { return p.Destruction.Chain }), New: func() payload { return &DestroyReject{} }},
	{Kind: KindDestroyExecute, Term: "执行销毁", Reach: ReachOwnPart, Workflow: WorkflowDestroy, What: l10n.N("executing a destruction"), Dossier: true,
		Roles: roles((*Policy).DestroyRoles), New: func() payload { return &DestroyExecute{} }},
	{Kind: KindSubmissionAdd, Term: "提交客户信息报告", Reach: ReachHeader, Workflow: WorkflowIntake, What: l10n.N("handing in a customer information report"), Rule: l10n.N("sales hand in the customer information report (R6.1)"),
		Roles: roles((*Policy).Submitters), New: func() payload { return &SubmissionAdd{} }},
	{Kind: KindSubmissionMerge, Term: "并入报告", Reach: ReachHeader, Workflow: WorkflowIntake, What: l10n.N("folding a hand-in into a dossier"), Dossier: true, Rule: l10n.N("the clerk enters what sales hand in (R6.3)"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Write }), New: func() payload { return &SubmissionMerge{} }},
	{Kind: KindSubmissionReject, Term: "退回报告", Reach: ReachHeader, Workflow: WorkflowIntake, What: l10n.N("turning a hand-in down"),
		Roles: roles(func(p *Policy) []string { return p.Permissions.Write }), New: func() payload { return &SubmissionReject{} }},
	{Kind: KindRequestStats, Term: "统计资料申请", Reach: ReachHeader, Workflow: WorkflowRequest, What: l10n.N("asking for customer statistics"),
		Who: l10n.N("a member outside home_department"), New: func() payload { return &RequestStats{} }},
	{Kind: KindRequestEndorse, Term: "统计申请签字", Reach: ReachHeader, Workflow: WorkflowRequest, What: l10n.N("signing a statistics request"), Rule: l10n.N("the requester's own department manager signs first (R6.7)"),
		Roles: roles(func(p *Policy) []string { return []string{"dept_manager"} }), New: func() payload { return &RequestEndorse{} }},
	{Kind: KindRequestApprove, Term: "批准统计资料申请", Reach: ReachHeader, Workflow: WorkflowRequest, What: l10n.N("approving a statistics request"), Rule: l10n.N("then 客服部 approves (R6.7)"),
		Roles: roles((*Policy).StatsApprovers), New: func() payload { return &RequestApprove{} }},
	{Kind: KindRequestReject, Term: "驳回统计资料申请", Reach: ReachHeader, Workflow: WorkflowRequest, What: l10n.N("rejecting a statistics request"),
		Roles: roles(func(p *Policy) []string { return union(p.StatsApprovers(), []string{"dept_manager"}) }), New: func() payload { return &RequestReject{} }},
	{Kind: KindDecision, Term: "问题事件裁定", Reach: ReachJournal, Workflow: WorkflowArchive, What: l10n.N("deciding on a problem event"),
		Who: l10n.N("manager (permissions.decide); the event's own author may reject it"), New: func() payload { return &Decision{} }},
}

var byKind = func() map[journal.Kind]*KindSpec {
	m := map[journal.Kind]*KindSpec{}
	for _, s := range registry {
		m[s.Kind] = s
	}
	return m
}()

// Kinds returns the registry: every kind of event, in FORMAT.md's order.
func Kinds() []*KindSpec { return slices.Clone(registry) }

// SpecOf returns the registry's entry for kind k, or nil for a kind crm
// does not know.
func SpecOf(k journal.Kind) *KindSpec { return byKind[k] }

// KindText is event kind k as a message or a listing names it: its Term in
// Chinese, the kind itself (dossier.hold) in English and for a kind crm
// does not know.
func KindText(k journal.Kind) string { return kindWord(k).Say(l10n.Chinese()) }

// kindWord is KindText as a phrase of a message, said in either language
// (a problem of the replay is kept in both: replayProblem).
func kindWord(k journal.Kind) l10n.Phrase {
	return l10n.Said(func(chinese bool) string {
		if s := byKind[k]; s != nil && s.Term != "" && chinese {
			return s.Term
		}
		return string(k)
	})
}

// allLoanApprovers are the roles that may approve or reject some loan:
// every level's approvers, and those who approve in a borrower's stead.
func allLoanApprovers(p *Policy) []string {
	out := p.SelfLoanApprovers()
	for _, rs := range p.Loan.Approvers {
		out = union(out, rs)
	}
	return out
}

// union returns the sorted roles of a and b, each once.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// DataOf decodes an event's data into its kind's payload type: a pointer
// to one of this package's payload structs (MemberAdd, LoanApprove, …).
func DataOf(e *journal.Event) (any, error) {
	spec := SpecOf(e.Kind)
	if spec == nil {
		return nil, problemf("unknown event kind %q", e.Kind)
	}
	d := spec.New()
	if err := e.Decode(d); err != nil {
		return nil, err
	}
	return d, nil
}
