#!/usr/bin/env bash
# Every test of the project, as CI runs it (the README's test command):
# formatting and lints, core built for wasm32, the native suites (core, SQLite, the conformance
# cases on core+memory, in-process and `tenantry serve`, and `tenantry policies verify` proving
# the shipped policies and catching each broken set of policies/verify-fixtures/ with cvc5), the
# edge worker in workerd, the OpenAPI document (validator and Schemathesis against both servers),
# and the browser tests.
# Needs the tools of scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "formatting"
cargo fmt --all -- --check

step "lints (native crates with the benchmarks' hooks, then for wasm32 the worker and the preview's bindings)"
cargo clippy --all-targets --features tenantry-core/bench -- -D warnings
cargo clippy -p tenantry-edge --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p tenantry-core --features wasm --target wasm32-unknown-unknown -- -D warnings

step "core builds for wasm32-unknown-unknown"
cargo build -p tenantry-core --target wasm32-unknown-unknown

step "native tests: core, SQLite adapter, program, policy proofs, conformance on core+memory, in-process, HTTP"
cargo test

step "edge: the conformance cases against the worker in workerd"
scripts/test-edge.sh

step "OpenAPI: the document validated, then Schemathesis from it against tenantry serve and the worker"
TENANTRY_EDGE_PREBUILT=1 scripts/test-openapi.sh

step "browser: the preview's WASM bindings and the new-tenant page in headless Chromium"
scripts/test-browser.sh
