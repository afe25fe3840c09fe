package archive_test

import (
	"context"
	"testing"

	"crm/archive"
)

// An own change of keys cut short (RotateOwnKeys; Ctrl-C, a full disk)
// leaves files only the member reads encrypted to the old key, which is
// no member's any more: FinishOwnKeys, with the new keys and the old
// identity, re-encrypts them. A key that was never the member's is
// refused.
func TestFinishOwnKeysAfterInterruption(t *testing.T) {
	old, nu, other := newIdentity(t), newIdentity(t), newIdentity(t)
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
	if _, err := open(old).RotateOwnKeys(cut, nu); archive.CodeOf(err) != archive.Unfinished {
		t.Fatalf("cut short: %v (code %d), want Unfinished", err, archive.CodeOf(err))
	}
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
