#!/usr/bin/env bash
# Drift check of one stack (drift.yml), in a checkout of the commit the stack last deployed, so merged but
# undeployed changes are not reported as drift.
#
#   drift.sh STACK_NAME [PLAN_JSON]   (an empty PLAN_JSON is none)
#
# STACK_NAME is fully qualified (org/databricks-access/<stack>). PLAN_JSON is the deployed commit's offline plan,
# evaluated now (`dotnet run --project infra/Cli -- plan --stack <stack> --format json`); without it no change is
# recognised as expected.
#
# 1. `pulumi preview --refresh --json`: a change is a step whose op changes something. With --refresh every
#    refreshed resource is listed as its own `refresh` step, whatever the refresh found (only `pulumi refresh`
#    turns it into an update or delete), and not counted in changeSummary [fact: preview-json-digest]; `read`
#    steps read a resource the program looks up [fact: engine-read-steps], and `same` steps change nothing: none
#    of these is a change. Any other op is, including ops this script does not know.
#    One change is expected, not drift: the `create` of a credential slot (OboToken, ServicePrincipalSecret) that
#    the plan lists as the NON-current slot past its `expires` (the provider finds the expired token gone and the
#    program declares both slots). It is listed as expected and not counted.
#    A preview that fails is reported as such, not as drift;
# 2. `pulumi stack output --json`: `unmanagedMembers` (group key -> member ids found in Databricks but not
#    declared; the deployer and the automation identities are not reported) must be empty. It is the output of
#    the last `up` (a deploy or a rotation), so it can be stale: the report says when it was read from;
# (Revocation liveness is its own step: revocation-liveness.sh.)
#
# Writes `changes`, `expected`, `unmanaged` and `preview` (success|failure) to $GITHUB_OUTPUT and a report to
# $GITHUB_STEP_SUMMARY and $REPORT_FILE. Exit codes: 0 clean, 1 drift or a failed check. NOW (RFC 3339, default:
# DATABRICKS_ACCESS_NOW, else the clock) is injectable for tests.
set -euo pipefail

stack_name=${1:?usage: drift.sh STACK_NAME [PLAN_JSON]}
plan=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
report=${REPORT_FILE:-$work/drift.md}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
outputs=${GITHUB_OUTPUT:-/dev/null}
# One instant per run: the job's DATABRICKS_ACCESS_NOW (drift.yml), at which the plan was made and the preview's program
# evaluates; NOW overrides it in tests.
now=${NOW:-${DATABRICKS_ACCESS_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}}
jqlib=(-L "$here")
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

say() { printf '%s\n' "$*" | tee -a "$report" >> "$summary"; }
: > "$report"
say "### Drift in \`$stack_name\`"

# The plan's non-current slots past expiry at $now: their re-creation is expected.
if [ -n "$plan" ] && jq -e '.credentials | type == "array"' "$plan" > /dev/null 2>&1; then
  jq "${jqlib[@]}" --arg now "$now" 'include "lib";
    [.credentials[] | select(.current == false and (.expires | type == "string") and (.resource | type == "string"))
     | select((.expires | epoch) != null and (.expires | epoch) <= ($now | epoch))
     | {resource, expires, principal, kind}]' "$plan" > "$work/expired-slots.json"
else
  echo '[]' > "$work/expired-slots.json"
  [ -z "$plan" ] || say "- the offline plan is unreadable: no change is treated as expected"
fi

preview=success
if ! pulumi preview --refresh --json --non-interactive --stack "$stack_name" > "$work/preview.json"; then
  preview=failure
fi
if ! jq -e 'type == "object"' "$work/preview.json" > /dev/null 2>&1; then
  preview=failure
  echo '{}' > "$work/preview.json"
fi
jq "${jqlib[@]}" --slurpfile slots "$work/expired-slots.json" 'include "lib";
  [(.steps // [])[] | select(.op | IN("same", "refresh", "read") | not)
   | . + {expected: (.op == "create" and (step_type | IN(slot_types[]))
                     and ((.urn | urn_name) as $n | any($slots[0][]; .resource == $n)))}]
' "$work/preview.json" > "$work/changes.json"
changes=$(jq '[.[] | select(.expected | not)] | length' "$work/changes.json")
expected=$(jq '[.[] | select(.expected)] | length' "$work/changes.json")
refreshed=$(jq '[(.steps // [])[] | select(.op == "refresh")] | length' "$work/preview.json")
if [ "$preview" = failure ]; then
  say "- \`pulumi preview --refresh\` **failed**; its errors:"
  jq -r "${jqlib[@]}" 'include "lib"; (.diagnostics // [])[] | select(.severity == "error") | "  - " + (.message | md)' \
    "$work/preview.json" | while IFS= read -r line; do say "$line"; done
else
  say "- changes against the deployed commit: **$changes** ($refreshed resource(s) refreshed; refresh, read and same steps are not changes)"
  jq -r "${jqlib[@]}" 'include "lib"; .[] | select(.expected | not) | "  - \(.op) `\(.urn | urn_type)` \(.urn | urn_name | md)"' \
    "$work/changes.json" | while IFS= read -r line; do say "$line"; done
  if [ "$expected" -gt 0 ]; then
    say "- expected, not drift: **$expected** re-creation(s) of an expired previous credential slot (the plan's non-current slot, past its expiry)"
    jq -r "${jqlib[@]}" --slurpfile slots "$work/expired-slots.json" 'include "lib"; .[] | select(.expected)
      | (.urn | urn_name) as $n | ($slots[0][] | select(.resource == $n)) as $s
      | "  - create `\(.urn | urn_type)` \($n | md) (expired \($s.expires | md))"' \
      "$work/changes.json" | while IFS= read -r line; do say "$line"; done
  fi
fi

unmanaged=unknown
if pulumi stack output --json --stack "$stack_name" > "$work/outputs.json"; then
  # An absent output reads as {} (clean); anything but an object of arrays is an error.
  if unmanaged=$(jq -e '(.unmanagedMembers // {}) as $u
      | if ($u | type) == "object" and all($u[]; type == "array") then [$u[] | length] | add // 0
        else error("unmanagedMembers is not an object of arrays") end' "$work/outputs.json"); then
    say "- unmanaged members: **$unmanaged** (stack output of the last \`up\`, a deploy or a rotation: it may be stale; deploy, then re-run to confirm)"
    jq -r "${jqlib[@]}" 'include "lib"; (.unmanagedMembers // {}) | to_entries[] | select(.value | length > 0)
      | "  - \(.key | md): \(.value | map(md) | join(", "))"' "$work/outputs.json" | while IFS= read -r line; do say "$line"; done
  else
    unmanaged=unknown
    say "- unmanaged members: **unreadable** stack output"
  fi
else
  say "- unmanaged members: **unknown** (\`pulumi stack output\` failed)"
fi

{
  echo "preview=$preview"
  echo "changes=$changes"
  echo "expected=$expected"
  echo "unmanaged=$unmanaged"
} >> "$outputs"

[ "$preview" = success ] && [ "$changes" -eq 0 ] && [ "$unmanaged" = 0 ]
