import Foundation
import Yams

/// One image hint: a template such as `{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}`
/// over a chart's values, parsed by the rules of charts-syncer's relocation library: a placeholder
/// after `:` is the tag, after `@` the digest; of the rest, one placeholder holds registry and
/// repository together, two hold them apart.
package struct ImageTemplate: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case value([String])
    }

    package let raw: String
    let pieces: [Piece]
    /// Path of the single placeholder holding `registry/repository`, when there is one.
    package let referencePath: [String]?
    package let registryPath: [String]?
    package let repositoryPath: [String]?
    package let tagPath: [String]?
    package let digestPath: [String]?

    package var hasTagOrDigest: Bool { tagPath != nil || digestPath != nil }

    package init(parsing raw: String) throws {
        self.raw = raw
        var pieces: [Piece] = []
        var tag: [String]?
        var digest: [String]?
        var others: [[String]] = []
        var rest = Substring(raw)
        var previous: Character?
        while let open = rest.range(of: "{{") {
            let literal = String(rest[..<open.lowerBound])
            if !literal.isEmpty {
                pieces.append(.literal(literal))
                previous = literal.last
            }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw ChartsError(.invalidHints, "hint '\(raw)' has '{{' without '}}'")
            }
            let path = try Self.valuesPath(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces), raw: raw)
            switch previous {
            case ":":
                guard tag == nil else { throw ChartsError(.invalidHints, "hint '\(raw)' has more than one tag placeholder") }
                tag = path
            case "@":
                guard digest == nil else { throw ChartsError(.invalidHints, "hint '\(raw)' has more than one digest placeholder") }
                digest = path
            default:
                others.append(path)
            }
            pieces.append(.value(path))
            previous = "}"
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        guard others.count == 1 || others.count == 2 else {
            throw ChartsError(.invalidHints,
                              "hint '\(raw)' has \(others.count) registry/repository placeholders; it needs one (registry/repository together) or two (registry, then repository)")
        }
        referencePath = others.count == 1 ? others[0] : nil
        registryPath = others.count == 2 ? others[0] : nil
        repositoryPath = others.count == 2 ? others[1] : nil
        self.pieces = pieces
        tagPath = tag
        digestPath = digest
    }

    /// A placeholder's expression (`.image.tag`) as a values path.
    static func valuesPath(_ expression: String, raw: String) throws -> [String] {
        guard expression.hasPrefix("."), expression.count > 1 else {
            throw ChartsError(.invalidHints, "hint '\(raw)': placeholder '{{ \(expression) }}' must be a values path such as .image.tag")
        }
        let path = expression.dropFirst().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard path.allSatisfy({ !$0.isEmpty }) else {
            throw ChartsError(.invalidHints, "hint '\(raw)': placeholder '{{ \(expression) }}' has an empty key")
        }
        return path
    }

    /// Every values path the template reads.
    package var paths: [[String]] {
        pieces.compactMap { if case .value(let path) = $0 { path } else { nil } }
    }

    /// Fills the placeholders from `lookup`; a missing or non-scalar value is an error naming it.
    package func render(_ lookup: ([String]) -> String?) throws -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text):
                out += text
            case .value(let path):
                guard let value = lookup(path) else {
                    throw ChartsError(.hintNotRendered, "hint '\(raw)': the values have no '\(path.joined(separator: "."))'")
                }
                out += value
            }
        }
        return out
    }
}

/// `hints.yaml` (or a chart's `.relok8s-images.yaml`): a YAML list of image templates.
package enum ImageHints {
    package static func parse(_ bytes: [UInt8], origin: String) throws -> [ImageTemplate] {
        let loaded = try SafeYAML.load(String(decoding: bytes, as: UTF8.self), origin: origin, code: .invalidHints)
        guard let list = loaded as? [Any] else {
            throw ChartsError(.invalidHints, "\(origin) must be a YAML list of image templates")
        }
        return try list.enumerated().map { index, item in
            guard let text = item as? String else {
                throw ChartsError(.invalidHints, "\(origin): item \(index + 1) is not a string")
            }
            do {
                return try ImageTemplate(parsing: text)
            } catch let error as ChartsError {
                throw ChartsError(error.code, "\(origin): item \(index + 1): \(error.message)")
            }
        }
    }
}
