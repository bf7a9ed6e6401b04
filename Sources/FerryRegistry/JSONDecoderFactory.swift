import FerryOCI
import Foundation

enum JSONDecoderFactory {
    static func make() -> JSONDecoderWrapper { JSONDecoderWrapper() }
}

/// Decodes from byte arrays without the caller converting to `Data` each time.
struct JSONDecoderWrapper {
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try GoJSON.decode(type, from: bytes)
    }
}
