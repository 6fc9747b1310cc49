#!/usr/bin/env bash
# Benchmark of `cbuild-bot compare` on Debian's real GCC 12 results
# (gcc.sum: 371,566 lines, 30 MB) against a pipeline that does what GCC's
# contrib/compare_tests does (sed | awk, sort, grep | sed | comm).
#
# Run with `npm run bench:compare` (builds first). Steps:
#   1. fetch gcc-12-test-results (scripts/fetch-gcc-results.sh), unpack gcc.sum;
#   2. make a deterministic copy with a few hundred changed results;
#   3. time `node dist/src/cli.js compare OLD NEW --json` (whole process) BENCH_RUNS times;
#   4. time the compare_tests pipeline BENCH_PIPELINE_RUNS times under LC_ALL=C
#      (byte order, the semantics compare implements) and in the default locale;
#   5. fail if the two disagree on any test in any category;
#   6. print both times (medians), the speed-ups and compare's peak RSS.
# BENCH_STRICT=1 also fails when the goals (10x, 300 MB) are not met.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${BENCH_RUNS:-9}"
pipeline_runs="${BENCH_PIPELINE_RUNS:-3}"
work="$repo/.cache/bench-compare"
mkdir -p "$work"

die() { echo "bench-compare: $*" >&2; exit 1; }

[[ -f dist/src/cli.js ]] || die "dist/src/cli.js is missing: run 'npm run build' first (npm run bench:compare does)"
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get install -y -qq time >/dev/null || die "cannot install the 'time' package for peak RSS"
  else
    die "/usr/bin/time is missing: apt-get install time"
  fi
fi

sum_dir="$(bash scripts/fetch-gcc-results.sh)"
old="$work/gcc.old.sum"
new="$work/gcc.new.sum"
if [[ ! -s "$old" ]]; then
  xz -dc "$sum_dir/gcc.sum.xz" >"$old.tmp" && mv "$old.tmp" "$old"
fi
if [[ ! -s "$new" || scripts/bench-compare-mutate.mjs -nt "$new" || "$old" -nt "$new" ]]; then
  node scripts/bench-compare-mutate.mjs "$old" "$new.tmp" && mv "$new.tmp" "$new"
fi
echo "old: $old ($(wc -l <"$old") lines, $(stat -c %s "$old") bytes)"
echo "new: $new ($(wc -l <"$new") lines)"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# compare_tests' steps, one by one (scripts/bench-compare-pipeline.sh).
compare_tests_pipeline() { bash scripts/bench-compare-pipeline.sh "$@"; }

echo
echo "cbuild-bot compare (node dist/src/cli.js compare OLD NEW --json), $runs runs:"
ours_times=()
for ((i = 0; i < runs; i++)); do
  start=$(now_ms)
  status=0
  node dist/src/cli.js compare "$old" "$new" --json >"$work/ours.json" || status=$?
  end=$(now_ms)
  [[ $status -le 1 ]] || die "compare failed with exit status $status"
  ours_times+=($((end - start)))
done
echo "  times (ms): ${ours_times[*]}"
ours_ms=$(printf '%s\n' "${ours_times[@]}" | median)
# compare exits 1 when it finds regressions (the copy has some): not an error here.
rss_kb=$({ /usr/bin/time -v node dist/src/cli.js compare "$old" "$new" --json 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }')
[[ -n "$rss_kb" ]] || die "could not read the peak RSS from /usr/bin/time -v"

echo "compare_tests pipeline, LC_ALL=C, $pipeline_runs runs:"
c_times=()
for ((i = 0; i < pipeline_runs; i++)); do
  start=$(now_ms)
  LC_ALL=C compare_tests_pipeline "$old" "$new" "$work/pipeline-C"
  end=$(now_ms)
  c_times+=($((end - start)))
done
echo "  times (ms): ${c_times[*]}"
c_ms=$(printf '%s\n' "${c_times[@]}" | median)

locale_name="${LC_ALL:-${LANG:-C}}"
echo "compare_tests pipeline, default locale ($locale_name), $pipeline_runs runs:"
l_times=()
for ((i = 0; i < pipeline_runs; i++)); do
  start=$(now_ms)
  compare_tests_pipeline "$old" "$new" "$work/pipeline-locale"
  end=$(now_ms)
  l_times+=($((end - start)))
done
echo "  times (ms): ${l_times[*]}"
l_ms=$(printf '%s\n' "${l_times[@]}" | median)

echo
echo "categories (compare vs the LC_ALL=C pipeline):"
node scripts/bench-compare-check.mjs "$work/ours.json" "$work/pipeline-C" || die "compare and the compare_tests pipeline disagree (see above)"
echo "categories (compare vs the $locale_name pipeline):"
node scripts/bench-compare-check.mjs "$work/ours.json" "$work/pipeline-locale" || die "compare and the $locale_name compare_tests pipeline disagree (see above)"

speedup_c=$(awk -v a="$c_ms" -v b="$ours_ms" 'BEGIN { printf "%.1f", a / b }')
speedup_l=$(awk -v a="$l_ms" -v b="$ours_ms" 'BEGIN { printf "%.1f", a / b }')
rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k / 1024 }')
echo
echo "results (medians; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "  cbuild-bot compare:                 ${ours_ms} ms (whole process), peak RSS ${rss_mb} MB"
echo "  compare_tests pipeline, LC_ALL=C:   ${c_ms} ms  -> speed-up ${speedup_c}x"
echo "  compare_tests pipeline, $locale_name: ${l_ms} ms  -> speed-up ${speedup_l}x"
goal() { awk -v v="$1" -v limit="$2" -v dir="$3" 'BEGIN { print ((dir == "min" && v >= limit) || (dir == "max" && v <= limit)) ? "met" : "NOT met" }'; }
goal_c=$(goal "$speedup_c" 10 min)
goal_l=$(goal "$speedup_l" 10 min)
goal_rss=$(goal "$rss_mb" 300 max)
echo "  goals: >= 10x the LC_ALL=C pipeline: $goal_c; >= 10x the $locale_name pipeline: $goal_l; peak RSS <= 300 MB: $goal_rss"
if [[ "${BENCH_STRICT:-0}" == 1 && ("$goal_c" != met || "$goal_rss" != met) ]]; then
  die "goals not met (BENCH_STRICT=1)"
fi
