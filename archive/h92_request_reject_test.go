package archive_test

import (
	"testing"

	"crm/archive"
)

// R6.7: statistics go out of 客服部 only under a request its requester's
// department manager signed and 客服部 approved. An approval here and a
// rejection there, written in two clones that had not met, end the
// request rejected whichever order the hashes give them (as a
// destruction's approval and rejection do, R6.10); before, the one the
// merged order put second was superseded, so about half such requests
// stayed approved and their requester could make the reports. Six
// requests give both orders. A rejection cannot take back an approval it
// follows, and a pull that replays gives the same state both ways.
func TestRequestRejectedConcurrentlyWithItsApproval(t *testing.T) {
	var reqs []string
	f, g, base, _ := forkedAfter(t, archive.IDRandom, func(f *fixture, _ []string) {
		for range 6 {
			r, err := f.as("qian").RequestStatistics("审计", []string{"monthly"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.as("zhou").EndorseRequest(r.ID); err != nil {
				t.Fatal(err)
			}
			reqs = append(reqs, r.ID)
		}
	})
	for _, id := range reqs {
		if _, err := f.as("zhang").ApproveRequest(id); err != nil {
			t.Fatal(err)
		}
		if _, err := g.as("zhou").RejectRequest(id, "用途不符"); err != nil {
			t.Fatal(err)
		}
	}
	gBase := g.holdSide()
	f.pull(g, base)
	g.pull(f, gBase)
	for _, c := range []*fixture{f, g} {
		a := c.as("qian")
		for _, id := range reqs {
			if st := a.RequestStatus(a.State.Requests[id]); st != archive.RequestRejected {
				t.Errorf("request %s after the merge: %s, want rejected", id, st)
			}
		}
		_, err := a.StatsAccess("monthly")
		wantCode(t, err, archive.Denied, "no approved request")
		c.verifyClean()
	}
	// After the merge an approval can neither be given again nor a new
	// one be taken back by a rejection that follows it.
	_, err := f.as("zhang").ApproveRequest(reqs[0])
	wantCode(t, err, archive.Failed, "is rejected")
	r, err := f.as("qian").RequestStatistics("审计", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("zhou").EndorseRequest(r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("zhang").ApproveRequest(r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.as("zhou").RejectRequest(r.ID, "晚了")
	wantCode(t, err, archive.Failed, "is approved: only a request that waits")
}
