package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/classify"
)

// ptrMarshal encodes itself through its pointer: encoding/json calls that
// only where the value is addressable (slice elements, fields reached
// through a pointer), not for a map's values.
type ptrMarshal struct{ N int }

func (p *ptrMarshal) MarshalJSON() ([]byte, error) { return []byte(`"p"`), nil }

type textKey string

func (k textKey) MarshalText() ([]byte, error) { return []byte("k:" + string(k)), nil }

type zeroer struct{ A int }

func (z zeroer) IsZero() bool { return z.A == 7 }

type jsonSample struct {
	Name     string         `json:"name"`
	Skip     string         `json:"-"`
	Empty    []string       `json:"empty,omitempty"`
	Nil      []string       `json:"nil"`
	None     []int          `json:"none"`
	Zero     time.Time      `json:"zero,omitzero"`
	When     time.Time      `json:"when"`
	Z        zeroer         `json:"z,omitzero"`
	P        *ptrMarshal    `json:"p"`
	V        ptrMarshal     `json:"v"`
	Vs       []ptrMarshal   `json:"vs"`
	M        map[string]any `json:"m"`
	MV       map[string]ptrMarshal
	Keys     map[textKey]int `json:"keys"`
	Bytes    []byte          `json:"bytes"`
	Any      any             `json:"any"`
	Html     string          `json:"html"`
	Num      float64         `json:"num,omitempty"`
	Str      int             `json:"str,string"`
	unexp    int
	Nested   []map[string][]int `json:"nested"`
	EmptyMap map[string]int     `json:"empty_map"`
}

type embedded struct {
	jsonSample
	Extra int `json:"extra"`
}

// TestPrintJSONAsEncoder: printJSON writes what json.Encoder (indented,
// HTML left alone) writes, byte for byte, for the shapes the commands
// print and the rules encoding/json has for them.
func TestPrintJSONAsEncoder(t *testing.T) {
	at := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	s := jsonSample{
		Name: "张三 <a&b>", Skip: "x", Empty: []string{}, None: []int{}, When: at, Z: zeroer{7},
		P: &ptrMarshal{1}, V: ptrMarshal{2}, Vs: []ptrMarshal{{3}, {4}},
		M:    map[string]any{"b": []any{1, "x", nil, map[string]any{}}, "a": nil, "<": true},
		MV:   map[string]ptrMarshal{"x": {5}},
		Keys: map[textKey]int{"b": 1, "a": 2}, Bytes: []byte("hi"), Any: []string{"q"},
		Html: "</script>", Num: 1.5, Str: 42, unexp: 9,
		Nested: []map[string][]int{{"a": {1, 2}}, {}, nil}, EmptyMap: map[string]int{},
	}
	values := []any{
		nil, 1, "s", []int{}, []int(nil), map[string]int(nil),
		[]string{"a", "b"}, [2]int{1, 2}, s, &s, []jsonSample{s, {}}, []*jsonSample{&s, nil},
		map[string]any{"quarter": "2026Q4", "due": []archive.DueReview{{ID: "C-1", Level: "秘密", DaysLeft: 3}}, "missed": []archive.MissedReview{{ID: "C-2", Quarters: classify.Spans{classify.SpanOf(classify.Quarter{Year: 2025, Q: 1}, classify.Quarter{Year: 2025, Q: 2}), classify.SpanOf(classify.Quarter{Year: 2026, Q: 1}, classify.Quarter{Year: 2026, Q: 1})}}}},
		&archive.MaintainReport{Quarter: "2026Q4", Reviews: []archive.DueReview{{ID: "C-1", Overdue: true}}, Rekeyed: nil},
		embedded{jsonSample: s, Extra: 1}, []embedded{{Extra: 2}},
		[]archive.ListEntry{{ID: "C-1", Level: "内部", Created: at}},
		struct{ A, B int }{1, 2}, struct{}{}, []struct{}{{}},
	}
	for i, v := range values {
		// printJSON writes empty lists as [] (fillLists): the encoder
		// is given the same.
		v = fillLists(v)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		var got bytes.Buffer
		if err := printJSON(&got, v); err != nil {
			t.Fatalf("value %d: printJSON: %v", i, err)
		}
		if got.String() != want.String() {
			t.Errorf("value %d (%T):\ngot\n%s\nwant\n%s", i, v, got.String(), want.String())
		}
	}
	// What encoding/json refuses, printJSON refuses.
	if err := printJSON(&bytes.Buffer{}, []float64{1, math.NaN()}); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN: %v", err)
	}
}

// TestPrintJSONEmptyLists: an empty list is [] in every command's JSON,
// never null: a cron job's jq '.overdue | length' works on a quiet day.
func TestPrintJSONEmptyLists(t *testing.T) {
	type withEmbed struct {
		*archive.Destruction
		Status string `json:"status"`
	}
	values := []any{
		[]string(nil),
		&archive.MaintainReport{Quarter: "2026Q4"},
		archive.MaintainReport{Quarter: "2026Q4", PendingLoans: []*archive.Loan{{ID: "L-1"}}},
		[]withEmbed{{Destruction: &archive.Destruction{ID: "D-1"}, Status: "pending"}},
		map[string]any{"due": []archive.DueReview(nil), "missed": []archive.MissedReview{}},
		struct {
			Skip []int `json:"skip,omitempty"`
			Keep []int `json:"keep"`
		}{},
	}
	for i, v := range values {
		var got bytes.Buffer
		if err := printJSON(&got, v); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		if strings.Contains(got.String(), "null") || strings.Contains(got.String(), "skip") {
			t.Errorf("value %d (%T): a null or an omitted list written:\n%s", i, v, got.String())
		}
	}
}
