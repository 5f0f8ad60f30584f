#!/usr/bin/env bash
# The TensorRT INT8 engine for the edge model, built with trtexec from the QDQ ONNX
# (models/build/nanodet.int8-trt.onnx: int8, symmetric, explicit quantization, so no calibration).
#
# The cache is keyed: CACHE/<sha256 of the model, 16 hex>-trt<TensorRT version>/ holds the engine,
# trtexec's log and key.txt; CACHE/current points at the folder for the model and TensorRT in use.
# edge.yaml's model.tensorrt.engine_cache is CACHE/current, so ONNX Runtime's own cached engines
# live in the same keyed folder and are dropped with it when the model or TensorRT changes
# (ONNX Runtime does not notice either change by itself).
#
#   trt-engine.sh ensure --model FILE --cache DIR [--owner USER] [--if-available] [--dry-run]
#   trt-engine.sh key    --model FILE [--trt-version V]      print the cache key
#   trt-engine.sh status --model FILE --cache DIR [--trt-version V]
#
#   --if-available   without TensorRT (no trtexec), say so and exit 0: the agent falls back to
#                    CUDA, then CPU
#   --trt-version V  the TensorRT version, when it cannot be read from dpkg (containers)
#   --trtexec PATH   default: trtexec on PATH, else /usr/src/tensorrt/bin/trtexec (JetPack)
set -euo pipefail

PROG=trt-engine
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
[ -n "$cmd" ] || { usage >&2; exit 2; }
shift
model='' cache='' owner='' if_available=0 trt_version='' trtexec=''
while (($#)); do
  case "$1" in
    --model | --cache | --owner | --trt-version | --trtexec)
      (($# >= 2)) || { echo "$PROG: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --model) model=$2 ;;
        --cache) cache=$2 ;;
        --owner) owner=$2 ;;
        --trt-version) trt_version=$2 ;;
        --trtexec) trtexec=$2 ;;
      esac
      shift 2
      ;;
    --if-available) if_available=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown option '$1'" >&2; exit 2 ;;
  esac
done
case "$cmd" in ensure | key | status) ;; -h | --help) usage; exit 0 ;; *) echo "$PROG: unknown command '$cmd' (ensure, key, status)" >&2; exit 2 ;; esac
[ -n "$model" ] || { echo "$PROG: --model FILE is required" >&2; exit 2; }
[ -f "$model" ] || die "model $model not found: run \`npx pretag models build\` on the build machine and install the release again"
[ "$cmd" = key ] || [ -n "$cache" ] || { echo "$PROG: --cache DIR is required" >&2; exit 2; }

find_trtexec() {
  if [ -n "$trtexec" ]; then
    [ -x "$trtexec" ] && printf '%s' "$trtexec"
    return 0
  fi
  command -v trtexec 2>/dev/null || { [ -x /usr/src/tensorrt/bin/trtexec ] && echo /usr/src/tensorrt/bin/trtexec; } || true
}

# The TensorRT runtime's version: dpkg on JetPack (libnvinfer10 on JetPack 6.1+, libnvinfer8 on
# 6.0), else what trtexec prints ("[TensorRT v100300]").
tensorrt_version() {
  [ -n "$trt_version" ] && { printf '%s' "$trt_version"; return 0; }
  local v p
  for p in libnvinfer10 libnvinfer8; do
    v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
    [ -n "$v" ] && { printf '%s' "${v%%-*}"; return 0; }
  done
  local exe
  exe=$(find_trtexec)
  [ -n "$exe" ] && v=$("$exe" --help 2>&1 | sed -n 's/.*TensorRT v\([0-9]*\).*/\1/p' | head -1)
  printf '%s' "${v:-}"
}

model_hash() { sha256sum "$model" | cut -c1-16; }
key_for() { printf '%s-trt%s' "$(model_hash)" "$1"; }

ver=$(tensorrt_version)
if [ "$cmd" = key ]; then
  [ -n "$ver" ] || die "no TensorRT here (no libnvinfer package, no trtexec); give --trt-version"
  key_for "$ver"
  echo
  exit 0
fi

if [ -z "$ver" ]; then
  msg="no TensorRT on this machine (no libnvinfer package, no trtexec): the agent runs on CUDA, else CPU"
  if ((if_available)) || [ "$cmd" = status ]; then
    log "$msg"
    exit 0
  fi
  die "$msg"
fi
key=$(key_for "$ver")
dir="$cache/$key"
engine="$dir/$(basename "$model" .onnx).engine"
current=$(basename "$(readlink "$cache/current" 2>/dev/null)" 2>/dev/null || true)

if [ -s "$engine" ] && [ "$(cat "$dir/key.txt" 2>/dev/null)" = "$key" ]; then
  log "up to date: $engine (model $(model_hash), TensorRT $ver)"
  if [ "$current" != "$key" ] && [ "$cmd" = ensure ]; then
    ROOT=/ swap_symlink "$key" "$cache/current"
  fi
  exit 0
fi
if [ "$cmd" = status ]; then
  log "needs a build: no engine for model $(model_hash) with TensorRT $ver in $cache (current: ${current:-none})"
  exit 1
fi

exe=$(find_trtexec)
if [ -z "$exe" ]; then
  msg="TensorRT $ver is installed but trtexec is not (apt-get install tensorrt or libnvinfer-bin)"
  if ((if_available)); then
    # Still key the folder, so ONNX Runtime's own engines are dropped when either changes.
    if ((!DRY_RUN)); then
      mkdir -p "$dir"
      echo "$key" >"$dir/key.txt.partial"
      ROOT=/ swap_symlink "$key" "$cache/current"
      [ -z "$owner" ] || chown -R "$owner:$owner" "$cache"
    fi
    warn "$msg; ONNX Runtime builds its own engine in $cache/current on first use"
    exit 0
  fi
  die "$msg"
fi

# --int8 with a QDQ model is explicit quantization: the Q/DQ scales are used, no calibration.
# --fp16 lets the few layers without Q/DQ (the head's decode) run in FP16 rather than FP32.
build=("$exe" "--onnx=$model" --int8 --fp16 "--saveEngine=$engine.tmp" --memPoolSize=workspace:1024)
log "building $engine (model $(model_hash), TensorRT $ver): minutes on an Orin Nano"
if ((DRY_RUN)); then
  note "would create $dir"
  note "would run: ${build[*]}"
  note "would point $cache/current -> $key and remove other keyed folders"
  exit 0
fi
mkdir -p "$dir"
if ! "${build[@]}" >"$dir/trtexec.log" 2>&1; then
  tail -20 "$dir/trtexec.log" >&2
  die "trtexec failed (full log: $dir/trtexec.log)"
fi
mv -f "$engine.tmp" "$engine"
echo "$key" >"$dir/key.txt"
ROOT=/ swap_symlink "$key" "$cache/current"
# Engines for other models or TensorRT versions can never load again.
for old in "$cache"/*-trt*/; do
  [ "$(basename "$old")" = "$key" ] || rm -rf "$old"
done
[ -z "$owner" ] || chown -R "$owner:$owner" "$cache"
log "built $engine ($(wc -c <"$engine") bytes); $(grep -m1 -o 'Throughput: [0-9.]* qps' "$dir/trtexec.log" || echo 'no throughput line')"
