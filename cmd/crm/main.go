// Command crm keeps a customer-service department's customer dossiers as
// age-encrypted YAML files in a git-friendly archive, and runs the
// department's rules over them. See README.md and DESIGN.md.
package main

import (
	"os"
	"runtime"
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
	os.Exit(run(os.Args[1:], newSystemIO(), os.Getenv))
}
