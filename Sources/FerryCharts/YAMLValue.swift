import Foundation

/// A YAML document's value as Ferry keeps it when it must write it back (Chart.yaml fields copied
/// into an index entry or an OCI config): Sendable, unlike the `Any` a YAML loader returns.
package enum YAMLValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A YAML timestamp, written back as one.
    case date(Date)
    case list([YAMLValue])
    case map([String: YAMLValue])

    /// A loaded value (`[String: Any]`, `[Any]`, scalars); other scalars (dates) keep their text.
    package init(_ value: Any?) {
        switch value {
        case nil, is NSNull: self = .null
        case let map as [String: Any]: self = .map(map.mapValues { YAMLValue($0) })
        case let list as [Any]: self = .list(list.map { YAMLValue($0) })
        case let bool as Bool: self = .bool(bool)
        case let int as Int: self = .int(int)
        case let double as Double: self = .double(double)
        case let string as String: self = .string(string)
        case let date as Date: self = .date(date)
        case let other?: self = .string("\(other)")
        }
    }

    /// The value as a YAML or JSON serializer takes it.
    package var any: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let value): return value
        case .int(let value): return value
        case .double(let value): return value
        case .string(let value): return value
        case .date(let value): return value
        case .list(let items): return items.map(\.any)
        case .map(let map): return map.mapValues(\.any)
        }
    }

    /// A scalar as text, as Helm reads a version or name that YAML typed as a number.
    package var text: String? {
        switch self {
        case .string(let value): return value
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return String(value)
        case .date(let value): return value.formatted(.iso8601)
        default: return nil
        }
    }

    package var isNull: Bool { self == .null }

    package subscript(key: String) -> YAMLValue? {
        if case .map(let map) = self { return map[key] }
        return nil
    }
}
