import email.utils, http.client, http.server, socket, sys, threading, time
port, upstream, fault, count, method, needle = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
skip = int(sys.argv[7]) if len(sys.argv) > 7 else 0
lock, log_lock = threading.Lock(), threading.Lock()
left, skipped = [count], [skip]
def log(*words):
    # One write per line under a lock: print() from several threads can interleave lines.
    with log_lock:
        sys.stdout.write(" ".join(str(w) for w in words) + "\n"); sys.stdout.flush()
class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        inject = False
        if self.command == method and needle in self.path:
            with lock:
                if skipped[0] > 0: skipped[0] -= 1
                elif left[0] > 0: left[0] -= 1; inject = True
        if inject and fault == "cut-midway":
            # Forward the headers and half the body to the registry, then drop both connections:
            # the registry has part of the request, the client no answer.
            log("fault", self.command, self.path)
            upstream_conn = http.client.HTTPConnection(upstream, timeout=300)
            upstream_conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for key, value in self.headers.items():
                if key.lower() not in ("connection",): upstream_conn.putheader(key, value)
            upstream_conn.endheaders()
            upstream_conn.send(self.rfile.read(length // 2))
            upstream_conn.sock.shutdown(socket.SHUT_RDWR); upstream_conn.close()
            self.connection.shutdown(socket.SHUT_RDWR); self.close_connection = True; return
        if inject and fault == "stall-request":
            # Read half the body, then stop reading and never answer: a registry that stalled.
            log("fault", self.command, self.path)
            self.rfile.read(min(length // 2, 1 << 16))
            time.sleep(3600); return
        if inject:
            log("fault", self.command, self.path)
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk: break
                remaining -= len(chunk)
            if fault == "reset":
                self.connection.shutdown(socket.SHUT_RDWR); self.close_connection = True; return
            if fault == "cut-response":
                # The registry's real answer, headers and half its body, then the connection dropped.
                conn = http.client.HTTPConnection(upstream, timeout=300)
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for key, value in self.headers.items():
                    if key.lower() not in ("connection",): conn.putheader(key, value)
                conn.endheaders()
                response = conn.getresponse(); data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("connection", "transfer-encoding", "content-length"): self.send_header(key, value)
                self.send_header("Content-Length", str(len(data))); self.end_headers()
                self.wfile.write(data[:len(data) // 2]); self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR); self.close_connection = True; return
            if fault == "stall-response":
                # Answer with the headers and half a body, then stop sending.
                self.send_response(200)
                self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", "1000")
                self.end_headers(); self.wfile.write(b"{" * 500); self.wfile.flush()
                time.sleep(3600); return
            _, code, retry = fault.split(":")
            body = b'{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}'
            self.send_response(int(code))
            if retry.startswith("date+"):
                # Retry-After as an HTTP date, this many seconds from now.
                self.send_header("Retry-After", email.utils.formatdate(time.time() + int(retry[5:]), usegmt=True))
            elif retry: self.send_header("Retry-After", retry)
            self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD": self.wfile.write(body)  # a HEAD answer has no body
            return
        conn = http.client.HTTPConnection(upstream, timeout=300)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for key, value in self.headers.items():
            if key.lower() not in ("connection",): conn.putheader(key, value)
        conn.endheaders()
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk: break
            conn.send(chunk); remaining -= len(chunk)
        response = conn.getresponse()
        data = response.read()
        log("pass", self.command, self.path, response.status, *([self.headers["Range"]] if self.headers.get("Range") else []))
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length"): self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(data)
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
