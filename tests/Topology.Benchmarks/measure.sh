#!/usr/bin/env bash
# End-to-end timing of the real Topology CLI on generated topologies (scale 1 and 10).
#
# Builds Release once, generates the stack files into a temp dir outside the repo, then runs
#   dotnet DatabricksAccess.Cli.dll check --file F --now NOW > /dev/null
#   dotnet DatabricksAccess.Cli.dll plan  --file F --now NOW > /dev/null
# under /usr/bin/time -v, REPEAT times each (default 3), and prints the median wall time and median peak RSS.
# and the offline access query for one object (a scope that stores a token) and for one principal (a user):
#   dotnet DatabricksAccess.Cli.dll access --file F --now NOW --object scope:S / --principal user:U > /dev/null
# Targets (issue 28): plan of scale 1 within 3x of check of scale 1 (same run), under 500 MB; plan of scale 10 within
# 12x plan of scale 1 and under 1 GB (the access matrix is streamed); access at scale 1 under 2 s, at scale 10 under
# 10x that.
# Then hostile inputs: files of HOSTILE_MB (default 24) megabytes shaped to cost the most per byte
# (HostileGenerator.cs), each checked once: target under 10 s and 1 GB, one line per finding, never a stack trace.
#
# Environment: REPEAT (default 3), SCALES (default "1 10"), HOSTILE (default "all"; "none" to skip, or a list of
# shapes), HOSTILE_MB (default 24), STRICT=1 to exit 1 when a target is missed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
repeat="${REPEAT:-3}"
scales="${SCALES:-1 10}"
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

declare -A wall rss
for s in $scales; do
  for cmd in check plan; do
    : >"$work/walls"
    : >"$work/rsss"
    for ((i = 1; i <= repeat; i++)); do
      set +e
      /usr/bin/time -v -o "$work/time.txt" dotnet "$cli" "$cmd" --file "$work/Pulumi.scale$s.yaml" --now "$now" >/dev/null 2>"$work/stderr.txt"
      rc=$?
      set -e
      if [[ $rc -ne 0 ]]; then
        echo "scale $s $cmd exited $rc (expected 0):" >&2
        head -20 "$work/stderr.txt" >&2
        exit 1
      fi
      # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.57" and "Maximum resident set size (kbytes): 409092"
      awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (k = 1; k <= n; k++) t = t * 60 + p[k]; print t }' "$work/time.txt" >>"$work/walls"
      awk -F': ' '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }' "$work/time.txt" >>"$work/rsss"
      echo "  scale $s $cmd run $i: $(tail -1 "$work/walls") s, $(tail -1 "$work/rsss") MB" >&2
    done
    wall[$s,$cmd]="$(median <"$work/walls")"
    rss[$s,$cmd]="$(median <"$work/rsss")"
  done
done

# access: one object (a scope that stores a service principal's token) and one principal (a generated user).
for s in $scales; do
  f="$work/Pulumi.scale$s.yaml"
  obj="scope:$(grep -m1 -oE 'store: scope-[0-9]+-[A-Za-z-]+' "$f" | sed 's/^store: //')"
  who="$(grep -m1 -oE 'user:[a-z]+\.[a-z]+[0-9]{6}@contoso\.com' "$f")"
  for q in object principal; do
    cmd="access-$q"
    arg=("--object" "$obj")
    [[ $q == principal ]] && arg=("--principal" "$who")
    : >"$work/walls"
    : >"$work/rsss"
    for ((i = 1; i <= repeat; i++)); do
      set +e
      /usr/bin/time -v -o "$work/time.txt" dotnet "$cli" access --file "$f" --now "$now" "${arg[@]}" >"$work/access.txt" 2>"$work/stderr.txt"
      rc=$?
      set -e
      if [[ $rc -gt 1 ]]; then
        echo "scale $s access ${arg[*]} exited $rc:" >&2
        head -20 "$work/stderr.txt" >&2
        exit 1
      fi
      awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (k = 1; k <= n; k++) t = t * 60 + p[k]; print t }' "$work/time.txt" >>"$work/walls"
      awk -F': ' '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }' "$work/time.txt" >>"$work/rsss"
      echo "  scale $s access ${arg[*]} run $i: $(tail -1 "$work/walls") s, $(tail -1 "$work/rsss") MB, $(head -1 "$work/access.txt" | grep -oE '[0-9]+ entr(y|ies)')" >&2
    done
    wall[$s,$cmd]="$(median <"$work/walls")"
    rss[$s,$cmd]="$(median <"$work/rsss")"
  done
done

verdict() { if awk "BEGIN { exit !($1) }"; then echo ok; else echo MISS; fi; }
{
echo
printf '%-6s %-16s %9s %9s  %s\n' scale cmd "wall s" "peak MB" "target"
for s in $scales; do
  for cmd in check plan access-object access-principal; do
    target="-"
    if [[ $s == 1 && $cmd == check ]]; then
      target="<500 MB $(verdict "${rss[$s,$cmd]} < 500")"
    elif [[ $s == 1 && $cmd == plan ]]; then
      target="<3x check ($(awk "BEGIN { printf \"%.1f\", ${wall[1,plan]} / ${wall[1,check]} }")x) $(verdict "${wall[1,plan]} < 3 * ${wall[1,check]}"), <500 MB $(verdict "${rss[$s,$cmd]} < 500")"
    elif [[ $s == 1 && $cmd == access-* ]]; then
      target="<2 s $(verdict "${wall[$s,$cmd]} < 2")"
    elif [[ $s == 10 && $cmd == plan ]]; then
      target="<1 GB $(verdict "${rss[$s,$cmd]} < 1024")"
    fi
    printf '%-6s %-16s %9.2f %9d  %s\n' "$s" "$cmd" "${wall[$s,$cmd]}" "${rss[$s,$cmd]}" "$target"
  done
done
if [[ " $scales " == *" 1 "* && " $scales " == *" 10 "* ]]; then
  for cmd in check plan access-object access-principal; do
    ratio="$(awk "BEGIN { printf \"%.1f\", ${wall[10,$cmd]} / ${wall[1,$cmd]} }")"
    limit=12
    [[ $cmd == access-* ]] && limit=10
    printf '%-16s time(10x)/time(1x) = %5s   <%sx %s\n' "$cmd" "$ratio" "$limit" "$(verdict "$ratio < $limit")"
  done
fi
if [[ -n $hostile ]]; then
  echo
  printf '%-16s %6s %4s %9s %9s %9s  %s\n' "hostile ${hostile_mb}MB" "MiB" exit "wall s" "peak MB" findings "target <10 s, <1 GB, no stack trace"
  for h in $hostile; do
    f="$work/hostile-$h.yaml"
    set +e
    /usr/bin/time -v -o "$work/time.txt" dotnet "$cli" check --file "$f" --now "$now" >/dev/null 2>"$work/stderr.txt"
    rc=$?
    set -e
    w="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0; for (k = 1; k <= n; k++) t = t * 60 + p[k]; print t }' "$work/time.txt")"
    m="$(awk -F': ' '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }' "$work/time.txt")"
    trace="$(verdict "$(grep -c '^   at ' "$work/stderr.txt" || true) == 0 && $rc <= 2")"
    printf '%-16s %6.1f %4d %9.2f %9d %9d  %s %s %s\n' "$h" "$(awk "BEGIN { print $(stat -c %s "$f") / 1048576 }")" "$rc" "$w" "$m" \
      "$(wc -l <"$work/stderr.txt")" "$(verdict "$w < 10")" "$(verdict "$m < 1024")" "$trace"
  done
fi
echo "(median of $repeat runs each; hostile inputs once; dotnet $(dotnet --version), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
} | tee "$work/table.txt"
if [[ "${STRICT:-0}" == 1 ]] && grep -q MISS "$work/table.txt"; then
  exit 1
fi
