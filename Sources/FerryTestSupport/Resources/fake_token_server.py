import base64, http.server, json, subprocess, sys, time, urllib.parse, uuid
port, key, cert, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], capture_output=True, check=True).stdout
x5c = base64.b64encode(der).decode()
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
def sign(claims):
    header = b64(json.dumps({"typ": "JWT", "alg": "RS256", "x5c": [x5c]}).encode())
    body = b64(json.dumps(claims).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=f"{header}.{body}".encode(),
                               capture_output=True, check=True).stdout
    return f"{header}.{body}.{b64(signature)}"
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        authed = False
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != f"{user}:{password}":
                print("401", " ".join(query.get("scope", [])), flush=True)
                self.send_response(401); self.send_header("Content-Type", "application/json"); self.end_headers()
                self.wfile.write(b'{"details":"incorrect username or password"}'); return
            authed = True
        access = []
        for scope in query.get("scope", []):
            for item in scope.split(" "):
                kind, rest = item.split(":", 1)
                name, actions = rest.rsplit(":", 1)
                access.append({"type": kind, "name": name, "actions": actions.split(",") if authed else []})
        now = int(time.time())
        token = sign({"iss": "ferry-test-issuer", "sub": user if authed else "", "aud": query.get("service", [""])[0],
                      "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": access})
        print("200", " ".join(query.get("scope", [])), flush=True)
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
