#!/usr/bin/env bash
#
# Test suite of the worker-side agent, src/P/Agent/p-agent.sh.
#
# Usage:  tests/agent/run.sh [-k PATTERN] [dash|bash|busybox ...]
#   -k PATTERN  only run tests whose name contains PATTERN
#   shells      default: all three
#   env P_AGENT=FILE tests another copy of the agent; P_AGENT_TEST_TIMES=1
#   prints each passing test's duration.
#
# Every test runs once per shell. The agent is called as
# `<shell> ~/.p/bin/p-agent ...`, and since the agent starts its tmux wrapper
# as `/bin/sh "$0" - _run <id>` (and tmux runs pipe-pane through /bin/sh), each
# shell's suite runs in a private mount namespace where /bin/sh is bind-mounted
# to that shell. That needs root (or CAP_SYS_ADMIN) and `unshare -m`. (As
# /bin/sh is a symlink to dash on Debian, the mount lands on /usr/bin/dash:
# inside the bash and busybox namespaces, `dash` is that shell too.)
#
# Each test has its own HOME and TMUX_TMPDIR (one mktemp dir under /tmp, so
# the tmux socket path stays short), and kills its tmux servers and removes
# the dir when it ends. The three shells' suites run in parallel.
#
# Output: `ok - <name> [<shell>]` or `not ok - <name> [<shell>]` followed by
# `#`-prefixed details, then one line `N passed, M failed`. Exit status 1 if
# anything failed, 2 if the prerequisites are missing.

# Literal $ in single quotes is the point of many checks here (SC2016), and
# `a && b || bad ...` reads as intended since bad exits (SC2015).
# shellcheck disable=SC2016,SC2015

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
AGENT_SRC=${P_AGENT:-$(cd "$HERE/../.." && pwd)/src/P/Agent/p-agent.sh}

# ---------------------------------------------------------------- shells

shell_bin() {
  case $1 in
    dash) command -v dash ;;
    bash) command -v bash ;;
    busybox) command -v busybox ;;
    *) return 1 ;;
  esac
}

# The argv prefix the agent is invoked with.
shell_argv() {
  case $1 in
    dash) SHX=("$(shell_bin dash)") ;;
    bash) SHX=("$(shell_bin bash)" --posix) ;;
    busybox) SHX=("$(shell_bin busybox)" sh) ;;
  esac
}

# ---------------------------------------------------------------- helpers (inside a test)

# Fails the current test (each test runs in its own subshell).
bad() {
  printf '%s\n' "$@"
  exit 1
}

# Shows a value with its control characters visible.
vis() { printf '%s' "$1" | od -An -c | sed 's/^/      /' | head -20; }

expect_eq() { # what actual expected
  [ "$2" == "$3" ] || {
    printf '%s differs\n    expected:\n' "$1"
    vis "$3"
    printf '    actual:\n'
    vis "$2"
    exit 1
  }
}

# wait_until SECONDS CMD...: polls CMD every 50 ms; fails when time is up.
wait_until() {
  local n=$(($1 * 20))
  shift
  while ! "$@" >/dev/null 2>&1; do
    n=$((n - 1))
    [ "$n" -gt 0 ] || return 1
    sleep 0.05
  done
}

new_id() { cat /proc/sys/kernel/random/uuid; }

setup() {
  T=$(mktemp -d /tmp/pa.XXXXXX) || exit 1
  H=$T/h
  TT=$T/t
  mkdir -p "$H/.p/bin" "$TT"
  A=$H/.p/bin/p-agent
  cp "$AGENT_SRC" "$A"
  VER=$(cksum <"$A" | awk '{ print $1 "." $2 }')
  TPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
}

# The tmux server of the test's p, and the outer terminal's server.
tmx() { env -u TMUX HOME="$H" TMUX_TMPDIR="$TT" tmux -S "$H/.p/tmux" "$@"; }
otm() { env -u TMUX HOME="$H" tmux -S "$T/o" "$@"; }

# A process that exists and is not a zombie (PID 1 may not reap here).
alive() {
  local st
  st=$(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null) || return 1
  case $st in " Z"* | " X"* | '') return 1 ;; esac
}

cleanup() {
  [ -n "${T:-}" ] && [ -d "$T" ] || return 0
  local pids='' p n
  p=$(tmx display -p '#{pid}' 2>/dev/null) && pids="$pids $p"
  p=$(otm display -p '#{pid}' 2>/dev/null) && pids="$pids $p"
  tmx kill-server >/dev/null 2>&1
  otm kill-server >/dev/null 2>&1
  for p in $pids; do
    n=40
    while alive "$p" && [ "$n" -gt 0 ]; do
      sleep 0.05
      n=$((n - 1))
    done
  done
  rm -rf "$T" 2>/dev/null || { sleep 0.2; rm -rf "$T"; }
}

# ag ARGS...: runs the agent the way ssh does (no terminal, a small
# environment), under the shell being tested. PATH comes from $TPATH.
ag() {
  env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" USER=root LOGNAME=root \
    SHELL=/bin/sh LANG=C.UTF-8 "${SHX[@]}" "$A" "$@" </dev/null
}

# agt SECONDS ARGS...: ag with a time limit (exit status 124 when it ran out).
agt() {
  local secs=$1
  shift
  timeout -k 2 "$secs" env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" USER=root LOGNAME=root \
    SHELL=/bin/sh LANG=C.UTF-8 "${SHX[@]}" "$A" "$@" </dev/null
}

jd() { printf '%s' "$H/.p/jobs/$1"; }
wd() { printf '%s' "$H/.p/workdirs/$1"; }
sess() { printf 'p-%s' "$1"; }

# start ID ARGV...: starts a job (label "p-<short> w1 <display>"), checks the reply.
start() {
  local id=$1 out
  shift
  out=$(ag - start "$id" w1 /src/dir "disp" "$(sess "$id") w1 disp" "$@") ||
    bad "start failed:" "$out"
  case $out in
    "P-AGENT/1 OK"$'\n'"started $(sess "$id") "*) ;;
    *) bad "unexpected start reply:" "$out" ;;
  esac
}

wait_done() {
  wait_until "${2:-10}" test -f "$(jd "$1")/exitcode" ||
    bad "job $1 did not finish in ${2:-10}s; log:" "$(cat "$(jd "$1")/output.log" 2>/dev/null)"
}

sentinel() { printf '\033]7777;p-end-%s\007' "$1"; }

# expect_log ID EXPECTED: the whole log is EXPECTED followed by the sentinel.
expect_log() {
  local got want
  got=$(cat "$(jd "$1")/output.log"; printf x)
  want="$2$(sentinel "$1")x"
  expect_eq "output.log of $1" "${got%x}" "${want%x}"
}

has_session() { tmx has-session -t "=$(sess "$1")"; }

# ---------------------------------------------------------------- tests

t_version_stale() {
  local id out rc
  id=$(new_id)
  out=$(ag 123.456 prepare "$id" abc)
  rc=$?
  expect_eq "reply to a wrong version" "$out" "P-AGENT/1 STALE $VER"
  [ "$rc" = 0 ] || bad "exit status $rc, expected 0"
  [ ! -e "$H/.p/jobs" ] || bad "prepare ran despite the wrong version: ~/.p/jobs exists"
  out=$(ag 123.456 start "$id" w1 /c d l true)
  expect_eq "reply to a wrong version (start)" "$out" "P-AGENT/1 STALE $VER"
  [ ! -e "$H/.p/jobs" ] || bad "start ran despite the wrong version"
  ! tmx list-sessions >/dev/null 2>&1 || bad "a tmux server was started"
}

t_version_sourced() {
  local out
  # The launcher's way in: sourced, with P_AGENT_SELF naming the file.
  out=$(env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" "${SHX[@]}" -c 'P_AGENT_SELF=$HOME/.p/bin/p-agent; . "$P_AGENT_SELF"' p-agent "$VER" check </dev/null)
  expect_eq "sourced check" "$out" "P-AGENT/1 OK"$'\n'"version $VER"$'\n'"tmux ok"$'\n'"rsync ok"
}

t_version_ok() {
  local out
  out=$(ag "$VER" check) || bad "exit status $?" "$out"
  expect_eq "first line" "${out%%$'\n'*}" "P-AGENT/1 OK"
  out=$(ag "$VER" status)
  expect_eq "status reply" "$out" "P-AGENT/1 OK"
}

t_check() {
  local out
  out=$(ag "$VER" check)
  expect_eq "check reply" "$out" "P-AGENT/1 OK"$'\n'"version $VER"$'\n'"tmux ok"$'\n'"rsync ok"
}

# A PATH directory with the tools the agent and its shells use, except $1.
# (Not all of /usr/bin: 1500 symlinks take seconds on some filesystems.)
path_without() {
  local d=$T/no-$1 c tools=()
  mkdir "$d"
  for c in sh dash bash busybox tmux rsync cksum cat mkdir chmod mv rm cp ln date sed tr \
    stty dd wc tail head grep sleep awk env id ls touch printf uname cut od timeout infocmp; do
    [ "$c" = "$1" ] && continue
    c=$(command -v "$c") && tools+=("$c")
  done
  ln -s -t "$d" "${tools[@]}"
  printf '%s' "$d"
}

t_missing_tools() {
  local id out rc p
  id=$(new_id)
  p=$(path_without tmux)
  out=$(TPATH=$p ag - prepare "$id" abc)
  rc=$?
  case $out in
    "P-AGENT/1 ERR tmux is not installed "*) ;;
    *) bad "prepare without tmux:" "$out" ;;
  esac
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || bad "more than one line:" "$out"
  [ "$rc" = 1 ] || bad "exit status $rc, expected 1"
  [ ! -e "$(jd "$id")" ] || bad "prepare created the job dir without tmux"
  out=$(TPATH=$p ag - check)
  expect_eq "check without tmux" "$out" "P-AGENT/1 OK"$'\n'"version $VER"$'\n'"tmux missing"$'\n'"rsync ok"
  out=$(TPATH=$p ag - start "$id" w1 /c d l true)
  case $out in
    "P-AGENT/1 ERR tmux is not installed "*) ;;
    *) bad "start without tmux:" "$out" ;;
  esac
  p=$(path_without rsync)
  out=$(TPATH=$p ag - prepare "$id" abc)
  case $out in
    "P-AGENT/1 ERR rsync is not installed "*) ;;
    *) bad "prepare without rsync:" "$out" ;;
  esac
}

mode() { stat -c %a "$1" 2>/dev/null || echo missing; }

t_prepare_dirs() {
  local id out d
  id=$(new_id)
  out=$(ag - prepare "$id" 0123abcd) || bad "exit status $?" "$out"
  expect_eq "prepare reply" "$out" "P-AGENT/1 OK"
  for d in "$(jd "$id")" "$(wd "$id")" "$H/.p" "$H/.p/jobs" "$H/.p/workdirs" "$H/.p/basis" "$H/.p/bin"; do
    [ "$(mode "$d")" = 700 ] || bad "mode of $d is $(mode "$d"), expected 700"
  done
  [ -f "$H/.p/tmux.conf" ] || bad "no ~/.p/tmux.conf"
  # again: idempotent
  out=$(ag - prepare "$id" 0123abcd) || bad "second prepare: exit status $?" "$out"
  expect_eq "second prepare reply" "$out" "P-AGENT/1 OK"
}

t_prepare_basis() {
  local a b c out
  a=$(new_id) b=$(new_id) c=$(new_id)
  out=$(ag - prepare "$a" 0123abcd)
  expect_eq "first prepare" "$out" "P-AGENT/1 OK"
  start "$a" true
  out=$(ag - prepare "$b" 0123abcd)
  expect_eq "prepare with the same key" "$out" "P-AGENT/1 OK"$'\n'"basis $a"
  out=$(ag - prepare "$c" 0123abce)
  expect_eq "prepare with another key" "$out" "P-AGENT/1 OK"
  out=$(ag - prepare "$a" 0123abcd)
  expect_eq "prepare of the basis job itself" "$out" "P-AGENT/1 OK"
  # once b has started, b is the basis
  start "$b" true
  out=$(ag - prepare "$c" 0123abcd)
  expect_eq "prepare after a second start" "$out" "P-AGENT/1 OK"$'\n'"basis $b"
}

t_bad_input() {
  local id out rc
  id=$(new_id)
  out=$(ag - status "../$id")
  rc=$?
  case $out in *"P-AGENT/1 ERR bad job id: ../$id") ;; *) bad "status ../id:" "$out" ;; esac
  [ "$rc" = 1 ] || bad "status ../id: exit status $rc"
  out=$(ag - prepare "$id" 'AB/..')
  expect_eq "bad key" "$out" "P-AGENT/1 ERR bad basis key: AB/.."
  out=$(ag - frobnicate x)
  case $out in "P-AGENT/1 ERR unknown verb: frobnicate"*) ;; *) bad "unknown verb:" "$out" ;; esac
  out=$(ag -)
  case $out in "P-AGENT/1 ERR usage:"*) ;; *) bad "no verb:" "$out" ;; esac
  out=$(ag - start "$id" w1 /c d l)
  case $out in "P-AGENT/1 ERR usage: start"*) ;; *) bad "start without argv:" "$out" ;; esac
  start "$id" true
  out=$(ag - start "$id" w1 /c d l true)
  expect_eq "second start of one job" "$out" "P-AGENT/1 ERR job $id was already started"
}

t_start_argv() {
  local id before after out s
  id=$(new_id)
  ag - prepare "$id" 0123abcd >/dev/null
  : >"$(wd "$id")/zfile" # a glob that escaped its quotes would match this
  chmod 755 "$(wd "$id")" # as rsync may leave it
  before=$(date +%s)
  out=$(ag - start "$id" w1 "/src/my dir" "printf '%s|' ..." "label" \
    printf '%s|' 'a b' '$HOME' '`x`' ';' '*' $'new\nline') || bad "start: exit status $?" "$out"
  after=$(date +%s)
  s=$(sess "$id")
  wait_done "$id"
  expect_log "$id" 'a b|$HOME|`x`|;|*|new'$'\r\n''line|'
  expect_eq exitcode "$(cat "$(jd "$id")/exitcode")" 0
  [ "$(mode "$(wd "$id")")" = 700 ] || bad "start left the work dir at mode $(mode "$(wd "$id")")"
  expect_eq cmd "$(cat "$(jd "$id")/cmd")" "printf '%s|' ..."
  expect_eq cwd "$(cat "$(jd "$id")/cwd")" "/src/my dir"
  expect_eq worker "$(cat "$(jd "$id")/worker")" w1
  expect_eq tmux_session "$(cat "$(jd "$id")/tmux_session")" "$s"
  local st
  st=$(cat "$(jd "$id")/started_at")
  [[ $st =~ ^[0-9]+$ ]] && [ "$st" -ge "$before" ] && [ "$st" -le "$after" ] ||
    bad "started_at '$st' not within [$before, $after]"
  expect_eq "start reply" "$out" "P-AGENT/1 OK"$'\n'"started $s $st"
  local en
  en=$(cat "$(jd "$id")/ended_at" 2>/dev/null)
  [[ $en =~ ^[0-9]+$ ]] && [ "$en" -ge "$st" ] || bad "ended_at '$en' bad (started_at $st)"
}

t_start_shell_line() {
  local id
  id=$(new_id)
  start "$id" 'echo one; echo two; exit 3'
  wait_done "$id"
  expect_eq exitcode "$(cat "$(jd "$id")/exitcode")" 3
  expect_log "$id" $'one\r\ntwo\r\n'
}

t_first_line() {
  local ids=() id i
  for i in $(seq 20); do
    id=$(new_id)
    ids+=("$id")
    start "$id" 'echo first'
  done
  local fails=0 got want msgs=''
  for id in "${ids[@]}"; do
    wait_done "$id"
    got=$(cat "$(jd "$id")/output.log"; printf x)
    want=$'first\r\n'"$(sentinel "$id")x"
    if [ "$got" != "$want" ]; then
      fails=$((fails + 1))
      msgs="$msgs$id: $(printf '%s' "${got%x}" | od -An -c | tr -s ' \n' ' ')"$'\n'
    fi
  done
  [ "$fails" = 0 ] || bad "$fails of 20 logs are wrong:" "$msgs"
}

# The wrapper closes pipe-pane right after the job: under load the log's
# tail used to get lost there (the sentinel handshake prevents it).
t_log_tail() {
  local ids=() id i fails=0 msgs='' got want
  want=$(seq 1 3000 | sed 's/$/\r/'; printf 'LAST')
  for i in $(seq 12); do
    id=$(new_id)
    ids+=("$id")
    start "$id" 'seq 1 3000; printf LAST'
  done
  for id in "${ids[@]}"; do
    wait_done "$id" 20
    got=$(cat "$(jd "$id")/output.log"; printf x)
    if [ "$got" != "$want$(sentinel "$id")x" ]; then
      fails=$((fails + 1))
      msgs="$msgs$id ends with: $(printf '%s' "${got%x}" | tail -c 30 | od -An -c | tr -s ' \n' ' ')"$'\n'
    fi
  done
  [ "$fails" = 0 ] || bad "$fails of 12 logs are incomplete:" "$msgs"
}

t_signal_exit() {
  local id
  id=$(new_id)
  start "$id" sh -c 'kill -KILL $$'
  wait_done "$id"
  expect_eq exitcode "$(cat "$(jd "$id")/exitcode")" 137
}

t_workdir_profile() {
  local id
  id=$(new_id)
  mkdir "$H/tools"
  printf '#!/bin/sh\necho "mytool ran in $(pwd)"\n' >"$H/tools/mytool"
  chmod +x "$H/tools/mytool"
  printf 'PATH="$HOME/tools:$PATH"\nexport PATH\n' >"$H/.profile"
  ag - prepare "$id" 0123abcd >/dev/null
  start "$id" 'pwd; mytool'
  wait_done "$id"
  expect_log "$id" "$(wd "$id")"$'\r\n'"mytool ran in $(wd "$id")"$'\r\n'
  expect_eq exitcode "$(cat "$(jd "$id")/exitcode")" 0
}

t_status() {
  local r d u out en
  r=$(new_id) d=$(new_id) u=$(new_id)
  start "$r" "while [ ! -e $T/go ]; do sleep 0.05; done"
  start "$d" 'exit 2'
  wait_done "$d"
  wait_until 5 test -s "$(jd "$r")/pgid" || bad "running job never wrote pgid"
  en=$(cat "$(jd "$d")/ended_at")
  out=$(ag - status "$r" "$d" "$u")
  expect_eq "status reply" "$out" "P-AGENT/1 OK
$r running - - open $(cat "$(jd "$r")/started_at")
$d done 2 $en open $(cat "$(jd "$d")/started_at")
$u gone - - closed -"
  out=$(ag - status)
  expect_eq "status with no ids" "$out" "P-AGENT/1 OK"
  touch "$T/go"
  wait_done "$r"
  out=$(ag - status "$r")
  expect_eq "status after it ended" "$out" "P-AGENT/1 OK
$r done 0 $(cat "$(jd "$r")/ended_at") open $(cat "$(jd "$r")/started_at")"
}

# Processes (not zombies) in process group $1.
pgrp_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { n++ } END { exit !n }'; }

t_status_lost() {
  local r d out pg
  r=$(new_id) d=$(new_id)
  start "$d" true
  wait_done "$d"
  local k pp
  k=$(new_id)
  start "$k" 'sleep 300'
  wait_until 5 test -s "$(jd "$k")/pgid" || bad "running job never wrote pgid"
  pp=$(tmx display -p -t "$(sess "$k")" '#{pane_pid}')
  kill -KILL "$pp"
  wait_until 5 eval '[ "$(tmx display -p -t "$(sess "$k")" "#{pane_dead}")" = 1 ]' || bad "pane of $k did not die"
  out=$(ag - status "$k")
  expect_eq "status of a job whose wrapper was killed" "$out" "P-AGENT/1 OK
$k lost - - open $(cat "$(jd "$k")/started_at")"
  start "$r" 'sleep 300'
  wait_until 5 test -s "$(jd "$r")/pgid" || bad "running job never wrote pgid"
  pg=$(cut -d" " -f1 "$(jd "$r")/pgid")
  wait_until 5 pgrp_alive "$pg" || bad "job's process group $pg is not running"
  tmx kill-server
  wait_until 5 eval '! tmx list-sessions' || bad "tmux server still up"
  out=$(ag - status "$r" "$d")
  expect_eq "status after kill-server" "$out" "P-AGENT/1 OK
$r lost - - closed $(cat "$(jd "$r")/started_at")
$d done 0 $(cat "$(jd "$d")/ended_at") closed $(cat "$(jd "$d")/started_at")"
  wait_until 5 eval "! pgrp_alive $pg" ||
    bad "the job survived kill-server:" "$(ps -e -o pid,pgid,stat,args | awk -v g="$pg" '$2 == g')"
  [ ! -e "$(jd "$r")/exitcode" ] || bad "a lost job has an exitcode"
}

t_logs() {
  local id out want
  id=$(new_id)
  start "$id" 'printf "x\ty\n%s\n" "$HOME"'
  wait_done "$id"
  out=$(ag - logs "$id"; printf x)
  want="P-AGENT/1 OK"$'\n'$'x\ty\r\n'"$H"$'\r\n'"$(sentinel "$id")x"
  expect_eq "logs reply" "${out%x}" "${want%x}"
  out=$(ag - logs "$(new_id)")
  case $out in "P-AGENT/1 ERR job "*" has no output log"*) ;; *) bad "logs of an unknown job:" "$out" ;; esac
}

t_logs_follow() {
  local id out want t0 t1 i
  id=$(new_id)
  start "$id" 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.2; done'
  t0=$(date +%s%N)
  out=$(timeout 15 env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" "${SHX[@]}" "$A" - logs "$id" follow </dev/null; printf x)
  t1=$(date +%s%N)
  [ -f "$(jd "$id")/exitcode" ] || bad "follow returned before the job ended:" "$out"
  want="P-AGENT/1 OK"$'\n'
  for i in 1 2 3 4 5 6; do want="$want""line $i"$'\r\n'; done
  want="$want$(sentinel "$id")x"
  expect_eq "logs follow reply" "${out%x}" "${want%x}"
  [ $(((t1 - t0) / 1000000)) -lt 8000 ] || bad "follow took $(((t1 - t0) / 1000000)) ms"
  # following a finished job returns at once
  out=$(timeout 5 env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" "${SHX[@]}" "$A" - logs "$id" follow </dev/null; printf x)
  expect_eq "logs follow of a finished job" "${out%x}" "${want%x}"
}

# outer_attach ID [TERM]: a real terminal (an outer tmux) that runs
# `p-agent attach ID`, with the outer's TERM or the given one.
outer_attach() {
  env -i HOME="$H" PATH="$TPATH" SHELL=/bin/sh TERM=xterm-256color \
    tmux -S "$T/o" -f /dev/null new-session -d -s o -x 100 -y 30 \
    "env TMUX_TMPDIR=$TT HOME=$H ${2:+TERM=$2} ${SHX[*]} $A - attach $1; sleep 1" ||
    bad "outer tmux did not start"
}

outer_shows() { otm capture-pane -p -t o 2>/dev/null | grep -qF -- "$1"; }

t_attach_done() {
  local id banner
  id=$(new_id)
  start "$id" 'echo hello; exit 4'
  wait_done "$id"
  # an unknown TERM (ssh -t from kitty, say) falls back to xterm-256color
  if command -v infocmp >/dev/null; then outer_attach "$id" xterm-no-such-term; else outer_attach "$id"; fi
  banner='--- Job done [exit 4]. Press any key to detach. ---'
  wait_until 5 outer_shows "$banner" || bad "no banner on the terminal:" "$(otm capture-pane -p -t o 2>&1)"
  outer_shows hello || bad "job output not on the screen:" "$(otm capture-pane -p -t o)"
  has_session "$id" || bad "session gone before a key was pressed"
  otm send-keys -t o q
  wait_until 5 eval '! has_session "$id"' || bad "session still there after a key:" "$(otm capture-pane -p -t o)"
}

t_attach_slow_worker() {
  local id banner
  id=$(new_id)
  # A slow worker: every dd of the pane (the type-ahead drain) takes a second.
  mkdir "$T/slow"
  printf '#!/bin/sh\nsleep 1\nexec %s "$@"\n' "$(command -v dd)" >"$T/slow/dd"
  chmod +x "$T/slow/dd"
  TPATH="$T/slow:$TPATH"
  start "$id" "while [ ! -e $T/go ]; do sleep 0.05; done; exit 6"
  outer_attach "$id"
  wait_until 5 outer_shows "[running]" || bad "the job's screen never showed:" "$(otm capture-pane -p -t o 2>&1)"
  otm send-keys -t o x
  touch "$T/go"
  banner='--- Job done [exit 6]. Press any key to detach. ---'
  wait_until 10 outer_shows "$banner" || bad "no banner on the terminal:" "$(otm capture-pane -p -t o 2>&1)"
  otm send-keys -t o a
  wait_until 10 eval '! has_session "$id"' || bad "the key pressed once the screen appeared was dropped:" "$(otm capture-pane -p -t o)"
}

t_attach_typeahead() {
  local id banner
  id=$(new_id)
  start "$id" "while [ ! -e $T/go ]; do sleep 0.05; done; echo finished; exit 5"
  outer_attach "$id"
  wait_until 5 outer_shows "[running]" || bad "the job's screen never showed:" "$(otm capture-pane -p -t o 2>&1)"
  otm send-keys -t o x y Enter z
  # the keys reach the job's terminal (echoed there) while it runs
  wait_until 5 eval 'tmx capture-pane -p -t "$(sess "$id")" | grep -q z' ||
    bad "typed keys never reached the job:" "$(tmx capture-pane -p -t "$(sess "$id")")"
  touch "$T/go"
  wait_done "$id"
  banner='--- Job done [exit 5]. Press any key to detach. ---'
  wait_until 5 outer_shows "$banner" || bad "no banner on the terminal:" "$(otm capture-pane -p -t o 2>&1)"
  sleep 0.8 # nothing must happen now: the type-ahead is dropped
  has_session "$id" || bad "keys typed while the job ran dismissed the done screen"
  outer_shows "$banner" || bad "banner gone:" "$(otm capture-pane -p -t o 2>&1)"
  otm send-keys -t o a
  wait_until 5 eval '! has_session "$id"' || bad "session still there after a key:" "$(otm capture-pane -p -t o)"
}

# ctrl_c_case CMD SEND EXPECTED_EXITCODE: SEND is "key" (C-c on the pane)
# or "kill" (SIGINT to the job's process group, as a stop would send).
ctrl_c_case() {
  local id s banner pg
  id=$(new_id)
  s=$(sess "$id")
  if [ "${4:-tty}" = tty ]; then
    start "$id" "$1"
  else
    agi /dev/null - start -m "$4" "$id" w1 /c d l "$1" >/dev/null || bad "start ($4) failed"
  fi
  wait_until 5 eval 'tmx capture-pane -p -t "$s" | grep -q started' || bad "job did not start"
  if [ "$2" = key ]; then
    tmx send-keys -t "$s" C-c
  else
    pg=$(cut -d" " -f1 "$(jd "$id")/pgid")
    kill -INT -"$pg" || bad "kill -INT -$pg failed"
  fi
  wait_until 5 test -f "$(jd "$id")/exitcode" ||
    bad "$1 / $2: no exitcode: the wrapper died? pane_dead=$(tmx display -p -t "$s" '#{pane_dead} #{pane_dead_status}'):" \
      "$(tmx capture-pane -p -t "$s" | grep .)"
  expect_eq "$1 / $2: exitcode" "$(cat "$(jd "$id")/exitcode")" "$3"
  banner="--- Job done [exit $3]. Press any key to detach. ---"
  wait_until 5 eval 'tmx capture-pane -p -t "$s" | grep -qF -- "$banner"' ||
    bad "$1 / $2: no done screen:" "$(tmx capture-pane -p -t "$s")"
  # The end screen stays on a dead pane: a finished job keeps no process.
  wait_until 5 eval '[ "$(tmx display -p -t "$s" "#{pane_dead}")" = 1 ]' ||
    bad "$1 / $2: the finished job's pane still runs a program:" "$(tmx list-panes -t "$s" -F '#{pane_pid} #{pane_current_command}')"
}

t_ctrl_c() {
  ctrl_c_case 'echo started; sleep 300' key 130
  ctrl_c_case 'echo started; sleep 300' kill 130
  ctrl_c_case 'trap "echo caught" INT; echo started; sleep 300; echo after; exit 7' key 7
}

t_ctrl_c_no_tty() {
  ctrl_c_case 'echo started; sleep 300' key 130 null
  ctrl_c_case 'trap "echo caught; exit 7" INT; echo started; sleep 300' key 7 null
}

t_close() {
  local d r out
  d=$(new_id) r=$(new_id)
  start "$d" true
  start "$r" "while [ ! -e $T/go ]; do sleep 0.05; done"
  wait_done "$d"
  has_session "$d" || bad "finished job's session closed by itself"
  out=$(ag - close "$d")
  expect_eq "close reply" "$out" "P-AGENT/1 OK"
  wait_until 5 eval '! has_session "$d"' || bad "close left the finished job's session"
  wait_until 5 eval "! pgrep -f '^/bin/sh .*_run $d' >/dev/null" ||
    bad "the wrapper outlived its session:" "$(pgrep -af "^/bin/sh .*_run $d")"
  out=$(ag - close "$r")
  expect_eq "close reply (running)" "$out" "P-AGENT/1 OK"
  has_session "$r" || bad "close killed a running job's session"
  out=$(ag - status "$r")
  expect_eq "status after close of a running job" "$out" "P-AGENT/1 OK
$r running - - open $(cat "$(jd "$r")/started_at")"
  out=$(ag - close "$(new_id)")
  expect_eq "close of an unknown job" "$out" "P-AGENT/1 OK"
  out=$(ag - attach "$d" 2>&1)
  local rc=$?
  [ "$rc" = 3 ] || bad "attach to a closed session: exit status $rc, expected 3:" "$out"
  case $out in *"session of job $d is closed"*) ;; *) bad "attach to a closed session:" "$out" ;; esac
}

# agi INPUT-FILE ARGS...: ag with stdin from a file (and a time limit).
agi() {
  local input=$1
  shift
  timeout -k 2 20 env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" USER=root LOGNAME=root \
    SHELL=/bin/sh LANG=C.UTF-8 "${SHX[@]}" "$A" "$@" <"$input"
}

t_pipe_mode() {
  local id out err st
  id=$(new_id)
  local env="export V='a b \$x'"$'\n'
  { printf '%s' "$env"; printf 'one\ntwo\n'; printf '\000bin\377'; } >"$T/in"
  agi "$T/in" - start -m pipe -e "$(printf '%s' "$env" | wc -c)" "$id" w1 /c d "$(sess "$id") w1 d" \
    'wc -c; echo "v=$V"; for f in 0 1 2; do [ -t $f ] && echo "tty$f"; done; echo oops >&2; exit 5' \
    >"$T/out" 2>"$T/err" || bad "start: exit status $?" "$(cat "$T/err")"
  expect_eq "stdout: the frame, then the job's stdout" "$(cat "$T/out"; printf x)" "P-AGENT/1 OK
13
v=a b \$x
x"
  st=$(cat "$(jd "$id")/started_at")
  # The trailer goes out before _run writes its records.
  wait_done "$id"
  err=$(tr '\000' '@' <"$T/err")
  expect_eq "stderr: the job's, then the trailer" "$err" "oops
@P-AGENT/1 END $id $id done 5 $(cat "$(jd "$id")/ended_at") open $st"
  expect_eq "output.log: both streams, no CR" "$(sort "$(jd "$id")/output.log")" "$(printf '13\noops\nv=a b $x\n' | sort)"
  [ "$(mode "$(jd "$id")/env")" = 600 ] || bad "env file mode $(mode "$(jd "$id")/env")"
  wait_until 5 eval '! has_session "$id"' || bad "the session outlived a client that had the end"
}

t_pipe_stdin_eof() {
  local id
  id=$(new_id)
  agi /dev/null - start -m pipe "$id" w1 /c d l cat >"$T/out" 2>"$T/err" || bad "start: exit status $?"
  expect_eq "cat of an empty stdin" "$(cat "$T/out")" "P-AGENT/1 OK"
  wait_done "$id"
  expect_eq "exit code" "$(cat "$(jd "$id")/exitcode")" 0
}

t_pipe_client_gone() {
  local id out
  id=$(new_id)
  # The reader of the agent's stdout goes away after the first line; the job
  # must neither block nor die: it writes 200 KiB more, then ends.
  mkfifo "$T/fifo"
  agi /dev/null - start -m pipe "$id" w1 /c d l \
    "echo first; head -c 204800 /dev/zero | tr '\\0' x; echo; echo last; exit 4" >"$T/fifo" 2>/dev/null &
  out=$(head -n 2 "$T/fifo")
  exec 5<&-
  wait_done "$id"
  expect_eq "exit code" "$(cat "$(jd "$id")/exitcode")" 4
  [ "$(tail -n 1 "$(jd "$id")/output.log")" = last ] || bad "log lacks the tail:" "$(tail -c 100 "$(jd "$id")/output.log")"
  case $out in "P-AGENT/1 OK"$'\n'first) ;; *) bad "first lines:" "$out" ;; esac
}

null_pane_done() {
  case $(tmx capture-pane -p -t "$(sess "$1")") in
    *"this job has no terminal"*"done-reading"*"Job done [exit 0]"*) ;;
    *) return 1 ;;
  esac
}

t_null_mode() {
  local id log
  id=$(new_id)
  out=$(agi /dev/null - start -m null "$id" w1 /c d "$(sess "$id") w1 d" 'cat; echo done-reading; [ -t 1 ] || echo notty; echo e >&2') ||
    bad "start failed:" "$out"
  case $out in "P-AGENT/1 OK"$'\n'"started $(sess "$id") "*) ;; *) bad "reply:" "$out" ;; esac
  wait_done "$id"
  log=$(cat "$(jd "$id")/output.log")
  case $log in *done-reading*notty*) ;; *) bad "log:" "$log" ;; esac
  case $log in *$'\r'*) bad "a CR in the log of a job without a terminal" ;; esac
  # The end screen comes after exitcode is written.
  wait_until 5 null_pane_done "$id" || bad "pane:" "$(tmx capture-pane -p -t "$(sess "$id")")"
}

t_signal_verb() {
  local id out
  id=$(new_id)
  agi /dev/null - start -m pipe "$id" w1 /c d l 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done' \
    >"$T/out" 2>"$T/err" &
  wait_until 5 grep -q ready "$(jd "$id")/output.log" || bad "the job did not start"
  out=$(ag - signal "$id" TERM)
  expect_eq "signal reply" "$out" "P-AGENT/1 OK
sent"
  wait
  expect_eq "stdout" "$(cat "$T/out")" "P-AGENT/1 OK
ready
got-term"
  wait_done "$id"
  expect_eq "exit code" "$(cat "$(jd "$id")/exitcode")" 7
  out=$(ag - signal "$id" INT)
  expect_eq "signal to a finished job" "$out" "P-AGENT/1 OK
finished"
  out=$(ag - signal "$id" KILL)
  case $out in "P-AGENT/1 ERR bad signal"*) ;; *) bad "signal KILL:" "$out" ;; esac
}

t_login_umask() {
  local id
  id=$(new_id)
  (umask 002 && agi /dev/null - start -m null "$id" w1 /c d l 'umask; touch made') >/dev/null || bad "start failed"
  wait_done "$id"
  case $(cat "$(jd "$id")/output.log") in 0002*) ;; *) bad "job umask:" "$(cat "$(jd "$id")/output.log")" ;; esac
  [ "$(mode "$(wd "$id")/made")" = 664 ] || bad "file made by the job: $(mode "$(wd "$id")/made")"
  [ "$(mode "$(jd "$id")/exitcode")" = 600 ] || bad "agent's exitcode file: $(mode "$(jd "$id")/exitcode")"
  [ "$(mode "$(jd "$id")")" = 700 ] || bad "job dir: $(mode "$(jd "$id")")"
}

hms() { printf '%d:%02d:%02d' $(($1 / 3600)) $(($1 / 60 % 60)) $(($1 % 60)); }

status_left() { tmx display -p -t "$1" '#{T:status-left}'; }

t_status_bar() {
  local id s label out st en t0 t1 e re
  id=$(new_id)
  s=$(sess "$id")
  label="$s w1 make %d #x"
  out=$(ag - start "$id" w1 /c "make %d #x" "$label" "while [ ! -e $T/go ]; do sleep 0.05; done") ||
    bad "start failed:" "$out"
  st=$(cat "$(jd "$id")/started_at")
  t0=$(date +%s)
  out=$(status_left "$s")
  t1=$(date +%s)
  re="^$s w1 make %d #x \\[running\\] 0:00:0([0-9]) \$"
  [[ $out =~ $re ]] || bad "status-left while running:" "$out"
  e=${BASH_REMATCH[1]}
  [ "$e" -ge $((t0 - st)) ] && [ "$e" -le $((t1 - st)) ] ||
    bad "elapsed $e not within [$((t0 - st)), $((t1 - st))]"
  # it ticks
  wait_until 3 eval '[ "$(status_left "$s")" != "$out" ]' || bad "elapsed time does not advance:" "$out"
  touch "$T/go"
  wait_done "$id"
  en=$(cat "$(jd "$id")/ended_at")
  wait_until 3 eval '[[ $(status_left "$s") == *"[done 0]"* ]]'
  out=$(status_left "$s")
  expect_eq "status-left when done (frozen at ended_at - started_at)" "$out" "$label [done 0] $(hms $((en - st))) "
  # the fallback for tmux < 3.2: #(p-agent - elapsed ID)
  out=$(ag - elapsed "$id")
  expect_eq "elapsed verb" "$out" "$(hms $((en - st)))"
}

# The processes of process group $1, for failure messages.
pgrp_ps() { ps -e -o pid,pgid,stat,args | awk -v g="$1" '$2 == g'; }

# job_at ID PREFIX: waits until the job's process group runs a command line
# starting with PREFIX, i.e. the job got past its own setup.
job_at() {
  local pg
  wait_until 5 test -s "$(jd "$1")/pgid" || bad "job $1 never wrote pgid"
  pg=$(cut -d" " -f1 "$(jd "$1")/pgid")
  wait_until 5 pgrep -g "$pg" -f "^$2" || bad "job $1 never ran '$2':" "$(pgrp_ps "$pg")"
}

# A job's started_at and ended_at files.
st_of() { cat "$(jd "$1")/started_at"; }
en_of() { cat "$(jd "$1")/ended_at"; }

t_stop_escalates() {
  local id s pg out rc t0 ms banner
  id=$(new_id)
  s=$(sess "$id")
  start "$id" sh -c 'sleep 300 & trap "" INT; sleep 301'
  job_at "$id" 'sleep 301'
  pg=$(cut -d" " -f1 "$(jd "$id")/pgid")
  out=$(ag - stop "$id" x)
  rc=$?
  expect_eq "stop with a bad grace" "$out" "P-AGENT/1 ERR bad grace period: x"
  [ "$rc" = 1 ] || bad "stop with a bad grace: exit status $rc"
  [ ! -e "$(jd "$id")/stopped" ] || bad "a refused stop wrote the stopped file"
  pgrp_alive "$pg" || bad "a refused stop killed the job"
  t0=$(date +%s%N)
  out=$(ag - stop "$id" 1) || bad "stop: exit status $?" "$out"
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ -f "$(jd "$id")/exitcode" ] || bad "stop returned before the job ended:" "$out"
  expect_eq "stop reply (INT ignored)" "$out" "P-AGENT/1 OK
signal TERM
$id stopped 143 $(en_of "$id") open $(st_of "$id")"
  ! pgrp_alive "$pg" || bad "processes of the job survived its stop:" "$(pgrp_ps "$pg")"
  [ -f "$(jd "$id")/stopped" ] || bad "no stopped file"
  # the grace is at least 1 s (SIGTERM only after it), at most about 1 s more
  [ "$ms" -ge 1000 ] || bad "stop with a grace of 1 s took only $ms ms: SIGTERM came early"
  [ "$ms" -lt 4000 ] || bad "stop with a grace of 1 s took $ms ms"
  banner='--- Job done [exit 143]. Press any key to detach. ---'
  wait_until 5 eval 'tmx capture-pane -p -t "$s" | grep -qF -- "$banner"' ||
    bad "no done screen:" "$(tmx capture-pane -p -t "$s")"
  wait_until 3 eval '[[ $(status_left "$s") == *"[stopped 143]"* ]]' ||
    bad "status bar after stop:" "$(status_left "$s")"
}

t_stop_int() {
  local id pg out
  id=$(new_id)
  start "$id" 'sleep 300'
  job_at "$id" 'sleep 300'
  pg=$(cut -d" " -f1 "$(jd "$id")/pgid")
  out=$(ag - stop "$id" 5) || bad "stop: exit status $?" "$out"
  expect_eq "stop reply (dies of INT)" "$out" "P-AGENT/1 OK
signal INT
$id stopped 130 $(en_of "$id") open $(st_of "$id")"
  ! pgrp_alive "$pg" || bad "processes of the job survived its stop:" "$(pgrp_ps "$pg")"
  # a finished job: nothing to signal
  local d rc
  d=$(new_id)
  start "$d" 'exit 3'
  wait_done "$d"
  out=$(ag - stop "$d" 1) || bad "stop of a finished job: exit status $?" "$out"
  expect_eq "stop of a finished job" "$out" "P-AGENT/1 OK
finished
$d done 3 $(en_of "$d") open $(st_of "$d")"
  [ ! -e "$(jd "$d")/stopped" ] || bad "stop of a finished job wrote the stopped file"
  out=$(ag - stop "$id" 1)
  expect_eq "stop of a stopped job" "$out" "P-AGENT/1 OK
finished
$id stopped 130 $(en_of "$id") open $(st_of "$id")"
  local u
  u=$(new_id)
  out=$(ag - stop "$u" 1)
  rc=$?
  expect_eq "stop of an unknown job" "$out" "P-AGENT/1 ERR job $u is not on this worker"
  [ "$rc" = 1 ] || bad "stop of an unknown job: exit status $rc"
  [ ! -e "$(jd "$u")" ] || bad "stop of an unknown job created its dir"
  out=$(ag - stop)
  case $out in "P-AGENT/1 ERR usage: stop"*) ;; *) bad "stop without an id:" "$out" ;; esac
}

# As a user that write bits apply to (root ignores them).
ag_nobody() {
  setpriv --reuid=65534 --regid=65534 --clear-groups \
    env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" LANG=C.UTF-8 "${SHX[@]}" "$A" "$@" </dev/null
}

t_rm() {
  local d r n pg out x
  d=$(new_id) r=$(new_id) n=$(new_id)
  ag - prepare "$d" 0123abcd >/dev/null
  start "$d" true
  start "$r" 'sleep 300'
  wait_done "$d"
  job_at "$r" 'sleep 300'
  pg=$(cut -d" " -f1 "$(jd "$r")/pgid")
  (cd "$(wd "$r")" && mkdir -p d/sub && touch d/sub/f && chmod -R a-w d) || bad "setup of a read-only tree failed"
  out=$(ag - rm "$d" "../$r")
  expect_eq "rm with a bad id" "$out" "P-AGENT/1 ERR bad job id: ../$r"
  for x in "$(jd "$d")" "$(wd "$d")" "$(jd "$r")" "$(wd "$r")"; do
    [ -d "$x" ] || bad "rm with a bad id removed $x"
  done
  has_session "$r" || bad "rm with a bad id killed a session"
  out=$(ag - rm "$d" "$r") || bad "rm: exit status $?" "$out"
  expect_eq "rm reply" "$out" "P-AGENT/1 OK
removed $d
removed $r"
  for x in "$(jd "$d")" "$(wd "$d")" "$(jd "$r")" "$(wd "$r")"; do
    [ ! -e "$x" ] || bad "rm left $x:" "$(ls -lR "$x")"
  done
  ! has_session "$d" || bad "rm left the finished job's session"
  ! has_session "$r" || bad "rm left the running job's session"
  wait_until 5 eval "! pgrp_alive $pg" || bad "the removed job's processes survived:" "$(pgrp_ps "$pg")"
  # the removed job is no longer the basis of the next sync
  out=$(ag - prepare "$n" 0123abcd)
  expect_eq "prepare after the basis was removed" "$out" "P-AGENT/1 OK"
  out=$(ag - rm "$(new_id)")
  case $out in "P-AGENT/1 OK"$'\n'"removed "*) ;; *) bad "rm of an unknown job:" "$out" ;; esac
  out=$(ag - rm)
  expect_eq "rm with no ids" "$out" "P-AGENT/1 OK"
}

t_rm_readonly() {
  local c k out
  c=$(new_id) k=$(new_id)
  ag - prepare "$c" 0123abcd >/dev/null
  ag - prepare "$k" 0123abcd >/dev/null
  (cd "$(wd "$c")" && mkdir -p d/sub && touch d/sub/f && chmod -R a-w d) || bad "setup failed"
  chmod 711 "$T"
  chown -R 65534:65534 "$H"
  # a tree another user owns: the agent cannot delete it and says so
  mkdir -p "$(wd "$k")/theirs" && touch "$(wd "$k")/theirs/f" || bad "setup failed"
  ! setpriv --reuid=65534 --regid=65534 --clear-groups test -w "$(wd "$c")/d/sub" ||
    bad "setup: the read-only dir is writable to the test user"
  out=$(ag_nobody - rm "$c" "$k") || bad "rm: exit status $?" "$out"
  expect_eq "rm reply (read-only tree, foreign tree)" "$out" "P-AGENT/1 OK
removed $c
kept $k"
  [ ! -e "$(wd "$c")" ] || bad "the read-only tree survived:" "$(ls -lR "$(wd "$c")")"
  [ ! -e "$(jd "$c")" ] || bad "the job dir survived"
  [ -e "$(wd "$k")/theirs/f" ] || bad "a foreign file was removed?"
}

# pulled ID PATH: the frame of `pull`, then the names in its tar, sorted, on one line.
pulled() {
  local frame
  ag - pull "$1" "$2" >"$T/pull.out"
  frame=$(head -n 1 "$T/pull.out")
  printf '%s\n' "$frame"
  [ "$frame" = "P-AGENT/1 OK" ] || return 0
  tail -c +$(($(printf '%s\n' "$frame" | wc -c) + 1)) "$T/pull.out" | tar -tf - | sort | tr '\n' ' '
}

t_pull() {
  local id w out u
  id=$(new_id)
  ag - prepare "$id" 0123abcd >/dev/null
  w=$(wd "$id")
  mkdir -p "$w/sub" "$w-x" && echo x >"$w/sub/file" || bad "setup failed"
  ln -s /etc "$w/out"
  ln -s sub/file "$w/link"
  ln -s ../link "$w/sub/uplink"
  : >"$w/data[1].csv"
  : >"$w/data1.csv"
  : >"$w/*"
  : >"$w/-x"
  expect_eq "pull sub/file" "$(pulled "$id" sub/file)" "P-AGENT/1 OK"$'\n'"./file "
  expect_eq "pull sub/" "$(pulled "$id" sub/)" "P-AGENT/1 OK"$'\n'"./sub/ ./sub/file ./sub/uplink "
  expect_eq "absolute path inside" "$(pulled "$id" "$w/sub/file")" "P-AGENT/1 OK"$'\n'"./file "
  expect_eq "symlink inside" "$(pulled "$id" link)" "P-AGENT/1 OK"$'\n'"./file "
  expect_eq "symlink chain inside" "$(pulled "$id" sub/uplink)" "P-AGENT/1 OK"$'\n'"./file "
  expect_eq "a name with brackets, literally" "$(pulled "$id" 'data[1].csv')" "P-AGENT/1 OK"$'\n'"./data[1].csv "
  expect_eq "a file named *, literally" "$(pulled "$id" '*')" "P-AGENT/1 OK"$'\n'"./* "
  expect_eq "a name like an option" "$(pulled "$id" -x)" "P-AGENT/1 OK"$'\n'"./-x "
  case $(pulled "$id" sub/..) in *" ./sub/file "*) ;; *) bad "pull sub/.. is the whole work dir:" "$(pulled "$id" sub/..)" ;; esac
  for out in ../x out/passwd out /etc/passwd "../$id-x" sub/../../x; do
    case $(pulled "$id" "$out") in
      "P-AGENT/1 ERR refused: $out leads outside the job's work dir") ;;
      *) bad "pull $out:" "$(pulled "$id" "$out")" ;;
    esac
  done
  expect_eq "a missing name" "$(pulled "$id" nope)" "P-AGENT/1 ERR no such file or directory in the job's work dir: nope"
  u=$(new_id)
  expect_eq "pull of a missing job" "$(pulled "$u" x)" "P-AGENT/1 ERR job $u has no work dir on this worker"
  out=$(ag - pull "$id")
  case $out in "P-AGENT/1 ERR usage: pull"*) ;; *) bad "pull without a path:" "$out" ;; esac
}

# check_events FILE LINE...: FILE is the frame line, then the LINEs in this
# order, with "hb <epoch>" lines anywhere after the frame (at least one).
check_events() {
  local f=$1 got want l hbs=0 now
  shift
  now=$(date +%s)
  got=$(grep -v '^hb ' "$f")
  want="P-AGENT/1 OK"
  for l in "$@"; do want="$want"$'\n'"$l"; done
  expect_eq "events stream (without hb lines) in $f" "$got" "$want"
  [ "$(head -n 1 "$f")" = "P-AGENT/1 OK" ] || bad "first line of $f is not the frame:" "$(cat "$f")"
  while read -r l; do
    case $l in
      hb\ *)
        [[ $l =~ ^hb\ ([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -le "$now" ] &&
          [ "${BASH_REMATCH[1]}" -ge $((now - 30)) ] || bad "bad heartbeat line: $l"
        hbs=$((hbs + 1))
        ;;
    esac
  done <"$f"
  [ "$hbs" -gt 0 ] || bad "no heartbeat in $f:" "$(cat "$f")"
}

t_events() {
  local r d u g pid rc t0 ms
  r=$(new_id) d=$(new_id) u=$(new_id) g=$(new_id)
  start "$d" 'exit 2'
  start "$r" "while [ ! -e $T/go ]; do sleep 0.05; done"
  ag - prepare "$u" 0123abcd >/dev/null
  wait_done "$d"
  wait_until 5 test -s "$(jd "$r")/pgid" || bad "running job never wrote pgid"
  t0=$(date +%s%N)
  agt 20 - events "$r" "$d" "$u" "$g" >"$T/ev" &
  pid=$!
  wait_until 2 grep -q '^hb ' "$T/ev" || bad "no heartbeat within 2 s:" "$(cat "$T/ev")"
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$ms" -lt 1500 ] || bad "the first report took $ms ms"
  # the finished, unstarted and unknown ones at once; not the running one
  check_events "$T/ev" "job $d done 2 $(en_of "$d") open $(st_of "$d")" \
    "job $u unstarted - - closed -" "job $g gone - - closed -"
  touch "$T/go"
  t0=$(date +%s%N)
  wait "$pid"
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$rc" = 0 ] || bad "events did not exit by itself (exit status $rc):" "$(cat "$T/ev")"
  [ "$ms" -lt 3000 ] || bad "events took $ms ms to report the last job"
  check_events "$T/ev" "job $d done 2 $(en_of "$d") open $(st_of "$d")" \
    "job $u unstarted - - closed -" "job $g gone - - closed -" \
    "job $r done 0 $(en_of "$r") open $(st_of "$r")"
  # only unknown ids: reported at once
  t0=$(date +%s%N)
  agt 10 - events "$g" >"$T/ev2"
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$rc" = 0 ] || bad "events of an unknown job: exit status $rc"
  [ "$ms" -lt 2000 ] || bad "events of an unknown job took $ms ms"
  check_events "$T/ev2" "job $g gone - - closed -"
  # no ids: nothing to wait for
  t0=$(date +%s%N)
  expect_eq "events with no ids" "$(agt 10 - events)" "P-AGENT/1 OK"
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$ms" -lt 1000 ] || bad "events with no ids took $ms ms"
  expect_eq "events with a bad id" "$(agt 10 - events "$g" "../$r")" "P-AGENT/1 ERR bad job id: ../$r"
}

t_events_lost() {
  local k pid rc t0 ms
  k=$(new_id)
  start "$k" 'sleep 300'
  job_at "$k" 'sleep 300'
  agt 20 - events "$k" >"$T/ev" &
  pid=$!
  wait_until 3 grep -q '^hb ' "$T/ev" || bad "no heartbeat:" "$(cat "$T/ev")"
  ! grep -q '^job ' "$T/ev" || bad "a running job was reported:" "$(cat "$T/ev")"
  tmx kill-server
  t0=$(date +%s%N)
  wait "$pid"
  rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  [ "$rc" = 0 ] || bad "events did not exit by itself (exit status $rc):" "$(cat "$T/ev")"
  [ "$ms" -lt 5000 ] || bad "a lost job took $ms ms to report"
  check_events "$T/ev" "job $k lost - - closed $(st_of "$k")"
}

# events_to_head SIGNAL-OPTION ID FILE: the stream, read by `head -n 2`.
events_to_head() {
  env -i "$1" HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" LANG=C.UTF-8 "${SHX[@]}" "$A" - events "$2" </dev/null |
    head -n 2 >"$3"
}

t_events_reader_gone() {
  local a b x pids
  a=$(new_id) b=$(new_id)
  start "$a" 'sleep 300'
  start "$b" 'sleep 300'
  job_at "$a" 'sleep 300'
  job_at "$b" 'sleep 300'
  # the heartbeat's write kills the agent (SIGPIPE), or fails where SIGPIPE is ignored
  events_to_head --default-signal=PIPE "$a" "$T/ev.a" &
  events_to_head --ignore-signal=PIPE "$b" "$T/ev.b" &
  for x in a b; do
    wait_until 5 eval '[ "$(wc -l <"$T/ev.$x")" = 2 ]' || bad "events $x: no two lines:" "$(cat "$T/ev.$x")"
    check_events "$T/ev.$x"
  done
  for x in "$a" "$b"; do
    pgrep -f "events $x" >/dev/null || bad "no agent process found for events $x"
  done
  for x in "$a" "$b"; do
    if ! wait_until 12 eval '! pgrep -f "events $x"'; then
      pids=$(pgrep -f "events $x")
      # shellcheck disable=SC2086 # a list of pids
      kill $pids 2>/dev/null
      bad "events $x still runs with its reader gone:" "$(ps -o pid,stat,args -p "${pids//$'\n'/,}")"
    fi
  done
  wait
}

t_logs_follow_orphaned() {
  local a
  a=$(new_id)
  start "$a" 'sleep 300'
  job_at "$a" 'sleep 300'
  rm -f "$T/follow.out"
  # the follower's parent (sshd's session, or p for a local worker) dies
  # while the job prints nothing: the follower must notice and leave
  env -i HOME="$H" PATH="$TPATH" TMUX_TMPDIR="$TT" LANG=C.UTF-8 \
    /bin/sh -c 'echo $$ >"$2"; /bin/sh "$0" - logs "$1" follow >"$3" & wait' "$A" "$a" "$T/parent" "$T/follow.out" 2>/dev/null &
  wait_until 5 grep -q "P-AGENT/1 OK" "$T/follow.out" || bad "no follower answered for $a"
  kill -KILL "$(cat "$T/parent")" || bad "could not kill the follower's parent"
  if ! wait_until 5 eval '! pgrep -f "logs $a follow"'; then
    pkill -f "logs $a follow"
    bad "logs follow outlived its parent"
  fi
}

t_status_fields() {
  local r u out
  r=$(new_id) u=$(new_id)
  ag - prepare "$u" 0123abcd >/dev/null
  out=$(ag - status "$u")
  expect_eq "status of a prepared, unstarted job" "$out" "P-AGENT/1 OK
$u unstarted - - closed -"
  ag - prepare "$r" 0123abcd >/dev/null
  start "$r" 'sleep 300'
  out=$(ag - status "$r" | awk 'NR == 2 { print $6 }')
  expect_eq "6th field (started_at) of a running job" "$out" "$(st_of "$r")"
  [[ $out =~ ^[0-9]+$ ]] || bad "started_at is not a number: $out"
  out=$(ag - status "$u" "$r" | awk '{ print NF }' | tr '\n' ' ')
  expect_eq "fields per line" "$out" "2 6 6 "
}

t_shellcheck() {
  local out
  out=$(shellcheck -s sh "$AGENT_SRC" 2>&1) || bad "$out"
}

TESTS=(
  "version: a wrong version answers STALE and does nothing|t_version_stale"
  "version: the right version answers OK|t_version_ok"
  "version: sourced by the launcher, the agent knows its own file|t_version_sourced"
  "check: version, tmux ok, rsync ok|t_check"
  "prepare/check/start without tmux or rsync on PATH|t_missing_tools"
  "prepare: creates 0700 job and work dirs|t_prepare_dirs"
  "prepare: names the last started job of the same key as basis|t_prepare_basis"
  "bad ids, keys, verbs and double starts are refused|t_bad_input"
  "start: argv words reach the program verbatim; state files|t_start_argv"
  "start: a single word is a shell line (exit 3)|t_start_shell_line"
  "start: the first line a job prints is logged (20 jobs)|t_first_line"
  "start: the log is complete when the job ends (12 jobs, 3000 lines)|t_log_tail"
  "start: a job killed by SIGKILL has exitcode 137|t_signal_exit"
  "start: job runs in its work dir with ~/.profile's PATH|t_workdir_profile"
  "status: running, done and unknown jobs|t_status"
  "status: a dead wrapper or kill-server makes a job lost|t_status_lost"
  "logs: prints the whole log|t_logs"
  "logs follow: returns once the job ends, with all output|t_logs_follow"
  "attach: a key on the done screen detaches and closes the session|t_attach_done"
  "attach: keys typed while the job ran do not dismiss the done screen|t_attach_typeahead"
  "attach: on a slow worker the key pressed once the end screen shows is not dropped|t_attach_slow_worker"
  "Ctrl-C / SIGINT reach the job only: its exit code, the done screen|t_ctrl_c"
  "Ctrl-C in the pane of a job without a terminal reaches the job|t_ctrl_c_no_tty"
  "close: kills a finished job's session, not a running one|t_close"
  "status bar: label, state and elapsed time|t_status_bar"
  "stop: SIGINT ignored, SIGTERM after the grace: exit 143, stopped|t_stop_escalates"
  "stop: a job that dies of SIGINT; finished and unknown jobs|t_stop_int"
  "rm: finished and running jobs, their dirs, sessions and processes|t_rm"
  "rm: read-only trees go; what cannot go is reported kept|t_rm_readonly"
  "pull: literal names, one step from check to archive; outside is refused|t_pull"
  "events: finished, unstarted, unknown and running jobs; exits when all are reported|t_events"
  "events: a job whose tmux server is killed is reported lost|t_events_lost"
  "events: exits once its reader is gone|t_events_reader_gone"
  "logs follow: exits once orphaned|t_logs_follow_orphaned"
  "status: started_at field; a prepared job is unstarted|t_status_fields"
  "start pipe: stdin, stdout, stderr and env relayed; the trailer; the session closes|t_pipe_mode"
  "start pipe: an empty stdin is EOF at once|t_pipe_stdin_eof"
  "start pipe: a client gone mid-stream neither blocks nor kills the job|t_pipe_client_gone"
  "start null: no terminal, stdin /dev/null, LF log, the pane shows output and the end|t_null_mode"
  "signal: reaches a running job's group; finished; bad signal|t_signal_verb"
  "start: the job gets the login umask; the agent's files stay private|t_login_umask"
  "session names are whole ids: jobs sharing 8 digits do not collide|t_ids_sharing_a_prefix"
  "stop and signal spare a group whose leader has another start time or boot|t_stop_refuses_a_reused_group"
  "a job of an older agent (tmux -L p, 8-digit session) is seen and stopped|t_job_of_an_older_agent"
  "a full ~/.p: the exit code is kept in the session; start fails with the reason|t_full_disk"
  "start -s: a promoted mirror, a delta in the call, RESYNC for a changed or other mirror|t_sync_mirror"
  "start -s -: no sync line, nothing made; an unchanged tree from the spare; a changed spare or mirror is not used, a changed mirror loses its state|t_sync_spare"
  "start -r: a Slurm worker's srun line, pending status from one squeue, scancel on stop|t_slurm_worker"
  "shellcheck -s sh passes|t_shellcheck"
)

t_ids_sharing_a_prefix() {
  local a b out
  a=$(new_id)
  b=${a:0:8}-0000-4000-8000-000000000000
  start "$a" 'sleep 300'
  start "$b" 'sleep 301'
  job_at "$a" 'sleep 300'
  job_at "$b" 'sleep 301'
  out=$(ag - stop "$b" 1) || bad "stop: exit status $?" "$out"
  case $out in *"$b stopped "*) ;; *) bad "stop of $b:" "$out" ;; esac
  has_session "$a" || bad "stopping $b closed the session of $a, which shares its first 8 digits"
  out=$(ag - status "$a")
  case $out in *"$a running "*) ;; *) bad "status of $a after stopping $b:" "$out" ;; esac
}

t_stop_refuses_a_reused_group() {
  local id pg st out
  id=$(new_id)
  start "$id" 'sleep 300'
  job_at "$id" 'sleep 300'
  read -r pg st <"$(jd "$id")/pgid"
  [ -n "$st" ] && [ "$st" != - ] || bad "the leader's start time was not recorded:" "$(cat "$(jd "$id")/pgid")"
  # The same group id with another start time: a stranger that got the id.
  printf '%s %s\n' "$pg" "$((st + 1))" >"$(jd "$id")/pgid"
  out=$(ag - stop "$id" 1) || bad "stop: exit status $?" "$out"
  case $out in *"signal none"*) ;; *) bad "stop signalled a group whose leader is not the job's:" "$out" ;; esac
  pgrp_alive "$pg" || bad "the group was killed although its start time differs"
  out=$(ag - signal "$id" TERM)
  expect_eq "signal to a group that is not the job's" "$out" "P-AGENT/1 OK
finished"
  pgrp_alive "$pg" || bad "signal killed the group although its start time differs"
  # Another boot: the recorded group cannot be this job's either.
  printf '%s %s\n' "$pg" "$st" >"$(jd "$id")/pgid"
  printf 'another-boot\n' >"$(jd "$id")/boot"
  out=$(ag - signal "$id" TERM)
  expect_eq "signal after a reboot" "$out" "P-AGENT/1 OK
finished"
  pgrp_alive "$pg" || bad "signal killed a group recorded on another boot"
}

t_job_of_an_older_agent() {
  local id short pg out
  id=$(new_id)
  short=p-${id:0:8}
  # What an agent before the socket moved left: an 8-digit session on tmux -L p,
  # and a pgid file with the pid alone.
  mkdir -p "$(jd "$id")" "$(wd "$id")"
  printf '%s\n' "$short" >"$(jd "$id")/tmux_session"
  date +%s >"$(jd "$id")/started_at"
  env -u TMUX HOME="$H" TMUX_TMPDIR="$TT" tmux -L p new-session -d -s "$short" \
    "sh -c 'echo \$\$ >$(jd "$id")/pgid; exec sleep 302'"
  wait_until 5 test -s "$(jd "$id")/pgid" || bad "the old job never started"
  read -r pg <"$(jd "$id")/pgid"
  out=$(ag - status "$id")
  case $out in *"$id running "*) ;; *) bad "a job of the older agent is not seen running:" "$out" ;; esac
  out=$(ag - stop "$id" 1) || bad "stop: exit status $?" "$out"
  case $out in *"signal INT"*) ;; *) bad "stop of the older agent's job:" "$out" ;; esac
  ! pgrp_alive "$pg" || bad "the older agent's job survived its stop"
  env -u TMUX HOME="$H" TMUX_TMPDIR="$TT" tmux -L p kill-server 2>/dev/null || true
}

t_full_disk() {
  local id out rc
  # ~/.p itself on a small tmpfs: the job fills it and exits 3.
  tmx kill-server 2>/dev/null
  mkdir -p "$T/full"
  mount -t tmpfs -o size=1m p-agent-test "$T/full" || bad "cannot mount a tmpfs: run the agent tests as root"
  cp -a "$H/.p/." "$T/full/"
  mount --bind "$T/full" "$H/.p" || bad "bind mount failed"
  id=$(new_id)
  start "$id" 'head -c 2M /dev/zero >big; exit 3'
  wait_until 10 eval 'ag - status "$id" | grep -q " done 3 "' ||
    bad "the job that filled the disk is not done 3:" "$(ag - status "$id")"
  [ ! -f "$(jd "$id")/exitcode" ] || bad "the disk had room for exitcode: nothing was tested"
  out=$(ag - start "$(new_id)" w1 /c d l true)
  rc=$?
  case $out in "P-AGENT/1 ERR cannot write "*": No space left on device") ;; *) bad "start on a full disk:" "$out" ;; esac
  [ "$rc" = 1 ] || bad "start on a full disk: exit status $rc"
  tmx kill-server 2>/dev/null
  umount -l "$H/.p"
  umount -l "$T/full"
}

# sync_start ID SPEC PAYLOAD_FILE COMMAND: a piped start whose stdin is the
# payload, then "job-stdin"; stdout to $T/out.
# As the client calls it: -s -, the spec on stdin's first line.
# spare_made KEY: the mirror's spare is there, state and all (a taken
# spare leaves its state file behind, without the directory).
spare_made() { [ -d "$H/.p/mirrors/$1.spare" ] && [ -f "$H/.p/mirrors/$1.spare.state" ]; }

# sync_start ID SPEC PAYLOAD CMD: a start whose sync line comes on stdin;
# with SYNC_KEY set, the call names that mirror (-k) as the client does.
sync_start() {
  { printf '%s\n' "$2"; cat "$3"; printf 'job-stdin\n'; } >"$T/in"
  agi "$T/in" - start -m pipe -s - ${SYNC_KEY:+-k "$SYNC_KEY"} "$1" w1 /c d l "$4" >"$T/out" 2>"$T/err"
}

t_sync_spare() {
  local a b c d e f g h key=00112233445566778899aabbccddeeff
  a=$(new_id) b=$(new_id) c=$(new_id) d=$(new_id) e=$(new_id) f=$(new_id) g=$(new_id) h=$(new_id)
  # A client that fails before its sync line: nothing is made.
  : >"$T/empty"
  agi "$T/empty" - start -m pipe -s - -k "$key" "$a" w1 /c d l 'true' >"$T/out" 2>"$T/err"
  expect_eq "reply without a sync line" "$(cat "$T/out")" "P-AGENT/1 ERR the client sent no sync: nothing was started"
  [ ! -e "$(jd "$a")" ] && [ ! -e "$(wd "$a")" ] || bad "a start without its sync line made the job's dirs"
  ! has_session "$a" || bad "a start without its sync line left the session it made meanwhile"
  # The first job promotes its work dir; its builder makes the spare.
  ag - prepare "$b" "$key" >/dev/null || bad "prepare failed"
  printf 'A\n' >"$(wd "$b")/a.txt"
  sync_start "$b" "$key:-:aa11:0:0:copy" "$T/empty" 'cat a.txt' || bad "start (promote) failed:" "$(cat "$T/out" "$T/err")"
  wait_until 10 spare_made "$key" || bad "no spare was made"
  # An unchanged tree: the spare (walked while the line was on its way)
  # becomes the work dir; the mirror's state file is left as it was.
  cp -p "$H/.p/mirrors/$key.state" "$T/state.before"
  SYNC_KEY=$key sync_start "$c" "$key:aa11:aa11:0:0:copy" "$T/empty" 'cat a.txt; echo x >a.txt' || bad "start (unchanged) failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "job from the spare" "$(cat "$T/out")" "P-AGENT/1 OK
A"
  [ ! -e "$(jd "$c")/spare.walk" ] || bad "the spare was walked again once the line came"
  [ ! -e "$H/.p/mirrors/$key.spare" ] || [ "$(cat "$H/.p/mirrors/$key.spare/a.txt")" = A ] || bad "the job wrote to a spare"
  [ "$H/.p/mirrors/$key.state" -nt "$T/state.before" ] && bad "an unchanged tree rewrote the mirror's state"
  # A spare changed behind our back is not used: the job gets the mirror's copy.
  wait_until 10 spare_made "$key" || bad "no second spare was made"
  sleep 0.01
  printf 'tampered\n' >"$H/.p/mirrors/$key.spare/a.txt"
  SYNC_KEY=$key sync_start "$d" "$key:aa11:aa11:0:0:copy" "$T/empty" 'cat a.txt' || bad "start failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "job beside a changed spare" "$(cat "$T/out")" "P-AGENT/1 OK
A"
  # The mirror itself changed: an unchanged tree is still served from the
  # spare (never from the mirror); the builder that walks the mirror after
  # its copy drops the mirror's state and keeps no spare, so the next start
  # asks for an rsync.
  wait_until 10 spare_made "$key" || bad "no third spare was made"
  sleep 0.01
  printf 'tampered\n' >"$H/.p/mirrors/$key/a.txt"
  SYNC_KEY=$key sync_start "$e" "$key:aa11:aa11:0:0:copy" "$T/empty" 'cat a.txt' || bad "start failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "job beside a changed mirror" "$(cat "$T/out")" "P-AGENT/1 OK
A"
  wait_until 10 test ! -f "$H/.p/mirrors/$key.state" || bad "the builder kept the state of a changed mirror"
  [ ! -e "$H/.p/mirrors/$key.spare" ] || bad "a spare was copied from a changed mirror"
  sync_start "$f" "$key:aa11:aa11:0:0:copy" "$T/empty" 'cat a.txt' || bad "start failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "reply after the builder found the change" "$(cat "$T/out")" "P-AGENT/1 RESYNC the worker's copy of this directory is not the one p last sent"
  [ ! -e "$(jd "$f")/tmux_session" ] || bad "a job started on a mirror that was refused"
  # With the spare gone too, the start walks the mirror itself.
  ag - prepare "$g" "$key" >/dev/null || bad "prepare failed"
  printf 'A\n' >"$(wd "$g")/a.txt"
  sync_start "$g" "$key:-:aa11:0:0:copy" "$T/empty" 'true' || bad "start (promote) failed:" "$(cat "$T/out" "$T/err")"
  wait_until 10 spare_made "$key" || bad "no spare after the rsync"
  rm -rf "$H/.p/mirrors/$key.spare"
  sleep 0.01
  printf 'tampered\n' >"$H/.p/mirrors/$key/a.txt"
  sync_start "$h" "$key:aa11:aa11:0:0:copy" "$T/empty" 'cat a.txt' || bad "start failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "reply for a changed mirror and no spare" "$(cat "$T/out")" "P-AGENT/1 RESYNC the worker's copy of this directory was changed"
  [ ! -e "$(jd "$h")/tmux_session" ] || bad "a job started on a mirror that was refused"
}

t_sync_mirror() {
  local a b c d out key=0123456789abcdef0123456789abcdef dels tars
  a=$(new_id) b=$(new_id) c=$(new_id)
  # The first job: the client rsynced its work dir; it becomes the mirror.
  ag - prepare "$a" "$key" >/dev/null || bad "prepare failed"
  mkdir -p "$(wd "$a")/sub"
  printf 'A\n' >"$(wd "$a")/a.txt"
  printf 'B\n' >"$(wd "$a")/sub/b.txt"
  : >"$T/empty"
  sync_start "$a" "$key:-:aa11:0:0:copy" "$T/empty" 'cat a.txt sub/b.txt; cat' || bad "start (promote) failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "job of the promoted mirror" "$(cat "$T/out")" "P-AGENT/1 OK
A
B
job-stdin"
  expect_eq "mirror state" "$(cat "$H/.p/mirrors/$key.state")" aa11
  # The next: a delta (delete sub/b.txt, change a.txt, add c.txt) in the call.
  mkdir -p "$T/src"
  printf 'A2\n' >"$T/src/a.txt"
  printf 'C\n' >"$T/src/c.txt"
  chmod 751 "$T/src/c.txt"
  printf 'sub/b.txt\n' >"$T/dels"
  (cd "$T/src" && tar -cf "$T/tar" --format=pax a.txt c.txt)
  dels=$(wc -c <"$T/dels") tars=$(wc -c <"$T/tar")
  cat "$T/dels" "$T/tar" >"$T/payload"
  sync_start "$b" "$key:aa11:bb22:$dels:$tars:copy" "$T/payload" 'cat a.txt c.txt; ls sub; stat -c %a c.txt; cat' ||
    bad "start (delta) failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "job after a delta" "$(cat "$T/out")" "P-AGENT/1 OK
A2
C
751
job-stdin"
  [ "$(cat "$(wd "$a")/a.txt")" = A ] || bad "the delta changed the first job's dir"
  # A mirror changed behind our back, or at another state: RESYNC, and the
  # payload is read and dropped so that the job's stdin stays whole. (Once
  # the builders are done: they would find the change too, and drop the state.)
  wait_until 10 eval "! pgrep -f '_spare $key' >/dev/null" || bad "the spare's builders did not end"
  sleep 0.01
  printf 'tampered\n' >"$H/.p/mirrors/$key/a.txt"
  sync_start "$c" "$key:bb22:cc33:$dels:$tars:copy" "$T/payload" 'cat' || bad "start failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "reply for a changed mirror" "$(cat "$T/out")" "P-AGENT/1 RESYNC the worker's copy of this directory was changed"
  sync_start "$c" "$key:dd99:cc33:$dels:$tars:copy" "$T/payload" 'cat' || bad "start failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "reply for another state" "$(cat "$T/out")" "P-AGENT/1 RESYNC the worker's copy of this directory is not the one p last sent"
  [ ! -e "$(jd "$c")/tmux_session" ] || bad "a job started on a mirror that was refused"
  ! has_session "$c" || bad "a refused start left the session it made while its line came"
  [ ! -d "$H/.p/mirrors/$key.lock" ] || bad "the mirror's lock was left behind"
  # The client rsyncs into the same job's dirs and starts it again.
  ag - prepare "$c" "$key" >/dev/null || bad "prepare after RESYNC failed"
  printf 'A3\n' >"$(wd "$c")/a.txt"
  sync_start "$c" "$key:-:ee44:0:0:copy" "$T/empty" 'cat a.txt' || bad "start after the rsync failed:" "$(cat "$T/out" "$T/err")"
  expect_eq "job started again after RESYNC" "$(cat "$T/out")" "P-AGENT/1 OK
A3"
  # Without a terminal and detached (mode null): the session made while the
  # line came runs the job once the start says so.
  d=$(new_id)
  printf '%s\n' "$key:ee44:ee44:0:0:copy" >"$T/in"
  out=$(agi "$T/in" - start -m null -s - -k "$key" "$d" w1 /c d l 'cat a.txt') || bad "start -m null -s - failed:" "$out"
  case $out in "P-AGENT/1 OK"*"started p-$d "*) ;; *) bad "reply of a detached start with a sync:" "$out" ;; esac
  wait_done "$d"
  expect_eq "log of the detached job" "$(cat "$(jd "$d")/output.log")" "A3"
}

t_slurm_worker() {
  local id out name
  id=$(new_id)
  name=p-${id:0:8}
  # Slurm's commands, faked for the agent alone (the end-to-end tests use a
  # real cluster): srun records its words and runs what follows "--".
  mkdir "$T/slurm"
  cat >"$T/slurm/srun" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$T/srun.args"
SLURM_JOB_ID=4243
export SLURM_JOB_ID
while [ "\$1" != -- ]; do shift; done
shift
exec "\$@"
EOF
  printf '#!/bin/sh\necho "%s|4242|PENDING|Resources"\necho call >>"%s/squeue.calls"\n' "$name" "$T" >"$T/slurm/squeue"
  printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/scancel.args"\n' "$T" >"$T/slurm/scancel"
  chmod +x "$T/slurm/"*
  TPATH="$T/slurm:$TPATH"
  # The job's login shell finds them as it would find the real ones.
  printf 'PATH=%s:$PATH\n' "$T/slurm" >"$H/.profile"
  start_args=(- start -m null -r 3 "$id" w1 /c d l -c '2 cpus' --time=1 'echo "in $PWD"; sleep 300')
  out=$(ag "${start_args[@]}") || bad "start failed:" "$out"
  wait_until 5 test -s "$T/srun.args" || bad "srun never ran"
  expect_eq "srun's words" "$(cat "$T/srun.args")" "--job-name=$name
--chdir=$(wd "$id")
-c
2 cpus
--time=1
--
/bin/sh
-c
{ printf \"%s\\n\" \"\$SLURM_JOB_ID\" >\"\$0\"; } 2>/dev/null; exec \"\$@\"
$(jd "$id")/slurm_id
/bin/sh
-c
echo \"in \$PWD\"; sleep 300"
  out=$(ag - status "$id")
  case $out in *" running - - open "*" slurm=4242,PENDING,Resources") ;; *) bad "status of a pending Slurm job:" "$out" ;; esac
  out=$(ag - status "$id" "$id")
  expect_eq "squeue calls for two looks within a few seconds" "$(wc -l <"$T/squeue.calls")" 1
  expect_eq "status bar state" "$(ag - sstate "$id")" "pending Resources"
  # Many lookers at once (status bars, the watcher, p ls): still one squeue.
  rm -f "$H/.p/squeue" "$T/squeue.calls"
  sed -i '1a sleep 0.5' "$T/slurm/squeue"
  for n in 1 2 3 4 5 6; do ag - sstate "$id" >"$T/sstate.$n" & done
  wait
  expect_eq "squeue calls for six looks at once" "$(wc -l <"$T/squeue.calls")" 1
  # ... and each of them says what the one listing says.
  expect_eq "what the six looks said" "$(sort -u "$T"/sstate.*)" "pending Resources"
  out=$(ag - stop "$id" 1) || bad "stop failed:" "$out"
  expect_eq "scancel's words" "$(cat "$T/scancel.args")" "-u root -n $name"
  case $out in *"$id stopped "*) ;; *) bad "stop of a Slurm job:" "$out" ;; esac
  # A Slurm worker without default srun arguments: -r 0 is still srun.
  id=$(new_id)
  rm -f "$T/srun.args"
  out=$(ag - start -m null -r 0 "$id" w1 /c d l 'true') || bad "start -r 0 failed:" "$out"
  wait_until 5 test -s "$T/srun.args" || bad "srun never ran for a job without srun arguments"
  expect_eq "srun's words without arguments" "$(cat "$T/srun.args")" "--job-name=p-${id:0:8}
--chdir=$(wd "$id")
--
/bin/sh
-c
{ printf \"%s\\n\" \"\$SLURM_JOB_ID\" >\"\$0\"; } 2>/dev/null; exec \"\$@\"
$(jd "$id")/slurm_id
/bin/sh
-c
true"
  # The job keeps Slurm's id of it for when squeue has forgotten it.
  wait_until 5 test -s "$(jd "$id")/exitcode" || bad "the job without srun arguments never ended"
  expect_eq "the id the job kept" "$(cat "$(jd "$id")/slurm_id")" 4243
}

# ---------------------------------------------------------------- one shell's suite

# Runs inside the mount namespace where /bin/sh is the shell under test.
suite() {
  local shell=$1 filter=$2 entry name fn out rc t0 ms
  shell_argv "$shell"
  local want have
  want=$(stat -L -c '%d:%i' "$(shell_bin "$shell")")
  have=$(stat -L -c '%d:%i' /bin/sh)
  if [ "$want" != "$have" ]; then
    printf 'not ok - /bin/sh is %s [%s]\n#   the bind mount did not take effect\n' "$shell" "$shell"
    return
  fi
  for entry in "${TESTS[@]}"; do
    name=${entry%|*}
    fn=${entry##*|}
    case $name in *"$filter"*) ;; *) continue ;; esac
    t0=$(date +%s%N)
    out=$(timeout -k 5 60 bash "$SELF" --test "$shell" "$fn" 2>&1)
    rc=$?
    [ "$rc" = 124 ] && out="${out:+$out$'\n'}timed out after 60 s"
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$rc" = 0 ]; then
      printf 'ok - %s [%s]\n' "$name" "$shell"
      [ -z "${P_AGENT_TEST_TIMES:-}" ] || printf '#   %d ms\n' "$ms"
    else
      printf 'not ok - %s [%s]\n' "$name" "$shell"
      [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/#   /'
    fi
  done
}

# One test, in its own process (so a hung test can be timed out).
if [ "${1:-}" = --test ]; then
  shell_argv "$2"
  trap cleanup EXIT
  trap 'exit 124' TERM INT
  setup
  "$3"
  exit
fi

if [ "${1:-}" = --suite ]; then
  suite "$2" "${3:-}"
  exit 0
fi

# ---------------------------------------------------------------- driver

filter=''
shells=()
while [ $# -gt 0 ]; do
  case $1 in
    -k) filter=$2; shift 2 ;;
    dash | bash | busybox) shells+=("$1"); shift ;;
    *) printf 'usage: %s [-k PATTERN] [dash|bash|busybox ...]\n' "$0" >&2; exit 2 ;;
  esac
done
[ ${#shells[@]} -gt 0 ] || shells=(dash bash busybox)

missing=''
for c in dash bash busybox shellcheck tmux rsync unshare mount cksum stat od timeout; do
  command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
if [ -n "$missing" ]; then
  printf 'missing:%s\n' "$missing" >&2
  printf 'install them, e.g.: apt-get install dash bash busybox shellcheck tmux rsync util-linux coreutils\n' >&2
  exit 2
fi
if ! unshare -m true 2>/dev/null; then
  printf 'unshare -m fails: the suite needs root (or CAP_SYS_ADMIN) to bind-mount each shell on /bin/sh\n' >&2
  exit 2
fi
[ -f "$AGENT_SRC" ] || { printf 'no agent at %s\n' "$AGENT_SRC" >&2; exit 2; }

RES=$(mktemp -d /tmp/pa-res.XXXXXX)
trap 'rm -rf "$RES"' EXIT
start_ns=$(date +%s%N)
for sh in "${shells[@]}"; do
  # unshare's default propagation is private: the bind mount stays in here.
  unshare -m bash -c 'mount --bind "$1" /bin/sh && exec bash "$2" --suite "$3" "$4"' \
    ns "$(shell_bin "$sh")" "$SELF" "$sh" "$filter" >"$RES/$sh" 2>&1 &
done
wait
for sh in "${shells[@]}"; do cat "$RES/$sh"; done
passed=$(cat "$RES"/* | grep -c '^ok - ')
failed=$(cat "$RES"/* | grep -c '^not ok - ')
printf '# %d ms\n' $((($(date +%s%N) - start_ns) / 1000000))
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
