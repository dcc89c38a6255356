# Shared shell definitions for the scheduled jobs' scripts (sourced, not run).
#
# `pulumi` waits out the stack lock. Each kind of job has its own concurrency group (deploy-, revoke-, expire-,
# drift-<stack>: a shared group would let a queued run of one kind cancel the pending run of another, a deploy
# included), so the stack lock in Pulumi Cloud is what keeps two updates apart: an update or preview that starts
# while another holds the stack fails with a 409 whose text names .../common-issues/update-conflicts/ (previews
# start an update too) [fact: cli-update-conflict]. Such a call is repeated every $LOCK_POLL_SECONDS (60) for up to
# $LOCK_WAIT_SECONDS (2700; expire.yml's revoke job sets 90, its share of the revocation bound); any other failure
# is returned at once. Output is passed on once the call has finished.
#
# Before every attempt of a preview, up or destroy, when $DEPLOYED_COMMIT is set (the commit the job read from the
# stack output `deployment` and checked out), the record is read again: when a deploy moved it meanwhile (it did
# while this job waited for the lock, or before), the call is not made and returns 3, so a job never applies an
# older commit's plan over a newer deploy. The program checks the same record inside its own update
# (infra/Infra/DeploymentRecord.cs CheckRevocationRun); a destroy runs no program, so this check is its guard.
#
# With $REFIX_INSTANT_AFTER_WAIT=true (the deploy's guard step: nothing was planned at the job's instant before the
# preview), each wait for the lock fixes the evaluation instant again, in this shell and in $GITHUB_ENV, so the
# preview, the guard (--now) and the up evaluate at the instant the preview really ran. Otherwise a deploy that
# waited out another update (up to $LOCK_WAIT_SECONDS) would evaluate expiry at the instant it started waiting and
# declare again a membership that expired meanwhile and that a revocation run has just removed. The scheduled
# scripts keep their instant: their offline plan, made at it, chose the targets.
pulumi() {
  local out err code waited=0 stack="" recorded i
  local args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --stack | -s) stack=${args[i + 1]:-} ;;
      --stack=*) stack=${args[i]#--stack=} ;;
    esac
  done
  out=$(mktemp) err=$(mktemp)
  while :; do
    if [ -n "${DEPLOYED_COMMIT:-}" ] && [[ " preview up destroy " == *" ${1:-} "* ]]; then
      recorded=$(command pulumi stack output deployment --json --stack "$stack" 2> /dev/null | jq -r '.commit // empty' 2> /dev/null) || recorded=""
      if [ -n "$recorded" ] && [ "$recorded" != "$DEPLOYED_COMMIT" ]; then
        echo "error: the stack now records the deployed commit $recorded, not $DEPLOYED_COMMIT (a deploy finished after this job read it): not running pulumi $1 with the older commit; the next run uses $recorded" >&2
        rm -f "$out" "$err"
        return 3
      fi
    fi
    code=0
    command pulumi "$@" > "$out" 2> "$err" || code=$?
    if [ "$code" -ne 0 ] && grep -q 'common-issues/update-conflicts/' "$err" \
       && [ "$waited" -lt "${LOCK_WAIT_SECONDS:-2700}" ]; then
      echo "pulumi $1: another update holds the stack; waiting (${waited}s so far)" >&2
      sleep "${LOCK_POLL_SECONDS:-60}"
      waited=$((waited + ${LOCK_POLL_SECONDS:-60}))
      if [ "${REFIX_INSTANT_AFTER_WAIT:-}" = true ]; then
        DATABRICKS_ACCESS_NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
        export DATABRICKS_ACCESS_NOW
        if [ -n "${GITHUB_ENV:-}" ]; then echo "DATABRICKS_ACCESS_NOW=$DATABRICKS_ACCESS_NOW" >> "$GITHUB_ENV"; fi
        echo "pulumi $1: evaluating at $DATABRICKS_ACCESS_NOW from now on (the instant this job fixed is older than the wait)" >&2
      fi
      continue
    fi
    cat "$out"
    cat "$err" >&2
    rm -f "$out" "$err"
    return "$code"
  done
}

# One evaluation instant per run: a script that runs the program (add-started.sh, rotate-due.sh) needs the instant its
# job fixed for the offline plan (DATABRICKS_ACCESS_NOW, expire.yml), which the program then evaluates at
# (infra/Infra/EvaluationInstant.cs), so the plan it checks and the update it makes see the same clock.
require_instant() {
  [[ "${DATABRICKS_ACCESS_NOW:-}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]] \
    || { echo "::error::DATABRICKS_ACCESS_NOW is '${DATABRICKS_ACCESS_NOW:-unset}': the job fixes one evaluation instant for the plan (--now) and the program; without it the program would read the clock again" >&2; exit 1; }
  export DATABRICKS_ACCESS_NOW
}
