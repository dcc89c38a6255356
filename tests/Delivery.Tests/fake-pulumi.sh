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

# sdk/go/common/diag/sink.go defaultSink.Stringify: errors print as "error: <message>" on stderr;
# pkg/cmd/pulumi/main.go main -> cmd.ExitCodeFor (pkg/cmd/pulumi/cmd/exit_codes.go): a plain error exits 1
# (ExitCodeError, sdk/go/common/util/cmdutil/exit.go), a missing stack 6 (ExitStackNotFound).
die() { printf 'error: %s\n' "$1" >&2; exit "${2:-1}"; }
answer() { if [ -f "$d/$1" ]; then cat "$d/$1"; fi; }
code() { if [ -f "$d/$1" ]; then cat "$d/$1"; else echo 0; fi; }

# The --stack / -s flag (pkg/cmd/pulumi/stack/stack_tag.go newStackTagCmd, operations/*.go: StringVarP "stack", "s").
stack_arg=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --stack | -s) stack_arg=${args[i + 1]:-} ;;
    --stack=*) stack_arg=${args[i]#--stack=} ;;
  esac
done

# The project: sdk/go/common/workspace/paths.go DetectProjectPathFrom walks up from the working directory
# (fsutil.WalkUpDirs) and findProjectInDir takes the first Pulumi.<ext> of encoding.Exts (.json, .yaml, .yml).
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

# sdk/go/common/workspace/paths.go DetectProjectPathFrom: the error when no project file is found.
no_project() {
  die "no Pulumi.yaml project file found (searching upwards from $PWD). If you have not created a project yet, use \`pulumi new\` to do so: no project file found"
}

# pkg/cmd/pulumi/stack/io.go RequireStack -> pkg/backend/httpstate/backend.go ParseStackReference: parseStackName
# splits on "/" (1: name, 2: owner/name, 3: owner/project/name, else "could not parse stack name"); a missing owner
# is the default org; a missing project is the current project's, or the error below when there is none.
# pkg/backend/backend.go CurrentProjectContradictsWorkspace: a project that differs from Pulumi.yaml's is refused.
# GetStack of an unknown stack: backenderr.StackNotFoundError "no stack named '%s' found" (exit 6).
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

# pkg/backend/httpstate/backend.go createAndStartUpdate: a 409 from StartUpdate (another update holds the stack) becomes
# backenderr.ConflictingUpdateError (pkg/backend/backenderr/backenderr.go), printed after "[409] <message>"
# (sdk/go/common/apitype/errors.go ErrorResponse.Error). Previews start an update too (apitype.PreviewUpdate).
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
        # pkg/cmd/pulumi/stack/stack_export.go: the deployment (apitype.UntypedDeployment) to --file.
        resolve_stack
        file=""
        for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --file ] && file=${args[i + 1]}; done
        if [ -f "$d/applied" ] && [ -f "$d/state-applied.json" ]; then cp "$d/state-applied.json" "$file"
        elif [ -f "$d/applied" ] && [ -f "$d/state-after.json" ]; then cp "$d/state-after.json" "$file"
        else cp "$d/state.json" "$file"; fi ;;
      output)
        # pkg/cmd/pulumi/stack/stack_output.go stackOutputCmd.Run: RequireStack, then jsonStackOutputWriter.WriteMany
        # -> ui.FprintJSON (pkg/cmd/pulumi/ui/json.go: two-space indentation, trailing newline); secrets are
        # "[secret]" unless --show-secrets (display.MassageSecrets). The test's outputs.json is that document.
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
            # pkg/cmd/pulumi/stack/stack_tag.go newStackTagGetCmd: "%v\n" of the value, or the error below.
            if [ -f "$d/tags/$4" ]; then printf '%s\n' "$(cat "$d/tags/$4")"; else die "stack tag '$4' not found for stack '$ref'"; fi ;;
          set)
            # pkg/cmd/pulumi/stack/stack_tag.go newStackTagSetCmd: tags[name] = value; backend.UpdateStackTags.
            printf '%s' "$5" > "$d/tags/$4" ;;
          *) die "fake pulumi: unexpected $*" 99 ;;
        esac ;;
      *) die "fake pulumi: unexpected $*" 99 ;;
    esac ;;
  destroy)
    # pkg/cmd/pulumi/operations/destroy.go: RequireStack first; without a project (readProjectForUpdate returns
    # ErrProjectNotFound) it continues with an empty project named after the stack's. --preview-only --json prints
    # the digest of pkg/backend/display/json.go ShowPreviewDigest.
    resolve_stack
    maybe_conflict
    if [[ " $* " == *" --preview-only "* ]]; then answer destroy-preview.json; exit "$(code destroy-preview.exit)"; fi
    touch "$d/applied"; exit "$(code destroy.exit)" ;;
  preview)
    # pkg/cmd/pulumi/operations/preview.go: readProjectForUpdate (operations/io.go) before RequireStack, so a
    # missing project fails first. --json prints ShowPreviewDigest (pkg/backend/display/json.go); with
    # --show-replacement-steps it also lists create-replacement / delete-replaced (display.go shouldShow): the
    # stand-in answers the digest it is given either way.
    [ -n "$project" ] || no_project
    resolve_stack
    maybe_conflict
    # The program reads DATABRICKS_ACCESS_NOW (infra/Infra/EvaluationInstant.cs): every program run records it in now.log.
    printf '%s\n' "${DATABRICKS_ACCESS_NOW:-}" >> "$d/now.log"
    if [[ " $* " == *" --target "* ]]; then answer targeted.json; exit "$(code targeted.exit)"; fi
    if [[ " $* " == *" --refresh "* ]]; then answer refresh.json; exit "$(code refresh.exit)"; fi
    # --save-plan PATH (preview.go; hidden unless PULUMI_EXPERIMENTAL, parsed always): after a successful preview,
    # pkg/cmd/pulumi/plan/plan.go Write encodes the apitype.DeploymentPlanV1 (manifest, config, resourcePlans) to PATH
    # with four-space indentation. The stand-in writes plan.json, or an empty plan.
    for ((i = 0; i < ${#args[@]}; i++)); do
      if [ "${args[i]}" = --save-plan ] && [ "$(code preview.exit)" -eq 0 ]; then
        if [ -f "$d/plan.json" ]; then cp "$d/plan.json" "${args[i + 1]}"
        else printf '{\n    "manifest": {\n        "time": "2026-12-07T12:00:00Z",\n        "magic": "",\n        "version": "v3.258.0"\n    }\n}\n' > "${args[i + 1]}"; fi
      fi
    done
    answer preview.json; exit "$(code preview.exit)" ;;
  up)
    # pkg/cmd/pulumi/operations/up.go: RequireStack, then readProjectForUpdate.
    resolve_stack
    [ -n "$project" ] || no_project
    maybe_conflict
    printf '%s\n' "${DATABRICKS_ACCESS_NOW:-}" >> "$d/now.log"
    code_up=$(code up.exit)
    # `up --target <urn>...` with no state-after.json given: the stand-in applies the targeted preview's creates
    # (targeted.json) whose URN is a target to state.json, and nothing else, into state-applied.json. pkg/cmd/pulumi/operations/up.go:798
    # (--target, repeatable; a value with '*' is a glob, pkg/resource/deploy/deployment.go:160 NewUrnTargets, which
    # the stand-in does not implement: it refuses one); pkg/resource/deploy/step_generator.go:1778
    # continueStepsFromImport: a create that is not targeted becomes a skipped create and is not recorded in the
    # state. A resource already in the state is not created again (a create step exists only for a new URN).
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
