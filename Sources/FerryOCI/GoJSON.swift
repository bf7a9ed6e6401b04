import Foundation

/// A list as Go writes it: `null` (and a missing key) for an empty slice. go-containerregistry,
/// Docker, containerd and Helm all write `null` where a list is empty, so every list Ferry decodes
/// from their documents uses this wrapper instead of a plain array.
@propertyWrapper
package struct GoList<Element: Codable & Sendable>: Codable, Sendable {
    package var wrappedValue: [Element]

    package init(wrappedValue: [Element]) {
        self.wrappedValue = wrappedValue
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? [] : try container.decode([Element].self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension GoList: Equatable where Element: Equatable {}
extension GoList: Hashable where Element: Hashable {}

/// A map as Go writes it: `null` (and a missing key) for an empty map.
@propertyWrapper
package struct GoMap<Value: Codable & Sendable>: Codable, Sendable {
    package var wrappedValue: [String: Value]

    package init(wrappedValue: [String: Value]) {
        self.wrappedValue = wrappedValue
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? [:] : try container.decode([String: Value].self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension GoMap: Equatable where Value: Equatable {}
extension GoMap: Hashable where Value: Hashable {}

extension KeyedDecodingContainer {
    /// A missing key is an empty list, as for Go's decoder.
    package func decode<Element>(_ type: GoList<Element>.Type, forKey key: Key) throws -> GoList<Element> {
        try decodeIfPresent(type, forKey: key) ?? GoList(wrappedValue: [])
    }

    /// A missing key is an empty map, as for Go's decoder.
    package func decode<Value>(_ type: GoMap<Value>.Type, forKey key: Key) throws -> GoMap<Value> {
        try decodeIfPresent(type, forKey: key) ?? GoMap(wrappedValue: [:])
    }
}

/// The one way Ferry decodes a JSON document written by another tool.
///
/// Strict, as Go's `encoding/json` is: the bytes must be RFC 8259 JSON (no trailing commas, comments,
/// single quotes, byte-order mark or other JSON5 leniency), checked before anything is decoded.
/// Errors are `OCIError`s whose messages name the key (`manifests[3].size: …`) and say what was
/// wrong in JSON's own words, never in Swift's types; the caller adds the file.
package enum GoJSON {
    package static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let checked = try StrictJSON.check(bytes)
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = false
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw OCIError(.invalidDocument, StrictJSON.explain(error, in: bytes, checked: checked))
        }
    }

    package static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(type, from: [UInt8](data))
    }
}

/// An RFC 8259 checker that runs in one pass with an explicit stack (so no nesting can exhaust
/// the real one), and the translation of decoding errors into messages about the document.
enum StrictJSON {
    static let maximumDepth = 512

    /// What the check learnt that a later decoding error may need: the first numbers that do not
    /// fit a 64-bit whole number (Foundation then reports only "not valid JSON", with no key).
    struct Checked {
        var wideNumbers: [(path: String, text: String, key: String?)] = []

        /// The number Foundation most likely refused: the first under a size key, else the first.
        var wideNumber: (path: String, text: String, key: String?)? {
            wideNumbers.first { $0.key?.lowercased().hasSuffix("size") == true } ?? wideNumbers.first
        }
    }

    private enum Frame {
        case object(keyStart: Int, keyEnd: Int)
        case array(index: Int)
    }

    static func check(_ bytes: [UInt8]) throws -> Checked {
        try bytes.withUnsafeBufferPointer { try check($0) }
    }

    private static func check(_ b: UnsafeBufferPointer<UInt8>) throws -> Checked {
        var scanner = Scanner(b)
        return try scanner.run()
    }

    /// The checker's state: the bytes, the position, the open objects and lists.
    private struct Scanner {
        let b: UnsafeBufferPointer<UInt8>
        let n: Int
        var i = 0
        var stack: [Frame] = []
        var checked = Checked()

        init(_ b: UnsafeBufferPointer<UInt8>) {
            self.b = b
            n = b.count
        }

        mutating func run() throws -> Checked {
            var expectValue = true
            while true {
                skipSpace()
                if expectValue {
                    expectValue = try value()
                    continue
                }
                guard !stack.isEmpty else {
                    guard i == n else { throw fail("\(found(i)) after the end of the document", at: i) }
                    return checked
                }
                expectValue = try afterValue()
            }
        }

        /// At a value: scans a scalar, or opens an object or list. True when a value is still expected.
        mutating func value() throws -> Bool {
            guard i < n else { throw fail("the document ends where a value is expected", at: i) }
            switch b[i] {
            case 0x7B:  // {
                guard stack.count < StrictJSON.maximumDepth else { throw fail("objects and lists nest more than \(StrictJSON.maximumDepth) deep", at: i) }
                i += 1
                stack.append(.object(keyStart: i, keyEnd: i))
                skipSpace()
                if i < n, b[i] == 0x7D { i += 1; stack.removeLast(); return false }
                try key()
                return true
            case 0x5B:  // [
                guard stack.count < StrictJSON.maximumDepth else { throw fail("objects and lists nest more than \(StrictJSON.maximumDepth) deep", at: i) }
                i += 1
                stack.append(.array(index: 0))
                skipSpace()
                if i < n, b[i] == 0x5D { i += 1; stack.removeLast(); return false }
                return true
            case 0x22: try string()
            case 0x2D, 0x30...0x39: try number()
            case 0x74: try literal("true")
            case 0x66: try literal("false")
            case 0x6E: try literal("null")
            case 0x5D where StrictJSON.isArray(stack.last):
                throw fail("a trailing comma before ']'", at: i)
            default:
                throw fail("\(found(i)) where a value is expected", at: i)
            }
            return false
        }

        /// After a value inside an object or list: a comma or the closer. True when a value follows.
        mutating func afterValue() throws -> Bool {
            let top = stack[stack.count - 1]
        guard i < n else { throw fail("the document ends inside \(StrictJSON.describe(top))", at: i) }
        switch (b[i], top) {
        case (0x2C, .object):
            i += 1
            try key()
            return true
        case (0x2C, .array(let index)):
            i += 1
            stack[stack.count - 1] = .array(index: index + 1)
            return true
        case (0x7D, .object), (0x5D, .array):
            i += 1
            stack.removeLast()
            return false
        default:
            let closer = StrictJSON.isArray(top) ? "']'" : "'}'"
            throw fail("\(found(i)) where ',' or \(closer) is expected", at: i)
        }
        }

        func fail(_ what: String, at position: Int) -> OCIError {
            OCIError(.invalidDocument, "not valid JSON: \(what) at \(StrictJSON.location(of: position, in: b))")
        }
        mutating func skipSpace() {
            while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }
        func found(_ position: Int) -> String {
            guard position < n else { return "the document ends" }
            let c = b[position]
            if c >= 0x21 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))' appears" }
            if c == 0xEF, position + 2 < n, b[position + 1] == 0xBB, b[position + 2] == 0xBF { return "a byte-order mark appears" }
            return "byte 0x\(String(c, radix: 16)) appears"
        }
        /// Scans a string starting at the opening quote; returns the index after the closing one.
        mutating func string() throws {
            let start = i
            i += 1
            while true {
                guard i < n else { throw fail("a string is not closed", at: start) }
                let c = b[i]
                if c == 0x22 { i += 1; return }
                if c < 0x20 { throw fail("a control character (0x\(String(c, radix: 16))) inside a string must be escaped", at: i) }
                if c == 0x5C {
                    guard i + 1 < n else { throw fail("a string is not closed", at: start) }
                    switch b[i + 1] {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                        i += 2
                    case 0x75:
                        guard i + 5 < n, (2...5).allSatisfy({ StrictJSON.isHex(b[i + $0]) }) else {
                            throw fail("\\u must be followed by four hex digits", at: i)
                        }
                        i += 6
                    default:
                        throw fail("'\\\(Character(UnicodeScalar(b[i + 1])))' is not a JSON escape", at: i)
                    }
                    continue
                }
                i += 1
            }
        }
        mutating func number() throws {
            let start = i
            var wide = false
            if b[i] == 0x2D { i += 1 }
            guard i < n, StrictJSON.isDigit(b[i]) else { throw fail("a number must have digits", at: start) }
            if b[i] == 0x30 {
                i += 1
                if i < n, StrictJSON.isDigit(b[i]) { throw fail("a number must not start with 0", at: start) }
            } else {
                while i < n, StrictJSON.isDigit(b[i]) { i += 1 }
            }
            if i < n, b[i] == 0x2E {
                i += 1
                guard i < n, StrictJSON.isDigit(b[i]) else { throw fail("a decimal point must be followed by digits", at: i - 1) }
                while i < n, StrictJSON.isDigit(b[i]) { i += 1 }
                wide = true
            }
            if i < n, b[i] == 0x65 || b[i] == 0x45 {
                i += 1
                if i < n, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                guard i < n, StrictJSON.isDigit(b[i]) else { throw fail("an exponent must have digits", at: i) }
                while i < n, StrictJSON.isDigit(b[i]) { i += 1 }
                wide = true
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            if !wide && Int64(text) == nil { wide = true }
            if wide && checked.wideNumbers.count < 64 {
                checked.wideNumbers.append((StrictJSON.path(stack, b), String(text.prefix(40)), StrictJSON.lastKey(stack, b)))
            }
        }
        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard i + count <= n, (0..<count).allSatisfy({ b[i + $0] == word.utf8Start[$0] }) else {
                throw fail("\(found(i)) where a value is expected", at: i)
            }
            i += count
        }
        mutating func key() throws {
            skipSpace()
            guard i < n, b[i] == 0x22 else {
                if i < n, b[i] == 0x7D { throw fail("a trailing comma before '}'", at: i) }
                throw fail("\(found(i)) where a key in double quotes is expected", at: i)
            }
            let start = i
            try string()
            stack[stack.count - 1] = .object(keyStart: start + 1, keyEnd: i - 1)
            skipSpace()
            guard i < n, b[i] == 0x3A else { throw fail("\(found(i)) where ':' is expected after a key", at: i) }
            i += 1
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) }

    private static func isArray(_ frame: Frame?) -> Bool {
        if case .array? = frame { return true }
        return false
    }

    private static func describe(_ frame: Frame) -> String {
        if case .object = frame { return "an object" }
        return "a list"
    }

    /// "line L, column C" (1-based, columns in bytes) of a position.
    private static func location(of position: Int, in b: UnsafeBufferPointer<UInt8>) -> String {
        var line = 1
        var lineStart = 0
        for j in 0..<min(position, b.count) where b[j] == 0x0A {
            line += 1
            lineStart = j + 1
        }
        return "line \(line), column \(position - lineStart + 1)"
    }

    private static func keyText(_ start: Int, _ end: Int, _ b: UnsafeBufferPointer<UInt8>) -> String {
        let raw = String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        return String(raw.prefix(80))
    }

    /// The path to the value being scanned, written as messages write coding paths (`a.b[2].c`).
    private static func path(_ stack: [Frame], _ b: UnsafeBufferPointer<UInt8>) -> String {
        var text = ""
        for frame in stack {
            switch frame {
            case .object(let start, let end):
                text += (text.isEmpty ? "" : ".") + keyText(start, end, b)
            case .array(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    private static func lastKey(_ stack: [Frame], _ b: UnsafeBufferPointer<UInt8>) -> String? {
        guard case .object(let start, let end)? = stack.last else { return nil }
        return keyText(start, end, b)
    }

    // MARK: - Decoding errors in the document's words

    static func explain(_ error: DecodingError, in bytes: [UInt8], checked: Checked) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return prefix(context.codingPath) + "missing key '\(key.stringValue)'"
        case .valueNotFound(let type, let context):
            return prefix(context.codingPath) + "null where \(expected(type)) is needed"
        case .typeMismatch(let type, let context):
            let found = JSONLookup.kind(at: context.codingPath, in: bytes).map { ", found \($0)" } ?? ""
            return prefix(context.codingPath) + "expected \(expected(type))\(found)"
        case .dataCorrupted(let context):
            // The text is valid JSON (checked above), so what Foundation could not take is a value:
            // with no coding path, a number too large or not whole.
            if context.codingPath.isEmpty, let number = checked.wideNumber {
                let at = number.path.isEmpty ? "" : number.path + ": "
                if number.key?.lowercased().hasSuffix("size") == true {
                    return at + "the size \(number.text) is out of range: a size is a whole number of bytes from 0 to \(Int64.max)"
                }
                return at + "the number \(number.text) is out of range: a whole number from \(Int64.min) to \(Int64.max) is needed here"
            }
            if context.codingPath.isEmpty, String(validating: bytes, as: UTF8.self) == nil {
                return "the document is not valid UTF-8 text"
            }
            let what = context.codingPath.isEmpty ? "the document" : "the value"
            return prefix(context.codingPath) + "\(what) could not be read"
                + (context.codingPath.isEmpty ? "" : " (\(JSONLookup.kind(at: context.codingPath, in: bytes) ?? "unreadable"))")
        @unknown default:
            return "the document could not be read"
        }
    }

    private static func prefix(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "" : text + ": "
    }

    /// What the decoder wanted, in JSON's words.
    private static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is Int16.Type, is Int8.Type,
             is UInt.Type, is UInt64.Type, is UInt32.Type, is UInt16.Type, is UInt8.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Dictionary<") || name.hasPrefix("[") && name.contains(":") { return "an object" }
            if name.hasPrefix("Array<") || name.hasPrefix("[") { return "a list" }
            return "an object"
        }
    }
}

/// Finds the value at a coding path in a document already known to be valid JSON, to say what
/// it is ("a string", "the number 1e30"). Only used to explain an error.
enum JSONLookup {
    static func kind(at path: [any CodingKey], in bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            for key in path {
                skipSpace(b, &i)
                guard i < b.count else { return nil }
                if let index = key.intValue, b[i] == 0x5B {
                    guard enterList(b, &i, at: index) else { return nil }
                } else if b[i] == 0x7B {
                    guard enterObject(b, &i, at: key.stringValue) else { return nil }
                } else {
                    return nil
                }
            }
            skipSpace(b, &i)
            guard i < b.count else { return nil }
            return describe(b, &i)
        }
    }

    /// From a `[`, to the start of the list's `index`th item.
    private static func enterList(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, at index: Int) -> Bool {
        i += 1
        for _ in 0..<index {
            skipSpace(b, &i)
            guard skipValue(b, &i) else { return false }
            skipSpace(b, &i)
            guard i < b.count, b[i] == 0x2C else { return false }
            i += 1
        }
        return true
    }

    /// From a `{`, to the start of the value of member `name`.
    private static func enterObject(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, at name: String) -> Bool {
        i += 1
        while true {
            skipSpace(b, &i)
            guard i < b.count, b[i] == 0x22 else { return false }
            let start = i + 1
            guard skipValue(b, &i) else { return false }
            let member = unescape(UnsafeBufferPointer(rebasing: b[start..<(i - 1)]))
            skipSpace(b, &i)
            guard i < b.count, b[i] == 0x3A else { return false }
            i += 1
            if member == name { return true }
            skipSpace(b, &i)
            guard skipValue(b, &i) else { return false }
            skipSpace(b, &i)
            guard i < b.count, b[i] == 0x2C else { return false }
            i += 1
        }
    }

    /// What the value at `i` is, in words.
    private static func describe(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> String {
        switch b[i] {
        case 0x7B: return "an object"
        case 0x5B: return "a list"
        case 0x22: return "a string"
        case 0x74, 0x66: return "true or false"
        case 0x6E: return "null"
        default:
            let start = i
            guard skipValue(b, &i) else { return "a number" }
            return "the number " + String(decoding: UnsafeBufferPointer(rebasing: b[start..<min(i, start + 40)]), as: UTF8.self)
        }
    }

    private static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    /// Skips one value (nesting counted, strings with escapes); false at the end of the bytes.
    private static func skipValue(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Bool {
        var depth = 0
        repeat {
            guard i < b.count else { return false }
            switch b[i] {
            case 0x22:
                i += 1
                while i < b.count, b[i] != 0x22 { i += b[i] == 0x5C ? 2 : 1 }
                guard i < b.count else { return false }
                i += 1
            case 0x7B, 0x5B: depth += 1; i += 1
            case 0x7D, 0x5D: depth -= 1; i += 1
            case 0x2C, 0x3A, 0x20, 0x0A, 0x0D, 0x09:
                i += 1
            default:
                while i < b.count, !(b[i] == 0x2C || b[i] == 0x7D || b[i] == 0x5D || b[i] == 0x20
                                     || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 || b[i] == 0x3A) { i += 1 }
            }
        } while depth > 0
        return true
    }

    /// A key's text with JSON escapes decoded.
    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        guard raw.contains(0x5C) else { return String(decoding: raw, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        func flush() {
            if !bytes.isEmpty { scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars); bytes = [] }
        }
        var j = 0
        var pendingHigh: UInt32?
        while j < raw.count {
            let c = raw[j]
            guard c == 0x5C, j + 1 < raw.count else { bytes.append(c); j += 1; continue }
            flush()
            let e = raw[j + 1]
            j += 2
            switch e {
            case 0x62: scalars.append("\u{08}")
            case 0x66: scalars.append("\u{0C}")
            case 0x6E: scalars.append("\n")
            case 0x72: scalars.append("\r")
            case 0x74: scalars.append("\t")
            case 0x75:
                guard j + 4 <= raw.count,
                      let value = UInt32(String(decoding: UnsafeBufferPointer(rebasing: raw[j..<(j + 4)]), as: UTF8.self), radix: 16) else { continue }
                j += 4
                if (0xD800..<0xDC00).contains(value) { pendingHigh = value; continue }
                if (0xDC00..<0xE000).contains(value), let high = pendingHigh {
                    pendingHigh = nil
                    if let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)) { scalars.append(scalar) }
                    continue
                }
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            default: scalars.append(Unicode.Scalar(e))
            }
        }
        flush()
        return String(scalars)
    }
}
