package archive

import (
	"reflect"
	"testing"
	"time"
)

// fillAll sets every exported field of the struct v points to, and of the
// structs, slices and pointers it holds, to a value of its own that is
// not zero: a field the registers codec drops comes back zero.
func fillAll(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	next := func() int { *n++; return *n }
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(t, v.Elem(), n)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2020, 1, 1, 0, 0, next(), next(), time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillAll(t, v.Field(i), n)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillAll(t, v.Index(i), n)
		}
	case reflect.String:
		v.SetString("值" + string(rune('a'+next()%26)) + time.Duration(next()).String())
	case reflect.Int:
		v.SetInt(int64(next()))
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("a field of kind %s: teach fillAll and the registers codec", v.Kind())
	}
}

// Every field of a loan (with its approvals and card) and of a
// destruction request comes back from the registers part as it went in,
// and so do empty ones (lists nil, no card), whatever else the part holds.
func TestRegistersRoundTrip(t *testing.T) {
	n := 0
	var full Loan
	fillAll(t, reflect.ValueOf(&full).Elem(), &n)
	var fullD Destruction
	fillAll(t, reflect.ValueOf(&fullD).Elem(), &n)
	full.ID, fullD.ID = "L-2", "D-2"
	empty, emptyD := &Loan{ID: "L-1"}, &Destruction{ID: "D-1"}
	s := &State{Loans: map[string]*Loan{"L-1": empty, "L-2": &full}}
	b, ok := encodeRegisters(s, []*Destruction{emptyD, &fullD})
	if !ok {
		t.Fatal("not encoded")
	}
	regs, ok := decodeRegisters(b)
	if !ok {
		t.Fatal("not decoded")
	}
	want := &snapRegisters{Loans: []*Loan{empty, &full}, Destructions: []*Destruction{emptyD, &fullD}}
	if !reflect.DeepEqual(regs, want) {
		t.Fatalf("read back\n%+v\n%+v\nwant\n%+v\n%+v", *regs.Loans[1], *regs.Destructions[1], full, fullD)
	}
	// A time keeps its zone's offset.
	cst := time.FixedZone("CST", 8*3600)
	b, _ = encodeRegisters(&State{Loans: map[string]*Loan{"L-1": {ID: "L-1", Due: time.Date(2026, 11, 25, 9, 0, 0, 0, cst)}}}, nil)
	regs, ok = decodeRegisters(b)
	if due := regs.Loans[0].Due; !ok || !due.Equal(time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)) {
		t.Fatalf("due %v", due)
	} else if _, off := due.Zone(); off != 8*3600 {
		t.Fatalf("due %v: offset %d", due, off)
	}
	// Nothing it gives back holds a byte of the part.
	b, _ = encodeRegisters(s, []*Destruction{&fullD})
	regs, _ = decodeRegisters(b)
	for i := range b {
		b[i] = 0
	}
	if !reflect.DeepEqual(regs.Loans[1], &full) || !reflect.DeepEqual(regs.Destructions[0], &fullD) {
		t.Fatal("the registers read share bytes with the part")
	}
	// Every part cut short, or with a byte more, is refused.
	b, _ = encodeRegisters(s, []*Destruction{emptyD, &fullD})
	for cut := range len(b) {
		if _, ok := decodeRegisters(b[:cut]); ok {
			t.Fatalf("cut at %d of %d: read", cut, len(b))
		}
	}
	if _, ok := decodeRegisters(append(b, 0)); ok {
		t.Fatal("a byte more: read")
	}
}
