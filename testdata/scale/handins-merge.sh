#!/bin/bash
# usage: testdata/scale/handins-merge.sh BIN DIR
#
# Times the manager's first command after pulling hand-ins (R6.1) that a
# sales member handed in in another clone, while this clone folded one
# (R6.3) and set 40 credit classes of its own, on copies of the archive in
# DIR, made by the synthetic generator:
#   go run ./testdata/gen/crmgen -n 100000 -years 10 -o DIR
# A sales member (qian) is added and hands in three reports about
# dossiers; the clones then part: this one folds the first hand-in and
# sets the credit classes, the other hands in twice more (about a dossier
# and about a new customer). The pull copies the event and hand-in files
# this clone lacks, as git would. Printed: each hand-in's time and peak
# memory, the first `list --no-decrypt` after the pull and what it read
# (CRM_STATS), and whether its output and `submissions list` are a
# replay's. The first command of each member in each copy is cold (about
# a minute at 100,000 dossiers; the whole script takes about 7 minutes).
# The copies, made beside DIR (hard links: the same file system), are
# removed.
set -eu
BIN=$(realpath "$1"); DIR=$(realpath "$2")
W=$(mktemp -d "$DIR.handins.XXXXXX"); trap 'rm -rf "$W"' EXIT
export HOME=$W/home CRM_RACY_WINDOW=0s
mkdir -p "$HOME"
cp -al "$DIR/archive" "$W/base" # crm writes new files and renames: the originals stay
mgr() { XDG_CACHE_HOME=$1 CRM_IDENTITY=$DIR/manager.key "$BIN" "${@:2}"; }
qian() { XDG_CACHE_HOME=$1 CRM_IDENTITY=$W/qian.key /usr/bin/time -f "hand-in: %e s, %M KB" "$BIN" "${@:2}" >/dev/null; }
"$BIN" keygen -o "$W/qian.key" 2>/dev/null
"$BIN" keygen -y "$W/qian.key" >"$W/qian.pub"
printf 'trading:\n  problems: 原料涨价\n' >"$W/visit.yaml"
printf 'customer:\n  name: 新客户公司\nrelationship: 一般业务往来\n' >"$W/new.yaml"
cd "$W/base"
mgr "$W/c.mgr" member add qian --name 钱七 --role sales --department 市场部 --public "$W/qian.pub" >/dev/null
mgr "$W/c.mgr" list --no-decrypt | grep -o 'C-[0-9A-Z]*' | sed -n '1,400p' >"$W/ids"
for i in 1 2 3; do qian "$W/c.qian" submit --from "$W/visit.yaml" --dossier "$(sed -n "${i}p" "$W/ids")"; done
mgr "$W/c.mgr" list --no-decrypt >/dev/null
SUB=$(mgr "$W/c.mgr" submissions list | grep -o 'S-[0-9A-Z]*' | head -1)
D=$(mgr "$W/c.mgr" submissions list | grep "$SUB" | grep -o 'C-[0-9A-Z]*')

# the clones part
cp -al "$W/base" "$W/mine"
cp -al "$W/base" "$W/theirs"
cp -a "$W/c.mgr" "$W/c.mine"
cd "$W/mine"
mgr "$W/c.mine" show "$D" | sed 's/^  problems: .*/  problems: 原料涨价（交来）/' >"$W/d.yaml"
mgr "$W/c.mine" submissions merge "$SUB" "$D" --from "$W/d.yaml" >/dev/null
for id in $(sed -n '100,139p' "$W/ids"); do mgr "$W/c.mine" classify "$id" --credit B --reason 复核 >/dev/null; done
mgr "$W/c.mine" list --no-decrypt >/dev/null
cd "$W/theirs"
qian "$W/c.qian" submit --from "$W/visit.yaml" --dossier "$(sed -n 300p "$W/ids")"
qian "$W/c.qian" submit --from "$W/new.yaml"

# the pull: the files this clone lacks that were not in the common past
find journal submissions -type f | while read -r f; do
	[ -e "$W/mine/$f" ] || [ -e "$W/base/$f" ] || { mkdir -p "$W/mine/$(dirname "$f")" && cp "$f" "$W/mine/$f"; }
done
cd "$W/mine"
CRM_STATS=$W/stats /usr/bin/time -f "the first list --no-decrypt after the pull: %e s, %M KB" \
	env XDG_CACHE_HOME="$W/c.mine" CRM_IDENTITY="$DIR/manager.key" "$BIN" list --no-decrypt >"$W/list"
cat "$W/stats"
mgr "$W/c.mine" submissions list >"$W/subs"
mgr "$W/c.mine" list --no-decrypt | cmp -s - "$W/list" && echo "the list again: the same"
CRM_NO_CACHE=1 mgr "$W/c.mine" list --no-decrypt | cmp - "$W/list" && echo "list --no-decrypt: a replay's"
CRM_NO_CACHE=1 mgr "$W/c.mine" submissions list | cmp - "$W/subs" && echo "submissions list: a replay's"
