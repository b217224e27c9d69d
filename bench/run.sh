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
# ONLY=runpath stops after the run path's rows (a quick look at round trips),
# DELAY_MS=N the relay's one-way delay. Needs root for sshd, and the .NET SDK
# for the relay (`dotnet run bench/relay.cs`, no NuGet packages).
set -euo pipefail
cd "$(dirname "$0")/.."
v_commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
v_dirty=$(git status --porcelain -- src 2>/dev/null | wc -l)

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

# out SCENARIO P_US CHAIN_US UP DOWN BUDGET KIND LIMIT: one table row. KIND
# says what LIMIT bounds: ratio (p / chain), rtt (p in RTT), bytes (up),
# pct (a percentage given as P_US-free text in BUDGET; pass computed by the
# caller and passed as LIMIT "pass"/"FAIL"), or none. A row with no p time
# shows the chain's RTTs in parentheses.
out() {
  awk -v l="$1" -v p="$2" -v o="$3" -v up="$4" -v down="$5" -v b="$6" -v k="$7" -v lim="$8" -v rtt="$rtt_us" '
    function ms(x) { return x == "" ? "" : sprintf("%.0f", x / 1000) }
    BEGIN {
      r = (p != "" && o != "") ? sprintf("%.2fx", p / o) : ""
      t = p != "" ? sprintf("%.1f", p / rtt) : (o != "" ? sprintf("(%.1f)", o / rtt) : "")
      v = ""
      if (k == "ratio") v = (p / o <= lim) ? "pass" : "**FAIL**"
      else if (k == "rtt") v = (p / rtt <= lim) ? "pass" : "**FAIL**"
      else if (k == "bytes") v = (up <= lim) ? "pass" : "**FAIL**"
      else if (k == "given") v = lim
      bytes = up == "" ? "" : up " / " down
      printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", l, ms(p), ms(o), r, t, bytes, b, v
    }'
}

v_ssh=$(ssh -V 2>&1 | sed 's/,.*//')
v_rsync=$(rsync --version | awk 'NR == 1 {print $3}')
v_tmux=$(tmux -V)
v_os=$(sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release)
awk -v rtt="$rtt_us" -v d="$delay_ms" 'BEGIN { printf "RTT through the relay: %.1f ms (relay delay %s ms each way)\n", rtt / 1000, d }'
echo "machine: $(nproc) cores, $v_os, $v_ssh, rsync $v_rsync, $v_tmux"
echo "p: $("$p" --version 2>/dev/null | head -1 || true), built from commit $v_commit ($v_dirty paths under src/ differing from it)"

cfg=$dir/ssh_config
cm=$dir/cm-expert
hdr=()
# The chains: what people type instead of p. Each rsyncs git's view of the
# tree (the .gitignore filter) into a fixed dir on the worker, then runs the
# command there with ssh.
ssh_m() { ssh -F "$cfg" -o ControlMaster=auto -o ControlPath="$cm" -o ControlPersist=600 "$@"; }
ssh_n() { ssh -F "$cfg" -o ControlPath=none "$@"; }
expert() { # rsync and ssh on one ControlMaster of the user's
  rsync -a --delete --filter=':- .gitignore' --exclude=.git -e "ssh -F $cfg -o ControlMaster=auto -o ControlPath=$cm -o ControlPersist=600" ./ w:expert/ &&
    ssh_m w 'cd expert && true'
}
plain() { # the same, each command its own handshake
  rsync -a --delete --filter=':- .gitignore' --exclude=.git -e "ssh -F $cfg -o ControlPath=none" ./ w:plain/ &&
    ssh_n w 'cd plain && true'
}
mainframer() { # mainframer 2.1: rsync up, ssh, rsync back, no master
  rsync -a --delete --filter=':- .gitignore' --exclude=.git -e "ssh -F $cfg -o ControlPath=none" ./ w:mf/ &&
    ssh_n w 'cd mf && true' &&
    rsync -a --filter=':- .gitignore' --exclude=.git -e "ssh -F $cfg -o ControlPath=none" w:mf/ ./
}
# cold: p's master gone and its watcher killed (only processes of this p binary)
cold_p() {
  local s pid
  for s in "$HOME"/.p/cm/*; do [ -S "$s" ] && ssh -O exit -o ControlPath="$s" x >/dev/null 2>&1; done
  for pid in $(pgrep -f -- '_watch' || true); do
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$p")" ] && kill "$pid" 2>/dev/null
  done
  sleep 0.2
  true
}
n=0
touch_one() { n=$((n + 1)); printf '/* change %s */\n' "$n" >>"$proj/$one"; }

# pair PREP :: P_CMD... :: CHAIN_CMD...: RUNS runs of each, interleaved (p,
# chain, p, chain...), PREP (a shell line) before every run of either; sets
# p_us, c_us, p_up, p_down (medians; bytes are p's through the relay).
pair() {
  local prep=$1
  shift 2
  local pcmd=() ocmd=()
  while [ "$1" != :: ]; do pcmd+=("$1"); shift; done
  shift
  ocmd=("$@")
  local pts=() ots=() ups=() downs=() t0 t1 u0 d0 u1 d1
  for _ in $(seq "$runs"); do
    eval "$prep"
    sleep "$settle"
    read -r u0 d0 <<<"$(counts)"
    t0=${EPOCHREALTIME/[.,]/}
    "${pcmd[@]}" >/dev/null 2>&1 </dev/null 9>&- || { echo "bench: ${pcmd[*]} failed" >&2; exit 1; }
    t1=${EPOCHREALTIME/[.,]/}
    sleep "$settle"
    read -r u1 d1 <<<"$(counts)"
    pts+=($((10#$t1 - 10#$t0))) ups+=($((u1 - u0))) downs+=($((d1 - d0)))
    eval "$prep"
    t0=${EPOCHREALTIME/[.,]/}
    "${ocmd[@]}" >/dev/null 2>&1 </dev/null 9>&- || { echo "bench: ${ocmd[*]} failed" >&2; exit 1; }
    t1=${EPOCHREALTIME/[.,]/}
    ots+=($((10#$t1 - 10#$t0)))
  done
  p_us=$(median "${pts[@]}") c_us=$(median "${ots[@]}") p_up=$(median "${ups[@]}") p_down=$(median "${downs[@]}")
}

rows=()
add() { rows+=("$(out "$@")"); }
table() {
  echo
  echo "| scenario (medians of $runs, each pair interleaved) | p (ms) | chain (ms) | ratio | p RTTs | p bytes up / down | budget | |"
  echo "|---|---|---|---|---|---|---|---|"
  awk -v us="$rtt_us" 'BEGIN { printf "| TCP round trip through the relay (1 byte echoed) | | %.1f | | 1.0 | | | |\n", us / 1000 }'
  printf '%s\n' "${rows[@]}"
}

# ---------------------------------------------------------------- run path (the previous issue's budget)
cd "$dir/c/src"
measure "$runs" ssh_n w true
fresh_us=$m_us
add "\`ssh w true\`, fresh connection and handshake (floor)" "" "$m_us" "" "" "" none ""
measure 1 "$p" -n -- true # agent upload, master up
measure "$runs" ssh -F "$cfg" -o ControlPath="$HOME/.p/cm/%C" w true
master_us=$m_us
add "\`ssh w true\`, one session on p's ControlMaster (floor)" "" "$m_us" "$m_up" "$m_down" "" none ""
measure "$runs" "$p" -n -- true
add "warm \`p -n -- true\` (start, stream, exit code) vs one ssh session on the master" "$m_us" "$master_us" "$m_up" "$m_down" "≤ 4 RTT (goal 3)" rtt 4
measure "$runs" "$p" -d -n -- true
add "warm \`p -d -n -- true\` (detached start) vs one ssh session on the master" "$m_us" "$master_us" "$m_up" "$m_down" "≤ 3 RTT (goal 2)" rtt 3
"$p" rm --all -y >/dev/null 2>&1 9>&- || true
if [ "${ONLY:-}" = runpath ]; then
  table
  exit 0
fi

# ---------------------------------------------------------------- the 2,000-file project
# Deterministic (seed 9): nested dirs, C sources and headers of 200 B to
# 40 KB (a few larger docs), a .gitignore whose build outputs also exist on
# disk (so a filter that ignores it would send them), one commit.
proj=$dir/c/proj
mkdir -p "$proj"
cd "$proj"
python3 - <<'PY'
import os, random
r = random.Random(9)
words = "int long char void static return if else for while struct const size_t buf len ptr node next value count index".split()
def text(n):
    out, size = [], 0
    while size < n:
        line = " ".join(r.choice(words) for _ in range(r.randint(3, 12))) + ";\n"
        out.append(line); size += len(line)
    return "".join(out)[:n]
tops = ["src/core/util", "src/core/io", "src/net/http", "src/net/tls", "src/ui/widgets", "src/ui/themes",
        "lib/json", "lib/yaml", "lib/crypto/sha", "lib/crypto/aes", "tests/unit", "tests/integration",
        "tools/gen", "docs/guide", "docs/api", "include/p", "include/p/detail", "third_party/zlib",
        "third_party/lz4/lib", "scripts"]
made = 0
for i in range(2000 - 2):  # + .gitignore + README.md
    d = tops[i % len(tops)]
    os.makedirs(d, exist_ok=True)
    ext = r.choice([".c", ".c", ".h", ".py", ".md"]) if not d.startswith("docs") else ".md"
    size = int(200 * (200 ** r.random()))  # 200 B .. 40 KB, log-uniform
    name = f"{d}/{('u' if d.endswith('util') else 'f')}{i // len(tops)}{ext}"
    with open(name, "w") as f: f.write(text(size))
open("README.md", "w").write("# bench project\n")
open(".gitignore", "w").write("build/\n*.o\n.cache/\n")
os.makedirs("build/obj", exist_ok=True)
for i in range(50):
    open(f"build/obj/f{i}.o", "wb").write(r.randbytes(20000))
PY
git init -q && git add -A && git -c user.email=b@b -c user.name=b commit -q -m bench
tracked=$(git ls-files | wc -l)
one=$(git ls-files src/core/util | head -1) # the file touch_one changes
"$p" -- true >/dev/null 2>&1 </dev/null 9>&- # the first sync
expert >/dev/null 2>&1 9>&-
plain >/dev/null 2>&1 9>&-
mainframer >/dev/null 2>&1 9>&-

pair ":" :: "$p" -- true :: expert
add "warm \`p -- true\`, $tracked-file project unchanged, vs the expert chain (rsync + ssh on one ControlMaster)" "$p_us" "$c_us" "$p_up" "$p_down" "≤ 0.5x (goal 0.3x)" ratio 0.5
unchanged_up=$p_up unchanged_down=$p_down
pair ":" :: "$p" -- true :: plain
add "warm \`p -- true\` unchanged, vs the plain chain (rsync + ssh, a handshake each)" "$p_us" "$c_us" "$p_up" "$p_down" "≤ 0.3x" ratio 0.3
pair ":" :: "$p" -- true :: mainframer
add "warm \`p -- true\` unchanged, vs mainframer 2.1's shape (rsync up, ssh, rsync back)" "$p_us" "$c_us" "$p_up" "$p_down" "" none ""
add "bytes up (client → worker) of a warm \`p -- true\`, unchanged tree" "" "" "$unchanged_up" "$unchanged_down" "≤ 8 KiB (goal 2 KiB)" bytes 8192
pair "touch_one" :: "$p" -- true :: expert
add "warm \`p -- true\` after a 1-file change (before each run), vs the expert chain with the same change" "$p_us" "$c_us" "$p_up" "$p_down" "≤ 0.8x (goal 0.5x)" ratio 0.8
pair "cold_p" :: "$p" -- true :: plain
add "cold \`p -- true\` (no master, no watcher), unchanged, vs the plain chain" "$p_us" "$c_us" "$p_up" "$p_down" "≤ 0.6x" ratio 0.6
"$p" rm --all -y >/dev/null 2>&1 9>&- || true

# ---------------------------------------------------------------- 5,000 files, 50 MB
big=$dir/c/big
mkdir -p "$big"
cd "$big"
python3 - <<'PY'
import os, random
r = random.Random(50)
for d in range(50):
    os.makedirs(f"d{d}", exist_ok=True)
    for f in range(100):
        open(f"d{d}/f{f}.bin", "wb").write(r.randbytes(10000))
PY
git init -q && git add -A && git -c user.email=b@b -c user.name=b commit -q -m big
measure 1 "$p" -- true
first_us=$m_us first_up=$m_up first_down=$m_down
printf 'one change\n' >>d7/f7.bin
measure 1 "$p" -- true
verdict=$(awk -v a="$m_up" -v b="$first_up" 'BEGIN { print (a <= b / 100) ? "pass" : "**FAIL**" }')
pct=$(awk -v a="$m_up" -v b="$first_up" 'BEGIN { printf "%.3f%%", 100 * a / b }')
add "5,000-file 50 MB tree: 2nd job after a 1-file change (p) vs the 1st job (chain column); bytes up ratio $pct" "$m_us" "$first_us" "$m_up" "$m_down" "≤ 1% of the 1st job's bytes" given "$verdict"
"$p" rm --all -y >/dev/null 2>&1 9>&- || true

# ---------------------------------------------------------------- p ls over 10,000 jobs
store=$XDG_DATA_HOME/p/jobs
cd "$dir/c/src"
"$p" -n -- true >/dev/null 2>&1 </dev/null 9>&-
template=$(find "$store" -name '*.json' | head -1)
python3 - "$template" <<'PY'
import os, re, sys
t = sys.argv[1]
src = open(t).read()
d = os.path.dirname(t)
for i in range(1, 10001):
    jid = "%08x-0000-4000-8000-%012x" % (i, i)
    s = re.sub(r'"id": "[^"]*"', '"id": "%s"' % jid, src, count=1)
    s = re.sub(r'"status": "[a-z]*"', '"status": "done"', s, count=1)
    open(os.path.join(d, jid + ".json"), "w").write(s)
os.remove(t)
PY
catall() { find "$store" -name '*.json' -exec cat {} + >/dev/null; }
njobs=$("$p" ls 2>/dev/null 9>&- | wc -l)
pair ":" :: "$p" ls :: catall
add "\`p ls\` over 10,000 jobs ($njobs lines) vs \`cat\` of their record files" "$p_us" "$c_us" "" "" "≤ 2x" ratio 2
if [ -x /usr/bin/time ]; then
  peak=$(/usr/bin/time -f %M "$p" ls 2>&1 >/dev/null 9>&- | tail -1)
else
  peak=$(python3 -c 'import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$p" ls 9>&-)
fi
rows+=("| peak memory (max RSS) of \`p ls\` over 10,000 jobs: $((peak / 1024)) MiB | | | | | | modest | |")

table
