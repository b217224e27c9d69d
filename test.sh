#!/usr/bin/env bash
# Runs every test: format check, build (warnings are errors), unit tests, the
# agent's own tests under dash/bash/busybox with shellcheck, the end-to-end
# tests against a real sshd/rsync/tmux, and a smoke test of the NativeAOT binary.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests drive for real (sshd, rsync, tmux, the shells the
# agent must run under, ...). As root, test.sh installs whatever is missing.
packages="openssh-server rsync tmux clang zlib1g-dev shellcheck busybox dash fish tcsh zsh git procps util-linux bsdutils bsdextrautils slurm-wlm munge"
missing=""
for package in $packages; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing$missing"
    apt-get update -q
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
  else
    echo "test.sh: missing Debian packages:$missing; run ./test.sh as root, or apt-get install$missing" >&2
    exit 1
  fi
fi
command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK (dotnet) is missing: see https://dot.net/download" >&2; exit 1; }

step() { printf '\n== %s\n' "$*"; }

step "format"
dotnet format p.slnx --verify-no-changes

step "build"
dotnet build p.slnx --nologo -v quiet

step "unit tests"
dotnet test tests/P.Tests --no-build --nologo

step "agent tests (dash, bash, busybox ash; shellcheck)"
tests/agent/run.sh

step "end-to-end tests (real sshd, rsync, tmux)"
# Each trust test that passed adds its row here (tests/.../TrustMatrix.cs).
matrix=$(mktemp /tmp/p-trust-matrix.XXXXXX)
P_TRUST_MATRIX=$matrix dotnet test tests/P.IntegrationTests --no-build --nologo

step "NativeAOT smoke test"
smoke=$(mktemp -d /tmp/p-smoke.XXXXXX)
trap 'HOME=$smoke TMUX_TMPDIR=$smoke tmux -L p kill-server 2>/dev/null || true; rm -rf "$smoke"' EXIT
./install.sh "$smoke/bin" >/dev/null
(
  export HOME=$smoke TMUX_TMPDIR=$smoke XDG_CONFIG_HOME=$smoke/config XDG_DATA_HOME=$smoke/data
  mkdir -p "$smoke/src" && cd "$smoke/src" && echo payload >file.txt
  "$smoke/bin/p" worker register local >/dev/null
  out=$("$smoke/bin/p" -- cat file.txt </dev/null)
  [ "$out" = payload ] || { echo "AOT smoke: unexpected output: $out" >&2; exit 1; }
  # shellcheck disable=SC2016 # $V is the job's to expand
  out=$(printf 'in\n' | "$smoke/bin/p" -n -e V=ok -- sh -c 'cat; echo "$V"; echo err >&2' 2>/dev/null)
  [ "$out" = "in
ok" ] || { echo "AOT smoke: stdin, stdout, stderr or -e went wrong: $out" >&2; exit 1; }
  set +e
  "$smoke/bin/p" -- 'exit 7' </dev/null
  [ $? -eq 7 ] || { echo "AOT smoke: exit code not propagated" >&2; exit 1; }
)
echo "AOT smoke test passed"

step "trust matrix: what was tried in this run, and what survived it"
{
  printf 'KIND\tBAD INPUT OR FAULT\tTHE JOB\tITS RECORD\tEXIT CODE\n'
  sort "$matrix"
} | column -t -s "$(printf '\t')"
printf '%s rows, each from a test that passed in this run\n' "$(wc -l <"$matrix")"
rm -f "$matrix"
