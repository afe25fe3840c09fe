package archive_test

import (
	"testing"
)

// The tests' memo of decrypted files (decryptRemembered) answers only the
// identity that decrypted a file: an archive in the middle of a change of
// its own keys works as the new recipient with a key that also opens the
// old one's files, and what it read must not let the new key alone read
// a file still encrypted to the old one (found in review: a memo keyed by
// recipient did, and TestFinishOwnKeysAfterInterruption's check then
// depended on the order of reads).
func TestDecryptMemoIsTheIdentitys(t *testing.T) {
	id, _, nu, rotating, open := cutShortRotation(t)
	if _, err := rotating.Read(id); err != nil {
		t.Fatalf("the archive changing its keys read its own file: %v", err)
	}
	if _, err := open(nu).Read(id); err == nil {
		t.Fatal("the new key read a file the cut-short change left to the old one")
	}
}
