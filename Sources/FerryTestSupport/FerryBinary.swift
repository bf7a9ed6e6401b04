import Foundation

/// The `ferry` executable the build made beside the test binary, for tests that need a real
/// process (one to kill mid-push). Fails loudly when it is missing.
package enum FerryBinary {
    package static func path() throws -> String {
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        var directory = (executable as NSString).deletingLastPathComponent
        // On Linux the test binary is `<build>/FerryPackageTests.xctest`; on macOS inside a bundle.
        for _ in 0..<4 {
            let candidate = directory + "/ferry"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        throw TestSupportError("no ferry executable beside \(executable): build it first (swift build --build-tests builds it)")
    }
}
