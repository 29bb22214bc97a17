#!/usr/bin/env bash
# Linker for cross-building tccc for the Jetson (aarch64, L4T / Ubuntu userland) from an
# x86_64 machine: gcc-aarch64-linux-gnu linking against a copy of the Jetson's root file
# system, so alsa-lib and (later) the CUDA libraries resolve to the device's own versions.
#
#   rustup target add aarch64-unknown-linux-gnu
#   apt-get install gcc-aarch64-linux-gnu
#   rsync -a jetson:/{lib,usr/lib,usr/include} "$JETSON_SYSROOT"/...   # once
#   JETSON_SYSROOT=/opt/jetson-rootfs linker/cross-build
#
# Unverified here: the dev machine has no aarch64 Rust target and no Jetson root file system.
set -euo pipefail
: "${JETSON_SYSROOT:?set JETSON_SYSROOT to a copy of the Jetson root file system}"
exec aarch64-linux-gnu-gcc --sysroot="$JETSON_SYSROOT" \
  -L"$JETSON_SYSROOT/usr/lib/aarch64-linux-gnu" \
  -Wl,-rpath-link,"$JETSON_SYSROOT/usr/lib/aarch64-linux-gnu" \
  -Wl,-rpath-link,"$JETSON_SYSROOT/lib/aarch64-linux-gnu" \
  "$@"
