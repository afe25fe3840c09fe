// Command crm keeps a customer-service department's customer dossiers as
// age-encrypted YAML files in a git-friendly archive, and runs the
// department's rules over them. See README.md and DESIGN.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], newSystemIO(), os.Getenv))
}
