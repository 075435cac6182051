"""A webhook receiver for the tests, verifying every delivery with the `standardwebhooks`
package (a library the project did not write).

Usage: webhooks.py LOG_FILE [PORT]. The secret is read from TENANTRY_WEBHOOK_SECRET. Prints
`listening on PORT` once bound to 127.0.0.1 (on PORT, else a free port). Each verified delivery
is appended to LOG_FILE as one JSON line {"webhook_id", "type", "data", "status"} and answered
204, except the first RECEIVER_FAIL_FIRST deliveries (0 unless set), answered 500 to test
retries; one that fails verification is answered 400 and logged with "verified": false.
RECEIVER_DELAY_MS (0 unless set) slows each answer, so a test can kill a sender mid-delivery.
"""

import http.server
import json
import os
import sys
import threading
import time

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()


def main() -> None:
    log_path = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    webhook = Webhook(os.environ["TENANTRY_WEBHOOK_SECRET"])
    failures_left = [int(os.environ.get("RECEIVER_FAIL_FIRST", "0"))]
    delay = int(os.environ.get("RECEIVER_DELAY_MS", "0")) / 1000

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                payload = webhook.verify(body, headers)
                with LOCK:
                    status = 500 if failures_left[0] > 0 else 204
                    failures_left[0] -= 1
                record = {"webhook_id": headers["webhook-id"], "type": payload["type"],
                          "data": payload["data"], "verified": True, "status": status}
            except WebhookVerificationError as error:
                record = {"webhook_id": headers.get("webhook-id"), "verified": False,
                          "error": str(error)}
                status = 400
            time.sleep(delay)
            with LOCK, open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
