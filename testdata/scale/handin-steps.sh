#!/bin/bash
# usage: testdata/scale/handin-steps.sh BIN DIR
#
# Times the hand-in steps (R6.1, R6.3) one after another, each member's
# caches warm, on a copy of the archive in DIR made by the synthetic
# generator:
#   go run ./testdata/gen/crmgen -n 100000 -years 10 -o DIR
# A sales member (qian) is added and hands in three reports; each
# member's first command is cold (about a minute at 100,000 dossiers).
# Then, timed (seconds and peak memory), with what each read (CRM_STATS):
# qian hands in twice in a row, the manager lists the hand-ins, folds one
# into its dossier (--from), turns one down and lists the dossiers. The
# list and the hand-ins are then compared with a replay's. The copy, made
# beside DIR (hard links: the same file system), is removed.
set -eu
BIN=$(realpath "$1"); DIR=$(realpath "$2")
W=$(mktemp -d "$DIR.steps.XXXXXX"); trap 'rm -rf "$W"' EXIT
export HOME=$W/home CRM_RACY_WINDOW=0s CRM_STATS=$W/stats
mkdir -p "$HOME"
cp -al "$DIR/archive" "$W/arc" # crm writes new files and renames: the originals stay
mgr() { XDG_CACHE_HOME=$W/c.mgr CRM_IDENTITY=$DIR/manager.key "$BIN" "$@"; }
qian() { XDG_CACHE_HOME=$W/c.qian CRM_IDENTITY=$W/qian.key "$BIN" "$@"; }
# timed LABEL WHO ARGS: crm ARGS as WHO (mgr or qian), its time and peak memory.
timed() {
	local cache=$W/c.mgr key=$DIR/manager.key
	if [ "$2" = qian ]; then cache=$W/c.qian key=$W/qian.key; fi
	XDG_CACHE_HOME=$cache CRM_IDENTITY=$key /usr/bin/time -f "$1: %e s, %M KB" "$BIN" "${@:3}"
}
"$BIN" keygen -o "$W/qian.key" 2>/dev/null
"$BIN" keygen -y "$W/qian.key" >"$W/qian.pub"
printf 'trading:\n  problems: 原料涨价\n' >"$W/visit.yaml"
cd "$W/arc"
mgr member add qian --name 钱七 --role sales --department 市场部 --public "$W/qian.pub" >/dev/null
mgr list --no-decrypt | grep -o 'C-[0-9A-Z]*' | sed -n '1,20p' >"$W/ids"
for i in 1 2 3; do qian submit --from "$W/visit.yaml" --dossier "$(sed -n "${i}p" "$W/ids")" >/dev/null; done
mgr submissions list >/dev/null
qian submissions list >/dev/null
rm -f "$W/stats"

timed "a hand-in" qian submit --from "$W/visit.yaml" --dossier "$(sed -n 10p "$W/ids")" >/dev/null
timed "another, right after it" qian submit --from "$W/visit.yaml" --dossier "$(sed -n 11p "$W/ids")" >/dev/null
timed "the manager's submissions list" mgr submissions list >"$W/subs"
SUB=$(grep -o 'S-[0-9A-Z]*' "$W/subs" | sed -n 1p)
SUB2=$(grep -o 'S-[0-9A-Z]*' "$W/subs" | sed -n 2p)
D=$(grep "$SUB" "$W/subs" | grep -o 'C-[0-9A-Z]*')
mgr show "$D" | sed 's/^  problems: .*/  problems: 原料涨价（交来）/' >"$W/d.yaml"
timed "submissions merge --from" mgr submissions merge "$SUB" "$D" --from "$W/d.yaml" >/dev/null
timed "submissions reject" mgr submissions reject "$SUB2" --reason 重复 >/dev/null
timed "list --no-decrypt" mgr list --no-decrypt >"$W/list"
mgr submissions list >"$W/subs"
cat "$W/stats"
unset CRM_STATS
CRM_NO_CACHE=1 mgr list --no-decrypt | cmp - "$W/list" && echo "list --no-decrypt: a replay's"
CRM_NO_CACHE=1 mgr submissions list | cmp - "$W/subs" && echo "submissions list: a replay's"
