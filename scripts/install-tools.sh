#!/usr/bin/env bash
# Installs everything scripts/test-all.sh needs on a fresh machine of this kind, skipping what
# is already there at the pinned version. Registries only (crates.io, npm, Debian).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-edge-tools.sh
scripts/install-browser-tools.sh
scripts/install-solver.sh
scripts/install-python-tools.sh
