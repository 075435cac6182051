#!/usr/bin/env bash
# Builds the browser preview: core's `wasm` feature compiled to WASM with wasm-bindgen's
# `--target web` glue, into edge-worker/public/pkg/ (git-ignored), which the worker serves with
# the page. `scripts/edge-dev.sh` and the test scripts build it too (through edge_build).
# Needs the tools of scripts/install-edge-tools.sh; downloads nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"
preview_build
