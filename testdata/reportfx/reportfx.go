// Package reportfx builds the fixed archive the report tests run on: ten
// members (four of them sales), seven dossiers created between July and
// November 2026, and the journal events of loans, 核定, classification, a
// destruction and hand-ins, at fixed times. Keys are random, so hashes
// differ from run to run, but nothing a report shows depends on them.
//
// Every step goes through the archive's own API (lifecycle and
// classification included), so the journal is exactly what the commands
// write.
package reportfx

import (
	"context"
	"fmt"
	"sort"
	"time"

	"crm/archive"
	"crm/classify"
)

// Now is the archive's clock when the fixture is finished: 2027-01-05
// 09:00 in Beijing, so the previous month, quarter and year are 2026-12,
// 2026Q4 and 2026.
var Now = time.Date(2027, 1, 5, 1, 0, 0, 0, time.UTC)

// Fixture is the built archive and its members' identity texts.
type Fixture struct {
	Dir   string
	IDs   map[string]*archive.Identity // member id → identity
	Texts map[string][]byte            // member id → identity file text
}

type builder struct {
	fx    *Fixture
	a     *archive.Archive
	clock time.Time
}

func (b *builder) at(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	b.clock = t
	if b.a != nil {
		b.a.SetClock(t)
	}
}

// as switches the working member.
func (b *builder) as(id string) error { return b.a.SetIdentity(b.fx.IDs[id]) }

func (b *builder) create(who, level, text string) (string, error) {
	if err := b.as(who); err != nil {
		return "", err
	}
	return b.a.Create([]byte(text), level)
}

// Dossier texts: enough for every report column (the key customer's
// telephone, the outstanding debt of one dangerous customer but not the
// other).
var dossiers = []struct{ at, level, text string }{
	{"2026-07-10T02:00:00Z", "秘密", `customer:
  name: 华东精密机械有限公司
  kind: 机构
  industry: 制造业
  region: 华东
  telephone: "021-58881234"
owner: 王专员
tier: 重点
yearly_sales: 3000000
credit_survey:
  payment_attitude: 及时
  date: 2026-06-15
  score: 85
`},
	{"2026-08-05T02:00:00Z", "机密", `customer:
  name: 深圳宏远贸易有限公司
  industry: 零售业
  region: 华南
owner: 李主管
tier: 普通
yearly_sales: 1200000
trading:
  credit_problems: 2025年拖欠货款三个月
credit_survey:
  payment_attitude: 拖欠
  date: 2026-07-20
  score: 35
`},
	{"2026-09-20T02:00:00Z", "秘密", `customer:
  name: 北京金桥物流有限公司
  industry: 物流业
  region: 华北
owner: 王专员
tier: 普通
yearly_sales: 800000
credit_survey:
  payment_attitude: 一般
  date: 2026-09-01
  score: 65
`},
	{"2026-10-08T02:00:00Z", "秘密", `customer:
  name: 广州天成电子有限公司
  industry: 制造业
  region: 华南
owner: 王专员
yearly_sales: 150000
credit_survey:
  payment_attitude: 拖延
  date: 2026-09-28
  score: 30
  outstanding: 125000.5
contacts:
  - date: 2026-10-08
    who: 王专员
    kind: 拜访
    credit_change: {from: C, to: D, reason: 货款逾期两月未付}
`},
	// 00:30 on 1 November in Beijing: November's, not October's.
	{"2026-10-31T16:30:00Z", "秘密", `customer:
  name: 杭州新源科技有限公司
  industry: 信息技术
  region: 华东
owner: 王专员
tier: 潜在
credit_survey:
  score: 70
`},
	{"2026-10-12T02:00:00Z", "内部", `customer:
  name: 张三个体户
  kind: 个人
owner: 王专员
contacts:
  - date: 2026-10-05
    who: 李业务
    kind: 拜访
    credit_change: {from: B, to: C, reason: 改为现金交易}
`},
	{"2026-07-15T02:00:00Z", "秘密", `customer:
  name: 已注销的瑞丰批发部
  industry: 批发业
  region: 西南
owner: 王专员
yearly_sales: 50000
credit_survey:
  score: 55
`},
}

// handIn is the text of the sales members' hand-ins: a part of a dossier
// (R6.3).
const handIn = `trading:
  problems: 十月走访：订单平稳
`

// Build makes the fixture archive in dir.
func Build(dir string) (*Fixture, error) {
	fx := &Fixture{Dir: dir, IDs: map[string]*archive.Identity{}, Texts: map[string][]byte{}}
	b := &builder{fx: fx}
	b.at("2026-07-01T01:00:00Z")
	now := func() time.Time { return b.clock }
	for _, m := range []string{"manager", "super", "clerk", "gm", "sun", "zhou", "wu", "zheng", "feng", "chen"} {
		text, id, err := archive.GenerateIdentityText(false, b.clock)
		if err != nil {
			return nil, err
		}
		fx.IDs[m], fx.Texts[m] = id, text
	}
	a, err := archive.Init(context.Background(), dir, fx.IDs["manager"], archive.InitOptions{Founder: archive.Member{ID: "manager", Name: "张经理"}, IDStyle: archive.IDSequential}, now)
	if err != nil {
		return nil, err
	}
	b.a = a
	for _, m := range []struct{ id, name, role, dept string }{
		{"super", "李主管", "supervisor", ""}, {"clerk", "王专员", "clerk", ""}, {"gm", "赵总", "gm", ""},
		{"sun", "孙经理", "dept_manager", "市场部"}, {"zhou", "周专员", "clerk", ""},
		{"wu", "吴业务", "sales", "市场部"}, {"zheng", "郑业务", "sales", "市场部"}, {"feng", "冯业务", "sales", "市场部"},
	} {
		k := fx.IDs[m.id]
		if err := a.AddMember(context.Background(), archive.Member{ID: m.id, Name: m.name, Department: m.dept, Roles: []string{m.role}, Recipient: k.Recipient, SigningKey: k.SigningKey()}); err != nil {
			return nil, err
		}
	}
	// ids: C-000001 华东精密 (秘密), C-000002 瑞丰 (秘密, destroyed in
	// October), C-000003 宏远 (机密), C-000004 金桥 (秘密 → 机密),
	// C-000005 天成 (秘密), C-000006 张三 (内部), C-000007 新源 (秘密,
	// 1 November Beijing time): ids follow creation, which follows time.
	type timed struct {
		at string
		do func() error
	}
	var all []timed
	for i := range dossiers {
		all = append(all, timed{dossiers[i].at, func() error {
			b.at(dossiers[i].at)
			who := "clerk" // the supervisor creates what the clerk could not read
			if dossiers[i].level == "机密" {
				who = "super"
			}
			_, err := b.create(who, dossiers[i].level, dossiers[i].text)
			return err
		}})
	}
	do := func(at, who string, f func() error) timed {
		return timed{at, func() error {
			b.at(at)
			if err := b.as(who); err != nil {
				return err
			}
			return f()
		}}
	}
	var turnedDown string // 郑业务's first hand-in
	steps := []timed{
		// An update in October.
		do("2026-10-15T03:00:00Z", "clerk", func() error {
			o, err := a.Read("C-000001")
			if err != nil {
				return err
			}
			// Two visits that noted a change in credit (信用异动): the
			// September one superseded, October's not yet classified.
			_, _, err = a.Update("C-000001", o.SHA256, o.Text, append(o.Text, []byte("notes: 十月补充联系人\n"+
				"contacts:\n  - date: 2026-09-05\n    who: 李业务\n    kind: 拜访\n    credit_change: {from: B, to: A, reason: 付款及时}\n"+
				"  - date: 2026-10-10\n    who: 王专员\n    kind: 拜访\n    credit_change: {from: A, to: B, reason: 回款放缓}\n")...))
			return err
		}),
		// 核定: Q3 for 金桥, Q4 for 华东精密 and 张三.
		do("2026-09-25T06:00:00Z", "clerk", func() error { _, err := a.ReviewDone("C-000004", "资料齐全"); return err }),
		// Two 核定 with a result (核定结果), one without (recorded before
		// one could be given): the register shows 已核定 for it.
		do("2026-10-20T06:00:00Z", "clerk", func() error {
			_, err := a.ReviewDoneFor("C-000001", classify.Quarter{}, archive.ReviewRecord{Note: "已补充联系人", Result: archive.ReviewSupplemented})
			return err
		}),
		do("2026-11-03T06:00:00Z", "super", func() error {
			_, err := a.ReviewDoneFor("C-000006", classify.Quarter{}, archive.ReviewRecord{Note: "无变化", Result: "unchanged"})
			return err
		}),
		// Classification: 金桥 up to 机密; credit and tier of 张三.
		do("2026-10-21T02:00:00Z", "super", func() error {
			_, err := a.SetLevel("C-000004", "机密", "", "重要业务往来 (R7.2.3)")
			return err
		}),
		do("2026-10-22T02:00:00Z", "super", func() error { _, _, err := a.SetCredit("C-000006", "C", "现金交易为主"); return err }),
		do("2026-10-22T02:00:00Z", "super", func() error { _, _, err := a.SetTier("C-000006", "潜在", "尚无销售额"); return err }),
		// Loan L-000001 of 宏远: out 10-09, due 10-12, back late on 10-16.
		do("2026-10-09T01:00:00Z", "sun", func() error { _, err := a.BorrowRequest("C-000003", "合同续签前核对信用", 3); return err }),
		do("2026-10-09T02:00:00Z", "manager", func() error { _, _, err := a.BorrowApprove("L-000001"); return err }),
		do("2026-10-16T08:00:00Z", "sun", func() error { _, err := a.BorrowReturn("L-000001", true, "完好"); return err }),
		// Loan L-000002 of 金桥: out 10-25, renewed, never returned.
		do("2026-10-25T01:00:00Z", "sun", func() error { _, err := a.BorrowRequest("C-000004", "年度合作评估", 3); return err }),
		do("2026-10-25T02:00:00Z", "manager", func() error { _, _, err := a.BorrowApprove("L-000002"); return err }),
		do("2026-10-28T01:00:00Z", "sun", func() error { _, err := a.BorrowRenew("L-000002"); return err }),
		// Destruction of 瑞丰 (R6.10): three approvals, two witnesses.
		do("2026-10-02T02:00:00Z", "clerk", func() error {
			_, err := a.DestroyRequest("C-000002", "客户已注销，档案无保存价值")
			return err
		}),
		do("2026-10-03T02:00:00Z", "super", func() error { _, err := a.DestroyApprove("D-000001"); return err }),
		do("2026-10-05T02:00:00Z", "manager", func() error { _, err := a.DestroyApprove("D-000001"); return err }),
		do("2026-10-06T02:00:00Z", "gm", func() error { _, err := a.DestroyApprove("D-000001"); return err }),
		do("2026-10-09T06:00:00Z", "manager", func() error {
			_, err := a.DestroyExecute("D-000001", []string{"super", "zhou"}, "删除密文并清除缓存")
			return err
		}),
		// 天成 marked 机密 for one month in November, declassified (自行解密)
		// by maintain in December.
		do("2026-11-10T02:00:00Z", "manager", func() error {
			_, err := a.SetLevel("C-000005", "机密", "1m", "短期项目保密")
			return err
		}),
		do("2026-12-11T02:00:00Z", "manager", func() error { _, err := a.DeclassifyExpired(context.Background()); return err }),
		// The supervisor signs off 2026Q4's 核定 (R6.5): the clerk's of
		// 华东精密, not her own of 张三, which stays unsigned.
		do("2026-12-28T02:00:00Z", "super", func() error {
			_, err := a.ReviewSignoff(classify.Quarter{Year: 2026, Q: 4})
			return err
		}),
		// Hand-ins for October (R6.1), due by 7 October in Beijing: 吴业务
		// on time and again later, 郑业务 on time but turned down, then
		// late; 冯业务 none. 陈业务, a sales member from 15 October, owes
		// November's first; his October hand-in is not asked for.
		do("2026-10-05T02:00:00Z", "wu", func() error { _, err := a.Submit([]byte(handIn), "C-000001"); return err }),
		do("2026-10-20T02:00:00Z", "wu", func() error { _, err := a.Submit([]byte(handIn), "C-000001"); return err }),
		do("2026-10-03T02:00:00Z", "zheng", func() error {
			sub, err := a.Submit([]byte(handIn), "C-000001")
			if sub != nil {
				turnedDown = sub.ID
			}
			return err
		}),
		do("2026-10-04T02:00:00Z", "clerk", func() error { _, err := a.RejectSubmission(turnedDown, "未写明走访日期"); return err }),
		do("2026-10-12T02:00:00Z", "zheng", func() error { _, err := a.Submit([]byte(handIn), "C-000001"); return err }),
		do("2026-10-15T02:00:00Z", "manager", func() error {
			k := fx.IDs["chen"]
			return a.AddMember(context.Background(), archive.Member{ID: "chen", Name: "陈业务", Department: "市场部", Roles: []string{"sales"}, Recipient: k.Recipient, SigningKey: k.SigningKey()})
		}),
		do("2026-10-16T02:00:00Z", "chen", func() error { _, err := a.Submit([]byte(handIn), "C-000001"); return err }),
		// Loan L-000003 of 天成: requested in December, not yet approved.
		do("2026-12-30T02:00:00Z", "sun", func() error { _, err := a.BorrowRequest("C-000005", "催收", 3); return err }),
	}
	// Every step in the order of its time, as a department works: an event
	// may not be dated before the events it follows (clocks only bound).
	all = append(all, steps...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	for _, s := range all {
		if err := s.do(); err != nil {
			return nil, fmt.Errorf("fixture step at %s: %w", s.at, err)
		}
	}
	return fx, nil
}

// Open opens the finished fixture at Now, working as member who ("" for
// nobody: no key).
func (fx *Fixture) Open(who string) (*archive.Archive, error) {
	a, err := archive.Open(context.Background(), fx.Dir, func() time.Time { return Now })
	if err != nil {
		return nil, err
	}
	if who != "" {
		if err := a.SetIdentity(fx.IDs[who]); err != nil {
			return nil, err
		}
	}
	return a, nil
}
