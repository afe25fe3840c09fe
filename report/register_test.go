package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"crm/archive"
	"crm/archive/intake"
)

func registerEntries(t *testing.T) []RegisterEntry {
	t.Helper()
	texts := []string{
		"customer:\n  name: 华东机械有限公司\n  kind: 机构\n  industry: 制造业\n  region: 华东\n  size: 中型\n  ownership: 合资\n  trading_since: 2010-03-01\n  telephone: \"02158881234\"\n  address: 上海市浦东新区张江路 88 号\n" +
			"owner: 李四\ntier: 重点\nyearly_sales: 1200000.5\ncontact_person:\n  name: 王采购\ncredit_survey:\n  class: B\n  credit_limit: 500000\n  outstanding: 0\n" +
			"contacts:\n  - {date: 2026-10-08, kind: 拜访}\n  - {date: 2026-11-02, kind: 投诉}\n  - {date: 2026-01-05, kind: 回访}\n",
		"customer:\n  name: '=SUM(A1)'\n  kind: 个人\nowner: 王五\ncontact_person:\n  phone: \"+8613912345678\"\n",
	}
	var out []RegisterEntry
	for i, s := range texts {
		d, err := archive.ParseDossier([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, RegisterEntry{ID: []string{"C-000001", "C-000002"}[i], Level: []string{"机密", "秘密"}[i], Dossier: d})
	}
	out[0].Credit = "A"                                                 // adjusted in the journal: wins over the dossier's B
	out[0].LastVerified = time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC) // 2026-10-01 in China
	return out
}

func makeRegister(t *testing.T, unreadable int) *Report {
	t.Helper()
	l, err := LoadLayout("register", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Register(l, registerEntries(t), unreadable, cst)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// R6.2: one row per dossier, with what an analyst needs, typed.
func TestRegisterRows(t *testing.T) {
	r := makeRegister(t, 2)
	sec := r.Section("register")
	if sec.Len() != 2 {
		t.Fatalf("%d rows", sec.Len())
	}
	rows := []Row{sec.Row(0), sec.Row(1)}
	want := map[string]string{
		"dossier": "C-000001", "level": "机密", "customer": "华东机械有限公司", "kind": "机构", "ownership": "合资",
		"industry": "制造业", "region": "华东", "size": "中型", "tier": "重点", "credit": "A", "credit_limit": "500000",
		"yearly_sales": "1200000.5", "outstanding": "0", "telephone": "02158881234", "address": "上海市浦东新区张江路 88 号",
		"contact_person": "王采购", "owner": "李四", "trading_since": "2010-03-01", "last_contact": "2026-11-02", "last_verified": "2026-10-01",
	}
	for k, v := range want {
		if got := rows[0][k].String(); got != v {
			t.Errorf("row 1 %s = %q, want %q", k, got, v)
		}
	}
	// Unknown figures are empty cells, not zeros; the contact person's
	// phone stands in for a missing customer telephone.
	for _, k := range []string{"credit_limit", "outstanding", "trading_since", "last_contact", "last_verified", "credit", "address"} {
		if !rows[1][k].IsNull() {
			t.Errorf("row 2 %s = %q, want an empty cell", k, rows[1][k].String())
		}
	}
	if got := rows[1]["telephone"].String(); got != "+8613912345678" {
		t.Errorf("row 2 telephone = %q", got)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0].Zh, "有 2 份档案您无权解密") {
		t.Errorf("notes %+v", r.Notes)
	}
	if r := makeRegister(t, 0); len(r.Notes) != 0 {
		t.Errorf("a note with nothing unreadable: %+v", r.Notes)
	}
}

// The XLSX copy keeps phone numbers as text and amounts as numbers.
func TestRegisterXLSX(t *testing.T) {
	b := render(t, makeRegister(t, 0), XLSX, Options{TmpDir: t.TempDir()})
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 2 || sheets[1] != "客户信息登记表" {
		t.Fatalf("sheets %v", sheets)
	}
	if typ, _ := f.GetCellType(sheets[1], "N2"); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
		t.Errorf("the telephone cell has type %v, want a text cell", typ)
	}
	if typ, _ := f.GetCellType(sheets[1], "L2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("the sales cell has type %v, want a number", typ)
	}
	if v, _ := f.GetCellValue(sheets[1], "N2"); v != "02158881234" {
		t.Errorf("telephone cell %q", v)
	}
	if v, _ := f.GetCellValue(sheets[1], "L2", excelize.Options{RawCellValue: true}); v != "1200000.5" {
		t.Errorf("sales cell %q", v)
	}
	// Read back through crm import's reader: the same customers.
	res, err := intake.Read(bytes.NewReader(b), intake.Options{Format: intake.XLSX, Sheet: sheets[1], TmpDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	checkReadBack(t, res)
}

// The CSV copy reads back through crm import's reader, title lines, Excel
// protections (="0215…", '=…) and all: an archive's register can seed
// another archive.
func TestRegisterCSVReadsBack(t *testing.T) {
	b := render(t, makeRegister(t, 1), CSV, Options{BOM: true})
	recs, err := func() ([][]string, error) {
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(BOM))))
		cr.FieldsPerRecord = -1
		return cr.ReadAll()
	}()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"=""02158881234"""`) || !strings.Contains(string(b), `'=SUM(A1)`) {
		t.Errorf("CSV does not protect its cells:\n%s", b)
	}
	if len(recs) < 3 {
		t.Fatalf("CSV: %q", recs)
	}
	res, err := intake.Read(bytes.NewReader(b), intake.Options{Format: intake.CSV})
	if err != nil {
		t.Fatal(err)
	}
	checkReadBack(t, res)
}

func checkReadBack(t *testing.T, res *intake.Result) {
	t.Helper()
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 2 {
		t.Fatalf("%d records read back", len(res.Records))
	}
	for _, c := range res.Columns {
		if !c.Known {
			t.Errorf("column %s of the register is not a column crm import knows", c.Header)
		}
	}
	d, err := archive.ParseDossier(res.Records[0].Text)
	if err != nil {
		t.Fatal(err)
	}
	if d.Customer.Name != "华东机械有限公司" || d.Customer.Telephone != "02158881234" || d.YearlySales != 1200000.5 ||
		d.CreditSurvey.Class != "A" || d.CreditSurvey.CreditLimit != 500000 || d.CreditSurvey.Outstanding == nil || d.ContactPerson.Name != "王采购" ||
		d.Customer.TradingSince.Format("2006-01-02") != "2010-03-01" || d.Owner != "李四" || res.Records[0].Level != "机密" {
		t.Errorf("read back as %+v\n%s", d, res.Records[0].Text)
	}
	d, err = archive.ParseDossier(res.Records[1].Text)
	if err != nil || d.Customer.Name != "=SUM(A1)" || d.Customer.Telephone != "+8613912345678" {
		t.Errorf("row 2 read back as %+v, %v", d, err)
	}
}

// Entries compacted one by one, as crm export keeps them, make the same
// register as the dossiers themselves.
func TestRegisterCompactEntries(t *testing.T) {
	l, err := LoadLayout("register", nil)
	if err != nil {
		t.Fatal(err)
	}
	entries := registerEntries(t)
	compact := make([]RegisterEntry, len(entries))
	for i, en := range entries {
		if compact[i] = en.Compact(); compact[i].Dossier != nil {
			t.Fatalf("entry %d: Compact kept the dossier", i)
		}
	}
	var want, got []byte
	for _, es := range []*[]byte{&want, &got} {
		in := entries
		if es == &got {
			in = compact
		}
		r, err := Register(l, in, 0, cst)
		if err != nil {
			t.Fatal(err)
		}
		*es = render(t, r, CSV, Options{})
	}
	if !bytes.Equal(got, want) || !bytes.Contains(want, []byte("华东机械有限公司")) {
		t.Errorf("compacted:\n%s\ndossiers:\n%s", got, want)
	}
}
