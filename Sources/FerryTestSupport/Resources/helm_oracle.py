import json, os, re, sys, threading, http.server, functools
try:
    import helm_python as helm
except ImportError:
    sys.stderr.write("helm-python-sdk is not installed: pip install helm-python-sdk (scripts/test does this)\n"); sys.exit(3)
cmd, args = sys.argv[1], sys.argv[2:]
def render(path, values=None):
    with helm.Chart.load(path) as chart:
        return chart.render(values or {}, name="release", namespace="default")
if cmd == "render":
    print(json.dumps(render(args[0])))
elif cmd == "images":
    out = render(args[0], json.loads(args[1]))
    images = []
    for text in out.values():
        images += [m.strip().strip('"').strip("'") for m in re.findall(r"^\s*-?\s*image:\s*(.+)$", text, re.M)]
    print(json.dumps(sorted(set(images))))
elif cmd == "pull":
    ref, version, dest = args
    os.makedirs(dest, exist_ok=True)
    helm.pull(ref, version=version, destination=dest, plain_http=True)
    files = [f for f in os.listdir(dest) if f.endswith(".tgz")]
    print(json.dumps(os.path.join(dest, files[0])))
elif cmd == "repo":
    directory, name, version, dest = args
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    index = helm.repo_index(url)
    entries = index.get("entries", {}) if isinstance(index, dict) else {}
    os.makedirs(dest, exist_ok=True)
    helm.pull(name, repo_url=url, version=version, destination=dest)
    server.shutdown()
    pulled = [f for f in os.listdir(dest) if f.endswith(".tgz")]
    print(json.dumps({"entries": {k: [e.get("version") for e in v] for k, v in entries.items()}, "pulled": os.path.join(dest, pulled[0])}))
else:
    sys.stderr.write("unknown command " + cmd); sys.exit(2)
