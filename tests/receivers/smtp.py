"""An SMTP server for the tests: `aiosmtpd` (a server the project did not write) receiving the
invite mails of `tenantry serve --smtp-url`.

Usage: smtp.py LOG_FILE [PORT]. Prints `listening on PORT` once bound to 127.0.0.1 (on PORT, else
a free port). Each message received is parsed with Python's `email` package and appended to
LOG_FILE as one JSON line {"mail_from", "rcpt_tos", "from", "to", "subject", "content_type",
"text", "html"}: the headers decoded, the bodies of the text/plain and text/html parts.

With TENANTRY_SMTP_HOLD_SECONDS set, it writes each message down as soon as its data has
arrived but answers the sender only that many seconds later: a relay slow to accept, so that a
test can kill the sender while it waits, not knowing whether its mail was taken.
"""

import asyncio
import email
import email.policy
import json
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller

LOCK = threading.Lock()
HOLD_SECONDS = float(os.environ.get("TENANTRY_SMTP_HOLD_SECONDS", "0"))


class Handler:
    def __init__(self, log_path: str) -> None:
        self.log_path = log_path

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        part = lambda kind: message.get_body(preferencelist=(kind,))  # noqa: E731
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "content_type": message.get_content_type(),
            "text": part("plain").get_content() if part("plain") else None,
            "html": part("html").get_content() if part("html") else None,
        }
        with LOCK, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        await asyncio.sleep(HOLD_SECONDS)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    log_path = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else free_port()
    controller = Controller(Handler(log_path), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"listening on {port}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
