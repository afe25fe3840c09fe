package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
)

// JSON output writes control and invisible characters as \u escapes:
// the value a program reads is the same, a terminal sees only ASCII
// (helper-102).
func TestWriteJSONEscapesUnsafe(t *testing.T) {
	in := map[string]string{"name": "华东\u202e机械\u200b\x7f\u0085 — “ok”\x1b"}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := WriteJSON(w, JSONObject{{Name: "d", Value: in}}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	want := `{` + "\n" + `  "d": {` + "\n" + `    "name": "华东\u202e机械\u200b\u007f\u0085 — “ok”\u001b"` + "\n  }\n}\n"
	if buf.String() != want {
		t.Errorf("got %s, want %s", buf.String(), want)
	}
	var back struct{ D map[string]string }
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.D["name"] != in["name"] {
		t.Errorf("read back %q, %v", back.D["name"], err)
	}
}
