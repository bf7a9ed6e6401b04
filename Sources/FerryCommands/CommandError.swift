import FerryCore

/// The one error type of FerryCommands: an argument a command cannot use, found after parsing
/// (a chart without hints, a transport name no reader takes). Exit 2.
struct CommandError: FerryError {
    var message: String
    var hint: String?
    var kind: ErrorKind { .invalidInput }
    var codeName: String { "invalidInput" }

    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}
