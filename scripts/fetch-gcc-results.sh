#!/usr/bin/env bash
# Fetch Debian's published GCC 12 DejaGnu results (gcc-12-test-results) into
# .cache/gcc-12-test-results/ so tests and the compare benchmark can use real
# .sum files without committing them. Idempotent: a second run does nothing.
#
# Prints the directory holding the .sum(.xz) files on stdout; exits non-zero
# with a message naming what failed (apt-get download, dpkg-deb, ...).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${GCC_RESULTS_CACHE:-$repo_root/.cache/gcc-12-test-results}"
package="gcc-12-test-results"
stamp="$cache_dir/.extracted"

find_sum_dir() {
  # The package ships its results under usr/share/doc/gcc-12-test-results/.
  local gcc_sum
  gcc_sum="$(find "$cache_dir/root" -name 'gcc.sum.xz' -print -quit 2>/dev/null || true)"
  if [[ -z "$gcc_sum" ]]; then
    echo "fetch-gcc-results: no gcc.sum.xz inside the extracted $package package in $cache_dir/root" >&2
    return 1
  fi
  dirname "$gcc_sum"
}

if [[ -f "$stamp" ]]; then
  find_sum_dir
  exit 0
fi

for tool in apt-get dpkg-deb; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch-gcc-results: '$tool' is not installed (needs a Debian-based system)" >&2
    exit 1
  fi
done

mkdir -p "$cache_dir"
download_dir="$cache_dir/download"
rm -rf "$download_dir" "$cache_dir/root"
mkdir -p "$download_dir"

# apt-get download writes into the current directory; it needs package lists.
if ! (cd "$download_dir" && apt-get download "$package" >&2); then
  echo "fetch-gcc-results: 'apt-get download $package' failed; trying 'apt-get update' once" >&2
  apt-get update >&2 || { echo "fetch-gcc-results: 'apt-get update' failed (no network to the Debian archive?)" >&2; exit 1; }
  (cd "$download_dir" && apt-get download "$package" >&2) || {
    echo "fetch-gcc-results: 'apt-get download $package' failed after 'apt-get update'" >&2
    exit 1
  }
fi

deb="$(find "$download_dir" -name "${package}_*.deb" -print -quit)"
if [[ -z "$deb" ]]; then
  echo "fetch-gcc-results: apt-get download produced no ${package}_*.deb in $download_dir" >&2
  exit 1
fi

dpkg-deb -x "$deb" "$cache_dir/root" || { echo "fetch-gcc-results: 'dpkg-deb -x $deb' failed" >&2; exit 1; }
find_sum_dir >/dev/null
touch "$stamp"
find_sum_dir
