#!/usr/bin/env bash
# Installs p: publishes the client with NativeAOT for this machine and copies
# the binary to BIN_DIR (default ~/.local/bin).
set -euo pipefail
cd "$(dirname "$0")"

bin_dir=${1:-$HOME/.local/bin}

missing() {
  echo "install.sh: $1 is missing: install it with \`$2\` and run ./install.sh again." >&2
  exit 1
}
command -v dotnet >/dev/null || missing "the .NET 10 SDK (dotnet)" "see https://dot.net/download"
# NativeAOT links with clang and zlib; as root on Debian, fetch them.
if { ! command -v clang >/dev/null || [ ! -e /usr/include/zlib.h ]; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang zlib1g-dev
fi
command -v clang >/dev/null || missing "clang (NativeAOT links with it)" "apt-get install clang"
[ -e /usr/include/zlib.h ] || missing "zlib's headers (NativeAOT links with zlib)" "apt-get install zlib1g-dev"

case $(uname -m) in
  x86_64 | amd64) rid=linux-x64 ;;
  aarch64 | arm64) rid=linux-arm64 ;;
  *) echo "install.sh: no NativeAOT build for $(uname -m); run it with \`dotnet run --project src/P --\`." >&2; exit 1 ;;
esac

out=artifacts/publish/$rid
dotnet publish src/P/P.csproj -c Release -r "$rid" -o "$out" --nologo -v quiet
mkdir -p "$bin_dir"
install -m 0755 "$out/p" "$bin_dir/p"
echo "installed $bin_dir/p"
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "note: $bin_dir is not on your PATH; add it, e.g. export PATH=\"$bin_dir:\$PATH\"" ;;
esac
