# bash completion for p (push jobs to a worker).
#
# Load it into the current shell:   source <(p completion bash)
# or install it for every shell:    p completion bash > ~/.local/share/bash-completion/completions/p
#
# Worker names and job ids come from `p __complete`, which reads only the
# local config and job store: no ssh, so a TAB never waits on the network.

# Adds the words that start with the current word to COMPREPLY.
_p_add() {
  local word
  for word in "$@"; do
    if [[ $word == "$cur"* ]]; then
      COMPREPLY+=("$word")
    fi
  done
}

# Adds the matching words that `p __complete "$@"` prints, in its order.
_p_add_from() {
  local word
  while IFS= read -r word; do
    if [[ -n $word && $word == "$cur"* ]]; then
      COMPREPLY+=("$word")
    fi
  done < <("$_p_bin" __complete "$@" 2>/dev/null)
}

# Job ids are listed newest first; bash would sort them otherwise.
_p_add_jobs() {
  compopt -o nosort 2>/dev/null
  _p_add_from jobs "$@"
}

# Leaves COMPREPLY empty and lets readline complete file names.
_p_files() {
  compopt -o default 2>/dev/null
}

# Names of this shell's exported variables, for `-e NAME`.
_p_add_env() {
  local word
  while IFS= read -r word; do
    COMPREPLY+=("$word")
  done < <(compgen -e -- "$cur")
}

# The words after `--` are the job's command line: complete them as one,
# through bash-completion when it is loaded.
_p_command() {
  local offset=$1
  if declare -F _comp_command_offset >/dev/null; then
    _comp_command_offset "$offset"
  elif declare -F _command_offset >/dev/null; then
    _command_offset "$offset"
  elif (( COMP_CWORD == offset )); then
    local word
    while IFS= read -r word; do
      COMPREPLY+=("$word")
    done < <(compgen -c -- "$cur")
  else
    _p_files
  fi
}

# How many operands (words that are not options, nor values of the options
# named in "$@") lie between index $first and the word being completed.
_p_operands() {
  local first=$1 i count=0 skip=0 word
  shift
  for (( i = first; i < COMP_CWORD; i++ )); do
    word=${COMP_WORDS[i]}
    if (( skip )); then
      skip=0
    elif [[ $word == -* ]]; then
      local takes
      for takes in "$@"; do
        [[ $word == "$takes" ]] && skip=1
      done
    else
      (( count++ ))
    fi
  done
  echo "$count"
}

_p() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=''
  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # The p being completed, so `./p` or `~/bin/p` asks itself, not the one on PATH.
  local _p_bin=${COMP_WORDS[0]}
  [[ $_p_bin == \~/* ]] && _p_bin=$HOME/${_p_bin#\~/}
  COMPREPLY=()

  # Options before the first operand belong to the run form: p [-n] [-d] [worker] -- cmd.
  local i word verb='' at=0 run_options=0 skip=0
  for (( i = 1; i < COMP_CWORD; i++ )); do
    word=${COMP_WORDS[i]}
    if [[ $word == -- ]]; then
      _p_command $(( i + 1 ))
      return 0
    fi
    if (( skip )); then
      skip=0
    elif [[ -z $verb ]]; then
      if [[ $word == -* ]]; then
        run_options=1
        [[ $word == -e || $word == --env || $word == --env-file || $word == --srun-args ]] && skip=1
      else
        verb=$word
        at=$i
      fi
    fi
  done

  if [[ -z $verb ]]; then
    case $prev in
      -e | --env) _p_add_env; return 0 ;;
      --env-file) _p_files; return 0 ;;
    esac
    if [[ $cur == -* ]]; then
      _p_add -n --no-sync -d --detach -t --tty -T --no-tty -e --env --env-file --incremental --no-incremental --srun-args --help --
    else
      # `p -n ls` means nothing: after a run option only a worker fits.
      (( run_options )) || _p_add ls attach logs stop pull rm wait worker completion
      _p_add_from workers
    fi
    return 0
  fi

  case $verb in
    ls)
      case $prev in
        -w | --worker) _p_add_from workers ;;
        *) [[ $cur == -* ]] && _p_add -w --worker --running --refresh --json --help ;;
      esac
      ;;
    attach | stop)
      if [[ $cur == -* ]]; then
        _p_add --help
      elif (( $(_p_operands $(( at + 1 ))) == 0 )); then
        _p_add_jobs --running
      fi
      ;;
    wait)
      case $prev in
        --timeout) ;;
        *)
          if [[ $cur == -* ]]; then
            _p_add --timeout --help
          else
            _p_add_jobs --running
          fi
          ;;
      esac
      ;;
    logs)
      if [[ $cur == -* ]]; then
        _p_add -f --follow --help
      elif (( $(_p_operands $(( at + 1 ))) == 0 )); then
        _p_add_jobs
      fi
      ;;
    pull)
      if [[ $cur == -* ]]; then
        _p_add --help
      else
        # p pull <id> <path in the job's work dir> [<local dest>]
        case $(_p_operands $(( at + 1 ))) in
          0) _p_add_jobs ;;
          2) _p_files ;;
        esac
      fi
      ;;
    rm)
      if [[ $cur == -* ]]; then
        _p_add -f --force --done --all -y --yes --help
      else
        _p_add_jobs
      fi
      ;;
    worker)
      local sub='' sub_at=0
      for (( i = at + 1; i < COMP_CWORD; i++ )); do
        if [[ ${COMP_WORDS[i]} != -* ]]; then
          sub=${COMP_WORDS[i]}
          sub_at=$i
          break
        fi
      done
      if [[ -z $sub ]]; then
        if [[ $cur == -* ]]; then
          _p_add --help
        else
          _p_add register ls rm default
        fi
        return 0
      fi
      case $sub in
        register)
          case $prev in
            -n | --name | --srun-args) ;;
            *) [[ $cur == -* ]] && _p_add -n --name --slurm --srun-args --help ;;
          esac
          ;;
        ls)
          case $prev in
            --timeout) ;;
            *) [[ $cur == -* ]] && _p_add -c --check --timeout --help ;;
          esac
          ;;
        rm | default)
          if [[ $cur == -* ]]; then
            _p_add --help
          elif (( $(_p_operands $(( sub_at + 1 ))) == 0 )); then
            _p_add_from workers
          fi
          ;;
      esac
      ;;
    completion)
      if [[ $cur == -* ]]; then
        _p_add --help
      elif (( $(_p_operands $(( at + 1 ))) == 0 )); then
        _p_add bash zsh
      fi
      ;;
    __complete) ;;
    *)
      # p <worker> [-n] [-d] [-t|-T] [-e ...] -- <command...>
      case $prev in
        -e | --env) _p_add_env; return 0 ;;
        --env-file) _p_files; return 0 ;;
      esac
      if [[ $cur == -* ]]; then
        _p_add -n --no-sync -d --detach -t --tty -T --no-tty -e --env --env-file --incremental --no-incremental --srun-args --
      else
        _p_add --
      fi
      ;;
  esac
  return 0
}

complete -F _p p
