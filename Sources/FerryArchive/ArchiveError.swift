import FerryCore
import FerryOCI

/// The one error type of FerryArchive. Every message names the file and, where there is one, the entry.
package struct ArchiveError: FerryError {
    package enum Code: String, Sendable {
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

    package var code: Code
    package var message: String
    package var hint: String?

    package init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

}

extension ArchiveError {
    package var kind: ErrorKind {
        .invalidInput
    }

    package var codeName: String { code.rawValue }
}
