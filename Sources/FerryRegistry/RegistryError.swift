import FerryCore
import FerryOCI

/// The one error type of FerryRegistry. Messages name the registry, the repository and, for auth
/// failures, the user and scope; they never contain a password or token.
package struct RegistryError: FerryError {
    package enum Code: String, Sendable {
        case unreachable
        /// A request that sent and received nothing for the idle timeout (retried like a lost connection).
        case stalled
        case tls
        case unauthorized
        case denied
        case nameUnknown
        /// A Harbor project (the repository's first path element) that does not exist.
        case projectMissing
        case blobUnknown
        case manifestUnknown
        case manifestBlobUnknown
        case digestInvalid
        case rateLimited
        case server
        case protocolViolation
        case invalidCredentials
    }

    package var code: Code
    package var message: String
    package var hint: String?
    /// HTTP status, when the error came from a response.
    package var status: Int?
    /// `Retry-After` of a 429 or 503, in seconds.
    package var retryAfterSeconds: Int?
    /// For `unauthorized`: whether credentials were sent (a command advises giving them, or checking them).
    package var credentialsSent: Bool?
    package var cause: (any Error)?

    package init(_ code: Code, _ message: String, hint: String? = nil, status: Int? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.status = status
    }


    /// Worth another attempt: the network or the server may recover. A status decides when there
    /// is one (413, 501 and the like are final, however the error is coded).
    package var isTransient: Bool {
        if code == .unreachable || code == .stalled { return true }
        if let status { return Self.transientStatuses.contains(status) }
        return code == .rateLimited || code == .server
    }
}

/// The JSON error body of the distribution spec: `{"errors":[{"code":…,"message":…}]}`.
struct RegistryErrorBody: Decodable {
    struct Item: Decodable {
        var code: String
        var message: String?
        /// The spec allows any JSON here; a string (distribution puts the cause there, such as
        /// "no space left on device") or an object of strings is kept.
        var detail: String?

        enum CodingKeys: String, CodingKey { case code, message, detail }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try container.decode(String.self, forKey: .code)
            message = try? container.decodeIfPresent(String.self, forKey: .message)
            if let text = try? container.decodeIfPresent(String.self, forKey: .detail) {
                detail = text
            } else if let map = try? container.decodeIfPresent([String: String].self, forKey: .detail) {
                detail = map.keys.sorted().map { "\($0): \(map[$0]!)" }.joined(separator: ", ")
            }
        }
    }

    var errors: [Item]

    static func parse(_ bytes: [UInt8]) -> [Item] {
        (try? JSONDecoderFactory.make().decode(RegistryErrorBody.self, from: bytes))?.errors ?? []
    }
}

extension RegistryError {
    package var kind: ErrorKind {
        .registry
    }

    package var codeName: String { code.rawValue }
}
