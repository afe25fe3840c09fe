package archive

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"crm/archive/l10n"
)

// CheckPin compares the archive's genesis with the one pinned for its path
// in pinFile (a YAML map of absolute archive paths to genesis hashes, kept
// in the user's config folder), as ssh does with host keys. On first use the
// genesis is pinned and pinned is true. A different genesis is an integrity
// error (exit 4): the journal was replaced wholesale.
func CheckPin(pinFile, archiveDir, genesis string) (pinned bool, err error) {
	pins := map[string]string{}
	b, err := os.ReadFile(pinFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if err == nil {
		if err := yaml.Unmarshal(b, &pins); err != nil {
			return false, l10n.Errorf("%s: %v", pinFile, err)
		}
	}
	if got, ok := pins[archiveDir]; ok {
		if got != genesis {
			return false, Integrity(l10n.Errorf("the archive at %s has genesis %s, but %s pinned %s when you first used it: its journal was replaced. If that was intended, remove the line from %s", archiveDir, ShortHash(genesis), pinFile, ShortHash(got), pinFile))
		}
		return false, nil
	}
	pins[archiveDir] = genesis
	out, err := yaml.Marshal(pins)
	if err != nil {
		return false, err
	}
	out = append([]byte("# crm: 已知档案库的创世事件哈希 (genesis pins)\n"), out...)
	if err := os.MkdirAll(filepath.Dir(pinFile), 0o700); err != nil {
		return false, err
	}
	if bytes.Equal(b, out) {
		return true, nil
	}
	return true, writeFileAtomic(pinFile, out, 0o600)
}
