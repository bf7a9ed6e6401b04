/// What every Ferry error carries: a message naming the file, entry, key or host involved, and,
/// where there is one, what to do about it. Each module has its own error type conforming to this.
public protocol FerryError: Error, Sendable, CustomStringConvertible {
    var message: String { get }
    var hint: String? { get }
}

extension FerryError {
    public var description: String {
        hint.map { "\(message)\n  hint: \($0)" } ?? message
    }
}
