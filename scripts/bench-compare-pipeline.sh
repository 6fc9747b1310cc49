#!/usr/bin/env bash
# What GCC's contrib/compare_tests does (cbuild.md §8), step by step, with its
# six lists written to files instead of printed:
#   bench-compare-pipeline.sh OLD.sum NEW.sum OUTDIR
# writes OUTDIR/{now_fail,now_pass,new_fail,new_pass,gone_pass,gone_fail}.
# Used by the benchmark as the baseline and by the tests as an oracle; run it
# under LC_ALL=C for compare_tests' byte-order semantics. grep -a because real
# .sum files hold bytes that are not UTF-8 (plain grep would drop those lines
# in a UTF-8 locale).
set -u  # no -e: like compare_tests, go on when comm finds its input unsorted (it exits 1)
before="$1"
now="$2"
out="$3"
mkdir -p "$out"
sed 's/^XFAIL/FAIL/; s/^XPASS/PASS/' <"$before" | awk '/^Running target / {target = $3} { if (target != "unix") { sub(/: /, "&"target": " ); }; print $0; }' >"$out/before"
sed 's/^XFAIL/FAIL/; s/^XPASS/PASS/' <"$now" | awk '/^Running target / {target = $3} { if (target != "unix") { sub(/: /, "&"target": " ); }; print $0; }' >"$out/now"
sort -t ':' -k 2 "$out/now" >"$out/now_s"
sort -t ':' -k 2 "$out/before" >"$out/before_s"
names() { grep -a "$1" "$2" | sed 's/^[^:]*:[ \t]//' || true; }
names '^FAIL:' "$out/now_s" >"$out/a"
names '^PASS' "$out/before_s" | comm -12 "$out/a" - >"$out/now_fail"
names '^PASS' "$out/now_s" >"$out/a"
names '^FAIL' "$out/before_s" | comm -12 "$out/a" - >"$out/now_pass"
names '^FAIL' "$out/now_s" >"$out/a"
names '^[PF]A[SI][SL]' "$out/before_s" | comm -23 "$out/a" - >"$out/new_fail"
names '^PASS' "$out/now_s" >"$out/a"
names '^[PF]A[SI][SL]' "$out/before_s" | comm -23 "$out/a" - >"$out/new_pass"
names '^[PF]A[SI][SL]' "$out/now_s" >"$out/a"
names '^PASS' "$out/before_s" | comm -13 "$out/a" - >"$out/gone_pass"
names '^FAIL' "$out/before_s" | comm -13 "$out/a" - >"$out/gone_fail"
rm -f "$out/a" "$out/before" "$out/now" "$out/before_s" "$out/now_s"
