#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that has no Node and no network: this
# machine's Node binary and the node_modules the build, the tests and the benchmarks use (without
# type declarations and the plotting libraries, which they never load), compressed,
# into .cache/gpu-kit/ (git-ignored). Carry that folder with the working tree.
#
#   scripts/gpu-kit.sh            (after `npm ci`, on x86-64 Linux like the GPU machine)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kit="$root/.cache/gpu-kit"
limit_mib=56 # the working tree itself travels too: 64 MiB in all

fail() { printf 'gpu-kit: %s\n' "$*" >&2; exit 1; }
command -v node >/dev/null || fail 'node is not on PATH'
command -v xz >/dev/null || fail 'xz is not installed'
[ -d "$root/node_modules/vitest" ] && [ -d "$root/node_modules/cmake-js" ] || fail 'node_modules is incomplete: run `npm ci` first'
[ "$(uname -m)" = x86_64 ] || fail "this is $(uname -m); the GPU machine is x86-64, so pack on x86-64"

rm -rf "$kit"
mkdir -p "$kit"
node_bin=$(readlink -f "$(command -v node)")
echo "packing $node_bin ($(node --version))"
xz -T0 -6 -c "$node_bin" >"$kit/node.xz"
echo 'packing node_modules'
tar -C "$root" -cf - \
  --exclude='node_modules/@types' --exclude='node_modules/tsx' \
  --exclude='node_modules/vega*' --exclude='node_modules/d3-*' --exclude='node_modules/.cache' \
  node_modules | xz -T0 -6 >"$kit/node_modules.tar.xz"
node --version >"$kit/node-version"
# Also needs (checked by gpu-check.sh): the binary's shared libraries on the GPU machine.
ldd "$node_bin" | awk '/=>/ {print $1}' >"$kit/node-libs"

total=$(du -sm "$kit" | cut -f1)
du -sh "$kit"/*
echo "kit: $kit, $total MiB"
[ "$total" -le "$limit_mib" ] || fail "the kit is $total MiB, over the $limit_mib MiB that leaves room for the working tree"
echo 'carry .cache/gpu-kit with the working tree; on the GPU machine run scripts/gpu-check.sh'
