#!/usr/bin/env bash
# How many bytes of the worker Cedar alone takes: the least wasm programs that ask Cedar for one
# decision, built with the worker's size profile and wasm-opt -Oz, then gzip -9 (what the upload
# limit counts). Three programs, each a cdylib with one exported function that builds a request
# (type names through `EntityTypeName::from_str`, ids from their parts) and calls `is_authorized`:
#   empty  an empty policy set: Cedar's evaluator and whatever any use of it links
#   text   the policies of policies/, parsed from their text at run time (what the worker does)
#   json   the same policies in Cedar's JSON form, converted at build time, parsed at run time
#   scripts/measure-cedar-floor.sh        (about 6 minutes on a 2-core machine, the first time)
# It builds outside the workspace (its own crate in a temporary directory, its own target
# directory: CEDAR_FLOOR_TARGET, default target/cedar-floor), with the Cargo.lock of the workspace
# so Cedar is the version the worker links.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/edge-env.sh"

target="${CEDAR_FLOOR_TARGET:-$TENANTRY_ROOT/target/cedar-floor}"
cedar_version="$(awk '/^name = "cedar-policy"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
  "$TENANTRY_ROOT/Cargo.lock")"
crate="$(mktemp -d "${TMPDIR:-/tmp}/cedar-floor.XXXXXX")"
trap 'rm -rf "$crate"' EXIT
mkdir -p "$crate/src"
cat "$TENANTRY_ROOT"/policies/*.cedar >"$crate/policies.cedar"
cp "$TENANTRY_ROOT/Cargo.lock" "$crate/"

cat >"$crate/Cargo.toml" <<EOF
[package]
name = "cedar-floor"
version = "0.0.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
cedar-policy = { version = "=$cedar_version", default-features = false }

[build-dependencies]
cedar-policy = { version = "=$cedar_version", default-features = false }
serde_json = "1"

[features]
text = []
json = []

[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
strip = true
EOF

# The JSON form of the policies, written by Cedar itself at build time.
cat >"$crate/build.rs" <<'EOF'
use std::str::FromStr;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let text = std::fs::read_to_string("policies.cedar").expect("the policies are copied here");
    let set = cedar_policy::PolicySet::from_str(&text).expect("the shipped policies parse");
    let json = set.to_json().expect("the policies have a JSON form");
    std::fs::write(format!("{out}/policies.json"), json.to_string()).expect("OUT_DIR is writable");
}
EOF

cat >"$crate/src/lib.rs" <<'EOF'
use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Entities, EntityId, EntityTypeName, EntityUid};
use cedar_policy::{PolicySet, Request};

#[cfg(feature = "text")]
fn policies() -> PolicySet {
    PolicySet::from_str(include_str!("../policies.cedar")).unwrap_or_else(|_| PolicySet::new())
}

#[cfg(feature = "json")]
fn policies() -> PolicySet {
    PolicySet::from_json_str(include_str!(concat!(env!("OUT_DIR"), "/policies.json")))
        .unwrap_or_else(|_| PolicySet::new())
}

#[cfg(not(any(feature = "text", feature = "json")))]
fn policies() -> PolicySet {
    PolicySet::new()
}

fn uid(type_name: &str, id: &str) -> Option<EntityUid> {
    let type_name = EntityTypeName::from_str(type_name).ok()?;
    Some(EntityUid::from_type_name_and_id(type_name, EntityId::new(id)))
}

/// One decision, so that nothing Cedar needs for it can be dropped by the linker.
#[unsafe(no_mangle)]
pub extern "C" fn decide(n: u32) -> u32 {
    let key = n.to_string();
    let parts = (
        uid("Tenantry::ApiKey", &key),
        uid("Tenantry::Action", "create_tenant"),
        uid("Tenantry::Platform", "platform"),
    );
    let (Some(principal), Some(action), Some(resource)) = parts else {
        return 2;
    };
    let Ok(request) = Request::new(principal, action, resource, Context::empty(), None) else {
        return 3;
    };
    let answer = Authorizer::new().is_authorized(&request, &policies(), &Entities::empty());
    answer.decision() as u32
}
EOF

wasm_opt="$TENANTRY_EDGE_DIR/node_modules/.bin/wasm-opt"
echo "| program | wasm | after wasm-opt -Oz | gzip -9 |"
echo "| --- | --- | --- | --- |"
for variant in empty text json; do
  features=()
  [ "$variant" = empty ] || features=(--features "$variant")
  (cd "$crate" && CARGO_TARGET_DIR="$target" cargo build -q --release \
    --target wasm32-unknown-unknown "${features[@]}")
  built="$target/wasm32-unknown-unknown/release/cedar_floor.wasm"
  "$wasm_opt" -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
    -o "$crate/$variant.wasm" "$built"
  echo "| $variant | $(wc -c <"$built") B | $(wc -c <"$crate/$variant.wasm") B |" \
    "$(gzip -9c "$crate/$variant.wasm" | wc -c) B |"
done
