// Package intake turns a customer spreadsheet into dossier texts, one per
// row, for `crm import`: the clerk enters what sales collected (R6.3), and a
// department that kept its customers in Excel brings them into the archive
// once (R6.2 is the other direction: report.Register).
//
// A spreadsheet is an .xlsx workbook (the first sheet, or a named one) or a
// .csv file (UTF-8 with or without a byte-order mark, or GB18030/GBK as
// Excel on Chinese Windows saves it). Its header row names the columns; a
// ColumnMap says which dossier field each header fills. Every generated
// text is checked with archive.ParseDossier, and every problem is reported
// with its spreadsheet row number and column header, never stopping at the
// first. Cells stay text unless the field is a number or a date: phone
// numbers and ids keep their leading zeros and are never turned into floats.
//
// The package is pure: it reads bytes and returns texts; it writes nothing.
package intake

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"gopkg.in/yaml.v3"

	"crm/archive"
	"crm/l10n"
	"crm/report/xlsxwire"
)

// Format is a spreadsheet format.
type Format int

// The formats Read understands.
const (
	CSV Format = iota + 1
	XLSX
)

// FormatOf guesses the format from a file name's extension (.csv, .xlsx).
func FormatOf(name string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV, true
	case ".xlsx", ".xlsm":
		return XLSX, true
	}
	return 0, false
}

// Options tune Read.
type Options struct {
	Format Format
	// Sheet names the XLSX sheet to read; empty means the first.
	Sheet string
	// Columns maps headers to targets; nil means DefaultColumns().
	Columns ColumnMap
	// Defaults are values (target → text) for rows whose cell is empty or
	// whose spreadsheet has no such column, e.g. {"owner": "李四"}.
	Defaults map[string]string
	// TmpDir is where the XLSX reader may spill sheets over 16 MB: point it
	// at private memory-backed storage so plaintext never lands on disk.
	TmpDir string
	// Source names the spreadsheet in the comment heading each text.
	Source string
	// CheckLevel, if set, checks each row's level (密级): the levels are
	// the archive policy's, which this package does not know.
	CheckLevel func(string) error
}

// Column is one column of the spreadsheet and what it fills.
type Column struct {
	Header string // as written in the header row
	Target string // a dossier field path, extra.KEY, level or -
	Known  bool   // the header was in the column map (else Target is extra.<header>)
	index  int
}

// Record is one dossier made from one row.
type Record struct {
	Row   int    // the spreadsheet's row number, 1 for the first row
	Name  string // customer.name
	Level string // from a level (密级) column, or ""
	Text  []byte // the dossier's YAML text, valid for archive.ParseDossier
	key   string // customerKey: rows of one key are one customer
	// Individual: the customer is a person (个人), told apart from
	// another of the same name by their id number, which no dossier
	// listing shows: an import checks only organisations against the
	// archive's dossiers.
	Individual bool
}

// RowError is one problem with one cell, or with one row.
type RowError struct {
	Row    int
	Column string // the column's header, or "" for the row as a whole
	Field  string // with no column: the dossier field at fault, if one is
	Msg    string
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return l10n.Sprintf("row %d: %s", e.Row, e.Msg)
	}
	return l10n.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Msg)
}

// Result is what Read made of a spreadsheet. When Errors is not empty,
// Records holds only the rows that had no problem: an all-or-nothing import
// writes nothing.
type Result struct {
	Sheet     string // the XLSX sheet read
	HeaderRow int
	Columns   []Column
	Records   []Record
	Errors    []*RowError
	// Warnings are about values imported as they stand that may not be
	// what was meant: a phone or an id number the workbook stores as a
	// number, which has lost any leading 0.
	Warnings []*RowError
}

// Err returns every row error joined, or nil.
func (r *Result) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	errs := make([]error, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// cell is one cell: text as shown, and raw, the stored value (for XLSX
// numbers and dates: the number without its display format); date is the
// day such a number stands for as an Excel date (YYYY-MM-DD), if any;
// padded is a whole number whose display format puts its leading zeros
// back (00000000000 shows 2112345678 as 02112345678): text lost nothing.
type cell struct {
	text, raw string
	number    bool
	date      string
	padded    bool
}

// headerScan is how many rows may come before the header row (a title, a
// date line).
const headerScan = 20

// Read reads a spreadsheet from r and makes one dossier text per non-empty
// row below the header row. The error is for the file as a whole (not a
// spreadsheet, no such sheet, no header row); problems with rows are in
// Result.Errors.
func Read(r io.Reader, o Options) (*Result, error) {
	cols := o.Columns
	if cols == nil {
		cols = DefaultColumns()
	}
	for target := range o.Defaults {
		if !checkTarget(target) {
			return nil, l10n.Errorf("%q is not a dossier field: use a path like customer.telephone, extra.KEY or level", target)
		}
	}
	res := &Result{}
	rows, sheets, err := readRows(r, o, res)
	if err != nil {
		return nil, err
	}
	h := headerRow(rows, cols)
	if h < 0 {
		return nil, &HeaderError{Sheet: res.Sheet, Sheets: sheets}
	}
	res.HeaderRow = h + 1
	res.mapColumns(rows[h], cols)
	if len(res.Errors) > 0 {
		return res, nil
	}
	seen := map[string]int{} // customer key → its first row
	for i := h + 1; i < len(rows); i++ {
		if blank(rows[i], res.Columns) {
			continue
		}
		rec, errs, warns := makeRecord(i+1, rows[i], res.Columns, o)
		res.Warnings = append(res.Warnings, warns...)
		if len(errs) > 0 {
			res.Errors = append(res.Errors, errs...)
			continue
		}
		// One dossier per customer (R5): a customer on two rows of one
		// file would be two dossiers. Individuals of one name are told
		// apart by their id number (身份证号).
		if first, ok := seen[rec.key]; ok {
			res.Errors = append(res.Errors, &RowError{Row: rec.Row, Column: res.Header("customer.name"), Msg: l10n.Sprintf("%s is the customer of row %d too: one dossier per customer; remove one of the rows (an id number tells two people of one name apart)", rec.Name, first)})
			continue
		}
		seen[rec.key] = rec.Row
		res.Records = append(res.Records, rec)
	}
	return res, nil
}

// Header is the header of the column that fills target, or "".
func (res *Result) Header(target string) string {
	for _, c := range res.Columns {
		if c.Target == target {
			return c.Header
		}
	}
	return ""
}

// customerKey is what makes two rows the same customer: the name as
// written, but for width (（） and ()) and white space, and for an
// individual (个人) the id number.
func customerKey(d *archive.Dossier) string {
	k := archive.CustomerKey(d.Customer.Name)
	if d.IsIndividual() {
		k += "\x00" + strings.ToUpper(strings.TrimSpace(d.Individual.IDNumber))
	}
	return k
}

// readRows reads every row of the spreadsheet; for a workbook it also
// sets res.Sheet and returns the names of its sheets.
func readRows(r io.Reader, o Options, res *Result) (rows [][]cell, sheets []string, err error) {
	switch o.Format {
	case CSV:
		rows, err = readCSV(r)
	case XLSX:
		rows, res.Sheet, sheets, err = readXLSX(r, o)
	default:
		err = l10n.Errorf("unknown spreadsheet format: use .xlsx or .csv")
	}
	return rows, sheets, err
}

// headerRow is the index of the header row, the first of the first
// headerScan rows with a column for the customer's name, or -1.
func headerRow(rows [][]cell, cols ColumnMap) int {
	for i := 0; i < len(rows) && i < headerScan; i++ {
		for _, c := range rows[i] {
			if t, _ := cols.lookup(c.text); t == "customer.name" && strings.TrimSpace(c.text) != "" {
				return i
			}
		}
	}
	return -1
}

// mapColumns fills res.Columns from the header row: what each header
// fills. Two headers that fill one field are an error of the header row.
func (res *Result) mapColumns(header []cell, cols ColumnMap) {
	filled := map[string]string{} // target → header
	for i, c := range header {
		header := strings.TrimSpace(c.text)
		if header == "" {
			continue
		}
		target, known := cols.lookup(header)
		if prev, ok := filled[target]; ok && target != TargetIgnore {
			res.Errors = append(res.Errors, &RowError{Row: res.HeaderRow, Column: header, Msg: l10n.Sprintf("fills %s, as column %s does: map one of them elsewhere, or to -", target, prev)})
			continue
		}
		filled[target] = header
		res.Columns = append(res.Columns, Column{Header: header, Target: target, Known: known, index: i})
	}
}

// HeaderError is returned when no header row names the customer's name.
type HeaderError struct {
	Sheet  string   // the XLSX sheet read, or ""
	Sheets []string // every sheet of the workbook
}

func (e *HeaderError) Error() string {
	names := l10n.List(defaultColumns["customer.name"][:3])
	msg := l10n.Sprintf("no header row: none of the first %d rows has a column for the customer's name (%s, …); add one, or map its header to customer.name in a column map", headerScan, names)
	if e.Sheet != "" {
		msg = l10n.Sprintf("sheet %s: %v", e.Sheet, msg)
	}
	return msg
}

// blank reports whether a row has nothing to import: only empty cells, or
// only cells of ignored columns (forms often come with 序号 1…100 printed
// down an otherwise empty sheet).
func blank(row []cell, cols []Column) bool {
	for _, c := range cols {
		if c.Target != TargetIgnore && c.index < len(row) && strings.TrimSpace(row[c.index].text) != "" {
			return false
		}
	}
	return true
}

// makeRecord makes the dossier text of one row (rowNo counts from 1) and
// reports every problem of the row: cells that cannot be converted, and
// what archive.ParseDossier finds in the rest.
func makeRecord(rowNo int, row []cell, cols []Column, o Options) (rec Record, errs, warns []*RowError) {
	b := &rowBuilder{
		rec: Record{Row: rowNo}, o: o,
		values: map[string]*yaml.Node{}, header: map[string]string{}, failed: map[string]bool{},
	}
	for _, col := range cols {
		b.header[col.Target] = col.Header
	}
	for _, col := range cols {
		if col.Target == TargetIgnore {
			continue
		}
		var c cell
		if col.index < len(row) {
			c = row[col.index]
		}
		c.text = strings.TrimSpace(c.text)
		if o.Format == CSV {
			// Only a CSV cell can carry the CSV writer's guards: an XLSX
			// cell is a typed string, never a formula, and one that
			// starts with '= means it.
			c.text = strings.TrimSpace(unneutralise(c.text))
		}
		if c.text != "" {
			b.set(col.Target, c)
			if c.number && !c.padded && digitFields[col.Target] && !b.failed[col.Target] {
				warns = append(warns, &RowError{Row: rowNo, Column: col.Header, Msg: l10n.Sprintf("the spreadsheet stores %s as a number, not as text: a leading 0 is lost that way (02112345678 becomes 2112345678); check the value, and format the column as text", c.text)})
			}
		}
	}
	for _, target := range sortedKeys(o.Defaults) {
		if _, ok := b.values[target]; !ok && !b.failed[target] && (target != TargetLevel || b.rec.Level == "") {
			b.set(target, cell{text: o.Defaults[target], raw: o.Defaults[target]})
		}
	}
	b.rec.Text = dossierText(b.values, o.Source, rowNo)
	// The row is a new dossier: checked as Create will (a head count of
	// 3.7, a negative credit limit), so the problem names the column and
	// the import writes nothing, rather than Create refusing it later.
	d, err := archive.ParseWritten(b.rec.Text)
	if err != nil {
		b.dossierProblems(err)
	}
	if len(b.errs) > 0 {
		// In the order of the columns, problems of the whole row last.
		pos := map[string]int{"": len(cols)}
		for i, c := range cols {
			pos[c.Header] = i
		}
		slices.SortStableFunc(b.errs, func(x, y *RowError) int { return pos[x.Column] - pos[y.Column] })
		return b.rec, b.errs, warns
	}
	b.rec.Name, b.rec.key, b.rec.Individual = d.Customer.Name, customerKey(d), d.IsIndividual()
	return b.rec, nil, warns
}

// digitFields are the text fields of digit strings where a leading 0
// matters: phones, account, licence and id numbers. A workbook that
// stores one as a number has dropped its leading 0 (a warning: the rest
// of the value is right, and only the department can tell).
var digitFields = map[string]bool{
	"customer.telephone":             true,
	"customer.fax":                   true,
	"contact_person.phone":           true,
	"credit_survey.bank_account":     true,
	"credit_survey.business_licence": true,
	"individual.id_number":           true,
}

// rowBuilder gathers the values of one row and its problems.
type rowBuilder struct {
	rec    Record
	o      Options
	values map[string]*yaml.Node // target → value
	header map[string]string     // target → header, for ParseDossier's errors
	failed map[string]bool       // targets whose cell could not be converted
	errs   []*RowError
}

// fail records a problem with the cell of target.
func (b *rowBuilder) fail(target string, err error) {
	b.errs = append(b.errs, &RowError{Row: b.rec.Row, Column: b.header[target], Msg: err.Error()})
	b.failed[target] = true
}

// set converts the cell of target; a level (密级) is the record's, the
// rest go into the dossier.
func (b *rowBuilder) set(target string, c cell) {
	v, err := convert(target, c)
	if err != nil {
		b.fail(target, err)
		return
	}
	if target != TargetLevel {
		b.values[target] = v
		return
	}
	if b.o.CheckLevel != nil {
		if err := b.o.CheckLevel(v.Value); err != nil {
			b.fail(target, err)
			return
		}
	}
	b.rec.Level = v.Value
}

// dossierProblems adds what archive.ParseDossier found, each under its
// column where the field came from one, except fields already reported
// as bad cells.
func (b *rowBuilder) dossierProblems(err error) {
	row := b.rec.Row
	var ve *archive.ValidationError
	if !errors.As(err, &ve) {
		b.errs = append(b.errs, &RowError{Row: row, Msg: err.Error()})
		return
	}
	for _, p := range ve.Problems {
		switch col, ok := b.header[p.Path]; {
		case b.failed[p.Path]:
			// already reported as a bad cell
		case ok:
			b.errs = append(b.errs, &RowError{Row: row, Column: col, Msg: p.Msg})
		case p.Path != "":
			b.errs = append(b.errs, &RowError{Row: row, Field: p.Path, Msg: p.Path + ": " + p.Msg})
		default:
			b.errs = append(b.errs, &RowError{Row: row, Msg: p.Msg})
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// neutralisedRE matches what crm's own CSV writes to keep Excel from
// reading a cell as a formula or a number: a leading ' before = + - @, tab
// or CR (and before a text that already starts with ' and one of those),
// and ="…" around digit strings. A cell may span lines.
var neutralisedRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?s:'('*[=+\-@\t\r].*)|="(.*)")$`)
})

// unneutralise undoes the CSV writer's protections, so a register exported
// by crm as CSV reads back as written. It is for CSV cells only.
func unneutralise(s string) string {
	if m := neutralisedRE().FindStringSubmatch(s); m != nil {
		return m[1] + strings.ReplaceAll(m[2], `""`, `"`)
	}
	return s
}

// convert turns a cell into the YAML value of target.
func convert(target string, c cell) (*yaml.Node, error) {
	k, ok := fieldKinds()[target]
	if !ok {
		k = kText // extra.KEY and level
	}
	switch k {
	case kInt:
		f, err := number(c)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e15 {
			return nil, l10n.Errorf("%q is not a whole number", c.text)
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatInt(int64(f), 10)}, nil
	case kNumber:
		f, err := number(c)
		if err != nil {
			return nil, l10n.Errorf("%q is not a number", c.text)
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(f, 'f', -1, 64)}, nil
	case kDate:
		d, err := date(c)
		if err != nil {
			return nil, err
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Value: d}, nil
	}
	s := c.text
	if sciRE().MatchString(s) || c.number && longDigitsRE().MatchString(s) {
		// Excel keeps 15 digits of a number: a long phone number or id
		// typed into a number cell is already damaged in the workbook,
		// shown as 1.10105E+17, or with the format "0" as
		// 110105194912310000 (the last digits zeros).
		return nil, l10n.Errorf("%q is a number Excel has rounded: format the column as text and type the value again", s)
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}, nil
}

var sciRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$`) })

// longDigitsRE matches a number cell's text with more digits than Excel
// keeps (15).
var longDigitsRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{16,}$`) })

// number reads a number written as people write amounts: 1200, 1,200.50,
// ¥1200, 1200元; for XLSX the stored value, whatever its display format.
func number(c cell) (float64, error) {
	s := c.text
	if c.number {
		s = c.raw
	}
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSuffix(s, "元")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a number")
	}
	return f, nil
}

var dateLayouts = []string{"2006-01-02", "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日", "20060102", "2006-01-02 15:04:05", "2006/1/2 15:04"}

// date reads a date as YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 or
// YYYYMMDD; for XLSX also a date cell whatever its display format.
func date(c cell) (string, error) {
	s := strings.TrimSpace(c.text)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	if c.number && c.date != "" {
		return c.date, nil
	}
	return "", l10n.Errorf("%q is not a date: write it as YYYY-MM-DD", s)
}

// dossierText writes the values as a dossier: nested mappings in the order
// of the dossier's fields, extra: last, under a comment naming the source.
func dossierText(values map[string]*yaml.Node, source string, row int) []byte {
	paths := make([]string, 0, len(values))
	for p := range values {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool {
		return pathOrder(paths[i]) < pathOrder(paths[j]) || (pathOrder(paths[i]) == pathOrder(paths[j]) && paths[i] < paths[j])
	})
	top := &yaml.Node{Kind: yaml.MappingNode}
	for _, p := range paths {
		keys := strings.Split(p, ".")
		if strings.HasPrefix(p, extraPrefix) {
			keys = []string{"extra", strings.TrimPrefix(p, extraPrefix)}
		}
		m := top
		for _, k := range keys[:len(keys)-1] {
			_, sub := childNode(m, k)
			if sub == nil {
				sub = &yaml.Node{Kind: yaml.MappingNode}
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, sub)
			}
			m = sub
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: keys[len(keys)-1]}, values[p])
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{top}}
	if source != "" {
		doc.HeadComment = fmt.Sprintf("客户信息档案：由 crm import 自 %s 第 %d 行导入", source, row)
	} else {
		doc.HeadComment = fmt.Sprintf("客户信息档案：由 crm import 自第 %d 行导入", row)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		panic("intake: encoding a dossier: " + err.Error()) // nodes built above are always encodable
	}
	enc.Close()
	return b.Bytes()
}

func childNode(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// pathOrder sorts field paths in the order the dossier declares them.
func pathOrder(p string) int {
	if i, ok := fieldOrder()[p]; ok {
		return i
	}
	return len(fieldOrder()) // extra.KEY
}

// readCSV reads a CSV file: UTF-8 with or without a byte-order mark, or, when
// it is not UTF-8, GB18030 (which covers GBK, what Excel on Chinese Windows
// writes for "CSV").
func readCSV(r io.Reader) ([][]cell, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.IndexByte(data, 0) >= 0 {
		// Excel's "Unicode text": read as GBK it was a file without a
		// header row, the message spelt in NULs
		return nil, l10n.Errorf("the CSV file is UTF-16 (Excel's \"Unicode text\"): save it as \"CSV UTF-8\"")
	}
	if !utf8.Valid(data) {
		if line, damaged := damagedUTF8(data); damaged {
			return nil, l10n.Errorf("the CSV file is UTF-8 but for a byte on line %d that is not: correct that line, or save the file again as \"CSV UTF-8\"", line)
		}
		gb, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(gb, utf8.RuneError) && !bytes.ContainsRune(data, utf8.RuneError) {
			return nil, l10n.Errorf("the CSV file is neither UTF-8 nor GBK: save it as \"CSV UTF-8\"")
		}
		data = gb
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var rows [][]cell
	end := 0 // the line the previous record ended on
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, l10n.Errorf("not a readable CSV file: line %d: %v", pe.Line, pe.Err)
			}
			return nil, err
		}
		// csv.Reader skips empty lines, which a spreadsheet shows as
		// empty rows: keep them, so that row numbers are the ones the
		// user sees. A cell may span lines.
		start, _ := cr.FieldPos(0)
		for range start - end - 1 {
			rows = append(rows, nil)
		}
		last, _ := cr.FieldPos(len(rec) - 1)
		end = last + strings.Count(rec[len(rec)-1], "\n")
		row := make([]cell, len(rec))
		for i, s := range rec {
			row[i] = cell{text: s, raw: s}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// damagedUTF8 tells a UTF-8 file with a few bytes that are not UTF-8 (a
// name pasted from elsewhere, a file cut short) from a GBK one: in GBK
// text most bytes above 0x7F do not make UTF-8 characters, in damaged
// UTF-8 most do. Read as GBK, damaged UTF-8 is mojibake in every Chinese
// cell. line is the line of the first byte that is not UTF-8.
func damagedUTF8(data []byte) (line int, damaged bool) {
	valid, invalid, first := 0, 0, -1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
			if first < 0 {
				first = i
			}
		case n > 1:
			valid++
		}
		i += n
	}
	if first < 0 {
		return 0, false
	}
	return 1 + bytes.Count(data[:first], []byte("\n")), valid >= invalid
}

// readXLSX reads one sheet of a workbook, with the XLSX helper
// (crm-xlsx): the cells as shown, and the stored values beside them for
// numbers and dates.
func readXLSX(r io.Reader, o Options) ([][]cell, string, []string, error) {
	var out bytes.Buffer
	if err := xlsxwire.Run(xlsxwire.ReadArgs(o.Sheet, o.TmpDir), &out, func(in io.Writer) error {
		_, err := io.Copy(in, r)
		return err
	}); err != nil {
		return nil, "", nil, err
	}
	var res xlsxwire.ReadResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, "", nil, l10n.Errorf("%s answered what crm cannot read: %v", xlsxwire.Helper, err)
	}
	switch res.Problem {
	case "":
	case "open":
		return nil, "", nil, l10n.Errorf("not a readable XLSX workbook: %v", res.Detail)
	case "no-sheet":
		return nil, "", nil, l10n.Errorf("the workbook has no sheet")
	case "unknown-sheet":
		return nil, "", nil, l10n.Errorf("the workbook has no sheet %q: it has %s", o.Sheet, l10n.List(res.Sheets))
	default:
		return nil, "", nil, l10n.Errorf("sheet %s: %v", cmp.Or(res.Sheet, o.Sheet), res.Detail)
	}
	rows := make([][]cell, len(res.Rows))
	for i, sr := range res.Rows {
		row := make([]cell, len(sr))
		for j, c := range sr {
			row[j] = cell{text: c.Text, raw: c.Text}
			if c.Number {
				row[j].raw, row[j].number, row[j].date, row[j].padded = c.Raw, true, c.Date, c.Padded
			}
		}
		rows[i] = row
	}
	return rows, res.Sheet, res.Sheets, nil
}
