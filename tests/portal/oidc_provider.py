"""A small OpenID Connect provider for the tests: an HTTP server in a thread serving the
discovery document, authorize (which approves at once), token (checking the client and PKCE),
jwks and userinfo, with RS256 id tokens signed by a key made for the test. ``tamper`` breaks
what it names: ``"signature"`` (signed by another key) or ``"nonce"`` (another nonce)."""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KID = "test-key"


class Provider:
    def __init__(self, *, client_id, client_secret):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.identity = {"sub": "subject-1"}
        self.tamper = None
        self.codes, self.tokens = {}, {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                provider.get(self)

            def do_POST(self):
                provider.post(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self, **extra):
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "SOCIUS_OIDC_ISSUER": self.url,
            "SOCIUS_OIDC_SSN_CLAIM": "national_id",
            **extra,
        }

    # HTTP

    def _json(self, handler, status, body):
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def get(self, handler):
        url = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            return self._json(
                handler,
                200,
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "userinfo_endpoint": f"{self.url}/userinfo",
                    "jwks_uri": f"{self.url}/jwks",
                },
            )
        if url.path == "/authorize":
            if query.get("client_id") != self.client_id or query.get("response_type") != "code":
                return self._json(handler, 400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(16)
            self.codes[code] = query
            handler.send_response(302)
            handler.send_header(
                "Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
            )
            handler.end_headers()
            return None
        if url.path == "/jwks":
            public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
            return self._json(handler, 200, {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]})
        if url.path == "/userinfo":
            token = handler.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return self._json(handler, 401, {"error": "invalid_token"})
            return self._json(handler, 200, self.tokens[token])
        return self._json(handler, 404, {"error": "not_found"})

    def post(self, handler):
        length = int(handler.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        asked = self.codes.pop(form.get("code"), None)
        if (
            urlsplit(handler.path).path != "/token"
            or asked is None
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("redirect_uri") != asked["redirect_uri"]
        ):
            return self._json(handler, 400, {"error": "invalid_grant"})
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked.get("code_challenge"):
            return self._json(handler, 400, {"error": "invalid_grant"})
        now = int(time.time())
        claims = {
            **self.identity,
            "iss": self.url,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": "another nonce" if self.tamper == "nonce" else asked.get("nonce"),
        }
        key = self.other_key if self.tamper == "signature" else self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = dict(self.identity)
        return self._json(handler, 200, {"access_token": access_token, "token_type": "Bearer", "id_token": id_token})
