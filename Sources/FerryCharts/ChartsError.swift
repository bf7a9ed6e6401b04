/// The one error type of FerryCharts.
public struct ChartsError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidChart
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
