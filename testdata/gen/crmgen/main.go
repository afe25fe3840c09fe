// Command crmgen writes a synthetic archive for trying crm at scale:
//
//	go run ./testdata/gen/crmgen -n 3000 -o /tmp/big            # dossiers only
//	go run ./testdata/gen/crmgen -n 100000 -years 10 -o /tmp/ten # ten years of history
//
// With -years, every step of the history (creations, edits, 核定, loans,
// classifications, credit classes, destructions) goes through the archive's
// own API in time order, at the ratios of gen.TenYears. It writes the
// members' identity files beside the archive and prints their paths.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"crm/archive"
	"crm/testdata/gen"
)

func main() {
	n := flag.Int("n", 1000, "number of dossiers")
	years := flag.Int("years", 0, "years of history (0: the dossiers only, created at one time)")
	out := flag.String("o", "", "folder to create (its archive/ and *.key files)")
	prof := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if *out == "" {
		fmt.Fprintln(os.Stderr, "crmgen: -o FOLDER is needed")
		os.Exit(2)
	}
	start := time.Now()
	keys := map[string]*archive.Identity{}
	events := 0
	if *years > 0 {
		o := gen.TenYears
		o.Dossiers, o.Years = *n, *years
		h, err := gen.BuildHistory(filepath.Join(*out, "archive"), o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "crmgen:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		keys, events = h.Keys, len(h.Archive.State.Journal.Events)
	} else {
		r, err := gen.Build(filepath.Join(*out, "archive"), *n, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "crmgen:", err)
			os.Exit(1)
		}
		keys = map[string]*archive.Identity{"manager": r.Manager, "supervisor": r.Supervisor, "clerk": r.Clerk, "gm": r.GM}
		events = len(r.Archive.State.Journal.Events)
	}
	for name, id := range keys {
		p := filepath.Join(*out, name+".key")
		if err := os.WriteFile(p, []byte(fmt.Sprintf("%s\n", id.Age)), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "crmgen:", err)
			os.Exit(1)
		}
		fmt.Println(p)
	}
	fmt.Fprintf(os.Stderr, "crmgen: %d dossiers, %d events in %s\n", *n, events, time.Since(start).Round(time.Millisecond))
}
