import Foundation

/// A list as Go writes it: `null` (and a missing key) for an empty slice. go-containerregistry,
/// Docker, containerd and Helm all write `null` where a list is empty, so every list Ferry decodes
/// from their documents uses this wrapper instead of a plain array.
@propertyWrapper
public struct GoList<Element: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: [Element]

    public init(wrappedValue: [Element]) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? [] : try container.decode([Element].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension GoList: Equatable where Element: Equatable {}
extension GoList: Hashable where Element: Hashable {}

/// A map as Go writes it: `null` (and a missing key) for an empty map.
@propertyWrapper
public struct GoMap<Value: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: [String: Value]

    public init(wrappedValue: [String: Value]) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? [:] : try container.decode([String: Value].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension GoMap: Equatable where Value: Equatable {}
extension GoMap: Hashable where Value: Hashable {}

extension KeyedDecodingContainer {
    /// A missing key is an empty list, as for Go's decoder.
    public func decode<Element>(_ type: GoList<Element>.Type, forKey key: Key) throws -> GoList<Element> {
        try decodeIfPresent(type, forKey: key) ?? GoList(wrappedValue: [])
    }

    /// A missing key is an empty map, as for Go's decoder.
    public func decode<Value>(_ type: GoMap<Value>.Type, forKey key: Key) throws -> GoMap<Value> {
        try decodeIfPresent(type, forKey: key) ?? GoMap(wrappedValue: [:])
    }
}

/// The one way Ferry decodes a JSON document written by another tool.
public enum GoJSON {
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}
