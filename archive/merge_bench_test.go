package archive_test

import (
	"bytes"
	"testing"

	"filippo.io/age"

	"crm/archive"
)

// What git's merge driver costs per dossier file, in process: the YAML
// three-way merge alone, and the whole step (three decryptions, the merge,
// one encryption to four recipients). The driver also pays a process
// start and opening the archive (replaying the journal): see README.
//
//	go test -run '^$' -bench Merge ./archive/
func BenchmarkMerge(b *testing.B) {
	base := []byte(fullDossier)
	ours := bytes.Replace(base, []byte("owner:"), []byte("owner: 改 #"), 1)
	theirs := append(bytes.Clone(base), []byte("\n")...)
	theirs = bytes.Replace(theirs, []byte("notes:"), []byte("notes: 新备注 #"), 1)
	if _, c, err := archive.MergeText(base, ours, theirs, false); err != nil || len(c) > 0 {
		b.Fatal(c, err)
	}
	b.Run("text", func(b *testing.B) {
		b.SetBytes(int64(len(base)))
		for b.Loop() {
			archive.MergeText(base, ours, theirs, false)
		}
	})
	b.Run("dossier", func(b *testing.B) {
		zhang := newIdentity(b)
		a := newArchive(b, zhang)
		ids := []*archive.Identity{zhang}
		for _, m := range []string{"li", "su", "wang"} {
			id := newIdentity(b)
			ids = append(ids, id)
			if err := a.AddMember(ctx, member(m, []string{"clerk"}, id)); err != nil {
				b.Fatal(err)
			}
		}
		var rs []age.Recipient
		for _, id := range ids {
			r, _ := archive.ParseRecipient(id.Recipient)
			rs = append(rs, r)
		}
		enc := func(p []byte) []byte {
			ct, err := archive.Encrypt(p, rs...)
			if err != nil {
				b.Fatal(err)
			}
			return ct
		}
		cb, co, ct := enc(base), enc(ours), enc(theirs)
		who := []string{"li", "su", "wang", "zhang"}
		pinned := func(string) ([]string, bool) { return who, true }
		for b.Loop() {
			r, err := a.MergeDossier("C-000001", cb, co, ct, pinned)
			if err != nil || !r.Clean() {
				b.Fatal(r, err)
			}
		}
	})
}
