import Foundation

/// Builds tar archives byte by byte, including broken and hostile ones that no well-behaved writer
/// would produce: absolute names, `..`, links, devices, lying sizes, bad checksums, truncation.
package struct RawTar {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    package enum Typeflag: UInt8 {
        case file = 48, hardlink = 49, symlink = 50, character = 51, block = 52, directory = 53, fifo = 54
        case pax = 120, gnuLongName = 76
    }

    /// Appends one header and its data. `declaredSize` lets the header lie about the data size.
    package mutating func add(_ name: String, _ data: [UInt8] = [], type: Typeflag = .file, linkname: String = "",
                             declaredSize: Int? = nil, corruptChecksum: Bool = false, ustar: Bool = true) {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, b) in text.utf8.prefix(width).enumerated() { block[offset + i] = b }
        }
        func octal(_ value: Int, width: Int) -> String {
            let digits = String(value, radix: 8)
            return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
        }
        put(name, at: 0, width: 100)
        put(octal(0o644, width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        put(octal(declaredSize ?? data.count, width: 12), at: 124, width: 12)
        put(octal(0, width: 12), at: 136, width: 12)
        block[156] = type.rawValue
        put(linkname, at: 157, width: 100)
        if ustar {
            put("ustar", at: 257, width: 6)
            put("00", at: 263, width: 2)
        }
        put("        ", at: 148, width: 8)
        var sum = block.reduce(0) { $0 + Int($1) }
        if corruptChecksum { sum += 7 }
        put(String(format: "%06o", sum), at: 148, width: 6)
        block[154] = 0
        block[155] = 32
        bytes += block
        bytes += data
        let remainder = data.count % 512
        if remainder != 0 { bytes += [UInt8](repeating: 0, count: 512 - remainder) }
    }

    /// A pax extended header carrying `records` for the next entry.
    package mutating func addPax(_ records: [String: String]) {
        var data: [UInt8] = []
        for (key, value) in records.sorted(by: { $0.key < $1.key }) {
            let body = " \(key)=\(value)\n"
            var length = body.utf8.count + 1
            while String(length).utf8.count + body.utf8.count != length { length = String(length).utf8.count + body.utf8.count }
            data += Array("\(length)\(body)".utf8)
        }
        add("PaxHeaders/entry", data, type: .pax)
    }

    /// A GNU long-name entry for the next header.
    package mutating func addGNULongName(_ name: String) {
        add("././@LongLink", Array(name.utf8) + [0], type: .gnuLongName, ustar: false)
    }

    /// The two zero blocks that end an archive.
    package mutating func end() {
        bytes += [UInt8](repeating: 0, count: 1024)
    }
}
