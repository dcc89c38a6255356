#!/usr/bin/env bash
# Revocation liveness of one stack (drift.yml): expire.yml sets the stack tag databricks-access:last-revocation
# after every run that revoked and rotated cleanly; a stall (no run, or only failing runs) leaves it older and
# older. This check alerts when it is absent or more than $REVOCATION_MAX_AGE_SECONDS (7200: 2 hours) old at $NOW.
#
#   revocation-liveness.sh STACK_NAME
#
# STACK_NAME is fully qualified (org/databricks-access/<stack>). Writes `revocation` (ok|stale|missing) to
# $GITHUB_OUTPUT and one line to $GITHUB_STEP_SUMMARY and $REPORT_FILE (appended: drift.sh's report). Exit codes:
# 0 ok, 1 alert. NOW (RFC 3339, default: the clock) is injectable for tests.
set -euo pipefail

stack_name=${1:?usage: revocation-liveness.sh STACK_NAME}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
report=${REPORT_FILE:-$work/liveness.md}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
outputs=${GITHUB_OUTPUT:-/dev/null}
now=${NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
max_age=${REVOCATION_MAX_AGE_SECONDS:-7200}
jqlib=(-L "$here")
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

say() { printf '%s\n' "$*" | tee -a "$report" >> "$summary"; }

# `stack tag get` exits 1 when the tag is absent (pkg/cmd/pulumi/stack/stack_tag.go).
revocation=missing
last=""
if last=$(pulumi stack tag get databricks-access:last-revocation --stack "$stack_name" 2> "$work/tag.err"); then
  age=$(jq -n "${jqlib[@]}" --arg last "$last" --arg now "$now" 'include "lib";
    if ($last | epoch) == null then "unreadable" else (($now | epoch) - ($last | epoch) | floor) end')
  if [ "$age" = '"unreadable"' ]; then
    say "- last successful revocation: **unreadable** tag value \`$(printf '%s' "$last" | jq -Rr "${jqlib[@]}" 'include "lib"; md')\`"
  elif [ "$age" -le "$max_age" ]; then
    revocation=ok
    say "- last successful revocation: $last ($((age / 60)) min ago)"
  else
    revocation=stale
    say "- last successful revocation: **$last, $((age / 3600)) h $((age % 3600 / 60)) min ago** (more than $((max_age / 3600)) h: expire.yml is not revoking; see the runbook, \"Revocation failed\")"
  fi
else
  say "- last successful revocation: **none recorded** (stack tag databricks-access:last-revocation is absent: expire.yml has not revoked successfully)"
fi

echo "revocation=$revocation" >> "$outputs"
[ "$revocation" = ok ]
