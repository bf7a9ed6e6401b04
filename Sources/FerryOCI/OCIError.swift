import FerryCore
/// The one error type of FerryOCI: a malformed digest, reference, media type or document.
public struct OCIError: FerryError, Equatable {
    public enum Code: String, Sendable {
        case invalidDigest
        case invalidReference
        case invalidDocument
        case documentTooLarge
        case unsupportedMediaType
    }

    public var code: Code
    public var message: String
    public var hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

}

extension OCIError {
    public var kind: ErrorKind {
        .invalidInput
    }

    public var codeName: String { code.rawValue }
}
