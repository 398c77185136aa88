#!/usr/bin/env bash
# twobox: two Xen hosts on this machine, for migration between hosts (issue 15).
#
# On the host:
#   tests/vm/twobox.sh [OPTIONS] -- COMMAND [ARG...]
# boots two Xen-in-a-box hosts at once (tools/hosts/xenbox/xenbox, with --net),
# a receiver and a sender, runs COMMAND in dom0 of each, waits for both, and
# exits 0 if both exited 0 (else 1; 2 for a usage error). Both boxes are torn
# down whatever happens (a trap; each box's qemu is bounded by --timeout too).
#   --timeout SECS   each box's limit, boot included (xenbox --timeout; default 900)
#   --logs DIR       where the logs go (default: a new directory under /tmp);
#                    ROLE.out is COMMAND's output, ROLE.box the box's stages
#                    and failure report; the summary names the directory
#   --share DIR      also mount DIR in both boxes (repeatable); this
#                    worktree is always mounted
#   --keep           keep the boxes' run directories (xenbox --keep)
#
# The network: the receiver box forwards the host's 127.0.0.1:PORT (a free
# port, chosen here) to its dom0's port 5555; the sender's dom0 reaches it as
# 10.0.2.2:PORT (QEMU's user network maps 10.0.2.2 to the host's loopback).
# Nothing listens on anything but the host's loopback.
#
# In each dom0 COMMAND sees:
#   TWOBOX_ROLE    receiver or sender
#   TWOBOX_PORT    the port the sender connects to at 10.0.2.2
#   TWOBOX_LISTEN  the port the receiver listens on in its dom0 (5555)
#   TWOBOX         this script, for the helpers below
#
# Helpers for COMMAND, in dom0 (bash "$TWOBOX" HELPER ...):
#   serve SECS -- CMD [ARG...]   (receiver) accept connections on
#       $TWOBOX_LISTEN until one starts with the line "GO"; run CMD on it
#       (its stdin and stdout are the connection, as for a command started by
#       inetd) and exit with CMD's status; 124 if no GO came within SECS.
#       A connection that says "PROBE" is answered "READY" and closed; any
#       other (empty: QEMU's user network can hand over a connection whose
#       client gave up long ago) is closed.
#   wait-peer SECS               (sender) until the receiver answers a PROBE
#       (its serve is listening); 124 after SECS.
#   connect                      (sender) the transport: connect to the
#       receiver, send "GO", then relay stdin to it and its answers to stdout.
#       For xl: xl migrate -s '' DOM "bash $TWOBOX connect"
# A probe cannot be a bare connect: QEMU's user network accepts a forwarded
# connection on the host before it knows whether dom0 listens.
#
# Example (xl alone, a PVH guest from box to box): tests/vm/twobox.sh --
#   bash $PWD/tests/vm/migrate_xl_vm.sh
set -uo pipefail
SELF=$(readlink -f "${BASH_SOURCE[0]}")
LISTEN=5555

now() { date +%s; }
die() { echo "twobox: $*" >&2; exit 2; }

# ------------------------------------------------------------ helpers in dom0
case ${1:-} in
  serve)
    secs=$2; shift 2; [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || die "serve: no command"
    dir=$(mktemp -d /tmp/twobox-serve.XXXXXX)
    printf '%q ' "$@" > "$dir/cmd"
    end=$(( $(now) + secs )); rc=124
    while [ ! -e "$dir/go" ]; do
      left=$(( end - $(now) )); [ "$left" -gt 0 ] || { rc=124; break; }
      # busybox nc runs the dispatcher in its own process, on the connection.
      timeout "$left" busybox nc -l -p "${TWOBOX_LISTEN:-$LISTEN}" -e bash "$SELF" dispatch "$dir"
      rc=$?
    done
    [ -e "$dir/go" ] || echo "twobox: serve: no GO within ${secs}s" >&2
    rm -rf "$dir"
    exit "$rc" ;;
  dispatch) # (serve's, on one connection) DIR
    dir=$2
    IFS= read -r -t 30 word || exit 0   # bash reads a socket a byte at a time
    case $word in
      PROBE) echo READY; exit 0 ;;
      GO) : > "$dir/go"; eval "exec $(cat "$dir/cmd")" ;;
      *) exit 0 ;;
    esac ;;
  wait-peer)
    secs=$2; end=$(( $(now) + secs ))
    while :; do
      out=$(printf 'PROBE\n' | timeout 10 busybox nc "${TWOBOX_HOST:-10.0.2.2}" "$TWOBOX_PORT" 2>/dev/null)
      [ "$out" = READY ] && exit 0
      [ "$(now)" -lt "$end" ] || { echo "twobox: wait-peer: no receiver within ${secs}s" >&2; exit 124; }
      sleep 2
    done ;;
  connect)
    { printf 'GO\n'; exec cat; } | busybox nc "${TWOBOX_HOST:-10.0.2.2}" "$TWOBOX_PORT"
    exit ;;
esac

# ------------------------------------------------------------ on the host
[ -z "${XENBOX:-}" ] || die "run on the host, not in a box (in dom0: serve, wait-peer, connect)"
TIMEOUT=900 LOGS= SHARES=() KEEP=()
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) TIMEOUT=$2; shift 2 ;;
    --logs) LOGS=$2; shift 2 ;;
    --share) SHARES+=(--share "$2"); shift 2 ;;
    --keep) KEEP=(--keep); shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ $# -gt 0 ] || die "usage: twobox.sh [OPTIONS] -- COMMAND [ARG...]"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout: not a number: $TIMEOUT"
ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
XENBOX=$ROOT/tools/hosts/xenbox/xenbox
[ -n "$LOGS" ] || LOGS=$(mktemp -d /tmp/twobox.XXXXXX)
mkdir -p "$LOGS"

# A free port on the host's loopback (another program may take it before
# qemu binds it: the receiver box then fails at once, and says so).
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
  || die "no free loopback port"

declare -A PID=() RC=() T0=() T1=()
teardown() {
  local role p
  for role in "${!PID[@]}"; do
    p=${PID[$role]}
    kill -0 "$p" 2>/dev/null || continue
    # xenbox's TERM trap stops its qemu; then its whole process group.
    kill -TERM "$p" 2>/dev/null
  done
  for role in "${!PID[@]}"; do
    p=${PID[$role]}
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 1; done
    kill -0 "$p" 2>/dev/null && kill -KILL -- "-$p" 2>/dev/null
  done
  return 0
}
trap teardown EXIT
trap 'echo "twobox: interrupted" >&2; exit 130' INT
trap 'echo "twobox: terminated" >&2; exit 143' TERM

start_box() { # start_box ROLE XENBOX-OPTION...
  local role=$1; shift
  T0[$role]=$(now)
  # setsid: a process group of its own, so that teardown reaches all of it.
  setsid "$XENBOX" --timeout "$TIMEOUT" --share "$ROOT" "${SHARES[@]}" "${KEEP[@]}" "$@" \
    --env TWOBOX_ROLE="$role" --env TWOBOX_PORT="$PORT" --env TWOBOX_LISTEN="$LISTEN" --env TWOBOX="$SELF" \
    -- "${CMD[@]}" > "$LOGS/$role.out" 2> "$LOGS/$role.box" < /dev/null &
  PID[$role]=$!
}
CMD=("$@")
echo "twobox: receiver on 127.0.0.1:$PORT -> its dom0's :$LISTEN; logs in $LOGS"
start=$(now)
start_box receiver --forward "$PORT:$LISTEN"
start_box sender --net

# Wait for both (each is bounded by its --timeout; the loop notes who ends first).
left=(receiver sender)
while [ ${#left[@]} -gt 0 ]; do
  still=()
  for role in "${left[@]}"; do
    if kill -0 "${PID[$role]}" 2>/dev/null; then still+=("$role"); continue; fi
    wait "${PID[$role]}"; RC[$role]=$?; T1[$role]=$(now)
    echo "twobox: $role exited ${RC[$role]} after $(( T1[$role] - T0[$role] ))s"
  done
  left=("${still[@]}")
  [ ${#left[@]} -eq 0 ] || sleep 1
done
unset 'PID[receiver]' 'PID[sender]'

status=0
for role in receiver sender; do
  [ "${RC[$role]}" = 0 ] && continue
  status=1
  echo "--- $role: exit ${RC[$role]}; last lines of $LOGS/$role.box and $LOGS/$role.out"
  tail -n 40 "$LOGS/$role.box"; tail -n 60 "$LOGS/$role.out"
done
echo "twobox: wall time $(( $(now) - start ))s; receiver ${RC[receiver]}, sender ${RC[sender]}; logs in $LOGS"
exit "$status"
