import Crypto
import Foundation

/// A content digest, `algorithm:encoded`. Only sha256 is accepted: it is what every registry and
/// archive writer that Ferry meets uses, and the spec requires it.
package struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    package let hex: String

    package init(hex: String) throws {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw OCIError(.invalidDigest, "'\(hex.prefix(80))' is not a lowercase sha256 hex string")
        }
        self.hex = hex
    }

    /// Parses `sha256:<64 lowercase hex>`.
    package init(parsing string: String) throws {
        guard string.hasPrefix("sha256:") else {
            throw OCIError(.invalidDigest, "'\(string.prefix(80))' is not a sha256 digest (expected sha256:<64 hex>)")
        }
        try self.init(hex: String(string.dropFirst(7)))
    }

    /// The digest of `bytes`.
    package static func of<D: DataProtocol>(_ bytes: D) -> Digest {
        var hasher = SHA256()
        hasher.update(data: bytes)
        return Digest(finalizing: hasher)
    }

    init(finalizing hasher: SHA256) {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in hasher.finalize() {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        self.hex = String(decoding: out, as: UTF8.self)
    }

    package var string: String { "sha256:" + hex }
    package var description: String { string }
    /// The first 12 hex digits, as `docker` shows image ids.
    package var short: String { String(hex.prefix(12)) }

    package static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(parsing: try container.decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}
