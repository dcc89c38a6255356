#!/usr/bin/env bash
# Drift check of one stack (drift.yml, daily), in a checkout of the commit the stack last deployed, so merged but
# undeployed changes are not reported as drift.
#
#   drift.sh STACK_NAME
#
# 1. `pulumi preview --refresh --json`: every step other than `same` is drift (the live estate differs from what
#    the deployed commit declares). A preview that fails is reported as such, not as drift;
# 2. `pulumi stack output --json`: `unmanagedMembers` (group key -> member ids found in Databricks but not
#    declared; the deployer and the principals the stack makes admin are not reported) must be empty.
#
# Writes `changes`, `unmanaged` and `preview` (success|failure) to $GITHUB_OUTPUT and a report to
# $GITHUB_STEP_SUMMARY and $REPORT_FILE. Exit codes: 0 clean, 1 drift or a failed check.
set -euo pipefail

stack_name=${1:?usage: drift.sh STACK_NAME}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
report=${REPORT_FILE:-$work/drift.md}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
outputs=${GITHUB_OUTPUT:-/dev/null}
jqlib=(-L "$here")

say() { printf '%s\n' "$*" | tee -a "$report" >> "$summary"; }
: > "$report"
say "### Drift in \`$stack_name\`"

preview=success
if ! pulumi preview --refresh --json --non-interactive --stack "$stack_name" > "$work/preview.json"; then
  preview=failure
fi
if ! jq -e 'type == "object"' "$work/preview.json" > /dev/null 2>&1; then
  preview=failure
  echo '{}' > "$work/preview.json"
fi
changes=$(jq '[(.steps // [])[] | select(.op != "same")] | length' "$work/preview.json")
if [ "$preview" = failure ]; then
  say "- \`pulumi preview --refresh\` **failed**; its errors:"
  jq -r "${jqlib[@]}" 'include "lib"; (.diagnostics // [])[] | select(.severity == "error") | "  - " + (.message | md)' \
    "$work/preview.json" | while IFS= read -r line; do say "$line"; done
else
  say "- changes against the deployed commit: **$changes**"
  jq -r "${jqlib[@]}" 'include "lib"; (.steps // [])[] | select(.op != "same") | "  - \(.op) `\(.urn | urn_type)` \(.urn | urn_name | md)"' \
    "$work/preview.json" | while IFS= read -r line; do say "$line"; done
fi

unmanaged=unknown
if pulumi stack output --json --stack "$stack_name" > "$work/outputs.json"; then
  # An absent output reads as {} (clean); anything but an object of arrays is an error.
  if unmanaged=$(jq -e '(.unmanagedMembers // {}) as $u
      | if ($u | type) == "object" and all($u[]; type == "array") then [$u[] | length] | add // 0
        else error("unmanagedMembers is not an object of arrays") end' "$work/outputs.json"); then
    say "- unmanaged members: **$unmanaged**"
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
  echo "unmanaged=$unmanaged"
} >> "$outputs"

[ "$preview" = success ] && [ "$changes" -eq 0 ] && [ "$unmanaged" = 0 ]
