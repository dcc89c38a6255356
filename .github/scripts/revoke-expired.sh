#!/usr/bin/env bash
# Revokes the memberships that expired, in one stack, and nothing else (expire.yml, job `revoke`, every 5 minutes).
#
#   revoke-expired.sh STACK_NAME PLAN_JSON
#
# Run in a checkout of the commit the stack last deployed. PLAN_JSON is that commit's offline plan, evaluated now
# (`dotnet run --project infra/Cli -- plan --stack <stack> --format json`): its `expired[]` entries name the
# GroupMember each expired membership had (`type`, `resource`).
#
# 1. select: the state's resources of that type and name (`pulumi stack export`); an expired entry whose resource
#    is still planned (a renewed membership) is kept; an entry already absent was revoked before;
# 2. check: `pulumi destroy --preview-only --json` on exactly those URNs must delete exactly them, nothing else; a
#    count that differs from the plan's fails before anything changes; an entry matching more than one resource is
#    never guessed at: the clear entries are revoked first, then the run fails naming the ambiguous ones;
# 3. revoke: `pulumi destroy --target <urn>...`. Destroy does not run the program (--run-program=false, given
#    since its default comes from PULUMI_RUN_PROGRAM) [fact: cli-destroy-no-program]: no policy evaluation, no
#    lookup, no stack-config validation can block a revocation; providers come from the state, credentials from
#    the environment;
# 4. confirm: a fresh export holds none of the expired resources.
#
# Writes a markdown report to $GITHUB_STEP_SUMMARY (when set) and to $REPORT_FILE (default: $WORK_DIR/report.md).
# Exit codes: 0 done or nothing to do, 1 cannot revoke (the caller opens an issue).
set -euo pipefail

stack_name=${1:?usage: revoke-expired.sh STACK_NAME PLAN_JSON}
plan=${2:?usage: revoke-expired.sh STACK_NAME PLAN_JSON}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
report=${REPORT_FILE:-$work/report.md}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
jqlib=(-L "$here")
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

say() { printf '%s\n' "$*" | tee -a "$report" >> "$summary"; }
fail() {
  say "**Cannot revoke in \`$stack_name\`:** $*"
  echo "::error::revocation in $stack_name: $*" >&2
  exit 1
}

: > "$report"
say "### Expired memberships in \`$stack_name\`"

jq -e 'has("expired") and (.expired | type == "array")
       and all(.expired[]; (.type | type == "string") and (.resource | type == "string"))' "$plan" > /dev/null \
  || fail "the plan lists no expired memberships with their resource (the deployed commit predates expired[].resource); deploy a newer commit"

pulumi stack export --stack "$stack_name" --file "$work/state.json"

# Which expired memberships are still deployed, and their URNs.
jq "${jqlib[@]}" --slurpfile plan "$plan" '
  include "lib";
  ($plan[0]) as $p
  | [$p.resources[]?.name] as $planned
  | [.deployment.resources[]? | {urn, type, name: (.urn | urn_name)}] as $state
  | [$p.expired[] as $e
     | ($state | map(select(.type == $e.type and .name == $e.resource))) as $hits
     | $e + {renewed: ($planned | index($e.resource) != null), urns: [$hits[].urn]}]
' "$work/state.json" > "$work/expired.json"

jq -r "${jqlib[@]}" 'include "lib";
  if length == 0 then "No membership has expired."
  else "| group | principal | expired | reason | state |", "|---|---|---|---|---|",
    (.[] | "| \(.group | md) | \(.principal | md) | \(.expires | md) | \(.reason // "-" | md) | "
           + (if .renewed then "renewed: still declared, kept"
              elif (.urns | length) == 0 then "revoked before"
              elif (.urns | length) == 1 then "**to revoke**"
              else "ambiguous: \(.urns | length) resources" end) + " |")
  end' "$work/expired.json" | while IFS= read -r line; do say "$line"; done

# An ambiguous entry (more than one resource of that name) is never guessed at; it does not hold up the clear ones:
# they are revoked first, then the run fails naming the ambiguous ones.
ambiguous=$(jq '[.[] | select((.renewed | not) and (.urns | length) > 1)] | length' "$work/expired.json")
ambiguous_done() {
  [ "$ambiguous" -eq 0 ] || fail "$ambiguous expired membership(s) match more than one resource in the state (not revoked; the clear ones above were handled first)"
}

mapfile -t targets < <(jq -r '.[] | select((.renewed | not) and (.urns | length) == 1) | .urns[0]' "$work/expired.json")
expected=${#targets[@]}
if [ "$expected" -eq 0 ]; then
  say "Nothing left to revoke."
  ambiguous_done
  exit 0
fi

args=()
for urn in "${targets[@]}"; do args+=(--target "$urn"); done

# The preview of exactly this destroy must delete the selected resources and nothing else.
pulumi destroy --run-program=false --preview-only --json --non-interactive --stack "$stack_name" "${args[@]}" > "$work/preview.json" \
  || fail "the destroy preview failed"
jq "${jqlib[@]}" --argjson targets "$(printf '%s\n' "${targets[@]}" | jq -R . | jq -s .)" '
  include "lib";
  [(.steps // [])[] | select(is_change)] as $changes
  | {deletes: [$changes[] | select(.op == "delete") | .urn] | unique,
     others: [$changes[] | select(.op != "delete" or (.urn | IN($targets[]) | not)) | "\(.op) \(.urn)"]}
' "$work/preview.json" > "$work/check.json"
deletes=$(jq '.deletes | length' "$work/check.json")
if [ "$(jq -r '.others | length' "$work/check.json")" -ne 0 ] || [ "$deletes" -ne "$expected" ]; then
  jq -r '.others[] | "- unexpected: " + .' "$work/check.json" | while IFS= read -r line; do say "$line"; done
  fail "the plan lists $expected expired membership(s) to revoke, the destroy preview would delete $deletes and change $(jq '.others | length' "$work/check.json") other(s)"
fi

pulumi destroy --run-program=false --yes --non-interactive --skip-preview --stack "$stack_name" "${args[@]}" \
  || fail "pulumi destroy failed"

# Confirm: nothing expired is left in the state.
pulumi stack export --stack "$stack_name" --file "$work/after.json"
left=$(jq --argjson targets "$(printf '%s\n' "${targets[@]}" | jq -R . | jq -s .)" \
  '[.deployment.resources[]? | select(.urn | IN($targets[]))] | length' "$work/after.json")
[ "$left" -eq 0 ] || fail "$left expired membership(s) are still in the state after the destroy"
say "Revoked $expected membership(s); confirmed absent from the state."
ambiguous_done
