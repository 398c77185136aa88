#!/usr/bin/env bash
# twobox: two Xen hosts on this machine, for migration between hosts.
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
#   --env NAME=VALUE set NAME in COMMAND's environment in both boxes (repeatable)
#
# The network: each box forwards a free port of the host's 127.0.0.1 (chosen
# here) to its dom0's port 5555; each dom0 reaches the other's as
# 10.0.2.2:PORT (QEMU's user network maps 10.0.2.2 to the host's loopback).
# So either side can serve and the other connect: a guest can go and come
# back. Nothing listens on anything but the host's loopback.
#
# In each dom0 COMMAND sees:
#   TWOBOX_ROLE    receiver or sender
#   TWOBOX_PORT    the other box's port: connect to 10.0.2.2:$TWOBOX_PORT
#   TWOBOX_LISTEN  the port to listen on in this dom0 (5555)
#   TWOBOX         this script, for the helpers below
#
# Helpers for COMMAND, in dom0 (bash "$TWOBOX" HELPER ...):
#   serve SECS -- CMD [ARG...]   (the receiving side) accept connections on
#       $TWOBOX_LISTEN until one starts with the line "GO"; run CMD on it
#       (its stdin and stdout are the connection, as for a command started by
#       inetd) and exit with CMD's status; 124 if no GO came (or CMD did not
#       end) within SECS. It listens without a break until then. A
#       connection that says "PROBE" is answered "READY" and closed; any
#       other (empty: QEMU's user network can hand over a connection whose
#       client gave up long ago), or a second GO, is closed.
#       A connection that says "TIME" is a clock: each line it sends
#       after that is answered with serve's host's time, seconds since the
#       epoch to the microsecond (bash's $EPOCHREALTIME: no process is
#       started per answer, so the round trip is the network's); the other
#       side relates the two hosts' clocks by it (bench/vm/migrate_twohost.py).
#   abort-peer                   (the sending side) tell the peer's serve
#       that no GO will come: it ends at once with status 125.
#   wait-peer SECS               (the sending side) until the receiver answers a PROBE
#       (its serve is listening); 124 after SECS.
#   connect                      (the sending side) the transport: connect to the
#       receiver, send "GO", then relay stdin to it and its answers to
#       stdout; it ends as soon as either direction ends (so a connection
#       the receiver closes is an EOF for xl, not a hang).
#       For xl: xl migrate -s '' DOM "bash $TWOBOX connect"
# A probe cannot be a bare connect: QEMU's user network accepts a forwarded
# connection on the host before it knows whether dom0 listens.
#
# Example (xl alone, a PVH guest from box to box and back): tests/vm/twobox.sh --
#   bash $PWD/tests/vm/migrate_twobox.sh --back
# The whole script is one compound command: bash reads all of it before it
# runs any of it, so editing this file while it runs does no harm.
{
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
    # -ll: busybox nc keeps listening and runs the dispatcher in a child per
    # connection, so there is no moment without a listener (a connection
    # then would be refused, and the sender would wait for ever). After its
    # first child it ignores SIGCHLD, which every later child inherits: env
    # puts the signals back to default (else xl migrate-receive cannot wait
    # for its own children: "failed to waitpid ... No child processes").
    busybox nc -ll -p "${TWOBOX_LISTEN:-$LISTEN}" -e /usr/bin/env --default-signal bash "$SELF" dispatch "$dir" &
    lpid=$!
    end=$(( $(now) + secs )); rc=124
    while :; do
      if [ -e "$dir/rc" ]; then rc=$(cat "$dir/rc"); break; fi
      kill -0 "$lpid" 2>/dev/null || { echo "twobox: serve: the listener (busybox nc) died" >&2; rc=125; break; }
      [ "$(now)" -lt "$end" ] || { echo "twobox: serve: no GO within ${secs}s" >&2; break; }
      sleep 0.5
    done
    kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
    # A CMD still running past SECS: stop it too (its pid is in the file).
    [ -e "$dir/rc" ] || { [ -s "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null; }
    rm -rf "$dir"
    exit "$rc" ;;
  dispatch) # (serve's, on one connection) DIR
    dir=$2
    IFS= read -r -t 30 word || exit 0   # bash reads a socket a byte at a time
    case $word in
      PROBE) echo READY; exit 0 ;;
      TIME)
        while IFS= read -r -t 30 _; do echo "$EPOCHREALTIME"; done
        exit 0 ;;
      ABORT)
        mkdir "$dir/go" 2>/dev/null || exit 0
        echo 125 > "$dir/rc.tmp" && mv "$dir/rc.tmp" "$dir/rc"
        echo "twobox: serve: the peer gave up (ABORT)" >&2
        exit 0 ;;
      GO)
        mkdir "$dir/go" 2>/dev/null || exit 0   # one GO only
        exec 4<&0   # (an asynchronous command's stdin is /dev/null otherwise)
        eval "$(cat "$dir/cmd")" <&4 &
        echo $! > "$dir/pid"
        exec 4<&-
        wait $!; r=$?
        echo "$r" > "$dir/rc.tmp" && mv "$dir/rc.tmp" "$dir/rc"
        exit "$r" ;;
      *) exit 0 ;;
    esac ;;
  abort-peer)
    out=$(printf 'ABORT\n' | timeout 10 busybox nc "${TWOBOX_HOST:-10.0.2.2}" "$TWOBOX_PORT" 2>/dev/null)
    exit 0 ;;
  wait-peer)
    secs=$2; end=$(( $(now) + secs ))
    while :; do
      out=$(printf 'PROBE\n' | timeout 10 busybox nc "${TWOBOX_HOST:-10.0.2.2}" "$TWOBOX_PORT" 2>/dev/null)
      [ "$out" = READY ] && exit 0
      [ "$(now)" -lt "$end" ] || { echo "twobox: wait-peer: no receiver within ${secs}s" >&2; exit 124; }
      sleep 2
    done ;;
  connect)
    # bash's /dev/tcp and two cats: either direction ending ends the
    # transport, so xl sees EOF whichever side goes away first (xl's
    # handshake reads have no timeout of their own).
    exec 3<>"/dev/tcp/${TWOBOX_HOST:-10.0.2.2}/$TWOBOX_PORT" || exit 1
    printf 'GO\n' >&3
    exec 4<&0   # (an asynchronous command's stdin is /dev/null otherwise)
    cat <&3 & rpid=$!
    cat <&4 >&3 & wpid=$!
    exec 4<&-
    exec 3>&-
    wait -n "$rpid" "$wpid"; r=$?
    kill "$rpid" "$wpid" 2>/dev/null
    exit "$r" ;;
esac

# ------------------------------------------------------------ on the host
[ -z "${XENBOX:-}" ] || die "run on the host, not in a box (in dom0: serve, wait-peer, connect)"
TIMEOUT=900 LOGS= SHARES=() KEEP=() ENVS=()
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) TIMEOUT=$2; shift 2 ;;
    --logs) LOGS=$2; shift 2 ;;
    --share) SHARES+=(--share "$2"); shift 2 ;;
    --keep) KEEP=(--keep); shift ;;
    --env) ENVS+=(--env "$2"); shift 2 ;;
    -h|--help) sed -n '2,/^# The whole script/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
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

# Two free ports on the host's loopback (another program may take one before
# qemu binds it: that box then fails at once, and says so).
read -r RPORT SPORT < <(/usr/bin/python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])') && [ -n "$SPORT" ] || die "no free loopback ports"

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
    kill -0 "$p" 2>/dev/null || continue
    # Still there: qemu runs under timeout(1), in a process group of its own
    # (timeout's pid): stop those groups among xenbox's children, then xenbox's.
    local c
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill -KILL -- "-$c" 2>/dev/null; done
    kill -KILL -- "-$p" 2>/dev/null
  done
  return 0
}
trap teardown EXIT
trap 'echo "twobox: interrupted" >&2; exit 130' INT
trap 'echo "twobox: terminated" >&2; exit 143' TERM

start_box() { # start_box ROLE MY-PORT PEER-PORT
  local role=$1 mine=$2 peer=$3
  T0[$role]=$(now)
  # setsid: a process group of its own, so that teardown reaches all of it.
  setsid "$XENBOX" --timeout "$TIMEOUT" --share "$ROOT" "${SHARES[@]}" "${KEEP[@]}" "${ENVS[@]}" --forward "$mine:$LISTEN" \
    --env TWOBOX_ROLE="$role" --env TWOBOX_PORT="$peer" --env TWOBOX_LISTEN="$LISTEN" --env TWOBOX="$SELF" \
    -- "${CMD[@]}" > "$LOGS/$role.out" 2> "$LOGS/$role.box" < /dev/null &
  PID[$role]=$!
}
CMD=("$@")
echo "twobox: receiver 127.0.0.1:$RPORT, sender 127.0.0.1:$SPORT (-> each dom0's :$LISTEN); logs in $LOGS"
start=$(now)
start_box receiver "$RPORT" "$SPORT"
start_box sender "$SPORT" "$RPORT"

# Wait for both (each is bounded by its --timeout; the loop notes who ends
# first; past --timeout and a minute for set-up, both are torn down).
deadline=$(( start + TIMEOUT + 60 ))
left=(receiver sender)
while [ ${#left[@]} -gt 0 ]; do
  if [ "$(now)" -ge "$deadline" ]; then
    echo "twobox: ${left[*]} still running $(( TIMEOUT + 60 ))s after the start: tearing down" >&2
    exit 124
  fi
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
}
