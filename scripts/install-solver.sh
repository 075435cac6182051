#!/usr/bin/env bash
# Installs the SMT solver that `tenantry policies verify` runs (through cedar-policy-symcc, which
# starts `$CVC5`, else `cvc5` on PATH): Debian's cvc5 package, pinned, skipped when present.
# SymCC documents cvc5 1.3.1, whose release lives on GitHub, which CI cannot reach; Debian
# bookworm's 1.0.3 answers every query the verifier asks (the tests of
# native-sqlite/tests/policies_verify.rs prove the shipped policies and refute each broken set
# with it, counterexamples included).
#   scripts/install-solver.sh     (about 10 s on a fresh machine, for apt)
set -euo pipefail

CVC5_DEBIAN_VERSION=1.0.3-1
CVC5_VERSION=${CVC5_DEBIAN_VERSION%-*}

if command -v cvc5 >/dev/null && cvc5 --version 2>/dev/null | head -n 1 | grep -qx "This is cvc5 version $CVC5_VERSION"; then
  echo "cvc5: present ($CVC5_VERSION)"
else
  echo "cvc5: installing $CVC5_DEBIAN_VERSION (apt-get)"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "cvc5=$CVC5_DEBIAN_VERSION"
fi
