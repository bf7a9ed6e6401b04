import FerryCharts
import Foundation

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

/// The version an upgrade installs: the one asked for, which must exist, or the newest
/// (the newest stable one unless prereleases are allowed), as `helm upgrade` chooses.
package enum VersionChoice {
    package static func choose(_ available: [String], requested: String?, devel: Bool, what: String) throws -> String {
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
}
