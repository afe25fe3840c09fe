// Command crm keeps a customer-service department's customer dossiers as
// age-encrypted YAML files in a git-friendly archive, and runs the
// department's rules over them. See README.md and DESIGN.md.
package main

import (
	"fmt"
	"os"
	"strings"

	"crm/archive"
	"runtime"
	"runtime/pprof"
)

func main() {
	archive.StartLight()
	// CRM_CPUPROFILE=FILE writes a CPU profile of the command, for the
	// measurements in PERFORMANCE.md (README.md, "Performance", says how).
	if p := os.Getenv("CRM_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			code := run(os.Args[1:], newSystemIO(), os.Getenv)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	// CRM_MEMPROFILE=FILE writes a heap profile when the command ends: its
	// alloc_space shows what allocated the memory a peak is made of.
	if p := os.Getenv("CRM_MEMPROFILE"); p != "" {
		runtime.MemProfileRate = 64 << 10
		code := run(os.Args[1:], newSystemIO(), os.Getenv)
		runtime.GC() // the profile holds what the last collection saw
		if f, err := os.Create(p); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		os.Exit(code)
	}
	os.Exit(runCounted())
}

// runCounted runs the command of os.Args; with CRM_STATS=FILE it then
// appends to FILE what the command read of the journal
// (archive.ProcessStats): whether it took the snapshot or replayed the
// whole history.
func runCounted() int {
	code := run(os.Args[1:], newSystemIO(), os.Getenv)
	if p := os.Getenv("CRM_STATS"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s %s\n", strings.Join(os.Args[1:], " "), archive.ProcessStats())
			f.Close()
		}
	}
	return code
}
