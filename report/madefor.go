package report

import (
	"strings"

	"crm/archive"
)

// MadeFor says for whom and under which statistics request (R6.7) a report
// was made, when it was made for a member outside 客服部.
type MadeFor struct {
	Request    string   `json:"request"`
	Member     string   `json:"member"`
	Name       string   `json:"name"`
	Department string   `json:"department"`
	Purpose    string   `json:"purpose"`
	Reports    []string `json:"reports,omitempty"` // what the request covers; none: every report
	EndorsedBy string   `json:"endorsed_by"`       // the requester's department manager
	ApprovedBy string   `json:"approved_by"`       // for 客服部
	Expires    string   `json:"expires"`           // the last day the request may be used
}

// SetRequest records on r that it was made under request req (nil: none)
// and adds a note saying so, in every format.
func SetRequest(r *Report, a *archive.Archive, req *archive.StatsRequest) {
	if req == nil {
		return
	}
	s := a.State
	m := &MadeFor{Request: req.ID, Member: req.By, Name: s.MemberName(req.By), Department: req.Department, Purpose: req.Purpose,
		Reports: req.Reports, EndorsedBy: req.EndorsedBy, ApprovedBy: req.ApprovedBy, Expires: req.Expires}
	r.MadeFor = m
	names := func(ids ...string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = s.MemberName(id)
		}
		return strings.Join(out, "、")
	}
	r.Notes = append(r.Notes, Text{
		Zh: "本表依统计资料申请 " + m.Request + " 为" + m.Department + m.Name + "编制（用途：" + m.Purpose + "；部门经理" + names(m.EndorsedBy) +
			"签字，" + a.Policy.HomeDepartment + names(m.ApprovedBy) + "批准，有效期至 " + m.Expires + "，R6.7）。",
		En: "Made for " + m.Name + " (" + m.Member + ", " + m.Department + ") under statistics request " + m.Request + " (purpose: " + m.Purpose +
			"; signed by " + names(m.EndorsedBy) + ", approved by " + names(m.ApprovedBy) + " for " + a.Policy.HomeDepartment + ", valid until " + m.Expires + "; R6.7).",
	})
}
