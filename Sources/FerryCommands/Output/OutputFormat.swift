import ArgumentParser
import Foundation

/// `--output text|json`.
package enum OutputFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    case text
    case json
}

/// Encodes one JSON object per line, keys sorted so output is stable.
enum JSONLines {
    /// One event line of the documented stream (`Event`).
    static func event<T: Codable & Sendable>(_ name: String, _ body: T) -> String {
        encode(Event(name, body))
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }

    static func pretty<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "{}"
    }
}
