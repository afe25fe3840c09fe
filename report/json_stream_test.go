package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// renderJSON writes what json.Encoder (indented, HTML left alone) writes
// of the same value, byte for byte: with and without a generation time, a
// made-for block, notes and section notes, empty sections, no sections,
// HTML characters.
func TestRenderJSONAsEncoder(t *testing.T) {
	variants := []func(r *Report){
		func(r *Report) {},
		func(r *Report) { r.GeneratedAt = time.Time{} },
		func(r *Report) {
			r.MadeFor = &MadeFor{Request: "S-1", Member: "<li>", Name: "李 & 王", Reports: []string{"monthly"}}
			r.Notes = append(r.Notes, Text{Zh: "注 <b>", En: "note & more"})
		},
		func(r *Report) {
			r.Sections[0].Note = Text{Zh: "说明", En: "a note"}
			r.Sections[len(r.Sections)-1].Rows = nil
		},
		func(r *Report) { r.Sections = nil; r.Notes = nil },
	}
	for i, change := range variants {
		r := fixture(t)
		r.GeneratedAt = time.Date(2026, 12, 3, 21, 0, 0, 0, time.FixedZone("CST", 8*3600))
		change(r)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonOf(r)); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		w := bufio.NewWriter(&got)
		if err := renderJSON(w, r); err != nil {
			t.Fatalf("variant %d: %v", i, err)
		}
		w.Flush()
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("variant %d: renderJSON wrote\n%s\nthe encoder\n%s", i, got.Bytes(), want.Bytes())
		}
	}
}
