package xlsx

import "testing"

func TestReview54aExcelDate1904(t *testing.T) {
	for in, want := range map[string]string{"43830": "2024-01-01", "1": "1904-01-02", "2957003": "9999-12-31", "2957004": ""} {
		if got := excelDate(in, true); got != want {
			t.Errorf("excelDate(%s, 1904) = %q, want %q", in, got, want)
		}
	}
}
