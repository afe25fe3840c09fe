package archive_test

import (
	"context"
	"testing"

	"crm/archive"
)

// The tests' memo of decrypted files (decryptRemembered) answers only the
// identity that decrypted a file: an archive in the middle of a change of
// its own keys works as the new recipient with a key that also opens the
// old one's files, and what it read must not let the new key alone read
// a file still encrypted to the old one (found in review: a memo keyed by
// recipient did, and TestFinishOwnKeysAfterInterruption's check then
// depended on the order of reads).
func TestDecryptMemoIsTheIdentitys(t *testing.T) {
	old, nu := newIdentity(t), newIdentity(t)
	a := newArchive(t, old)
	id, err := a.Create([]byte(sample), "绝密")
	if err != nil {
		t.Fatal(err)
	}
	open := func(k *archive.Identity) *archive.Archive {
		t.Helper()
		b, err := archive.OpenWith(ctx, a.Dir, archive.OpenOptions{Clock: fixed, Identity: k})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.SetIdentity(k); err != nil {
			t.Fatalf("SetIdentity: %v", err)
		}
		return b
	}
	cut, cancel := context.WithCancel(ctx)
	cancel()
	r := open(old)
	if _, err := r.RotateOwnKeys(cut, nu); archive.CodeOf(err) != archive.Unfinished {
		t.Fatalf("cut short: %v", err)
	}
	// the same archive, now working as nu that also opens old's files
	_, rerr := r.Read(id)
	if rerr != nil {
		t.Fatalf("the archive changing its keys read its own file: %v", rerr)
	}
	if _, err := open(nu).Read(id); err == nil {
		t.Fatal("the new key read a file the cut-short change left to the old one")
	}
}
