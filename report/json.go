package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// SchemaID names the JSON schema Render writes; see SCHEMA.md.
const SchemaID = "crm.report/v1"

type jsonReport struct {
	Schema      string        `json:"schema"`
	Report      string        `json:"report"`
	Title       Text          `json:"title"`
	Period      string        `json:"period"`
	GeneratedAt *string       `json:"generated_at"`
	Notes       []Text        `json:"notes"`
	MadeFor     *MadeFor      `json:"made_for,omitempty"`
	Sections    []jsonSection `json:"sections"`
}

type jsonSection struct {
	Key     string       `json:"key"`
	Title   Text         `json:"title"`
	Note    *Text        `json:"note"`
	Columns []jsonColumn `json:"columns"`
	Rows    []jsonRow    `json:"rows"`
}

type jsonColumn struct {
	Key   string `json:"key"`
	Title Text   `json:"title"`
	Kind  Kind   `json:"kind"`
}

// jsonRow writes a row's cells in column order, every column present.
type jsonRow struct {
	cols []Column
	row  Row
}

func (r jsonRow) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	str := func(s string) error {
		if err := enc.Encode(s); err != nil {
			return err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
		return nil
	}
	b.WriteByte('{')
	for i, c := range r.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := str(c.Key); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		v := r.row[c.Key]
		switch {
		case v.k == vNull:
			b.WriteString("null")
		case c.Kind == KindInt:
			b.WriteString(strconv.FormatInt(v.int(), 10))
		case c.Kind == KindNumber || c.Kind == KindPercent:
			b.WriteString(strconv.FormatFloat(v.num(), 'g', -1, 64))
		default: // text and date: strings
			if err := str(v.String()); err != nil {
				return nil, err
			}
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func renderJSON(w *bufio.Writer, r *Report) error {
	out := jsonReport{
		Schema:   SchemaID,
		Report:   r.Name,
		Title:    r.Title,
		Period:   r.Period,
		Notes:    r.Notes,
		MadeFor:  r.MadeFor,
		Sections: make([]jsonSection, len(r.Sections)),
	}
	if out.Notes == nil {
		out.Notes = []Text{}
	}
	if !r.GeneratedAt.IsZero() {
		s := r.GeneratedAt.Format(time.RFC3339)
		out.GeneratedAt = &s
	}
	for i, s := range r.Sections {
		js := jsonSection{Key: s.Key, Title: s.Title, Columns: make([]jsonColumn, len(s.Columns)), Rows: make([]jsonRow, len(s.Rows))}
		if !s.Note.IsZero() {
			n := s.Note
			js.Note = &n
		}
		for j, c := range s.Columns {
			js.Columns[j] = jsonColumn{Key: c.Key, Title: Text{Zh: c.Zh, En: c.En}, Kind: c.Kind}
		}
		for j, row := range s.Rows {
			js.Rows[j] = jsonRow{cols: s.Columns, row: row}
		}
		out.Sections[i] = js
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
