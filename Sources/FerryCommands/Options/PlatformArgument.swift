import ArgumentParser
import FerryOCI

/// `--platform os/arch[/variant]`.
extension Platform: ExpressibleByArgument {
    package init?(argument: String) {
        guard let platform = try? Platform(parsing: argument) else { return nil }
        self = platform
    }
}
