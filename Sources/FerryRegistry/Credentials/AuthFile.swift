import Foundation

/// An auth file: Docker's `config.json` or podman's and skopeo's `auth.json` (the same format):
/// `auths` by registry, `credHelpers` by registry and `credsStore`. Read as a typed value; written
/// back with every other key it holds kept.
package struct AuthFile: Sendable {
    package struct Entry: Sendable, Decodable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
    }

    private struct Shape: Decodable {
        var auths: [String: Entry]?
        var credHelpers: [String: String]?
        var credsStore: String?
    }

    package let path: String
    package var auths: [String: Entry]
    package var credHelpers: [String: String]
    package var credsStore: String?

    /// Reads `path`; nil when there is no such file.
    package static func read(_ path: String) throws -> AuthFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let shape: Shape
        do {
            shape = try JSONDecoder().decode(Shape.self, from: data)
        } catch {
            throw RegistryError(.invalidCredentials, "\(path) is not a valid auth file (JSON with auths, credHelpers, credsStore)")
        }
        return AuthFile(path: path, auths: shape.auths ?? [:], credHelpers: shape.credHelpers ?? [:],
                        credsStore: shape.credsStore.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The `auths` entry for `host`: the exact key first, then legacy keys written with a scheme or path.
    package func entry(for host: String) -> (key: String, entry: Entry)? {
        if let exact = auths[host] { return (host, exact) }
        return auths.first { Self.host(ofKey: $0.key) == host }.map { ($0.key, $0.value) }
    }

    /// The helper named for `host` (`credHelpers`), else the store for every host (`credsStore`).
    package func helper(for host: String) -> (name: String, key: String)? {
        if let name = credHelpers[host] ?? credHelpers.first(where: { Self.host(ofKey: $0.key) == host })?.value, !name.isEmpty {
            return (name, "credHelpers")
        }
        return credsStore.map { ($0, "credsStore") }
    }

    /// Credentials from the `auths` entry for `host`, if it holds any.
    package func credentials(for host: String) throws -> Credentials? {
        guard let (_, entry) = entry(for: host) else { return nil }
        if let token = entry.identitytoken, !token.isEmpty {
            return Credentials(username: entry.username ?? Credentials.identityTokenUser, password: "", origin: path, identityToken: token)
        }
        if let user = entry.username, let password = entry.password, !user.isEmpty {
            return Credentials(username: user, password: password, origin: path)
        }
        guard let auth = entry.auth, !auth.isEmpty else { return nil }
        guard let decoded = Data(base64Encoded: auth).flatMap({ String(data: $0, encoding: .utf8) }),
              let colon = decoded.firstIndex(of: ":") else {
            throw RegistryError(.invalidCredentials, "\(path): the auth entry for \(host) is not base64 of user:password")
        }
        let password = String(decoded[decoded.index(after: colon)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\0"))
        return Credentials(username: String(decoded[..<colon]), password: password, origin: path)
    }

    /// `host[:port]` of a key or URL written with a scheme or a path (`https://h:5000/v1/`).
    static func host(ofKey key: String) -> String {
        var text = Substring(key)
        if let range = text.range(of: "://") { text = text[range.upperBound...] }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        return String(text)
    }

    // MARK: - Writing

    /// Sets (or, with nil, removes) the `auths` entry for `host` in the file at `path`, keeping every
    /// other key; the file is created (mode 0600, its directory 0700) when missing and replaced atomically.
    /// Returns whether an entry was there before.
    @discardableResult
    package static func setAuth(_ credentials: Credentials?, host: String, in path: String) throws -> Bool {
        var object: [String: Any] = [:]
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            guard let parsed = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw RegistryError(.invalidCredentials, "\(path) is not a JSON object; not changed")
            }
            object = parsed
        }
        var auths = object["auths"] as? [String: Any] ?? [:]
        let keys = auths.keys.filter { $0 == host || Self.host(ofKey: $0) == host }
        let existed = !keys.isEmpty
        for key in keys { auths[key] = nil }
        if let credentials {
            auths[host] = ["auth": Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()]
        }
        object["auths"] = auths
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try write(data + Data("\n".utf8), to: path)
        return existed
    }

    /// Replaces `path` with `data` through a temporary file beside it, readable by its owner only.
    static func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let temporary = directory + "/.\((path as NSString).lastPathComponent).ferry-\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw RegistryError(.invalidCredentials, "cannot write \(temporary)")
            }
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw RegistryError(.invalidCredentials, "cannot replace \(path): \(reason)")
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw RegistryError(.invalidCredentials, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
