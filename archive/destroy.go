package archive

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"crm/l10n"
)

// DefaultDestroyMethod is written in the destruction list when no method is given.
const DefaultDestroyMethod = "删除密文文件 (ciphertext deleted)"

func (a *Archive) destruction(id string) (*Destruction, *DossierState, error) {
	r := a.State.Destructions[id]
	if r == nil {
		return nil, nil, Usage(l10n.Errorf("no destruction request %q in this archive: `crm destroy list` shows them (ids like D-000001)", id))
	}
	return r, a.State.Dossiers[r.Dossier], nil
}

// DestroyRequest asks for dossier id to be destroyed (R6.10).
func (a *Archive) DestroyRequest(id, reason string) (*Destruction, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, Usage(l10n.Errorf("--reason is needed: why the material has no value left (it goes on the destruction list)"))
	}
	var r *Destruction
	err = a.locked(func() error {
		d, err := a.Lookup(id)
		if err != nil {
			return err
		}
		if err := a.State.checkDestroyRequest(a.Policy, me, d); err != nil {
			return err
		}
		x := destroyData{Request: formatSeq(destroyPrefix, a.State.MaxDestruction+1), Reason: reason}
		if _, err := a.appendEvent(KindDestroyRequest, id, x); err != nil {
			return err
		}
		r = a.State.Destructions[x.Request]
		return nil
	})
	return r, err
}

// DestroyApprove gives the next approval of request reqID, in the
// policy's chain order.
func (a *Archive) DestroyApprove(reqID string) (*Destruction, error) {
	return a.destroyStep(reqID, func(me *Member, r *Destruction, d *DossierState) error {
		step, _, err := a.State.checkDestroyApprove(me, r, d)
		if err != nil {
			return err
		}
		_, err = a.appendEvent(KindDestroyApprove, d.ID, destroyData{Request: r.ID, Step: step})
		return err
	})
}

// destroyStep runs step on destruction request reqID for the working
// member, holding the lock: the shape every step on a request shares.
func (a *Archive) destroyStep(reqID string, step func(me *Member, r *Destruction, d *DossierState) error) (*Destruction, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	var r *Destruction
	err = a.locked(func() error {
		var d *DossierState
		var err error
		if r, d, err = a.destruction(reqID); err != nil {
			return err
		}
		return step(me, r, d)
	})
	return r, err
}

// DestroyReject rejects request reqID; a rejection ends it.
func (a *Archive) DestroyReject(reqID, reason string) (*Destruction, error) {
	if _, err := a.Me(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, Usage(l10n.Errorf("--reason is needed: why the destruction is rejected"))
	}
	return a.destroyStep(reqID, func(me *Member, r *Destruction, d *DossierState) error {
		if err := a.State.checkDestroyReject(me, r); err != nil {
			return err
		}
		_, err := a.appendEvent(KindDestroyReject, d.ID, destroyData{Request: r.ID, Step: len(r.Approvals) + 1, Reason: reason})
		return err
	})
}

// DestroyExecute destroys the dossier of a fully approved request in the
// presence of witnesses: the ciphertext is removed, the journal kept, and
// destroy.execute carries the destruction list entry (销毁清册).
func (a *Archive) DestroyExecute(reqID string, witnesses []string, method string) (*Destruction, error) {
	if method == "" {
		method = DefaultDestroyMethod
	}
	return a.destroyStep(reqID, func(me *Member, r *Destruction, d *DossierState) error {
		if d.Status != StatusActive {
			return l10n.Errorf("dossier %s was destroyed already", d.ID)
		}
		if err := a.State.checkDestroyExecute(a.Policy, me, r, d, witnesses); err != nil {
			return err
		}
		// Move the file aside first, so that a failed event puts it back.
		path := a.dossierFile(d.ID)
		aside := filepath.Join(filepath.Dir(path), ".tmp-destroy-"+d.ID)
		if err := os.Rename(path, aside); err != nil && !os.IsNotExist(err) {
			return l10n.Errorf("removing %s: %v", DossierPath(d.ID), err)
		}
		t := a.Now().UTC().Truncate(time.Second)
		x := destroyData{Request: r.ID, Reason: r.Reason, Witnesses: witnesses, Method: method, Level: d.Level, Date: dateOf(t), Approvals: r.Approvals}
		if _, err := a.appendEvent(KindDestroyExecute, d.ID, x); err != nil {
			os.Rename(aside, path)
			return err
		}
		os.Remove(aside)
		return nil
	})
}

// Destructions lists the destruction requests by id.
func (a *Archive) Destructions() []*Destruction { return a.State.SortedDestructions() }
