import Foundation

/// Finds the bundles in an `intermediateBundlesPath`: every `*.bundle.tar`, whatever its name
/// (`<name>-X.Y.Z.bundle.tar` as upstream charts-syncer writes, `<name>_<version>.bundle.tar` as
/// the DaoCloud fork does, or anything else: the chart's own Chart.yaml says what it is). Other
/// files are passed over with a warning, never a crash.
package enum BundleDiscovery {
    package static func discover(in directory: String) throws -> (bundles: [String], warnings: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SyncError(.invalidConfig, "source.intermediateBundlesPath '\(directory)' is not a directory",
                            hint: "the path is relative to the directory ferry runs in")
        }
        var bundles: [String] = []
        var warnings: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            var entryIsDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &entryIsDirectory)
            if name.hasSuffix(".bundle.tar") && !entryIsDirectory.boolValue {
                bundles.append(path)
            } else if !name.hasPrefix(".") {
                warnings.append("\(path) is not a .bundle.tar; skipped")
            }
        }
        return (bundles, warnings)
    }

    /// Name and version from a bundle's file name, when it follows one of charts-syncer's patterns.
    package static func nameAndVersion(fileName: String) -> (name: String, version: String)? {
        guard fileName.hasSuffix(".bundle.tar") else { return nil }
        let stem = String(fileName.dropLast(".bundle.tar".count))
        if let underscore = stem.lastIndex(of: "_") {
            let name = String(stem[..<underscore]), version = String(stem[stem.index(after: underscore)...])
            if !name.isEmpty, !version.isEmpty, version.first?.isNumber == true { return (name, version) }
        }
        // `<name>-X.Y.Z`: the version is the last dash-separated part made of three numbers.
        if let match = stem.range(of: #"-\d+\.\d+\.\d+$"#, options: .regularExpression) {
            return (String(stem[..<match.lowerBound]), String(stem[stem.index(after: match.lowerBound)...]))
        }
        return nil
    }
}
