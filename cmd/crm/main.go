// Command crm keeps a customer-service department's customer dossiers as
// age-encrypted YAML files in a git-friendly archive, and runs the
// department's rules over them. See README.md and DESIGN.md.
package main

import (
	"os"
	"runtime/pprof"
)

func main() {
	// CRM_CPUPROFILE=FILE writes a CPU profile of the command, for the
	// measurements of README.md's Performance section.
	if p := os.Getenv("CRM_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			code := run(os.Args[1:], newSystemIO(), os.Getenv)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(run(os.Args[1:], newSystemIO(), os.Getenv))
}
