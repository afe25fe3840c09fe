#!/bin/bash
# usage: testdata/scale/destroy-steps.sh BIN DIR
#
# Times a destruction's five steps (R6.10) as a department takes them, on
# a copy of the archive in DIR, made by the synthetic generator:
#   go run ./testdata/gen/crmgen -n 100000 -years 10 -o DIR
# First each member's first command makes their caches (a cold read of
# the whole journal: about a minute each at 100,000 dossiers). Then the
# clerk asks, the supervisor, the manager and the gm approve, the manager
# executes before two witnesses, and the manager lists: each step's time
# and peak memory, and what it read (CRM_STATS). The copy is removed.
set -eu
BIN=$(realpath "$1"); DIR=$(realpath "$2")
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cp -al "$DIR/archive" "$W/archive" # crm writes new files and renames: the originals stay
export XDG_CACHE_HOME=$W/cache XDG_CONFIG_HOME=$W/config HOME=$W/home CRM_STATS=$W/stats
mkdir -p "$HOME"
cd "$W/archive"
sleep 2 # the journal's folders older than the racy window, as a day-old archive's
for m in clerk super manager gm; do
	CRM_IDENTITY=$DIR/$m.key "$BIN" list --no-decrypt >"$W/list"
done
: >"$CRM_STATS"
step() { # step MEMBER WHAT ARGS…
	local m=$1 what=$2; shift 2
	/usr/bin/time -f "$what ($m): %e s, %M KB" env CRM_IDENTITY="$DIR/$m.key" "$BIN" "$@" >"$W/out" 2>"$W/err" ||
		{ cat "$W/err" >&2; return 1; }
	tail -1 "$W/err"
}
# The first dossier that may be destroyed (not on loan, not on hold).
for id in $(grep -o 'C-[0-9A-Z]*' "$W/list" | sed -n '100,200p'); do
	step clerk "destroy request" destroy request "$id" --reason 已无保存价值 2>/dev/null && break
done
D=$(grep -o 'D-[0-9A-Z]*' "$W/out" | head -1)
step super "destroy approve" destroy approve "$D"
step manager "destroy approve" destroy approve "$D"
step gm "destroy approve" destroy approve "$D"
step manager "destroy execute" destroy execute "$D" --witness clerk --witness super --yes
sleep 2 # past the racy window, as a reader a moment later
step manager "the next reader's list --no-decrypt" list --no-decrypt
cat "$CRM_STATS"
