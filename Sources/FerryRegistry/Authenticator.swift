import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Holds how a registry wants to be authenticated and caches bearer tokens per scope set.
/// An actor: every upload task asks it for a header, and one token fetch serves them all.
actor Authenticator {
    enum Mode {
        case anonymous
        case basic
        case bearer(realm: String, service: String?)
    }

    struct Token {
        var value: String
        var expires: ContinuousClock.Instant
    }

    let host: String
    let credentials: Credentials?
    private(set) var mode: Mode = .anonymous
    private var tokens: [String: Token] = [:]
    private var inFlight: [String: Task<Token, any Error>] = [:]

    init(host: String, credentials: Credentials?) {
        self.host = host
        self.credentials = credentials
    }

    /// Learns the scheme from a 401 challenge. Returns false when nothing usable was offered.
    @discardableResult
    func learn(from headers: HTTPHeaders) -> Bool {
        for value in headers["WWW-Authenticate"] {
            guard let challenge = AuthChallenge.parse(value) else { continue }
            if challenge.scheme == "bearer", let realm = challenge.realm {
                mode = .bearer(realm: realm, service: challenge.service)
                return true
            }
            if challenge.scheme == "basic" {
                // Harbor answers an insufficient bearer token with a Basic challenge: keep bearer then.
                if case .bearer = mode { return credentials != nil }
                mode = .basic
                return true
            }
        }
        return false
    }

    /// The scope in a bearer challenge, if any (`insufficient_scope` tells us what to ask for).
    func challengedScopes(in headers: HTTPHeaders) -> [String] {
        headers["WWW-Authenticate"].compactMap { AuthChallenge.parse($0) }
            .filter { $0.scheme == "bearer" }
            .flatMap { ($0.scope ?? "").split(separator: " ").map(String.init) }
    }

    /// The `Authorization` header for a request needing `scopes`, or nil for anonymous access.
    func authorization(scopes: [String], transport: HTTPTransport) async throws -> String? {
        switch mode {
        case .anonymous:
            return nil
        case .basic:
            if credentials?.identityToken != nil {
                throw RegistryError(.invalidCredentials, "\(host) asks for a password (Basic auth); \(credentials!) works only with a token service")
            }
            return credentials?.basicHeader
        case .bearer(let realm, let service):
            let key = Set(scopes).sorted().joined(separator: " ")
            if let token = tokens[key], token.expires > .now {
                return "Bearer " + token.value
            }
            if let task = inFlight[key] {
                return "Bearer " + (try await task.value).value
            }
            let credentials = self.credentials
            let host = self.host
            let task = Task {
                try await Self.fetchToken(realm: realm, service: service, scopes: scopes.isEmpty ? [] : Set(scopes).sorted(),
                                          credentials: credentials, host: host, transport: transport)
            }
            inFlight[key] = task
            defer { inFlight[key] = nil }
            let token = try await task.value
            tokens[key] = token
            return "Bearer " + token.value
        }
    }

    /// Forgets the cached token for `scopes` after the registry refused it.
    func invalidate(scopes: [String]) {
        tokens[Set(scopes).sorted().joined(separator: " ")] = nil
    }

    static func fetchToken(realm: String, service: String?, scopes: [String], credentials: Credentials?,
                           host: String, transport: HTTPTransport) async throws -> Token {
        var request: HTTPClientRequest
        if let refreshToken = credentials?.identityToken {
            // An identity token is an OAuth2 refresh token: POSTed to the token endpoint as a form.
            request = HTTPClientRequest(url: realm)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: refreshForm(refreshToken, service: service, scopes: scopes)))
        } else {
            request = HTTPClientRequest(url: try tokenURL(realm: realm, service: service, scopes: scopes, credentials: credentials, host: host))
            request.method = .GET
            if let credentials { request.headers.add(name: "Authorization", value: credentials.basicHeader) }
        }
        let scopeText = scopes.isEmpty ? "(none)" : scopes.joined(separator: " ")
        let response: HTTPClientResponse
        do {
            response = try await transport.execute(request, timeout: .seconds(60))
        } catch {
            var failure = RegistryError(.unreachable, "cannot reach the token service of \(host) at \(realm): \(RegistryClient.describeTransport(error))")
            failure.cause = error
            throw failure
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        switch response.status.code {
        case 200:
            return try token(from: Data(body.readableBytesView), host: host, realm: realm)
        case 400, 401, 403:
            let who = credentials.map { "as \($0)" } ?? "anonymously"
            var error = RegistryError(.unauthorized, "\(host) refused a token \(who) for scope \(scopeText): \(WebClient.summary(Array(buffer: body)))",
                                      status: Int(response.status.code))
            error.credentialsSent = credentials != nil
            throw error
        default:
            throw RegistryError(.server, "the token service of \(host) answered \(response.status) for scope \(scopeText)",
                                status: Int(response.status.code))
        }
    }

    /// The OAuth2 refresh-token grant of the distribution token spec.
    static func refreshForm(_ token: String, service: String?, scopes: [String]) -> String {
        var items = [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "ferry")]
        if let service { items.append(("service", service)) }
        if !scopes.isEmpty { items.append(("scope", scopes.joined(separator: " "))) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
    }

    /// The token request: the realm with the service, each scope and the account as query items.
    static func tokenURL(realm: String, service: String?, scopes: [String], credentials: Credentials?, host: String) throws -> String {
        guard var components = URLComponents(string: realm), components.host != nil else {
            throw RegistryError(.protocolViolation, "\(host) names an invalid token service '\(realm)'")
        }
        var items = components.queryItems ?? []
        if let service { items.append(URLQueryItem(name: "service", value: service)) }
        for scope in scopes { items.append(URLQueryItem(name: "scope", value: scope)) }
        if let credentials { items.append(URLQueryItem(name: "account", value: credentials.username)) }
        components.queryItems = items.isEmpty ? nil : items
        // '+' in a query value must be encoded, or servers read it as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url?.absoluteString else {
            throw RegistryError(.protocolViolation, "cannot build a token request for \(realm)")
        }
        return url
    }

    /// The token service's answer: `token` or `access_token`, and how long it lasts.
    static func token(from body: Data, host: String, realm: String) throws -> Token {
        struct Answer: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: body),
              let value = answer.token ?? answer.access_token, !value.isEmpty else {
            throw RegistryError(.protocolViolation, "the token service of \(host) (\(realm)) answered without a token")
        }
        // Renew a little early so a token never expires mid-request.
        let lifetime = max(60, answer.expires_in ?? 60)
        return Token(value: value, expires: .now + .seconds(lifetime - 10))
    }
}
