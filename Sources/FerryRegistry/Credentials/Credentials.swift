import Foundation

/// A user name and password (or token) for a registry. Printing it never shows the secret.
package struct Credentials: Sendable, Equatable, CustomStringConvertible {
    package var username: String
    package var password: String
    /// Where they came from, for messages: `--username`, `FERRY_REGISTRY_USERNAME`, a file, a helper.
    package var origin: String
    /// An identity token (Docker's `identitytoken`, a helper's `<token>` user): an OAuth2 refresh
    /// token for the registry's token service, not a password.
    package var identityToken: String?

    package init(username: String, password: String, origin: String, identityToken: String? = nil) {
        self.username = username
        self.password = password
        self.origin = origin
        self.identityToken = identityToken
    }

    /// Docker's convention: a helper that answers user `<token>` hands back an identity token.
    package static let identityTokenUser = "<token>"

    package var description: String {
        identityToken != nil ? "an identity token (from \(origin))" : "user '\(username)' (from \(origin))"
    }

    var basicHeader: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
