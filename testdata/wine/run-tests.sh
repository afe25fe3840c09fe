#!/bin/sh
# run-tests.sh PKG [go test flags as -test.X]: builds PKG's tests for
# Windows and runs them under Wine, for code that only Windows runs
# (busy_windows.go, lock_windows.go, ...). Needs wine64 and a MinGW C
# compiler (Debian: apt-get install wine64 gcc-mingw-w64-x86-64-win32).
#   testdata/wine/run-tests.sh ./archive -test.run Windows -test.v
# Wine is not Windows: it has no POSIX-semantics rename or delete, so
# TestSnapshotSavedOverItselfWindows skips itself, and every test's
# t.TempDir cleanup fails with "unlinkat ...: Invalid function" (Go's
# os.RemoveAll asks for POSIX deletion): read a test's own lines, not
# only its verdict. os.Symlink reports success and makes nothing there:
# the tamper cases of symbolic links skip themselves. The prefix is $WINEPREFIX, else ~/.cache/crm-wine.
set -e
here=$(cd "$(dirname "$0")" && pwd)
pkg=${1:?usage: run-tests.sh PKG [-test.run X ...]}
shift
export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/crm-wine}" WINEDEBUG=-all
wine=$(command -v wine64 || command -v wine || echo /usr/lib/wine/wine64)
dll="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$dll" ]; then
	mkdir -p "$WINEPREFIX"
	"$wine" wineboot -i >/dev/null 2>&1 || true
	x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" "$here/bcryptprimitives.c" -ladvapi32
fi
exe="$WINEPREFIX/crm-$(basename "$pkg").test.exe"
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -o "$exe" "$pkg"
exec "$wine" "$exe" "$@"
