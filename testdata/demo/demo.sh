#!/usr/bin/env bash
# Builds nothing itself: runs a crm binary through the main job on a
# throwaway archive: two members, a 机密 dossier, show, list, log, verify.
# Usage: testdata/demo/demo.sh [path/to/crm]
set -euo pipefail
crm=$(realpath "${1:-crm}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crm-demo.XXXXXX")
export XDG_CONFIG_HOME="$work/config" CRM_ARCHIVE="$work/archive"
run() { printf '\n$ %s\n' "$*"; "$@"; }
cd "$work"
run "$crm" keygen -o manager.key
run "$crm" keygen -o clerk.key
"$crm" keygen -y clerk.key > clerk.pub
run "$crm" --identity manager.key init "$work/archive" --id zhang --name 张经理
run "$crm" --identity manager.key member add wang --name 王专员 --role clerk --public clerk.pub
run "$crm" --identity manager.key member list
printf '\n# its relationship (重要业务往来) makes it 机密 (R7.2.3), which the clerk could not read (exit 3):\n'
run "$crm" --identity clerk.key new --from "$here/dossier.yaml" || echo "(exit $?)"
# ids are made up by crm (C- + day + random: clones never collide): keep it
printf '\n$ %s\n' "$crm --identity manager.key new --from $here/dossier.yaml"
out=$("$crm" --identity manager.key new --from "$here/dossier.yaml")
echo "$out"
id=$(grep -o 'C-[0-9A-Z]*' <<<"$out" | head -1)
run "$crm" --identity manager.key show "$id"
printf '\n# the clerk may not read a 机密 dossier (exit 3):\n'
run "$crm" --identity clerk.key show "$id" || echo "(exit $?)"
run "$crm" --identity manager.key list
run "$crm" log
run "$crm" verify
printf '\nDemo archive left in %s (remove it with: rm -rf %s)\n' "$work" "$work"
