# Shared shell definitions for the scheduled jobs' scripts (sourced, not run).
#
# `pulumi` waits out the stack lock. deploy, expire and drift use one concurrency group per workflow and stack (a
# shared group would let a queued run of one workflow cancel the queued run of another, see expire.yml), so the
# stack lock in Pulumi Cloud is what keeps two updates apart: an update or preview that starts while another holds
# the stack fails with a 409 (pulumi/pulumi v3.258.0 pkg/backend/httpstate/backend.go startUpdate ->
# backenderr.ConflictingUpdateError, whose text names .../common-issues/update-conflicts/). Such a call is
# repeated every $LOCK_POLL_SECONDS (60) for up to $LOCK_WAIT_SECONDS (2700: a deploy's timeout is 60 minutes,
# the job's 45); any other failure is returned at once. Output is passed on once the call has finished.
pulumi() {
  local out err code waited=0
  out=$(mktemp) err=$(mktemp)
  while :; do
    code=0
    command pulumi "$@" > "$out" 2> "$err" || code=$?
    if [ "$code" -ne 0 ] && grep -q 'common-issues/update-conflicts/' "$err" \
       && [ "$waited" -lt "${LOCK_WAIT_SECONDS:-2700}" ]; then
      echo "pulumi $1: another update holds the stack; waiting (${waited}s so far)" >&2
      sleep "${LOCK_POLL_SECONDS:-60}"
      waited=$((waited + ${LOCK_POLL_SECONDS:-60}))
      continue
    fi
    cat "$out"
    cat "$err" >&2
    rm -f "$out" "$err"
    return "$code"
  done
}
