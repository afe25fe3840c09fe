package archive_test

import (
	"context"
	"testing"

	"crm/archive"
)

// A member added with a cancelled context (the step is journaled, the
// re-encryption does not run): no dossier file may be overwritten with
// a ciphertext that was never made.
func TestAddMemberCancelledKeepsFiles(t *testing.T) {
	f := newFixture(t)
	d := f.create("内部")
	if _, err := f.as("li").Read(d); err != nil {
		t.Fatal(err)
	}
	k := newIdentity(t)
	f.ids["wu"] = k
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	err := f.as("zhang").AddMember(cctx, member("wu", []string{"clerk"}, k))
	t.Logf("AddMember: %v (code %d)", err, archive.CodeOf(err))
	if _, err := f.as("li").Read(d); err != nil {
		t.Fatalf("after a cancelled AddMember li cannot read %s: %v", d, err)
	}
}
