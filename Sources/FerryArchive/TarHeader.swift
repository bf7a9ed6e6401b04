/// Parsing of one 512-byte tar header block (ustar, GNU and v7 layouts).
struct TarHeader {
    static let blockSize = 512

    var name: String
    var mode: Int
    var size: Int64
    var typeflag: UInt8
    var linkname: String

    /// Returns nil for an all-zero block (end of archive).
    init?(block: [UInt8], origin: String, offset: Int64) throws {
        precondition(block.count == Self.blockSize)
        if block.allSatisfy({ $0 == 0 }) { return nil }

        guard let stored = Self.octal(block[148..<156]) else {
            throw ArchiveError(.malformedTar, "\(origin): the header at offset \(offset) has an unreadable checksum field",
                               hint: "the file is not a tar archive, or it is corrupt")
        }
        // The checksum field counts as spaces. A plain loop over the buffer: this runs for every
        // member, and archives with 100,000 members are read in one pass.
        let (unsigned, signed) = block.withUnsafeBufferPointer { bytes -> (Int64, Int64) in
            var unsigned = 0
            var signed = 0
            var i = 0
            while i < 512 {
                let b = i >= 148 && i < 156 ? 32 : Int(bytes[i])
                unsigned &+= b
                signed &+= b < 128 ? b : b - 256
                i &+= 1
            }
            return (Int64(unsigned), Int64(signed))
        }
        guard stored == unsigned || stored == signed else {
            throw ArchiveError(.malformedTar,
                               "\(origin): bad header checksum at offset \(offset) (stored \(stored), computed \(unsigned))",
                               hint: "the file is corrupt or not a tar archive")
        }

        // POSIX ustar ("ustar\0"): names may have a prefix field. GNU ("ustar ") has none.
        let isPOSIX = block[257] == 0x75 && block[258] == 0x73 && block[259] == 0x74 && block[260] == 0x61
            && block[261] == 0x72 && block[262] == 0
        var name = Self.string(block[0..<100])
        if isPOSIX {
            let prefix = Self.string(block[345..<500])
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        guard let size = Self.number(block[124..<136]) else {
            throw ArchiveError(.malformedTar, "\(origin): entry '\(name)' at offset \(offset) has an unreadable size field")
        }
        guard size >= 0 else {
            throw ArchiveError(.malformedTar, "\(origin): entry '\(name)' at offset \(offset) has a negative size")
        }
        self.name = name
        self.mode = Int(Self.octal(block[100..<108]) ?? 0)
        self.size = size
        self.typeflag = block[156]
        self.linkname = Self.string(block[157..<257])
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// Octal digits, surrounded by optional spaces and NULs.
    static func octal(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        var seen = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard value < (Int64.max >> 3) else { return nil }
                value = value * 8 + Int64(byte - UInt8(ascii: "0"))
                seen = true
            case 0, UInt8(ascii: " "):
                if seen { return value }
            default:
                return nil
            }
        }
        return seen ? value : 0
    }

    /// Octal, or GNU base-256 when the high bit of the first byte is set (sizes of 8 GiB and more).
    static func number(_ bytes: ArraySlice<UInt8>) -> Int64? {
        guard let first = bytes.first, first & 0x80 != 0 else { return octal(bytes) }
        if first & 0x40 != 0 { return -1 }
        var value = Int64(first & 0x3f)
        for byte in bytes.dropFirst() {
            guard value < (Int64.max >> 8) else { return nil }
            value = (value << 8) | Int64(byte)
        }
        return value
    }
}
