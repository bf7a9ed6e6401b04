import FerryArchive
import FerryCore
import Foundation

/// A stand-in for the `helm` binary (none is packaged here), for tests of `ferry upgrade` and the
/// other commands that drive helm. It is a FAKE and says so: a Python 3 script installed as
/// `bin/helm` that reports its version as `<version>+gfake` and fails any real helm feature it does
/// not model with exit status 2 and "Error: fake helm: …". What it does model, it models after Helm
/// 3.14.4's own source: cobra/pflag parsing (interspersed flags, `--flag=value`, `-n ns`, `-nns`,
/// `Error: unknown flag: --xyz`, `"helm upgrade" requires 2 arguments`), the same flags per command
/// (those added after the reported version are unknown, e.g. `--reset-then-reuse-values` before
/// 3.14), and the same messages and JSON/YAML/table output for `version`, `repo add|list|update`,
/// `search repo`, `pull`, `install`, `upgrade`, `status`, `history`, `get values|manifest` and
/// `rollback`. Repositories, cached indexes and releases live under `state/` (the script reads
/// `FERRY_FAKE_HELM_STATE`); there is no cluster. `install`/`upgrade`/`rollback` store revisions as
/// helm's storage does (previous deployed → superseded, `--history-max` pruning, Helm's
/// `--reuse-values`/`--reset-then-reuse-values`/reset rules). Charts are loaded, dependency-checked
/// and rendered by the real Helm engine (PyPI `helm-python-sdk`, as `HelmEngine` uses), so the
/// stored manifest is what helm would apply; HTTP repositories are read with Basic auth as Helm's
/// getter does, and `oci://` charts are pulled by the engine.
package final class FakeHelm: Sendable {
    /// Holds `bin/helm` and `state/`.
    package let directory: TemporaryDirectory
    /// The directory containing the executable named `helm`: put it first on PATH.
    package let binDirectory: String
    /// `FERRY_FAKE_HELM_STATE`: repositories, index cache, releases, `version`, `calls.log`.
    package let stateDirectory: String

    /// Installs the fake reporting `version` (helm's `v3.X.Y` form; it decides which flags exist).
    package init(version: String = "v3.14.4") throws {
        _ = try Subprocess.require("python3")
        let directory = try TemporaryDirectory("fake-helm")
        // Written through a close-on-exec descriptor: a child started meanwhile by another test must
        // not inherit it open for writing, or executing the script would fail with ETXTBSY.
        try FileManager.default.createDirectory(atPath: directory.file("bin"), withIntermediateDirectories: true)
        let helm = directory.file("bin/helm")
        let sink = try AtomicFileSink(path: helm, mode: 0o755)
        try sink.write(Array(FakeHelm.script.utf8))
        try sink.commit()
        _ = try directory.write("state/version", version + "\n")
        self.directory = directory
        binDirectory = directory.file("bin")
        stateDirectory = directory.file("state")
    }

    /// Environment additions for running `ferry upgrade` against it: PATH with `binDirectory`
    /// first (the rest of the current PATH kept) and `FERRY_FAKE_HELM_STATE`.
    package var environment: [String: String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return ["PATH": "\(binDirectory):\(path)", "FERRY_FAKE_HELM_STATE": stateDirectory]
    }

    /// Every helm command line it received, one per call: `helm <args>` joined by spaces, the
    /// value of `--password` replaced by `******`.
    package var calls: [String] {
        let text = (try? String(contentsOfFile: stateDirectory + "/calls.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// The stored manifest of a release's latest revision (rendered YAML), for asserting images.
    package func manifest(release: String, namespace: String) throws -> String {
        let records = try history(release: release, namespace: namespace)
        return records[records.count - 1]["manifest"] as? String ?? ""
    }

    /// Stored user values (config) of the latest revision, as JSON-decoded Any (`[String: Any]`).
    package func values(release: String, namespace: String) throws -> Any? {
        let records = try history(release: release, namespace: namespace)
        return records[records.count - 1]["config"]
    }

    /// Sets the status of the latest revision (e.g. "pending-upgrade") to simulate a stuck release.
    /// From now on, an upgrade with --wait (or --atomic) fails as a rollout that never became
    /// ready does: the new revision is left `failed` (and, with --atomic, rolled back).
    package func failWaits() throws {
        _ = try directory.write("state/wait-fails", "1\n")
    }

    package func setStatus(release: String, namespace: String, status: String) throws {
        var records = try history(release: release, namespace: namespace)
        var latest = records[records.count - 1]
        var info = latest["info"] as? [String: Any] ?? [:]
        info["status"] = status
        latest["info"] = info
        records[records.count - 1] = latest
        let data = try JSONSerialization.data(withJSONObject: records, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: releaseFile(release: release, namespace: namespace)), options: .atomic)
    }

    private func releaseFile(release: String, namespace: String) -> String {
        "\(stateDirectory)/releases/\(namespace)/\(release).json"
    }

    /// The stored revisions of a release, oldest first.
    private func history(release: String, namespace: String) throws -> [[String: Any]] {
        let path = releaseFile(release: release, namespace: namespace)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TestSupportError("the fake helm has no release \(release) in namespace \(namespace)")
        }
        guard let records = try JSONSerialization.jsonObject(with: data) as? [[String: Any]], !records.isEmpty else {
            throw TestSupportError("the fake helm's record of \(namespace)/\(release) is empty or unreadable")
        }
        return records
    }

    /// The program, from `Resources/fake_helm.py` (kept as a Python file so it can be read and linted as one).
    static let script = TestResources.text("fake_helm.py")
}
