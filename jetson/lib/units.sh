# shellcheck shell=bash
# The systemd units, rendered from jetson/systemd/*.in. Shared by provision.sh and update.sh.

UNIT_DIR=/etc/systemd/system

# Device nodes the agent may open under DevicePolicy=closed: the Orin GPU (nvgpu/nvhost), the
# memory allocator (nvmap), DLA and the hardware codecs, those present now plus the usual set,
# so a unit rendered before the driver loaded still works. V4L2 cameras: char-video4linux.
device_allow_lines() {
  local d seen=' '
  for d in /dev/nvmap /dev/nvhost-ctrl /dev/nvhost-ctrl-gpu /dev/nvhost-gpu /dev/nvhost-as-gpu \
    /dev/nvhost-prof-gpu /dev/nvhost-dbg-gpu /dev/nvhost-tsg-gpu /dev/nvhost-sched-gpu \
    /dev/nvhost-power-gpu /dev/nvhost-ctxsw-gpu /dev/nvhost-nvsched-gpu /dev/nvhost-ctrl-nvdla0 \
    /dev/nvhost-ctrl-nvdla1 /dev/nvhost-nvdla0 /dev/nvhost-nvdla1 /dev/nvhost-nvdec /dev/nvhost-msenc \
    /dev/nvsciipc; do
    seen+="$d "
  done
  if on_live_system; then
    for d in /dev/nvhost-* /dev/nvmap /dev/nvgpu/igpu0/* /dev/nvhost-ctrl-nv*; do
      [ -e "$d" ] || continue
      case "$seen" in *" $d "*) ;; *) seen+="$d " ;; esac
    done
  fi
  for d in $seen; do printf 'DeviceAllow=%s rw\n' "$d"; done
}

# render_unit TEMPLATE: the template with @KEY@ replaced (values from the caller's variables).
render_unit() {
  local template=$1 devices
  devices=$(device_allow_lines)
  awk -v prefix="$PREFIX" -v config="$CONFIG" -v spool="$SPOOL_DIR" -v cache="$(dirname "$ENGINE_CACHE")" \
    -v mem="$MEMORY_MAX" -v cpu="$CPU_QUOTA" -v hhost="$HEALTH_HOST" -v hport="$HEALTH_PORT" \
    -v devices="$devices" '
    /^@DEVICE_ALLOW@$/ { print devices; next }
    {
      gsub(/@PREFIX@/, prefix); gsub(/@CONFIG@/, config); gsub(/@SPOOL_DIR@/, spool)
      gsub(/@ENGINE_ROOT@/, cache); gsub(/@MEMORY_MAX@/, mem); gsub(/@CPU_QUOTA@/, cpu)
      gsub(/@HEALTH_HOST@/, hhost); gsub(/@HEALTH_PORT@/, hport)
      print
    }' "$template"
}

# install_units CLOCKS(0|1): write, reload, enable. The agent itself is enabled; starting it is
# the caller's job (live system only).
install_units() {
  local clocks=$1 u
  local units=(pretag-edge.service pretag-trt-engine.service pretag-edge-healthcheck.service pretag-edge-healthcheck.timer)
  ((clocks)) && units+=(pretag-jetson-clocks.service)
  for u in "${units[@]}"; do
    render_unit "$JETSON_DIR/systemd/$u.in" | write_file "$UNIT_DIR/$u" 0644 root root
  done
  if ! ((clocks)) && [ -f "$(r "$UNIT_DIR/pretag-jetson-clocks.service")" ]; then
    sd_disable pretag-jetson-clocks.service
    run rm -f "$(r "$UNIT_DIR/pretag-jetson-clocks.service")"
  fi
  sd_daemon_reload
  local enable=(pretag-edge.service pretag-trt-engine.service pretag-edge-healthcheck.timer)
  ((clocks)) && enable+=(pretag-jetson-clocks.service)
  sd_enable "${enable[@]}"
}
