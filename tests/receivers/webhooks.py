"""A webhook receiver for the tests, verifying every delivery with the `standardwebhooks`
package (a library the project did not write).

Usage: webhooks.py LOG_FILE. The secret is read from TENANTRY_WEBHOOK_SECRET. Prints
`listening on PORT` once bound to 127.0.0.1 on a free port. Each verified delivery is appended to
LOG_FILE as one JSON line {"webhook_id", "type", "data"} and answered 204; one that fails
verification is answered 400 and logged with "verified": false, so a test sees it.
"""

import http.server
import json
import os
import sys
import threading

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()


def main() -> None:
    log_path = sys.argv[1]
    webhook = Webhook(os.environ["TENANTRY_WEBHOOK_SECRET"])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                payload = webhook.verify(body, headers)
                record = {"webhook_id": headers["webhook-id"], "type": payload["type"],
                          "data": payload["data"], "verified": True}
                status = 204
            except WebhookVerificationError as error:
                record = {"webhook_id": headers.get("webhook-id"), "verified": False,
                          "error": str(error)}
                status = 400
            with LOCK, open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
