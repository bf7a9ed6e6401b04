#!/usr/bin/env python3
"""The bench's raw reference pusher: what a minimal client costs the registry, nothing more.

  ref-push.py REGISTRY DIR PREFIX --concurrency N

DIR holds an extracted ggcr images.tar (manifest.json, sha256:<hex> configs, <hex>.tar.gz layers).
Each image goes to REGISTRY/PREFIX/<last path element>:<tag>: every blob it needs is uploaded there
(POST, then one PUT with the digest; no HEAD, no mount), then its Docker schema-2 manifest is PUT.
N worker threads share the images, each on one kept-alive connection. Plain HTTP, no auth.
"""
import argparse, hashlib, http.client, json, os, queue, sys, threading, urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("registry"); ap.add_argument("dir"); ap.add_argument("prefix")
ap.add_argument("--concurrency", type=int, default=4)
a = ap.parse_args()
entries = json.load(open(os.path.join(a.dir, "manifest.json")))
work = queue.Queue()
for entry in entries: work.put(entry)
failures = []

def request(conn, method, path, body=b"", headers=None):
    conn.request(method, path, body=body, headers=dict({"Content-Length": str(len(body))}, **(headers or {})))
    response = conn.getresponse(); data = response.read()
    return response, data

def push(conn, entry):
    name, tag = entry["RepoTags"][0].rsplit(":", 1)
    repo = f"{a.prefix}/{name.rsplit('/', 1)[-1]}"
    described = []
    for file in [entry["Config"]] + entry["Layers"]:
        data = open(os.path.join(a.dir, file), "rb").read()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        response, _ = request(conn, "POST", f"/v2/{repo}/blobs/uploads/")
        location = urllib.parse.urlparse(response.getheader("Location"))
        sep = "&" if location.query else "?"
        response, _ = request(conn, "PUT", f"{location.path}?{location.query}{sep}digest={digest}", data,
                              {"Content-Type": "application/octet-stream"})
        if response.status != 201: raise RuntimeError(f"PUT blob {digest}: {response.status}")
        described.append({"digest": digest, "size": len(data)})
    config, layers = described[0], described[1:]
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": dict(config, mediaType="application/vnd.docker.container.image.v1+json"),
                           "layers": [dict(l, mediaType="application/vnd.docker.image.rootfs.diff.tar.gzip") for l in layers]}).encode()
    response, _ = request(conn, "PUT", f"/v2/{repo}/manifests/{tag}", manifest,
                          {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
    if response.status != 201: raise RuntimeError(f"PUT manifest {repo}:{tag}: {response.status}")

def worker():
    conn = http.client.HTTPConnection(a.registry, timeout=300)
    while True:
        try: entry = work.get_nowait()
        except queue.Empty: return
        try: push(conn, entry)
        except Exception as error: failures.append(str(error)); conn.close(); conn = http.client.HTTPConnection(a.registry, timeout=300)

threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
for t in threads: t.start()
for t in threads: t.join()
if failures: print("\n".join(failures[:5]), file=sys.stderr); sys.exit(1)
