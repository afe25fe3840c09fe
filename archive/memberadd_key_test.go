package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
)

// A member.add whose signing key another member holds (helper-94) would
// let that member sign steps in the new member's name. The step is
// refused when written, and a forged one is a problem on replay: the
// member is not added, so nothing signed in their name counts.
func TestMemberAddWithAnothersSigningKeyIsRefused(t *testing.T) {
	f := newFixture(t)
	li := f.ids["li"]
	sun := newIdentity(t)
	m := archive.Member{ID: "sun", Name: "孙七", Roles: []string{"clerk"}, Recipient: sun.Recipient, SigningKey: li.SigningKey()}
	err := f.as("zhang").AddMember(ctx, m)
	if err == nil || archive.CodeOf(err) != archive.Usage || !strings.Contains(err.Error(), "signing key already belongs to member li") {
		t.Fatalf("added with li's signing key: %v", err)
	}
	if f.as("zhang").State.Members["sun"] != nil {
		t.Fatal("sun was added")
	}
	f.writeEvent("zhang", archive.KindMemberAdd, "", &archive.MemberAdd{Member: m})
	s := f.as("zhang").State
	if s.Members["sun"] != nil {
		t.Fatal("a forged member.add with li's signing key took effect on replay")
	}
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "signing key already belongs to member li") {
		t.Fatalf("problems: %v", s.Problems)
	}
	// A removed member's key is theirs no more: it may be given again.
	if err := f.as("zhang").RemoveMemberBecause(ctx, "zhou", "离职"); err != nil {
		t.Fatal(err)
	}
	m = archive.Member{ID: "zhou2", Name: "周二", Roles: []string{"clerk"}, Recipient: sun.Recipient, SigningKey: f.ids["zhou"].SigningKey()}
	if err := f.as("zhang").AddMember(ctx, m); err != nil {
		t.Fatalf("a removed member's signing key: %v", err)
	}
}
