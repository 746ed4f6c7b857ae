#!/usr/bin/env python3
"""echo-bot.py - a minimal Tidings bot (Python 3 standard library only).

It receives webhook "message" events, checks their signature, drops
duplicate deliveries and answers each message with its own text through
POST /api/v1/messages.  See docs/integrations.md.

    TIDINGS_URL=http://127.0.0.1:8470 TIDINGS_API_KEY=tdk_... \
    TIDINGS_WEBHOOK_SECRET=tdw_... python3 echo-bot.py --port 8099
"""

import argparse
import collections
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1024 * 1024
MAX_AGE_S = 300          # refuse signatures older than this (replays)
SEEN_MAX = 10000         # delivery ids remembered for deduplication

API_URL = os.environ.get("TIDINGS_URL", "http://127.0.0.1:8470").rstrip("/")
API_KEY = os.environ.get("TIDINGS_API_KEY", "")
SECRET = os.environ.get("TIDINGS_WEBHOOK_SECRET", "")

seen = collections.OrderedDict()
seen_lock = threading.Lock()


def verify(headers, body):
    """True if X-Tidings-Signature is HMAC-SHA256(secret, timestamp "." body)."""
    timestamp = headers.get("X-Tidings-Timestamp", "")
    signature = headers.get("X-Tidings-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_S:
        return False
    mac = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), signature)


def first_time(delivery):
    """True the first time a delivery id is seen (retries reuse the id)."""
    with seen_lock:
        if delivery in seen:
            return False
        seen[delivery] = True
        while len(seen) > SEEN_MAX:
            seen.popitem(last=False)
        return True


def send(to, text, message_id):
    """POST /api/v1/messages; the id makes a retried answer harmless."""
    body = json.dumps({"to": to, "text": text, "id": message_id}).encode()
    request = urllib.request.Request(
        API_URL + "/api/v1/messages", data=body, method="POST",
        headers={"Authorization": "Bearer " + API_KEY,
                 "Content-Type": "application/json"})
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            # 4xx will not get better by retrying; 5xx may.
            print("answer refused: %s %s" % (error.code, error.read()[:200]), file=sys.stderr)
            if error.code < 500:
                return None
        except OSError as error:
            print("cannot reach Tidings: %s" % error, file=sys.stderr)
        time.sleep(2 ** attempt)
    return None


def answer(event):
    message = event["message"]
    # In a group the answer goes to the group, else back to the sender.
    to = message["to"] if message["to"].startswith("g:") else message["from"]
    text = "You said: " + message["text"]
    send(to, text[:16000], "echo-%d" % message["mid"])


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        if length <= 0 or length > MAX_BODY:
            self.send_error(413 if length > MAX_BODY else 400)
            return
        body = self.rfile.read(length)
        if not verify(self.headers, body):
            self.send_error(401, "bad signature")
            return
        event = json.loads(body)
        # Acknowledge first: Tidings waits at most 10 s for the answer.
        self.send_response(204)
        self.end_headers()
        if event.get("event") == "message" and first_time(self.headers["X-Tidings-Delivery"]):
            threading.Thread(target=answer, args=(event,), daemon=True).start()

    def log_message(self, fmt, *args):
        sys.stderr.write("echo-bot: " + fmt % args + "\n")


def main():
    parser = argparse.ArgumentParser(description="A Tidings bot that echoes messages.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    options = parser.parse_args()
    if not API_KEY or not SECRET:
        sys.exit("set TIDINGS_API_KEY and TIDINGS_WEBHOOK_SECRET")
    server = ThreadingHTTPServer((options.host, options.port), Handler)
    print("echo-bot listening on http://%s:%d/" % (options.host, options.port), file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
