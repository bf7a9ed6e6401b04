import FerryCore
import FerryOCI

/// The one error type of FerryCharts.
package struct ChartsError: FerryError {
    package enum Code: String, Sendable {
        case invalidChart
        case invalidValues
        case invalidHints
        case hintNotRendered
        case valuesKeyMissing
        case invalidVersion
        case invalidIndex
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var hint: String? { nil }
}

extension ChartsError {
    package var kind: ErrorKind {
        .invalidInput
    }

    package var codeName: String { code.rawValue }
}
