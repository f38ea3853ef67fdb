"""A stand-in attacker for the hostile-window suite: an HTTPS server on loopback with its own CA, made
"publicly trusted" for the app the way a real host with a public certificate would be (the app is
started with SSL_CERT_FILE = the system CAs + this CA; Rekey's system trust reads it through
rustls-native-certs).

It records everything it receives (method, path, headers, body) and plays these parts, chosen by
the path:

- `/cloud/<shape>/metadata/endpoints`: ARM cloud metadata that points login, ARM and Graph at
  itself, or mixes itself with Microsoft's or the simulator's hosts (see `metadata`).
- `/intranet/...`: a 404 HTML page with an "intranet-canary" text (an internal page a custom-cloud
  URL could make Rust read for the window).
- `/html200/...`: a 200 HTML page with the same canary (not JSON).
- `.../oauth2/v2.0/token`: a token endpoint. For the tenant in `issue_tokens_for` it answers a token
  (so that a vulnerable build would let the window replace an account with one on this cloud);
  for any other tenant `invalid_client`.
- ARM lists (`/subscriptions`, `/tenants`): empty lists. Anything else: a JSON 404.

`leaks(secrets)` searches the log for each secret in plain, URL-encoded, JSON-escaped, base64 (any
alignment) and hex forms.
"""

from __future__ import annotations

import base64
import datetime
import http.server
import ipaddress
import json
import os
import secrets as pyrandom
import shutil
import ssl
import threading
import urllib.parse
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca_and_server(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 / localhost signed by it. Returns (ca, cert, key)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Rekey e2e attacker CA"))
        .issuer_name(_name("Rekey e2e attacker CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("attacker.localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = folder / "attacker-ca.pem", folder / "attacker-cert.pem", folder / "attacker-key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    # The chain: leaf then CA.
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


def trust_bundle(ca_path: Path, out: Path) -> Path:
    """The system CAs plus the attacker's CA: what SSL_CERT_FILE points at for the app."""
    parts = []
    for bundle in SYSTEM_BUNDLES:
        if os.path.exists(bundle):
            parts.append(Path(bundle).read_text(encoding="utf-8", errors="replace"))
            break
    parts.append(ca_path.read_text(encoding="utf-8"))
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def encodings(secret: str) -> set[str]:
    """The forms a secret could take in a request: plain, URL-encoded (form and path), JSON-escaped,
    base64 at each alignment (the inner part that does not depend on neighbours), hex."""
    raw = secret.encode()
    forms = {
        secret,
        urllib.parse.quote_plus(secret),
        urllib.parse.quote(secret, safe=""),
        json.dumps(secret)[1:-1],
        raw.hex(),
    }
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + raw).decode()
        # Drop the characters that mix padding or neighbour bytes in.
        inner = enc[(pad * 4 + 2) // 3 + 1 : -4]
        if len(inner) >= 12:
            forms.add(inner)
            forms.add(inner.replace("+", "-").replace("/", "_"))
    return {f for f in forms if len(f) >= 8}


class Attacker:
    def __init__(self, folder: Path, log_path: Path):
        self.folder = folder
        self.log_path = log_path
        self.ca, cert, key = make_ca_and_server(folder)
        self.canary = "intranet-canary-" + pyrandom.token_hex(8)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        # Set by the suite when the simulator is up: mixes use its base URL.
        self.sim_base: str | None = None
        # Tenants the token endpoint answers with a token (the account-replacement attack).
        self.issue_tokens_for: set[str] = set()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("", encoding="utf-8")
        attacker = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "body": body.decode("utf-8", errors="replace"),
                }
                attacker._record(record)
                status, ctype, payload = attacker.answer(self.command, self.path, body)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"https://{self.host}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- what it serves ---

    def metadata_url(self, shape: str, array: bool = True) -> str:
        query = "?api-version=2022-09-01" if array else "?api-version=2019-05-01"
        return f"{self.base}cloud/{shape}/metadata/endpoints{query}"

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def _cloud(self, name, arm, login, graph):
        return {
            "name": name,
            "portal": arm,
            "resourceManager": arm,
            "microsoftGraphResourceId": graph,
            "authentication": {"loginEndpoint": login, "audiences": [arm], "tenant": "common", "identityProvider": "AAD"},
            "suffixes": {},
        }

    def metadata(self, shape: str):
        me = self.base
        sim = self.sim_base or "https://management.azure.com/"
        shapes = {
            # Everything at the attacker.
            "full": [self._cloud("AttackerCloud", me, me, me)],
            # Looks like Microsoft's except where the credentials go.
            "login-only": [self._cloud("AzureCloud", "https://management.azure.com/", me, "https://graph.microsoft.com/")],
            # Sign-in at the simulator (real tokens), ARM and Graph at the attacker.
            "arm-only": [self._cloud("RekeySimulator", me, sim, me)],
            # Two entries: the first another cloud's ARM with the attacker's login, the second this host.
            "array-second": [
                self._cloud("AzureCloud", "https://management.azure.com/", me, "https://graph.microsoft.com/"),
                self._cloud("AttackerCloud", me, me, me),
            ],
            # Not https.
            "http-login": [self._cloud("AttackerCloud", me, f"http://{self.host}/", me)],
            # Only entries for other hosts: none matches the metadata URL's host.
            "no-match": [self._cloud("AzureCloud", "https://management.azure.com/", me, "https://graph.microsoft.com/")],
        }
        return shapes.get(shape, shapes["full"])

    def answer(self, method: str, path: str, body: bytes):
        parts = urllib.parse.urlsplit(path)
        segments = [s for s in parts.path.split("/") if s]
        query = urllib.parse.parse_qs(parts.query)
        if len(segments) >= 4 and segments[0] == "cloud" and segments[-2:] == ["metadata", "endpoints"]:
            clouds = self.metadata(segments[1])
            array = query.get("api-version", [""])[0] == "2022-09-01"
            return 200, "application/json", clouds if array else clouds[-1]
        if segments[:1] == ["intranet"]:
            return 404, "text/html", f"<html><body>Not here. {self.canary}: the payroll share is \\\\hr01\\pay</body></html>".encode()
        if segments[:1] == ["html200"]:
            return 200, "text/html", f"<html><body>{self.canary} internal wiki page</body></html>".encode()
        if parts.path.endswith("/oauth2/v2.0/token"):
            tenant = segments[0] if segments else ""
            if tenant in self.issue_tokens_for:
                return 200, "application/json", {
                    "token_type": "Bearer",
                    "expires_in": 3599,
                    "ext_expires_in": 3599,
                    "access_token": "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJhdHRhY2tlciJ9.attacker-" + pyrandom.token_hex(8),
                }
            return 400, "application/json", {"error": "invalid_client", "error_description": "AADSTS7000215: attacker stand-in"}
        if parts.path.endswith("/devicecode"):
            return 400, "application/json", {"error": "invalid_client", "error_description": "attacker stand-in"}
        if segments in (["subscriptions"], ["tenants"]):
            return 200, "application/json", {"value": []}
        return 404, "application/json", {"error": {"code": "NotFound", "message": "attacker stand-in"}}

    # --- the log ---

    def _record(self, record: dict) -> None:
        with self.lock:
            self.requests.append(record)
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def since(self, mark: int) -> list[dict]:
        with self.lock:
            return list(self.requests[mark:])

    def credential_requests(self, mark: int = 0) -> list[dict]:
        """Requests after `mark` that carried a credential or a token (not metadata GETs)."""
        out = []
        for r in self.since(mark):
            auth = any(k.lower() == "authorization" for k in r["headers"])
            if r["method"] != "GET" or auth or "secret" in r["body"] or "assertion" in r["body"]:
                out.append(r)
        return out

    def leaks(self, secrets: dict[str, str], mark: int = 0) -> list[tuple[str, str]]:
        """(label, request line) for every secret found in the requests after `mark`."""
        found = []
        for r in self.since(mark):
            # As sent, and URL-decoded (a form body encodes "~" as %7E, which quote_plus does not).
            text = "\n".join([
                json.dumps(r), r["path"], r["body"], *r["headers"].values(),
                urllib.parse.unquote(r["path"]), urllib.parse.unquote_plus(r["body"]),
            ])
            for label, secret in secrets.items():
                if any(form in text for form in encodings(secret)):
                    found.append((label, f"{r['method']} {r['path']}"))
        return found

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def cleanup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
