#!/usr/bin/env bash
# Runs every test: format check, build (warnings are errors), unit tests, the
# agent's own tests under dash/bash/busybox with shellcheck, the end-to-end
# tests against a real sshd/rsync/tmux, and a smoke test of the NativeAOT binary.
set -euo pipefail
cd "$(dirname "$0")"

for tool in dotnet sshd rsync tmux shellcheck busybox dash fish tcsh zsh git; do
  path=$tool
  [ "$tool" = sshd ] && path=/usr/sbin/sshd
  command -v "$path" >/dev/null || {
    echo "test.sh: $tool is missing: run .ci/run as root, or apt-get install openssh-server rsync tmux shellcheck busybox dash fish tcsh zsh git" >&2
    exit 1
  }
done

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
dotnet test tests/P.IntegrationTests --no-build --nologo

step "NativeAOT smoke test"
smoke=$(mktemp -d /tmp/p-smoke.XXXXXX)
trap 'HOME=$smoke TMUX_TMPDIR=$smoke tmux -L p kill-server 2>/dev/null || true; rm -rf "$smoke"' EXIT
./install.sh "$smoke/bin" >/dev/null
(
  export HOME=$smoke TMUX_TMPDIR=$smoke XDG_CONFIG_HOME=$smoke/config XDG_DATA_HOME=$smoke/data
  mkdir -p "$smoke/src" && cd "$smoke/src" && echo payload >file.txt
  "$smoke/bin/p" worker register local >/dev/null
  out=$("$smoke/bin/p" -- cat file.txt </dev/null)
  [ "$(printf '%s' "$out" | tr -d '\r')" = payload ] || { echo "AOT smoke: unexpected output: $out" >&2; exit 1; }
  set +e
  "$smoke/bin/p" -- 'exit 7' </dev/null
  [ $? -eq 7 ] || { echo "AOT smoke: exit code not propagated" >&2; exit 1; }
)
echo "AOT smoke test passed"
