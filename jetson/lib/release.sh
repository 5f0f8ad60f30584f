# shellcheck shell=bash
# Versioned installs of the edge agent, shared by provision.sh and update.sh:
#
#   /opt/pretag/runtimes/node-<ver>/       Node.js + npm from the npm registry (pinned in node.lock)
#   /opt/pretag/releases/<id>/             one release: sources, node_modules (edge only), models
#   /opt/pretag/releases/<id>/node         -> ../../runtimes/node-<ver>
#   /opt/pretag/current, previous          -> releases/<id>
#   /opt/pretag/ort-trt/<ort-version>/     onnxruntime-node built with TensorRT (build-ort-trt.sh)
#
# Config (/etc/pretag) and state (/var/lib/pretag: spool, engine cache) are outside the releases,
# so an upgrade or rollback never touches them.

PREFIX=/opt/pretag
JETSON_DIR=${JETSON_DIR:?JETSON_DIR must be set}
# shellcheck source=../node.lock
. "$JETSON_DIR/node.lock"

# The models a release carries: the INT8 pre-filter for ORT CPU, its TensorRT (int8, zero point 0)
# twin, and the face detector for redaction. `pretag models build` makes them.
RELEASE_MODELS=(nanodet.int8.onnx nanodet.int8-trt.onnx blazeface-back.onnx)

node_arch() {
  case "$1" in
    aarch64 | arm64) echo arm64 ;;
    x86_64 | amd64) echo x64 ;;
    *) return 1 ;;
  esac
}

# <package version>-<12 hex of the content>: the same sources give the same id on every machine.
release_id() {
  local src=$1 version hash
  version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$src/package.json" | head -1)
  hash=$(cd "$src" && release_files | while IFS= read -r f; do if [ -f "$f" ]; then echo "$f"; fi; done \
    | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -c1-12)
  printf '%s-%s' "${version:-0.0.0}" "$hash"
}

# What a release copies from a checkout (paths relative to it, one a line): the root manifest and
# lockfile, every workspace's package.json (npm ci checks them against the lockfile), the shared and
# edge sources, these scripts, and the models.
release_files() {
  local f
  for f in package.json package-lock.json .npmrc .nvmrc; do [ -f "$f" ] && echo "$f"; done
  for f in */package.json; do echo "$f"; done
  find shared edge-agent jetson -type f -not -path '*/node_modules/*'
  for f in "${RELEASE_MODELS[@]}"; do echo "models/build/$f"; done
}

check_source() {
  local src=$1 f missing=()
  if ! [ -f "$src/package.json" ] || ! [ -d "$src/edge-agent" ] || ! [ -d "$src/shared" ]; then
    die "$src is not a pretag checkout (no package.json, edge-agent/ and shared/); give --source"
  fi
  for f in "${RELEASE_MODELS[@]}"; do [ -f "$src/models/build/$f" ] || missing+=("models/build/$f"); done
  ((${#missing[@]} == 0)) \
    || die "the checkout at $src lacks ${missing[*]}: run \`npx pretag models build\` there first (on the build machine)"
}

# sha512 integrity ("sha512-<base64>") of a file, as the npm registry states it.
integrity_of() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

check_integrity() {
  [ -f "$1" ] || die "$1 not found"
  local got
  got=$(integrity_of "$1")
  [ "$got" = "$2" ] || die "$1 is not the tarball node.lock pins (sha512 $got, want $2)"
}

# fetch_tarball NAME VERSION INTEGRITY: prints the path of the verified tarball in the cache.
fetch_tarball() {
  local name=$1 version=$2 want=$3 cache file url got
  cache=$(r /var/cache/pretag)
  file="$cache/$name-$version.tgz"
  url="$REGISTRY/$name/-/$name-$version.tgz"
  if ! [ -f "$file" ]; then
    mkdir -p "$cache"
    curl -fsSL --retry 3 -o "$file.part" "$url" || die "cannot download $url (is the npm registry reachable?)"
    mv "$file.part" "$file"
  fi
  got=$(integrity_of "$file")
  if [ "$got" != "$want" ]; then
    rm -f "$file"
    die "$url: integrity mismatch (got $got, node.lock says $want)"
  fi
  printf '%s' "$file"
}

# install_node ARCH [NODE_TGZ] [NPM_TGZ]: the runtime, from given tarballs or the registry.
install_node() {
  local arch=$1 node_tgz=${2:-} npm_tgz=${3:-} dir integrity_var
  dir="$PREFIX/runtimes/node-$NODE_VERSION"
  if [ -x "$(r "$dir/bin/node")" ] && [ -f "$(r "$dir/lib/node_modules/npm/bin/npm-cli.js")" ]; then
    note "already installed: Node $NODE_VERSION ($arch) in $dir"
    return 0
  fi
  integrity_var="NODE_INTEGRITY_$arch"
  [ -n "${!integrity_var:-}" ] || die "node.lock has no Node build for $arch"
  if ((DRY_RUN)); then
    note "would download $REGISTRY/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz${node_tgz:+ (using $node_tgz instead)}"
    note "would download $REGISTRY/npm/-/npm-$NPM_VERSION.tgz${npm_tgz:+ (using $npm_tgz instead)}"
    note "would check both against node.lock's sha512 and unpack them into $dir"
    return 0
  fi
  # Given tarballs (an offline site) must be the very files node.lock pins.
  if [ -n "$node_tgz" ]; then check_integrity "$node_tgz" "${!integrity_var}"; else node_tgz=$(fetch_tarball "node-linux-$arch" "$NODE_VERSION" "${!integrity_var}"); fi
  if [ -n "$npm_tgz" ]; then check_integrity "$npm_tgz" "$NPM_INTEGRITY"; else npm_tgz=$(fetch_tarball npm "$NPM_VERSION" "$NPM_INTEGRITY"); fi
  local tmp
  tmp="$(r "$dir").tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp/lib/node_modules/npm"
  tar -xzf "$node_tgz" -C "$tmp" --strip-components=1 --no-same-owner
  tar -xzf "$npm_tgz" -C "$tmp/lib/node_modules/npm" --strip-components=1 --no-same-owner
  [ -x "$tmp/bin/node" ] || die "$node_tgz holds no bin/node"
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$tmp/bin/npm"
  rm -rf "$(r "$dir")"
  mv "$tmp" "$(r "$dir")"
  note "installed Node $NODE_VERSION ($arch) and npm $NPM_VERSION in $dir"
}

# stage_release SRC ID: copy the checkout's edge files into releases/ID and install the edge
# workspace's production dependencies there. An existing complete release is left as it is.
stage_release() {
  local src=$1 id=$2 dir tmp node
  dir="$PREFIX/releases/$id"
  if [ -f "$(r "$dir/.complete")" ]; then
    note "already installed: release $id"
    return 0
  fi
  if ((DRY_RUN)); then
    note "would copy $(cd "$src" && release_files | wc -l) files from $src into $dir"
    note "would run: npm ci -w edge-agent --omit=dev (in $dir, with Node $NODE_VERSION)"
    note "would link $dir/node -> ../../runtimes/node-$NODE_VERSION"
    return 0
  fi
  tmp="$(r "$dir").tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  (cd "$src" && release_files | tar -cf - --no-recursion -T -) | tar -xf - -C "$tmp" --no-same-owner
  ln -sfn "../../runtimes/node-$NODE_VERSION" "$tmp/node"
  node="$(r "$PREFIX/runtimes/node-$NODE_VERSION")/bin/node"
  (
    cd "$tmp"
    PATH="$(dirname "$node"):$PATH" "$node" "$(dirname "$node")/../lib/node_modules/npm/bin/npm-cli.js" \
      ci -w edge-agent --omit=dev --no-audit --no-fund --loglevel=error
  ) || die "npm ci in $dir failed (see above); nothing was switched"
  overlay_ort_trt "$tmp"
  echo "$id" >"$tmp/.complete"
  rm -rf "$(r "$dir")"
  mv "$tmp" "$(r "$dir")"
  note "installed release $id in $dir"
}

# A TensorRT-enabled onnxruntime-node built by build-ort-trt.sh replaces the npm (CPU-only on
# arm64) binaries when it was built for the same onnxruntime-node version.
overlay_ort_trt() {
  local rel=$1 version built
  version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$rel/node_modules/onnxruntime-node/package.json" 2>/dev/null | head -1)
  built="$(r "$PREFIX/ort-trt/$version")"
  if [ -n "$version" ] && [ -d "$built/bin" ]; then
    cp -a "$built/bin/." "$rel/node_modules/onnxruntime-node/bin/"
    note "onnxruntime-node $version: using the TensorRT build from $PREFIX/ort-trt/$version"
  else
    note "onnxruntime-node ${version:-?}: npm build (CPU only on arm64; jetson/build-ort-trt.sh adds TensorRT and CUDA)"
  fi
}

current_release() { basename "$(readlink "$(r "$PREFIX/current")" 2>/dev/null)" 2>/dev/null || true; }
previous_release() { basename "$(readlink "$(r "$PREFIX/previous")" 2>/dev/null)" 2>/dev/null || true; }

# activate ID: previous <- current, current <- ID.
activate_release() {
  local id=$1 cur
  cur=$(current_release)
  if [ "$cur" = "$id" ]; then
    note "release $id is already current"
    return 0
  fi
  [ -z "$cur" ] || swap_symlink "releases/$cur" "$PREFIX/previous"
  swap_symlink "releases/$id" "$PREFIX/current"
}

# Keep the current and previous releases and the newest others up to KEEP in all.
prune_releases() {
  local keep=${1:-3} cur prev n=0 d
  cur=$(current_release)
  prev=$(previous_release)
  while IFS= read -r d; do
    d=$(basename "$d")
    if [ "$d" = "$cur" ] || [ "$d" = "$prev" ]; then continue; fi
    n=$((n + 1))
    if ((n > keep - 2)); then run rm -rf "$(r "$PREFIX/releases/$d")"; fi
  done < <(ls -1dt "$(r "$PREFIX/releases")"/*/ 2>/dev/null)
}
