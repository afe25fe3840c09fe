package archive_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
)

// Secrecy is by recipients (DESIGN.md principle 3): adding a clerk
// re-encrypts the 秘密 dossiers to them, removing the role re-encrypts
// without them, and the recovery key can always decrypt.
func TestRecipientsFollowRoles(t *testing.T) {
	dir := t.TempDir()
	mgr, clerk, rec := newIdentity(t), newIdentity(t), newIdentity(t)
	a, err := archive.Init(ctx, filepath.Join(dir, "arc"), mgr, archive.InitOptions{Founder: archive.Member{ID: "zhang", Name: "张三"}, Recovery: rec.Recipient}, fixed)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := a.Create([]byte(sample), "秘密")
	if err != nil {
		t.Fatal(err)
	}
	top, err := a.Create([]byte(sample), "绝密")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.State.Dossiers[secret].Recipients; !slices.Equal(got, []string{"zhang", archive.Recovery}) {
		t.Fatalf("recipients %v", got)
	}
	canRead := func(id *archive.Identity, dossier string) bool {
		ct, err := os.ReadFile(filepath.Join(a.Dir, "dossiers", dossier+".age"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = archive.Decrypt(ct, id.Age)
		return err == nil
	}
	if canRead(clerk, secret) {
		t.Fatal("a stranger reads a dossier")
	}
	if err := a.AddMember(ctx, member("li", []string{"clerk"}, clerk)); err != nil {
		t.Fatal(err)
	}
	if !canRead(clerk, secret) || canRead(clerk, top) {
		t.Fatal("after adding a clerk: the clerk must read 秘密 and not 绝密")
	}
	if !canRead(rec, secret) || !canRead(rec, top) {
		t.Fatal("the recovery key must read everything")
	}
	topSHA := a.State.Dossiers[top].SHA256
	if err := a.SetRoles(ctx, "li", []string{"sales"}); err != nil {
		t.Fatal(err)
	}
	if canRead(clerk, secret) {
		t.Fatal("a member whose reader role was removed still reads")
	}
	if a.State.Dossiers[top].SHA256 != topSHA {
		t.Fatal("a dossier whose recipients did not change was rewritten")
	}
	ps, err := a.Verify(ctx)
	if err != nil || len(ps) != 0 {
		t.Fatalf("verify: %v %v", ps, err)
	}
}

// A concurrent change between reading and writing is refused (compare and
// swap on the ciphertext hash), and the archive is left as it was.
func TestUpdateConflict(t *testing.T) {
	mgr := newIdentity(t)
	a := newArchive(t, mgr)
	id, err := a.Create([]byte(sample), "")
	if err != nil {
		t.Fatal(err)
	}
	o, err := a.Read(id)
	if err != nil {
		t.Fatal(err)
	}
	// Another process edits first.
	b, err := archive.Open(ctx, a.Dir, fixed)
	if err != nil {
		t.Fatal(err)
	}
	b.SetIdentity(mgr)
	if _, _, err := b.Update(id, o.SHA256, o.Text, []byte(sample+"notes: b\n")); err != nil {
		t.Fatal(err)
	}
	before := a.State.Journal.Events
	_, _, err = a.Update(id, o.SHA256, o.Text, []byte(sample+"notes: a\n"))
	if err == nil {
		t.Fatal("a stale update was accepted")
	}
	o2, err := a.Read(id)
	if err != nil || string(o2.Text) != sample+"notes: b\n" {
		t.Fatalf("after the refused update: %q %v", o2.Text, err)
	}
	if len(a.State.Journal.Events) != len(before)+1 {
		t.Fatalf("journal has %d events, want %d", len(a.State.Journal.Events), len(before)+1)
	}
}

// One damaged file does not stop the others being closed to a member whose
// reader role was taken away.
func TestRekeyGoesPastADamagedFile(t *testing.T) {
	mgr, sup := newIdentity(t), newIdentity(t)
	a := newArchive(t, mgr)
	if err := a.AddMember(ctx, member("li", []string{"supervisor"}, sup)); err != nil {
		t.Fatal(err)
	}
	first, _ := a.Create([]byte(sample), "机密")
	second, _ := a.Create([]byte(sample), "机密")
	f, _ := os.OpenFile(filepath.Join(a.Dir, "dossiers", first+".age"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("x")
	f.Close()
	if err := a.SetRoles(ctx, "li", []string{"clerk"}); err == nil {
		t.Fatal("a damaged file was re-encrypted without complaint")
	}
	ct, _ := os.ReadFile(filepath.Join(a.Dir, "dossiers", second+".age"))
	if _, err := archive.Decrypt(ct, sup.Age); err == nil {
		t.Fatal("the undamaged file still opens with the demoted member's key")
	}
}

// A process that loaded the journal before another wrote a dossier reads
// the new file, not an integrity error; and a write interrupted between
// journaling and renaming is finished by the next command.
func TestReadAfterConcurrentWriteAndRollForward(t *testing.T) {
	mgr := newIdentity(t)
	a := newArchive(t, mgr)
	id, _ := a.Create([]byte(sample), "")
	stale, _ := archive.Open(ctx, a.Dir, fixed)
	stale.SetIdentity(mgr)
	o, _ := a.Read(id)
	if _, _, err := a.Update(id, o.SHA256, o.Text, []byte(sample+"notes: new\n")); err != nil {
		t.Fatal(err)
	}
	got, err := stale.Read(id)
	if err != nil || !strings.Contains(string(got.Text), "notes: new") {
		t.Fatalf("stale reader: %v", err)
	}
	// Simulate a crash after journaling: move the new file back to a
	// temp name and put the old one in place.
	final := filepath.Join(a.Dir, "dossiers", id+".age")
	newCT, _ := os.ReadFile(final)
	os.WriteFile(filepath.Join(a.Dir, "dossiers", ".tmp-"+id+"-123"), newCT, 0o644)
	os.WriteFile(final, []byte("old"), 0o644)
	ps, err := a.Verify(ctx)
	if err != nil || len(ps) != 0 {
		t.Fatalf("verify did not finish the interrupted write: %v %v", ps, err)
	}
	if b, _ := os.ReadFile(final); string(b) != string(newCT) {
		t.Fatal("the pinned file was not put in place")
	}
}

// The second destruction approval must follow the first through the
// journal's links; a later timestamp on a sibling event is not enough.
func TestApprovalOrderIsByLinks(t *testing.T) {
	mgr, sup := newIdentity(t), newIdentity(t)
	a := newArchive(t, mgr)
	if err := a.AddMember(ctx, member("li", []string{"supervisor"}, sup)); err != nil {
		t.Fatal(err)
	}
	id, _ := a.Create([]byte(sample), "")
	r, err := a.DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	request := a.State.Journal.Heads
	b, _ := archive.Open(ctx, a.Dir, fixed)
	b.SetIdentity(sup)
	if _, err := b.DestroyApprove(r.ID); err != nil {
		t.Fatal(err)
	}
	// The manager's approval, linked only to the request (a sibling of the
	// supervisor's step 1) but dated later.
	t2 := fixed().Add(time.Hour)
	ev, err := journal.Sign(journal.Header{Kind: "destroy.approve", Time: t2, Actor: "zhang", Dossier: id, Prev: request}, &archive.DestroyApprove{Request: r.ID, Step: 2}, mgr.Signer())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := journal.Parse(ev)
	os.WriteFile(filepath.Join(a.Dir, "journal", "2026", "11", t2.UTC().Format("20060102T150405Z")+"-"+e.Hash+".yaml"), ev, 0o644)
	c, err := archive.Open(ctx, a.Dir, func() time.Time { return t2 })
	if err != nil {
		t.Fatal(err)
	}
	// Replay orders the two siblings by hash: either the manager's step
	// comes second and does not follow step 1, or first and is not the
	// step the chain waits for. Either way it is a problem, not counted.
	ps, _ := c.Verify(ctx)
	// Replay orders the two siblings by hash (keys are random): the forged
	// one comes after step 1 without following it, or before it.
	found := false
	for _, p := range ps {
		found = found || strings.HasSuffix(p.Path, e.Hash+".yaml")
	}
	if !found {
		t.Fatalf("a sibling approval was accepted: %v", ps)
	}
	if n := len(c.State.Destructions[r.ID].Approvals); n != 1 {
		t.Fatalf("%d approvals count, want 1", n)
	}
}

// A key rotated in one clone while another created a dossier: the file
// still opens with the old key. maintain, run as the command runs it (on
// the snapshot, its steps under the lock), re-encrypts it: a snapshot
// keeps no journal, so an archive with rotations is replayed for this.
func TestMaintainRekeysStaleKeysFromSnapshot(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.create("秘密")
	// Here, concurrently, the manager creates one encrypted to li's old key.
	id2, _ := f.rotateLiWhile("zhang")
	f.settle()
	f.reader("li", f.clock) // some command saves the snapshot
	a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryNone})
	rep, err := a.Maintain(ctx, classify.Period{Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Rekeyed, id2) {
		t.Fatalf("maintain did not re-encrypt %s, which still opens with li's old key: rekeyed %v", id2, rep.Rekeyed)
	}
	f.verifyClean()
	// Again, on the snapshot advanced by that re-encryption: nothing is
	// stale any more.
	f.settle()
	b := f.openAs("zhang", archive.OpenOptions{Snapshot: true, SnapshotSteps: true, Summary: archive.SummaryNone})
	if rep, err := b.Maintain(ctx, classify.Period{Days: 14}); err != nil || len(rep.Rekeyed) != 0 || !b.FromSnapshot() {
		t.Fatalf("second run re-encrypted %v (%v), from the snapshot: %v", rep.Rekeyed, err, b.FromSnapshot())
	}
}

// A member's key is rotated in one clone while, in another that has not
// heard of it, the member creates a dossier with the old key. After the
// merge the creation stands, whichever of the two the merge orders first
// (that depends on the events' hashes): an event is judged by the key its
// actor held in its causal past. An event that follows the rotation,
// signed with the old key, is refused as forged.
func TestConcurrentRotationKeepsWorkSignedWithTheOldKey(t *testing.T) {
	orders := map[bool]bool{}
	for try := 0; try < 16 && len(orders) < 2; try++ {
		f := newFixture(t)
		f.now = f.now.Add(time.Duration(try) * time.Minute) // other hashes
		id, old := f.rotateLiWhile("li")
		nu := f.ids["li"]
		c := f.cold("zhang")
		if d := c.State.Dossiers[id]; d == nil || d.Status != archive.StatusActive {
			t.Fatalf("try %d: li's creation with the key before the rotation was refused: %v", try, c.State.Problems)
		}
		createdFirst := false
		for _, e := range c.State.Journal.Events {
			if e.Kind == archive.KindDossierCreate && e.Dossier == id {
				createdFirst = true
				break
			}
			if e.Kind == archive.KindMemberRotate {
				break
			}
		}
		orders[createdFirst] = true
		// The file opens with li's old key, with what li's clone held
		// already: a note for a writer's next step, not a problem that would
		// keep li's work from being pushed.
		v := f.as("zhang")
		if ps, err := v.Verify(ctx); err != nil || len(ps) != 0 {
			t.Fatalf("try %d: verify before maintain: %v %v", try, ps, err)
		}
		if ns := v.VerifyNotes(); len(ns) != 1 || !strings.Contains(ns[0].Msg, "had not heard of the change of keys of [li]") {
			t.Fatalf("try %d: notes %v", try, ns)
		}
		// maintain re-encrypts the file still open to the old key.
		if rep, err := f.as("zhang").Maintain(ctx, classify.Period{Days: 14}); err != nil || !slices.Contains(rep.Rekeyed, id) {
			t.Fatalf("try %d: maintain rekeyed %v: %v", try, rep.Rekeyed, err)
		}
		f.verifyClean()
		// On top of the rotation, the old key signs nothing.
		f.ids["li"] = old
		f.writeEvent("li", archive.KindReview, id, &archive.ReviewData{Quarter: "2026Q4", Note: "旧钥匙"})
		ps, err := f.as("zhang").Verify(ctx)
		if err != nil || len(ps) != 1 || !strings.Contains(ps[0].Msg, "signature does not verify") {
			t.Fatalf("try %d: an event signed with the old key after the rotation: %v %v", try, ps, err)
		}
		f.ids["li"] = nu
	}
	if len(orders) < 2 {
		t.Fatalf("the merge ordered the creation and the rotation one way only in 16 tries: %v", orders)
	}
}

// A rotation written by hand, without the re-encryption crm does with it:
// the files written before it still open with the old key, which verify
// names as a problem (a rekey settles it).
func TestFilesWrittenBeforeARotationStillOpenWithTheOldKey(t *testing.T) {
	f := newFixture(t)
	id := f.create("秘密")
	nu := newIdentity(t)
	f.writeEvent("zhang", archive.KindMemberRotate, "", &archive.MemberRotate{Member: "li", Recipient: nu.Recipient, SigningKey: nu.SigningKey()})
	ps, err := f.as("zhang").Verify(ctx)
	found := false
	for _, p := range ps {
		found = found || strings.HasSuffix(p.Path, id+".age") && strings.Contains(p.Msg, "still opens with the old keys of [li]")
	}
	if err != nil || !found {
		t.Fatalf("verify: %v %v", ps, err)
	}
	if n, err := f.as("zhang").Rekey(ctx); n != 1 || err != nil {
		t.Fatalf("rekey: %d %v", n, err)
	}
	for _, p := range mustVerify(t, f) {
		if strings.Contains(p.Msg, "old keys") {
			t.Fatalf("after rekey: %v", p)
		}
	}
}

func mustVerify(t *testing.T, f *fixture) []archive.Problem {
	t.Helper()
	ps, err := f.as("zhang").Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// rotateLiWhile gives li new keys in a clone while, here, member who
// creates a 秘密 dossier (with li's old key among its recipients, and
// with li's old signing key if who is li), then merges the clone in as
// git would (its events, its files, li's member file). It returns the
// dossier and li's old identity; f.ids["li"] is the new one.
func (f *fixture) rotateLiWhile(who string) (id string, old *archive.Identity) {
	f.t.Helper()
	base := f.t.TempDir()
	copyTree(f.t, f.dir, base)
	g := f.clone()
	old, nu := f.ids["li"], newIdentity(f.t)
	if _, err := g.as("zhang").RotateMember(ctx, "li", nu.Recipient, nu.SigningKey()); err != nil {
		f.t.Fatal(err)
	}
	id = f.createAs(who, "customer:\n  name: 测试\nowner: 李四\n", "秘密")
	f.pull(g, base)
	m, _ := os.ReadFile(filepath.Join(g.dir, "members", "li.yaml"))
	os.WriteFile(filepath.Join(f.dir, "members", "li.yaml"), m, 0o644) // git brings it too
	f.ids["li"] = nu
	return id, old
}

// The holder of a manager's lost key cannot undo the rotation another
// manager made of it: a rotation signed with the old key, written as if
// before the real one, is refused wherever the merge orders it after it
// (a step on members is checked against the key at its place, not its
// causal past), and the real rotation stands whichever comes first.
// (A member who rotates their own keys with the lost one cannot be told
// from the thief: a lost key is rotated by another manager.)
func TestLostKeyCannotRotateOverTheRealRotation(t *testing.T) {
	orders := map[bool]bool{}
	for try := 0; try < 16 && len(orders) < 2; try++ {
		f := newFixture(t)
		f.now = f.now.Add(time.Duration(try) * time.Minute)
		f.ids["qin"] = newIdentity(t)
		if err := f.as("zhang").AddMember(ctx, member("qin", []string{"manager"}, f.ids["qin"])); err != nil {
			t.Fatal(err)
		}
		base := t.TempDir()
		copyTree(t, f.dir, base)
		g := f.clone()
		nu, thief := newIdentity(t), newIdentity(t)
		if _, err := g.as("qin").RotateMember(ctx, "zhang", nu.Recipient, nu.SigningKey()); err != nil {
			t.Fatal(err)
		}
		forged := f.writeEvent("zhang", archive.KindMemberRotate, "", &archive.MemberRotate{Member: "zhang", Recipient: thief.Recipient, SigningKey: thief.SigningKey()})
		f.pull(g, base)
		m, _ := os.ReadFile(filepath.Join(g.dir, "members", "zhang.yaml"))
		os.WriteFile(filepath.Join(f.dir, "members", "zhang.yaml"), m, 0o644)
		c := f.cold("wang")
		after, seenReal := false, false
		for _, e := range c.State.Journal.Events {
			if e.Kind == archive.KindMemberRotate && e.Hash != forged.Hash {
				seenReal = true
			}
			if e.Hash == forged.Hash {
				after = seenReal
				break
			}
		}
		orders[after] = true
		if got := c.State.Members["zhang"].SigningKey; got != nu.SigningKey() {
			t.Fatalf("try %d (forged rotation ordered after the real one: %v): zhang's signing key is not the real rotation's (problems %v)", try, after, c.State.Problems)
		}
	}
	if len(orders) < 2 {
		t.Fatalf("the merge ordered the two rotations one way only in 16 tries: %v", orders)
	}
}

// forgeAt writes an event signed with key as member, linking to prev (not
// the journal's heads), varying data (via mk) until ok accepts its hash:
// the hash decides where the merge orders concurrent events, and the
// writer chooses it.
func (f *fixture) forgeAt(member string, key *archive.Identity, kind journal.Kind, dossier string, prev []string, mk func(i int) any, ok func(hash string) bool) *journal.Event {
	f.t.Helper()
	return f.forgeAtTime(member, key, kind, dossier, f.now, prev, mk, ok)
}

// forgeAtTime is forgeAt with the event's date.
func (f *fixture) forgeAtTime(member string, key *archive.Identity, kind journal.Kind, dossier string, at time.Time, prev []string, mk func(i int) any, ok func(hash string) bool) *journal.Event {
	f.t.Helper()
	for i := 0; i < 1<<16; i++ {
		b, err := journal.Sign(journal.Header{Kind: kind, Time: at, Actor: member, Dossier: dossier, Prev: prev}, mk(i), key.Signer())
		if err != nil {
			f.t.Fatal(err)
		}
		if e := f.parseEvent(b); ok(e.Hash) {
			return f.putEvent(e, b)
		}
	}
	f.t.Fatal("no hash found")
	return nil
}

// A stolen key, long after its rotation was merged, writes steps linking
// only to the events before the rotation, hashed to be ordered last: a
// legal hold on a dossier created after the rotation, and a 核定 of it.
// Neither takes effect: only work bounded by its own causal past (a new
// dossier, the content or 核定 of a dossier it follows the creation of)
// is judged by the key before the rotation.
func TestStolenKeyCannotActOnWhatFollowsItsRotation(t *testing.T) {
	f := newFixture(t)
	f.ids["qin"] = newIdentity(t)
	if err := f.as("zhang").AddMember(ctx, member("qin", []string{"manager"}, f.ids["qin"])); err != nil {
		t.Fatal(err)
	}
	heads0 := f.as("zhang").State.Journal.Heads
	stolen, nu := f.ids["zhang"], newIdentity(t)
	if _, err := f.as("qin").RotateMember(ctx, "zhang", nu.Recipient, nu.SigningKey()); err != nil {
		t.Fatal(err)
	}
	f.ids["zhang"] = nu
	id := f.create("秘密") // after the rotation, by li
	last := ""
	for h := range f.cold("wang").State.Journal.ByHash {
		last = max(last, h)
	}
	f.forgeAt("zhang", stolen, archive.KindHold, id, heads0,
		func(i int) any { return &archive.HoldData{Reason: fmt.Sprintf("thief %d", i)} },
		func(h string) bool { return h > last })
	f.forgeAt("zhang", stolen, archive.KindReview, id, heads0,
		func(i int) any { return &archive.ReviewData{Quarter: "2026Q4", Note: fmt.Sprintf("thief %d", i)} },
		func(h string) bool { return h > last })
	c := f.cold("wang")
	if d := c.State.Dossiers[id]; d.OnHold() || len(d.Reviews) != 0 {
		t.Fatalf("the rotated-away key acted on %s, created after the rotation: hold %v, reviews %v", id, d.OnHold(), d.Reviews)
	}
	if len(c.State.Problems) != 2 {
		t.Fatalf("problems %v, want the two forged steps", c.State.Problems)
	}
}
