//go:build !race

package archive

// raceBuild: see race_internal_test.go.
const raceBuild = false
