#!/usr/bin/env bash
# Installs the Python test tools from PyPI into the venv .tools/py (ignored by git), pinned:
# `standardwebhooks` verifies every webhook delivery in tests/receivers/webhooks.py; `aiosmtpd`
# is the SMTP server tests/receivers/smtp.py runs to receive the invite mails;
# `openapi-spec-validator` checks the OpenAPI document and `schemathesis` tests both servers
# from it (scripts/test-openapi.sh). Skips what is already there at the pinned version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.tools/py
PACKAGES=(
  standardwebhooks==1.1.0
  aiosmtpd==1.4.6
  openapi-spec-validator==0.9.0
  schemathesis==4.32.5
)

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-venv
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
for pinned in "${PACKAGES[@]}"; do
  name="${pinned%%==*}" version="${pinned##*==}"
  if [ "$("$VENV/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p')" != "$version" ]; then
    "$VENV/bin/python" -m pip install -q "$pinned"
  fi
done
echo "python tools: ${PACKAGES[*]} in $VENV"
