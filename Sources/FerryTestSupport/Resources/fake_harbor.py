# A stand-in for Harbor's project API in front of a real registry: GET and POST
# /api/v2.0/projects with Harbor's answers and error bodies, Basic auth for the API, and the
# registry API forwarded, except that a repository in a project that does not exist is refused
# as Harbor refuses it (404, code NOT_FOUND, "project NAME not found").
import base64, http.client, http.server, json, sys, threading, urllib.parse
port, upstream, user, password, initial = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
projects = {name: {"public": "true"} for name in initial.split(",") if name}
lock = threading.Lock()
def log(*words):
    with lock:
        sys.stdout.write(" ".join(str(w) for w in words) + "\n"); sys.stdout.flush()
def errors(code, message):
    return json.dumps({"errors": [{"code": code, "message": message}]}).encode()
class Harbor(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for key, value in headers: self.send_header(key, value)
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def authed(self):
        given = self.headers.get("Authorization", "")
        return given == "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    def api(self, body):
        url = urllib.parse.urlparse(self.path)
        if url.path.rstrip("/") != "/api/v2.0/projects":
            log(self.command, url.path, 404); return self.reply(404, errors("NOT_FOUND", "not found"))
        if self.command == "GET":
            # Harbor matches `name` fuzzily: every project whose name contains it.
            wanted = urllib.parse.parse_qs(url.query).get("name", [""])[0]
            with lock:
                found = [{"project_id": i + 1, "name": n, "metadata": m} for i, (n, m) in enumerate(sorted(projects.items()))
                         if wanted in n and (m["public"] == "true" or self.authed())]
            log("GET", self.path, 200)
            return self.reply(200, json.dumps(found).encode(), [("X-Total-Count", str(len(found)))])
        if self.command != "POST":
            return self.reply(405, errors("METHOD_NOT_ALLOWED", "method not allowed"))
        if not self.authed():
            log("POST", url.path, 401); return self.reply(401, errors("UNAUTHORIZED", "UnAuthorized"))
        try:
            request = json.loads(body)
            name = request["project_name"]
            public = request.get("metadata", {}).get("public", "false")
        except (ValueError, KeyError):
            log("POST", url.path, 400); return self.reply(400, errors("BAD_REQUEST", "invalid project request"))
        with lock:
            if name in projects:
                log("POST", url.path, 409, name); return self.reply(409, errors("CONFLICT", f"The project named {name} already exists"))
            projects[name] = {"public": public}
        log("POST", url.path, 201, name, "public=" + public)
        self.reply(201, b"", [("Location", f"/api/v2.0/projects/{len(projects)}")])
    def forward(self, body):
        parts = urllib.parse.urlparse(self.path).path.split("/")
        # /v2/<project>/<repo…>/(blobs|manifests|tags)/…: the project must exist.
        if len(parts) > 4 and parts[2] not in ("_catalog",):
            with lock: known = parts[2] in projects
            if not known:
                log(self.command, self.path, 404, "no-project")
                return self.reply(404, errors("NOT_FOUND", f"project {parts[2]} not found"))
        conn = http.client.HTTPConnection(upstream, timeout=300)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() in ("content-length", "connection", "transfer-encoding"): continue
            if key.lower() == "location": value = value.replace(f"http://{upstream}", f"http://127.0.0.1:{port}")
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data))); self.end_headers()
        if self.command != "HEAD": self.wfile.write(data)
        log(self.command, self.path.split("?")[0], answer.status)
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self.path.startswith("/api/"): return self.api(body)
        return self.forward(body)
    do_GET = do_POST = do_PUT = do_PATCH = do_HEAD = do_DELETE = handle_any
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Harbor).serve_forever()
