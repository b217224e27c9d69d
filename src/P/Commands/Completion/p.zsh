#compdef p
# zsh completion for p (push jobs to a worker).
#
# Load it into the current shell (after compinit):  source <(p completion zsh)
# or save it as _p in a directory of $fpath:        p completion zsh > ~/.zfunc/_p
#
# Worker names and job ids come from `p __complete`, which reads only the
# local config and job store: no ssh, so a TAB never waits on the network.

# Registered worker names.
_p_workers() {
  local -a names expl
  names=(${(f)"$(_call_program workers $_p_cmd __complete workers 2\>/dev/null)"})
  _wanted workers expl 'worker' compadd -a names
}

# Job ids with status, worker and command, newest first (hence -V: unsorted);
# with --running, only the jobs that may still run. _arguments appends its own
# compadd options to an action's words, so only the first word is ours.
_p_jobs() {
  local -a ids filter
  [[ $1 == --running ]] && filter=(--running)
  ids=(${(f)"$(_call_program jobs $_p_cmd __complete jobs --describe $filter 2\>/dev/null)"})
  _describe -V -t jobs 'job' ids
}

_p_worker() {
  local curcontext=$curcontext state state_descr line ret=1
  typeset -A opt_args
  _arguments -C \
    '(- *)--help[show help]' \
    '1: :->verb' \
    '*:: :->args' && ret=0
  case $state in
    verb)
      local -a verbs
      verbs=(
        'register:register a worker (the first one becomes the default)'
        'ls:list registered workers'
        'rm:unregister a worker'
        'default:set the default worker'
      )
      _describe -t commands 'worker command' verbs && ret=0
      ;;
    args)
      curcontext=${curcontext%:*:*}:p-worker-$words[1]:
      case $words[1] in
        register)
          _arguments \
            '(-n --name)'{-n+,--name=}'[name of the worker]:name: ' \
            '--slurm[a Slurm submit host: jobs run through srun]' \
            '--srun-args=[default srun arguments of its jobs]:arguments: ' \
            '(- *)--help[show help]' \
            '1:connection (user@host, user@host\:port, ssh alias or local): ' && ret=0
          ;;
        ls)
          _arguments \
            '(-c --check)'{-c,--check}'[also probe each worker over ssh]' \
            '--timeout=[seconds a probe may take (default 5)]:seconds: ' \
            '(- *)--help[show help]' && ret=0
          ;;
        rm|default)
          _arguments \
            '(- *)--help[show help]' \
            '1:worker:_p_workers' && ret=0
          ;;
      esac
      ;;
  esac
  return ret
}

_p() {
  # The p being completed, so `./p` or `~/bin/p` asks itself, not the one on PATH.
  local _p_cmd=$words[1]
  local word verb ret=1
  integer i at=0 run_options=0 skip=0
  # The run form's options: p [-n] [-d] [-t|-T] [-e ...] [worker] -- cmd.
  local -a run_opts
  run_opts=(
    '-n:do not sync the current directory'
    '--no-sync:do not sync the current directory'
    '-d:start the job without attaching'
    '--detach:start the job without attaching'
    '-t:give the job a terminal, even from a script'
    '--tty:give the job a terminal, even from a script'
    '-T:give the job no terminal: stream its stdio'
    '--no-tty:give the job no terminal: stream its stdio'
    '-e:set NAME=VALUE for the job'
    '--env:set NAME=VALUE for the job'
    '--env-file:read NAME=VALUE lines for the job from a file'
    '--incremental:start from the previous job'"'"'s work dir, build outputs included'
    '--no-incremental:start from a clean copy of the directory'
    '--srun-args:srun arguments for this job on a Slurm worker'
  )

  # Options before the first operand belong to the run form: p [-n] [-d] [worker] -- cmd.
  for (( i = 2; i < CURRENT; i++ )); do
    word=$words[i]
    if [[ $word == -- ]]; then
      # What follows is the job's command line: complete it as one.
      words=("${(@)words[i+1,-1]}")
      (( CURRENT -= i ))
      _normal
      return
    fi
    if (( skip )); then
      skip=0
    elif [[ -z $verb ]]; then
      if [[ $word == -* ]]; then
        run_options=1
        [[ $word == (-e|--env|--env-file|--srun-args) ]] && skip=1
      else
        verb=$word
        (( at = i ))
      fi
    fi
  done

  case $words[CURRENT-1] in
    (-e|--env) _parameters -g '*export*' && ret=0; return ret ;;
    (--env-file) _files && ret=0; return ret ;;
  esac
  if [[ -z $verb ]]; then
    if [[ $PREFIX == -* ]]; then
      local -a opts
      opts=(
        '--:run on the default worker: p -- <command>'
        $run_opts
        '--help:show help'
      )
      _describe -t options 'option' opts && ret=0
    else
      # `p -n ls` means nothing: after a run option only a worker fits.
      if (( ! run_options )); then
        local -a verbs
        verbs=(
          'ls:list jobs'
          'attach:re-attach to a running job'
          'logs:print the output of a job'
          'stop:kill a running job'
          'pull:copy a file or directory back from a job'
          'rm:remove a job and its remote work dir'
          'wait:block until jobs end, exit with their code'
          'worker:manage workers'
          'completion:print a shell completion script'
        )
        _describe -t commands 'p command' verbs && ret=0
      fi
      _p_workers && ret=0
    fi
    return ret
  fi

  # From here on the verb is words[1], as _arguments expects.
  words=("${(@)words[at,-1]}")
  (( CURRENT -= at - 1 ))
  local curcontext=${curcontext%:*:*}:p-$verb:
  local -a help
  help=('(- *)--help[show help]')
  case $verb in
    ls)
      _arguments $help \
        '(-w --worker)'{-w+,--worker=}'[only jobs on this worker]:worker:_p_workers' \
        '--running[only running jobs]' \
        '--refresh[first ask the workers about jobs not known to be finished]' \
        '--json[print a JSON array]' && ret=0
      ;;
    attach|stop)
      _arguments $help '1:job:_p_jobs --running' && ret=0
      ;;
    wait)
      _arguments $help \
        '--timeout=[give up after this many seconds]:seconds: ' \
        '*:job:_p_jobs --running' && ret=0
      ;;
    logs)
      _arguments $help \
        '(-f --follow)'{-f,--follow}'[follow a running job until it ends]' \
        '1:job:_p_jobs' && ret=0
      ;;
    pull)
      _arguments $help \
        '1:job:_p_jobs' \
        '2:path in the job'"'"'s work dir: ' \
        '3:destination:_files' && ret=0
      ;;
    rm)
      _arguments $help \
        '(-f --force)'{-f,--force}'[stop running jobs first instead of refusing]' \
        '--done[remove every finished job]' \
        '--all[remove every job]' \
        '(-y --yes)'{-y,--yes}'[do not ask for confirmation]' \
        '*:job:_p_jobs' && ret=0
      ;;
    worker)
      _p_worker && ret=0
      ;;
    completion)
      _arguments $help '1:shell:(bash zsh)' && ret=0
      ;;
    __complete)
      ;;
    *)
      # p <worker> [-n] [-d] -- <command...>
      if [[ $PREFIX == -* ]]; then
        local -a opts
        opts=(
          '--:then the command to run'
          $run_opts
        )
        _describe -t options 'option' opts && ret=0
      else
        compadd -- -- && ret=0
      fi
      ;;
  esac
  return ret
}

# Autoloaded from $fpath, this file is the body of _p: define, then run it.
# Sourced, it registers the function instead.
if [[ $funcstack[1] == _p ]]; then
  _p "$@"
else
  compdef _p p
fi
