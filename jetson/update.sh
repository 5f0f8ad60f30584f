#!/usr/bin/env bash
# Upgrade or roll back the edge agent on a provisioned Jetson. Releases sit side by side in
# /opt/pretag/releases/<id>; /opt/pretag/current and /opt/pretag/previous point at two of them.
# The config (/etc/pretag) and the state (/var/lib/pretag: spool, engine cache) are never touched,
# so frames spooled before an upgrade or a rollback are uploaded after it.
#
#   sudo jetson/update.sh upgrade [--source DIR]   install the checkout as a new release, switch,
#                                                  restart; rolls back by itself if /healthz does
#                                                  not answer within --health-timeout seconds
#   sudo jetson/update.sh rollback                 switch back to the previous release, restart
#   jetson/update.sh status                        current, previous and installed releases
#
#   --source DIR          pretag checkout with built models (default: this script's checkout)
#   --root DIR            act on an install root instead of / (no restarts there)
#   --no-restart          switch without restarting the agent
#   --health-timeout S    seconds to wait for /healthz after a restart (default: 90)
#   --node-tarball FILE, --npm-tarball FILE   offline Node/npm (must match node.lock)
#   --dry-run             print every step and change nothing
set -euo pipefail

PROG=update
JETSON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$JETSON_DIR/lib/common.sh"
# shellcheck source=lib/release.sh
. "$JETSON_DIR/lib/release.sh"
# shellcheck source=lib/units.sh
. "$JETSON_DIR/lib/units.sh"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
case "$cmd" in
  upgrade | rollback | status) shift ;;
  -h | --help) usage; exit 0 ;;
  *) echo "$PROG: expected upgrade, rollback or status (try --help)" >&2; exit 2 ;;
esac
SOURCE=$(dirname "$JETSON_DIR") RESTART=1 HEALTH_TIMEOUT=90 NODE_TGZ='' NPM_TGZ=''
while (($#)); do
  case "$1" in
    --source | --root | --health-timeout | --node-tarball | --npm-tarball)
      (($# >= 2)) || { echo "$PROG: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --source) SOURCE=$2 ;;
        --root) ROOT=$2 ;;
        --health-timeout) HEALTH_TIMEOUT=$2 ;;
        --node-tarball) NODE_TGZ=$2 ;;
        --npm-tarball) NPM_TGZ=$2 ;;
      esac
      shift 2
      ;;
    --no-restart) RESTART=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$HEALTH_TIMEOUT" =~ ^[0-9]+$ ]] || { echo "$PROG: --health-timeout wants whole seconds" >&2; exit 2; }
if [ "$ROOT" != / ]; then
  [ -d "$ROOT" ] || { echo "$PROG: --root $ROOT is not a folder" >&2; exit 2; }
  ROOT=$(cd "$ROOT" && pwd)
fi

CONFIG=/etc/pretag/edge.yaml
[ -L "$(r "$PREFIX/current")" ] || die "no release installed in $(r "$PREFIX") (no current link): provision the device first with jetson/provision.sh"

status() {
  local cur prev d
  cur=$(current_release)
  prev=$(previous_release)
  echo "current:  ${cur:-none}"
  echo "previous: ${prev:-none}"
  echo "installed:"
  for d in "$(r "$PREFIX/releases")"/*/; do
    d=$(basename "$d")
    printf '  %s%s\n' "$d" "$([ "$d" = "$cur" ] && echo ' (current)')$([ "$d" = "$prev" ] && echo ' (previous)')"
  done
}

# Health address from the live config (the agent's own loader, run by the current release).
health_url() {
  local node vars
  node="$(r "$PREFIX/current")/node/bin/node"
  vars=$("$node" "$(r "$PREFIX/current")/jetson/lib/edge-yaml.js" paths "$(r "$CONFIG")") || return 1
  eval "$vars"
  printf 'http://%s:%s/healthz' "$HEALTH_HOST" "$HEALTH_PORT"
}

restart_and_check() {
  step "restart pretag-edge.service and wait for /healthz (up to ${HEALTH_TIMEOUT}s)"
  if ! ((RESTART)); then
    note "skipped (--no-restart): the new release runs from the next start"
    return 0
  fi
  if ! on_live_system; then
    note "skipped: --root is not the running system"
    return 0
  fi
  sd_restart pretag-edge.service
  ((DRY_RUN)) && return 0
  local url i
  url=$(health_url) || return 1
  for ((i = 1; i <= HEALTH_TIMEOUT; i++)); do
    if curl -s -o /dev/null -m 2 "$url"; then
      note "agent answers on $url after ${i}s"
      return 0
    fi
    sleep 1
  done
  warn "the agent did not answer $url within ${HEALTH_TIMEOUT}s"
  return 1
}

# Units may change between releases: render them again with the values in force.
refresh_units() {
  step "systemd units from the new release's templates"
  local vars unit
  if ((DRY_RUN)); then
    note "would render the units from the new release and write those that changed"
    return 0
  fi
  vars=$("$(r "$PREFIX/current")/node/bin/node" "$(r "$PREFIX/current")/jetson/lib/edge-yaml.js" paths "$(r "$CONFIG")") \
    || die "$CONFIG is not valid for the new release (see above); roll back with: $0 rollback"
  eval "$vars"
  [ -n "$ENGINE_CACHE" ] || ENGINE_CACHE=/var/lib/pretag/trt-engines/current
  unit=$(r "$UNIT_DIR/pretag-edge.service")
  MEMORY_MAX=$(sed -n 's/^MemoryMax=//p' "$unit" 2>/dev/null | head -1)
  CPU_QUOTA=$(sed -n 's/^CPUQuota=//p' "$unit" 2>/dev/null | head -1)
  MEMORY_MAX=${MEMORY_MAX:-60%} CPU_QUOTA=${CPU_QUOTA:-400%}
  # Render with the new release's templates.
  JETSON_DIR="$(r "$PREFIX/current")/jetson"
  install_units "$([ -f "$(r "$UNIT_DIR/pretag-jetson-clocks.service")" ] && echo 1 || echo 0)"
}

upgrade() {
  SOURCE=$(cd "$SOURCE" 2>/dev/null && pwd) || die "--source: no such folder"
  log "upgrading $(r "$PREFIX") from $SOURCE$( ((DRY_RUN)) && echo ' (dry run: nothing is changed)')"
  step "check the checkout"
  check_source "$SOURCE"
  local arch id from
  arch=$(node_arch "$(uname -m)") || die "no Node build for $(uname -m)"
  id=$(release_id "$SOURCE")
  from=$(current_release)
  note "current release $from, new release $id"
  if [ "$id" = "$from" ]; then
    log "release $id is already current: nothing to do"
    return 0
  fi
  step "Node.js $NODE_VERSION ($arch)"
  install_node "$arch" "$NODE_TGZ" "$NPM_TGZ"
  step "edge release $id (config and spool untouched)"
  stage_release "$SOURCE" "$id"
  step "switch $PREFIX/current to $id (previous: $from)"
  activate_release "$id"
  refresh_units
  if ! restart_and_check; then
    step "automatic rollback to $from"
    rollback_to "$from"
    restart_and_check || die "the previous release $from does not answer either: journalctl -u pretag-edge -n 100"
    die "upgrade to $id failed its health check; rolled back to $from (release $id stays installed for inspection)"
  fi
  step "prune old releases (keep current, previous and one more)"
  prune_releases 3
  log "upgraded to $id$( ((DRY_RUN)) && echo ' (dry run)')"
}

rollback_to() {
  local to=$1 cur
  cur=$(current_release)
  [ -d "$(r "$PREFIX/releases/$to")" ] || die "release $to is not installed"
  swap_symlink "releases/$to" "$PREFIX/current"
  swap_symlink "releases/$cur" "$PREFIX/previous"
}

rollback() {
  local prev cur
  prev=$(previous_release)
  cur=$(current_release)
  [ -n "$prev" ] || die "no previous release to roll back to (only $cur is installed)"
  log "rolling back $(r "$PREFIX") from $cur to $prev$( ((DRY_RUN)) && echo ' (dry run: nothing is changed)')"
  step "switch $PREFIX/current to $prev (previous: $cur)"
  rollback_to "$prev"
  restart_and_check || die "release $prev does not answer /healthz: journalctl -u pretag-edge -n 100"
  log "rolled back to $prev$( ((DRY_RUN)) && echo ' (dry run)')"
}

if ! ((DRY_RUN)) && [ "$cmd" != status ] && [ "$(id -u)" != 0 ]; then die "must run as root (sudo $0 $cmd ...)"; fi
"$cmd"
