// Command crmgen writes a synthetic archive for trying crm at scale:
//
//	go run ./testdata/gen/crmgen -n 3000 -o /tmp/big
//
// It prints the identity files of the four members it made (manager,
// supervisor, clerk, gm), written beside the archive.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"crm/archive"
	"crm/testdata/gen"
)

func main() {
	n := flag.Int("n", 1000, "number of dossiers")
	out := flag.String("o", "", "folder to create (its archive/ and *.key files)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "crmgen: -o FOLDER is needed")
		os.Exit(2)
	}
	r, err := gen.Build(filepath.Join(*out, "archive"), *n, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crmgen:", err)
		os.Exit(1)
	}
	for name, id := range map[string]*archive.Identity{"manager": r.Manager, "supervisor": r.Supervisor, "clerk": r.Clerk, "gm": r.GM} {
		p := filepath.Join(*out, name+".key")
		if err := os.WriteFile(p, []byte(fmt.Sprintf("%s\n", id.Age)), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "crmgen:", err)
			os.Exit(1)
		}
		fmt.Println(p)
	}
}
