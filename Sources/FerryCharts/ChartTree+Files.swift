import Foundation

extension ChartTree {
    /// An unpacked chart directory (`.git` and other dot-directories at its top are skipped).
    package static func read(directory path: String) throws -> ChartTree {
        try ChartTree(expandingPackedSubcharts: try files(inDirectory: path), origin: path)
    }

    /// The files of a chart directory as they are (packed subcharts not expanded), without what
    /// its `.helmignore` excludes, as `helm package` would take them.
    package static func files(inDirectory path: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else {
            throw ChartsError(.invalidChart, "cannot read the chart directory \(path)")
        }
        while let relative = walker.nextObject() as? String {
            if relative.hasPrefix(".git") { walker.skipDescendants(); continue }
            var isDirectory: ObjCBool = false
            let full = path + "/" + relative
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: full) else { continue }
            guard data.count <= maximumFileSize else {
                throw ChartsError(.invalidChart, "\(full) is \(data.count) bytes, more than the \(maximumFileSize >> 20) MiB Ferry reads from a chart")
            }
            files[relative] = Array(data)
        }
        if let rules = files[".helmignore"] {
            let ignore = HelmIgnore(String(decoding: rules, as: UTF8.self))
            files = files.filter { !ignore.excludes($0.key) }
        }
        return files
    }

    /// A packaged chart (`.tgz`) on disk.
    package static func read(package path: String) throws -> ChartTree {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChartsError(.invalidChart, "cannot read \(path)")
        }
        return try ChartTree(expandingPackedSubcharts: try ChartArchive.files(ofTgz: Array(data), origin: path), origin: path)
    }
}
