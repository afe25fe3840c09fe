package archive_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"crm/archive"
	"crm/archive/journal"
)

// The parsers of user input must never panic, and what they accept must be
// safe to use: ids never name a path, dates round-trip, events re-parse.

func FuzzParseDossier(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("customer:\n  name: x\n  founded: 2020-02-29\nowner: y\ncredit_survey:\n  score: 100\n"))
	f.Add([]byte("customer: [\n"))
	f.Add([]byte("- 1\n"))
	f.Add([]byte("customer:\n  founded: !!binary AAAA\nowner: &a *a\n"))
	f.Add([]byte("basic:\n  key_people:\n    - name: {a: 1}\n"))
	// The survey forms, contacts and extra: (dossier_test.go).
	f.Add([]byte(fullDossier))
	f.Add([]byte("customer:\n  name: x\nowner: y\ncontacts:\n  - date: 2024-02-29\n    kind: 投诉\n  - {date: 2026-01-01, kind: 拜访, keep_until: 2025-01-01}\n"))
	// A visit's change in credit (信用异动), good, on a follow-up, a scalar.
	f.Add([]byte("customer:\n  name: x\nowner: y\ncontacts:\n  - date: 2026-11-02\n    kind: 拜访\n    credit_change:\n      from: B\n      to: C\n      reason: 拖欠\n  - {date: 2026-11-03, kind: 回访, credit_change: {from: C, to: C, why: x}}\n  - {date: 2026-11-04, kind: 拜访, credit_change: B:C}\n"))
	f.Add([]byte("customer:\n  name: x\nowner: y\nextra: {1: [a, {b: .nan}], ~: x, [k]: v}\n"))
	f.Add([]byte("customer:\n  name: x\nowner: y\ncredit_survey:\n  outstanding: -0\n  products: [{monthly_amount: 1e400}]\n  office: {floors: 0x10}\n"))
	f.Add([]byte("customer:\n  name: x\nowner: y\nsurvey: &s\n  dealings: *s\n"))
	// Lists, mappings and quotes not closed, last and in the middle
	// (yaml.v3 names a parser error's line one above it).
	f.Add([]byte("customer:\n  name: x\nowner: y\nbasic:\n  owners: [a, b\n"))
	f.Add([]byte("# 档案\ncustomer:\n  name: x\nowner: y\nextra: {a: 1\nnotes: z\n"))
	f.Add([]byte("customer:\n  name: x\nowner: y\nnotes: \"abc\nrelationship: 无\n"))
	f.Add([]byte("# 档案\n# 二\ncustomer:\n  name: x\n  industry: y\n owner: z\n"))
	f.Add([]byte("extra: [a, b\ncustomer:\n  name: x\nowner: y\n"))
	// yaml's other line breaks: a lone \r, NEL, LS, PS, \r\n as one.
	f.Add([]byte("customer:\r\n  name: x\rowner: y\u0085basic:\u2028  owners: [a, b\u2029notes: \x01\n\r"))
	// Aliases of aliases: the first fuzzing ran into it, and hung.
	f.Add([]byte("customer:\n  name: x\nowner: y\nextra:\n  a0: &a0 [x, x]\n  a1: &a1 [*a0, *a0]\n  a2: &a2 [*a1, *a1]\n  a3: &a3 [*a2, *a2]\n  a4: &a4 [*a3, *a3]\n  a5: &a5 [*a4, *a4]\n  a6: &a6 [*a5, *a5]\n  a7: &a7 [*a6, *a6]\n  a8: &a8 [*a7, *a7]\n  a9: &a9 [*a8, *a8]\n  a10: &a10 [*a9, *a9]\n  a11: &a11 [*a10, *a10]\n  a12: &a12 [*a11, *a11]\n  a13: &a13 [*a12, *a12]\n  a14: &a14 [*a13, *a13]\n  a15: &a15 [*a14, *a14]\n  a16: &a16 [*a15, *a15]\n  a17: &a17 [*a16, *a16]\n  a18: &a18 [*a17, *a17]\n  a19: &a19 [*a18, *a18]\n  a20: &a20 [*a19, *a19]\n  a21: &a21 [*a20, *a20]\n  a22: &a22 [*a21, *a21]\n  a23: &a23 [*a22, *a22]\n  a24: &a24 [*a23, *a23]\n  a25: &a25 [*a24, *a24]\n  a26: &a26 [*a25, *a25]\n  a27: &a27 [*a26, *a26]\n  a28: &a28 [*a27, *a27]\n  a29: &a29 [*a28, *a28]\n  a30: &a30 [*a29, *a29]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := archive.ParseDossier(b)
		// A problem's line is one of the text's.
		var ve *archive.ValidationError
		if errors.As(err, &ve) {
			// yaml's line breaks: \n, \r\n, a lone \r, NEL, LS and PS
			lines := 1 + bytes.Count(b, []byte("\n")) + bytes.Count(b, []byte("\r")) - bytes.Count(b, []byte("\r\n")) +
				bytes.Count(b, []byte("\u0085")) + bytes.Count(b, []byte("\u2028")) + bytes.Count(b, []byte("\u2029"))
			for _, p := range ve.Problems {
				if p.Line < 0 || p.Line > lines {
					t.Fatalf("problem %q on line %d of a text of %d lines: %q", p.Msg, p.Line, lines, b)
				}
			}
		}
		if err == nil && (strings.TrimSpace(d.Customer.Name) == "" || strings.TrimSpace(d.Owner) == "") {
			t.Fatalf("accepted a dossier without its required fields: %q", b)
		}
		if err == nil {
			for i, c := range d.Contacts {
				if c.Date.IsZero() || !slices.Contains(archive.ContactKinds, c.Kind) {
					t.Fatalf("accepted contact %d without a date or kind: %q", i, b)
				}
				if c.Kind == archive.ContactComplaint && (c.KeepUntil.IsZero() || c.KeepUntil.Before(c.Date.Time)) {
					t.Fatalf("complaint %d has no retention date, or one before its date: %q", i, b)
				}
				if cc := c.CreditChange; cc != nil && (c.Kind != archive.ContactVisit || cc.From == cc.To || strings.TrimSpace(cc.Reason) == "" ||
					!slices.Contains(archive.CreditClasses, cc.From) || !slices.Contains(archive.CreditClasses, cc.To)) {
					t.Fatalf("accepted contact %d's credit change %+v: %q", i, *cc, b)
				}
			}
			if o := d.CreditSurvey.Outstanding; o != nil && !(*o >= 0) {
				t.Fatalf("accepted outstanding %v: %q", *o, b)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Fatalf("an accepted dossier cannot be written as JSON: %v", err)
			}
			// crm show --json
			if v, err := archive.Content(b); err != nil {
				t.Fatalf("Content of an accepted dossier: %v", err)
			} else if _, err := json.Marshal(v); err != nil {
				t.Fatalf("Content of an accepted dossier is not JSON: %v", err)
			}
		}
		if err == nil {
			// A read lets in a key given twice in extra: (an older crm
			// wrote it) where ChangedFields refuses it; a write refuses it
			// too, and the edit that mends it is let through (CheckUpdate).
			if _, cerr := archive.ChangedFields(b, b); cerr != nil {
				if _, werr := archive.ParseWritten(b); werr == nil {
					t.Fatalf("ChangedFields on a dossier a write accepts: %v", cerr)
				}
			}
		}
	})
}

func FuzzCheckID(f *testing.F) {
	for _, s := range []string{"C-000001", "../x", "a/b", "..", "C-1.age", "名字", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if archive.CheckID(s) != nil {
			return
		}
		if strings.ContainsAny(s, "/\\.\x00") || s == "" || !utf8.ValidString(s) {
			t.Fatalf("CheckID accepted %q", s)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-22", "2024-02-29", "2023-02-29", "0000-01-01", " 2026-1-2", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := archive.ParseDate(s)
		if err != nil {
			return
		}
		again, err := archive.ParseDate(d.Format("2006-01-02"))
		if err != nil || !again.Equal(d.Time) {
			t.Fatalf("date %q does not round-trip: %v", s, err)
		}
	})
}

func FuzzParseEvent(f *testing.F) {
	id := newIdentity(f)
	good, _ := journal.Sign(journal.Header{Kind: "dossier.update", Time: fixed(), Actor: "li", Dossier: "C-000001", Prev: []string{strings.Repeat("ab", 32)}}, &archive.DossierUpdate{Fields: []string{"owner"}}, id.Signer())
	f.Add(good)
	f.Add([]byte("kind: x\nactor: y\ntime: 2026-01-01T00:00:00Z\nsignature: " + strings.Repeat("A", 86) + "==\n"))
	f.Add([]byte("kind: x\nactor: y\ndossier: ../x\ntime: 2026-01-01T00:00:00Z\nsignature: " + strings.Repeat("A", 86) + "==\n"))
	f.Add([]byte("signature: \n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := journal.Parse(b)
		if err != nil {
			return
		}
		if e.Dossier != "" && archive.CheckID(e.Dossier) != nil {
			t.Fatalf("event with a bad dossier id accepted: %q", e.Dossier)
		}
		var v any
		_ = e.Decode(&v)
		if _, err := journal.Parse(b); err != nil {
			t.Fatal("event parses once but not twice")
		}
	})
}
