package archive_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"crm/archive"
	"crm/archive/journal"
	"crm/classify"
)

// `crm list` with a key (ListBrief) reads the dossiers' rows and a digest
// of each readable dossier kept with the plaintext cache, trusted on its
// file's stamp: it says what decrypting every dossier says (List), for
// every member, through edits, loans and a tampered file.

// briefOf is what `crm list` gives member id now: ListBrief on the rows of
// the snapshot, with the plaintext cache and the digests.
func (f *fixture) briefOf(id string) (*archive.Archive, []archive.ListEntry, error) {
	f.t.Helper()
	a := f.openAs(id, archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
	a.EnableCache(f.cache)
	list, err := a.ListBrief(ctx)
	if serr := a.SaveCache(); serr != nil {
		f.t.Fatal(serr)
	}
	return a, list, err
}

// sameBriefAsList fails unless ListBrief says for member id what List
// with decryption says on a cold replay without any cache, and returns
// how many files ListBrief read and how many dossiers it lists readable.
func (f *fixture) sameBriefAsList(id string) (read, readable int) {
	f.t.Helper()
	a, got, err := f.briefOf(id)
	if err != nil {
		f.t.Fatal(err)
	}
	cold, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, Identity: f.ids[id]})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := cold.SetIdentity(f.ids[id]); err != nil {
		f.t.Fatal(err)
	}
	want, err := cold.List(ctx, true)
	if err != nil {
		f.t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		f.t.Fatalf("%s: the brief list differs from a cold decrypting one:\n got %s\nwant %s", id, g, w)
	}
	for _, en := range got {
		if en.Readable {
			readable++
		}
	}
	return a.ListFilesRead(), readable
}

// racyWindow sets journal.RacyWindow for the test: 0 trusts the stamp of
// a file written a moment ago (a test cannot wait for it to age).
func racyWindow(t *testing.T, d time.Duration) {
	t.Cleanup(journal.KeepRacyWindow())
	journal.SetRacyWindow(d)
}

func TestListBriefIsList(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipped: no file stamps on Windows (stamp_other.go), so the brief list hashes every file each time")
	}
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history() // zhao (who reads no level) has ids[0] on loan
	if _, _, err := f.as("su").SetCredit(ids[2], "D", "拖欠货款"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetTier(ids[2], "重点", "战略客户"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.reader("li", f.clock) // saves the snapshot
	for id := range f.ids {
		// The first list reads every file the member can read; the
		// second none: the digests serve, on the stamps.
		if n, readable := f.sameBriefAsList(id); n != readable {
			t.Fatalf("%s: the first list read %d files for %d readable dossiers", id, n, readable)
		}
		if n, _ := f.sameBriefAsList(id); n != 0 {
			t.Fatalf("%s: the second list read %d files", id, n)
		}
	}
	if _, readable := f.sameBriefAsList("zhao"); readable != 1 {
		t.Fatalf("zhao reads %d dossiers, want the one on loan", readable)
	}

	// An edit: the new file is read, the others not.
	a := f.as("li")
	o, err := a.Read(ids[2])
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(o.Text), "测试", "测试贸易有限公司", 1) + "yearly_sales: 1200000\n"
	if _, _, err := a.Update(ids[2], o.SHA256, o.Text, []byte(text)); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if n, _ := f.sameBriefAsList("li"); n != 1 {
		t.Fatalf("after an edit the list read %d files, want 1", n)
	}
	_, list, _ := f.briefOf("li")
	if en := findEntry(list, ids[2]); en.Name != "测试贸易有限公司" || en.Credit != "D" || !en.Dangerous || en.Tier != "重点" {
		t.Fatalf("edited dossier listed as %+v", en)
	}

	// The loan returned: zhao no longer reads it, though the file is still
	// encrypted to him until a writer's next step (its digest is not used).
	ls := f.as("zhao").Loans(false)
	if _, err := f.as("zhao").BorrowReturn(ls[0].ID, true, ""); err != nil {
		t.Fatal(err)
	}
	f.settle()
	if _, readable := f.sameBriefAsList("zhao"); readable != 0 {
		t.Fatalf("zhao still reads %d dossiers after the return", readable)
	}

	// A damaged digests file is made again.
	digests := filepath.Join(f.cacheFolderOf(t, "li"), "digests")
	if err := os.WriteFile(digests, []byte("crm-list-digests-v2\nnot sealed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.sameBriefAsList("li"); n == 0 {
		t.Fatal("a damaged digests file was used")
	}
	if n, _ := f.sameBriefAsList("li"); n != 0 {
		t.Fatalf("the digests were not made again: %d files read", n)
	}
}

// A file changed outside crm is an error, even when its size and
// modification time were put back (its change time cannot be).
func TestListBriefTamperedFile(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	f.sameBriefAsList("li")
	path := filepath.Join(f.dir, archive.DossierPath(ids[2]))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	bad := append([]byte{}, good...)
	bad[len(bad)-1] ^= 1
	time.Sleep(10 * time.Millisecond) // a change time after the stamp's
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, fi.ModTime(), fi.ModTime())
	_, list, err := f.briefOf("li")
	if err == nil || !strings.Contains(err.Error(), "changed outside crm") || archive.CodeOf(err) != archive.Integrity {
		t.Fatalf("a tampered file listed without an error: %v", err)
	}
	if findEntry(list, ids[2]).Readable {
		t.Fatal("the tampered dossier is listed with a name")
	}
	// A cold List says the same: the others listed and graded, the file
	// named.
	want, lerr := f.cold("li").List(ctx, true)
	g, _ := json.Marshal(list)
	w, _ := json.Marshal(want)
	if string(g) != string(w) || lerr == nil || !strings.Contains(lerr.Error(), archive.DossierPath(ids[2])) {
		t.Fatalf("brief and cold list differ with a damaged file (%v):\n got %s\nwant %s", lerr, g, w)
	}
	// Put back, it is listed again.
	os.WriteFile(path, good, 0o644)
	f.sameBriefAsList("li")
	// A missing file is an error too.
	os.Remove(path)
	if _, _, err := f.briefOf("li"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a missing file listed without an error: %v", err)
	}
}

// A file written within the racy window is hashed again next time: a
// change in the same clock tick as the hashing cannot go unseen.
func TestListBriefRacyFile(t *testing.T) {
	racyWindow(t, time.Hour)
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	first, _ := f.sameBriefAsList("li")
	if first == 0 {
		t.Fatal("the first list read no file")
	}
	if n, _ := f.sameBriefAsList("li"); n != first {
		t.Fatalf("files written a moment ago were trusted on their stamps: %d of %d read", n, first)
	}
}

func findEntry(list []archive.ListEntry, id string) archive.ListEntry {
	for _, en := range list {
		if en.ID == id {
			return en
		}
	}
	return archive.ListEntry{}
}

// cacheFolderOf is member id's plaintext cache folder.
func (f *fixture) cacheFolderOf(t *testing.T, id string) string {
	t.Helper()
	a := f.as(id)
	return filepath.Join(f.cache, a.State.ArchiveID+"-"+id)
}

// AssessAll (classify suggest) on the rows and digests says what Assess of
// a cold decrypting List says, for every member, now and once secrecy
// periods have run out.
func TestAssessAllIsAssess(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	f.createAs("zhang", "customer:\n  name: 要害客户\nowner: 李四\nrelationship: 直接影响公司权益\nyearly_sales: 5000\n", "")
	f.createAs("su", "customer:\n  name: 合资\nowner: 王五\nrelationship: 重要业务往来\nyearly_sales: 90000\ncredit_survey:\n  score: 35\n", "")
	if _, _, err := f.as("su").SetCredit(ids[2], "B", "复核"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.as("su").SetTier(ids[0], "潜在", "暂停合作"); err != nil {
		t.Fatal(err)
	}
	f.settle()
	f.reader("li", f.clock)
	same := func(when string) {
		t.Helper()
		for id := range f.ids {
			cold, err := archive.OpenWith(ctx, f.dir, archive.OpenOptions{Clock: f.clock, Identity: f.ids[id]})
			if err != nil {
				t.Fatal(err)
			}
			if err := cold.SetIdentity(f.ids[id]); err != nil {
				t.Fatal(err)
			}
			list, _ := cold.List(ctx, true)
			w, _ := json.Marshal(cold.Assess(list))
			for run := range 2 { // making the digests, then from them
				a := f.openAs(id, archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
				a.EnableCache(f.cache)
				xs, err := a.AssessAll(ctx, "")
				if err != nil {
					t.Fatal(err)
				}
				a.SaveCache()
				if g, _ := json.Marshal(xs); string(g) != string(w) {
					t.Fatalf("%s, %s, run %d: AssessAll differs from Assess:\n got %s\nwant %s", id, when, run, g, w)
				}
			}
			// One dossier's, graded among all (classify suggest ID).
			for _, x := range cold.Assess(list) {
				one, _ := f.openAs(id, archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows}).AssessAll(ctx, x.ID)
				g, _ := json.Marshal(one)
				w, _ := json.Marshal([]archive.Assessment{x})
				if string(g) != string(w) {
					t.Fatalf("%s, %s: AssessAll of %s:\n got %s\nwant %s", id, when, x.ID, g, w)
				}
			}
		}
	}
	same("now")
	// Eleven years on the secrecy periods have run out (R7.2.4) ...
	f.now = f.now.Add(11 * 366 * 24 * time.Hour)
	same("11 years on")
	// ... and maintain records the declassifications.
	if rep, err := f.as("zhang").Maintain(ctx, classify.Period{Days: 14}); err != nil || rep.Declassified == 0 {
		t.Fatalf("declassified %+v: %v", rep, err)
	}
	f.settle()
	same("declassified")
}

// A summary state resolves and looks up ids from its rows: short forms,
// unknown ids (what classify suggest ID does before reading the rows).
func TestSummaryResolvesIDs(t *testing.T) {
	f := newFixture(t)
	ids := f.history()
	f.settle()
	f.reader("li", f.clock)
	a := f.openAs("li", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
	if !a.Partial() {
		t.Fatal("not a summary state")
	}
	for _, short := range []string{"1", "c-1", "C-000001", strings.ToLower(ids[0])} {
		id, err := a.ResolveID(short)
		if err != nil || id != ids[0] {
			t.Fatalf("%s: %q %v", short, id, err)
		}
		if d, err := a.Lookup(id); err != nil || d.ID != ids[0] || d.Level != "秘密" {
			t.Fatalf("lookup %s: %+v %v", id, d, err)
		}
	}
	if _, err := a.ResolveID("C-000099"); err == nil || !strings.Contains(err.Error(), "no dossier C-000099") {
		t.Fatalf("an unknown id: %v", err)
	}
}

// A plaintext cache that cannot be written (a full disk, a file where its
// folder should be) costs the digests, not the names: the list stands.
func TestListBriefCacheNotWritable(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	f.settle()
	f.reader("li", f.clock)
	folder := f.cacheFolderOf(t, "li")
	os.RemoveAll(folder)
	if err := os.WriteFile(folder, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := f.openAs("li", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
	a.EnableCache(f.cache)
	brief, err := a.ListBrief(ctx)
	if err == nil {
		t.Fatal("no word of the cache that was not written")
	}
	named := 0
	for _, en := range brief {
		if en.Readable && en.Name != "" {
			named++
		}
	}
	if named != 2 { // li reads 秘密 and 内部
		t.Fatalf("%d dossiers named, want 2: %v", named, err)
	}
}

// Maintain takes a dossier's digest by the hash the journal pins its file
// with (listDigests, byHash): what it checks (visits, complaints) is the
// content the journal vouches for. It does not stat every file, so a file
// changed outside crm is not its to find: list (above), show and verify
// report it.
func TestMaintainTakesDigestsByHash(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	f.settle()
	run := func() *archive.MaintainReport {
		t.Helper()
		a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
		a.EnableCache(f.cache)
		rep, err := a.Maintain(ctx, classify.Period{Days: 14})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SaveCache(); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	first := run()
	if first.Unchecked != 0 {
		t.Fatalf("%d dossiers unchecked", first.Unchecked)
	}
	path := filepath.Join(f.dir, archive.DossierPath(ids[2]))
	b, _ := os.ReadFile(path)
	b[len(b)-1] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	second := run()
	g, _ := json.Marshal([]any{first.Visits, first.Complaints})
	w, _ := json.Marshal([]any{second.Visits, second.Complaints})
	if string(g) != string(w) || second.Unchecked != 0 || len(second.Errors) != 0 {
		t.Fatalf("maintain read the changed file: errors %v\n got %s\nwant %s", second.Errors, w, g)
	}
	if _, _, err := f.briefOf("zhang"); err == nil || !strings.Contains(err.Error(), "changed outside crm") {
		t.Fatalf("list did not find the changed file: %v", err)
	}
}

// The tier maintain checks a dossier's visits by is the one list gives it
// (override, tier written, else the ABC grade over every dossier read).
func TestMaintainTiersAreListTiers(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	ids := f.history()
	for i, tier := range []string{"重点", "普通"} {
		if _, _, err := f.as("zhang").SetTier(ids[i], tier, "测试"); err != nil {
			t.Fatal(err)
		}
	}
	f.settle()
	_, list, err := f.briefOf("zhang")
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.AddDate(1, 0, 0) // every visit due
	a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
	a.EnableCache(f.cache)
	rep, err := a.Maintain(ctx, classify.Period{Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	cadenced := 0 // readable, of a tier visited on a cadence
	for _, en := range list {
		if en.Readable && (en.Tier == "重点" || en.Tier == "普通") {
			cadenced++
		}
	}
	if cadenced < 2 || len(rep.Visits) != cadenced {
		t.Fatalf("%d visits due of %d dossiers visited on a cadence", len(rep.Visits), cadenced)
	}
	for _, v := range rep.Visits {
		if en := findEntry(list, v.ID); v.Tier == "" || v.Tier != en.Tier {
			t.Fatalf("maintain checks %s as tier %q, list gives %q", v.ID, v.Tier, en.Tier)
		}
	}
}

// Maintain's first run, with no digests file, decrypts every dossier the
// key opens and is made under the budget; a run with the digests of all
// rows is not paced (its collector stays off while it is small). The
// digests file's records digestsLack counted stay for the listing.
func TestMaintainPacesWithoutDigests(t *testing.T) {
	racyWindow(t, 0)
	f := newFixture(t)
	f.history()
	f.settle()
	archive.SetPaceDigests(t, 2)
	open := func() *archive.Archive {
		t.Helper()
		a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows})
		a.EnableCache(f.cache)
		return a
	}
	a := open()
	if !a.DigestsLack() {
		t.Fatal("no digests yet, and maintain would not pace")
	}
	if _, err := a.Maintain(ctx, classify.Period{Days: 14}); err != nil {
		t.Fatal(err)
	}
	if a.ListFilesRead() < 2 {
		t.Fatalf("the first run read %d files", a.ListFilesRead())
	}
	if err := a.SaveCache(); err != nil {
		t.Fatal(err)
	}
	a = open()
	if a.DigestsLack() {
		t.Fatal("every row has its digest, and maintain would pace")
	}
	if _, err := a.Maintain(ctx, classify.Period{Days: 14}); err != nil {
		t.Fatal(err)
	}
	if n := a.ListFilesRead(); n != 0 {
		t.Fatalf("the second run read %d files, with every digest in the file", n)
	}
	if a := f.openAs("zhang", archive.OpenOptions{Snapshot: true, Summary: archive.SummaryRows}); a.DigestsLack() {
		t.Fatal("with no plaintext cache nothing is decrypted for digests, and maintain would pace")
	}
}
