# shellcheck shell=bash
# Shared by the jetson/ scripts: messages, dry-run aware actions, and the small wrappers around
# Jetson-only tools (nvpmodel, jetson_clocks, systemctl, trtexec). Every action that changes the
# machine goes through one of these functions, so `--dry-run` prints it instead of doing it.
#
# Callers set: PROG (name in messages), DRY_RUN (0|1), ROOT (install root, "/" on a device).

PROG=${PROG:-pretag}
DRY_RUN=${DRY_RUN:-0}
ROOT=${ROOT:-/}
STEP_NO=0

log() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

# One numbered line per step, the same in dry runs and real runs.
step() {
  STEP_NO=$((STEP_NO + 1))
  if ((DRY_RUN)); then
    printf '[%02d] %s (dry run)\n' "$STEP_NO" "$*"
  else
    printf '[%02d] %s\n' "$STEP_NO" "$*"
  fi
}

# A path inside the install root: r /etc/pretag -> $ROOT/etc/pretag.
r() {
  if [ "$ROOT" = / ]; then printf '%s' "$1"; else printf '%s%s' "${ROOT%/}" "$1"; fi
}

# Run a command, or print it in a dry run.
run() {
  if ((DRY_RUN)); then
    printf '      would run: %s\n' "$*"
  else
    "$@"
  fi
}

# Something that is deliberately not done (wrong machine, already done): say so.
note() { printf '      %s\n' "$*"; }

# write_file DEST MODE OWNER GROUP: content from stdin, replaced atomically, only if it differs.
# OWNER/GROUP are names resolved inside the install root.
write_file() {
  local dest=$1 mode=$2 owner=$3 group=$4 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if ((DRY_RUN)); then
    if [ -f "$(r "$dest")" ] && cmp -s "$tmp" "$(r "$dest")"; then
      note "unchanged: $dest"
    else
      note "would write $dest ($(wc -c <"$tmp") bytes, mode $mode, $owner:$group)"
    fi
    rm -f "$tmp"
    return 0
  fi
  local target
  target=$(r "$dest")
  mkdir -p "$(dirname "$target")"
  if [ -f "$target" ] && cmp -s "$tmp" "$target"; then
    rm -f "$tmp"
    note "unchanged: $dest"
  else
    install -m "$mode" "$tmp" "$target.new"
    rm -f "$tmp"
    mv -f "$target.new" "$target"
    note "wrote $dest"
  fi
  set_owner "$dest" "$mode" "$owner" "$group"
}

# ensure_dir PATH MODE OWNER GROUP
ensure_dir() {
  local dir=$1 mode=$2 owner=$3 group=$4
  if ((DRY_RUN)); then
    if [ -d "$(r "$dir")" ]; then note "exists: $dir"; else note "would create $dir (mode $mode, $owner:$group)"; fi
    return 0
  fi
  mkdir -p "$(r "$dir")"
  set_owner "$dir" "$mode" "$owner" "$group"
}

# Owners are looked up in the install root's own passwd/group files, so a root prepared for
# another machine gets that machine's ids.
uid_of() { awk -F: -v n="$1" '$1 == n { print $3; exit }' "$(r /etc/passwd)"; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $3; exit }' "$(r /etc/group)"; }

set_owner() {
  local path=$1 mode=$2 owner=$3 group=$4 uid gid
  uid=$(uid_of "$owner")
  gid=$(gid_of "$group")
  [ -n "$uid" ] || die "no user '$owner' in $(r /etc/passwd)"
  [ -n "$gid" ] || die "no group '$group' in $(r /etc/group)"
  chown "$uid:$gid" "$(r "$path")"
  chmod "$mode" "$(r "$path")"
}

# Point LINK at TARGET (relative to LINK's folder) in one rename, so readers never see no link.
swap_symlink() {
  local target=$1 link=$2
  if ((DRY_RUN)); then
    note "would point $link -> $target"
    return 0
  fi
  ln -sfn "$target" "$(r "$link").new"
  mv -Tf "$(r "$link").new" "$(r "$link")"
  note "$link -> $target"
}

# True when the install root is the running system (so services and hardware can be touched).
on_live_system() { [ "$ROOT" = / ]; }

# --- Jetson hardware and service manager: only on the live system --------------------------

# systemctl against the root: enabling works offline (--root), starting needs the live system.
sd_enable() {
  if on_live_system; then run systemctl enable "$@"; else run systemctl --root="$ROOT" enable "$@"; fi
}
sd_disable() {
  if on_live_system; then run systemctl disable "$@"; else run systemctl --root="$ROOT" disable "$@"; fi
}
sd_daemon_reload() {
  if on_live_system; then run systemctl daemon-reload; else note "skipped: systemctl daemon-reload (--root is not the running system)"; fi
}
sd_restart() {
  if on_live_system; then run systemctl restart "$@"; else note "skipped: systemctl restart $* (--root is not the running system)"; fi
}

# nvpmodel -m ID: the power mode persists across reboots. Some changes (to or from MAXN on
# some modules) want a reboot; nvpmodel asks, and we answer no and say so.
hw_nvpmodel() {
  local id=$1
  if ! on_live_system || ((${TEST_HOST:-0})); then
    note "skipped: nvpmodel -m $id (not the running Jetson)"
    return 0
  fi
  if ((DRY_RUN)); then
    note "would run: nvpmodel -m $id"
    return 0
  fi
  command -v nvpmodel >/dev/null || die "nvpmodel not found: is this a Jetson with JetPack 6 (nvidia-l4t-tools)?"
  local out
  out=$(echo NO | nvpmodel -m "$id" 2>&1) || die "nvpmodel -m $id failed: $out"
  if grep -qi reboot <<<"$out"; then warn "power mode $id takes effect after a reboot"; fi
  note "power mode now: $(nvpmodel -q 2>/dev/null | head -1)"
}

# jetson_clocks does not persist: provisioning installs a oneshot unit that runs it at boot.
hw_jetson_clocks_now() {
  if ! on_live_system || ((${TEST_HOST:-0})); then
    note "skipped: jetson_clocks (not the running Jetson)"
    return 0
  fi
  run jetson_clocks
}
