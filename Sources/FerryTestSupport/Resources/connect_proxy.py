# A forwarding proxy for tests: CONNECT tunnels (what curl, Go and Ferry send through
# HTTPS_PROXY and HTTP_PROXY), optional Basic proxy authentication, and a map from test-only
# host names to loopback, so a name that resolves nowhere is reachable only through the proxy.
import base64, select, socket, sys, threading
port, names, credentials = int(sys.argv[1]), sys.argv[2], sys.argv[3]
mapping = dict(item.split("=", 1) for item in names.split(",") if item)
log_lock = threading.Lock()
def log(*words):
    with log_lock:
        sys.stdout.write(" ".join(str(w) for w in words) + "\n"); sys.stdout.flush()
def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk: return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1").split("\r\n"), rest
def pump(a, b):
    sockets = [a, b]
    while True:
        readable, _, _ = select.select(sockets, [], [], 300)
        if not readable: return
        for s in readable:
            data = s.recv(65536)
            if not data: return
            (b if s is a else a).sendall(data)
def handle(client):
    try:
        lines, rest = read_head(client)
        if not lines: return
        method, target, _ = lines[0].split(" ", 2)
        headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        if credentials:
            given = headers.get("proxy-authorization", "")
            if given != "Basic " + base64.b64encode(credentials.encode()).decode():
                log("DENIED", method, target)
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                return
        if method != "CONNECT":
            log("REFUSED", method, target)
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"); return
        host, _, port_text = target.rpartition(":")
        real = mapping.get(host, host)
        try:
            upstream = socket.create_connection((real, int(port_text)), timeout=10)
        except OSError as error:
            log("FAILED", target, error)
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"); return
        log("CONNECT", target)
        client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        if rest: upstream.sendall(rest)
        pump(client, upstream)
        upstream.close()
    finally:
        client.close()
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port)); server.listen(64)
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
