#!/usr/bin/env bash
# Rotates the credential slots that are due, in one stack, and nothing else (expire.yml, job `expire`, hourly).
#
#   rotate-due.sh STACK_NAME PLAN_JSON
#
# Run in a checkout of the commit the stack last deployed; PLAN_JSON is that commit's offline plan, evaluated at
# DATABRICKS_ACCESS_NOW.
# Its `credentials[]` entries ({ principal, kind, slot, issued, expires, current, store, resource, storeResource })
# say which slot (`resource`, `<sp>-oauth-secret-a|b` or `<sp>-token-a|b`) is current, when it was issued, and which
# resource stores its value (`storeResource`, on the current slot, when it has a store).
#
# 1. due: a current slot is due when the state has no such resource, or its resource was created before the
#    slot's `issued` instant (the state's `created`, which a replacement resets [fact: engine-created-timestamp]);
# 2. select: a full `pulumi preview --json` must show exactly the due slots as `replace` (or `create`); a count that
#    differs from the plan's fails before anything changes;
# 3. check: the targeted preview (`--target <slot>... --target-dependents`) may change only those slots and their
#    stores (`storeResource`: a Databricks secret is replaced, a Key Vault secret updated);
# 4. rotate: `pulumi up` with the same targets;
# 5. confirm: a fresh export holds every due slot, created at or after its `issued` instant.
#
# Rotation runs the program (it creates the new credential and stores it) at the job's one evaluation instant,
# DATABRICKS_ACCESS_NOW, which the plan was made at (--now): the slots the preview and the up compute are the plan's,
# never those of a second reading of the clock (lib.sh require_instant). It runs in the revocation run mode:
# DATABRICKS_ACCESS_RUN=revocation makes policy violations warnings instead of errors (a policy that only time
# turned red must not stop a rotation); invalid config still fails. Only this targeted run sets it.
# Exit codes: 0 done or nothing due, 1 cannot rotate (the caller opens an issue).
set -euo pipefail

stack_name=${1:?usage: rotate-due.sh STACK_NAME PLAN_JSON}
plan=${2:?usage: rotate-due.sh STACK_NAME PLAN_JSON}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
report=${REPORT_FILE:-$work/rotation.md}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
jqlib=(-L "$here")
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"
# One instant per run: the plan was made at DATABRICKS_ACCESS_NOW (--now), and the preview and up evaluate at it too.
require_instant

say() { printf '%s\n' "$*" | tee -a "$report" >> "$summary"; }
fail() {
  say "**Cannot rotate in \`$stack_name\`:** $*"
  echo "::error::rotation in $stack_name: $*" >&2
  exit 1
}

: > "$report"
say "### Credential slots in \`$stack_name\`"

if jq -e '(has("credentials") | not) or (.credentials | length == 0)' "$plan" > /dev/null; then
  say "The plan lists no credential slots."
  exit 0
fi
jq -e 'all(.credentials[]; (.resource | type == "string") and (.current | type == "boolean") and (.issued | type == "string"))' "$plan" > /dev/null \
  || fail "the plan's credentials[] lack resource, current or issued"

pulumi stack export --stack "$stack_name" --file "$work/state.json"

jq "${jqlib[@]}" --slurpfile plan "$plan" '
  include "lib";
  [.deployment.resources[]? | select(.type | IN(slot_types[])) | {urn, name: (.urn | urn_name), created}] as $state
  | [$plan[0].credentials[] | select(.current)
     | . as $c
     | ($state | map(select(.name == $c.resource))) as $hits
     | $c + {deployed: ($hits | length), created: ($hits[0].created // null)}
     | . + {due: (if .deployed == 0 then "missing"
                  elif .created == null then "unknown"
                  elif (.created | epoch) == null or (.issued | epoch) == null then "unknown"
                  elif (.created | epoch) < (.issued | epoch) then "due"
                  else "no" end)}]
' "$work/state.json" > "$work/slots.json"

jq -r "${jqlib[@]}" 'include "lib";
  "| principal | kind | current slot | issued | deployed slot created | due |", "|---|---|---|---|---|---|",
  (.[] | "| \(.principal | md) | \(.kind | md) | \(.resource | md) | \(.issued | md) | \(.created // "-" | md) | \(.due) |")' \
  "$work/slots.json" | while IFS= read -r line; do say "$line"; done

unknown=$(jq '[.[] | select(.due == "unknown")] | length' "$work/slots.json")
[ "$unknown" -eq 0 ] || fail "$unknown current slot(s) have no readable creation time in the state"
mapfile -t due < <(jq -r '.[] | select(.due == "due" or .due == "missing") | .resource' "$work/slots.json" | sort -u)
expected=${#due[@]}
if [ "$expected" -eq 0 ]; then
  say "No credential slot is due."
  exit 0
fi

# Only the program runs of this script (preview, up) get the revocation run mode.
program() { DATABRICKS_ACCESS_RUN=revocation pulumi "$@"; }

# The full preview must replace exactly the due slots.
program preview --json --non-interactive --stack "$stack_name" > "$work/preview.json" \
  || fail "pulumi preview failed (see the log: invalid config or a provider error)"
jq "${jqlib[@]}" '
  include "lib";
  [(.steps // [])[] | select(.op == "replace" or .op == "create") | select(step_type | IN(slot_types[]))
   | {urn, op, name: (.urn | urn_name)}]
' "$work/preview.json" > "$work/selected.json"
mapfile -t selected < <(jq -r --argjson due "$(printf '%s\n' "${due[@]}" | jq -R . | jq -s .)" \
  '.[] | select(.name | IN($due[])) | .urn' "$work/selected.json" | sort -u)
mapfile -t selected_names < <(jq -r '.[].name' "$work/selected.json" | sort -u)
if [ "${#selected[@]}" -ne "$expected" ] || [ "${#selected_names[@]}" -ne "$expected" ]; then
  fail "the plan says $expected slot(s) are due (${due[*]}), the preview replaces ${#selected_names[@]} slot(s) (${selected_names[*]:-none})"
fi

args=(--target-dependents)
for urn in "${selected[@]}"; do args+=(--target "$urn"); done
stores=$(jq -c '[.[] | select(.due == "due" or .due == "missing") | .storeResource // empty]' "$work/slots.json")

# The targeted preview may touch only the selected slots and the stores that hold them.
program preview --json --non-interactive --stack "$stack_name" "${args[@]}" > "$work/targeted.json" \
  || fail "the targeted preview failed"
jq -r "${jqlib[@]}" --argjson selected "$(printf '%s\n' "${selected[@]}" | jq -R . | jq -s .)" --argjson stores "$stores" '
  include "lib";
  (.steps // [])[] | select(is_change)
  | select(((.urn | IN($selected[])) and (.op == "replace" or .op == "create")
            or ((step_type | IN(store_types[])) and (.urn | urn_name | IN($stores[])) and (.op == "update" or .op == "replace"))) | not)
  | "\(.op) \(.urn)"
' "$work/targeted.json" > "$work/unexpected.txt"
if [ -s "$work/unexpected.txt" ]; then
  while IFS= read -r line; do say "- unexpected: $line"; done < "$work/unexpected.txt"
  fail "the targeted rotation would change $(wc -l < "$work/unexpected.txt") resource(s) besides the due slots and their stores"
fi

program up --yes --non-interactive --skip-preview --stack "$stack_name" "${args[@]}" \
  || fail "pulumi up failed"

# Confirm: every due slot now exists, created at or after its issue instant.
pulumi stack export --stack "$stack_name" --file "$work/after.json"
stale=$(jq "${jqlib[@]}" --slurpfile slots "$work/slots.json" '
  include "lib";
  [.deployment.resources[]? | select(.type | IN(slot_types[])) | {name: (.urn | urn_name), created}] as $state
  | [$slots[0][] | select(.due == "due" or .due == "missing") | . as $s
     | select(([$state[] | select(.name == $s.resource and .created != null
                                   and (.created | epoch) != null and (.created | epoch) >= ($s.issued | epoch))] | length) != 1)]
  | length' "$work/after.json")
[ "$stale" -eq 0 ] || fail "$stale due slot(s) are not renewed in the state after the update"
say "Rotated $expected slot(s); confirmed renewed in the state."
