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

    /// The program, from `Resources/helm_oracle.py` (kept as a Python file so it can be read and linted as one).
    static let script = TestResources.text("helm_oracle.py")
}
