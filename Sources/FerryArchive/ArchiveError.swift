import FerryCore
import FerryOCI

/// The one error type of FerryArchive. Every message names the file and, where there is one, the entry.
public struct ArchiveError: FerryError {
    public enum Code: String, Sendable {
        case io
        case malformedTar
        case truncated
        case unsafeEntry
        case duplicateEntry
        case missingEntry
        case digestMismatch
        case invalidImage
        case unsupported
        case corruptCompression
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

extension ArchiveError {
    public var kind: ErrorKind {
        .invalidInput
    }

    public var codeName: String { code.rawValue }
}
