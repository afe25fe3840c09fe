//go:build crmtest

package main

import (
	"fmt"
	"os"
	"strconv"
	"sync/atomic"

	"crm/archive"
)

// The crash harness's hook (crash_test.go) is built only into the crm
// the tests build (go build -tags crmtest, script_test.go's TestMain):
// a user's crm has no way to be told to kill itself.
func init() { installCrashHook() }

// installCrashHook arms the crash hook in the crm process the test binary
// runs as: CRM_CRASH_AT=N kills the process at the Nth point,
// CRM_CRASH_LOG=FILE appends each point to FILE (to count them).
func installCrashHook() {
	at, _ := strconv.Atoi(os.Getenv("CRM_CRASH_AT"))
	logFile := os.Getenv("CRM_CRASH_LOG")
	if at <= 0 && logFile == "" {
		return
	}
	var n atomic.Int64
	archive.SetCrashHook(func(point string) {
		k := n.Add(1)
		if logFile != "" {
			if f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
				fmt.Fprintf(f, "%d %s\n", k, point)
				f.Close()
			}
		}
		if int(k) == at {
			killSelf()
			select {}
		}
	})
}
