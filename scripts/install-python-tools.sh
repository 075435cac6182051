#!/usr/bin/env bash
# Installs the Python test doubles from PyPI into the venv .tools/py (ignored by git), pinned:
# `standardwebhooks` verifies every webhook delivery in tests/receivers/webhooks.py, and
# `aiosmtpd` is the SMTP server tests/receivers/smtp.py runs to receive the invite mails. Skips
# what is already there at the pinned version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

STANDARDWEBHOOKS=1.1.0
AIOSMTPD=1.4.6
VENV=.tools/py

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  apt-get update -qq && apt-get install -y -qq python3-venv
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# Installs PACKAGE at VERSION unless the venv has that version already.
pinned() {
  if [ "$("$VENV/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p')" != "$2" ]; then
    "$VENV/bin/python" -m pip install -q "$1==$2"
  fi
}
pinned standardwebhooks "$STANDARDWEBHOOKS"
pinned aiosmtpd "$AIOSMTPD"
echo "python tools: standardwebhooks $STANDARDWEBHOOKS, aiosmtpd $AIOSMTPD in $VENV"
