// Package gen makes synthetic archives for benchmarks and tests: a manager,
// a supervisor, a clerk and a general manager, and n dossiers of realistic
// size (2–4 KiB of YAML with Chinese text) spread over the levels, with
// fixed randomness so two runs build the same content.
package gen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"crm/archive"
)

// Result is a generated archive and the identities of its members.
type Result struct {
	Archive                        *archive.Archive
	Manager, Supervisor, Clerk, GM *archive.Identity
	IDs                            []string
}

var (
	industries = []string{"制造业", "零售业", "批发业", "建筑业", "物流业", "信息技术", "餐饮业", "医药"}
	regions    = []string{"华东", "华南", "华北", "华中", "西南", "西北", "东北"}
	sizes      = []string{"大型", "中型", "小型", "个体"}
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}
	attitudes  = []string{"及时", "一般", "拖延", "拖欠"}
	rels       = []string{"一般业务往来", "一般业务往来", "一般业务往来", "重要业务往来", "直接影响公司权益"}
)

// Levels for the i-th dossier: mostly 秘密, some 机密, a few 绝密 and 内部.
func level(i int) string {
	switch i % 10 {
	case 0:
		return "内部"
	case 7, 8:
		return "机密"
	case 9:
		return "绝密"
	}
	return "秘密"
}

// DossierText returns the YAML text of the i-th synthetic dossier.
func DossierText(i int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	name := fmt.Sprintf("%s%s%s有限公司", pick(regions), pick([]string{"恒达", "宏远", "金桥", "新源", "华信", "东方", "天成", "瑞丰"}), pick(industries))
	founded := time.Date(1990+r.IntN(30), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	since := founded.AddDate(r.IntN(5), r.IntN(12), 0)
	var b strings.Builder
	fmt.Fprintf(&b, "# 客户信息档案（合成数据）\ncustomer:\n  name: %s-%d\n  kind: 机构\n  industry: %s\n  region: %s\n  size: %s\n", name, i, pick(industries), pick(regions), pick(sizes))
	fmt.Fprintf(&b, "  founded: %s\n  trading_since: %s\n", founded.Format(time.DateOnly), since.Format(time.DateOnly))
	fmt.Fprintf(&b, "owner: %s%s\nrelationship: %s\nyearly_sales: %d\n", pick(surnames), pick([]string{"明", "华", "芳", "伟", "静"}), pick(rels), r.IntN(5_000_000))
	b.WriteString("basic:\n  situation: ")
	for range 6 + r.IntN(6) {
		b.WriteString("公司经营稳定，主营业务集中于本地市场，近年来逐步拓展线上渠道。")
	}
	fmt.Fprintf(&b, "\n  organization: 董事会下设总经理办公室、采购部、财务部\n  key_people:\n")
	for k := range 2 + r.IntN(3) {
		fmt.Fprintf(&b, "    - name: %s%s\n      title: %s\n      role: 采购决策\n      notes: 第%d位联系人，喜好稳健合作\n", pick(surnames), pick([]string{"建国", "丽", "强", "敏"}), pick([]string{"总经理", "采购经理", "财务总监"}), k+1)
	}
	fmt.Fprintf(&b, "characteristics:\n  staff: %d\n  turnover: %d\n  development_potential: 较大\n", 5+r.IntN(5000), r.IntN(100_000_000))
	fmt.Fprintf(&b, "trading:\n  reputation: 良好\n  trading_terms: 月结30天\n  problems: 偶有延迟付款\n")
	fmt.Fprintf(&b, "credit_survey:\n  bank: 中国工商银行\n  payment_attitude: %s\n  score: %d\n  date: 2026-%02d-15\n", pick(attitudes), r.IntN(101), 1+r.IntN(10))
	fmt.Fprintf(&b, "notes: 合成档案 %d，仅供测试\n", i)
	return []byte(b.String())
}

// Build creates an archive in dir with n dossiers. now is the clock of
// every event (nil: a fixed date).
func Build(dir string, n int, now func() time.Time) (*Result, error) {
	if now == nil {
		now = func() time.Time { return time.Date(2026, 10, 15, 1, 0, 0, 0, time.UTC) }
	}
	ids := make([]*archive.Identity, 4)
	for i := range ids {
		_, id, err := archive.GenerateIdentityText(false, now())
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	mgr, sup, clerk, gm := ids[0], ids[1], ids[2], ids[3]
	a, err := archive.Init(context.Background(), dir, mgr, archive.InitOptions{Founder: archive.Member{ID: "manager", Name: "张经理"}}, now)
	if err != nil {
		return nil, err
	}
	for _, m := range []struct {
		id, name, role string
		key            *archive.Identity
	}{{"super", "李主管", "supervisor", sup}, {"clerk", "王专员", "clerk", clerk}, {"gm", "赵总", "gm", gm}} {
		if err := a.AddMember(context.Background(), archive.Member{ID: m.id, Name: m.name, Roles: []string{m.role}, Recipient: m.key.Recipient, SigningKey: m.key.SigningKey()}); err != nil {
			return nil, err
		}
	}
	res := &Result{Archive: a, Manager: mgr, Supervisor: sup, Clerk: clerk, GM: gm}
	// One lock, no reading of the journal again before each creation,
	// files synced once at the end.
	err = a.Bulk(func() error {
		for i := range n {
			id, err := a.Create(DossierText(i), level(i))
			if err != nil {
				return fmt.Errorf("dossier %d: %w", i, err)
			}
			res.IDs = append(res.IDs, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
