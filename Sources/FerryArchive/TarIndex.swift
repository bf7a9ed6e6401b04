/// Every member of a tar archive with its offset and size, found in one pass over the headers.
/// The archive can itself be a member of another archive (`images.tar` inside a bundle): offsets are
/// then relative to the outer file, and nothing is extracted.
package struct TarIndex: Sendable {
    /// What the archive is called in messages.
    package let origin: String
    package let range: ByteRange
    package private(set) var entries: [TarEntry] = []
    private var byPath: [String: Int] = [:]
    /// Entries the index did not keep, each with the reason; shown with `--verbose`.
    package private(set) var skipped: [String] = []

    package init(range: ByteRange) throws {
        self.range = range
        self.origin = range.origin
        try scan()
    }

    package init(file: RandomAccessFile) throws {
        try self.init(range: ByteRange(wholeFile: file))
    }

    package var paths: [String] { entries.map(\.path) }

    package func entry(_ path: String) -> TarEntry? {
        byPath[path].map { entries[$0] }
    }

    package func contains(_ path: String) -> Bool { byPath[path] != nil }

    /// How many links `member` follows before it calls a chain too long (the kernel's own limit
    /// for symbolic links in one path is 40; archives that need more than a few are hostile).
    package static let maximumLinkHops = 16

    /// The bytes of a regular file member. A link is followed when its target is another member of
    /// the same archive (legacy `docker save` stores a repeated layer as a link); a link that points
    /// outside the archive, a device or a directory is an error that names the entry. A chain that
    /// comes back to a member already passed is a loop; one longer than `maximumLinkHops` is refused
    /// as too long.
    package func member(_ path: String) throws -> ByteRange {
        var current = path
        var chain = [path]
        var seen: Set<String> = [path]
        while true {
            guard let entry = entry(current) else {
                let via = current == path ? "" : " (reached through a link from '\(path)')"
                throw ArchiveError(.missingEntry, "\(origin) has no entry '\(current)'\(via)")
            }
            let next: String
            switch entry.kind {
            case .file:
                return range.slice(offset: entry.dataOffset, length: entry.size, origin: "\(origin)!\(path)")
            case .hardlink(let target):
                next = try Self.resolve(link: target, relativeTo: nil, entry: path, origin: origin)
            case .symlink(let target):
                next = try Self.resolve(link: target, relativeTo: current, entry: path, origin: origin)
            case .directory:
                throw ArchiveError(.invalidImage, "\(origin): entry '\(path)' is a directory, but a file is needed there")
            case .special(let flag):
                throw ArchiveError(.unsafeEntry,
                                   "\(origin): entry '\(path)' is a \(Self.describe(typeflag: flag)), which Ferry never reads")
            }
            chain.append(next)
            guard seen.insert(next).inserted else {
                throw ArchiveError(.unsafeEntry,
                                   "\(origin): entry '\(path)' is part of a link loop: \(chain.map { "'\($0)'" }.joined(separator: " → "))",
                                   hint: "the archive is hostile or was made wrongly")
            }
            guard chain.count - 1 <= Self.maximumLinkHops else {
                throw ArchiveError(.unsafeEntry,
                                   "\(origin): entry '\(path)' is a chain of more than \(Self.maximumLinkHops) links "
                                       + "('\(path)' → '\(chain[1])' → … → '\(next)'); Ferry follows at most \(Self.maximumLinkHops)",
                                   hint: "the archive is hostile or was made wrongly")
            }
            current = next
        }
    }

    /// The archive's members below `prefix/`, as (path relative to the prefix, entry).
    package func members(under prefix: String) -> [(relative: String, entry: TarEntry)] {
        let lead = prefix.hasSuffix("/") ? prefix : prefix + "/"
        return entries.compactMap { entry in
            guard entry.path.hasPrefix(lead) else { return nil }
            return (String(entry.path.dropFirst(lead.count)), entry)
        }
    }

    // MARK: - Scanning

    /// Names and a size that pax and GNU headers give the next entry.
    private struct Pending {
        var longName: String?
        var longLink: String?
        var paxPath: String?
        var paxLink: String?
        var paxSize: Int64?
    }

    /// Every size and offset a header or pax record gives is checked against the archive's real
    /// length before it is used, and every sum an input controls is checked for overflow, so no
    /// archive, however hostile, can make the scan trap or read outside the range.
    private mutating func scan() throws {
        var offset: Int64 = 0
        var pending = Pending()
        let block = Int64(TarHeader.blockSize)
        let length = range.length
        while true {
            // Invariant: 0 <= offset; `length - offset` cannot overflow.
            guard offset <= length, length - offset >= block else {
                throw ArchiveError(.truncated, "\(origin) is truncated: it ends at byte \(length) without the end-of-archive marker",
                                   hint: "the file was cut short (an interrupted copy or download?); obtain a complete copy")
            }
            let headerAt = absolute(offset)
            guard let header = try TarHeader(block: try range.read(at: offset, count: Int(block)), origin: origin, offset: headerAt) else {
                break
            }
            let dataOffset = offset + block          // <= length, by the guard above
            let remaining = length - dataOffset      // bytes left after this header, >= 0
            let flag = header.typeflag
            // Metadata entries (pax, GNU long names) describe the next header.
            if flag == UInt8(ascii: "x") || flag == UInt8(ascii: "g") || flag == UInt8(ascii: "L") || flag == UInt8(ascii: "K") {
                try readMetadata(header, dataOffset: dataOffset, remaining: remaining, at: headerAt, into: &pending)
                offset = try next(dataOffset, plus: header.size, entry: header.name, at: headerAt)
            } else {
                offset = try record(header, with: pending, dataOffset: dataOffset, remaining: remaining, at: headerAt)
                pending = Pending()
            }
        }
    }

    /// A pax or GNU long-name header: what it says about the next entry.
    private func readMetadata(_ header: TarHeader, dataOffset: Int64, remaining: Int64, at headerAt: Int64,
                              into pending: inout Pending) throws {
        let flag = header.typeflag, size = header.size
        let what = flag == UInt8(ascii: "x") || flag == UInt8(ascii: "g") ? "pax extended header" : "GNU long-name header"
        guard size <= remaining else {
            throw ArchiveError(.truncated,
                               "\(origin) is truncated inside the \(what) '\(header.name)' at offset \(headerAt): "
                                   + "it claims \(size) bytes, but only \(remaining) remain in the archive",
                               hint: "the file was cut short or its header lies about the size; obtain a complete copy")
        }
        guard size <= 1 << 20 else {
            throw ArchiveError(.malformedTar,
                               "\(origin): the \(what) '\(header.name)' at offset \(headerAt) is \(size) bytes, more than any real path needs")
        }
        let data = try range.read(at: dataOffset, count: Int(size))
        switch flag {
        case UInt8(ascii: "x"):
            let records = try Self.paxRecords(data, origin: origin, header: header.name, offset: headerAt)
            pending.paxPath = records["path"] ?? pending.paxPath
            pending.paxLink = records["linkpath"] ?? pending.paxLink
            if let text = records["size"] {
                guard let value = Int64(text), value >= 0 else {
                    throw ArchiveError(.malformedTar, "\(origin): the pax header '\(header.name)' at offset \(headerAt) has an invalid size '\(text.prefix(40))'")
                }
                pending.paxSize = value
            }
        case UInt8(ascii: "L"):
            pending.longName = TarHeader.string(data[...])
        case UInt8(ascii: "K"):
            pending.longLink = TarHeader.string(data[...])
        default:
            break  // global pax headers carry nothing Ferry needs
        }
    }

    /// An entry: checked, indexed by its path (or passed over, with a note), and the offset of
    /// the header after it.
    private mutating func record(_ header: TarHeader, with pending: Pending, dataOffset: Int64, remaining: Int64,
                                 at headerAt: Int64) throws -> Int64 {
        let flag = header.typeflag
        let rawName = pending.paxPath ?? pending.longName ?? header.name
        let link = pending.paxLink ?? pending.longLink ?? header.linkname
        let sizeSource = pending.paxSize == nil ? "" : " (from its pax header)"
        let size = pending.paxSize ?? header.size
        let hasData = flag == UInt8(ascii: "0") || flag == 0 || flag == UInt8(ascii: "7")
        // Some writers give devices and other special entries a size; their data blocks follow.
        let skipsData = !hasData && size > 0 && flag != UInt8(ascii: "1") && flag != UInt8(ascii: "2") && flag != UInt8(ascii: "5")
        if (hasData || skipsData) && size > remaining {
            throw ArchiveError(.truncated,
                               "\(origin) is truncated: entry '\(rawName)' at offset \(headerAt) claims \(size) bytes\(sizeSource), "
                                   + "but only \(remaining) remain in the archive",
                               hint: "the file was cut short or its header lies about the size; obtain a complete copy")
        }
        let path = try Self.normalise(rawName, origin: origin)
        let kind = Self.kind(flag: flag, link: link, rawName: rawName)
        if let note = Self.note(on: kind, path: path, isSymlink: flag == UInt8(ascii: "2"), origin: origin) { skipped.append(note) }
        if !path.isEmpty {
            if let existing = byPath[path] {
                if !(entries[existing].kind == .directory && kind == .directory) {
                    throw ArchiveError(.duplicateEntry, "\(origin) contains entry '\(path)' twice",
                                       hint: "an archive with duplicate names is ambiguous; Ferry refuses to guess which copy is meant")
                }
            } else {
                byPath[path] = entries.count
                entries.append(TarEntry(path: path, kind: kind, dataOffset: dataOffset, size: hasData ? size : 0, mode: header.mode))
            }
        }
        return (hasData || skipsData) ? try next(dataOffset, plus: size, entry: rawName, at: headerAt) : dataOffset
    }

    /// The entry's kind from its type flag (old tars mark directories only by a trailing slash).
    private static func kind(flag: UInt8, link: String, rawName: String) -> TarEntry.Kind {
        switch flag {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): return rawName.hasSuffix("/") ? .directory : .file
        case UInt8(ascii: "5"): return .directory
        case UInt8(ascii: "2"): return .symlink(target: link)
        case UInt8(ascii: "1"): return .hardlink(target: link)
        default: return .special(typeflag: flag)
        }
    }

    /// Why an entry will be passed over unless something needs it: a special file, or a link out of the archive.
    private static func note(on kind: TarEntry.Kind, path: String, isSymlink: Bool, origin: String) -> String? {
        switch kind {
        case .special(let flag):
            return "\(origin): '\(path)' is a \(describe(typeflag: flag)); ignored unless something needs it"
        case .symlink(let target), .hardlink(let target):
            guard (try? resolve(link: target, relativeTo: isSymlink ? path : nil, entry: path, origin: origin)) == nil else { return nil }
            return "\(origin): '\(path)' links to '\(target)', outside the archive; ignored unless something needs it"
        default:
            return nil
        }
    }

    /// The offset after `size` bytes of data starting at `dataOffset`, padded to whole blocks.
    /// `size` was checked against the bytes that remain; the sums are still checked, so a range
    /// whose own length is absurd cannot make them wrap.
    private func next(_ dataOffset: Int64, plus size: Int64, entry: String, at headerAt: Int64) throws -> Int64 {
        guard let padded = Self.padded(size) else {
            throw ArchiveError(.malformedTar, "\(origin): entry '\(entry)' at offset \(headerAt) has an impossible size \(size)")
        }
        let (sum, overflow) = dataOffset.addingReportingOverflow(padded)
        guard !overflow else {
            throw ArchiveError(.malformedTar, "\(origin): entry '\(entry)' at offset \(headerAt) has an impossible size \(size)")
        }
        return sum
    }

    /// An offset in the range as an offset in the file, for messages.
    private func absolute(_ offset: Int64) -> Int64 {
        let (sum, overflow) = range.offset.addingReportingOverflow(offset)
        return overflow ? offset : sum
    }

    /// `size` rounded up to whole 512-byte blocks; nil when that does not fit in 64 bits.
    static func padded(_ size: Int64) -> Int64? {
        guard size >= 0 else { return nil }
        let remainder = size % 512
        if remainder == 0 { return size }
        let (sum, overflow) = size.addingReportingOverflow(512 - remainder)
        return overflow ? nil : sum
    }

    /// What a typeflag Ferry does not read is, for messages.
    static func describe(typeflag flag: UInt8) -> String {
        let shown = (32..<127).contains(flag) ? "'\(Character(UnicodeScalar(flag)))'" : "\(flag)"
        switch flag {
        case UInt8(ascii: "3"): return "character device (type \(shown))"
        case UInt8(ascii: "4"): return "block device (type \(shown))"
        case UInt8(ascii: "6"): return "FIFO (type \(shown))"
        default: return "device or special file (type \(shown))"
        }
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
            // A symlink's target is relative to the link's directory (an entry with an empty name has none).
            parts = linkPath.split(separator: "/")
            if !parts.isEmpty { parts.removeLast() }
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

    static func paxRecords(_ data: [UInt8], origin: String, header: String, offset: Int64) throws -> [String: String] {
        var records: [String: String] = [:]
        var i = 0
        while i < data.count {
            if data[i] == 0 { break }
            // "<length> <key>=<value>\n", where length counts the whole record. The length is
            // compared with what is left before it is added to anything.
            let malformed = ArchiveError(.malformedTar,
                                         "\(origin): malformed pax record at byte \(i) of the pax header '\(header)' at offset \(offset)")
            guard let space = data[i...].prefix(20).firstIndex(of: UInt8(ascii: " ")), space > i,
                  data[i..<space].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                  let length = Int(String(decoding: data[i..<space], as: UTF8.self)) else {
                throw malformed
            }
            guard length > space - i + 1, length <= data.count - i else {
                throw ArchiveError(.malformedTar,
                                   "\(origin): pax record at byte \(i) of the pax header '\(header)' at offset \(offset) claims \(length) bytes, "
                                       + "but the header has \(data.count - i) left")
            }
            let end = i + length
            guard data[end - 1] == UInt8(ascii: "\n") else { throw malformed }
            let record = data[(space + 1)..<(end - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: record[record.startIndex..<eq], as: UTF8.self)] =
                    String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i = end
        }
        return records
    }
}
