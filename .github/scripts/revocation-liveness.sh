#!/usr/bin/env bash
# Revocation liveness of one stack (drift.yml): expire.yml's `revoke (<stack>)` job runs every 5 minutes; a stall (no
# run, late runs, or only failing runs) leaves its last success older and older. This check alerts when there is none
# or it is more than $REVOCATION_MAX_AGE_SECONDS (900: 15 minutes, the revocation bound) old at $NOW.
#
#   revocation-liveness.sh STACK_NAME
#
# LAST_REVOCATION is when that job last succeeded on main (RFC 3339, the job's completed_at from GitHub's record of
# expire.yml's runs, found by drift.yml's step `revoked`; empty: none found). It reads no Pulumi tag: a tag
# write is not serialized with updates (issue 25). STACK_NAME is fully qualified (org/databricks-access/<stack>).
# Writes `revocation` (ok|stale|missing) to $GITHUB_OUTPUT and one line to $GITHUB_STEP_SUMMARY and $REPORT_FILE
# (appended: drift.sh's report). Exit codes: 0 ok, 1 alert. NOW (RFC 3339, default: DATABRICKS_ACCESS_NOW, else
# the clock) is injectable for tests.
set -euo pipefail

stack_name=${1:?usage: revocation-liveness.sh STACK_NAME}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
report=${REPORT_FILE:-$work/liveness.md}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
outputs=${GITHUB_OUTPUT:-/dev/null}
now=${NOW:-${DATABRICKS_ACCESS_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}}
max_age=${REVOCATION_MAX_AGE_SECONDS:-900}
last=${LAST_REVOCATION:-}
jqlib=(-L "$here")

say() { printf '%s\n' "$*" | tee -a "$report" >> "$summary"; }

revocation=missing
if [ -n "$last" ]; then
  age=$(jq -n "${jqlib[@]}" --arg last "$last" --arg now "$now" 'include "lib";
    if ($last | epoch) == null then "unreadable" else (($now | epoch) - ($last | epoch) | floor) end')
  if [ "$age" = '"unreadable"' ]; then
    say "- last successful revocation: **unreadable** value \`$(printf '%s' "$last" | jq -Rr "${jqlib[@]}" 'include "lib"; md')\`"
  elif [ "$age" -le "$max_age" ]; then
    revocation=ok
    say "- last successful revocation in \`$stack_name\`: $last ($((age / 60)) min ago)"
  else
    revocation=stale
    say "- last successful revocation in \`$stack_name\`: **$last, $((age / 3600)) h $((age % 3600 / 60)) min ago** (more than $((max_age / 60)) min: expired access may outlive the bound; see the runbook, \"Revocation failed\")"
  fi
else
  say "- last successful revocation in \`$stack_name\`: **none found** (no successful run of expire.yml's revoke job for this stack on main)"
fi

echo "revocation=$revocation" >> "$outputs"
[ "$revocation" = ok ]
