import FerryCore
import FerryOCI

/// The one error type of FerryRegistry. Messages name the registry, the repository and, for auth
/// failures, the user and scope; they never contain a password or token.
package struct RegistryError: FerryError {
    package enum Code: String, Sendable {
        case unreachable
        case tls
        case unauthorized
        case denied
        case nameUnknown
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
        if code == .unreachable { return true }
        if let status { return Self.transientStatuses.contains(status) }
        return code == .rateLimited || code == .server
    }
}

/// The JSON error body of the distribution spec: `{"errors":[{"code":…,"message":…}]}`.
struct RegistryErrorBody: Decodable {
    struct Item: Decodable {
        var code: String
        var message: String?
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
