#!/bin/bash
# usage: testdata/scale/targets.sh BIN DIR
#
# Measures issue 11's targets as a user meets them, on a copy of the
# archive in DIR made by the synthetic generator:
#   go run ./testdata/gen/crmgen -n 100000 -years 10 -o DIR
# with the manager's key: the first command (no cache), the journal-only
# queries warm, maintain (its first run bundles the closed months), show
# against the stock age -d of the same file (medians), a decrypting list
# and the monthly report cold (no digests, no plaintext cache) against
# bare age on every core (agefloor), then warm, writes, git status and
# add after 100 events, and the quarter's 核定 as the department runs it
# (the clerk's batch, the supervisor's sign-off, the next commands), the
# 核定 register as XLSX, a clerk added as a member and removed, and a
# clerk given new keys.
# Each line: seconds and peak memory (KB). The copy is removed.
# BenchmarkColdOpen gives the cold rebuild against its floor:
#   CRM_BENCH_ARCHIVE=DIR/archive go test -run '^$' -bench ColdOpen -benchtime 1x ./archive/
set -u
BIN=$(realpath "$1"); DIR=$(realpath "$2")
AGE=${AGE:-$(command -v age)}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "$DIR.targets.XXXXXX"); trap 'rm -rf "$W"' EXIT
cp -al "$DIR/archive" "$W/archive" # crm writes new files and renames: the originals stay
(cd "$HERE/../.." && go build -o "$W/agefloor" ./testdata/scale/agefloor)
# The XLSX register needs crm's helper: beside BIN (make build), else on
# PATH, else built here.
if [ ! -x "$(dirname "$BIN")/crm-xlsx" ] && ! command -v crm-xlsx >/dev/null && [ -z "${CRM_XLSX:-}" ]; then
	(cd "$HERE/../.." && go build -o "$W/crm-xlsx" ./cmd/crm-xlsx) && export CRM_XLSX=$W/crm-xlsx
fi
export XDG_CACHE_HOME=$W/cache XDG_CONFIG_HOME=$W/config HOME=$W/home CRM_IDENTITY=$DIR/manager.key
mkdir -p "$HOME"
cd "$W/archive"
T() { # LABEL CMD…: one run
	local l=$1; shift
	/usr/bin/time -f "$l: %e s, %M KB" "$@" >/dev/null 2>"$W/err"; tail -1 "$W/err"
}
med() { # LABEL N CMD…: median of N runs, ms
	local l=$1 n=$2; shift 2; local xs=()
	for _ in $(seq "$n"); do s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); xs+=($(((e - s) / 100000))); done
	printf '%s\n' "${xs[@]}" | sort -n | awk -v l="$l" '{a[NR]=$1} END {printf "%s: median %.1f ms (min %.1f, max %.1f, %d runs)\n", l, a[int((NR+1)/2)]/10, a[1]/10, a[NR]/10, NR}'
}
nth() { ls dossiers | sed -n "${1}p" | sed 's/\.age$//'; }
echo "$(ls dossiers | wc -l) dossiers, $(find journal -type f | wc -l) journal files"
T "first command, no cache (list --no-decrypt)" "$BIN" list --no-decrypt
sleep 2.2
for c in "list --no-decrypt" "review due" "borrow list" "log $(nth 5)"; do
	for _ in 1 2 3; do T "warm $c" "$BIN" $c; done
done
T "maintain, first (bundles closed months)" "$BIN" maintain
for _ in 1 2 3; do sleep 2.2; T "maintain, warm" "$BIN" maintain; done
ID=$(nth 5)
med "show ID" 30 "$BIN" show "$ID"
[ -n "$AGE" ] && med "stock age -d of its file" 30 "$AGE" -d -i "$CRM_IDENTITY" "dossiers/$ID.age"
med "crm --version" 30 "$BIN" --version
"$W/agefloor" . "$CRM_IDENTITY"
rm -rf "$XDG_CACHE_HOME"/crm/*-manager/digests "$XDG_CACHE_HOME"/crm/*-manager/*.cache
T "list, cold (no digests, no plaintext cache)" "$BIN" list
rm -rf "$XDG_CACHE_HOME"/crm/*-manager/digests "$XDG_CACHE_HOME"/crm/*-manager/*.cache
T "report monthly, cold" "$BIN" report monthly
T "list, warm" "$BIN" list
T "report monthly, warm" "$BIN" report monthly
for i in 1 2 3; do sleep 2.1; T "review done" "$BIN" review done "$(nth $((20 + i)))" --again; done
E=$(nth 40); "$BIN" show "$E" >"$W/e.yaml" 2>/dev/null
for i in 1 2 3; do sleep 2.1; sed -i "s/^owner: .*/owner: 测试$i/" "$W/e.yaml"; T "edit --from" "$BIN" edit "$E" --from "$W/e.yaml"; done
# crm new checks the customer against every dossier the key reads (R5:
# one dossier per customer): the customers index maintain made above,
# carried by the writes since, answers it; without it, every name is read
# (the list cache's rows and digests) and the index made.
for i in 1 2 3; do sleep 2.1; printf 'customer:\n  name: 新客户%s有限公司\nowner: 测试\n' "$i" >"$W/n.yaml"; T "new --from" "$BIN" new --from "$W/n.yaml"; done
git init -q && git -c user.name=t -c user.email=t@e add -A && git -c user.name=t -c user.email=t@e commit -q -m base
T "review done of 100 dossiers (one batch, committed by crm)" "$BIN" review done $(ls dossiers | sed -n '200,299p' | sed 's/\.age$//') --again
sleep 2.2
for _ in 1 2 3; do T "git status" git status --short; done
T "git add -A" git add -A
# the quarter's 核定 as the department runs it
for m in clerk super; do CRM_IDENTITY=$DIR/$m.key T "$m's first command" "$BIN" list --no-decrypt; done
sleep 2.2
CRM_IDENTITY=$DIR/clerk.key T "clerk: review done --all-readable" "$BIN" review done --all-readable --note 季度核定
sleep 2.2
CRM_IDENTITY=$DIR/clerk.key T "clerk's next command" "$BIN" review due
sleep 2.2
CRM_IDENTITY=$DIR/super.key T "supervisor: review signoff" "$BIN" review signoff "$("$BIN" review due --json 2>/dev/null | sed -n 's/.*"quarter": "\(.*\)".*/\1/p' | head -1)"
sleep 2.2
T "manager's next command after the sign-off" "$BIN" review due
for i in 1 2 3; do sleep 2.1; T "review done (the month holds the quarter's 核定)" "$BIN" review done "$(nth $((60 + i)))" --again; done
T "report reviews --format xlsx (the whole 核定 register)" "$BIN" report reviews --format xlsx -o "$W/reviews.xlsx"
# a clerk joins: every file of the levels clerks read is re-encrypted to
# them, as one batch, and committed by crm
"$BIN" keygen -o "$W/new.key" >/dev/null 2>&1 && "$BIN" keygen -y "$W/new.key" >"$W/new.pub" 2>/dev/null
sleep 2.2
T "member add (a clerk)" "$BIN" member add newclerk --name 新职员 --role clerk --public "$W/new.pub"
sleep 2.2
T "manager's next command after the member add" "$BIN" review due
# and leaves: every file they read is re-encrypted without them
sleep 2.2
T "member remove (that clerk)" "$BIN" member remove newclerk --reason 离职 --yes
sleep 2.2
T "manager's next command after the removal" "$BIN" review due
# a clerk's laptop is lost: their keys are changed, and every file they
# read is re-encrypted to the new ones
"$BIN" keygen -o "$W/rot.key" >/dev/null 2>&1 && "$BIN" keygen -y "$W/rot.key" >"$W/rot.pub" 2>/dev/null
ROT=$(grep -l '^  - clerk$' members/*.yaml | head -1 | xargs basename | sed 's/\.yaml$//')
sleep 2.2
T "member rotate $ROT (new keys)" "$BIN" member rotate "$ROT" --public "$W/rot.pub"
sleep 2.2
T "manager's next command after the rotation" "$BIN" review due
