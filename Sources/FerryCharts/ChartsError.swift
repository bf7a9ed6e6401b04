import FerryCore
import FerryOCI

/// The one error type of FerryCharts: charts, values, hints and chart repositories.
package struct ChartsError: FerryError {
    package enum Code: String, Sendable {
        case invalidChart
        case invalidValues
        case invalidHints
        case hintNotRendered
        case valuesKeyMissing
        case invalidVersion
        case invalidIndex
        /// The repository already holds this version (a command may offer to replace it).
        case chartExists
        /// The repository has no such chart, or no such version of it.
        case chartMissing
        /// The repository refused the credentials, or the user may not do this (401, 403).
        case repositoryRefused
        /// The repository cannot be used this way: not a chart repository, not writable, read-only.
        case repositoryUnusable
        /// Harbor 2.8 or later: its chart repository is gone; charts live in its OCI registry.
        case harborWithoutChartRepository
        /// The repository answered, but not as a chart repository does (an unexpected status).
        case repositoryFailed
    }

    package var code: Code
    package var message: String
    /// Advice about the repository itself (never a command's flag).
    package var hint: String?
    package var cause: (any Error)?

    package init(_ code: Code, _ message: String, hint: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.cause = cause
    }
}

extension ChartsError {
    package var kind: ErrorKind {
        switch code {
        case .invalidChart, .invalidValues, .invalidHints, .hintNotRendered, .valuesKeyMissing, .invalidVersion, .invalidIndex:
            return .invalidInput
        case .repositoryRefused, .repositoryUnusable, .harborWithoutChartRepository, .repositoryFailed:
            return .registry
        case .chartExists, .chartMissing:
            return .failed
        }
    }

    package var codeName: String { code.rawValue }
}
