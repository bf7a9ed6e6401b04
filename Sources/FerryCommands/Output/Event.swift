import Foundation

/// One line of `--output json` (docs/events.md): `schema`, `event` and `time`, then the event's
/// own fields at the same level. A reader decodes the line as `Event<Body>`, or as the body alone.
package struct Event<Body: Codable & Sendable>: Codable, Sendable {
    /// Raised when a field changes meaning or goes away; new fields and events keep it.
    package static var currentSchema: Int { 1 }

    package var schema: Int
    package var event: String
    /// RFC 3339, UTC, milliseconds: `2026-12-01T22:40:00.123Z`.
    package var time: String
    package var body: Body

    package init(_ event: String, _ body: Body, at date: Date = Date()) {
        schema = Self.currentSchema
        self.event = event
        time = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case schema, event, time
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schema = try container.decode(Int.self, forKey: .schema)
        event = try container.decode(String.self, forKey: .event)
        time = try container.decode(String.self, forKey: .time)
        body = try Body(from: decoder)
    }

    package func encode(to encoder: any Encoder) throws {
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(event, forKey: .event)
        try container.encode(time, forKey: .time)
    }

    /// `time` read back, for readers that order or measure events.
    package var date: Date? {
        try? Date(time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
