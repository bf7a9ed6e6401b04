#!/usr/bin/env python3
"""Writes sample input for Ferry's demo and benchmark, using only the Python standard library.

  make-bundle.py OUT --format bundle       a vendor bundle as charts-syncer writes it: hints.yaml,
                                           original-chart/, images.tar (gzip layers, manifest.json last)
  make-bundle.py OUT --format docker-save  a legacy `docker save` archive (uncompressed layers)
  make-bundle.py OUT --format oci          an OCI image layout directory (gzip layers)

Images are docker.io/vendor/app-N:1.0.N (see --image-prefix); every image also carries one layer shared by all.
Layers hold random bytes, so they do not compress and sizes are what they say.
"""
import argparse, gzip, hashlib, io, json, os, random, shutil, tarfile, tempfile, zlib

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--format", choices=["bundle", "docker-save", "oci"], default="bundle")
ap.add_argument("--name", default="demo")
ap.add_argument("--version", default="1.0.0")
ap.add_argument("--images", type=int, default=3)
ap.add_argument("--layers", type=int, default=2, help="layers of each image besides the shared one")
ap.add_argument("--layer-size", type=int, default=1 << 20)
ap.add_argument("--layer-size-max", type=int, default=0, help="when set, each layer's size is drawn between --layer-size and this")
ap.add_argument("--shared-size", type=int, default=1 << 20)
ap.add_argument("--gzip-level", type=int, default=1, help="0 stores the random bytes (fast, for very large samples)")
ap.add_argument("--values-size", type=int, default=0, help="pad values.yaml to about this many bytes (settings under app0)")
ap.add_argument("--image-prefix", default="docker.io/vendor/app", help="images are named <prefix>-N:1.0.N")
a = ap.parse_args()
work = tempfile.mkdtemp(prefix="ferry-sample-")
CHUNK = 1 << 20


class Layer:
    """A layer tar of one random file, written to disk with its gzip; digests computed while writing."""
    def __init__(self, label, size):
        self.tar_path = os.path.join(work, label + ".tar")
        self.gz_path = os.path.join(work, label + ".tar.gz")
        with open(self.tar_path, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tf:
                info = tarfile.TarInfo(f"data/{label}.bin"); info.size = size; info.mtime = 0; info.mode = 0o644
                class Random(io.RawIOBase):
                    left = size
                    def read(self, n=-1):
                        n = min(self.left, CHUNK if n is None or n < 0 else n); self.left -= n; return os.urandom(n)
                tf.addfile(info, Random())
        h_u, h_c = hashlib.sha256(), hashlib.sha256()
        comp = zlib.compressobj(a.gzip_level, zlib.DEFLATED, 31)
        with open(self.tar_path, "rb") as src, open(self.gz_path, "wb") as dst:
            while True:
                block = src.read(CHUNK)
                if not block: break
                h_u.update(block); out = comp.compress(block); h_c.update(out); dst.write(out)
            out = comp.flush(); h_c.update(out); dst.write(out)
        self.diff_id = "sha256:" + h_u.hexdigest()
        self.digest = "sha256:" + h_c.hexdigest()
        self.size = os.path.getsize(self.gz_path)


shared = Layer("shared", a.shared_size)
images = []
for i in range(a.images):
    sizes = [a.layer_size if not a.layer_size_max else random.Random(f"{i}-{j}").randint(a.layer_size, a.layer_size_max)
             for j in range(a.layers)]
    layers = [shared] + [Layer(f"app{i}-l{j}", size) for j, size in enumerate(sizes)]
    name = f"{a.image_prefix}-{i}:1.0.{i}"
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/app"], "Labels": {"image": name}},
                         "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in layers]}},
                        separators=(",", ":")).encode()
    images.append((name, layers, config))


def add_bytes(tf, name, data):
    info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0; info.mode = 0o644
    tf.addfile(info, io.BytesIO(data))


def add_file(tf, name, path):
    info = tarfile.TarInfo(name); info.size = os.path.getsize(path); info.mtime = 0; info.mode = 0o644
    with open(path, "rb") as f: tf.addfile(info, f)


def write_ggcr(path):
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tf:
        seen, entries = set(), []
        for name, layers, config in images:
            add_bytes(tf, "sha256:" + hashlib.sha256(config).hexdigest(), config)
            for l in layers:
                hexd = l.digest.split(":")[1]
                if hexd not in seen: seen.add(hexd); add_file(tf, hexd + ".tar.gz", l.gz_path)
            entries.append({"Config": "sha256:" + hashlib.sha256(config).hexdigest(), "RepoTags": [name],
                            "Layers": [l.digest.split(":")[1] + ".tar.gz" for l in layers]})
        add_bytes(tf, "manifest.json", json.dumps(entries, separators=(",", ":")).encode())


def write_docker_save(path):
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tf:
        entries, repositories, first = [], {}, {}
        for name, layers, config in images:
            chex = hashlib.sha256(config).hexdigest()
            add_bytes(tf, chex + ".json", config)
            paths = []
            for j, l in enumerate(layers):
                v1 = hashlib.sha256(f"{name}/{j}/{l.diff_id}".encode()).hexdigest()
                if l.diff_id in first:
                    info = tarfile.TarInfo(v1 + "/layer.tar"); info.type = tarfile.SYMTYPE
                    info.linkname = "../" + first[l.diff_id] + "/layer.tar"; tf.addfile(info)
                else:
                    add_file(tf, v1 + "/layer.tar", l.tar_path); first[l.diff_id] = v1
                add_bytes(tf, v1 + "/VERSION", b"1.0")
                paths.append(v1 + "/layer.tar")
            familiar = name.replace("docker.io/", "", 1)
            entries.append({"Config": chex + ".json", "RepoTags": [familiar], "Layers": paths})
            repo, tag = familiar.rsplit(":", 1)
            repositories.setdefault(repo, {})[tag] = chex
        add_bytes(tf, "manifest.json", json.dumps(entries).encode())
        add_bytes(tf, "repositories", json.dumps(repositories).encode())


def write_oci(path):
    blobs = os.path.join(path, "blobs", "sha256"); os.makedirs(blobs, exist_ok=True)
    def put(data):
        d = hashlib.sha256(data).hexdigest(); open(os.path.join(blobs, d), "wb").write(data); return "sha256:" + d
    index = []
    for name, layers, config in images:
        for l in layers:
            target = os.path.join(blobs, l.digest.split(":")[1])
            if not os.path.exists(target): shutil.copyfile(l.gz_path, target)
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config), "size": len(config)},
                               "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": l.digest, "size": l.size} for l in layers]},
                              separators=(",", ":")).encode()
        index.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(manifest), "size": len(manifest),
                      "annotations": {"org.opencontainers.image.ref.name": name}})
    open(os.path.join(path, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
    json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": index}, open(os.path.join(path, "index.json"), "w"))


def write_bundle(path):
    images_tar = os.path.join(work, "images.tar")
    write_ggcr(images_tar)
    hints, values = [], ["# Values of the sample chart; image coordinates are what the hints point at."]
    for i, (name, _, _) in enumerate(images):
        host, rest = name.split("/", 1); repo, tag = rest.rsplit(":", 1)
        key = f"app{i}"
        hints.append(f'- "{{{{ .{key}.image.registry }}}}/{{{{ .{key}.image.repository }}}}:{{{{ .{key}.image.tag }}}}"')
        values += [f"{key}:", "  image:", f"    registry: {host}", f"    repository: {repo}", f'    tag: "{tag}"']
    if a.values_size:
        # Realistic filler under app0.settings: nested maps, flow and block lists, comments, quoting.
        values.append("app0-settings-follow: true")
        values[values.index(f"app0:") + 1:values.index(f"app0:") + 1] = ["  settings:"]
        filler, size, n = [], sum(len(v) + 1 for v in values), 0
        while size < a.values_size:
            block = [f"    item{n:06d}:", f"      enabled: {'true' if n % 2 else 'false'}   # item {n}",
                     f'      name: "service-{n}"', f"      ports: [80, 443, {8000 + n % 1000}]",
                     "      env:", f"        - name: LEVEL_{n}", f"          value: '{n * 7 % 13}'",
                     "        - {name: MODE, value: fast}", "      limits: {cpu: 100m, memory: 64Mi}"]
            filler += block; size += sum(len(b) + 1 for b in block); n += 1
        at = values.index("  settings:") + 1
        values[at:at] = filler
        values.remove("app0-settings-follow: true")
    hints_text = ("\n".join(hints) + "\n").encode()
    chart = f"apiVersion: v2\nname: {a.name}\nversion: {a.version}\nappVersion: \"v{a.version}\"\ndescription: Sample module for Ferry\n".encode()
    template = b"""{{- range $key, $app := .Values }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $.Release.Name }}-{{ $key }}
spec:
  selector: {matchLabels: {app: {{ $key }}}}
  template:
    metadata: {labels: {app: {{ $key }}}}
    spec:
      containers:
        - name: {{ $key }}
          image: "{{ $app.image.registry }}/{{ $app.image.repository }}:{{ $app.image.tag }}"
---
{{- end }}
"""
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as tf:
        add_bytes(tf, "hints.yaml", hints_text)
        add_bytes(tf, "original-chart/.relok8s-images.yaml", hints_text)
        add_bytes(tf, "original-chart/Chart.yaml", chart)
        add_bytes(tf, "original-chart/templates/deployments.yaml", template)
        add_bytes(tf, "original-chart/values.yaml", ("\n".join(values) + "\n").encode())
        add_file(tf, "images.tar", images_tar)


try:
    {"bundle": write_bundle, "docker-save": write_docker_save, "oci": write_oci}[a.format](a.out)
finally:
    shutil.rmtree(work, ignore_errors=True)
print(a.out)
