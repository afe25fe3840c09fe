package archive_test

import (
	"testing"
	"time"

	"crm/archive"
)

// R6.7: the requester's own department manager signs, then 客服部
// approves; the approval lasts requests.valid_days; replay checks the same.
func TestStatsRequestRules(t *testing.T) {
	f := newFixture(t)
	_, err := f.as("qian").StatsAccess("monthly")
	wantCode(t, err, archive.Denied, "you (qian, 总经办) have no approved request for the monthly report")
	if r, err := f.as("zhang").StatsAccess("monthly"); r != nil || err != nil {
		t.Fatalf("客服部 needs no request: %v %v", r, err)
	}
	r, err := f.as("qian").RequestStatistics("审计", nil)
	if err != nil || r.EndorsedBy != "" || r.Department != "总经办" {
		t.Fatalf("request %+v %v", r, err)
	}
	_, err = f.as("zhang").ApproveRequest(r.ID)
	wantCode(t, err, archive.Failed, "first needs the signature of a dept_manager of 总经办")
	_, err = f.as("zhao").EndorseRequest(r.ID)
	wantCode(t, err, archive.Denied, "must be signed by a dept_manager of 总经办")
	if _, err := f.as("zhou").EndorseRequest(r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.as("qian").ApproveRequest(r.ID)
	wantCode(t, err, archive.Denied, "needs one of the roles [manager]")
	// Forged: an approval that claims a longer validity.
	ps := f.forge("zhang", archive.KindRequestApprove, "", &archive.RequestApprove{Request: r.ID, Expires: "2027-11-22"})
	wantProblem(t, ps, `expires "2027-11-22", but 30 days from the approval end on 2026-12-21`)
	r, err = f.as("zhang").ApproveRequest(r.ID)
	if err != nil || r.Expires != "2026-12-21" || r.ApprovedBy != "zhang" {
		t.Fatalf("approve %+v %v", r, err)
	}
	if got, err := f.as("qian").StatsAccess("loans"); err != nil || got == nil || got.ID != r.ID {
		t.Fatalf("access with the approval: %v %v", got, err)
	}
	// A dept_manager's own request carries his signature; it covers only
	// what it names.
	own, err := f.as("zhao").RequestStatistics("营销", []string{"monthly"})
	if err != nil || own.EndorsedBy != "zhao" {
		t.Fatalf("own request %+v %v", own, err)
	}
	if _, err := f.as("zhang").ApproveRequest(own.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.as("zhao").StatsAccess("quarterly")
	wantCode(t, err, archive.Denied, "for the quarterly report")
	f.verifyClean()
	// The last valid day, then not any more.
	f.now = time.Date(2026, 12, 21, 23, 0, 0, 0, f.now.Location())
	if _, err := f.as("qian").StatsAccess("monthly"); err != nil {
		t.Fatalf("on its last day: %v", err)
	}
	f.now = f.now.Add(2 * time.Hour)
	_, err = f.as("qian").StatsAccess("monthly")
	wantCode(t, err, archive.Denied, "no approved request")
	if st := f.as("qian").RequestStatus(r); st != archive.RequestExpired {
		t.Fatalf("status %s", st)
	}
}
