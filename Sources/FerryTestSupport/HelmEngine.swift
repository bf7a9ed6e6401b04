import Foundation

/// The Helm engine itself (PyPI `helm-python-sdk`, Helm's Go SDK behind a Python API), used to
/// check the charts Ferry produces: load and render them, pull them from an OCI registry, and read
/// a chart repository's index.yaml with Helm's strict parser. Fails loudly when it is missing.
package enum HelmEngine {
    /// Runs one oracle command; its JSON answer is returned.
    package static func run(_ arguments: [String]) throws -> Any {
        let python = try Subprocess.require("python3")
        let directory = NSTemporaryDirectory() + "ferry-helm-oracle"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = directory + "/helm_oracle.py"
        if !FileManager.default.fileExists(atPath: script) || (try? String(contentsOfFile: script, encoding: .utf8)) != Self.script {
            try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        }
        let result = try Subprocess.run(python, [script] + arguments)
        guard result.status == 0 else {
            throw TestSupportError("helm engine \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)\(result.stdout)")
        }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
    }

    /// The images of every container in the chart rendered with its default values.
    package static func renderedImages(chart: String, values: [String: Any] = [:]) throws -> [String] {
        let valuesJSON = String(decoding: try JSONSerialization.data(withJSONObject: values), as: UTF8.self)
        return try run(["images", chart, valuesJSON]) as? [String] ?? []
    }

    /// Rendered templates by name.
    package static func render(chart: String) throws -> [String: String] {
        try run(["render", chart]) as? [String: String] ?? [:]
    }

    /// Pulls `oci://…` (plain HTTP) into `directory`; returns the path of the .tgz.
    package static func pull(_ reference: String, version: String, into directory: String) throws -> String {
        try run(["pull", reference, version, directory]) as? String ?? ""
    }

    /// Serves `directory` over HTTP and loads its index.yaml as `helm repo add` would, then pulls
    /// `name`/`version` through it; returns the index's entries (name → versions) and the pulled path.
    package static func loadRepository(_ directory: String, pull name: String, version: String, into destination: String) throws -> (entries: [String: [String]], pulled: String) {
        let answer = try run(["repo", directory, name, version, destination]) as? [String: Any] ?? [:]
        return (answer["entries"] as? [String: [String]] ?? [:], answer["pulled"] as? String ?? "")
    }

    static let script = #"""
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
    """#
}
