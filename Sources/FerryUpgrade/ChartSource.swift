import FerryArchive
import FerryCharts
import FerryOCI
import FerryRegistry
import Foundation
import Yams

/// What `--chart` names: a chart in a Helm repository (`REPO/CHART`), in an OCI registry
/// (`oci://host/path/chart`), an unpacked chart directory, or a packaged `.tgz`.
package enum ChartSource: Sendable, Equatable {
    case repository(name: String, chart: String)
    case oci(host: String, repository: String)
    case directory(String)
    case archive(String)

    package init(parsing text: String) throws {
        if text.hasPrefix("oci://") {
            let rest = text.dropFirst("oci://".count)
            guard let slash = rest.firstIndex(of: "/"), !rest[rest.index(after: slash)...].isEmpty else {
                throw UpgradeError(.chartUnreadable, "'\(text)' is not an OCI chart reference (oci://host/path/chart)")
            }
            self = .oci(host: String(rest[..<slash]), repository: String(rest[rest.index(after: slash)...]))
            return
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory) {
            self = isDirectory.boolValue ? .directory(text) : .archive(text)
            return
        }
        let parts = text.split(separator: "/")
        guard parts.count == 2, !text.hasPrefix("."), !text.hasPrefix("/") else {
            throw UpgradeError(.chartUnreadable, "'\(text)' is neither REPO/CHART, oci://…, nor an existing chart directory or .tgz")
        }
        self = .repository(name: String(parts[0]), chart: String(parts[1]))
    }

    /// What helm is given as CHART.
    package var helmArgument: String {
        switch self {
        case .repository(let name, let chart): return "\(name)/\(chart)"
        case .oci(let host, let repository): return "oci://\(host)/\(repository)"
        case .directory(let path), .archive(let path): return path
        }
    }
}

/// Reads a chart without changing anything (no `helm repo add`, no cache): the index of a
/// repository over HTTP, the tags of an OCI repository, or the files on disk.
struct ChartFetcher {
    let web: WebClient?
    let registry: RegistryClient?

    /// The versions available, newest first, and the chosen one.
    static func choose(_ available: [String], requested: String?, devel: Bool, what: String) throws -> String {
        let parsed = available.compactMap { text in SemanticVersion(text).map { (text, $0) } }.sorted { $0.1 > $1.1 }
        if let requested {
            if available.contains(requested) { return requested }
            throw UpgradeError(.versionMissing, "\(what) has no version \(requested)",
                               hint: "available: \(parsed.prefix(15).map(\.0).joined(separator: ", "))\(parsed.count > 15 ? ", …" : "")")
        }
        guard let newest = parsed.first(where: { devel || !$0.1.isPrerelease }) else {
            throw UpgradeError(devel ? .versionMissing : .noStableVersion, "\(what) has no \(devel ? "" : "stable ")version")
        }
        return newest.0
    }

    /// A chart from a repository's index: resolves the version and downloads the package.
    func fromRepository(url: String, chart: String, version: String?, devel: Bool) async throws -> (ChartTree, String) {
        guard let web else { preconditionFailure("no web client") }
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        let response = try await web.send("GET", base + "/index.yaml", context: "reading \(base)/index.yaml")
        guard response.status == 200 else {
            throw UpgradeError(.chartUnreadable, "\(base)/index.yaml answered \(response.status): \(WebClient.summary(response.body))")
        }
        guard let index = try? SafeYAML.load(String(decoding: response.body, as: UTF8.self), origin: "\(base)/index.yaml") as? [String: Any],
              let entries = (index["entries"] as? [String: Any])?[chart] as? [[String: Any]] else {
            throw UpgradeError(.chartUnreadable, "\(base)/index.yaml has no chart '\(chart)'")
        }
        let chosen = try Self.choose(entries.compactMap { $0["version"].map { "\($0)" } }, requested: version, devel: devel,
                                     what: "chart \(chart) in \(base)")
        guard let entry = entries.first(where: { "\($0["version"] ?? "")" == chosen }),
              let first = (entry["urls"] as? [Any])?.first.map({ "\($0)" }) else {
            throw UpgradeError(.chartUnreadable, "\(base)/index.yaml lists \(chart) \(chosen) without a URL")
        }
        let packageURL = first.contains("://") ? first : base + "/" + first
        let package = try await web.send("GET", packageURL, context: "downloading \(packageURL)")
        guard package.status == 200 else {
            throw UpgradeError(.chartUnreadable, "\(packageURL) answered \(package.status)")
        }
        return (try ChartTree(expandingPackedSubcharts: try ChartArchive.files(ofTgz: package.body, origin: packageURL), origin: packageURL), chosen)
    }

    /// A chart stored as `helm push` stores it.
    func fromOCI(repository: String, version: String?, devel: Bool) async throws -> (ChartTree, String) {
        guard let registry else { preconditionFailure("no registry client") }
        let tags = try await registry.tags(of: repository).map { $0.replacingOccurrences(of: "_", with: "+") }
        let where_ = "oci://\(registry.host)/\(repository)"
        guard !tags.isEmpty else { throw UpgradeError(.chartUnreadable, "\(where_) has no tags (is the chart there?)") }
        let chosen = try Self.choose(tags, requested: version, devel: devel, what: where_)
        let manifest = try await registry.fetchManifest(chosen.replacingOccurrences(of: "+", with: "_"), from: repository).manifest()
        guard let layer = manifest.layers.first(where: { $0.mediaType == MediaType.helmChart || $0.mediaType == "application/tar+gzip" }) else {
            throw UpgradeError(.chartUnreadable, "\(where_):\(chosen) is not a Helm chart (no chart layer)")
        }
        let package = try await registry.fetchBlob(layer.digest, from: repository)
        return (try ChartTree(expandingPackedSubcharts: try ChartArchive.files(ofTgz: package, origin: where_), origin: where_), chosen)
    }

    static func fromDirectory(_ path: String) throws -> ChartTree {
        var files: [String: [UInt8]] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw UpgradeError(.chartUnreadable, "cannot read the chart directory \(path)")
        }
        while let relative = walker.nextObject() as? String {
            if relative.hasPrefix(".git") { walker.skipDescendants(); continue }
            var isDirectory: ObjCBool = false
            let full = path + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: full) else { continue }
            files[relative] = Array(data)
        }
        return try ChartTree(expandingPackedSubcharts: files, origin: path)
    }

    static func fromArchive(_ path: String) throws -> ChartTree {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UpgradeError(.chartUnreadable, "cannot read \(path)")
        }
        return try ChartTree(expandingPackedSubcharts: try ChartArchive.files(ofTgz: Array(data), origin: path), origin: path)
    }
}
