package report

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// rowsAsSource makes rows cell by cell, as the 核定 register does.
type rowsAsSource struct {
	keys []string
	rows []Row
}

func (s *rowsAsSource) Len() int                     { return len(s.rows) }
func (s *rowsAsSource) Keys() []string               { return s.keys }
func (s *rowsAsSource) Cell(i int, key string) Value { return s.rows[i][key] }

func reviewRowsForTest() []Row {
	day := Date(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	return []Row{
		{"dossier": Str("C-000001"), "level": Str("秘密"), "quarter": Str("2026Q4"), "verified_on": day,
			"verified_by": Str("李四"), "signed_off_by": Str(""), "result": Str(""), "remarks": Str("资料核对无误 | *备注*")},
		{"dossier": Str("C-000002"), "level": Str("机密"), "quarter": Str("2026Q4"), "verified_on": day,
			"verified_by": Str("王五"), "signed_off_by": Str("赵六"), "result": Str(""), "remarks": Str("")},
		{"dossier": Str("C-000003"), "level": Int(7), "quarter": Str("2026Q4"), "verified_on": Value{},
			"verified_by": Str("李四"), "signed_off_by": Str(""), "result": Str(""), "remarks": Str("=1+1")},
	}
}

func cloneRows(rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = maps.Clone(r)
	}
	return out
}

// A section whose rows are made as they are read prints, in every format,
// byte for byte what the same rows kept print; Len, Cell and Row read the
// same cells (an int in a text column made text, an empty cell empty).
func TestSourceRendersAsRows(t *testing.T) {
	l, err := LoadLayout("reviews", nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := reviewRowsForTest()
	keys := []string{"dossier", "level", "quarter", "verified_on", "verified_by", "signed_off_by", "result", "remarks"}
	kept, err := build(l, map[string][]Row{"reviews": cloneRows(rows)}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	made, err := build(l, nil, map[string]rowSource{"reviews": &rowsAsSource{keys, rows}}, true)
	if err != nil {
		t.Fatal(err)
	}
	ks, ms := kept.Section("reviews"), made.Section("reviews")
	if ms.Rows != nil || ms.Len() != len(rows) || ks.Len() != len(rows) {
		t.Fatalf("made: %d rows kept, Len %d; kept Len %d; want none kept and %d", len(ms.Rows), ms.Len(), ks.Len(), len(rows))
	}
	for i := range rows {
		if !maps.Equal(ms.Row(i), ks.Row(i)) {
			t.Errorf("row %d: made %v, kept %v", i, ms.Row(i), ks.Row(i))
		}
		for _, k := range append(keys, "no_such_column") {
			if ms.Cell(i, k) != ks.Cell(i, k) {
				t.Errorf("row %d, %s: made %v, kept %v", i, k, ms.Cell(i, k), ks.Cell(i, k))
			}
		}
	}
	for _, r := range []*Report{kept, made} {
		r.Period, r.GeneratedAt = "2026Q4", time.Date(2026, 12, 1, 9, 0, 0, 0, cst)
	}
	for f := Table; f <= JSON; f++ {
		for _, lang := range []string{LangZh, LangEn} {
			o := Options{Lang: lang}
			a, b := render(t, kept, f, o), render(t, made, f, o)
			if f == XLSX {
				a, b = xlsxDump(t, a), xlsxDump(t, b)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s (%s): made rows print\n%s\nkept rows print\n%s", formatNames[f], lang, b, a)
			}
		}
	}
}

// A source's cells are checked by build as rows' are: the same error for
// a value its column cannot hold. A column the layout does not have is an
// error even where the source leaves it empty.
func TestSourceCheckedAsRows(t *testing.T) {
	l, err := LoadLayout("reviews", nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"dossier", "level", "quarter", "verified_on", "verified_by", "signed_off_by", "result", "remarks"}
	rows := reviewRowsForTest()
	rows[1]["verified_on"] = Str("昨天")
	_, kerr := build(l, map[string][]Row{"reviews": cloneRows(rows)}, nil, true)
	_, merr := build(l, nil, map[string]rowSource{"reviews": &rowsAsSource{keys, rows}}, true)
	if kerr == nil || merr == nil || kerr.Error() != merr.Error() || !strings.Contains(merr.Error(), "row 2, column verified_on") {
		t.Errorf("bad kind: kept rows: %v; made rows: %v; want the same error, naming row 2", kerr, merr)
	}
	_, err = build(l, nil, map[string]rowSource{"reviews": &rowsAsSource{append(keys, "score"), nil}}, true)
	if err == nil || !strings.Contains(err.Error(), `has no column "score"`) {
		t.Errorf("unknown column: %v", err)
	}
	if _, err := build(l, map[string][]Row{"reviews": nil}, map[string]rowSource{"reviews": &rowsAsSource{}}, true); err == nil {
		t.Error("a section given as rows and as a source: no error")
	}
}

// Every section made as it is read fills exactly the columns of its
// built-in layout: a key missing from its Keys would print as an empty
// column, one too many is refused by build.
func TestSourcesFillTheirLayouts(t *testing.T) {
	var reports []*Report
	for _, name := range []string{"monthly", "quarterly", "reviews", "classification"} {
		reports = append(reports, makeFixtureReport(t, name, "manager"))
	}
	reports = append(reports, makeRegister(t, 0))
	n := 0
	for _, r := range reports {
		for i := range r.Sections {
			s := &r.Sections[i]
			if s.src == nil {
				continue
			}
			n++
			var cols []string
			for _, c := range s.Columns {
				cols = append(cols, c.Key)
			}
			if keys := slices.Sorted(slices.Values(s.src.Keys())); !slices.Equal(keys, slices.Sorted(slices.Values(cols))) {
				t.Errorf("%s/%s: the source fills %v, the layout has %v", r.Name, s.Key, keys, cols)
			}
		}
	}
	if n != 7 {
		t.Errorf("%d sections made as read, want 7 (dangerous, key_customers, verified, not_verified, reviews, changes, register)", n)
	}
}
