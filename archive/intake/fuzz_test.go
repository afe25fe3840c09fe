package intake

import (
	"bytes"
	"testing"

	"crm/archive"
)

// Read must never panic on a spreadsheet, and every record it returns must
// be a valid dossier: an import writes exactly what was checked.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(goodCSV))
	f.Add([]byte("\uFEFF客户名称,电话,负责人,密级\n甲,02158881234,李四,秘密\n"))
	f.Add([]byte("客户名称,年销售额,成立日期,信用评分,身份证号\n甲,\"1,2\",2001/2/30,80.0,1.1E+17\n"))
	f.Add([]byte("客户名称,备注\n'=甲,\"=\"\"007\"\"\"\n\n\n乙,\"多\n行\"\n"))
	f.Add([]byte("name,owner,extra\nx,y,\xff\xfe\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Read(bytes.NewReader(b), Options{Format: CSV, Defaults: map[string]string{"owner": "李四"}})
		if err != nil {
			return
		}
		for _, r := range res.Records {
			if _, err := archive.ParseDossier(r.Text); err != nil {
				t.Fatalf("row %d: a record that does not parse: %v\n%s", r.Row, err, r.Text)
			}
			if r.Row <= res.HeaderRow {
				t.Fatalf("record row %d at or above the header row %d", r.Row, res.HeaderRow)
			}
		}
	})
}
