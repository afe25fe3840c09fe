package archive

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"crm/archive/journal"
	"crm/archive/sharedfile"
	"crm/l10n"
)

// TemplatesDir is the folder of an archive's own templates, which override
// the built-in ones of the same relative path (dossier/NAME.yaml,
// reports/NAME.yaml).
const TemplatesDir = "templates"

// TemplateFile is one override under templates/ as the journal pins it.
type TemplateFile struct {
	Path   string `yaml:"path" json:"path"` // relative to templates/, like reports/monthly.yaml
	SHA256 string `yaml:"sha256" json:"sha256"`
}

// TemplatesUpdate pins the archive's template overrides (templates.update):
// every file under templates/ with its SHA-256, sorted by path. It replaces
// the list before it; an empty list means no override. A file under
// templates/ that the last such event does not pin, or whose hash differs,
// is not used (a report or a new dossier then fails, exit 4) and verify
// names it: a layout that drops a 密级 marking, or a dossier template that
// asks for what it should not, cannot slip in unsigned.
type TemplatesUpdate struct {
	Files []TemplateFile `yaml:"files" json:"files"`
}

func (x *TemplatesUpdate) check(c *step) error {
	for i, f := range x.Files {
		if err := checkTemplatePath(f.Path); err != nil {
			return err
		}
		if !journal.IsHash(f.SHA256) {
			return problemf("sha256 %q is not a SHA-256 hash", f.SHA256)
		}
		if i > 0 && x.Files[i-1].Path >= f.Path {
			return problemf("templates.update: files are not sorted by path, or one is listed twice")
		}
	}
	return nil
}

func (x *TemplatesUpdate) apply(c *step) {
	c.s.Templates = map[string]string{}
	for _, f := range x.Files {
		c.s.Templates[f.Path] = f.SHA256
	}
}

// checkTemplatePath accepts the relative paths an override may have:
// dossier/NAME.yaml or reports/NAME.yaml.
func checkTemplatePath(p string) error {
	dir, file, ok := strings.Cut(p, "/")
	name, isYAML := strings.CutSuffix(file, ".yaml")
	if !ok || (dir != "dossier" && dir != "reports") || !isYAML || strings.Contains(file, "/") || CheckID(name) != nil || path.Clean(p) != p {
		return usageErr("template", l10n.Errorf("%s/%s: an override is dossier/NAME.yaml or reports/NAME.yaml (NAME: letters, digits, - and _)", TemplatesDir, p))
	}
	return nil
}

// templateFiles lists the regular files under templates/ with their
// SHA-256, sorted by path, and the paths of anything else found there
// (symbolic links, unreadable files).
func (a *Archive) templateFiles() (files []TemplateFile, odd []string) {
	root := filepath.Join(a.Dir, TemplatesDir)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			odd = append(odd, rel)
		default:
			if sum := fileSHA256(p); sum != "" {
				files = append(files, TemplateFile{Path: rel, SHA256: sum})
			} else {
				odd = append(odd, rel)
			}
		}
		return nil
	})
	slices.SortFunc(files, func(x, y TemplateFile) int { return strings.Compare(x.Path, y.Path) })
	return files, odd
}

// PinTemplates journals the files now under templates/ as the archive's
// overrides (templates.update), if they differ from what is pinned. It
// returns them and whether anything was written. Members with the roles
// of permissions.members may (by default the manager).
func (a *Archive) PinTemplates() ([]TemplateFile, bool, error) {
	if _, err := a.requireKind(KindTemplatesUpdate); err != nil {
		return nil, false, err
	}
	var files []TemplateFile
	changed := false
	err := a.locked(func() error {
		var odd []string
		files, odd = a.templateFiles()
		if len(odd) > 0 {
			return usageErr("template", l10n.Errorf("%s/%s is not a regular file: overrides are plain files", TemplatesDir, odd[0]))
		}
		for _, f := range files {
			if err := checkTemplatePath(f.Path); err != nil {
				return err
			}
		}
		if templatesEqual(files, a.State.Templates) {
			return nil
		}
		x := &TemplatesUpdate{Files: files}
		if x.Files == nil {
			x.Files = []TemplateFile{}
		}
		if _, err := a.commit(KindTemplatesUpdate, "", x); err != nil {
			return err
		}
		changed = true
		return nil
	})
	return files, changed, err
}

func templatesEqual(files []TemplateFile, pinned map[string]string) bool {
	if len(files) != len(pinned) {
		return false
	}
	for _, f := range files {
		if pinned[f.Path] != f.SHA256 {
			return false
		}
	}
	return true
}

// TemplateStatus is one override and what the journal says of it.
type TemplateStatus struct {
	Path   string `json:"path"`
	Status string `json:"status"` // pinned, unpinned, changed, missing
}

// Template statuses.
const (
	TemplatePinned   = "pinned"
	TemplateUnpinned = "unpinned"
	TemplateChanged  = "changed"
	TemplateMissing  = "missing"
)

// Templates lists the overrides found under templates/ and pinned by the
// journal, with their status, by path.
func (a *Archive) Templates() []TemplateStatus { return a.templatesOf(a.State) }

func (a *Archive) templatesOf(s *State) []TemplateStatus {
	files, odd := a.templateFiles()
	seen := map[string]bool{}
	var out []TemplateStatus
	for _, f := range files {
		seen[f.Path] = true
		st := TemplatePinned
		switch want, ok := s.Templates[f.Path]; {
		case !ok:
			st = TemplateUnpinned
		case want != f.SHA256:
			st = TemplateChanged
		}
		out = append(out, TemplateStatus{Path: f.Path, Status: st})
	}
	for _, p := range odd {
		seen[p] = true
		out = append(out, TemplateStatus{Path: p, Status: TemplateUnpinned})
	}
	for p := range s.Templates {
		if !seen[p] {
			out = append(out, TemplateStatus{Path: p, Status: TemplateMissing})
		}
	}
	slices.SortFunc(out, func(x, y TemplateStatus) int { return strings.Compare(x.Path, y.Path) })
	return out
}

// Overrides is the archive's folder as the template loaders read it: a
// file under templates/ is served only if the journal pins it with its
// present content (templates.update); an unpinned or changed one is an
// integrity error naming it, and a missing one is fs.ErrNotExist (the
// built-in template applies). Nothing outside templates/ is served.
func (a *Archive) Overrides() fs.FS { return overrides{a} }

type overrides struct{ a *Archive }

func (o overrides) ReadFile(name string) ([]byte, error) {
	rel, ok := strings.CutPrefix(name, TemplatesDir+"/")
	if !ok || !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	p := filepath.Join(o.a.Dir, filepath.FromSlash(name))
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{Code: Integrity, Next: NextVerify, Err: l10n.Errorf("is not a regular file: overrides are plain files the journal pins")}
	}
	b, err := sharedfile.ReadFile(p)
	if err != nil {
		return nil, err
	}
	switch want, ok := o.a.State.Templates[rel]; {
	case !ok:
		return nil, &Error{Code: Integrity, Next: NextVerify, Err: l10n.Errorf("is an override the journal does not pin (templates.update): a manager pins it, or remove it to use the built-in template")}
	case want != sha256Hex(b):
		return nil, &Error{Code: Integrity, Next: NextVerify, Err: l10n.Errorf("was changed after it was pinned (templates.update): a manager pins the new version, or restore it from git")}
	}
	return b, nil
}

func (o overrides) Open(name string) (fs.File, error) {
	if _, err := o.ReadFile(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	f, err := sharedfile.Open(filepath.Join(o.a.Dir, filepath.FromSlash(name)))
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			pe.Path = name // as os.DirFS names it: the name given
		}
		return nil, err
	}
	return f, nil
}
