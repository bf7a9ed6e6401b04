import FerryArchive
import FerryCore
import FerryOCI
import Foundation

/// Chart packages (`<name>-<version>.tgz`): read into memory, and written deterministically —
/// entries `<name>/<path>` in sorted order, mode 0644, mtime 0, a fixed gzip header — so the same
/// chart always packs to the same bytes and the same digest.
package enum ChartArchive {
    /// Helm's limit: a chart may not unpack to more than 100 MiB (files: `ChartTree.maximumFileSize`).
    static let maximumSize = 100 << 20

    package static func package(_ chart: ChartTree) throws -> [UInt8] {
        let out = MemorySink()
        let gzip = try GzipCompressor(writingTo: out, level: 9)
        let tar = TarWriter(writingTo: gzip)
        for path in chart.files.keys.sorted() {
            // Every entry stays under the chart's top directory.
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }), !path.utf8.contains(0) else {
                throw ChartsError(.invalidChart, "\(chart.origin): file '\(ChartMetadata.printable(path))' would leave the chart's directory in the package")
            }
            try tar.addFile("\(chart.metadata.name)/\(path)", bytes: chart.files[path]!)
        }
        try tar.finish()
        try gzip.finish()
        return out.bytes
    }

    /// The files of a chart package, with the top directory (whatever its name) removed, as Helm reads it.
    package static func files(ofTgz bytes: [UInt8], origin: String) throws -> [String: [UInt8]] {
        guard bytes.starts(with: [0x1f, 0x8b]) else {
            throw ChartsError(.invalidChart, "\(origin) is not a gzipped chart archive")
        }
        let tarBytes = MemorySink()
        let gunzip = try GzipDecompressor(writingTo: LimitedSink(tarBytes, limit: maximumSize, origin: origin), origin: origin)
        try gunzip.write(bytes)
        try gunzip.finish()
        // TarIndex reads files; a chart is small enough to pass through a temporary one.
        let temporary = NSTemporaryDirectory() + "ferry-chart-\(UUID().uuidString).tar"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(tarBytes.bytes)) else {
            throw ChartsError(.invalidChart, "cannot write a temporary file for \(origin)")
        }
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let index = try TarIndex(range: ByteRange(file: try RandomAccessFile(path: temporary), offset: 0,
                                                  length: Int64(tarBytes.bytes.count), origin: origin))
        var files: [String: [UInt8]] = [:]
        for entry in index.entries where entry.isFile {
            let parts = entry.path.split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else {
                throw ChartsError(.invalidChart, "\(origin): '\(entry.path)' is not inside the chart's top directory")
            }
            files[String(parts[1])] = try index.member(entry.path).readAll(limit: ChartTree.maximumFileSize)
        }
        return files
    }
}

/// Refuses to collect more than `limit` bytes (a gzip bomb in a chart is stopped early).
final class LimitedSink: ByteSink {
    private let next: any ByteSink
    private let limit: Int
    private let origin: String
    private var count = 0

    init(_ next: any ByteSink, limit: Int, origin: String) {
        self.next = next
        self.limit = limit
        self.origin = origin
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        count += bytes.count
        guard count <= limit else {
            throw ChartsError(.invalidChart, "\(origin) unpacks to more than \(limit >> 20) MiB, more than Helm allows")
        }
        try next.write(bytes)
    }
}
