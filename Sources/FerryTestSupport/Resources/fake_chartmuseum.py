import base64, gzip, hashlib, http.server, io, json, os, re, sys, tarfile, time
port, flavor, project, user, password, storage = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
if flavor == "chartmuseum":
    index_path, upload_path = "/index.yaml", "/api/charts"
else:
    index_path, upload_path = f"/chartrepo/{project}/index.yaml", f"/api/chartrepo/{project}/charts"
def chart_meta(data):
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tf:
        for member in tf.getmembers():
            parts = member.name.split("/")
            if len(parts) == 2 and parts[1] == "Chart.yaml":
                text = tf.extractfile(member).read().decode()
                name = re.search(r"^name:\s*['\"]?([^'\"\n]+)", text, re.M).group(1).strip()
                version = re.search(r"^version:\s*['\"]?([^'\"\n]+)", text, re.M).group(1).strip()
                return name, version
    raise ValueError("no <chart>/Chart.yaml in the package")
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, body, note=""):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        print(self.command, self.path, code, note, flush=True)
        self.send_response(code); self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/yaml")
        self.end_headers(); self.wfile.write(data)
    def authorized(self):
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        return self.headers.get("Authorization") == expected
    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length: self.rfile.read(length)
        if flavor == "harbor28": return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})
        if not self.authorized(): return self.reply(401, {"error": "unauthorized"})
        if self.path == index_path:
            entries = {}
            for f in sorted(os.listdir(storage)):
                data = open(os.path.join(storage, f), "rb").read()
                name, version = chart_meta(data)
                entries.setdefault(name, []).append({"apiVersion": "v2", "name": name, "version": version,
                    "urls": [f"charts/{f}"], "digest": hashlib.sha256(data).hexdigest(), "created": "2024-01-01T00:00:00Z"})
            return self.reply(200, json.dumps({"apiVersion": "v1", "entries": entries, "generated": "2024-01-01T00:00:00Z"}).encode())
        # Packages, where the index's relative URLs point.
        package = self.path[len(index_path) - len("index.yaml"):] if self.path.startswith(index_path[:-len("index.yaml")] + "charts/") else None
        if package and "/" not in package[len("charts/"):] and os.path.isfile(os.path.join(storage, package[len("charts/"):])):
            return self.reply(200, open(os.path.join(storage, package[len("charts/"):]), "rb").read())
        self.reply(404, {"error": "not found"})
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        path, _, query = self.path.partition("?")
        if flavor == "harbor28": return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})
        if not self.authorized(): return self.reply(401, {"error": "unauthorized"})
        if path != upload_path: return self.reply(404, {"error": "no such route"})
        ctype = self.headers.get("Content-Type", "")
        m = re.fullmatch(r"multipart/form-data; boundary=(\S+)", ctype)
        if not m: return self.reply(400, {"error": "expected multipart/form-data with a boundary"}, "bad content type " + ctype)
        boundary = m.group(1).encode()
        if not body.startswith(b"--" + boundary + b"\r\n") or not body.endswith(b"\r\n--" + boundary + b"--\r\n"):
            return self.reply(400, {"error": "malformed multipart body"}, "bad framing")
        inner = body[len(boundary) + 4:-(len(boundary) + 8)]
        if b"\r\n--" + boundary in inner: return self.reply(400, {"error": "exactly one part expected"}, "several parts")
        head, sep, content = inner.partition(b"\r\n\r\n")
        if not sep: return self.reply(400, {"error": "part without headers"}, "no headers")
        disposition = [l for l in head.decode().split("\r\n") if l.lower().startswith("content-disposition:")]
        if len(disposition) != 1 or not re.fullmatch(r'Content-Disposition: form-data; name="chart"; filename="[^"/]+\.tgz"', disposition[0]):
            return self.reply(400, {"error": "expected one form field 'chart' with a .tgz file name"}, "bad disposition " + str(disposition))
        try:
            name, version = chart_meta(content)
        except Exception as e:
            return self.reply(400, {"error": f"not a chart package: {e}"}, "bad package")
        target = os.path.join(storage, f"{name}-{version}.tgz")
        if os.path.exists(target) and query != "force":
            return self.reply(409, {"error": "file already exists"}, f"{name}-{version} exists")
        open(target, "wb").write(content)
        self.reply(201, {"saved": True}, f"stored {name}-{version}")
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
