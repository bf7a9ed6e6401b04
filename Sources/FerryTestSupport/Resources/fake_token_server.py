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
refresh_token = f"refresh-{user}-identity"
def scopes_access(scopes, authed):
    access = []
    for scope in scopes:
        for item in scope.split(" "):
            if not item: continue
            kind, rest = item.split(":", 1)
            name, actions = rest.rsplit(":", 1)
            access.append({"type": kind, "name": name, "actions": actions.split(",") if authed else []})
    return access
def issue(handler, scopes, service, authed, extra):
    now = int(time.time())
    token = sign({"iss": "ferry-test-issuer", "sub": user if authed else "", "aud": service,
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": scopes_access(scopes, authed)})
    body = json.dumps(dict({"token": token, "access_token": token, "expires_in": 300}, **extra)).encode()
    handler.send_response(200); handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body))); handler.end_headers(); handler.wfile.write(body)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        # The OAuth2 refresh-token grant: an identity token stands in for the password.
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode())
        scopes = form.get("scope", [])
        if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != [refresh_token]:
            print("POST 401", " ".join(scopes), flush=True)
            self.send_response(401); self.send_header("Content-Type", "application/json"); self.end_headers()
            self.wfile.write(b'{"error":"invalid_grant","error_description":"the refresh token is not valid"}'); return
        print("POST 200", " ".join(scopes), flush=True)
        issue(self, scopes, form.get("service", [""])[0], True, {"refresh_token": refresh_token})
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
        print("200", " ".join(query.get("scope", [])), flush=True)
        issue(self, query.get("scope", []), query.get("service", [""])[0], authed, {})
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
