#!/bin/sh
# shellcheck shell=sh disable=SC3043 # `local`: see "set -u" below
#
# p-agent: the worker side of `p`. One POSIX sh file (dash, bash, busybox ash),
# uploaded by the client to ~/.p/bin/p-agent and never edited by hand.
#
# Invocation:  sh ~/.p/bin/p-agent <version> <verb> [args...]
#   (or sourced by the client's launcher with P_AGENT_SELF naming this file)
#   <version> is what the client expects: the POSIX `cksum` of this file as
#   "<crc>.<size>", or "-" to skip the check (calls made by tmux itself).
#   On a mismatch the agent does nothing and answers "P-AGENT/1 STALE".
#
# Replies start with one frame line, then the verb's payload:
#   P-AGENT/1 OK            the verb ran; its output follows
#   P-AGENT/1 STALE <have>  re-upload me and retry
#   P-AGENT/1 ERR <text>    a one-line error for the user (exit 1)
#
# Layout (all 0700, no root needed):
#   ~/.p/bin/p-agent         this file
#   ~/.p/tmux                the socket of p's private tmux server
#   ~/.p/tmux.conf           its config
#   ~/.p/jobs/<uuid>/        cmd cwd worker started_at tmux_session output.log
#                            exitcode ended_at (on completion), cmd.sh, pgid
#                            ("<leader pid> <its start time>"), boot, mode,
#                            umask, env, and the FIFOs of a job without a
#                            terminal (o.pipe e.pipe; in out err done), go
#                            and go.ready (a session made before its sync)
#   ~/.p/workdirs/<uuid>/    the job's copy of the client's directory
#   ~/.p/basis/<key>         last job id synced from one client directory
#   ~/.p/mirrors/<key>/      the pristine copy of that directory: no job
#                            writes to it; each job's work dir is a copy
#   ~/.p/mirrors/<key>.state the client manifest hash the mirror holds; the
#                            mirror is trusted only if nothing in it is newer
#
# A job runs as `_run` inside its tmux session "p-<uuid>". A tty job's first
# act is to wait on a tmux channel that the start command list signals only
# after pipe-pane is attached, so output.log gets every byte. A session made
# while the start waited for its sync's line (start -s -) has its _run wait
# on the FIFO go until the start, synced, says "go" there. When the job is over
# and output.log complete, its exit code goes into the session (@p_rc) and
# then into exitcode; _run prints the end screen and exits, leaving a dead
# pane (remain-on-exit) and no process; any key on it closes the session.
#
# Every state write is checked: one that fails fails the call with the
# reason. The exit code kept in the session reaches the client even when the
# disk is too full for exitcode.
#
# Terminal modes (`start -m`, see cmd_start):
#   tty   the job's stdio is its pane; pipe-pane copies the pane to output.log.
#   pipe  no terminal: stdin, stdout and stderr are FIFOs that this `start`
#         call relays to its own stdin, stdout and stderr (the client's ssh
#         session), while two tee processes copy both streams to output.log
#         and to the pane. A lost reader only loses the relay: tee drops it.
#   null  no terminal, stdin /dev/null, output to output.log and the pane.

set -u
# Helpers declare their variables `local` (dash, bash, busybox ash and every
# sh p supports have it): a verb's variables cannot be changed by a helper.

# ---------------------------------------------------------------- constants

# Timings, in seconds, and the loops' tick counts derived from them.
EVENTS_TICK=0.5        # events: how often the jobs' states are looked at
EVENTS_HEARTBEAT=10    # events: "hb" every 10 ticks, i.e. every 5 s (the
                       # client's silence limits are multiples of this)
EVENTS_LOST_EVERY=4    # events: a lost job costs a tmux call: every 4 ticks
FOLLOW_TICK=0.2        # logs follow: how often the log is looked at
STOP_TICK=0.1          # stop: how often a signalled group is looked at
STOP_END_TICKS=50      # stop: ticks to wait for exitcode once the group is gone
FLUSH_TICK=0.05        # tty jobs: how often the log is checked for the end mark
FLUSH_TICKS=200        # ... and for how many ticks (10 s)
START_WAIT=60          # attach wait: how long a job's start may take
SOURCES_WAIT_TICKS=100 # --incremental: ticks of FLUSH_TICK to wait for the
                       # previous job's list of sources (5 s)
PANE_WAIT_TICKS=100    # a session made before the sync's line: ticks of
                       # FLUSH_TICK to wait for its pane to take the go FIFO
END_WAIT_TICKS=100     # a streamed job: ticks of FLUSH_TICK its session may
                       # wait for exitcode once the trailer is out (5 s)
SQUEUE_EVERY=5         # Slurm: squeue at most once per this many seconds, for
                       # all of the worker's jobs in one call (sites block loops)
SQUEUE_WAIT_TICKS=200  # ticks of FLUSH_TICK to wait for the first listing
                       # another caller is making (10 s)

# The job gets the umask the user's login gave us; our own files stay private.
login_umask=$(umask)
umask 077

P="$HOME/.p"
J="$P/jobs"
W="$P/workdirs"
# This file: the client's launcher sources it and names it in P_AGENT_SELF.
self=${P_AGENT_SELF:-$0}

# ---------------------------------------------------------------- helpers

ok() { printf 'P-AGENT/1 OK\n'; }
die() {
  printf 'P-AGENT/1 ERR %s\n' "$*"
  [ -n "${_early:-}" ] && undo_early
  exit 1
}

# p's private tmux server. Its socket is in ~/.p (0700), not in /tmp where
# another user may make tmux-<uid> first. A socket path has at most 104 bytes
# (sun_path): a home too long for that keeps tmux's default place. A caller
# inside another tmux must not steer us to its server.
unset TMUX
sock="$P/tmux"
if [ ${#sock} -le 100 ]; then
  tm() { tmux -S "$sock" "$@"; }
else
  tm() { tmux -L p "$@"; }
fi
# Jobs that an older agent started (session p-<8 hex digits>) live on the
# server it used; job_dirs points $tj at it.
tm_old() { tmux -L p "$@"; }

# nap SECONDS: fractional where sleep has it (GNU, busybox), else 1 s.
nap() { sleep "$1" 2>/dev/null || sleep 1; }

# wait_file FILE TICKS: waits (FLUSH_TICK at a time) for FILE to exist;
# fails after TICKS ticks without it.
wait_file() {
  local _n=0
  while [ ! -f "$1" ]; do
    [ "$_n" -ge "$2" ] && return 1
    _n=$((_n + 1))
    nap "$FLUSH_TICK"
  done
}

# Used as "$(now)"; hot paths write "$(date +%s)" instead, which is one fork
# where a function in a command substitution costs two.
now() { date +%s; }

# put FILE VALUE: writes a state file atomically (readers never see a
# half-written value), or fails the call with the reason.
put() {
  { printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"; } 2>/dev/null ||
    write_failed "$1"
}

# write_failed FILE: the call fails, saying why FILE could not be written.
# The shells' own messages lack the reason (dash: "I/O error"), dd has it.
write_failed() {
  local _why
  rm -f "$1.tmp.$$" 2>/dev/null
  _why=$(printf 'x\n' | dd of="$1.tmp.$$" 2>&1 >/dev/null | sed -n 's/.*: //p' | head -n 1)
  rm -f "$1.tmp.$$" 2>/dev/null
  die "cannot write $1: ${_why:-write error}"
}

# POSIX single quoting into $_q, without a subshell (trailing newlines
# survive, and no fork: the start path is on the client's clock).
qv() {
  local _r _s
  _r='' _s=$1
  while :; do
    case $_s in
      *\'*) _r="$_r${_s%%\'*}'\\''"; _s=${_s#*\'} ;;
      *) break ;;
    esac
  done
  _q="'$_r$_s'"
}

q() {
  qv "$1"
  printf '%s' "$_q"
}

need() {
  local _c
  for _c in "$@"; do
    command -v "$_c" >/dev/null 2>&1 ||
      die "$_c is not installed on this worker: install it there (e.g. apt-get install $_c)"
  done
}

valid_id() {
  case $1 in '' | *[!0-9a-f-]*) die "bad job id: $1" ;; esac
}

# job_dirs <uuid>: sets id, jd (state), wd (work dir), s (tmux session, the
# whole id: names cannot collide) and tj (the tmux of the job's server).
job_dirs() {
  valid_id "$1"
  id=$1 jd="$J/$1" wd="$W/$1" s="p-$1" tj=tm
  if { read -r _sn <"$jd/tmux_session"; } 2>/dev/null && [ -n "$_sn" ] && [ "$_sn" != "$s" ]; then
    s=$_sn tj=tm_old
  fi
}

# ---------------------------------------------------------------- layout, features, tmux formats

# Sets $_have, this file's version. cksum runs when the file changed since
# its last result was kept in p-agent.sum (the file's mtime is after it),
# else that result is read without a fork. A result is kept only when it is
# newer than the file even where test compares whole seconds, so an edit
# made in the second the sum was kept is still seen.
version() {
  local _crc _size _rest _sum
  _sum="$P/bin/p-agent.sum"
  # shellcheck disable=SC3013 # -nt: dash, bash and busybox ash have it
  if [ "$_sum" -nt "$self" ] && { read -r _have <"$_sum"; } 2>/dev/null && [ -n "$_have" ]; then
    return 0
  fi
  read -r _crc _size _rest <<EOF
$(cksum <"$self")
EOF
  _have="$_crc.$_size"
  # shellcheck disable=SC3013
  { printf '%s\n' "$_have" >"$_sum.$$" && [ "$_sum.$$" -nt "$self" ] && mv -f "$_sum.$$" "$_sum"; } 2>/dev/null ||
    rm -f "$_sum.$$" 2>/dev/null
  return 0
}

# The layout, and what this worker's tmux and tee can do, made once per agent
# version: the first line of ~/.p/tmux.conf names the version that wrote it.
layout() {
  [ -n "${_have:-}" ] || version
  _ver=$_have
  if { read -r _l <"$P/tmux.conf"; } 2>/dev/null && [ "$_l" = "# p-agent $_ver" ] && [ -d "$W" ] && [ -d "$P/mirrors" ]; then
    read_features
    return 0
  fi
  mkdir -p "$P/bin" "$J" "$W" "$P/basis" "$P/mirrors" 2>/dev/null || die "cannot create the directories in $P"
  chmod 700 "$P" "$P/bin" "$J" "$W" "$P/basis" "$P/mirrors" 2>/dev/null
  _arith=0
  tmux_has_arithmetic && _arith=1
  _teep=-
  tee -p </dev/null >/dev/null 2>&1 && _teep=-p
  # find -cnewer (GNU) sees a chmod in a mirror; busybox's find has -newer.
  _cnewer=-newer
  find "$P/bin" -maxdepth 0 -cnewer "$P/bin" >/dev/null 2>&1 && _cnewer=-cnewer
  _quit=-
  find "$P/bin" -maxdepth 0 -print -quit >/dev/null 2>&1 && _quit=-quit
  _reflink=-
  cp --reflink=auto "$self" "$P/bin/.reflink.$$" 2>/dev/null && _reflink=--reflink=auto
  rm -f "$P/bin/.reflink.$$"
  put "$P/features" "$_arith $_teep $_cnewer $_reflink $_quit"
  # A finished job's pane stays, dead, with its end screen (no bottom line of
  # tmux's own); its session switches to the key table p-done, where any key
  # but the prefix closes it.
  { cat >"$P/tmux.conf.tmp.$$" <<EOF
# p-agent $_ver
set -gq remain-on-exit on
set -gq remain-on-exit-format ""
bind-key -T p-done Any kill-session
set -gq history-limit 50000
set -gq status-interval 1
set -gq status-style "bg=colour24,fg=colour255"
set -gq window-size latest
set -sq escape-time 10
EOF
  } 2>/dev/null || write_failed "$P/tmux.conf"
  mv -f "$P/tmux.conf.tmp.$$" "$P/tmux.conf"
}

# $_arith: tmux >= 3.2; $_teep: "-p" where tee has it (GNU), else empty;
# $_cnewer: find's test for "changed after"; $_reflink: cp's option, or
# empty; $_quit: "-quit" where find has it, else empty.
read_features() {
  _arith=0 _teep=- _cnewer=-newer _reflink=- _quit=-
  { read -r _arith _teep _cnewer _reflink _quit <"$P/features"; } 2>/dev/null
  [ "$_quit" = - ] && _quit=''
  [ "$_teep" = - ] && _teep=''
  [ "$_reflink" = - ] && _reflink=''
  return 0
}

# tmux >= 3.2 computes the elapsed time in the status format; older ones call
# back into the agent once a second.
tmux_has_arithmetic() {
  local _v _maj _min
  _v=$(tmux -V 2>/dev/null) || return 1
  _v=${_v#tmux }
  _v=${_v#next-}
  _maj=${_v%%.*}
  _min=$(printf '%s' "${_v#*.}" | sed 's/[^0-9].*//')
  case $_maj in '' | *[!0-9]*) return 1 ;; esac
  [ "$_maj" -gt 3 ] || { [ "$_maj" -eq 3 ] && [ "${_min:-0}" -ge 2 ]; }
}

NL='
'

# tmux_escape TEXT: sets $_esc. status-left and pipe-pane commands are
# strftime-expanded, then format-expanded: escape both; newlines become spaces.
tmux_escape() {
  local _s _rest _c
  _esc='' _s=$1
  while [ -n "$_s" ]; do
    _rest=${_s#?}
    _c=${_s%"$_rest"}
    _s=$_rest
    case $_c in
      '#') _esc="$_esc##" ;;
      %) _esc="$_esc%%" ;;
      "$NL") _esc="$_esc " ;;
      *) _esc="$_esc$_c" ;;
    esac
  done
}

# status_format LABEL STATE: sets $_fmt, the status line of a job's session;
# STATE is a tmux format for the state shown in brackets.
status_format() {
  local _label _e _h _m _sec
  tmux_escape "$1"
  _label=$_esc
  if [ "$_arith" = 1 ]; then
    _e='#{?#{@p_end},#{e|-:#{@p_end},#{session_created}},#{e|-:%s,#{session_created}}}'
    _h="#{e|/:$_e,3600}"
    _m="#{e|m:#{e|/:$_e,60},60}"
    _sec="#{e|m:$_e,60}"
    _fmt="$_label [$2] $_h:#{?#{e|<:$_m,10},0,}$_m:#{?#{e|<:$_sec,10},0,}$_sec "
  else
    tmux_escape "$self"
    _fmt="$_label [$2] #(/bin/sh $_esc - elapsed $id) "
  fi
}

# ---------------------------------------------------------------- verbs: check, prepare, start

cmd_check() {
  ok
  version
  printf 'version %s\n' "$_have"
  for _c in tmux rsync; do
    if command -v "$_c" >/dev/null 2>&1; then
      printf '%s ok\n' "$_c"
    else
      printf '%s missing\n' "$_c"
    fi
  done
}

# slurmcheck: what `p worker ls --check` reports of a Slurm submit host:
# the tools, the default partition and its idle nodes, and the file system
# of ~/.p/workdirs (compute nodes must share it).
cmd_slurmcheck() {
  ok
  for _c in srun squeue scancel sinfo; do
    if command -v "$_c" >/dev/null 2>&1; then
      printf '%s ok\n' "$_c"
    else
      printf '%s missing\n' "$_c"
    fi
  done
  command -v sinfo >/dev/null 2>&1 &&
    sinfo -h -o 'partition %P %a %t %D' 2>/dev/null | grep '\*' | tr -d '*'
  printf 'fs %s\n' "$(stat -f -c %T "$W" 2>/dev/null || stat -f -c %T "$HOME" 2>/dev/null || echo unknown)"
  printf 'host %s\n' "$(hostname 2>/dev/null || uname -n)"
  command -v sinfo >/dev/null 2>&1 && sinfo -h -N -o 'node %N' 2>/dev/null | sort -u
  return 0
}

# prepare <uuid> <key>: make the job's directories; name the basis for rsync.
cmd_prepare() {
  job_dirs "$1"
  key=$2
  case $key in '' | *[!0-9a-f]*) die "bad basis key: $key" ;; esac
  need tmux rsync
  layout
  mkdir -p "$jd" "$wd" || die "cannot create $jd"
  put "$jd/basis_key" "$key"
  ok
  # The rsync --copy-dest basis, relative to workdirs/: the mirror, else the
  # previous job's work dir.
  if [ -d "$P/mirrors/$key" ]; then
    printf 'basis ../mirrors/%s\n' "$key"
  elif [ -f "$P/basis/$key" ]; then
    read -r _prev <"$P/basis/$key"
    [ -n "$_prev" ] && [ "$_prev" != "$id" ] && [ -d "$W/$_prev" ] && printf 'basis %s\n' "$_prev"
  fi
  return 0
}

# start [-m tty|pipe|null] [-e <bytes>] [-s <sync>|-] [-k <key>] [-r <n>] <uuid> <worker> <cwd> <display> <label> <argv...>
# One argv word is a shell command line; several are executed as they are.
# -m: the terminal mode (default tty). -e: stdin starts with that many bytes,
# the job's environment as sh `export` lines quoted by the client (values
# never travel in an argv). -s: the mirror's sync (see sync_workdir); "-s -"
# reads it from the first line of stdin, before the environment; -k names
# the mirror it will most likely be about, whose spare is walked meanwhile
# (only a hint: the line decides). In mode
# pipe the reply is the frame, then the job's stdout; its stderr follows on
# stderr, ended by the line
# "\0P-AGENT/1 END <uuid> <status line>" once the job is over.
cmd_start() {
  mode='tty' _envn=0 _sync='' _slurm=0 _srunn=0 _hint=''
  while :; do
    case ${1:-} in
      -m) mode=${2:-} ;;
      -e) _envn=${2:-} ;;
      -s) _sync=${2:-} ;;
      -k) _hint=${2:-} ;;
      -r) _slurm=1 _srunn=${2:-} ;;
      *) break ;;
    esac
    shift 2
  done
  [ $# -ge 6 ] || die "usage: start [-m tty|pipe|null] [-e <bytes>] [-s <sync>] [-r <n>] <uuid> <worker> <cwd> <display> <label> [<srun word>...] <argv...>"
  case $_srunn in '' | *[!0-9]*) die "bad srun word count: $_srunn" ;; esac
  case $mode in tty | pipe | null) ;; *) die "bad mode: $mode" ;; esac
  case $_envn in '' | *[!0-9]*) die "bad environment length: $_envn" ;; esac
  case $_hint in *[!0-9a-f]*) die "bad mirror key: $_hint" ;; esac
  job_dirs "$1"
  worker=$2 cwd=$3 display=$4 label=$5
  shift 5
  # -r: a Slurm worker; the first words (maybe none) are srun's, quoted
  # for cmd.sh.
  _srun=''
  if [ "$_slurm" = 1 ]; then
    need srun squeue scancel
    [ $# -gt "$_srunn" ] || die "no command after the srun arguments"
    while [ "$_srunn" -gt 0 ]; do
      qv "$1"
      _srun="$_srun $_q"
      shift
      _srunn=$((_srunn - 1))
    done
    _srun="$_srun "
  fi
  need tmux
  layout
  [ -e "$jd/tmux_session" ] && die "job $id was already started"
  read_features
  _early='' _pre_from='' _pre_walk='' _sess_pid=''
  if [ "$_sync" = - ]; then
    # -s -: the client sends the sync's spec as the first line of stdin once
    # it has worked it out (this call's session opened meanwhile), "-" for
    # none. It takes a round trip: meanwhile, the job's directory (and FIFOs)
    # and the spare's walk, all undone or dropped if no line comes. A client
    # that fails first sends none, and then nothing is left.
    # The session too: its job waits for the start's word (see _run).
    if [ ! -d "$jd" ]; then
      mkdir -p "$jd" || die "cannot create $jd"
      _early=1
      [ -n "$_hint" ] && spare_prewalk "$P/mirrors/$_hint"
      if [ "$mode" = pipe ]; then
        make_fifos "$jd/go"
      else
        mkfifo "$jd/go" || die "cannot create the FIFOs in $jd"
      fi
      : >"$jd/output.log" 2>/dev/null || write_failed "$jd/output.log"
      # In the background: the line is read, and the sync done, as soon as
      # they come. tmux's failure is told before the job would go (the
      # client's sync, an rsync into the job's dirs, must not fail first).
      (job_session && printf '%s\n' "$started" >"$jd/started_at") 2>/dev/null &
      _sess_pid=$!
    fi
    IFS= read -r _sync || die "the client sent no sync: nothing was started"
    [ "$_sync" = - ] && _sync=''
  fi
  if [ -d "$wd" ]; then
    # rsync gave the work dir the client directory's mode.
    chmod 700 "$jd" "$wd" || die "cannot make $jd private"
  elif [ -n "$_sync" ]; then
    # The sync makes the work dir (the spare is renamed to it).
    [ -n "$_early" ] || mkdir -p "$jd" || die "cannot create $jd"
  else
    mkdir -p "$jd" "$wd" || die "cannot create $jd"
  fi
  if [ "$_envn" -gt 0 ]; then
    dd bs="$_envn" count=1 iflag=fullblock of="$jd/env" 2>/dev/null || write_failed "$jd/env"
  fi
  _basis=''
  if [ -n "$_sync" ]; then
    sync_workdir "$_sync" || return 0
  fi
  # Read by nobody before the job starts: written in place, without a fork,
  # and checked as one.
  _boot=-
  { read -r _boot </proc/sys/kernel/random/boot_id; } 2>/dev/null
  {
    printf '%s\n' "$mode" >"$jd/mode" &&
      printf '%s\n' "$login_umask" >"$jd/umask" &&
      printf '%s\n' "$display" >"$jd/cmd" &&
      printf '%s\n' "$cwd" >"$jd/cwd" &&
      printf '%s\n' "$worker" >"$jd/worker" &&
      printf '%s\n' "$_boot" >"$jd/boot"
  } 2>/dev/null || write_failed "$jd"
  {
    if [ "$_envn" -gt 0 ]; then
      qv "$jd/env"
      printf '. %s\n' "$_q"
    fi
    if [ -n "$_srun" ]; then
      srun_line "$@"
    elif [ $# -eq 1 ]; then
      printf '%s\n' "$1"
    else
      printf 'exec'
      for _a in "$@"; do
        qv "$_a"
        printf ' %s' "$_q"
      done
      printf '\n'
    fi
  } 2>/dev/null >"$jd/cmd.sh" || write_failed "$jd/cmd.sh"
  if [ -n "$_srun" ]; then
    put "$jd/slurm" "$(slurm_name)"
  fi
  # Mode null makes its FIFOs in _run, off the caller's clock.
  if [ "$mode" = pipe ]; then
    [ -n "$_early" ] || make_fifos
    # Held open before the job can end, so its exit code cannot be missed.
    exec 4<>"$jd/done"
  fi
  # The next sync from the same client directory starts from this one
  # (sync_workdir wrote it, under the mirror's lock, unless prepare's rsync
  # was the whole sync).
  if [ -z "$_basis" ] && [ -f "$jd/basis_key" ]; then
    read -r _key <"$jd/basis_key"
    put "$P/basis/$_key" "$id"
  fi
  # Readers take a missing started_at for none, and only test tmux_session.
  if [ -n "$_early" ]; then
    printf '%s\n' "$s" >"$jd/tmux_session" 2>/dev/null || write_failed "$jd"
    wait "$_sess_pid" || tmux_failed
    _sess_pid=''
    started=''
    { read -r started <"$jd/started_at"; } 2>/dev/null || write_failed "$jd/started_at"
    go
  else
    {
      : >"$jd/output.log" &&
        printf '%s\n' "$s" >"$jd/tmux_session"
    } 2>/dev/null || write_failed "$jd"
    job_session || tmux_failed
    printf '%s\n' "$started" >"$jd/started_at" 2>/dev/null || write_failed "$jd/started_at"
  fi
  if [ "$mode" = pipe ]; then
    relay
    return 0
  fi
  ok
  printf 'started %s %s\n' "$s" "$started"
}

# make_fifos [MORE...]: mode pipe's FIFOs (see relay), and MORE.
make_fifos() {
  mkfifo "$jd/o.pipe" "$jd/e.pipe" "$jd/in" "$jd/out" "$jd/err" "$jd/done" "$@" || die "cannot create the FIFOs in $jd"
}

# drop_early: a start that made the job's session before its sync's line
# does not start the job: the session, its FIFOs and the spare's early walk
# go. undo_early: and the job's directory, which it made too.
drop_early() {
  _early=''
  # The session's call may still run: it ends first, or its session stays.
  [ -z "$_sess_pid" ] || wait "$_sess_pid"
  _sess_pid=''
  tm kill-session -t "=$s" 2>/dev/null
  rm -f "$jd/o.pipe" "$jd/e.pipe" "$jd/in" "$jd/out" "$jd/err" "$jd/done" "$jd/go" "$jd/go.ready" "$jd/spare.prewalk"
}

undo_early() {
  drop_early
  rm -rf "$jd"
}

# job_session: the job's tmux session, its pane running _run (which waits
# for the go FIFO if there is one); sets started, the session's creation
# time as tmux tells it (no date process). Fails with tmux's reason in
# $jd/tmux.err (see tmux_failed).
job_session() {
  local _pipe _bar_state
  _pipe=''
  if [ "$mode" = tty ]; then
    qv "$jd/output.log"
    tmux_escape "exec cat >>$_q"
    _pipe=$_esc
  fi
  _bar_state='#{@p_state}'
  if [ -n "$_srun" ]; then
    # Pending or running is Slurm's to say: the bar asks (through the cache).
    qv "$self"
    tmux_escape "$_q"
    _bar_state="#(/bin/sh $_esc - sstate $id)"
  fi
  status_format "$label" "$_bar_state"
  # Only a tty job waits for its pipe-pane (see _run): the others would
  # pay a tmux call for nothing.
  if [ "$mode" = tty ]; then
    set -- \; wait-for -S "p-go-$id"
  else
    set --
  fi
  started=$(tm -f "$P/tmux.conf" new-session -d -s "$s" -x 200 -y 50 -- /bin/sh "$self" - _run "$id" \; \
    pipe-pane -t "$s" "$_pipe" \; \
    set-option -t "$s" @p_state running \; \
    set-option -t "$s" status on \; \
    set-option -t "$s" status-interval 1 \; \
    set-option -t "$s" status-left-length 200 \; \
    set-option -t "$s" status-left "$_fmt" \; \
    set-option -t "$s" status-right "" \; \
    set-option -w -t "$s" window-status-format "" \; \
    set-option -w -t "$s" window-status-current-format "" "$@" \; \
    display-message -p -t "$s" '#{session_created}' 2>"$jd/tmux.err" 4<&-) || return 1
  case $started in '' | *[!0-9]*) return 1 ;; esac
}

# go: the job of an early session runs, once its _run holds the go FIFO
# (go.ready; a moment's wait where the pane is slower than the sync).
go() {
  wait_file "$jd/go.ready" "$PANE_WAIT_TICKS" || die "tmux did not start the job's pane"
  printf 'go\n' 1<>"$jd/go" || die "cannot start the job's pane"
  _early=''
}

# ---------------------------------------------------------------- Slurm

# The job's name in Slurm: p-<the id's first 8 digits>.
slurm_name() { printf 'p-%.8s' "$id"; }

# What srun runs before the command, on the compute node: it keeps Slurm's
# id of the job in the file named by $0 (the job dir, on the shared home), so
# the id outlives squeue's memory of the job.
# shellcheck disable=SC2016 # expanded by the job's shell, not here
SLURM_ID_KEEPER='{ printf "%s\n" "$SLURM_JOB_ID" >"$0"; } 2>/dev/null; exec "$@"'

# srun_line ARGV...: cmd.sh's line for a Slurm worker: srun runs the command
# in the work dir (on a file system the compute nodes share), with a
# terminal when the job has one. One word is a shell command line.
srun_line() {
  local _a
  qv "$wd"
  printf 'exec srun --job-name=%s --chdir=%s' "$(slurm_name)" "$_q"
  [ "$mode" = tty ] && printf ' --pty'
  printf '%s--' "$_srun"
  qv "$SLURM_ID_KEEPER"
  printf ' /bin/sh -c %s' "$_q"
  qv "$jd/slurm_id"
  printf ' %s' "$_q"
  if [ $# -eq 1 ]; then
    qv "$1"
    printf ' /bin/sh -c %s' "$_q"
  else
    for _a in "$@"; do
      qv "$_a"
      printf ' %s' "$_q"
    done
  fi
  printf '\n'
}

# slurm_lookup NAME: sets _sid, _sstate and _sreason for the job named NAME
# from ~/.p/squeue, which holds one squeue listing of all the user's jobs and
# is renewed at most every SQUEUE_EVERY seconds, whoever asks.
slurm_lookup() {
  local _at _now _line _n
  _sid='' _sstate='' _sreason=''
  _at=0
  { read -r _at <"$P/squeue"; } 2>/dev/null
  _now=$(date +%s)
  case $_at in '' | *[!0-9]*) _at=0 ;; esac
  # One caller refreshes; the others read the listing as it is. A lock left
  # by a killed refresher is taken back after a minute.
  if [ $((_now - _at)) -ge "$SQUEUE_EVERY" ] && squeue_lock; then
    {
      printf '%s\n' "$_now"
      squeue -h -t all -u "${USER:-$(id -un)}" -o '%j|%i|%T|%r' 2>/dev/null
    } >"$P/squeue.$$" 2>/dev/null && mv -f "$P/squeue.$$" "$P/squeue"
    rmdir "$P/squeue.lock" 2>/dev/null
  fi
  # No listing at all yet: the one being made is worth a moment's wait.
  _n=0
  while [ ! -f "$P/squeue" ] && [ -d "$P/squeue.lock" ] && [ "$_n" -lt "$SQUEUE_WAIT_TICKS" ]; do
    nap "$FLUSH_TICK"
    _n=$((_n + 1))
  done
  _line=$(grep -m 1 "^$1|" "$P/squeue" 2>/dev/null) || return 0
  _line=${_line#*|}
  _sid=${_line%%|*}
  _line=${_line#*|}
  _sstate=${_line%%|*}
  _sreason=${_line#*|}
}

squeue_lock() {
  mkdir "$P/squeue.lock" 2>/dev/null && return 0
  lock_is_stale "$P/squeue.lock" 1 || return 1
  rmdir "$P/squeue.lock" 2>/dev/null
  mkdir "$P/squeue.lock" 2>/dev/null
}

# The 7th field of a Slurm job's status line: slurm=<id>,<STATE>,<reason>
# (the reason's spaces become underscores). Once squeue has forgotten the
# job, its id is the one the job kept and its state "-"; "slurm=-" when
# neither knows it.
slurm_field() {
  [ -f "$jd/slurm" ] || return 0
  read -r _sname <"$jd/slurm"
  slurm_lookup "$_sname"
  if [ -z "$_sid" ]; then
    { read -r _sid <"$jd/slurm_id"; } 2>/dev/null || _sid=''
  fi
  if [ -n "$_sid" ]; then
    printf ' slurm=%s,%s,%s' "$_sid" "${_sstate:--}" "$(printf '%s' "${_sreason:--}" | tr ' ' _)"
  else
    printf ' slurm=-'
  fi
}

# sstate <uuid>: the state in a Slurm job's status bar (tmux calls it).
cmd_sstate() {
  job_dirs "$1"
  if [ -f "$jd/exitcode" ]; then
    read -r _rc <"$jd/exitcode"
    [ -f "$jd/stopped" ] && printf 'stopped %s' "$_rc" && return 0
    printf 'done %s' "$_rc"
    return 0
  fi
  read -r _sname <"$jd/slurm" 2>/dev/null || { printf 'running'; return 0; }
  slurm_lookup "$_sname"
  case $_sstate in
    PENDING) printf 'pending %s' "$_sreason" ;;
    '') printf 'running' ;;
    *) printf '%s' "$_sstate" | tr '[:upper:]' '[:lower:]' ;;
  esac
}

# slurm_cancel: a Slurm job is cancelled in Slurm, pending or running.
slurm_cancel() {
  [ -f "$jd/slurm" ] || return 0
  read -r _sname <"$jd/slurm"
  scancel -u "${USER:-$(id -un)}" -n "$_sname" 2>/dev/null
  # The next look at the queue must not be the listing from before.
  rm -f "$P/squeue"
}

# ---------------------------------------------------------------- the mirror

# sync_workdir KEY:FROM:TO:DELS:TARS:HOW (start -s): brings the mirror of one
# client directory from manifest hash FROM to TO with what follows the
# environment on stdin (DELS bytes: paths to delete, one per line; TARS
# bytes: a tar of what was added or changed), then makes the job's work dir
# a copy of it; HOW "inc" starts from the previous job's work dir instead,
# build outputs included. FROM "-": the client has just rsynced the whole
# directory into the work dir, which becomes the mirror. Fails (after the
# frame "P-AGENT/1 RESYNC <why>") when the mirror is not at FROM or was
# changed behind our back: the client then rsyncs and asks again.
#
# The mirror is walked (every entry's ctime against its state file's)
# before a delta is applied to it, and before a job's work dir is copied
# from it. An unchanged tree served from the spare leaves the mirror's walk
# to the spare's builder, which walks it after its copy: a mirror changed
# before or during that copy loses its state, and the next start asks for
# an rsync.
sync_workdir() {
  local _key _from _to _ndel _ntar _how _m _have _prev _delta _spare_walk _walked
  IFS=: read -r _key _from _to _ndel _ntar _how <<EOF
$1
EOF
  case $_key:$_from:$_to in *[!0-9a-f:-]*) die "bad sync: $1" ;; esac
  case $_ndel$_ntar in '' | *[!0-9]*) die "bad sync: $1" ;; esac
  _m="$P/mirrors/$_key"
  mirror_lock "$_m"
  # A delta with nothing in it leaves the mirror as it is (no files to
  # take, no state to rewrite).
  _delta=1
  [ "$_ndel$_ntar" = 00 ] && [ "$_from" = "$_to" ] && _delta=0
  # The spare's walk (see spare_take), begun before the line came or now,
  # in the background: beside the mirror's, when that is walked too.
  _spare_walk=''
  _walked="$jd/spare.walk"
  if [ "$_from" != - ] && [ "$_how" != inc ] && spare_ready "$_m" "$_from"; then
    if [ "$_key" = "$_hint" ] && [ "$_pre_from" = "$_from" ] && [ -n "$_pre_walk" ]; then
      _spare_walk=$_pre_walk _walked="$jd/spare.prewalk" # begun while the line was on its way
    else
      changed_paths "$_m.spare" "$_m.spare.state" >"$_walked" &
      _spare_walk=$!
    fi
  fi
  if [ "$_from" = - ]; then
    rm -rf "$_m.new" "$_m" 2>/dev/null
    if ! { mkdir "$_m.new" 2>/dev/null && copy_tree "$wd/." "$_m.new/" && mv "$_m.new" "$_m"; }; then
      mirror_unlock "$_m"
      write_failed "$_m"
    fi
  else
    _have=''
    { read -r _have <"$_m.state"; } 2>/dev/null
    if [ "$_have" != "$_from" ] || [ ! -d "$_m" ]; then
      mirror_unlock "$_m"
      resync "the worker's copy of this directory is not the one p last sent"
      return 1
    fi
    # The spare alone (walked beside) serves an unchanged tree.
    if { [ "$_delta" = 1 ] || [ -z "$_spare_walk" ]; } && changed_since "$_m" "$_m.state"; then
      mirror_unlock "$_m"
      resync "the worker's copy of this directory was changed"
      return 1
    fi
    if [ "$_delta" = 1 ]; then
      rm -f "$_m.state"
      # Kept until the spare has them too.
      { take_bytes "$_ndel" "$jd/delta.del" && take_bytes "$_ntar" "$jd/delta.tar"; } || { mirror_unlock "$_m"; write_failed "$jd"; }
      mirror_apply "$_m" "$jd/delta.del" "$jd/delta.tar" || { mirror_unlock "$_m"; write_failed "$_m"; }
    fi
  fi
  [ "$_delta" = 1 ] && put "$_m.state" "$_to"
  _prev=''
  [ -f "$P/basis/$_key" ] && read -r _prev <"$P/basis/$_key"
  # Incremental needs the previous job's list of sources, written just after
  # its start: a moment's wait for it, then, without it, a clean copy.
  if [ "$_how" = inc ] && [ -n "$_prev" ] && [ -d "$W/$_prev" ]; then
    wait_file "$J/$_prev/sources" "$SOURCES_WAIT_TICKS"
  fi
  if [ "$_how" = inc ] && [ -n "$_prev" ] && [ "$_prev" != "$id" ] && [ -d "$W/$_prev" ] && [ -f "$J/$_prev/sources" ]; then
    mirror_copy_incremental "$_m" "$W/$_prev" "$J/$_prev/sources" || { mirror_unlock "$_m"; write_failed "$wd"; }
  elif [ "$_from" != - ] && spare_take "$_m"; then
    : # the spare copy, brought to the same state, is the work dir: no copy now
  elif [ "$_from" != - ]; then
    # The spare was refused, and the mirror was not walked yet.
    if [ -n "$_spare_walk" ] && [ "$_delta" = 0 ] && changed_since "$_m" "$_m.state"; then
      mirror_unlock "$_m"
      resync "the worker's copy of this directory was changed"
      return 1
    fi
    { mkdir -p "$wd" && copy_tree "$_m/." "$wd/"; } || { mirror_unlock "$_m"; write_failed "$wd"; }
  fi
  [ "$_delta" = 1 ] && rm -f "$jd/delta.del" "$jd/delta.tar"
  # Written in place under the lock: job-private, or read (by prepare)
  # only as a hint that is checked.
  { printf '%s\n' "$_key" >"$jd/basis_key" && printf '%s\n' "$id" >"$P/basis/$_key"; } 2>/dev/null ||
    { mirror_unlock "$_m"; write_failed "$P/basis/$_key"; }
  _basis=$_key
  # Off the job's clock, at the lowest priority: the lock's release, the
  # list of this job's sources (for the next --incremental job), and the
  # next job's copy (copying a tree of small files costs far more than a
  # start's round trips).
  { mirror_unlock "$_m"; exec nice -n 19 /bin/sh "$self" - _spare "$_key" "$_to" "$id"; } </dev/null >/dev/null 2>&1 &
}

# spare_ready MIRROR FROM: the spare copy of the mirror is there, at FROM.
spare_ready() {
  local _ss
  _ss=''
  { read -r _ss <"$1.spare.state"; } 2>/dev/null
  [ -n "$_ss" ] && [ "$_ss" = "$2" ] && [ -d "$1.spare" ]
}

# spare_take MIRROR: the spare copy of the mirror, if sync_workdir's walk
# ($_spare_walk, into $_walked) found nothing in it changed after it was
# made, gets the same delta and becomes the job's work dir.
# Its state file stays behind: without the directory it names no spare.
spare_take() {
  [ -n "$_spare_walk" ] || return 1
  wait "$_spare_walk"
  if [ -s "$_walked" ] || [ ! -f "$_walked" ]; then
    rm -rf "$1.spare" "$1.spare.state"
    return 1
  fi
  if [ "$_delta" = 1 ]; then
    mirror_apply "$1.spare" "$jd/delta.del" "$jd/delta.tar" || { rm -rf "$1.spare" "$1.spare.state"; return 1; }
  fi
  [ ! -d "$wd" ] || rmdir "$wd" 2>/dev/null || return 1
  mv "$1.spare" "$wd"
}

# spare_prewalk MIRROR: the spare's walk, begun in the background before
# the sync's line came (without the mirror's lock), into spare.prewalk (a
# walk that fails says so there); sets _pre_from to the state of the spare
# it walks and _pre_walk to its pid. A spare taken or rebuilt since is seen
# under the lock (spare_ready, the rename); one rebuilt in that moment is a
# fresh copy its builder checked.
spare_prewalk() {
  local _ss
  _ss=''
  { read -r _ss <"$1.spare.state"; } 2>/dev/null
  [ -n "$_ss" ] && [ -d "$1.spare" ] || return 0
  _pre_from=$_ss
  { changed_paths "$1.spare" "$1.spare.state" || echo "the walk failed"; } >"$jd/spare.prewalk" &
  _pre_walk=$!
}

# spare_build MIRROR STATE SOURCES: the list of the mirror's paths at STATE
# into SOURCES (what the job got), then a pristine copy of the mirror at
# STATE for the next start. One builder at a time; a list or a copy the
# mirror moved away from while it was made is dropped. The mirror is walked
# once the copy is made: changed behind p's back (its state unmoved, so no
# start changed it), it loses its state and the spare is not kept.
spare_build() {
  (cd "$1" && find . ! -name . -print) >"$3.tmp" 2>/dev/null
  _now=''
  { read -r _now <"$1.state"; } 2>/dev/null
  if [ "$_now" = "$2" ]; then mv -f "$3.tmp" "$3"; else rm -f "$3.tmp"; fi
  mkdir "$1.spare.lock" 2>/dev/null || return 0
  rm -rf "$1.spare.tmp" "$1.spare" "$1.spare.state"
  if mkdir "$1.spare.tmp" && copy_tree "$1/." "$1.spare.tmp/"; then
    _now=''
    _changed=''
    changed_since "$1" "$1.state" && _changed=1
    { read -r _now <"$1.state"; } 2>/dev/null
    if [ "$_now" = "$2" ] && [ -n "$_changed" ]; then
      rm -f "$1.state"
    elif [ "$_now" = "$2" ] && mv "$1.spare.tmp" "$1.spare"; then
      # Written last: nothing in the spare may be newer (spare_take checks).
      printf '%s\n' "$2" >"$1.spare.state"
    fi
  fi
  rm -rf "$1.spare.tmp"
  rmdir "$1.spare.lock"
}

# take_bytes N FILE: the next N bytes of stdin into FILE, exactly (no more is read).
take_bytes() {
  if [ "$1" -gt 0 ]; then
    dd bs="$1" count=1 iflag=fullblock of="$2" 2>/dev/null
  else
    : >"$2"
  fi
}

# resync WHY: the reply that sends the client back to rsync. What it sent
# for the mirror is read and dropped: stdin must reach the job intact. The
# session and FIFOs made while the line was on its way go first: the start
# that follows the rsync makes its own.
resync() {
  [ -n "$_early" ] && drop_early
  [ "$_ndel" -gt 0 ] && dd bs="$_ndel" count=1 iflag=fullblock of=/dev/null 2>/dev/null
  [ "$_ntar" -gt 0 ] && dd bs="$_ntar" count=1 iflag=fullblock of=/dev/null 2>/dev/null
  printf 'P-AGENT/1 RESYNC %s\n' "$1"
}

# mirror_apply DIR DELETIONS TAR: deletions first (a file may become a
# directory), then the tar, with the modes it carries (umask 0).
mirror_apply() {
  local _p
  while IFS= read -r _p; do
    case /$_p/ in */../* | //*) continue ;; esac
    rm -rf "${1:?}/$_p"
  done <"$2"
  if [ -s "$3" ]; then
    (cd "$1" && umask 0 && tar -xf -) <"$3" || return 1
  fi
  return 0
}

# mirror_copy_incremental MIRROR PREV PREV_SOURCES: the work dir starts as
# the previous job's, build outputs and all; the mirror is copied over it
# (sources exactly as the client has them, mtimes included) and what the
# previous job had as a source but the mirror no longer has is deleted.
mirror_copy_incremental() {
  local _p
  { rm -rf "$wd" && copy_tree "$2" "$wd"; } || return 1
  if [ -f "$3" ]; then
    while IFS= read -r _p; do
      [ -e "$1/$_p" ] || [ -L "$1/$_p" ] || rm -rf "${wd:?}/$_p"
    done <"$3"
  fi
  copy_tree "$1/." "$wd/"
}

# copy_tree SRC DST: cp -a, reflinked where the file system can.
copy_tree() {
  # shellcheck disable=SC2086 # $_reflink is empty or one option
  cp -a $_reflink "$1" "$2" 2>/dev/null
}

# mirror_lock MIRROR: one sync of a directory at a time. A lock older than
# two minutes is a dead call's.
mirror_lock() {
  local _n=0
  while ! mkdir "$1.lock" 2>/dev/null; do
    _n=$((_n + 1))
    if [ "$_n" -gt 100 ] && lock_is_stale "$1.lock" 2; then
      rmdir "$1.lock" 2>/dev/null
    fi
    nap "$STOP_TICK"
  done
}

mirror_unlock() { rmdir "$1.lock" 2>/dev/null; }

# changed_paths DIR REF: what in DIR changed after REF was written (the
# first only, where find has -quit).
changed_paths() {
  # shellcheck disable=SC2086 # $_quit is empty or one option
  find "$1" "$_cnewer" "$2" -print $_quit 2>/dev/null
}

# changed_since DIR REF: something in DIR changed after REF was written.
changed_since() { [ -n "$(changed_paths "$1" "$2")" ]; }

# lock_is_stale LOCK MINUTES: the lock directory is older than MINUTES, so
# its holder died (no holder keeps one that long).
lock_is_stale() { [ -n "$(find "$1" -maxdepth 0 -mmin +"$2" 2>/dev/null)" ]; }

# The start's tmux call failed: say tmux's own reason.
tmux_failed() {
  local _why
  _why=''
  { read -r _why <"$jd/tmux.err"; } 2>/dev/null
  die "tmux could not start the job's session: ${_why:-no reason given}"
}

# Mode pipe, once the job is started: our stdin, stdout and stderr become
# the job's. The client may go away at any time: a write to it fails
# (SIGPIPE ignored, here and in the relays) and the job runs on without us.
relay() {
  trap '' PIPE
  ok
  # An asynchronous command's stdin is /dev/null unless redirected explicitly.
  exec 3<&0
  cat <&3 >"$jd/in" 3<&- &
  _in=$!
  cat "$jd/out" &
  _out=$!
  cat "$jd/err" >&2 &
  _err=$!
  wait "$_out" "$_err"
  # _run's first act once the job is over: its exit code and end time into
  # the FIFO we hold (before its records: see _run).
  _rc='' _end=''
  read -r _rc _end <&4
  kill "$_in" 2>/dev/null
  _state='done'
  [ -f "$jd/stopped" ] && _state=stopped
  # The client has seen everything: nobody needs the end screen. If it is
  # gone, the screen stays for `p attach`.
  # In the background, with stdio of its own: the call ends, and with it the
  # client's wait, as soon as the trailer is out. The session goes once
  # _run has written exitcode (a closed session would cut it short), or
  # after 5 s without (a full disk).
  _sess=open _st=$started
  if { printf '\000P-AGENT/1 END %s ' "$id" && print_status "$_state" "${_rc:--}" "${_end:--}"; } >&2; then
    { wait_file "$jd/exitcode" "$END_WAIT_TICKS"; $tj kill-session -t "=$s"; } </dev/null >/dev/null 2>&1 &
  fi
  return 0
}

# ---------------------------------------------------------------- the job's pane: _run

# _run <uuid>: the pane's program. No HUP trap: when the session is killed
# the hangup must take the job down with us.
cmd_run() {
  job_dirs "$1"
  # A session made while the client worked out its sync: the job waits for
  # the start's word (its files are written by then). The FIFO is held open
  # here before go.ready says so, so a word written after that cannot be lost.
  if [ -p "$jd/go" ]; then
    exec 3<>"$jd/go"
    : >"$jd/go.ready"
    _go=''
    IFS= read -r _go <&3
    exec 3<&-
    [ "$_go" = go ] || exit 0
  fi
  _mode='tty'
  [ -f "$jd/mode" ] && read -r _mode <"$jd/mode"
  [ "$_mode" = tty ] && $tj wait-for "p-go-$id"
  # A handler, not '': an ignored signal would be inherited by the job.
  trap : INT QUIT
  cd "$wd" || exit 1
  _um=0022
  [ -f "$jd/umask" ] && read -r _um <"$jd/umask"
  if [ "$_mode" = tty ]; then
    run_on_pane
  else
    run_on_pipes
  fi
  _end=$(date +%s)
  _state="done $rc"
  [ -f "$jd/stopped" ] && _state="stopped $rc"
  # A streaming start call (relay) is told first: its client waits for
  # nothing else. It closes the session only once exitcode is written.
  [ -p "$jd/done" ] && printf '%s %s\n' "$rc" "$_end" 1<>"$jd/done"
  # The session keeps the exit code first: on a full disk it is the only
  # record. Keys typed from now on go to p-done's binding, not to the pane:
  # type-ahead dies with the pane and cannot dismiss the end screen.
  $tj set-option -t "$s" @p_rc "$rc" \; set-option -t "$s" @p_end "$_end" \; \
    set-option -t "$s" @p_state "$_state" \; set-option -t "$s" key-table p-done >/dev/null 2>&1
  # Nobody reads ended_at before exitcode exists; exitcode appears whole.
  { printf '%s\n' "$_end" >"$jd/ended_at" && printf '%s\n' "$rc" >"$jd/exitcode.tmp" &&
    mv -f "$jd/exitcode.tmp" "$jd/exitcode"; } 2>/dev/null
  printf '\r\n--- Job done [exit %s]. Press any key to detach. ---\r\n' "$rc"
  exit 0
}

# run_job [STDIN STDOUT STDERR]: runs the job in its own process group; sets
# rc. Job control makes that group the pane's foreground group: Ctrl+C reaches
# only the job, and stop can kill the group. The redirections belong to the
# command, not to a function call: bash hands the terminal over through its
# own fd 2, which must stay the pane. No exec: this leader survives the
# signals sent to the group and exits with the job's status (a job may trap
# them and go on), and a bash wrapper (set -m, in a function) aborts when its
# job dies of SIGINT.
run_job() {
  # shellcheck disable=SC2016 # expanded by the leader's own sh
  # The leader records its pid and start time (see job_group) before the job
  # can begin: a job whose group cannot be recorded does not run.
  _lead='f=$1 c=$2; umask "$3"; st=-
if { read -r l </proc/$$/stat; } 2>/dev/null; then set -- ${l##*) }; shift 19 && st=$1; fi
echo "$$ $st" >"$f" || exit 125
trap : INT QUIT TERM HUP; /bin/sh -l "$c"; exit $?'
  set -m
  if [ $# -eq 3 ]; then
    /bin/sh -c "$_lead" sh "$jd/pgid" "$jd/cmd.sh" "$_um" <"$1" >"$2" 2>"$3"
  else
    /bin/sh -c "$_lead" sh "$jd/pgid" "$jd/cmd.sh" "$_um"
  fi
  rc=$?
  set +m
}

# Mode tty: the job's stdio is the pane, which pipe-pane copies to the log.
run_on_pane() {
  run_job
  # An invisible OSC marks the end of the output: once it is in the log,
  # pipe-pane has flushed everything before it.
  _tok="p-end-$id"
  printf '\033]7777;%s\007' "$_tok"
  _i=0
  while ! tail -c 512 "$jd/output.log" 2>/dev/null | grep -qF "$_tok"; do
    _i=$((_i + 1))
    [ "$_i" -gt "$FLUSH_TICKS" ] && break
    nap "$FLUSH_TICK"
  done
  $tj pipe-pane -t "$s"
}

# Modes pipe and null: no terminal for the job. Each output stream passes
# through a tee that appends it to the log (O_APPEND: interleaved as written)
# and shows it on the pane. GNU tee -p, and busybox tee always, go on when
# one output (the client's relay) is gone.
run_on_pipes() {
  read_features
  _tty=/dev/tty
  printf '%s\r\n' "--- p: this job has no terminal: keys typed here do not reach it (Ctrl+C interrupts it, Ctrl+B D detaches) ---"
  _tp=$_teep
  if [ "$_mode" = pipe ]; then
    # shellcheck disable=SC2086 # $_tp is empty or one option
    tee -a $_tp "$jd/output.log" "$_tty" <"$jd/o.pipe" >"$jd/out" 2>/dev/null &
    # shellcheck disable=SC2086
    tee -a $_tp "$jd/output.log" "$_tty" <"$jd/e.pipe" >"$jd/err" 2>/dev/null &
    run_job "$jd/in" "$jd/o.pipe" "$jd/e.pipe"
  else
    # Nobody reads a detached job's streams apart: one pipe and one tee keep
    # stdout and stderr in output.log in the order they were written.
    if ! mkfifo "$jd/o.pipe"; then
      rc=126
      return
    fi
    # shellcheck disable=SC2086
    tee -a $_tp "$jd/output.log" "$_tty" <"$jd/o.pipe" >/dev/null 2>/dev/null &
    run_job /dev/null "$jd/o.pipe" "$jd/o.pipe"
  fi
  # The job is over when its main process is. What it left in its process
  # group gets the hangup a terminal would send at its end (a Ctrl+C passed
  # on leaves no `cmd &` running), and then its streams can end.
  { read -r _pg _x <"$jd/pgid"; } 2>/dev/null && kill -HUP -"$_pg" 2>/dev/null
  # The tees end when every writer is gone: the log is complete.
  wait
}

# ---------------------------------------------------------------- verbs: status, logs, close, attach

# status <uuid>...: one line per job:
#   <uuid> <state> <exitcode|-> <ended_at|-> <open|closed> <started_at|->
# state: running, done, stopped, lost (no exit code, no live job), gone (unknown
# here), unstarted (prepared, never started: the client was interrupted).
cmd_status() {
  ok
  status_lines "$@"
}

# The fields of one pane in status_lines' listing, each behind a letter so
# that empty values keep their place.
PANE_FORMAT='#{session_name} d#{pane_dead} r#{@p_rc} e#{@p_end} x#{@p_stopped}'

status_lines() {
  local _panes _old_panes _id _st _rc _end _state _sess _dead _prc _pend _pstop
  _panes="$NL$(tm list-panes -a -F "$PANE_FORMAT" 2>/dev/null)$NL"
  _old_panes=''
  for _id in "$@"; do
    job_dirs "$_id"
    pane_fields
    _st=''
    [ -f "$jd/started_at" ] && read -r _st <"$jd/started_at"
    [ -n "$_st" ] || _st=-
    _rc='' _end=-
    if [ -f "$jd/exitcode" ]; then
      read -r _rc <"$jd/exitcode"
      [ -f "$jd/ended_at" ] && read -r _end <"$jd/ended_at"
    elif [ -n "$_prc" ]; then
      # The disk had no room for exitcode: the session kept it.
      _rc=$_prc _end=${_pend:-"-"}
    fi
    if [ ! -d "$jd" ]; then
      printf '%s gone - - closed -\n' "$id"
    elif [ -n "$_rc" ]; then
      _state='done'
      { [ -f "$jd/stopped" ] || [ -n "$_pstop" ]; } && _state=stopped
      print_status "$_state" "$_rc" "$_end"
    elif [ ! -f "$jd/tmux_session" ]; then
      print_status unstarted - -
    elif [ "$_dead" = 0 ]; then
      print_status running - -
    else
      print_status lost - -
    fi
  done
}

# The one status line: <uuid> <state> <exitcode|-> <ended_at|-> <open|closed> <started_at|->,
# and for a Slurm job a 7th field (see slurm_field).
print_status() {
  printf '%s %s %s %s %s %s' "$id" "$1" "$2" "$3" "$_sess" "$_st"
  slurm_field
  printf '\n'
}

# pane_fields: from the listing in $_panes (or the old server's), sets _sess
# (open|closed), _dead (0 while the job's program runs), and what the session
# keeps: _prc, _pend, _pstop.
pane_fields() {
  local _list _line
  _sess=closed _dead=1 _prc='' _pend='' _pstop=''
  _list=$_panes
  if [ "$tj" = tm_old ]; then
    [ -n "$_old_panes" ] || _old_panes="$NL$(tm_old list-panes -a -F "$PANE_FORMAT" 2>/dev/null)$NL"
    _list=$_old_panes
  fi
  case $_list in
    *"$NL$s "*) ;;
    *) return 0 ;;
  esac
  _line=${_list#*"$NL$s "}
  _line=${_line%%"$NL"*}
  # shellcheck disable=SC2086 # one word per field, by design
  set -- $_line
  _sess=open _dead=${1#d} _prc=${2#r} _pend=${3#e} _pstop=${4#x}
}

# logs <uuid> [follow]: the raw log; following stops once exitcode exists
# (the log is complete then) or the job is lost.
cmd_logs() {
  job_dirs "$1"
  _f="$jd/output.log"
  [ -f "$_f" ] || die "job $id has no output log on this worker"
  if [ "${2:-}" != follow ]; then
    ok
    cat "$_f"
    return 0
  fi
  # Known before the frame: once the caller has it, its death is noticed.
  _parent=$(parent_pid)
  ok
  _off=0
  _misses=0
  while :; do
    # Nothing reaches us when the client goes away while the job is quiet
    # (sshd sends no signal without a pty); being orphaned is the sign.
    [ "$(parent_pid)" = "$_parent" ] || return 0
    _fin=0
    [ -f "$jd/exitcode" ] && _fin=1
    _size=$(wc -c <"$_f")
    if [ "$_size" -gt "$_off" ]; then
      tail -c +"$((_off + 1))" "$_f" | head -c "$((_size - _off))"
      _off=$_size
    fi
    [ "$_fin" = 1 ] && return 0
    if ! $tj has-session -t "=$s" 2>/dev/null; then
      _misses=$((_misses + 1))
      [ "$_misses" -gt 2 ] && return 0
    fi
    nap "$FOLLOW_TICK"
  done
}

parent_pid() {
  local _l
  { read -r _l <"/proc/$$/stat"; } 2>/dev/null || return 0
  _l=${_l##*) }
  _l=${_l#* }
  printf '%s' "${_l%% *}"
}

# close <uuid>: end a finished job's session once nobody needs its screen.
# Finished: an exit code on disk, or a dead pane (the code is in the session
# when the disk was full, and a lost job has nothing left to show).
cmd_close() {
  job_dirs "$1"
  ok
  if [ -f "$jd/exitcode" ] || [ "$($tj list-panes -t "=$s" -F '#{pane_dead}' 2>/dev/null)" = 1 ]; then
    $tj kill-session -t "=$s" 2>/dev/null
  fi
  return 0
}

# attach <uuid> [wait]: hand the terminal to tmux (no frame: stdout is the
# terminal). "wait": the client starts the job in another call at the same
# time; wait for its session (a Ctrl+C meanwhile is for the job, not for us),
# and give up when the job's directory goes (the start failed and was
# cleaned up) or after START_WAIT seconds.
cmd_attach() {
  job_dirs "$1"
  if [ "${2:-}" = wait ]; then
    trap '' INT
    _n=$(($(now) + START_WAIT))
    until [ -f "$jd/tmux_session" ] && $tj has-session -t "=$s" 2>/dev/null; do
      if [ "$(now)" -gt "$_n" ] || { [ ! -d "$jd" ] && [ ! -d "$wd" ] && [ "$(now)" -gt $((_n - START_WAIT + 2)) ]; }; then
        printf 'p: job %s did not start\n' "$id" >&2
        exit 3
      fi
      nap "$FLUSH_TICK"
    done
    trap - INT
  fi
  case ${TERM:-} in dumb | unknown | '') TERM=xterm-256color ;; esac
  if command -v infocmp >/dev/null 2>&1; then
    infocmp "$TERM" >/dev/null 2>&1 || TERM=xterm-256color
  fi
  export TERM
  $tj has-session -t "=$s" 2>/dev/null || {
    printf 'p: the session of job %s is closed\n' "$id" >&2
    exit 3
  }
  # Not exec: $tj is a function (which server); this shell just waits.
  $tj -u attach-session -t "=$s"
  exit $?
}

# ---------------------------------------------------------------- verbs: stop, signal, rm

# Whether a live process is in process group $1. kill -0 would also count
# zombies, which an init that does not reap (containers) keeps forever.
group_alive() {
  local _want _p _l
  _want=$1
  for _p in /proc/[0-9]*; do
    { read -r _l <"$_p/stat"; } 2>/dev/null || continue
    _l=${_l##*) }
    # shellcheck disable=SC2086 # splitting stat's fields is the point
    set -- $_l
    [ "$1" != Z ] && [ "$3" = "$_want" ] && return 0
  done
  return 1
}

# stop <uuid> <grace-seconds>: SIGINT, then SIGTERM, then SIGKILL to the job's
# process group, each given the grace period. Prints "finished" (nothing to
# do) or "signal <the last one sent>", then the job's status line.
cmd_stop() {
  job_dirs "$1"
  _grace=${2:-5}
  case $_grace in '' | *[!0-9]*) die "bad grace period: $_grace" ;; esac
  [ -d "$jd" ] || die "job $id is not on this worker"
  ok
  if [ -f "$jd/exitcode" ]; then
    printf 'finished\n'
    status_lines "$id"
    return 0
  fi
  mark_stopped
  slurm_cancel
  _by=none
  if job_group; then
    for _sig in INT TERM KILL; do
      # Asked again before each signal: the group may have ended meanwhile
      # and its id gone to another.
      { job_group && group_alive "$_pg"; } || break
      kill -"$_sig" -"$_pg" 2>/dev/null
      _by=$_sig
      # A deadline on the clock: scanning /proc takes time of its own. The
      # clock has whole seconds: -le gives at least the grace, not up to 1 s less.
      _until=$(($(now) + _grace))
      while group_alive "$_pg" && [ "$(now)" -le "$_until" ]; do
        nap "$STOP_TICK"
      done
    done
  fi
  # The wrapper writes exitcode once the job's output is flushed.
  _t=0
  while [ ! -f "$jd/exitcode" ] && [ "$_t" -lt "$STOP_END_TICKS" ] && $tj has-session -t "=$s" 2>/dev/null; do
    nap "$STOP_TICK"
    _t=$((_t + 1))
  done
  printf 'signal %s\n' "$_by"
  status_lines "$id"
}

# signal <uuid> <INT|TERM|HUP|QUIT>: passes a signal on to a running job's
# process group (a streaming client that got it). Prints "sent" or "finished".
cmd_signal() {
  job_dirs "$1"
  case $2 in INT | TERM | HUP | QUIT) ;; *) die "bad signal: $2" ;; esac
  [ -d "$jd" ] || die "job $id is not on this worker"
  ok
  if [ -f "$jd/exitcode" ] || ! job_group; then
    printf 'finished\n'
    return 0
  fi
  kill -"$2" -"$_pg" 2>/dev/null
  printf 'sent\n'
}

# mark_stopped: records that the job was stopped, in a file, or in its session
# when the disk is full (the stop itself must not depend on free space).
mark_stopped() {
  { printf '%s\n' "$(now)" >"$jd/stopped.tmp" && mv -f "$jd/stopped.tmp" "$jd/stopped"; } 2>/dev/null ||
    $tj set-option -t "$s" @p_stopped 1 >/dev/null 2>&1
}

# job_group: sets _pg to the job's process group while it provably still is
# the job's, and fails otherwise. After a reboot, or once the job's leader
# has ended, the same id may belong to a stranger (pid reuse): the leader's
# pid must be alive with the start time (from /proc/<pid>/stat) recorded
# when the job began, on the boot it began on. Without /proc, or for a job
# from an older agent (no start time), only while the job's pane lives.
job_group() {
  local _lpid _lstart _b1 _b2
  _pg='' _lpid='' _lstart=''
  { read -r _lpid _lstart <"$jd/pgid"; } 2>/dev/null
  case $_lpid in '' | *[!0-9]*) return 1 ;; esac
  if [ -n "$_lstart" ] && [ "$_lstart" != - ] && [ -r /proc/self/stat ]; then
    _b1=- _b2=-
    { read -r _b1 <"$jd/boot"; } 2>/dev/null
    { read -r _b2 </proc/sys/kernel/random/boot_id; } 2>/dev/null
    [ "$_b1" = "$_b2" ] || return 1
    [ "$(proc_start_time "$_lpid")" = "$_lstart" ] || return 1
  else
    [ "$($tj list-panes -t "=$s" -F '#{pane_dead}' 2>/dev/null)" = 0 ] || return 1
  fi
  _pg=$_lpid
}

# proc_start_time PID: field 22 of /proc/PID/stat (after the command name,
# which may hold spaces and parentheses), empty when there is no such process.
proc_start_time() {
  local _l
  { read -r _l <"/proc/$1/stat"; } 2>/dev/null || return 0
  # shellcheck disable=SC2086 # splitting stat's fields is the point
  set -- ${_l##*) }
  shift 19 2>/dev/null && printf '%s' "$1"
}

# rm <uuid>...: ends each job's session and deletes its directories.
cmd_rm() {
  for _id in "$@"; do valid_id "$_id"; done
  ok
  for _id in "$@"; do
    job_dirs "$_id"
    $tj kill-session -t "=$s" 2>/dev/null
    # Build tools leave read-only trees (Go's module cache); make them writable first.
    rm -rf "$jd" "$wd" 2>/dev/null || { chmod -R u+w "$jd" "$wd" 2>/dev/null; rm -rf "$jd" "$wd"; }
    if [ -e "$jd" ] || [ -e "$wd" ]; then
      printf 'kept %s\n' "$id"
    else
      printf 'removed %s\n' "$id"
    fi
  done
}

# ---------------------------------------------------------------- verbs: pull, events, elapsed

# pull <uuid> <path>: a tar of <path>, taken literally (no glob), from the
# job's work dir on stdout. There is no check whose result a later copy
# trusts: every directory on the way is entered with cd -P and must still be
# inside the work dir once we are in it; our cwd is then that directory,
# whatever is swapped for a symlink afterwards. The last name is archived
# from there (a symlink as a link; tar follows none). A symlink as the last
# name is resolved once and walked again the same way.
cmd_pull() {
  local _base _rest _c _hops
  job_dirs "$1"
  [ -d "$wd" ] || die "job $id has no work dir on this worker"
  cd "$wd" 2>/dev/null || die "cannot enter the work dir of job $id"
  _base=$(pwd -P)
  _rest=$2 _hops=0
  case $_rest in
    "$_base") _rest=. ;;
    "$_base"/*) _rest=${_rest#"$_base"/} ;;
    /*) die "refused: $2 leads outside the job's work dir" ;;
  esac
  while :; do
    while :; do
      case $_rest in */) _rest=${_rest%/} ;; *) break ;; esac
    done
    case $_rest in
      */*) _c=${_rest%%/*} _rest=${_rest#*/} ;;
      *) _c=$_rest _rest='' ;;
    esac
    [ -n "$_rest" ] && { pull_enter "$_c" "$2"; continue; }
    case $_c in
      '' | . | ..) pull_enter "$_c" "$2"; _c=. ;;
    esac
    [ -e "$_c" ] || [ -L "$_c" ] || die "no such file or directory in the job's work dir: $2"
    [ -L "$_c" ] || break
    # A symlink: where it leads, relative to the work dir, walked again.
    _hops=$((_hops + 1))
    [ "$_hops" -le 8 ] || die "refused: $2: too many symbolic links"
    _rest=$(realpath "$_c" 2>/dev/null || readlink -f "$_c" 2>/dev/null) || die "cannot resolve $2"
    case $_rest in
      "$_base") _rest=. ;;
      "$_base"/*) _rest=${_rest#"$_base"/} ;;
      *) die "refused: $2 leads outside the job's work dir" ;;
    esac
    cd "$_base" || die "cannot enter the work dir of job $id"
  done
  ok
  if [ "$_c" = . ]; then
    exec tar -cf - .
  fi
  exec tar -cf - "./$_c"
}

# pull_enter NAME ORIGINAL: cd -P into NAME; refused if that is not inside
# the work dir (ORIGINAL: the path as the user gave it, for the message).
pull_enter() {
  case $1 in '' | .) return 0 ;; esac
  [ -e "$1" ] || [ -L "$1" ] || die "no such file or directory in the job's work dir: $2"
  cd -P -- "$1" 2>/dev/null || die "not a directory in the job's work dir: $2"
  case $(pwd -P) in
    "$_base" | "$_base"/*) ;;
    *) die "refused: $2 leads outside the job's work dir" ;;
  esac
}

# events <uuid>...: the client's notification stream. Prints a status line
# ("job <line>") for each job as soon as it is no longer running, at once for
# those that ended while the client was away, and "hb <epoch>" every few
# seconds: the write fails once the client is gone, which ends this loop
# (sshd does not signal a command without a pty). Ends when all are reported.
cmd_events() {
  for _id in "$@"; do valid_id "$_id"; done
  ok
  _left=" $* "
  _tick=0
  while :; do
    case $_left in *[0-9a-f]*) ;; *) return 0 ;; esac
    _report=''
    for _id in $_left; do
      if [ -f "$J/$_id/exitcode" ] || [ ! -d "$J/$_id" ]; then
        _report="$_report $_id"
      elif [ $((_tick % EVENTS_LOST_EVERY)) = 0 ]; then
        # Lost jobs (no exit code, no live pane) cost a tmux call: check less often.
        case $(status_lines "$_id") in *" running "*) ;; *) _report="$_report $_id" ;; esac
      fi
    done
    for _id in $_report; do
      printf 'job %s\n' "$(status_lines "$_id")" || exit 0
      _left=$(printf '%s' "$_left" | sed "s/ $_id / /")
    done
    if [ $((_tick % EVENTS_HEARTBEAT)) = 0 ]; then
      printf 'hb %s\n' "$(now)" || exit 0
    fi
    _tick=$((_tick + 1))
    nap "$EVENTS_TICK"
  done
}

# elapsed <uuid>: H:MM:SS for status bars of tmux < 3.2.
cmd_elapsed() {
  job_dirs "$1"
  read -r _start <"$jd/started_at" || exit 0
  _end=$(now)
  [ -f "$jd/ended_at" ] && read -r _end <"$jd/ended_at"
  _e=$((_end - _start))
  printf '%d:%02d:%02d' $((_e / 3600)) $((_e / 60 % 60)) $((_e % 60))
}

# ---------------------------------------------------------------- dispatch

main() {
  [ $# -ge 2 ] || die "usage: p-agent <version> <verb> [args...]"
  _want=$1 verb=$2
  shift 2
  if [ "$_want" != - ]; then
    # Any edit of this file (which moves its mtime) is seen and undone by
    # the client.
    version
    if [ "$_want" != "$_have" ]; then
      printf 'P-AGENT/1 STALE %s\n' "$_have"
      exit 0
    fi
  fi
  case $verb in
    check) cmd_check ;;
    prepare) [ $# -eq 2 ] || die "usage: prepare <uuid> <key>"; cmd_prepare "$@" ;;
    start) cmd_start "$@" ;;
    _run) cmd_run "$1" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    close) cmd_close "$1" ;;
    attach) cmd_attach "$@" ;;
    elapsed) cmd_elapsed "$1" ;;
    sstate) cmd_sstate "$1" ;;
    _spare)
      [ $# -eq 3 ] || die "usage: _spare <key> <state> <uuid>"
      case $1$2 in '' | *[!0-9a-f]*) die "bad mirror: $1 $2" ;; esac
      valid_id "$3"
      read_features
      spare_build "$P/mirrors/$1" "$2" "$J/$3/sources"
      ;;
    slurmcheck) cmd_slurmcheck ;;
    stop) [ $# -ge 1 ] || die "usage: stop <uuid> [grace]"; cmd_stop "$@" ;;
    signal) [ $# -eq 2 ] || die "usage: signal <uuid> <signal>"; cmd_signal "$@" ;;
    rm) cmd_rm "$@" ;;
    events) cmd_events "$@" ;;
    pull) [ $# -eq 2 ] || die "usage: pull <uuid> <path>"; cmd_pull "$@" ;;
    *) die "unknown verb: $verb (the client and agent disagree; upgrade p)" ;;
  esac
}

main "$@"
