package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"crm/l10n"
)

// Report is a filled-in layout, ready to render.
type Report struct {
	Name   string // the layout's name, e.g. "monthly"
	Title  Text   // from the layout
	Period string // e.g. "2026-10", "2026Q4", "2026"; set by the caller
	// AllTime says that the report covers the whole history up to
	// GeneratedAt (a register made without a period; Period is ""): the
	// printed formats say so where they give the period.
	AllTime     bool
	GeneratedAt time.Time // set by the caller; the zero time is left out
	Notes       []Text    // report-wide notes, e.g. Layout.Note("unreadable", …)
	Sections    []Section
	// Marking is the highest 密级 among the dossiers whose content or
	// identity the report shows, "" when it shows none; Make sets it. Every
	// format prints it under the title, and the workbook on every page.
	Marking string
	// MarkingInternal says that Marking is the policy's declassified level
	// (内部): it is printed "内部 · 仅限客服部" rather than "… ★ 禁止外传".
	MarkingInternal bool
	// Unreadable and Read count the dossiers whose content the report
	// needed and could not read, and those it read (Gathered); Make sets them.
	Unreadable, Read int
	// MadeFor is set when the report was made for a member outside 客服部
	// under a statistics request (R6.7, SetRequest); nil otherwise.
	MadeFor *MadeFor
}

// Section is one table of a report.
type Section struct {
	Key     string
	Title   Text
	Columns []Column
	// Rows are the section's rows, unless the report makes them as they
	// are read (the whole 核定 register): read them with Len and Cell,
	// which do both.
	Rows []Row
	Note Text // shown under the table; from the layout unless the caller replaces it
	// src makes the rows when Rows does not hold them; kinds are the
	// kinds of its columns (its keys only).
	src   rowSource
	kinds map[string]Kind
}

// rowSource makes a section's cells as they are read rather than keeping
// them as rows: the whole 核定 register has 515,000 rows at 100,000
// dossiers, 194 MB as Row maps. Cell gives the same value each time and
// the empty Value for a key it does not have, and may be called from
// several goroutines at once (sectionTable makes a table's rows on every
// core): it only reads what the report gathered.
type rowSource interface {
	Len() int
	Keys() []string // the columns it fills
	Cell(i int, key string) Value
}

// rowsOf is a rowSource over items: row i is made from items[i] by
// cell, only for keys.
type rowsOf[T any] struct {
	items []T
	keys  []string
	cell  func(x *T, i int, key string) Value
}

func (r *rowsOf[T]) Len() int       { return len(r.items) }
func (r *rowsOf[T]) Keys() []string { return r.keys }
func (r *rowsOf[T]) Cell(i int, key string) Value {
	return r.cell(&r.items[i], i, key)
}

// Len is the number of rows.
func (s *Section) Len() int {
	if s.src != nil {
		return s.src.Len()
	}
	return len(s.Rows)
}

// Cell is the value in column key of row i (from 0); a missing key is an
// empty cell. A Words value is as made, in both languages: a format that
// prints in a language takes cellIn.
func (s *Section) Cell(i int, key string) Value {
	if s.src == nil {
		return s.Rows[i][key]
	}
	k, ok := s.kinds[key]
	if !ok {
		return Value{}
	}
	v, _ := s.src.Cell(i, key).conform(k) // build checked every cell
	return v
}

// cellIn is Cell as a report in lang prints it (Value.in).
func (s *Section) cellIn(i int, key, lang string) Value { return s.Cell(i, key).in(lang) }

// Row is row i (from 0) as a Row: made afresh when the report makes its
// rows as they are read.
func (s *Section) Row(i int) Row {
	if s.src == nil {
		return s.Rows[i]
	}
	r := Row{}
	for _, key := range s.src.Keys() {
		if v := s.Cell(i, key); !v.IsNull() {
			r[key] = v
		}
	}
	return r
}

// Section returns the section with the given key, or nil; use it to set a
// section's Note.
func (r *Report) Section(key string) *Section {
	for i := range r.Sections {
		if r.Sections[i].Key == key {
			return &r.Sections[i]
		}
	}
	return nil
}

// Row is one row of a section: column key → value. A missing key is an empty
// cell.
type Row map[string]Value

type valueKind uint8

const (
	vNull valueKind = iota
	vStr
	vInt
	vNum
	vDate
	// vWords is text worded in each language (Words): s holds the Chinese
	// and the English, split at wordsSep.
	vWords
)

// wordsSep parts the Chinese from the English of a vWords value.
const wordsSep = "\x00"

// Value is one typed cell. The zero Value is an empty cell. It is 32
// bytes: a monthly report at 100,000 dossiers holds over half a million.
type Value struct {
	k valueKind
	s string
	// n is an integer (vInt), a float's bits (vNum), or a date's Unix
	// seconds at midnight UTC (vDate).
	n uint64
}

func (v Value) int() int64      { return int64(v.n) }
func (v Value) num() float64    { return math.Float64frombits(v.n) }
func (v Value) date() time.Time { return time.Unix(int64(v.n), 0).UTC() }

// Str is a text value. Digit strings (phone numbers, ids) stay text in every
// format.
func Str(s string) Value { return Value{k: vStr, s: s} }

// Words is a text value worded in both languages: the report prints t in
// its language (t.In), JSON, which carries both, the Chinese. It is for
// what crm itself writes into a cell, not for what a person entered.
func Words(t Text) Value { return Value{k: vWords, s: t.Zh + wordsSep + t.En} }

// in is v as a report in lang prints it: Words in that language, any other
// value as it is.
func (v Value) in(lang string) Value {
	if v.k != vWords {
		return v
	}
	zh, en, _ := strings.Cut(v.s, wordsSep)
	return Str(Text{Zh: zh, En: en}.In(lang))
}

// Int is a whole-number value.
func Int(n int) Value { return Value{k: vInt, n: uint64(int64(n))} }

// Num is a decimal value; in a percent column, the fraction (0.125 = 12.5 %).
func Num(f float64) Value { return Value{k: vNum, n: math.Float64bits(f)} }

// Date is a calendar date: only t's year, month and day (in t's location)
// count.
func Date(t time.Time) Value {
	y, m, d := t.Date()
	return Value{k: vDate, n: uint64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix())}
}

// Share is part/whole as a fraction for a percent column, or an empty cell
// when whole is 0.
func Share(part, whole int) Value {
	if whole == 0 {
		return Value{}
	}
	return Num(float64(part) / float64(whole))
}

// Any returns v as a Go value: nil, string, int64, float64 or time.Time (a
// date at midnight UTC); a Words value gives its Chinese, as JSON does.
func (v Value) Any() any {
	switch v.k {
	case vStr:
		return v.s
	case vWords:
		return v.in(LangZh).s
	case vInt:
		return v.int()
	case vNum:
		return v.num()
	case vDate:
		return v.date()
	}
	return nil
}

// IsNull reports whether v is an empty cell.
func (v Value) IsNull() bool { return v.k == vNull }

// String returns v as plain text: integers in full, decimals as short as
// exact, dates as YYYY-MM-DD, a Words value in Chinese (Value.in gives
// another language), an empty cell as "".
func (v Value) String() string {
	switch v.k {
	case vStr:
		return v.s
	case vWords:
		return v.in(LangZh).s
	case vInt:
		return strconv.FormatInt(v.int(), 10)
	case vNum:
		return strconv.FormatFloat(v.num(), 'f', -1, 64)
	case vDate:
		return v.date().Format(time.DateOnly)
	}
	return ""
}

func (v Value) typeName() string {
	switch v.k {
	case vStr, vWords:
		return "text"
	case vInt:
		return "int"
	case vNum:
		return "number"
	case vDate:
		return "date"
	}
	return "empty"
}

// format returns v as shown in a column of kind k by the text formats
// (table, md, csv): numbers with two decimals, percentages with one.
func (v Value) format(k Kind) string {
	switch {
	case v.k == vNull:
		return ""
	case k == KindNumber && v.k == vNum:
		return strconv.FormatFloat(v.num(), 'f', 2, 64)
	case k == KindPercent && v.k == vNum:
		return strconv.FormatFloat(v.num()*100, 'f', 1, 64) + "%"
	}
	return v.String()
}

// conform checks v against a column of kind k and returns it in the form the
// renderers expect: text columns hold Str, number and percent columns Num.
func (v Value) conform(k Kind) (Value, error) {
	if v.k == vNull {
		return v, nil
	}
	bad := func() (Value, error) {
		return Value{}, l10n.Errorf("a %s column cannot hold %s value %q", k, v.typeName(), v.String())
	}
	switch k {
	case KindText:
		if v.k != vStr && v.k != vWords {
			return Str(v.String()), nil
		}
	case KindInt:
		if v.k != vInt {
			return bad()
		}
	case KindNumber, KindPercent:
		switch v.k {
		case vInt:
			return Num(float64(v.int())), nil
		case vNum:
			if f := v.num(); math.IsNaN(f) || math.IsInf(f, 0) {
				return Value{}, l10n.Errorf("a %s column cannot hold %v", k, f)
			}
		default:
			return bad()
		}
	case KindDate:
		if v.k != vDate {
			return bad()
		}
	}
	return v, nil
}

// conformCell is value v of column key in row j (from 0) of section sec, made to
// fit the column's kind (kinds), or why it does not.
func conformCell(l *Layout, sec string, j int, key string, v Value, kinds map[string]Kind) (Value, error) {
	k, ok := kinds[key]
	if !ok {
		return v, l10n.Errorf("report %s, section %s, row %d: layout %s has no column %q: add it to the layout or fix the key",
			l.Name, sec, j+1, l.Source, key)
	}
	cv, err := v.conform(k)
	if err != nil {
		return v, l10n.Errorf("report %s, section %s, row %d, column %s: %w", l.Name, sec, j+1, key, err)
	}
	return cv, nil
}

// checkSource checks every cell src makes for section sec of layout l, as
// build checks the cells of rows (conformCell).
// A key that is not a column of the layout is an error even with no rows.
func checkSource(l *Layout, sec string, src rowSource, kinds map[string]Kind) error {
	keys := slices.Sorted(slices.Values(src.Keys())) // the first bad cell by key, as for rows
	for _, key := range keys {
		if _, ok := kinds[key]; !ok {
			return l10n.Errorf("report %s, section %s: layout %s has no column %q: add it to the layout or fix the key",
				l.Name, sec, l.Source, key)
		}
	}
	for j := range src.Len() {
		for _, key := range keys {
			if _, err := conformCell(l, sec, j, key, src.Cell(j, key), kinds); err != nil {
				return err
			}
		}
	}
	return nil
}

// Build fills layout l with data (section key → rows) and returns the report;
// the caller sets Period, GeneratedAt and Notes. A section without data is
// empty. A section or column that l does not have, or a value that does not
// fit its column's kind, is an error: the layout and the gathering code
// disagree. Build checks and copies the rows; the input is not changed.
func Build(l *Layout, data map[string][]Row) (*Report, error) { return build(l, data, nil, false) }

// build is Build, with the sections of made whose rows are made as they
// are read (rowSource; each of their cells is checked here); with owned,
// the report takes data's rows and makes them fit their columns where
// they are, rather than copying them (a monthly report at 100,000
// dossiers has 56,000 rows: 58 MB more at its peak).
func build(l *Layout, data map[string][]Row, made map[string]rowSource, owned bool) (*Report, error) {
	keys := slices.Collect(maps.Keys(data))
	for key := range made {
		if _, ok := data[key]; ok {
			return nil, fmt.Errorf("report %s: section %q given twice", l.Name, key)
		}
		keys = append(keys, key)
	}
	for _, key := range slices.Sorted(slices.Values(keys)) { // sorted: the same message every run
		if l.Section(key) == nil {
			keys := make([]string, len(l.Sections))
			for i, s := range l.Sections {
				keys[i] = s.Key
			}
			return nil, l10n.Errorf("report %s: layout %s has no section %q (it has %s): add the section to the layout or fix the key",
				l.Name, l.Source, key, l10n.List(keys))
		}
	}
	r := &Report{Name: l.Name, Title: l.Title, Sections: make([]Section, len(l.Sections))}
	for i, sl := range l.Sections {
		s := Section{Key: sl.Key, Title: sl.Title, Note: sl.Note, Columns: slices.Clone(sl.Columns)}
		kinds := make(map[string]Kind, len(sl.Columns))
		for _, c := range sl.Columns {
			kinds[c.Key] = c.Kind
		}
		if src := made[sl.Key]; src != nil {
			if err := checkSource(l, sl.Key, src, kinds); err != nil {
				return nil, err
			}
			s.src, s.kinds = src, map[string]Kind{}
			for _, key := range src.Keys() {
				s.kinds[key] = kinds[key]
			}
			r.Sections[i] = s
			continue
		}
		rows := data[sl.Key]
		s.Rows = rows
		if !owned {
			s.Rows = make([]Row, len(rows))
		}
		for j, row := range rows {
			out := row
			if !owned {
				out = make(Row, len(row))
			}
			for key, v := range row {
				cv, err := conformCell(l, sl.Key, j, key, v, kinds)
				if err != nil {
					// The first bad cell by key: the same message every run.
					for _, key := range slices.Sorted(maps.Keys(row)) {
						if _, err := conformCell(l, sl.Key, j, key, row[key], kinds); err != nil {
							return nil, err
						}
					}
					return nil, err
				}
				switch {
				case !owned && !cv.IsNull():
					out[key] = cv
				case owned && cv.IsNull():
					delete(out, key)
				case owned && cv != v:
					// Written only when it changed: writing even an equal
					// value into a map of eight (a full small map) grows
					// it to a table, ~900 bytes (Go 1.26): 480 MB over
					// the 515,000 rows of the whole 核定 register.
					out[key] = cv
				}
			}
			s.Rows[j] = out
		}
		r.Sections[i] = s
	}
	return r, nil
}
