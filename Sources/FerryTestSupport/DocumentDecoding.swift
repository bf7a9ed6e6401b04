import Foundation

/// Ferry's JSON output read back as the types that print it (`PushPlanDocument`, …), so a test
/// fails when a field it reads is renamed or changes type.
package enum Documents {
    struct Event: Decodable { var event: String? }

    /// The one document `text` holds (pretty-printed or one line).
    package static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// Every JSON line of `text` whose `event` is `event`, decoded as `type`.
    package static func lines<T: Decodable>(_ type: T.Type, _ text: String, event: String) throws -> [T] {
        try text.split(separator: "\n").filter { line in
            (try? JSONDecoder().decode(Event.self, from: Data(line.utf8)))?.event == event
        }.map { try JSONDecoder().decode(type, from: Data($0.utf8)) }
    }
}
