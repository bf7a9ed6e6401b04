/// An image platform, `os/architecture[/variant]`.
package struct Platform: Hashable, Sendable, Codable, CustomStringConvertible {
    package var architecture: String
    package var os: String
    package var variant: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
    }

    package init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]`.
    package init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw OCIError(.invalidDocument, "'\(text)' is not a platform (expected os/arch[/variant], e.g. linux/amd64)")
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    package var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }
}
