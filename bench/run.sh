#!/usr/bin/env bash
# Measures what a user waits for, against a throwaway sshd on 127.0.0.1:
# ssh round trips (cold vs multiplexed), `p -- true`, `p -d`, `p ls` over a
# large store, and a sync of a tree first from scratch and then seeded from
# the previous job's work dir. Usage: bench/run.sh [p-binary] (default: the
# NativeAOT build from ./install.sh into a temp dir). Needs root for sshd.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-15}
dir=$(mktemp -d /tmp/pb.XXXXXX)
cleanup() {
  [ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null
  for s in "$dir"/c/.p/cm/*; do [ -S "$s" ] && ssh -O exit -o ControlPath="$s" x 2>/dev/null; done
  HOME=$dir/w TMUX_TMPDIR=$dir/wt tmux -L p kill-server 2>/dev/null
  pkill -f "$dir" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

p=${1:-}
if [ -z "$p" ]; then
  ./install.sh "$dir/bin" >/dev/null
  p=$dir/bin/p
fi

mkdir -p "$dir/w" "$dir/wt" "$dir/c/src" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$dir/host"
ssh-keygen -q -t ed25519 -N '' -f "$dir/key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
  Port $port
  User $(id -un)
  IdentityFile $dir/key
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  StrictHostKeyChecking accept-new
  LogLevel ERROR
  BatchMode yes
CFG
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
for _ in $(seq 50); do ssh -F "$dir/ssh_config" -o ControlPath=none w true 2>/dev/null && break; sleep 0.1; done

export HOME=$dir/c XDG_CONFIG_HOME=$dir/c/.config XDG_DATA_HOME=$dir/c/.local/share P_SSH_CONFIG=$dir/ssh_config TMUX_TMPDIR=$dir/ct
mkdir -p "$TMUX_TMPDIR"
"$p" worker register w >/dev/null

# median of N runs of a command, in milliseconds
median() {
  local n=$1; shift
  local times=()
  for _ in $(seq "$n"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 </dev/null
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

row() { printf '| %s | %s ms |\n' "$1" "$2"; }

echo "| what ($runs runs, median) | time |"
echo "|---|---|"
row "ssh w true, no multiplexing" "$(median "$runs" ssh -F "$dir/ssh_config" -o ControlPath=none w true)"
"$p" -n -- true >/dev/null 2>&1 </dev/null # agent upload, master up
row "ssh w true, through p's ControlMaster" "$(median "$runs" ssh -F "$dir/ssh_config" -o ControlPath="$HOME/.p/cm/%C" w true)"
row "p -n -- true (start, stream, exit code)" "$(median "$runs" "$p" -n -- true)"
row "p -d -n -- true (start detached)" "$(median "$runs" "$p" -d -n -- true)"
"$p" rm --all -y >/dev/null 2>&1 || true

cd "$dir/c/src"
for i in $(seq 2000); do printf 'file %s\n' "$i" >"f$i.txt"; done
head -c 50000000 /dev/urandom >blob.bin
t0=$(date +%s%N); "$p" -- true >/dev/null 2>&1 </dev/null; t1=$(date +%s%N)
row "p -- true, first sync of 2000 files + 50 MB" "$(((t1 - t0) / 1000000))"
for i in $(seq 20); do printf 'changed %s\n' "$i" >"f$i.txt"; done
t0=$(date +%s%N); "$p" -- true >/dev/null 2>&1 </dev/null; t1=$(date +%s%N)
row "p -- true, same tree, 20 files changed (seeded by --copy-dest)" "$(((t1 - t0) / 1000000))"

store=$XDG_DATA_HOME/p/jobs
template=$(ls "$store"/*.json | head -1)
for i in $(seq 500); do
  id=$(cat /proc/sys/kernel/random/uuid)
  sed "s/\"id\": \"[^\"]*\"/\"id\": \"$id\"/; s/\"status\": \"[a-z]*\"/\"status\": \"done\"/" "$template" >"$store/$id.json"
done
row "p ls with 500 jobs in the store" "$(median "$runs" "$p" ls)"
