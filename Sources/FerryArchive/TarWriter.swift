import FerryCore
import Foundation

/// Writes a deterministic tar: regular files only (plus directories when asked), mode 0644,
/// uid/gid 0, mtime 0, ustar headers, pax records only for names too long for ustar. The same
/// members in the same order always give the same bytes.
package final class TarWriter {
    private let sink: any ByteSink
    private var finished = false
    package private(set) var position: Int64 = 0
    /// Counts the bytes an archive would take without reading or writing any content (the size
    /// of an inner tar, needed in the outer header before the inner one is written).
    private let measuring: Bool

    package init(writingTo sink: any ByteSink) {
        self.sink = sink
        self.measuring = false
    }

    /// A writer that only counts: `position` after `finish()` is the archive's size.
    package init(measuringOnly: Void) {
        self.sink = NullSink()
        self.measuring = true
    }

    /// Adds a file from memory.
    package func addFile(_ path: String, bytes: [UInt8], mode: Int = 0o644) throws {
        try writeHeader(path: path, size: Int64(bytes.count), typeflag: UInt8(ascii: "0"), mode: mode)
        try emit(bytes)
        try pad(Int64(bytes.count))
    }

    /// Adds a file whose bytes are streamed from a range of another file.
    package func addFile(_ path: String, from range: ByteRange, mode: Int = 0o644) throws {
        try writeHeader(path: path, size: range.length, typeflag: UInt8(ascii: "0"), mode: mode)
        if measuring {
            position += range.length
            return try pad(range.length)
        }
        // File to file: the kernel copies (the bytes were checked when they were stored).
        if let file = sink as? any FileCopyingSink, try range.file.copy(into: file, offset: range.offset, count: range.length) {
            position += range.length
            return try pad(range.length)
        }
        try range.forEachChunk { chunk in
            try sink.write(chunk)
            position += Int64(chunk.count)
        }
        try pad(range.length)
    }

    /// Adds a file whose bytes `produce` writes; `size` must be exact.
    package func addFile(_ path: String, size: Int64, mode: Int = 0o644,
                        produce: (any ByteSink) throws -> Void) throws {
        try writeHeader(path: path, size: size, typeflag: UInt8(ascii: "0"), mode: mode)
        if measuring {
            position += size
            return try pad(size)
        }
        let counter = CountingSink(forwardingTo: sink)
        try produce(counter)
        guard counter.count == size else {
            throw ArchiveError(.io, "tar member '\(path)' was declared as \(size) bytes but \(counter.count) were written")
        }
        position += size
        try pad(size)
    }

    /// Adds a symbolic link (legacy `docker save` stores a repeated layer this way).
    package func addSymlink(_ path: String, target: String) throws {
        try writeHeader(path: path, size: 0, typeflag: UInt8(ascii: "2"), mode: 0o777, linkname: target)
    }

    package func addDirectory(_ path: String) throws {
        let name = path.hasSuffix("/") ? path : path + "/"
        try writeHeader(path: name, size: 0, typeflag: UInt8(ascii: "5"), mode: 0o755)
    }

    /// Writes the two zero blocks that end an archive.
    package func finish() throws {
        guard !finished else { return }
        finished = true
        try emit([UInt8](repeating: 0, count: 1024))
    }

    // MARK: - Headers

    private func writeHeader(path: String, size: Int64, typeflag: UInt8, mode: Int, linkname: String = "") throws {
        precondition(!finished, "TarWriter used after finish()")
        let name = Array(path.utf8)
        var fields = ustarSplit(name)
        if fields == nil {
            // Too long for ustar: a pax record carries the real name.
            let record = Self.paxRecord(key: "path", value: path)
            let paxName = Array("PaxHeaders/\(path.split(separator: "/").last ?? "")".utf8.prefix(100))
            try emit(Self.header(name: paxName, prefix: [], size: Int64(record.count), typeflag: UInt8(ascii: "x"), mode: 0o644))
            try emit(record)
            try pad(Int64(record.count))
            fields = (Array(name.suffix(100)), [])
        }
        try emit(Self.header(name: fields!.name, prefix: fields!.prefix, size: size, typeflag: typeflag, mode: mode,
                             linkname: Array(linkname.utf8.prefix(100))))
    }

    private func ustarSplit(_ name: [UInt8]) -> (name: [UInt8], prefix: [UInt8])? {
        if name.count <= 100 { return (name, []) }
        guard name.count <= 256 else { return nil }
        // Split at a slash so that prefix ≤ 155 and name ≤ 100.
        for i in stride(from: min(155, name.count - 1), through: 1, by: -1) where name[i] == UInt8(ascii: "/") {
            if name.count - i - 1 <= 100 && name.count - i - 1 > 0 {
                return (Array(name[(i + 1)...]), Array(name[..<i]))
            }
        }
        return nil
    }

    static func header(name: [UInt8], prefix: [UInt8], size: Int64, typeflag: UInt8, mode: Int, linkname: [UInt8] = []) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) {
            for (i, b) in bytes.enumerated() { block[offset + i] = b }
        }
        func octal(_ value: Int64, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(Int64(mode), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        if size < 0o77777777777 {
            put(octal(size, width: 12), at: 124)
        } else {
            // GNU base-256 for members of 8 GiB and more.
            var value = size
            for i in stride(from: 135, through: 125, by: -1) {
                block[i] = UInt8(value & 0xff)
                value >>= 8
            }
            block[124] = 0x80
        }
        put(octal(0, width: 12), at: 136)
        block[156] = typeflag
        put(linkname, at: 157)
        put(Array("ustar\0".utf8), at: 257)
        put(Array("00".utf8), at: 263)
        // devmajor and devminor as Go's archive/tar writes them, so headers match relok8s's bundles.
        put(octal(0, width: 8), at: 329)
        put(octal(0, width: 8), at: 337)
        put(prefix, at: 345)
        put(Array("        ".utf8), at: 148)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(Array(String(format: "%06o", sum).utf8) + [0, UInt8(ascii: " ")], at: 148)
        return block
    }

    static func paxRecord(key: String, value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length {
            length = String(length).utf8.count + body.utf8.count
        }
        return Array("\(length)\(body)".utf8)
    }

    private func emit(_ bytes: [UInt8]) throws {
        if !measuring { try sink.write(bytes) }
        position += Int64(bytes.count)
    }

    private func pad(_ size: Int64) throws {
        let remainder = Int(size % 512)
        if remainder != 0 {
            try emit([UInt8](repeating: 0, count: 512 - remainder))
        }
    }
}

/// Discards what it is given.
final class NullSink: ByteSink {
    func write(_ bytes: UnsafeRawBufferPointer) throws {}
}

/// Counts what passes through to another sink, keeping its kernel copies.
final class CountingSink: FileCopyingSink {
    private(set) var count: Int64 = 0
    private let next: any ByteSink

    init(forwardingTo next: any ByteSink) {
        self.next = next
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try next.write(bytes)
        count += Int64(bytes.count)
    }

    func copy(from source: Int32, offset: Int64, count: Int64) throws -> Bool {
        guard let file = next as? any FileCopyingSink, try file.copy(from: source, offset: offset, count: count) else { return false }
        self.count += count
        return true
    }
}
