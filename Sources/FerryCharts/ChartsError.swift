import FerryCore
import FerryOCI

/// The one error type of FerryCharts.
public struct ChartsError: FerryError {
    public enum Code: String, Sendable {
        case invalidChart
        case invalidValues
        case invalidHints
        case hintNotRendered
        case valuesKeyMissing
        case invalidVersion
        case invalidIndex
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var hint: String? { nil }
}

extension ChartsError {
    public var kind: ErrorKind {
        .invalidInput
    }

    public var codeName: String { code.rawValue }
}
