/// What a file that should be a tar archive looks like instead, from its first bytes, so an
/// operator who passed the wrong file is told what it is rather than that it is "truncated".
enum FileSniff {
    static func describe(_ head: [UInt8], size: Int64) -> String {
        if size == 0 { return "is empty" }
        switch Compression.detect(head) {
        case .gzip: return "is gzip data; gunzip it first"
        case .zstd: return "is zstd data; decompress it first (zstd -d)"
        case .bzip2: return "is bzip2 data; decompress it first (bunzip2)"
        case .xz: return "is xz data; decompress it first (unxz)"
        case .none: break
        }
        let text = Array(head.prefix(256))
        // Text is valid UTF-8 (a character cut off at the end of the sample allowed) without control bytes.
        var valid = String(validating: text, as: UTF8.self) != nil
        for cut in 1...3 where !valid && text.count > cut {
            valid = String(validating: text.dropLast(cut), as: UTF8.self) != nil
        }
        let printable = valid && text.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 != 127) }
        guard printable, !text.isEmpty else { return "starts with binary data that is not a tar header (\(size) bytes)" }
        let start = String(decoding: text, as: UTF8.self).drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        if start.hasPrefix("{") || start.hasPrefix("[") { return "starts with JSON, not a tar header" }
        if start.hasPrefix("---") || start.hasPrefix("#") || start.split(separator: "\n").first?.contains(":") == true {
            return "starts with YAML, not a tar header"
        }
        return "starts with text, not a tar header"
    }

    /// Nil when the range starts with a tar header (or the end marker), else what it looks like.
    static func notATar(_ range: ByteRange) throws -> String? {
        let head = try range.prefix(TarHeader.blockSize)
        if head.count == TarHeader.blockSize {
            if head.allSatisfy({ $0 == 0 }) { return nil }
            if (try? TarHeader(block: head, origin: range.origin, offset: 0)) != nil { return nil }
        }
        return describe(head, size: range.length)
    }
}
