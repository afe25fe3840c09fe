package intake

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// A UTF-8 CSV with one byte that is not UTF-8 (a Latin-1 "é" pasted in)
// was read as GB18030: every Chinese cell became mojibake (甲公司 →
// 鐢插叕鍙�) and crm import wrote those dossiers. It is refused, naming
// the line; a GBK file, whose high bytes mostly are not UTF-8, still reads.
func TestReadCSVDamagedUTF8(t *testing.T) {
	data := []byte("name,owner,address\n甲公司,张三,上海市浦东新区\n乙公司,张三,北京市\n丙公司,张三,Caf\xe9\n")
	_, err := Read(bytes.NewReader(data), Options{Format: CSV})
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("damaged UTF-8: got %v, want a refusal naming line 4", err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("name,owner,address\n甲公司,张三,上海市浦东新区\n乙公司,张三,北京市\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := read(t, gbk, Options{Format: CSV})
	if len(res.Records) != 2 || res.Records[0].Name != "甲公司" || len(res.Errors) > 0 {
		t.Fatalf("GBK: %+v", res)
	}
}

// A UTF-16 file (Excel's "Unicode text" renamed .csv) was read as GBK and
// refused as a file without a header row, the headers shown in NULs.
func TestReadCSVUTF16(t *testing.T) {
	for _, data := range [][]byte{
		[]byte("\xff\xfen\x00a\x00m\x00e\x00\n\x00"),
		[]byte("n\x00a\x00m\x00e\x00\n\x00"),
	} {
		_, err := Read(bytes.NewReader(data), Options{Format: CSV})
		if err == nil || !strings.Contains(err.Error(), "UTF-16") {
			t.Errorf("%q: got %v, want a refusal naming UTF-16", data, err)
		}
	}
}

// An 18-digit 身份证号 typed into a number cell is rounded by Excel to 15
// digits; with the display format "0" it reads 110105194912310000, and it
// was imported so, silently (as 1.10105E+17 it was refused). The same
// digits in a text cell are the number as typed.
func TestConvertRoundedLongNumber(t *testing.T) {
	_, err := convert("individual.id_number", cell{text: "110105194912310000", raw: "1.1010519491231E+17", number: true})
	if err == nil || !strings.Contains(err.Error(), "rounded") {
		t.Errorf("number cell of 18 digits: got %v, want refused as rounded", err)
	}
	if v, err := convert("individual.id_number", cell{text: "110105194912310027", raw: "110105194912310027"}); err != nil || v.Value != "110105194912310027" {
		t.Errorf("text cell: got %v, %v", v, err)
	}
	if v, err := convert("customer.telephone", cell{text: "13800138000", raw: "13800138000", number: true}); err != nil || v.Value != "13800138000" {
		t.Errorf("11-digit number cell: got %v, %v", v, err)
	}
}
