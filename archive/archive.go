// Package archive is crm's store: the archive format, members, keys and
// recipients, encryption, the signed journal, locking, verify, and the steps
// that change dossiers. It never prints and never reads flags: callers pass
// values in and get errors that say what to do next.
package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"crm/l10n"
)

// Folders of an archive.
const (
	MembersDir  = "members"
	DossiersDir = "dossiers"
	lockFile    = ".crm.lock"
)

// Archive is an open archive directory.
type Archive struct {
	Dir       string
	Policy    *Policy
	PolicyRaw []byte
	State     *State
	// Now is the clock: every event's time comes from it (tests and cron
	// replays set CRM_NOW).
	Now func() time.Time

	id      *Identity
	me      *Member
	holding bool        // the lock is held (by locked or lockOnly)
	cache   *plainCache // per-user plaintext cache, if enabled
	wrote   bool        // this process appended events (applied without signature checks)
}

// Open reads the archive at dir: its policy and its journal.
func Open(dir string, now func() time.Time) (*Archive, error) {
	if now == nil {
		now = time.Now
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(abs, PolicyFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, l10n.Errorf("no crm archive at %s (no %s): create one with `crm init %s`, or name it with --archive or CRM_ARCHIVE", abs, PolicyFile, dir)
		}
		return nil, err
	}
	p, err := ParsePolicy(raw)
	if err != nil {
		// crm.yaml is written by init and changed only through signed
		// policy events: a file that no longer parses was damaged.
		return nil, Integrity(err)
	}
	a := &Archive{Dir: abs, Policy: p, PolicyRaw: raw, Now: now}
	if err := a.reload(); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Archive) reload() error {
	if a.State != nil && journalUnchanged(a.Dir, a.State.Journal) {
		return nil
	}
	j, err := ReadJournal(a.Dir)
	if err != nil {
		return err
	}
	// Signatures and roles are checked on every load, not only by verify:
	// an event that fails them is reported and does not count.
	a.State = Replay(j, a.Policy, true)
	a.wrote = false
	if a.State.Genesis == "" {
		return Integrity(l10n.Errorf("%s: the journal has no genesis event (%s): this is not a complete archive", filepath.Join(a.Dir, JournalDir), KindInit))
	}
	if a.id != nil {
		a.me = a.State.MemberByRecipient(a.id.Recipient)
	}
	return nil
}

// SetIdentity sets who is working. It fails with exit 3 if the identity's
// key is not an active member's.
func (a *Archive) SetIdentity(id *Identity) error {
	m := a.State.MemberByRecipient(id.Recipient)
	if m == nil {
		return Denied(l10n.Errorf("your key %s is not a member of this archive: ask a manager to run `crm member add` with it", id.Recipient))
	}
	a.id, a.me = id, m
	return nil
}

// Me returns the working member, or a "no identity" error (exit 3).
func (a *Archive) Me() (*Member, error) {
	if a.me == nil {
		return nil, Denied(l10n.Errorf("no identity: pass --identity FILE, set CRM_IDENTITY, or set identity in the config file"))
	}
	return a.me, nil
}

// Identity returns the working identity, or nil.
func (a *Archive) Identity() *Identity { return a.id }

// require checks that the working member holds one of roles for a step.
func (a *Archive) require(step string, roles []string) (*Member, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	if !me.HasRole(roles...) {
		return nil, Denied(l10n.Errorf("%s needs one of the roles %v; %s holds %v", step, roles, me.ID, me.Roles))
	}
	return me, nil
}

// locked runs f holding the archive's lock, with the state freshly read so
// that changes by another process are seen, after finishing any write an
// earlier process was interrupted in (rollForward). It refuses to run f on
// an archive that does not check out (checkWritable).
func (a *Archive) locked(f func() error) error {
	return a.lockOnly(func() error {
		if err := a.checkWritable(); err != nil {
			return err
		}
		return f()
	})
}

// lockOnly takes the lock, reloads and rolls forward, then runs f.
func (a *Archive) lockOnly(f func() error) error {
	lf, err := os.OpenFile(filepath.Join(a.Dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return l10n.Errorf("locking the archive: %v", err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		return l10n.Errorf("locking the archive: %v", err)
	}
	defer syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
	a.holding = true
	defer func() { a.holding = false }()
	if err := a.reload(); err != nil {
		return err
	}
	a.rollForward()
	return f()
}

// rollForward finishes dossier writes that a process was interrupted in
// after journaling them: a dossier file is written to dossiers/.tmp-ID-N,
// the event pinning its hash is journaled, then the file is renamed into
// place. A crash between the last two steps leaves a pinned temp file,
// which is renamed now. The caller holds the lock.
func (a *Archive) rollForward() {
	dir := filepath.Join(a.Dir, DossiersDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), ".tmp-")
		i := strings.LastIndexByte(rest, '-')
		if !ok || i < 0 {
			continue
		}
		d := a.State.Dossiers[rest[:i]]
		if d == nil || d.Status != StatusActive {
			continue
		}
		final := a.dossierFile(d.ID)
		if cur, err := os.ReadFile(final); err == nil && sha256Hex(cur) == d.SHA256 {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && sha256Hex(b) == d.SHA256 {
			renameSynced(filepath.Join(dir, e.Name()), final)
		}
	}
}

// checkWritable refuses to write to an archive that was tampered with
// outside crm (exit 4): nothing should be built on a journal or policy that
// does not check out.
func (a *Archive) checkWritable() error {
	ps := append(append([]Problem(nil), a.State.Journal.Problems...), a.State.Problems...)
	if sha256Hex(a.PolicyRaw) != a.State.PolicySHA256 {
		ps = append(ps, Problem{PolicyFile, l10n.T("differs from the policy the journal recorded (edited without a signed policy.update)")})
	}
	if len(ps) == 0 {
		return nil
	}
	return Integrity(l10n.Errorf("the archive has %d integrity problem(s), the first: %s; nothing was written: run `crm verify`, repair or restore from git, then retry", len(ps), ps[0]))
}

// appendEvent signs and writes a new event following the journal's heads,
// and applies it to the state. The caller holds the lock.
func (a *Archive) appendEvent(kind, dossier string, data any) (*Event, error) {
	me, err := a.Me()
	if err != nil {
		return nil, err
	}
	t := a.Now().UTC().Truncate(time.Second)
	b, err := SignEvent(kind, t, me.ID, dossier, a.State.Journal.Heads, data, a.id.Signer)
	if err != nil {
		return nil, err
	}
	return a.writeEvent(b)
}

func (a *Archive) writeEvent(b []byte) (*Event, error) {
	e, err := ParseEvent(b)
	if err != nil {
		return nil, err
	}
	e.Path = eventPath(e.Time, e.Hash)
	if err := writeFileAtomic(filepath.Join(a.Dir, filepath.FromSlash(e.Path)), b, 0o644); err != nil {
		return nil, l10n.Errorf("writing journal event: %v", err)
	}
	a.State.Journal.add(e)
	a.State.apply(e, a.Policy, false)
	a.wrote = true
	return e, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder, synced and renamed over path, so a crash leaves either the old or
// the new file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(filepath.Dir(path), ".tmp-*", data, perm)
	if err != nil {
		return err
	}
	return renameSynced(tmp, path)
}

// writeTemp writes data to a new, synced file in dir named after pattern
// (as os.CreateTemp) and returns its path.
func writeTemp(dir, pattern string, data []byte, perm os.FileMode) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// renameSynced renames tmp over path and syncs the folder.
func renameSynced(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// memberFileHeader starts every members/<id>.yaml.
const memberFileHeader = "# 成员公开信息（由 crm 根据签名日志生成，勿手工修改；`crm verify` 会核对）。\n# Public member record, written by crm from the signed journal: do not edit.\n"

func memberFileBytes(m *Member) ([]byte, error) {
	b, err := marshalYAML(m)
	if err != nil {
		return nil, err
	}
	return append([]byte(memberFileHeader), b...), nil
}

func (a *Archive) writeMemberFile(m *Member) error {
	b, err := memberFileBytes(m)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(a.Dir, MembersDir, m.ID+".yaml"), b, 0o644)
}

var memberIDRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,31}$`)

// CheckMemberID returns a usage error unless id is a member id: lower-case
// letters, digits, '.', '_' and '-', starting with a letter, at most 32.
func CheckMemberID(id string) error {
	if !memberIDRE.MatchString(id) {
		return Usage(l10n.Errorf("%q is not a member id: use lower-case letters, digits, . _ - (e.g. zhangsan)", id))
	}
	return nil
}

const gitattributes = `# crm: 档案密文按二进制处理；git diff 经 crm 解密显示（git config diff.crm.textconv "crm textconv"，见 README）。
# 合并时不做文本合并：密文冲突须用 crm 重新编辑解决。
*.age binary diff=crm merge=binary
*.yaml text eol=lf
`

const gitignore = `# crm 本地文件
.crm.lock
.tmp-*
`

// InitOptions are the choices of `crm init`.
type InitOptions struct {
	Name     string // archive name
	Recovery string // optional recovery (escrow) recipient
	Founder  Member // id, name, department; keys and roles are filled in
}

// Init creates a new archive in dir, with the identity's owner as its first
// member and manager, and writes the genesis event.
func Init(dir string, id *Identity, o InitOptions, now func() time.Time) (*Archive, error) {
	if now == nil {
		now = time.Now
	}
	if _, err := os.Stat(filepath.Join(dir, PolicyFile)); err == nil {
		return nil, l10n.Errorf("%s already holds a crm archive (%s exists)", dir, PolicyFile)
	}
	if err := CheckMemberID(o.Founder.ID); err != nil {
		return nil, err
	}
	if o.Founder.Name == "" {
		return nil, Usage(l10n.Errorf("--name is needed: the founding member's full name"))
	}
	if o.Recovery != "" {
		if _, err := ParseRecipient(o.Recovery); err != nil {
			return nil, Usage(l10n.Errorf("--recovery: %v", err))
		}
	}
	if o.Name == "" {
		o.Name = "客服部客户信息档案"
	}
	raw, err := DefaultPolicyText(o.Name, o.Recovery)
	if err != nil {
		return nil, err
	}
	p, err := ParsePolicy(raw)
	if err != nil {
		return nil, err
	}
	if (p.KeyKind == "pq") != (len(id.Recipient) > 7 && id.Recipient[:7] == "age1pq1") {
		p.KeyKind = map[bool]string{true: "pq", false: "x25519"}[id.Recipient[:7] == "age1pq1"]
		raw = bytes.Replace(raw, []byte("key_kind: x25519"), []byte("key_kind: "+p.KeyKind), 1)
	}
	for _, sub := range []string{MembersDir, DossiersDir, JournalDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	files := map[string][]byte{PolicyFile: raw, ".gitattributes": []byte(gitattributes), ".gitignore": []byte(gitignore)}
	for name, b := range files {
		if err := writeFileAtomic(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	m := o.Founder
	m.Roles = []string{"manager"}
	m.Recipient, m.SigningKey = id.Recipient, id.SigningKey
	if m.Department == "" {
		m.Department = p.HomeDepartment
	}
	t := now().UTC().Truncate(time.Second)
	b, err := SignEvent(KindInit, t, m.ID, "", nil, initData{ArchiveID: p.ArchiveID, PolicySHA256: sha256Hex(raw), Member: m}, id.Signer)
	if err != nil {
		return nil, err
	}
	e, err := ParseEvent(b)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, filepath.FromSlash(eventPath(e.Time, e.Hash))), b, 0o644); err != nil {
		return nil, err
	}
	a, err := Open(dir, now)
	if err != nil {
		return nil, err
	}
	if err := a.writeMemberFile(&m); err != nil {
		return nil, err
	}
	if err := a.SetIdentity(id); err != nil {
		return nil, err
	}
	return a, nil
}

// marshalYAML encodes v as YAML with two-space indentation.
func marshalYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
