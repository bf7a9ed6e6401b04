import FerryCore
/// The one error type of FerryOCI: a malformed digest, reference, media type or document.
package struct OCIError: FerryError, Equatable {
    package enum Code: String, Sendable {
        case invalidDigest
        case invalidReference
        case invalidDocument
        case documentTooLarge
        case unsupportedMediaType
    }

    package var code: Code
    package var message: String
    package var hint: String?

    package init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

}

extension OCIError {
    package var kind: ErrorKind {
        .invalidInput
    }

    package var codeName: String { code.rawValue }
}
