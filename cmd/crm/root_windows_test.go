package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// On Windows the settings and caches live in %AppData%\crm and
// %LocalAppData%\crm whether or not the shell set HOME (Git Bash does, cmd
// does not): never "identity.txt" in the working folder. XDG_* still win.
func TestConfigDirWindows(t *testing.T) {
	env := map[string]string{"AppData": `C:\Users\zhang\AppData\Roaming`, "LocalAppData": `C:\Users\zhang\AppData\Local`, "HOME": `C:\Users\zhang`}
	getenv := func(k string) string { return env[k] }
	if got, want := configDir(getenv), filepath.Join(env["AppData"], "crm"); got != want {
		t.Errorf("configDir = %q, want %q", got, want)
	}
	if got, want := cacheDir(getenv), filepath.Join(env["LocalAppData"], "crm"); got != want {
		t.Errorf("cacheDir = %q, want %q", got, want)
	}
	env["XDG_CONFIG_HOME"] = `D:\cfg`
	if got, want := configDir(getenv), filepath.Join(`D:\cfg`, "crm"); got != want {
		t.Errorf("configDir with XDG_CONFIG_HOME = %q, want %q", got, want)
	}
}

// The help of --identity and --config names the folder crm reads them
// from on Windows, %AppData%\crm, not $XDG_CONFIG_HOME, which Windows
// does not set.
func TestSettingsFolderInHelpOnWindows(t *testing.T) {
	root := newTestRoot("en")
	for flag, file := range map[string]string{"identity": "identity.txt", "config": "config.yaml"} {
		usage := root.PersistentFlags().Lookup(flag).Usage
		if want := `(default %AppData%\crm\` + file + `)`; !strings.Contains(usage, want) {
			t.Errorf("--%s: %q does not say %s", flag, usage, want)
		}
	}
}

// The examples put the identity where crm looks for it on Windows, as
// cmd.exe types it: ~/.config/crm/identity.txt there made a folder named
// "~" in the working folder, and crm then found no identity.
func TestSettingsFolderInExamplesOnWindows(t *testing.T) {
	root := newTestRoot("en")
	for _, path := range [][]string{{"keygen"}, {"member", "rotate"}, {}} {
		c, _, err := root.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.Example, `-o %AppData%\crm\identity`) || strings.Contains(c.Example, "~/") {
			t.Errorf("%s: examples\n%s\nwant the identity in %%AppData%%\\crm, no ~/", c.CommandPath(), c.Example)
		}
	}
}
