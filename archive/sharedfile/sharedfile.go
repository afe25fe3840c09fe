// Package sharedfile opens files for reading the way Unix always does:
// while crm reads a dossier file, an event file or a bundle, another
// process may rename a new version over it or remove it. On Windows a file
// open without FILE_SHARE_DELETE (os.Open, os.ReadFile) refuses that, and
// a colleague's crm writing the same dossier waits for the read to end
// (archive/busy.go), or fails; Open and ReadFile share deletion there.
// Elsewhere they are os.Open and os.ReadFile, with nothing added.
package sharedfile
