package archive_test

import (
	"context"
	"testing"

	"crm/archive"
)

// cutShortRotation is an archive of old's with one 绝密 dossier, id, and
// old's change of its own keys to nu cut short at once (RotateOwnKeys
// under a cancelled context): the archive that was changing them, which
// works as nu with a key that also opens old's files, and a way to open
// the archive as an identity.
func cutShortRotation(t *testing.T) (id string, old, nu *archive.Identity, rotating *archive.Archive, open func(*archive.Identity) *archive.Archive) {
	t.Helper()
	old, nu = newIdentity(t), newIdentity(t)
	a := newArchive(t, old)
	id, err := a.Create([]byte(sample), "绝密")
	if err != nil {
		t.Fatal(err)
	}
	open = func(k *archive.Identity) *archive.Archive {
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
	rotating = open(old)
	if _, err := rotating.RotateOwnKeys(cut, nu); archive.CodeOf(err) != archive.Unfinished {
		t.Fatalf("cut short: %v (code %d), want Unfinished", err, archive.CodeOf(err))
	}
	return id, old, nu, rotating, open
}

// An own change of keys cut short (RotateOwnKeys; Ctrl-C, a full disk)
// leaves files only the member reads encrypted to the old key, which is
// no member's any more: FinishOwnKeys, with the new keys and the old
// identity, re-encrypts them. A key that was never the member's is
// refused.
func TestFinishOwnKeysAfterInterruption(t *testing.T) {
	id, old, nu, _, open := cutShortRotation(t)
	other := newIdentity(t)
	if _, err := open(nu).Read(id); err == nil {
		t.Fatal("the new key read a file the cut-short change left to the old one")
	}
	if _, err := open(nu).FinishOwnKeys(ctx, other); archive.CodeOf(err) != archive.Denied {
		t.Fatalf("a key never the member's: %v, want Denied", err)
	}
	n, err := open(nu).FinishOwnKeys(ctx, old)
	if err != nil || n != 1 {
		t.Fatalf("finish: %d, %v", n, err)
	}
	if _, err := open(nu).Read(id); err != nil {
		t.Fatalf("after finishing: %v", err)
	}
	if ps, err := open(nu).Verify(ctx); err != nil || len(ps) > 0 {
		t.Fatalf("verify: %v %v", ps, err)
	}
}
