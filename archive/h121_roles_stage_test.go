package archive_test

import (
	"strings"
	"testing"

	"crm/archive"
	"crm/archive/journal"
)

// A manager approves a destruction at the manager's stage (R6.10) in a
// clone that has not heard that their roles were cut to supervisor: a
// role of the destruction chain, but not the one the stage needs. The
// loss of the right wins, whichever order the hashes give (FORMAT.md, "A
// loss of rights wins"): the approval is a problem, and the request is
// not approved past the supervisor. Before, the right the step uses was
// any role of the chain: the approval counted when ordered before the
// cut and was superseded when ordered after (review h121).
func TestDestroyApprovalConcurrentWithStageRoleCut(t *testing.T) {
	f := newFixture(t)
	ma := newIdentity(t)
	f.ids["ma"] = ma
	if err := f.as("zhang").AddMember(ctx, member("ma", []string{"manager"}, ma)); err != nil {
		t.Fatal(err)
	}
	id := f.create("秘密")
	r, err := f.as("li").DestroyRequest(id, "过期")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.as("su").DestroyApprove(r.ID); err != nil {
		t.Fatal(err)
	}
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "ma", []string{"supervisor"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindDestroyApprove, func(g *fixture) {
			if _, err := g.as("ma").DestroyApprove(r.ID); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, cutFirst bool) {
			s := a.as("zhang").State
			if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "written by ma concurrently with a change of their roles") || len(s.Superseded) != 0 {
				t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
			}
			if d := s.Destructions[r.ID]; d == nil || len(d.Approvals) != 1 {
				t.Fatalf("role change first %v: the request is %+v, want the supervisor's approval alone", cutFirst, d)
			}
		})
}

// A manager raises a dossier to the top level (绝密, which needs
// permissions.classify_top_secret: a manager) in a clone that has not
// heard that their roles were cut to supervisor, who may change other
// levels (permissions.classify) but not that one. The change of level is
// a problem whichever order the hashes give, as the destruction approval
// above is.
func TestTopLevelClassifyConcurrentWithRoleCut(t *testing.T) {
	f := newFixture(t)
	ma := newIdentity(t)
	f.ids["ma"] = ma
	if err := f.as("zhang").AddMember(ctx, member("ma", []string{"manager"}, ma)); err != nil {
		t.Fatal(err)
	}
	id := f.create("机密")
	f.race(t, bothOrders,
		archive.KindMemberRoles, func(a *fixture) {
			if err := a.as("zhang").SetRoles(ctx, "ma", []string{"supervisor"}); err != nil {
				t.Fatal(err)
			}
		},
		archive.KindDossierClassify, func(g *fixture) {
			if _, err := g.as("ma").SetLevel(id, "绝密", "", "关键客户"); err != nil {
				t.Fatal(err)
			}
		},
		func(a *fixture, cutFirst bool) {
			s := a.as("zhang").State
			if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Msg, "written by ma concurrently with a change of their roles") || len(s.Superseded) != 0 {
				t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
			}
			if lv := s.Dossiers[id].Level; lv != "机密" {
				t.Fatalf("role change first %v: level %s, want 机密", cutFirst, lv)
			}
		})
}

// A change of roles that leaves the member the right a concurrent step
// uses refuses nothing, whichever order the hashes give: one that adds a
// role (clerk → clerk and supervisor), one that takes away a role the
// step does not use (supervisor → clerk, for an edit of a 秘密 dossier,
// which a clerk writes), and one that keeps the role of the destruction
// step approved (supervisor → supervisor and clerk).
func TestRoleChangeKeepingTheRightRefusesNothing(t *testing.T) {
	for _, c := range []struct {
		name, who string
		roles     []string
		kind      journal.Kind
		step      func(g *fixture, id, req string)
	}{
		{"clerk adds supervisor", "li", []string{"clerk", "supervisor"}, archive.KindDossierUpdate, func(g *fixture, id, _ string) { g.edit("li", id) }},
		{"supervisor to clerk edits 秘密", "su", []string{"clerk"}, archive.KindDossierUpdate, func(g *fixture, id, _ string) { g.edit("su", id) }},
		{"supervisor keeps the step's role", "su", []string{"supervisor", "clerk"}, archive.KindDestroyApprove, func(g *fixture, _, req string) {
			if _, err := g.as("su").DestroyApprove(req); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.create("秘密")
			other := f.create("秘密")
			r, err := f.as("li").DestroyRequest(other, "过期")
			if err != nil {
				t.Fatal(err)
			}
			f.race(t, bothOrders,
				archive.KindMemberRoles, func(a *fixture) {
					if err := a.as("zhang").SetRoles(ctx, c.who, c.roles); err != nil {
						t.Fatal(err)
					}
				},
				c.kind, func(g *fixture) { c.step(g, id, r.ID) },
				func(a *fixture, cutFirst bool) {
					s := a.as("zhang").State
					if len(s.Problems) != 0 || len(s.Superseded) != 0 {
						t.Fatalf("role change first %v: problems %v, superseded %v", cutFirst, s.Problems, s.Superseded)
					}
				})
		})
	}
}
