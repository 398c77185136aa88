#!/usr/bin/env bash
# System calls per operation, xlkit against libxl (the analysis behind
# docs/performance-vm.md): in dom0 of Xen in a box, as root, with strace.
#   tools/hosts/xenbox/xenbox --share SRCDIR --share BUILDDIR -- \
#     SRCDIR/bench/vm/syscalls.sh --builddir BUILDDIR [N]
# Prints, for each operation and library, the system calls made per
# iteration (N iterations after one untimed call; default 10), by name.
set -euo pipefail
[ "${1:-}" = --builddir ] || { echo "usage: syscalls.sh --builddir DIR [N]" >&2; exit 2; }
builddir=$2 n=${3:-10}
bench=$builddir/bench/vm/xlkit-vs-libxl
export LD_LIBRARY_PATH=$builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
xl create -q /opt/xenbox/guests/obedient.cfg
domid=$(xl domid obedient)
trap 'xl destroy "$domid" 2>/dev/null || true' EXIT
tmp=$(mktemp -d)
for op in list_domain domain_info pause_unpause_sync pause_unpause_event ctx_alloc_free ctx_alloc_info_free; do
  for impl in libxl xlkit; do
    strace -f -qq -s 100 -o "$tmp/t" "$bench" loop --domid "$domid" "$op" "$impl" "$n" 2>"$tmp/err" >/dev/null
    # from the "loop: start" write on: count the calls by name (threads included)
    sed -n '/loop: start/,/per iteration/p' "$tmp/t" | sed -E 's/^[0-9]+ +//' |
      grep -oE '^[a-z_0-9]+\(' | tr -d '(' | sort | uniq -c | sort -rn > "$tmp/c"
    total=$(awk -v n="$n" '{ t += $1 } END { printf "%.1f", t / n }' "$tmp/c")
    summary=$(awk -v n="$n" '{ printf " %s %.1f", $2, $1 / n }' "$tmp/c")
    summary="$total:$summary"
    printf '%-20s %-5s %s   [%s]\n' "$op" "$impl" "${summary%%:*}" "${summary#*:}"
    grep '^loop: .*per iteration' "$tmp/err" | sed 's/^/    (under strace) /'
  done
done
rm -rf "$tmp"
