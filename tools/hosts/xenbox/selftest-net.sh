#!/bin/sh
# xenbox self-test of --net and --forward: dom0 has eth0 10.0.2.15/24 with
# the default route via 10.0.2.2; dom0 reaches a listener on the host's
# 127.0.0.1 through 10.0.2.2; a connection to the host's 127.0.0.1:PORT
# reaches dom0 through --forward. On the host it picks two free loopback
# ports, starts the host's side (a listener, and a client that polls the
# forward), and boots the box with this script inside:
#     tools/hosts/xenbox/selftest-net.sh [xenbox options]
# Prints one line per check and "N passed, M failed"; exits non-zero if
# anything failed. POSIX sh (dom0's part runs under busybox ash or dash).

if [ -z "${XENBOX:-}" ]; then
  # ------------------------------------------------------------ on the host
  self=$(readlink -f "$0")
  here=$(dirname "$self")
  work=$(mktemp -d /tmp/xenbox-selftest-net.XXXXXX)
  trap 'kill $hostpid $pollpid 2>/dev/null; rm -rf "$work"' EXIT
  set -- "$@"
  ports=$(/usr/bin/python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])') || { echo "selftest-net: no free loopback ports"; exit 2; }
  fwd=${ports% *} hport=${ports#* }
  # The host's listener: one connection, answers "host-ok LINE" (bounded).
  /usr/bin/python3 - "$hport" > "$work/host.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(600)
c, _ = s.accept(); c.settimeout(30)
line = c.makefile().readline().strip()
c.sendall(("host-ok %s\n" % line).encode()); c.close()
print("host listener got:", line)
PY
  hostpid=$!
  # The host's client: polls the forward until dom0's listener answers
  # (an empty answer is QEMU's user network with nothing listening yet).
  ( end=$(( $(date +%s) + 600 ))
    while [ "$(date +%s)" -lt "$end" ]; do
      out=$(printf 'ping\n' | timeout 10 busybox nc 127.0.0.1 "$fwd" 2>/dev/null)
      [ -n "$out" ] && { echo "$out" > "$work/poll.out"; exit 0; }
      sleep 2
    done ) &
  pollpid=$!
  start=$(date +%s)
  rc=0
  "$here/xenbox" "$@" --forward "$fwd:7777" --env SELFTEST_HOST_PORT="$hport" --files "$self" -- sh "$self" || rc=$?
  wait "$pollpid" 2>/dev/null
  pass=0 fail=0
  if grep -qx 'box-ok ping' "$work/poll.out" 2>/dev/null; then
    pass=1; echo "[host] ok   the host reached dom0's port 7777 through --forward $fwd:7777"
  else
    fail=1; echo "[host] FAIL the host reached dom0's port 7777 through --forward $fwd:7777 (got: $(cat "$work/poll.out" 2>/dev/null))"
  fi
  echo "host: $pass passed, $fail failed"
  echo "selftest-net: wall time $(( $(date +%s) - start ))s, box exit status $rc"
  [ "$rc" = 0 ] && [ "$fail" = 0 ]
  exit $?
fi

# ------------------------------------------------------------ in dom0
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

has_addr() { ip -o -4 addr show dev eth0 2>/dev/null | grep -q ' 10\.0\.2\.15/24 '; }
has_route() { ip route 2>/dev/null | grep -q '^default via 10\.0\.2\.2 dev eth0'; }
reach_host() {
  out=$(printf 'hello\n' | timeout 20 busybox nc 10.0.2.2 "$SELFTEST_HOST_PORT" 2>/dev/null)
  [ "$out" = "host-ok hello" ] || { echo "     got: '$out'"; return 1; }
}
# One connection that says "ping" (a connection the host gave up on before
# we listened can arrive first, empty: take the next).
serve_forward() {
  i=0
  while [ $i -lt 10 ]; do
    i=$((i + 1))
    timeout 120 busybox nc -l -p 7777 -e sh -c 'read -r w; [ "$w" = ping ] && echo "box-ok $w"; [ "$w" = ping ]' && return 0
  done
  return 1
}

check "eth0 is 10.0.2.15/24" has_addr
check "the default route is via 10.0.2.2" has_route
check "dom0 reaches the host's 127.0.0.1 through 10.0.2.2" reach_host
check "dom0 answers a connection to the host's forwarded port" serve_forward
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
