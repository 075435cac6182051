#!/usr/bin/env bash
# Builds the browser preview: core's `wasm` feature compiled to WASM with wasm-bindgen's
# `--target web` glue, into edge-worker/public/pkg/ (git-ignored), which the worker serves with
# the page, and copies Redoc's bundle for the API reference at /docs into edge-worker/public/redoc/.
# `scripts/edge-dev.sh` and the test scripts build both too (through edge_build).
# Needs the tools of scripts/install-edge-tools.sh; downloads nothing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"
preview_build
docs_build
