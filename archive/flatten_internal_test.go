package archive

import (
	"maps"
	"testing"
)

// Two keys that give one path (0 and 0.0, .nan and .NaN, a.b and a: {b:})
// flatten the same way every time: ChangedFields compares two flattenings,
// and Go's maps are walked in a random order (a crasher of FuzzReadDoc:
// "0: \n0.: 乙").
func TestFlattenKeysThatCollide(t *testing.T) {
	for _, text := range []string{
		"0: \n0.: 乙\n",
		"customer: {name: x}\nowner: y\nextra: {0: a, 0.0: b, .nan: c, .NaN: d}\n",
		"a.b: 1\na: {b: 2}\n",
	} {
		first, err := flatten(&dossierDoc{text: []byte(text)})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		for range 50 {
			if m, _ := flatten(&dossierDoc{text: []byte(text)}); !maps.Equal(m, first) {
				t.Fatalf("%q flattens to %v, then to %v", text, first, m)
			}
		}
	}
}
