#!/usr/bin/env bash
# Provision a Jetson (JetPack 6, Orin) as a pretag edge device, from the bundle that
# `pretag hub device add SITE DEVICE -o bundle.json` printed. Run as root from a pretag checkout
# whose models are built (`npx pretag models build`). Safe to run again: every step checks first.
#
#   sudo jetson/provision.sh --bundle bundle.json [options]
#
#   --bundle FILE          device bundle (JSON) from `pretag hub device add` (required)
#   --edge-yaml FILE       this edge.yaml instead of the bundle's starting one (replaces it)
#   --source DIR           pretag checkout to install from (default: this script's checkout)
#   --power-mode NAME|ID   nvpmodel mode, by name from /etc/nvpmodel.conf (e.g. 15W, MAXN) or id
#   --jetson-clocks on|off pin clocks at maximum, also after reboots (default: off)
#   --memory-max SIZE      systemd MemoryMax for the agent (default: 60%)
#   --cpu-quota PCT        systemd CPUQuota for the agent (default: 400%, four cores)
#   --node-tarball FILE    node-linux-<arch> tarball to use instead of downloading it
#   --npm-tarball FILE     npm tarball to use instead of downloading it
#   --no-register          do not check in with the hub
#   --no-start             install and enable, but do not (re)start the agent
#   --root DIR             install into DIR instead of / (an image or a test folder); services
#                          are enabled there but not started, and the hardware is not touched
#   --test-host            allow a machine that is not a Jetson (CI): skips the arch and JetPack
#                          checks and the hardware steps, installs this machine's Node build
#   --dry-run              print every step and change nothing
#   -h, --help             this help
#
# Exit status: 0 done, 1 error, 2 bad usage, 3 dry run that found what would stop a real run.
set -euo pipefail

PROG=provision
JETSON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$JETSON_DIR/lib/common.sh"
# shellcheck source=lib/release.sh
. "$JETSON_DIR/lib/release.sh"
# shellcheck source=lib/units.sh
. "$JETSON_DIR/lib/units.sh"

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; }

BUNDLE='' EDGE_YAML='' SOURCE=$(dirname "$JETSON_DIR") POWER_MODE='' CLOCKS=off
MEMORY_MAX=60% CPU_QUOTA=400% NODE_TGZ='' NPM_TGZ='' REGISTER=1 START=1 TEST_HOST=0
while (($#)); do
  case "$1" in
    --bundle | --edge-yaml | --source | --power-mode | --jetson-clocks | --memory-max | --cpu-quota | \
      --node-tarball | --npm-tarball | --root)
      (($# >= 2)) || { echo "$PROG: $1 needs a value (try --help)" >&2; exit 2; }
      case "$1" in
        --bundle) BUNDLE=$2 ;;
        --edge-yaml) EDGE_YAML=$2 ;;
        --source) SOURCE=$2 ;;
        --power-mode) POWER_MODE=$2 ;;
        --jetson-clocks) CLOCKS=$2 ;;
        --memory-max) MEMORY_MAX=$2 ;;
        --cpu-quota) CPU_QUOTA=$2 ;;
        --node-tarball) NODE_TGZ=$2 ;;
        --npm-tarball) NPM_TGZ=$2 ;;
        --root) ROOT=$2 ;;
      esac
      shift 2
      ;;
    --no-register) REGISTER=0; shift ;;
    --no-start) START=0; shift ;;
    --test-host) TEST_HOST=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ -n "$BUNDLE" ] || { echo "$PROG: --bundle FILE is required (the JSON from \`pretag hub device add\`; try --help)" >&2; exit 2; }
case "$CLOCKS" in on | off) ;; *) echo "$PROG: --jetson-clocks takes on or off, got '$CLOCKS'" >&2; exit 2 ;; esac
[[ "$MEMORY_MAX" =~ ^[0-9]+([KMGT]|%)?$ ]] || { echo "$PROG: --memory-max: expected e.g. 60% or 4G, got '$MEMORY_MAX'" >&2; exit 2; }
[[ "$CPU_QUOTA" =~ ^[0-9]+%$ ]] || { echo "$PROG: --cpu-quota: expected e.g. 400%, got '$CPU_QUOTA'" >&2; exit 2; }
if [ "$ROOT" != / ]; then
  [ -d "$ROOT" ] || { echo "$PROG: --root $ROOT is not a folder" >&2; exit 2; }
  ROOT=$(cd "$ROOT" && pwd)
fi
SOURCE=$(cd "$SOURCE" 2>/dev/null && pwd) || die "--source: no such folder"

CONFIG=/etc/pretag/edge.yaml
CREDENTIALS=/etc/pretag/credentials.json
ENGINE_ROOT=/var/lib/pretag/trt-engines
ENGINE_CACHE=$ENGINE_ROOT/current
SPOOL_DIR=/var/lib/pretag/spool HEALTH_HOST=127.0.0.1 HEALTH_PORT=9464

# --- 1. preflight: everything that would stop a real run, all reported at once ---------------
problems=()
check() { problems+=("$1"); }

preflight() {
  step "preflight: bundle, machine, JetPack, tools, checkout"
  if ! [ -r "$BUNDLE" ]; then
    check "bundle $BUNDLE not found or not readable: save the JSON from \`pretag hub device add SITE DEVICE -o bundle.json\`"
  elif ! grep -q '"apiToken"' "$BUNDLE" || ! grep -q '"mqtt"' "$BUNDLE"; then
    check "$BUNDLE is not a device bundle (no mqtt/apiToken keys): use the JSON \`pretag hub device add\` printed"
  else
    BUNDLE_SITE=$(sed -n 's/^  "site": "\(.*\)",$/\1/p' "$BUNDLE")
    BUNDLE_DEVICE=$(sed -n 's/^  "device": "\(.*\)",$/\1/p' "$BUNDLE")
    note "bundle: device ${BUNDLE_DEVICE:-?} at site ${BUNDLE_SITE:-?}"
  fi
  [ -z "$EDGE_YAML" ] || [ -r "$EDGE_YAML" ] || check "--edge-yaml $EDGE_YAML not found or not readable"
  if ! ((DRY_RUN)) && [ "$(id -u)" != 0 ]; then check "must run as root (sudo $0 ...)"; fi

  local machine
  machine=$(uname -m)
  if ((TEST_HOST)); then
    note "test host: arch $machine, JetPack and hardware checks skipped"
    NODE_ARCH=$(node_arch "$machine") || check "no Node build for arch $machine"
  else
    NODE_ARCH=arm64
    [ "$machine" = aarch64 ] || check "wrong architecture: this is $machine; pretag provisions Jetson Orin (aarch64) devices"
    local rel
    rel=$(r /etc/nv_tegra_release)
    if ! [ -f "$rel" ]; then
      check "not a Jetson: $rel is missing (flash JetPack 6 first, see jetson/FLASHING.md)"
    else
      local l4t
      l4t=$(sed -n '1s/^# R\([0-9]*\) (release), REVISION: \([0-9.]*\).*/\1.\2/p' "$rel")
      case "$l4t" in
        36.*) note "L4T R$l4t (JetPack 6): supported" ;;
        '') check "cannot read the L4T release from $rel" ;;
        *) check "unsupported JetPack: L4T R$l4t; pretag needs JetPack 6 (L4T R36.x), see jetson/FLASHING.md" ;;
      esac
    fi
    [ -r /proc/device-tree/model ] && note "module: $(tr -d '\0' </proc/device-tree/model)"
  fi
  local t
  for t in curl openssl tar useradd systemctl sha256sum; do
    command -v "$t" >/dev/null || check "missing tool: $t (apt-get install it)"
  done
  if [ -n "$POWER_MODE" ]; then resolve_power_mode || true; fi
  if ! (check_source "$SOURCE") 2>/dev/null; then
    check "$(check_source "$SOURCE" 2>&1 | sed 's/^provision: error: //')"
  fi
  if ((${#problems[@]})); then
    local p
    for p in "${problems[@]}"; do printf '%s: error: %s\n' "$PROG" "$p" >&2; done
    if ((DRY_RUN)); then
      note "a real run would stop here; the dry run goes on to show the remaining steps"
    else
      exit 1
    fi
  fi
}

# --power-mode by name (from nvpmodel.conf) or by number.
resolve_power_mode() {
  POWER_ID=''
  if [[ "$POWER_MODE" =~ ^[0-9]+$ ]]; then
    POWER_ID=$POWER_MODE
    return 0
  fi
  local conf
  conf=$(r /etc/nvpmodel.conf)
  if [ -f "$conf" ]; then
    POWER_ID=$(sed -n "s/^< *POWER_MODEL *ID=\([0-9]*\) *NAME=$POWER_MODE *>.*/\1/p" "$conf" | head -1)
    [ -n "$POWER_ID" ] && return 0
    check "power mode '$POWER_MODE' is not in $conf (modes: $(sed -n 's/^< *POWER_MODEL *ID=\([0-9]*\) *NAME=\([^ >]*\).*/\2=\1/p' "$conf" | tr '\n' ' '))"
  elif ((TEST_HOST)); then
    POWER_ID="?"
  else
    check "power mode '$POWER_MODE': $conf is missing; give the numeric id instead"
  fi
  return 1
}

# --- the steps ---------------------------------------------------------------------------------

create_user() {
  step "system user pretag (groups: pretag, video)"
  local root_opt=()
  on_live_system || root_opt=(--root "$ROOT")
  if [ -n "$(uid_of pretag 2>/dev/null)" ]; then
    note "exists: user pretag"
  else
    run useradd "${root_opt[@]}" --system --user-group --home-dir /var/lib/pretag --no-create-home \
      --shell /usr/sbin/nologin --comment "pretag edge agent" pretag
  fi
  if [ -z "$(gid_of video 2>/dev/null)" ]; then
    if ((DRY_RUN)); then note "group video is missing in $(r /etc/group)"; else die "no group 'video' in $(r /etc/group): is this a JetPack root file system?"; fi
  elif awk -F: '$1 == "video" { print $4 }' "$(r /etc/group)" | tr ',' '\n' | grep -qx pretag; then
    note "pretag is in group video"
  else
    run usermod "${root_opt[@]}" -a -G video pretag
  fi
}

create_dirs() {
  step "folders: config $(dirname "$CONFIG"), state /var/lib/pretag (spool, engine cache), $PREFIX"
  if ((DRY_RUN)) && [ -z "$(uid_of pretag 2>/dev/null)" ]; then
    note "would create /etc/pretag (0750 root:pretag), /var/lib/pretag, $SPOOL_DIR and $ENGINE_ROOT (0750 pretag:pretag), $PREFIX/{releases,runtimes} (0755 root:root)"
    return 0
  fi
  ensure_dir /etc/pretag 0750 root pretag
  ensure_dir /var/lib/pretag 0750 pretag pretag
  ensure_dir "$SPOOL_DIR" 0750 pretag pretag
  ensure_dir "$ENGINE_ROOT" 0750 pretag pretag
  ensure_dir "$PREFIX" 0755 root root
  ensure_dir "$PREFIX/releases" 0755 root root
  ensure_dir "$PREFIX/runtimes" 0755 root root
}

# Node of the installed release (runs the helpers; inside --root with --test-host too).
release_node() { printf '%s' "$(r "$PREFIX/runtimes/node-$NODE_VERSION")/bin/node"; }
helper() {
  local script=$1
  shift
  "$(release_node)" "$(r "$PREFIX/current")/jetson/lib/$script" "$@"
}

write_config() {
  step "device config: $CREDENTIALS (0600) and $CONFIG (0640), owned by pretag"
  if ((DRY_RUN)); then
    note "would write $CREDENTIALS from $BUNDLE (mode 0600, pretag:pretag)"
    if [ -n "$EDGE_YAML" ]; then
      note "would write $CONFIG from $EDGE_YAML (mode 0640, pretag:pretag)"
    elif [ -f "$(r "$CONFIG")" ]; then
      note "would keep $CONFIG (already there; site edits win), adding missing model.tensorrt.engine_cache"
    else
      note "would write $CONFIG from the bundle's edgeYaml plus model.tensorrt.engine_cache: $ENGINE_CACHE (mode 0640, pretag:pretag)"
    fi
    note "would validate $CONFIG with the agent's own config loader"
    return 0
  fi
  write_file "$CREDENTIALS" 0600 pretag pretag <"$BUNDLE"
  # Validate the credentials the way the agent will read them.
  helper check-in.js --validate-only "$(r "$CREDENTIALS")" >/dev/null \
    || die "$BUNDLE is not a usable credentials file (see above); use the JSON \`pretag hub device add\` printed"
  local existing=() sets=(--set "model.tensorrt.engine_cache=$ENGINE_CACHE")
  if [ -n "$EDGE_YAML" ]; then
    existing=(--existing "$EDGE_YAML")
  elif [ -f "$(r "$CONFIG")" ]; then
    existing=(--existing "$(r "$CONFIG")")
  fi
  # With onnxruntime built for TensorRT, run the int8 model quantized for it (zero point 0).
  if [ -f "$(r "$PREFIX/current")/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/libonnxruntime_providers_tensorrt.so" ]; then
    sets+=(--set "model.file=$PREFIX/current/models/build/nanodet.int8-trt.onnx")
  fi
  local rendered
  rendered=$(helper edge-yaml.js render --bundle "$BUNDLE" "${existing[@]}" "${sets[@]}") \
    || die "cannot build $CONFIG (see above)"
  printf '%s\n' "$rendered" | write_file "$CONFIG" 0640 pretag pretag
  local vars
  vars=$(helper edge-yaml.js paths "$(r "$CONFIG")") || die "$CONFIG is not valid (see above); fix it or pass --edge-yaml"
  eval "$vars"
  [ "$CREDENTIALS" = /etc/pretag/credentials.json ] \
    || warn "$CONFIG reads credentials from $CREDENTIALS, not /etc/pretag/credentials.json: copy the bundle there too"
  [ -n "$ENGINE_CACHE" ] || ENGINE_CACHE=$ENGINE_ROOT/current
  note "config valid: site $SITE, device $DEVICE, spool $SPOOL_DIR, health http://$HEALTH_HOST:$HEALTH_PORT/healthz"
  ensure_dir "$SPOOL_DIR" 0750 pretag pretag
}

build_engine() {
  step "TensorRT engine for the INT8 model (keyed by model hash and TensorRT version)"
  local model
  model="$(r "$PREFIX/current")/models/build/nanodet.int8-trt.onnx"
  # A dry run has no release yet: key the engine on the checkout's copy of the model.
  ((DRY_RUN)) && ! [ -f "$model" ] && model="$SOURCE/models/build/nanodet.int8-trt.onnx"
  local args=(ensure --if-available --model "$model" --cache "$(r "$ENGINE_ROOT")" --owner pretag)
  ((DRY_RUN)) && args+=(--dry-run)
  if ! on_live_system || ((TEST_HOST)); then
    note "skipped: trt-engine.sh ensure (not the running Jetson; pretag-trt-engine.service runs it at boot)"
    return 0
  fi
  "$JETSON_DIR/trt-engine.sh" "${args[@]}" | sed 's/^/      /'
}

set_power() {
  step "power: nvpmodel ${POWER_MODE:-(unchanged)}, jetson_clocks $CLOCKS"
  if [ -n "$POWER_MODE" ]; then
    if [ -n "${POWER_ID:-}" ] && [ "$POWER_ID" != "?" ]; then hw_nvpmodel "$POWER_ID"; else note "skipped: power mode '$POWER_MODE' unresolved"; fi
  fi
  if [ "$CLOCKS" = on ]; then hw_jetson_clocks_now; fi
}

register() {
  step "check in with the hub (MQTT login as the device; hub API /healthz when blobs go to the hub)"
  if ! ((REGISTER)); then
    note "skipped (--no-register)"
    return 0
  fi
  if ((DRY_RUN)); then
    note "would run: node $PREFIX/current/jetson/lib/check-in.js $CREDENTIALS"
    return 0
  fi
  if ! ((TEST_HOST)) && ! on_live_system; then
    note "skipped: the Node in --root is for another machine"
    return 0
  fi
  helper check-in.js "$(r "$CREDENTIALS")" || die "check-in failed: the device is installed but cannot reach or log in to the hub (see above)"
}

start_agent() {
  step "start pretag-edge.service and wait for /healthz"
  if ! ((START)); then
    note "skipped (--no-start)"
    return 0
  fi
  if ! on_live_system; then
    note "skipped: --root is not the running system (enabled; starts at its next boot)"
    return 0
  fi
  sd_restart pretag-edge.service pretag-edge-healthcheck.timer
  ((DRY_RUN)) && return 0
  local i
  for i in $(seq 1 60); do
    if curl -s -o /dev/null -m 2 "http://$HEALTH_HOST:$HEALTH_PORT/healthz"; then
      note "agent answers on http://$HEALTH_HOST:$HEALTH_PORT/healthz after ${i}s"
      return 0
    fi
    sleep 1
  done
  die "pretag-edge did not answer /healthz within 60 s: journalctl -u pretag-edge -n 50"
}

main() {
  log "provisioning into ${ROOT} from $SOURCE$( ((DRY_RUN)) && echo ' (dry run: nothing is changed)')"
  preflight
  create_user
  create_dirs
  step "Node.js $NODE_VERSION ($NODE_ARCH) and npm $NPM_VERSION from the npm registry"
  install_node "$NODE_ARCH" "$NODE_TGZ" "$NPM_TGZ"
  local id
  id=$(release_id "$SOURCE")
  step "edge release $id: sources, models, production dependencies of the edge workspace"
  stage_release "$SOURCE" "$id"
  step "activate release $id ($PREFIX/current)"
  activate_release "$id"
  write_config
  build_engine
  step "systemd units: pretag-edge (hardened), TensorRT engine, liveness timer$([ "$CLOCKS" = on ] && echo ', jetson_clocks')"
  install_units "$([ "$CLOCKS" = on ] && echo 1 || echo 0)"
  set_power
  register
  start_agent
  prune_releases 3
  if ((DRY_RUN)) && ((${#problems[@]})); then
    log "dry run done: ${#problems[@]} problem(s) above would stop a real run"
    exit 3
  fi
  log "done$( ((DRY_RUN)) && echo ' (dry run)')"
}

main
