#!/usr/bin/env bash
# Adds the time-bound memberships that have started, in one stack, and nothing else (expire.yml, job `expire`, hourly).
#
#   add-started.sh STACK_NAME PLAN_JSON
#
# Run in a checkout of the commit the stack last deployed. PLAN_JSON is that commit's offline plan, evaluated now
# (`dotnet run --project infra/Cli -- plan --stack <stack> --format json`). A membership with `starts` is left out of
# the plan until it starts (pending[]); from then on it is in timeBound[] with its `starts` and the GroupMember it
# has (`type`, `resource`), and that resource is in resources[] with its `component` (the group's).
#
# 1. select: the started entries (timeBound[] with `starts`) whose GroupMember the state does not hold
#    (`pulumi stack export`); one already in the state is not touched (idempotent), one whose name matches more
#    than one resource is never guessed at;
# 2. URN: the new resource's URN is its parent's qualified type + "$" + its type [fact: urn-format], the parent being the group's component as the state holds it; a group
#    whose component is not deployed cannot be completed here (its deploy failed: the run fails naming it);
# 3. check: `pulumi preview --json --target <urn>...` must create exactly those URNs and change nothing else;
# 4. add: `pulumi up --target <urn>...` (a literal URN: no '*', so no glob). A targeted update creates only targeted
#    resources (a create not targeted is a skipped create, not recorded in the state) and fails when a target depends
#    on a skipped create ("untargeted create") [fact: engine-targeted-update]; the group, the member's lookup and the
#    provider already exist, and nothing depends on a GroupMember, so no --target-dependents;
# 5. confirm: a fresh export holds each added URN exactly once.
#
# The program runs (it creates the membership) at the job's one evaluation instant, DATABRICKS_ACCESS_NOW, which the plan
# was made at (--now): the preview and the up see the memberships the plan saw, never a second reading of the clock
# (lib.sh require_instant). Before each of them lib.sh re-reads the stack's deployment record ($DEPLOYED_COMMIT).
# It runs in the revocation run mode like rotate-due.sh:
# DATABRICKS_ACCESS_RUN=revocation makes policy violations warnings (the membership was reviewed and deployed with
# its `starts`; a policy that only time turned red must not stop it); invalid config still fails.
# Writes a markdown report to $GITHUB_STEP_SUMMARY (when set) and to $REPORT_FILE (default: $WORK_DIR/add.md).
# Exit codes: 0 done or nothing to do, 1 cannot add (the caller opens an issue).
set -euo pipefail

stack_name=${1:?usage: add-started.sh STACK_NAME PLAN_JSON}
plan=${2:?usage: add-started.sh STACK_NAME PLAN_JSON}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
report=${REPORT_FILE:-$work/add.md}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
jqlib=(-L "$here")
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"
# One instant per run: the plan was made at DATABRICKS_ACCESS_NOW (--now), and the preview and up evaluate at it too.
require_instant

say() { printf '%s\n' "$*" | tee -a "$report" >> "$summary"; }
fail() {
  say "**Cannot add started memberships in \`$stack_name\`:** $*"
  echo "::error::adding started memberships in $stack_name: $*" >&2
  exit 1
}

: > "$report"
say "### Started memberships in \`$stack_name\`"

jq -e 'has("timeBound") and (.timeBound | type == "array")
       and all(.timeBound[]; (.type | type == "string") and (.resource | type == "string"))' "$plan" > /dev/null \
  || fail "the plan lists no time-bound memberships with their resource (the deployed commit predates timeBound[].resource); deploy a newer commit"

pulumi stack export --stack "$stack_name" --file "$work/state.json"

# The started memberships, whether the state holds them, and the URN each missing one gets.
jq "${jqlib[@]}" --slurpfile plan "$plan" '
  include "lib";
  ($plan[0]) as $p
  | [.deployment.resources[]? | {urn, type, name: (.urn | urn_name)}] as $state
  | [$p.timeBound[] | select(.starts != null) as $e
     | ([$p.resources[]? | select(.type == $e.type and .name == $e.resource) | .component] | unique) as $components
     | ($state | map(select(.type == $e.type and .name == $e.resource))) as $hits
     | ([$components[] as $c
         | ([$p.resources[]? | select(.component == $c and .name == $c) | .type] | first) as $ctype
         | $state[] | select(.type == $ctype and .name == $c) | .urn] | unique) as $parents
     | $e + {planned: (($components | length) == 1), deployed: [$hits[].urn],
             urn: (if ($parents | length) == 1
                   then ($parents[0] | split("::")) as $u
                        | "\($u[0])::\($u[1])::\($u[2])$\($e.type)::\($e.resource)"
                   else null end)}]
' "$work/state.json" > "$work/started.json"

jq -r "${jqlib[@]}" 'include "lib";
  if length == 0 then "No time-bound membership with `starts` has started."
  else "| group | principal | starts | expires | reason | state |", "|---|---|---|---|---|---|",
    (.[] | "| \(.group | md) | \(.principal | md) | \(.starts | md) | \(.expires | md) | \(.reason // "-" | md) | "
           + (if (.planned | not) then "not planned: skipped"
              elif (.deployed | length) == 1 then "present"
              elif (.deployed | length) > 1 then "ambiguous: \(.deployed | length) resources"
              elif .urn == null then "group not deployed"
              else "**to add**" end) + " |")
  end' "$work/started.json" | while IFS= read -r line; do say "$line"; done

# Never guessed at, and they do not hold up the clear ones: those are added first, then the run fails naming them.
blocked=$(jq '[.[] | select(.planned and ((.deployed | length) > 1 or ((.deployed | length) == 0 and .urn == null)))] | length' "$work/started.json")
blocked_done() {
  [ "$blocked" -eq 0 ] || fail "$blocked started membership(s) match more than one resource in the state or belong to a group whose component is not deployed (not added; the clear ones above were handled first)"
}

mapfile -t targets < <(jq -r '.[] | select(.planned and (.deployed | length) == 0 and .urn != null) | .urn' "$work/started.json" | sort -u)
expected=${#targets[@]}
if [ "$expected" -eq 0 ]; then
  say "Nothing to add."
  blocked_done
  exit 0
fi
for urn in "${targets[@]}"; do
  # A '*' would make the target a glob (NewUrnTargets [fact: engine-targeted-update]) that could match other resources.
  [[ $urn != *'*'* ]] || fail "the resource name in $urn contains '*', which --target reads as a glob; not added"
done
targets_json=$(printf '%s\n' "${targets[@]}" | jq -R . | jq -s .)

args=()
for urn in "${targets[@]}"; do args+=(--target "$urn"); done

# Only the program runs of this script (preview, up) get the revocation run mode.
program() { DATABRICKS_ACCESS_RUN=revocation pulumi "$@"; }

# The targeted preview must create exactly the selected memberships and change nothing else.
program preview --json --non-interactive --stack "$stack_name" "${args[@]}" > "$work/add-preview.json" \
  || fail "the targeted preview failed (see the log: invalid config, a provider error, or a dependency not deployed)"
jq "${jqlib[@]}" --argjson targets "$targets_json" '
  include "lib";
  [(.steps // [])[] | select(is_change)] as $changes
  | {creates: [$changes[] | select(.op == "create" and (.urn | IN($targets[]))) | .urn] | unique,
     others: [$changes[] | select(.op != "create" or (.urn | IN($targets[]) | not)) | "\(.op) \(.urn)"]}
' "$work/add-preview.json" > "$work/add-check.json"
creates=$(jq '.creates | length' "$work/add-check.json")
if [ "$(jq '.others | length' "$work/add-check.json")" -ne 0 ] || [ "$creates" -ne "$expected" ]; then
  jq -r '.others[] | "- unexpected: " + .' "$work/add-check.json" | while IFS= read -r line; do say "$line"; done
  fail "the plan lists $expected started membership(s) to add, the targeted preview would create $creates and change $(jq '.others | length' "$work/add-check.json") other(s)"
fi

program up --yes --non-interactive --skip-preview --stack "$stack_name" "${args[@]}" \
  || fail "pulumi up failed"

# Confirm: each added membership is in the state exactly once.
pulumi stack export --stack "$stack_name" --file "$work/add-after.json"
missing=$(jq --argjson targets "$targets_json" \
  '[.deployment.resources[]?.urn] as $have | [$targets[] as $t | select(([$have[] | select(. == $t)] | length) != 1)] | length' \
  "$work/add-after.json")
[ "$missing" -eq 0 ] || fail "$missing started membership(s) are not in the state exactly once after the update"
say "Added $expected membership(s); confirmed in the state."
blocked_done
