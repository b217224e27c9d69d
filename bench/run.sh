#!/usr/bin/env bash
# Measures what a user waits for, on a link with a real round trip: a
# throwaway sshd on 127.0.0.1 behind bench/relay.cs, a TCP relay that delays
# each direction by DELAY_MS (default 25 ms, so RTT ~50 ms) and counts the
# bytes it carries. Prints the measured RTT, then a markdown table: ssh round
# trips (multiplexed vs a fresh handshake), `p -n -- true`, `p -d -n -- true`
# with the issue's budgets, a sync of a tree first from scratch and then
# seeded from the previous job's work dir, and `p ls` over a large store; each
# as ms, as RTTs (ms / RTT) and as bytes client->worker (up) and
# worker->client (down) through the relay.
#
# Usage: bench/run.sh [p-binary] (default: the NativeAOT build from
# ./install.sh into a temp dir). RUNS=N (default 11) runs per median,
# DELAY_MS=N the relay's one-way delay. Needs root for sshd, and the .NET SDK
# for the relay (`dotnet run bench/relay.cs`, no NuGet packages).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-11}
delay_ms=${DELAY_MS:-25}
dir=$(mktemp -d /tmp/pb.XXXXXX)
relay_pid=''
echo_pid=''
cleanup() {
  set +e
  [ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null
  for s in "$dir"/c/.p/cm/*; do [ -S "$s" ] && ssh -O exit -o ControlPath="$s" x 2>/dev/null; done
  HOME=$dir/w TMUX_TMPDIR=$dir/wt tmux -L p kill-server 2>/dev/null
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null
  [ -n "$echo_pid" ] && kill "$echo_pid" 2>/dev/null
  pkill -f "$dir" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

p=${1:-}
if [ -z "$p" ]; then
  ./install.sh "$dir/bin" >/dev/null
  p=$dir/bin/p
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$dir/w" "$dir/wt" "$dir/c/src" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$dir/host"
ssh-keygen -q -t ed25519 -N '' -f "$dir/key"
port=$(free_port)
relay_port=$(free_port)
echo "environment=\"HOME=$dir/w\",environment=\"TMUX_TMPDIR=$dir/wt\" $(cat "$dir/key.pub")" >"$dir/authorized_keys"
cat >"$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitUserEnvironment yes
MaxStartups 100
MaxSessions 100
CFG
cat >"$dir/ssh_config" <<CFG
Host w
  HostName 127.0.0.1
  Port $relay_port
  User $(id -un)
  IdentityFile $dir/key
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking accept-new
  LogLevel ERROR
  BatchMode yes
CFG
# The relay's stdin is a pipe this script holds open on fd 9, so it also
# leaves if this script dies without running cleanup. Commands started below
# get `9>&-`: a long-lived child (ssh's master, p's watcher) must not keep
# the pipe open.
count=$dir/relay.count
exec 9> >(exec dotnet run bench/relay.cs -- "$relay_port" 127.0.0.1 "$port" "$delay_ms" "$count" >"$dir/relay.log" 2>&1)
relay_pid=$!

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The RTT is measured on the relay itself: until sshd starts, its port is
# held by a one-connection echo server, and RUNS one-byte round trips go
# through the relay to it on one connection.
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
c, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while d := c.recv(4096):
    c.sendall(d)
' "$port" 9>&- &
echo_pid=$!
for _ in $(seq 600); do
  [ -f "$count" ] && break
  kill -0 "$relay_pid" 2>/dev/null || { cat "$dir/relay.log" >&2; echo "bench: the relay did not start" >&2; exit 1; }
  sleep 0.2
done
[ -f "$count" ] || { echo "bench: the relay did not start listening" >&2; exit 1; }
exec 8<>"/dev/tcp/127.0.0.1/$relay_port"
printf x >&8 && read -r -N 1 -u 8 _ # the first one also waits for the connection
rtts=()
for _ in $(seq "$runs"); do
  t0=${EPOCHREALTIME/[.,]/}
  printf x >&8
  read -r -N 1 -u 8 _
  t1=${EPOCHREALTIME/[.,]/}
  rtts+=($((10#$t1 - 10#$t0)))
done
exec 8<&-
wait "$echo_pid"
rtt_us=$(median "${rtts[@]}")

/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" 9>&-
for _ in $(seq 50); do ssh -F "$dir/ssh_config" -o ControlPath=none w true 2>/dev/null 9>&- && break; sleep 0.1; done

export HOME=$dir/c XDG_CONFIG_HOME=$dir/c/.config XDG_DATA_HOME=$dir/c/.local/share P_SSH_CONFIG=$dir/ssh_config TMUX_TMPDIR=$dir/ct
mkdir -p "$TMUX_TMPDIR"
"$p" worker register w >/dev/null 9>&-

# measure N cmd...: runs cmd N times (stdin /dev/null, output dropped) and sets
# m_us, m_up and m_down to the medians of its wall time in µs and of the bytes
# that crossed the relay each way. Each run's bytes are read once the link has
# been quiet for a moment (settle), so late packets count for their run.
settle=0.3
m_us=0 m_up=0 m_down=0
counts() { awk '{printf "%s ", $2}' "$count"; }
measure() {
  local n=$1 t0 t1 u0 d0 u1 d1
  shift
  local ts=() ups=() downs=()
  for _ in $(seq "$n"); do
    read -r u0 d0 <<<"$(counts)"
    t0=${EPOCHREALTIME/[.,]/}
    "$@" >/dev/null 2>&1 </dev/null 9>&- || { echo "bench: $* failed" >&2; exit 1; }
    t1=${EPOCHREALTIME/[.,]/}
    sleep "$settle"
    read -r u1 d1 <<<"$(counts)"
    ts+=($((10#$t1 - 10#$t0)))
    ups+=($((u1 - u0)))
    downs+=($((d1 - d0)))
  done
  m_us=$(median "${ts[@]}")
  m_up=$(median "${ups[@]}")
  m_down=$(median "${downs[@]}")
}

# row LABEL [BUDGET]: one table row from m_us, m_up and m_down
row() {
  awk -v l="$1" -v b="${2:-}" -v us="$m_us" -v rtt="$rtt_us" -v up="$m_up" -v down="$m_down" \
    'BEGIN { printf "| %s | %.0f | %.1f | %s | %d | %d |\n", l, us / 1000, us / rtt, b, up, down }'
}

v_ssh=$(ssh -V 2>&1 | sed 's/,.*//')
v_rsync=$(rsync --version | awk 'NR == 1 {print $3}')
v_tmux=$(tmux -V)
awk -v rtt="$rtt_us" -v d="$delay_ms" 'BEGIN { printf "RTT through the relay: %.1f ms (relay delay %s ms each way)\n", rtt / 1000, d }'
v_os=$(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release)
echo "machine: $(nproc) cores, $v_os, $v_ssh, rsync $v_rsync, $v_tmux"
echo
echo "| what (median of $runs runs) | ms | RTT | budget (RTT) | bytes up | bytes down |"
echo "|---|---|---|---|---|---|"
awk -v us="$rtt_us" 'BEGIN { printf "| TCP round trip through the relay (1 byte echoed) | %.1f | 1.0 | | | |\n", us / 1000 }'
measure "$runs" ssh -F "$dir/ssh_config" -o ControlPath=none w true
row "\`ssh w true\`, fresh connection and handshake (\`ControlPath=none\`)"
measure 1 "$p" -n -- true # agent upload, master up
measure "$runs" ssh -F "$dir/ssh_config" -o ControlPath="$HOME/.p/cm/%C" w true
row "\`ssh w true\`, one session on p's ControlMaster"
measure "$runs" "$p" -n -- true
row "\`p -n -- true\`, warm (start, stream output, exit code)" "≤ 4 (goal 3)"
measure "$runs" "$p" -d -n -- true
row "\`p -d -n -- true\`, warm (start detached)" "≤ 3 (goal 2)"
"$p" rm --all -y >/dev/null 2>&1 9>&- || true

cd "$dir/c/src"
for i in $(seq 2000); do printf 'file %s\n' "$i" >"f$i.txt"; done
head -c 50000000 /dev/urandom >blob.bin
measure 1 "$p" -- true
row "\`p -- true\`, first sync of 2000 files + 50 MB (1 run)"
for i in $(seq 20); do printf 'changed %s\n' "$i" >"f$i.txt"; done
measure 1 "$p" -- true
row "\`p -- true\`, same tree with 20 files changed, seeded by \`--copy-dest\` (1 run)"

store=$XDG_DATA_HOME/p/jobs
template=$(find "$store" -name '*.json' | head -1)
for i in $(seq 500); do
  id=$(cat /proc/sys/kernel/random/uuid)
  sed "s/\"id\": \"[^\"]*\"/\"id\": \"$id\"/; s/\"status\": \"[a-z]*\"/\"status\": \"done\"/" "$template" >"$store/$id.json"
done
measure "$runs" "$p" ls
row "\`p ls\` with 500 jobs in the store"
