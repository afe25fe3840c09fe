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
	Marking     *jsonMarking  `json:"marking"`
	Notes       []Text        `json:"notes"`
	MadeFor     *MadeFor      `json:"made_for,omitempty"`
	Sections    []jsonSection `json:"sections"`
}

// jsonMarking is a report's 密级 marking (Report.Marking): the level
// and the line printed under the title in both languages.
type jsonMarking struct {
	Level string `json:"level"`
	Text  Text   `json:"text"`
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

// jsonRow writes row i of section s, its cells in column order, every
// column present.
type jsonRow struct {
	s *Section
	i int
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
	for i, c := range r.s.Columns {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := str(c.Key); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		v := r.s.Cell(r.i, c.Key)
		switch {
		case v.k == vNull, (v.k == vStr || v.k == vWords) && v.String() == "":
			// An empty cell is null (SCHEMA.md), a text one too: a
			// script tests one thing, not null and "".
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

// jsonOf is the JSON form of r (SCHEMA.md), its rows written as they are
// encoded.
func jsonOf(r *Report) jsonReport {
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
	if r.Marking != "" {
		out.Marking = &jsonMarking{Level: r.Marking, Text: Text{Zh: markingText(r, LangZh), En: markingText(r, LangEn)}}
	}
	for i := range r.Sections {
		s := &r.Sections[i]
		js := jsonSection{Key: s.Key, Title: s.Title, Columns: make([]jsonColumn, len(s.Columns)), Rows: make([]jsonRow, s.Len())}
		if !s.Note.IsZero() {
			n := s.Note
			js.Note = &n
		}
		for j, c := range s.Columns {
			js.Columns[j] = jsonColumn{Key: c.Key, Title: Text{Zh: c.Zh, En: c.En}, Kind: c.Kind}
		}
		for j := range js.Rows {
			js.Rows[j] = jsonRow{s: s, i: j}
		}
		out.Sections[i] = js
	}
	return out
}

// renderJSON writes jsonOf(r) as a json.Encoder with SetIndent("", "  ")
// and SetEscapeHTML(false) writes it, byte for byte, but member by
// member, row by row (WriteJSON): the encoder holds the whole text and
// its indented copy (the whole 核定 register at 100,000 dossiers is 150 MB
// of text).
func renderJSON(w *bufio.Writer, r *Report) error {
	out := jsonOf(r)
	top := JSONObject{{"schema", out.Schema}, {"report", out.Report}, {"title", out.Title},
		{"period", out.Period}, {"generated_at", out.GeneratedAt}, {"marking", out.Marking}, {"notes", out.Notes}}
	if out.MadeFor != nil {
		top = append(top, JSONMember{"made_for", out.MadeFor})
	}
	top = append(top, JSONMember{"sections", JSONList{len(out.Sections), func(i int) any {
		s := &out.Sections[i]
		return JSONObject{{"key", s.Key}, {"title", s.Title}, {"note", s.Note}, {"columns", s.Columns},
			{"rows", JSONList{len(s.Rows), func(k int) any { return s.Rows[k] }}}}
	}}})
	return WriteJSON(w, top)
}
