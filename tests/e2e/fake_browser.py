#!/usr/bin/env python3
"""A stand-in for the system browser: Rekey runs it (REKEY_BROWSER) with the sign-in URL, and it
fills in the simulator's sign-in page as a person would, then follows the redirect back to Rekey.

It trusts the certificate the simulator presents (pinned for this one connection, verified as a
partial chain): the app itself trusts only the simulator's CA file, which a browser stand-in does
not need to know about.
"""

import html.parser
import os
import ssl
import sys
import urllib.parse
import urllib.request

LOG = os.environ.get("REKEY_E2E_BROWSER_LOG", "/dev/null")
USER = os.environ.get("REKEY_E2E_USER", "admin@contoso-demo.onmicrosoft.com")
PASSWORD = os.environ.get("REKEY_E2E_PASSWORD", "demo")


class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        if tag == "input" and a.get("name") and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")


def log(line):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def main(url):
    log(f"open {url}")
    parts = urllib.parse.urlsplit(url)
    pem = ssl.get_server_certificate((parts.hostname, parts.port or 443))
    ctx = ssl.create_default_context(cadata=pem)
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))
    page = opener.open(url, timeout=30).read().decode()
    form = Form()
    form.feed(page)
    fields = dict(form.fields, username=USER, password=PASSWORD, action="signin")
    target = urllib.parse.urljoin(url, form.action or parts.path)
    # The answer is a redirect to Rekey's loopback listener, which urllib follows like a browser.
    done = opener.open(target, data=urllib.parse.urlencode(fields).encode(), timeout=30).read().decode()
    log("landed: " + ("You can close this tab" if "close this tab" in done else done[:200]))


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as e:  # the log is what the test reads
        log(f"error {e!r}")
