#!/usr/bin/env bash
# End-to-end timing of the real Topology CLI on generated topologies (scale 1 and 10), with the commit before acting-as
# (BASE, default d8dff89) timed beside this checkout on the same files, run for run.
#
# Builds Release once (and BASE's CLI from `git archive BASE` into a temp dir), generates the stack files into a temp
# dir outside the repo, then runs
#   dotnet DatabricksAccess.Cli.dll check --file F --now NOW > /dev/null
#   dotnet DatabricksAccess.Cli.dll plan  --file F --now NOW > /dev/null
# under /usr/bin/time -v, REPEAT times each (default 3; this checkout's and BASE's runs alternate), and prints the best
# and the median wall time, the CPU time (user + sys) of the best run, the median peak RSS and the load average when
# the row started (the machine may be shared: compare within a row, or the ratios of one run).
# And the offline access query for one object (a scope that stores a token) and for one principal (a user), this
# checkout only (BASE has no access verb):
#   dotnet DatabricksAccess.Cli.dll access --file F --now NOW --object scope:S / --principal user:U > /dev/null
# Targets (issue 28): plan of scale 1 within 3x of check of scale 1 (same run), under 500 MB; plan of scale 10 within
# 12x plan of scale 1 and under 1 GB (the access matrix is streamed); access at scale 1 under 2 s, at scale 10 under
# 10x that. Ratios use the best wall times.
# Then hostile inputs: files of HOSTILE_MB (default 24) megabytes shaped to cost the most per byte
# (HostileGenerator.cs), each checked HOSTILE_REPEAT times (default 1) by this checkout and by BASE: target under 10 s
# and 1 GB, one line per finding, never a stack trace, and no slower than BASE.
#
# Environment: REPEAT (default 3), SCALES (default "1 10"), HOSTILE (default "all"; "none" to skip, or a list of
# shapes), HOSTILE_MB (default 24), HOSTILE_REPEAT (default 1), BASE (default d8dff89; "none" to skip), STRICT=1 to
# exit 1 when a target is missed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
repeat="${REPEAT:-3}"
scales="${SCALES:-1 10}"
base="${BASE:-d8dff89}"
hostile_repeat="${HOSTILE_REPEAT:-1}"
now="2026-06-01T12:00:00Z" # TopologyGenerator.NowText

if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (/usr/bin/time)..." >&2
  if ! apt-get install -y -qq time >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
  fi
fi

echo "building Release..." >&2
dotnet build -c Release --nologo -v q "$here/Topology.Benchmarks.csproj" >/dev/null
bench="$here/bin/Release/net10.0/Topology.Benchmarks.dll"
cli="$root/infra/Cli/bin/Release/net10.0/DatabricksAccess.Cli.dll"
[[ -f "$bench" && -f "$cli" ]] || { echo "build output missing: $bench / $cli" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/topology-measure.XXXXXX")"
trap 'rm -rf "$work"' EXIT

basecli=""
if [[ $base != none ]]; then
  echo "building $base (git archive into $work/base)..." >&2
  mkdir -p "$work/base"
  git -C "$root" archive "$base" | tar -x -C "$work/base"
  dotnet build -c Release --nologo -v q "$work/base/infra/Cli/Cli.csproj" >/dev/null
  basecli="$work/base/infra/Cli/bin/Release/net10.0/DatabricksAccess.Cli.dll"
  [[ -f $basecli ]] || { echo "build output missing: $basecli" >&2; exit 2; }
fi

for s in $scales; do
  dotnet "$bench" generate "$s" "$work/Pulumi.scale$s.yaml"
done
hostile="${HOSTILE:-all}"
[[ $hostile == all ]] && hostile="members token-stores webapp-groups exceptions nesting flow-values long-keys invalid-members"
[[ $hostile == none ]] && hostile=""
hostile_mb="${HOSTILE_MB:-24}"
for h in $hostile; do
  dotnet "$bench" hostile "$h" "$hostile_mb" "$work/hostile-$h.yaml"
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
load() { cut -d' ' -f1 /proc/loadavg; }

# One timed run: `timed KEY MAXRC CLI ARGS...` appends wall, CPU (user + sys) and peak RSS to $work/KEY.{wall,cpu,rss}
# and leaves stdout in $work/out.txt. Exits the script when the command exits above MAXRC.
timed() {
  local key="$1" maxrc="$2" rc
  shift 2
  set +e
  /usr/bin/time -v -o "$work/time.txt" dotnet "$@" >"$work/out.txt" 2>"$work/stderr.txt"
  rc=$?
  set -e
  echo "$rc" >"$work/rc.txt"
  if [[ $rc -gt $maxrc ]]; then
    echo "$key exited $rc:" >&2
    head -20 "$work/stderr.txt" >&2
    exit 1
  fi
  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.57", "User time (seconds): 1.80", "Maximum resident set size (kbytes): 409092"
  awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (k = 1; k <= n; k++) t = t * 60 + p[k]; print t }' "$work/time.txt" >>"$work/$key.wall"
  awk -F': ' '/User time \(seconds\)/ { u = $2 } /System time \(seconds\)/ { s = $2 } END { print u + s }' "$work/time.txt" >>"$work/$key.cpu"
  awk -F': ' '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }' "$work/time.txt" >>"$work/$key.rss"
  echo "  $key run: $(tail -1 "$work/$key.wall") s wall, $(tail -1 "$work/$key.cpu") s CPU, $(tail -1 "$work/$key.rss") MB, load $(load)" >&2
}

declare -A best med cpu rss loads
# Summarise KEY's runs: best and median wall, the CPU time of the best run, median RSS.
summarise() {
  local key="$1"
  best[$key]="$(sort -g "$work/$key.wall" | head -1)"
  med[$key]="$(median <"$work/$key.wall")"
  cpu[$key]="$(paste "$work/$key.wall" "$work/$key.cpu" | sort -g | head -1 | cut -f2)"
  rss[$key]="$(median <"$work/$key.rss")"
}

for s in $scales; do
  for cmd in check plan; do
    loads[$s,$cmd]="$(load)"
    for ((i = 1; i <= repeat; i++)); do
      timed "main.$s.$cmd" 0 "$cli" "$cmd" --file "$work/Pulumi.scale$s.yaml" --now "$now"
      if [[ -n $basecli ]]; then timed "base.$s.$cmd" 0 "$basecli" "$cmd" --file "$work/Pulumi.scale$s.yaml" --now "$now"; fi
    done
    summarise "main.$s.$cmd"
    if [[ -n $basecli ]]; then summarise "base.$s.$cmd"; fi
  done
done

# access: one object (a scope that stores a service principal's token) and one principal (a generated user).
declare -A entries
for s in $scales; do
  f="$work/Pulumi.scale$s.yaml"
  obj="scope:$(grep -m1 -oE 'store: scope-[0-9]+-[A-Za-z-]+' "$f" | sed 's/^store: //')"
  who="$(grep -m1 -oE 'user:[a-z]+\.[a-z]+[0-9]{6}@contoso\.com' "$f")"
  for q in object principal; do
    cmd="access-$q"
    arg=("--object" "$obj")
    [[ $q == principal ]] && arg=("--principal" "$who")
    loads[$s,$cmd]="$(load)"
    for ((i = 1; i <= repeat; i++)); do
      timed "main.$s.$cmd" 1 "$cli" access --file "$f" --now "$now" "${arg[@]}"
    done
    entries[$s,$cmd]="${arg[*]}: $(head -1 "$work/out.txt" | grep -oE '[0-9]+ entr(y|ies)')"
    summarise "main.$s.$cmd"
  done
done

verdict() { if awk "BEGIN { exit !($1) }"; then echo ok; else echo MISS; fi; }
{
echo
printf '%-6s %-16s %8s %8s %8s %8s %6s  %-22s  %s\n' scale cmd "best s" "median s" "CPU s" "peak MB" load "$base (best s, MB)" target
for s in $scales; do
  for cmd in check plan access-object access-principal; do
    k="main.$s.$cmd"
    target="-"
    if [[ $s == 1 && $cmd == check ]]; then
      target="<500 MB $(verdict "${rss[$k]} < 500")"
    elif [[ $s == 1 && $cmd == plan ]]; then
      target="<3x check ($(awk "BEGIN { printf \"%.1f\", ${best[$k]} / ${best[main.1.check]} }")x) $(verdict "${best[$k]} < 3 * ${best[main.1.check]}"), <500 MB $(verdict "${rss[$k]} < 500")"
    elif [[ $s == 1 && $cmd == access-* ]]; then
      target="<2 s $(verdict "${best[$k]} < 2")"
    elif [[ $s == 10 && $cmd == plan ]]; then
      target="<1 GB $(verdict "${rss[$k]} < 1024")"
    fi
    b="-"
    [[ -n $basecli && -n ${best[base.$s.$cmd]:-} ]] && b="${best[base.$s.$cmd]} s, ${rss[base.$s.$cmd]} MB"
    printf '%-6s %-16s %8.2f %8.2f %8.2f %8.0f %6s  %-22s  %s\n' "$s" "$cmd" "${best[$k]}" "${med[$k]}" "${cpu[$k]}" "${rss[$k]}" "${loads[$s,$cmd]}" "$b" "$target"
  done
done
for s in $scales; do
  echo "access at scale $s: ${entries[$s,access-object]}; ${entries[$s,access-principal]}"
done
if [[ " $scales " == *" 1 "* && " $scales " == *" 10 "* ]]; then
  for cmd in check plan access-object access-principal; do
    ratio="$(awk "BEGIN { printf \"%.1f\", ${best[main.10.$cmd]} / ${best[main.1.$cmd]} }")"
    limit=12
    [[ $cmd == access-* ]] && limit=10
    other=""
    [[ -n $basecli && -n ${best[base.10.$cmd]:-} ]] && other="   ($base: $(awk "BEGIN { printf \"%.1f\", ${best[base.10.$cmd]} / ${best[base.1.$cmd]} }")x)"
    printf '%-16s time(10x)/time(1x) = %5s   <%sx %s%s\n' "$cmd" "$ratio" "$limit" "$(verdict "$ratio < $limit")" "$other"
  done
fi
} | tee "$work/table.txt"

if [[ -n $hostile ]]; then
  for h in $hostile; do
    f="$work/hostile-$h.yaml"
    loads[$h]="$(load)"
    for ((i = 1; i <= hostile_repeat; i++)); do
      timed "main.$h" 2 "$cli" check --file "$f" --now "$now"
      grep -c '^   at ' "$work/stderr.txt" >"$work/main.$h.trace" || true
      cp "$work/rc.txt" "$work/main.$h.rc"
      wc -l <"$work/stderr.txt" >"$work/main.$h.findings"
      if [[ -n $basecli ]]; then timed "base.$h" 2 "$basecli" check --file "$f" --now "$now"; fi
    done
    summarise "main.$h"
    if [[ -n $basecli ]]; then summarise "base.$h"; fi
  done
  {
  echo
  printf '%-16s %6s %4s %8s %8s %8s %9s %6s  %-18s  %s\n' "hostile ${hostile_mb}MB" "MiB" exit "best s" "CPU s" "peak MB" findings load "$base (best s, MB)" "target <10 s, <1 GB, no stack trace, no slower than $base"
  for h in $hostile; do
    k="main.$h"
    b="-"
    slower=""
    if [[ -n $basecli ]]; then
      b="${best[base.$h]} s, ${rss[base.$h]} MB"
      slower=" $(verdict "${best[$k]} <= ${best[base.$h]} * 1.05")"
    fi
    printf '%-16s %6.1f %4d %8.2f %8.2f %8.0f %9d %6s  %-18s  %s %s %s%s\n' "$h" "$(awk "BEGIN { print $(stat -c %s "$work/hostile-$h.yaml") / 1048576 }")" "$(cat "$work/$k.rc")" \
      "${best[$k]}" "${cpu[$k]}" "${rss[$k]}" "$(cat "$work/$k.findings")" "${loads[$h]}" "$b" \
      "$(verdict "${best[$k]} < 10")" "$(verdict "${rss[$k]} < 1024")" "$(verdict "$(cat "$work/$k.trace") == 0 && $(cat "$work/$k.rc") <= 2")" "$slower"
  done
  } | tee -a "$work/table.txt"
fi
echo "(best and median of $repeat runs each, hostile inputs $hostile_repeat; dotnet $(dotnet --version), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)" | tee -a "$work/table.txt"
if [[ "${STRICT:-0}" == 1 ]] && grep -q MISS "$work/table.txt"; then
  exit 1
fi
