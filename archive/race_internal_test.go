//go:build race

package archive

// raceBuild: the race detector drops some of sync.Pool's Puts, so tests
// that count what a kept value saves do not hold.
const raceBuild = true
