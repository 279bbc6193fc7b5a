#!/bin/sh
# Builds xenalyze (Xen's trace analyser) from a Xen source tree, outside this repository, for
# `npm run check:xenalyze` and the trace benchmark. Nothing of Xen is copied into the repository: the sources are
# read from the user's tree (or from a git repository at a tag) into OUT, and compiled there.
#
# Usage: tools/xenalyze-build.sh XEN_TREE OUT
#   XEN_TREE  a Xen source checkout (the directory holding tools/ and xen/), or a git repository (bare or not)
#             with XEN_REF naming the tag or commit to take (default RELEASE-4.21.0)
#   OUT       the build directory (created); the binary is OUT/xenalyze
# Environment: CC (default gcc), XEN_REF, CFLAGS (default -O2, as Xen's tools build).
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 XEN_TREE OUT" >&2
  exit 2
fi
tree=$1
out=$2
cc=${CC:-gcc}
ref=${XEN_REF:-RELEASE-4.21.0}
# The files xenalyze is built from (tools/xentrace/Makefile: xenalyze from xenalyze.o and mread.o), and the two
# headers its includes reach outside tools/xentrace: the public trace.h (installed as <xen/trace.h>) and
# tools/include/xen-tools/common-macros.h.
files="tools/xentrace/xenalyze.c tools/xentrace/mread.c tools/xentrace/mread.h tools/xentrace/analyze.h
tools/xentrace/pv.h xen/include/public/trace.h tools/include/xen-tools/common-macros.h"

mkdir -p "$out/src"
if [ -f "$tree/tools/xentrace/xenalyze.c" ]; then
  for f in $files; do
    if [ ! -f "$tree/$f" ]; then echo "$0: $tree has no $f" >&2; exit 1; fi
    mkdir -p "$out/src/$(dirname "$f")"
    cp "$tree/$f" "$out/src/$f"
  done
  from="$tree"
elif git -C "$tree" rev-parse --git-dir >/dev/null 2>&1; then
  if ! git -C "$tree" rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
    echo "$0: $tree has no tag or commit '$ref' (set XEN_REF)" >&2; exit 1
  fi
  # shellcheck disable=SC2086 # the list is ours, split on purpose
  git -C "$tree" archive --format=tar "$ref" $files | tar -x -C "$out/src"
  from="$tree at $ref ($(git -C "$tree" rev-parse "$ref^{commit}"))"
else
  echo "$0: '$tree' is neither a Xen source tree (no tools/xentrace/xenalyze.c) nor a git repository" >&2
  exit 1
fi

# <xen/trace.h> as the tools build sees it (tools/include/xen is the public headers).
mkdir -p "$out/include/xen" "$out/include/xen-tools"
cp "$out/src/xen/include/public/trace.h" "$out/include/xen/trace.h"
cp "$out/src/tools/include/xen-tools/common-macros.h" "$out/include/xen-tools/common-macros.h"

x="$out/src/tools/xentrace"
# Xen's tools flags (Config.mk, tools/Rules.mk) without -Werror: a newer compiler's warnings must not stop a build
# that is only read.
flags="${CFLAGS:--O2} -std=gnu99 -fno-strict-aliasing -D_FILE_OFFSET_BITS=64 -D_LARGEFILE_SOURCE -D_LARGEFILE64_SOURCE -D__XEN_TOOLS__"
# shellcheck disable=SC2086
"$cc" $flags -I"$out/include" -I"$x" -c -o "$out/xenalyze.o" "$x/xenalyze.c"
# shellcheck disable=SC2086
"$cc" $flags -I"$out/include" -I"$x" -c -o "$out/mread.o" "$x/mread.c"
"$cc" -o "$out/xenalyze" "$out/xenalyze.o" "$out/mread.o"
echo "built $out/xenalyze from $from"
