#!/usr/bin/env bash
# One-time set-up on a fresh machine: Debian packages the tests use, a supported Node.js from
# the npm registry, then the npm workspace (native addons built against that Node's headers).
#
#   ./setup.sh            everything (development and CI)
#   ./setup.sh --no-apt   skip Debian packages (print what is missing instead)
#
# It is idempotent: run it again after pulling.
set -euo pipefail
cd "$(dirname "$0")"

apt=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) apt=0 ;;
    -h | --help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "setup: unknown option '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

# Debian packages the tests and the demo use. ffmpeg decodes the camera streams.
debian_packages=(ffmpeg)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if ((apt)) && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# Node: the machine's may be older than pretag supports (it needs 22.12+, targets 24 LTS).
# The npm registry's `node` package carries official Node binaries and headers.
node_ok() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' 2>/dev/null
}
want="$(cat .nvmrc)"
if [ -x .tools/node_modules/.bin/node ] || ! node_ok; then
  if ! [ -x .tools/node_modules/.bin/node ] || [ "$(.tools/node_modules/.bin/node -p 'process.versions.node.split(".")[0]')" != "$want" ]; then
    echo "setup: fetching Node.js $want from the npm registry into .tools/ (machine has $(node --version 2>/dev/null || echo none))"
    npm install --prefix .tools --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node@$want" >/dev/null
  fi
  export PATH="$PWD/.tools/node_modules/.bin:$PATH"
fi
echo "setup: using Node.js $(node --version) at $(node -p process.execPath)"

# A native addon without a prebuilt binary compiles with node-gyp, which would download headers
# from outside the registry; point it at the ones beside this Node.
# The registry's node package keeps them in node_modules/node-linux-<arch> beside its binary.
# shellcheck disable=SC2016 # JavaScript in single quotes, not shell
npm_config_nodedir="$(node -p '
  const p = require("path"), fs = require("fs");
  const top = p.dirname(p.dirname(process.execPath));
  const pkg = p.join(top, "node_modules", `node-${process.platform}-${process.arch}`);
  fs.existsSync(p.join(pkg, "include/node/node.h")) ? pkg : top')"
export npm_config_nodedir
if ! [ -f "$npm_config_nodedir/include/node/node.h" ]; then
  echo "setup: no Node headers at $npm_config_nodedir/include/node; native addons cannot build" >&2
  exit 1
fi

echo "setup: installing the npm workspace (a few minutes the first time)"
npm ci --no-audit --loglevel=error
echo "setup: done. Run the tests with: npm test"
