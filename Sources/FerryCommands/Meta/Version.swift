import ArgumentParser

extension Ferry {
    /// `ferry version`: what was built, from which commit, with which Swift.
    package struct Version: AsyncParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Show Ferry's version, the commit it was built from and the Swift that compiled it.",
            discussion: """
                Examples:
                  ferry version
                  ferry version --output json
                """)

        @OptionGroup(title: "Output") package var output: OutputOptions

        package init() {}

        package func run() async throws {
            let document = VersionDocument(version: BuildInfo.version, commit: BuildInfo.commit, swift: BuildInfo.swiftVersion)
            if output.output == .json {
                Console.current.out(JSONLines.event("version", document))
            } else {
                Console.current.out("ferry \(document.version) (commit \(document.commit), Swift \(document.swift))")
            }
        }
    }
}

/// `ferry version --output json`.
package struct VersionDocument: Codable, Sendable {
    package var version: String
    package var commit: String
    package var swift: String
}
