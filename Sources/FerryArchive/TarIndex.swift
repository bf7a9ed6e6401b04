/// Every member of a tar archive with its offset and size, found in one pass over the headers.
/// The archive can itself be a member of another archive (`images.tar` inside a bundle): offsets are
/// then relative to the outer file, and nothing is extracted.
public struct TarIndex: Sendable {
    /// What the archive is called in messages.
    public let origin: String
    public let range: ByteRange
    public private(set) var entries: [TarEntry] = []
    private var byPath: [String: Int] = [:]
    /// Entries the index did not keep, each with the reason; shown with `--verbose`.
    public private(set) var skipped: [String] = []

    public init(range: ByteRange) throws {
        self.range = range
        self.origin = range.origin
        try scan()
    }

    public init(file: RandomAccessFile) throws {
        try self.init(range: ByteRange(wholeFile: file))
    }

    public var paths: [String] { entries.map(\.path) }

    public func entry(_ path: String) -> TarEntry? {
        byPath[path].map { entries[$0] }
    }

    public func contains(_ path: String) -> Bool { byPath[path] != nil }

    /// The bytes of a regular file member. A link is followed when its target is another member of
    /// the same archive (legacy `docker save` stores a repeated layer as a link); a link that points
    /// outside the archive, a device or a directory is an error that names the entry.
    public func member(_ path: String) throws -> ByteRange {
        var current = path
        for _ in 0..<16 {
            guard let entry = entry(current) else {
                let via = current == path ? "" : " (reached through a link from '\(path)')"
                throw ArchiveError(.missingEntry, "\(origin) has no entry '\(current)'\(via)")
            }
            switch entry.kind {
            case .file:
                return range.slice(offset: entry.dataOffset, length: entry.size, origin: "\(origin)!\(path)")
            case .hardlink(let target):
                current = try Self.resolve(link: target, relativeTo: nil, entry: path, origin: origin)
            case .symlink(let target):
                current = try Self.resolve(link: target, relativeTo: current, entry: path, origin: origin)
            case .directory:
                throw ArchiveError(.invalidImage, "\(origin): entry '\(path)' is a directory, but a file is needed there")
            case .special(let flag):
                throw ArchiveError(.unsafeEntry,
                                   "\(origin): entry '\(path)' is a device or special file (type '\(Character(UnicodeScalar(flag)))'), which Ferry never reads")
            }
        }
        throw ArchiveError(.unsafeEntry, "\(origin): entry '\(path)' is part of a link loop")
    }

    /// The archive's members below `prefix/`, as (path relative to the prefix, entry).
    public func members(under prefix: String) -> [(relative: String, entry: TarEntry)] {
        let lead = prefix.hasSuffix("/") ? prefix : prefix + "/"
        return entries.compactMap { entry in
            guard entry.path.hasPrefix(lead) else { return nil }
            return (String(entry.path.dropFirst(lead.count)), entry)
        }
    }

    // MARK: - Scanning

    private mutating func scan() throws {
        var offset: Int64 = 0
        var longName: String?
        var longLink: String?
        var paxPath: String?
        var paxLink: String?
        var paxSize: Int64?
        let block = TarHeader.blockSize

        while true {
            guard offset + Int64(block) <= range.length else {
                throw ArchiveError(.truncated, "\(origin) is truncated: it ends at byte \(range.length) without the end-of-archive marker",
                                   hint: "the file was cut short (an interrupted copy or download?); obtain a complete copy")
            }
            let bytes = try range.read(at: offset, count: block)
            guard let header = try TarHeader(block: bytes, origin: origin, offset: range.offset + offset) else {
                break
            }
            let dataOffset = offset + Int64(block)
            var size = header.size
            let flag = header.typeflag
            // Metadata entries (pax, GNU long names) describe the next header.
            if flag == UInt8(ascii: "x") || flag == UInt8(ascii: "g") || flag == UInt8(ascii: "L") || flag == UInt8(ascii: "K") {
                guard dataOffset + size <= range.length else {
                    throw ArchiveError(.truncated, "\(origin) is truncated inside the extended header at offset \(range.offset + offset)")
                }
                guard size <= 1 << 20 else {
                    throw ArchiveError(.malformedTar, "\(origin): extended header at offset \(range.offset + offset) is \(size) bytes, more than any real path needs")
                }
                let data = try range.read(at: dataOffset, count: Int(size))
                switch flag {
                case UInt8(ascii: "x"):
                    let records = try Self.paxRecords(data, origin: origin, offset: range.offset + offset)
                    paxPath = records["path"] ?? paxPath
                    paxLink = records["linkpath"] ?? paxLink
                    if let text = records["size"] {
                        guard let value = Int64(text), value >= 0 else {
                            throw ArchiveError(.malformedTar, "\(origin): pax header at offset \(range.offset + offset) has an invalid size '\(text)'")
                        }
                        paxSize = value
                    }
                case UInt8(ascii: "L"):
                    longName = TarHeader.string(data[...])
                case UInt8(ascii: "K"):
                    longLink = TarHeader.string(data[...])
                default:
                    break  // global pax headers carry nothing Ferry needs
                }
                offset = dataOffset + Self.padded(size)
                continue
            }

            let rawName = paxPath ?? longName ?? header.name
            let link = paxLink ?? longLink ?? header.linkname
            if let paxSize { size = paxSize }
            paxPath = nil; paxLink = nil; paxSize = nil; longName = nil; longLink = nil

            let hasData = flag == UInt8(ascii: "0") || flag == 0 || flag == UInt8(ascii: "7")
            if hasData && dataOffset + size > range.length {
                throw ArchiveError(.truncated,
                                   "\(origin) is truncated: entry '\(rawName)' claims \(size) bytes but the archive ends first",
                                   hint: "the file was cut short or its header lies about the size; obtain a complete copy")
            }
            let path = try Self.normalise(rawName, origin: origin)
            let kind: TarEntry.Kind
            switch flag {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .file
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "2"): kind = .symlink(target: link)
            case UInt8(ascii: "1"): kind = .hardlink(target: link)
            default: kind = .special(typeflag: flag)
            }
            // Old tars mark directories only by a trailing slash.
            let finalKind: TarEntry.Kind = (kind == .file && rawName.hasSuffix("/")) ? .directory : kind
            switch finalKind {
            case .special(let flag):
                skipped.append("\(origin): '\(path)' is a device or special file (type \(flag)); ignored unless something needs it")
            case .symlink(let target), .hardlink(let target):
                if (try? Self.resolve(link: target, relativeTo: flag == UInt8(ascii: "2") ? path : nil, entry: path, origin: origin)) == nil {
                    skipped.append("\(origin): '\(path)' links to '\(target)', outside the archive; ignored unless something needs it")
                }
            default:
                break
            }
            if !path.isEmpty {
                if let existing = byPath[path] {
                    if !(entries[existing].kind == .directory && finalKind == .directory) {
                        throw ArchiveError(.duplicateEntry, "\(origin) contains entry '\(path)' twice",
                                           hint: "an archive with duplicate names is ambiguous; Ferry refuses to guess which copy is meant")
                    }
                } else {
                    byPath[path] = entries.count
                    entries.append(TarEntry(path: path, kind: finalKind, dataOffset: dataOffset,
                                            size: hasData ? size : 0, mode: header.mode))
                }
            }
            offset = dataOffset + (hasData ? Self.padded(size) : 0)
            // Some writers give links and directories a size; their data blocks follow anyway.
            if !hasData && size > 0 && flag != UInt8(ascii: "1") && flag != UInt8(ascii: "2") && flag != UInt8(ascii: "5") {
                offset += Self.padded(size)
            }
        }
    }

    static func padded(_ size: Int64) -> Int64 {
        (size + 511) / 512 * 512
    }

    /// Cleans a member name and refuses names that could escape a target directory.
    static func normalise(_ name: String, origin: String) throws -> String {
        guard !name.hasPrefix("/") else {
            throw ArchiveError(.unsafeEntry, "\(origin): entry '\(name)' has an absolute path",
                               hint: "the archive is hostile or was made wrongly; Ferry never writes outside its target")
        }
        guard !name.utf8.contains(0) else {
            throw ArchiveError(.unsafeEntry, "\(origin): entry name contains a NUL byte")
        }
        var parts: [Substring] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                throw ArchiveError(.unsafeEntry, "\(origin): entry '\(name)' contains '..'",
                                   hint: "the archive is hostile or was made wrongly; Ferry never writes outside its target")
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    /// Resolves a link target to a member path, refusing targets outside the archive.
    static func resolve(link target: String, relativeTo linkPath: String?, entry: String, origin: String) throws -> String {
        let escape = ArchiveError(.unsafeEntry, "\(origin): entry '\(entry)' is a link to '\(target)', outside the archive",
                                  hint: "the archive is hostile or was made wrongly")
        guard !target.hasPrefix("/") else { throw escape }
        var parts: [Substring] = []
        if let linkPath {
            parts = linkPath.split(separator: "/")
            parts.removeLast()
        }
        for part in target.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { throw escape }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    static func paxRecords(_ data: [UInt8], origin: String, offset: Int64) throws -> [String: String] {
        var records: [String: String] = [:]
        var i = 0
        while i < data.count {
            if data[i] == 0 { break }
            guard let space = data[i...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)),
                  length > 0, i + length <= data.count, data[i + length - 1] == UInt8(ascii: "\n") else {
                throw ArchiveError(.malformedTar, "\(origin): malformed pax record in the header at offset \(offset)")
            }
            let record = data[(space + 1)..<(i + length - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: record[record.startIndex..<eq], as: UTF8.self)] =
                    String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i += length
        }
        return records
    }
}
