#!/usr/bin/env bash
# A stand-in `pulumi` for the delivery tests, following the Pulumi CLI at v3.258.0 (pulumi/pulumi, extracted in
# /work/src/pulumi; the version in .pulumi.version). Every behaviour names the upstream file it follows.
#
# It knows ONE stack in Pulumi Cloud, $FAKE_DIR/stack (fully qualified: org/project/stack), and answers from files
# in $FAKE_DIR that the test puts there (the JSON documents are built by Engine.cs in the CLI's own shapes):
#   state.json / state-after.json     `stack export` (before / after a destroy or up)
#   state-applied.json                 written by a targeted `up` (see there), answered after it
#   outputs.json                       `stack output --json` (and `stack output <name> --json`: that property)
#   refresh.json, preview.json, targeted.json, destroy-preview.json   the preview digests
#   tags/<name>                        stack tags (`stack tag get|set`)
#   <answer>.exit                      the exit code of that answer (default 0)
#   conflict                           while it holds a number N > 0, the next N stack operations fail with the
#                                      409 conflict of a stack another update holds
#   deploy-on-conflict                 a commit id: when a conflict is answered, a deploy of that commit finishes
#                                      meanwhile (outputs.json's deployment.commit becomes it)
# Each call is recorded in $FAKE_DIR/calls.log as "<DATABRICKS_ACCESS_RUN>\t<args>\t<cwd>".
set -euo pipefail
d="$FAKE_DIR"
printf '%s\t%s\t%s\n' "${DATABRICKS_ACCESS_RUN:-}" "$*" "$PWD" >> "$d/calls.log"

# Errors print as "error: <message>" on stderr [fact: diag-format]; a plain error exits 1, a missing stack 6
# [fact: cli-exit-codes].
die() { printf 'error: %s\n' "$1" >&2; exit "${2:-1}"; }
answer() { if [ -f "$d/$1" ]; then cat "$d/$1"; fi; }
code() { if [ -f "$d/$1" ]; then cat "$d/$1"; else echo 0; fi; }

# The --stack / -s flag of every stack command (StringVarP "stack", "s") [fact: cli-project-and-stack].
stack_arg=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --stack | -s) stack_arg=${args[i + 1]:-} ;;
    --stack=*) stack_arg=${args[i]#--stack=} ;;
  esac
done

# The project: DetectProjectPathFrom walks up from the working directory and takes the first Pulumi.<ext> of .json,
# .yaml, .yml [fact: cli-project-and-stack].
project_file=""
dir=$PWD
while :; do
  for ext in json yaml yml; do
    if [ -f "$dir/Pulumi.$ext" ]; then project_file="$dir/Pulumi.$ext"; break 2; fi
  done
  [ "$dir" = / ] && break
  dir=${dir%/*}; dir=${dir:-/}
done
project=""
if [ -n "$project_file" ]; then
  while IFS= read -r line; do
    if [[ $line =~ ^name:[[:space:]]*([^[:space:]#]+) ]]; then project=${BASH_REMATCH[1]}; break; fi
  done < "$project_file"
fi

# DetectProjectPathFrom's error when no project file is found [fact: cli-project-and-stack].
no_project() {
  die "no Pulumi.yaml project file found (searching upwards from $PWD). If you have not created a project yet, use \`pulumi new\` to do so: no project file found"
}

# RequireStack -> ParseStackReference: the name splits on "/" (1: name, 2: owner/name, 3: owner/project/name, else
# "could not parse stack name"); a missing owner is the default org; a missing project is the current project's, or the
# error below when there is none; a project that differs from Pulumi.yaml's is refused [fact: cli-project-and-stack].
# GetStack of an unknown stack: "no stack named '%s' found" (exit 6) [fact: cli-exit-codes].
resolve_stack() {
  [ -n "$stack_arg" ] || die "no stack selected; pass --stack (the stand-in knows no current stack)"
  local owner="" proj="" name=""
  IFS=/ read -r -a parts <<< "$stack_arg"
  case ${#parts[@]} in
    1) name=${parts[0]} ;;
    2) owner=${parts[0]}; name=${parts[1]} ;;
    3) owner=${parts[0]}; proj=${parts[1]}; name=${parts[2]} ;;
    *) die "could not parse stack name '$stack_arg'" ;;
  esac
  [ -n "$owner" ] || owner=${FAKE_DEFAULT_ORG:-contoso}
  if [ -z "$proj" ]; then
    [ -n "$project" ] || die "no current project found, pass the fully qualified stack name (org/project/stack)"
    proj=$project
  fi
  if [ -n "$project" ] && [ "$proj" != "$project" ]; then
    die "provided project name \"$proj\" doesn't match Pulumi.yaml"
  fi
  ref="$owner/$proj/$name"
  [ "$ref" = "$(< "$d/stack")" ] || die "no stack named '$stack_arg' found" 6
}

# A 409 from StartUpdate (another update holds the stack) becomes ConflictingUpdateError, printed after
# "[409] <message>"; previews start an update too [fact: cli-update-conflict].
maybe_conflict() {
  local n
  n=$(cat "$d/conflict" 2>/dev/null || echo 0)
  if [ "$n" -gt 0 ]; then
    echo $((n - 1)) > "$d/conflict"
    if [ -f "$d/deploy-on-conflict" ]; then
      jq --arg c "$(cat "$d/deploy-on-conflict")" '.deployment = {commit: $c, evaluatedAt: "2026-12-07T12:00:00Z"}' "$d/outputs.json" > "$d/outputs.next" 2> /dev/null \
        || jq -n --arg c "$(cat "$d/deploy-on-conflict")" '{deployment: {commit: $c, evaluatedAt: "2026-12-07T12:00:00Z"}}' > "$d/outputs.next"
      mv "$d/outputs.next" "$d/outputs.json"
    fi
    die "[409] Conflict: Another update is currently in progress.
To learn more about possible reasons and resolution, visit https://www.pulumi.com/docs/support/troubleshooting/common-issues/update-conflicts/"
  fi
}

case "${1:-}" in
  stack)
    case "${2:-}" in
      export)
        # The deployment (apitype.UntypedDeployment) to --file [fact: cli-stack-output].
        resolve_stack
        file=""
        for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --file ] && file=${args[i + 1]}; done
        if [ -f "$d/applied" ] && [ -f "$d/state-applied.json" ]; then cp "$d/state-applied.json" "$file"
        elif [ -f "$d/applied" ] && [ -f "$d/state-after.json" ]; then cp "$d/state-after.json" "$file"
        else cp "$d/state.json" "$file"; fi ;;
      output)
        # RequireStack, then the outputs as JSON with two-space indentation and a trailing newline
        # [fact: cli-stack-output]; secrets are "[secret]" unless --show-secrets (display.MassageSecrets). The test's outputs.json is that document.
        # With a NAME it prints only that property (WriteOne: the JSON value with --json), or fails with
        # "current stack does not have output property '<name>'" when the outputs hold none.
        resolve_stack
        name=""
        for ((i = 3; i <= ${#args[@]}; i++)); do
          case "${args[i - 1]}" in
            --stack | -s) i=$((i + 1)) ;;
            -*) ;;
            *) name=${args[i - 1]}; break ;;
          esac
        done
        [ "$(code outputs.exit)" -eq 0 ] || exit "$(code outputs.exit)"
        if [ -z "$name" ]; then answer outputs.json; exit 0; fi
        if [ -f "$d/outputs.json" ] && jq -e --arg n "$name" 'has($n)' "$d/outputs.json" > /dev/null; then
          jq --arg n "$name" '.[$n]' "$d/outputs.json"; exit 0
        fi
        die "current stack does not have output property '$name'" ;;
      tag)
        resolve_stack
        mkdir -p "$d/tags"
        case "${3:-}" in
          get)
            # `stack tag get`: "%v\n" of the value, or the error below [fact: cli-stack-tags-overwrite].
            if [ -f "$d/tags/$4" ]; then printf '%s\n' "$(cat "$d/tags/$4")"; else die "stack tag '$4' not found for stack '$ref'"; fi ;;
          set)
            # `stack tag set`: tags[name] = value, the whole set written back [fact: cli-stack-tags-overwrite].
            printf '%s' "$5" > "$d/tags/$4" ;;
          *) die "fake pulumi: unexpected $*" 99 ;;
        esac ;;
      *) die "fake pulumi: unexpected $*" 99 ;;
    esac ;;
  destroy)
    # destroy: RequireStack first; without a project it continues with an empty project named after the stack's
    # [fact: cli-project-and-stack]. --preview-only --json prints the digest [fact: preview-json-digest].
    resolve_stack
    maybe_conflict
    if [[ " $* " == *" --preview-only "* ]]; then answer destroy-preview.json; exit "$(code destroy-preview.exit)"; fi
    touch "$d/applied"; exit "$(code destroy.exit)" ;;
  preview)
    # preview: the project before the stack, so a missing project fails first [fact: cli-project-and-stack]. --json
    # prints the digest [fact: preview-json-digest]; with --show-replacement-steps it also lists create-replacement /
    # delete-replaced [fact: preview-hides-replacement-steps]: the stand-in answers the digest it is given either way.
    [ -n "$project" ] || no_project
    resolve_stack
    maybe_conflict
    # The program reads DATABRICKS_ACCESS_NOW (infra/Infra/EvaluationInstant.cs): every program run records it in now.log.
    printf '%s\n' "${DATABRICKS_ACCESS_NOW:-}" >> "$d/now.log"
    if [[ " $* " == *" --target "* ]]; then answer targeted.json; exit "$(code targeted.exit)"; fi
    if [[ " $* " == *" --refresh "* ]]; then answer refresh.json; exit "$(code refresh.exit)"; fi
    # --save-plan PATH (hidden unless PULUMI_EXPERIMENTAL, parsed always): after a successful preview, the
    # apitype.DeploymentPlanV1 (manifest, config, resourcePlans) is written to PATH with four-space indentation
    # [fact: engine-plan-constraint]. The stand-in writes plan.json, or an empty plan.
    for ((i = 0; i < ${#args[@]}; i++)); do
      if [ "${args[i]}" = --save-plan ] && [ "$(code preview.exit)" -eq 0 ]; then
        if [ -f "$d/plan.json" ]; then cp "$d/plan.json" "${args[i + 1]}"
        else printf '{\n    "manifest": {\n        "time": "2026-12-07T12:00:00Z",\n        "magic": "",\n        "version": "v3.258.0"\n    }\n}\n' > "${args[i + 1]}"; fi
      fi
    done
    answer preview.json; exit "$(code preview.exit)" ;;
  up)
    # up: the stack, then the project [fact: cli-project-and-stack].
    resolve_stack
    [ -n "$project" ] || no_project
    maybe_conflict
    printf '%s\n' "${DATABRICKS_ACCESS_NOW:-}" >> "$d/now.log"
    code_up=$(code up.exit)
    # `up --target <urn>...` with no state-after.json given: the stand-in applies the targeted preview's creates
    # (targeted.json) whose URN is a target to state.json, and nothing else, into state-applied.json (--target,
    # repeatable; a value with '*' is a glob, which the stand-in does not implement: it refuses one); a create that is
    # not targeted becomes a skipped create and is not recorded in the state [fact: engine-targeted-update]. A resource already in the state is not created again (a create step exists only for a new URN).
    if [ "$code_up" -eq 0 ] && [[ " $* " == *" --target "* ]] && [ ! -f "$d/state-after.json" ]; then
      targets=()
      for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --target ] && targets+=("${args[i + 1]}"); done
      for t in "${targets[@]}"; do [[ $t != *'*'* ]] || die "fake pulumi: glob targets are not implemented" 99; done
      jq --slurpfile preview "$d/targeted.json" --args '
        [.deployment.resources[].urn] as $have
        | .deployment.resources += [$preview[0].steps[]? | select(.op == "create" and (.urn | IN($ARGS.positional[]))
                                     and (.urn | IN($have[]) | not)) | .newState]
      ' "${targets[@]}" < "$d/state.json" > "$d/state-applied.json"
    fi
    touch "$d/applied"; exit "$code_up" ;;
  *) die "fake pulumi: unexpected $*" 99 ;;
esac
