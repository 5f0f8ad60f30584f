#!/usr/bin/env bash
# Build onnxruntime-node with the TensorRT and CUDA execution providers, on the Jetson itself.
# The npm package's arm64 binaries are CPU only; the agent asks for tensorrt, then cuda, then cpu
# and takes the first that loads, so without this build it runs on the CPU.
#
# Builds the same onnxruntime version as the installed release's onnxruntime-node, installs the
# binaries in /opt/pretag/ort-trt/<version>/ (kept across upgrades: a release with the same
# onnxruntime-node version picks them up when installed), copies them into the current release
# and restarts the agent.
#
#   sudo jetson/build-ort-trt.sh [--src DIR] [--jobs N] [--dry-run]
#
#   --src DIR   an onnxruntime checkout at the matching tag (default: clone it into
#               /var/cache/pretag/onnxruntime; needs github.com)
#   --jobs N    parallel compile jobs (default: 2; more needs more than 8 GB of RAM + swap)
#   --dry-run   print the steps and the build command, change nothing
#
# Needs JetPack 6.1 or 6.2 (CUDA 12.6, cuDNN 9, TensorRT 10: onnxruntime 1.2x/1.30 no longer
# build against TensorRT 8.6), cmake 3.28 or newer (`pip3 install cmake`), git, python3, g++ and
# about 20 GB of free disk. Hours on an Orin Nano; run it in tmux.
set -euo pipefail

PROG="build-ort-trt"
JETSON_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$JETSON_DIR/lib/common.sh"

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

PREFIX=/opt/pretag
SRC='' JOBS=2
while (($#)); do
  case "$1" in
    --src) SRC=${2:?--src needs a folder}; shift 2 ;;
    --jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "$PROG: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "$PROG: --jobs wants a positive number" >&2; exit 2; }

# JetPack 6 puts CUDA in /usr/local/cuda and cuDNN and TensorRT (libs and headers) in the
# multiarch folders.
CUDA_HOME=/usr/local/cuda
CUDNN_HOME=/usr/lib/aarch64-linux-gnu
TENSORRT_HOME=/usr/lib/aarch64-linux-gnu
CUDA_ARCH=87 # Orin (Nano, NX, AGX): compute capability 8.7

problems=()
step "prerequisites: JetPack 6.1+ (CUDA, cuDNN, TensorRT 10), cmake 3.28+, git, python3, g++"
[ "$(uname -m)" = aarch64 ] || problems+=("this is $(uname -m): build on the Jetson (aarch64)")
[ -x "$CUDA_HOME/bin/nvcc" ] || problems+=("no CUDA compiler at $CUDA_HOME/bin/nvcc (apt-get install nvidia-jetpack, or cuda-toolkit-12-6)")
ls "$CUDNN_HOME"/libcudnn.so* >/dev/null 2>&1 || problems+=("no cuDNN in $CUDNN_HOME (apt-get install libcudnn9-dev-cuda-12)")
[ -f /usr/include/aarch64-linux-gnu/NvInfer.h ] || problems+=("no TensorRT headers (apt-get install libnvinfer-dev libnvonnxparsers-dev)")
if trt=$(dpkg-query -W -f='${Version}' libnvinfer10 2>/dev/null); then
  note "TensorRT ${trt%%-*}"
else
  problems+=("TensorRT 10 (libnvinfer10) is not installed: JetPack 6.0 ships TensorRT 8.6, which onnxruntime 1.30 does not build against; upgrade to JetPack 6.1+")
fi
if cm=$(cmake --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9.]*\).*/\1/p'); then
  [ "$(printf '%s\n3.28\n' "$cm" | sort -V | head -1)" = 3.28 ] || problems+=("cmake $cm is too old: onnxruntime needs 3.28+ (pip3 install cmake)")
else
  problems+=("no cmake (pip3 install cmake)")
fi
for t in git python3 g++; do command -v "$t" >/dev/null || problems+=("missing $t (apt-get install $t)"); done

current="$PREFIX/current"
pkg="$current/node_modules/onnxruntime-node/package.json"
if [ -f "$pkg" ]; then
  ORT_VERSION=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg" | head -1)
  note "the installed release uses onnxruntime-node $ORT_VERSION"
else
  ORT_VERSION=$(sed -n '/"node_modules\/onnxruntime-node"/,/"version"/s/^ *"version": *"\([^"]*\)".*/\1/p' "$JETSON_DIR/../package-lock.json" 2>/dev/null | head -1)
  problems+=("no release installed at $current: run jetson/provision.sh first")
fi
[ -n "${ORT_VERSION:-}" ] || die "cannot tell which onnxruntime version to build"
if ((${#problems[@]})); then
  for p in "${problems[@]}"; do printf '%s: error: %s\n' "$PROG" "$p" >&2; done
  ((DRY_RUN)) || exit 1
  note "a real run would stop here; the dry run goes on"
fi
if ! ((DRY_RUN)) && [ "$(id -u)" != 0 ]; then die "must run as root (it installs into $PREFIX)"; fi

SRC=${SRC:-/var/cache/pretag/onnxruntime}
step "onnxruntime v$ORT_VERSION sources in $SRC"
if [ -d "$SRC/.git" ]; then
  note "using the checkout in $SRC ($(git -C "$SRC" describe --tags 2>/dev/null || echo 'no tag'))"
else
  run git clone --depth 1 --branch "v$ORT_VERSION" --recursive --shallow-submodules \
    https://github.com/microsoft/onnxruntime "$SRC"
fi

# The pretag Node (and its npm) build the Node binding.
NODE_BIN="$current/node/bin"
build=(./build.sh --config Release --update --build --parallel "$JOBS" --skip_tests --allow_running_as_root
  --build_shared_lib --build_nodejs
  --use_cuda --cuda_home "$CUDA_HOME" --cudnn_home "$CUDNN_HOME"
  --use_tensorrt --tensorrt_home "$TENSORRT_HOME"
  --cmake_extra_defines "CMAKE_CUDA_ARCHITECTURES=$CUDA_ARCH" onnxruntime_BUILD_UNIT_TESTS=OFF)
step "build (TensorRT + CUDA + CPU providers, Node binding)"
if ((DRY_RUN)); then
  note "would run in $SRC: PATH=$NODE_BIN:\$PATH ${build[*]}"
else
  (cd "$SRC" && PATH="$NODE_BIN:$CUDA_HOME/bin:$PATH" "${build[@]}")
fi

OUT="$PREFIX/ort-trt/$ORT_VERSION/bin/napi-v6/linux/arm64"
step "install the binaries in $OUT and into the current release"
if ((DRY_RUN)); then
  note "would copy $SRC/js/node/bin/napi-v6/linux/arm64/* and build/Linux/Release/libonnxruntime_providers_{shared,cuda,tensorrt}.so to $OUT"
  note "would copy $OUT into $current/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64"
else
  rm -rf "$OUT.tmp"
  mkdir -p "$OUT.tmp"
  cp -a "$SRC/js/node/bin/napi-v6/linux/arm64/." "$OUT.tmp/"
  for p in shared cuda tensorrt; do
    cp -a "$SRC/build/Linux/Release/libonnxruntime_providers_$p.so" "$OUT.tmp/"
  done
  rm -rf "$OUT"
  mv "$OUT.tmp" "$OUT"
  cp -a "$OUT/." "$current/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/"
fi

step "check: the providers this onnxruntime-node offers"
# shellcheck disable=SC2016 # JavaScript in single quotes
run "$NODE_BIN/node" -e 'console.log(require(process.argv[1]).listSupportedBackends().map((b) => b.name).join(", "))' \
  "$current/node_modules/onnxruntime-node"

step "restart the agent (it takes tensorrt, then cuda, then cpu)"
sd_restart pretag-edge.service
note "next: jetson/provision.sh again sets model.file to the TensorRT int8 model in edge.yaml when absent;"
note "then journalctl -u pretag-edge shows which providers run (a fallback is logged once as a warning)"
if ((DRY_RUN)) && ((${#problems[@]})); then exit 3; fi
