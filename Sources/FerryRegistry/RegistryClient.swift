import AsyncHTTPClient
import FerryOCI
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A client for one registry (distribution spec v2). It learns the scheme and the auth method with
/// a ping, then serves any number of concurrent requests; bearer tokens are shared through an actor.
package final class RegistryClient: Sendable {
    /// What a request needs: pull (HEAD, GET) or push (also POST, PUT).
    package enum Access: String, Sendable {
        case pull = "pull"
        case push = "pull,push"
    }

    package let host: String
    /// `http://host` or `https://host`, as decided by the ping.
    package let baseURL: String
    package let retry: RetryPolicy
    let transport: HTTPTransport
    let authenticator: Authenticator
    let logger: Logger

    init(host: String, baseURL: String, transport: HTTPTransport, authenticator: Authenticator, retry: RetryPolicy, logger: Logger) {
        self.host = host
        self.baseURL = baseURL
        self.transport = transport
        self.authenticator = authenticator
        self.retry = retry
        self.logger = logger
    }

    /// The user the client authenticates as, for messages.
    package var user: String? { authenticator.credentials?.username }

    // MARK: - Connecting

    /// Pings `host` and learns how to talk to it. A loopback or private host that does not speak
    /// HTTPS is tried again over plain HTTP (unless the transport's security forbids it); `scheme`
    /// forces one (a chart repository URL that says `http://`).
    package static func connect(host: String, transport: HTTPTransport, credentials: Credentials?, scheme: String? = nil,
                               retry: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "ferry.registry")) async throws -> RegistryClient {
        let authenticator = Authenticator(host: host, credentials: credentials)
        let schemes = scheme.map { [$0] } ?? transport.security.schemes(for: host)
        var firstError: (any Error)?
        for scheme in schemes {
            let client = RegistryClient(host: host, baseURL: "\(scheme)://\(host)", transport: transport,
                                        authenticator: authenticator, retry: retry, logger: logger)
            do {
                try await client.ping()
                return client
            } catch let error as RegistryError where (error.code == .unreachable || error.code == .tls || error.code == .protocolViolation) && scheme != schemes.last {
                logger.debug("HTTPS failed, trying plain HTTP", metadata: ["registry": "\(host)", "error": "\(error.message)"])
                firstError = error
            } catch let error as RegistryError where firstError != nil && scheme == "http" && schemes.count > 1 {
                // The registry answered over plain HTTP and refused the credentials: that is the real error.
                if error.code == .unauthorized || error.code == .denied { throw error }
                // Plain HTTP did not work either: the HTTPS error says more (often a certificate problem).
                var original = firstError as? RegistryError ?? error
                original.message += " (plain HTTP was tried too: \(error.message))"
                throw original
            }
        }
        throw firstError ?? RegistryError(.unreachable, "cannot reach \(host)")
    }

    func ping() async throws {
        let url = baseURL + "/v2/"
        let response = try await retry.run(connectionAttempts: 3) {
            try await self.perform(Request(method: .GET, url: url), context: "pinging \(self.baseURL)")
        }
        switch response.status {
        case 200:
            return
        case 401:
            guard await authenticator.learn(from: response.headers) else {
                throw RegistryError(.unauthorized, "\(host) requires authentication but offered no usable challenge",
                                    hint: Self.errorSummary(response.body) ?? "check that \(baseURL) is a registry", status: 401)
            }
            // Basic registries: check the credentials now, so a typo fails before any upload.
            if case .basic = await authenticator.mode {
                let check = try await send(Request(method: .GET, url: url), scopes: [], context: "logging in to \(host)")
                guard check.status == 200 else {
                    throw try await self.error(from: check, context: "logging in to \(host)", scopes: [])
                }
            }
        case 404:
            throw RegistryError(.protocolViolation, "\(url) answered 404: \(host) is not a container registry (no /v2/ API)",
                                status: 404)
        default:
            throw try await error(from: response, context: "pinging \(baseURL)", scopes: [])
        }
    }

    // MARK: - Requests

    struct Request: Sendable {
        enum Body: Sendable {
            case none
            case bytes([UInt8])
            case stream(length: Int64, make: @Sendable () -> AsyncThrowingStream<ByteBuffer, any Error>)
        }

        var method: HTTPMethod
        var url: String
        var headers: [(String, String)] = []
        var body: Body = .none
        /// A last resort: a request that keeps moving bytes is never cut; one that stalls is
        /// abandoned after the idle timeout.
        var timeout: TimeAmount = .hours(24)
        /// Most a response body may hold in memory: manifests and error bodies are small.
        var responseLimit = ManifestDocument.maximumSize
        /// Takes the body of a 200 or 206 answer as it arrives instead of collecting it (a blob
        /// download); the response then carries no body.
        var consumer: (@Sendable (_ status: Int, _ chunk: ByteBuffer) async throws -> Void)? = nil
    }

    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        /// The URL that answered, for resolving a relative `Location`.
        var url: String
    }

    /// Sends with authorization for `scopes`, renewing it once after a 401.
    func send(_ request: Request, scopes: [String], context: String) async throws -> Response {
        var scopes = scopes
        for attempt in 1...2 {
            var authorized = request
            if let header = try await authenticator.authorization(scopes: scopes, transport: transport) {
                authorized.headers.append(("Authorization", header))
            }
            let response = try await perform(authorized, context: context)
            guard response.status == 401, attempt == 1 else { return response }
            let extra = await authenticator.challengedScopes(in: response.headers)
            await authenticator.invalidate(scopes: scopes)
            guard await authenticator.learn(from: response.headers) else { return response }
            scopes = Array(Set(scopes + extra)).sorted()
        }
        preconditionFailure("unreachable")
    }

    /// One HTTP exchange; transport failures become `RegistryError`s naming the host. The exchange
    /// is watched: no byte sent or received for the retry policy's idle timeout abandons it.
    func perform(_ request: Request, context: String) async throws -> Response {
        let watch = ProgressWatch()
        let outgoing = outgoingRequest(request, watch: watch)
        let started = ContinuousClock.now
        let (idleTimeout, what) = (retry.idleTimeout, "\(request.method) \(Self.withoutQuery(request.url))")
        do {
            let result = try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await self.exchange(outgoing, request: request, watch: watch) }
                group.addTask {
                    try await watch.waitForStall(idleTimeout, what: what, logger: self.logger)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw RegistryError(.stalled, "\(context): \(host) sent and received nothing for \(idleTimeout.components.seconds) s (stalled)")
                }
                return response
            }
            // Never a header: Authorization and tokens stay out of the log.
            logger.debug("\(what) → \(result.status)", metadata: ["took": "\(ContinuousClock.now - started)"])
            // "Try again" answers are thrown here, inside whichever retry loop sent the request.
            if RegistryError.transientStatuses.contains(result.status) {
                throw try await error(from: result, context: context, scopes: [])
            }
            return result
        } catch let error as RegistryError {
            throw error
        } catch let error as HTTPClientError where error == .cancelled || error == .requestStreamCancelled {
            throw CancellationError()
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as NIOTooManyBytesError {
            throw RegistryError(.protocolViolation, "\(context): \(host) answered with more than \(error.maxBytes.map(String.init) ?? "the") bytes Ferry reads")
        } catch {
            // Errors thrown by our own body streams (a digest mismatch) pass through unchanged.
            guard Self.isTransportError(error) else { throw error }
            logger.debug("\(what) failed", metadata: ["error": "\(Self.describeTransport(error))"])
            if Self.isTLSFailure(error) { throw tlsError(error) }
            let route = transport.proxy(for: request.url).map { " through \($0)" } ?? ""
            var failure = RegistryError(.unreachable, "\(context): connection to \(host)\(route) failed (\(Self.describeTransport(error)))",
                                        hint: route.isEmpty ? "check that the registry is running and reachable from here"
                                                            : "check the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)")
            failure.cause = error
            throw failure
        }
    }

    /// The request as the HTTP client takes it; a streamed body touches the watch as each chunk goes.
    func outgoingRequest(_ request: Request, watch: ProgressWatch) -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        outgoing.headers.add(name: "User-Agent", value: "ferry")
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        switch request.body {
        case .none:
            if request.method == .POST || request.method == .PUT {
                outgoing.headers.add(name: "Content-Length", value: "0")
            }
        case .bytes(let bytes):
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        case .stream(let length, let make):
            outgoing.body = .stream(make().map { chunk in watch.touch(); return chunk }, length: .known(length))
        }
        return outgoing
    }

    /// Sends the request and reads the answer, touching the watch as bytes come in.
    func exchange(_ outgoing: HTTPClientRequest, request: Request, watch: ProgressWatch) async throws -> Response {
        watch.touch()
        // The deadline is generous: stalls are caught by the watch, not by the clock.
        let response = try await transport.execute(outgoing, timeout: request.timeout)
        watch.touch()
        var body: [UInt8] = []
        if let consumer = request.consumer, response.status == .ok || response.status == .partialContent {
            for try await chunk in response.body {
                watch.touch()
                try await consumer(Int(response.status.code), chunk)
            }
        } else if request.method != .HEAD {
            for try await chunk in response.body {
                watch.touch()
                guard body.count + chunk.readableBytes <= request.responseLimit else { throw NIOTooManyBytesError(maxBytes: request.responseLimit) }
                body += Array(buffer: chunk)
            }
        }
        var result = Response(status: Int(response.status.code), headers: response.headers, body: body, url: request.url)
        if let last = response.history.last?.request.url { result.url = last }
        return result
    }

    /// A URL for the log: upload URLs carry the registry's upload state in their query, left out.
    static func withoutQuery(_ url: String) -> String {
        url.firstIndex(of: "?").map { String(url[..<$0]) + "?…" } ?? url
    }

    /// A TLS failure (certificate, handshake, or TLS spoken to a plain-HTTP server), whichever layer reported it.
    static func isTLSFailure(_ error: any Error) -> Bool {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return true }
        return (error as? HTTPClientError) == .tlsHandshakeTimeout
    }

    /// NIO and socket errors (as opposed to errors thrown by our own body streams, which pass through).
    static func isTransportError(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError || error is HTTPClientError
            || error is IOError || error is ChannelError || error is NIOConnectionError || error is SocketAddressError
            || error is NIOTooManyBytesError || (error as? HTTPParserError) == .invalidEOFState
    }

    private func tlsError(_ error: any Error) -> RegistryError {
        var failure = RegistryError(.tls, "TLS with \(host) failed: \(Self.describeTransport(error))")
        failure.cause = error
        return failure
    }

    /// A transport error in words: TLS library reasons named plainly, no source paths of the
    /// libraries inside (BoringSSL reports the file and line it failed in).
    package static func describeTransport(_ error: any Error) -> String {
        let text = String(describing: error)
        let reasons: [(String, String)] = [
            ("WRONG_VERSION_NUMBER", "the server does not speak TLS (a plain-HTTP registry?)"),
            ("CERTIFICATE_VERIFY_FAILED", "the certificate is not trusted by this machine"),
            ("unable to get local issuer certificate", "the certificate is not trusted by this machine"),
            ("self signed certificate", "the certificate is self-signed and not trusted by this machine"),
            ("certificate has expired", "the certificate has expired"),
            ("failedToValidateHostname", "the certificate is for another host name"),
            ("HANDSHAKE_FAILURE", "the TLS handshake failed"),
            ("stream ended at an unexpected time", "the connection closed in the middle of the answer"),
            ("invalidEOFState", "the connection closed in the middle of the answer"),
            ("remoteConnectionClosed", "the server closed the connection (a registry that requires a client certificate does so when none is shown)"),
            ("proxyAuthenticationRequired", "the proxy asks for credentials it was not given, or refused them (407)"),
            ("invalidProxyResponse", "the proxy refused to open a tunnel"),
        ]
        for (token, words) in reasons where text.contains(token) { return words }
        // Anything else: the text without " at /path/file.c:123" locations.
        return text.replacingOccurrences(of: #" at /[^\s\]\)]*"#, with: "", options: .regularExpression)
    }

    // MARK: - Error responses

    /// A registry error response as an error a person can act on.
    func error(from response: Response, context: String, scopes: [String]) async throws -> RegistryError {
        let items = RegistryErrorBody.parse(response.body)
        let codes = Set(items.map(\.code))
        let detail = Self.errorSummary(response.body) ?? "HTTP \(response.status)"
        let who = authenticator.credentials.map { "as \($0)" } ?? "anonymously (no credentials were found for \(host))"
        let scopeText = scopes.isEmpty ? "" : " (scope \(scopes.joined(separator: " ")))"
        var error: RegistryError
        switch response.status {
        case 401:
            error = RegistryError(.unauthorized, "\(context): \(host) refused access \(who)\(scopeText): \(detail)")
            error.credentialsSent = authenticator.credentials != nil
        case 403:
            error = RegistryError(.denied, "\(context): \(host) denied access \(who)\(scopeText): \(detail)",
                                  hint: "the credentials are valid but lack permission; ask for push rights on the project")
        case 404 where codes.contains("NOT_FOUND") && detail.contains("project"):
            // Harbor's answer for a repository whose project does not exist.
            error = RegistryError(.projectMissing, "\(context): \(host): \(detail)")
        case 404 where codes.contains("NAME_UNKNOWN"):
            error = RegistryError(.nameUnknown, "\(context): \(host) has no such repository: \(detail)",
                                  hint: "on Harbor the project (first path element) must exist before pushing")
        case 404 where codes.contains("BLOB_UNKNOWN") || codes.contains("BLOB_UPLOAD_UNKNOWN"):
            error = RegistryError(.blobUnknown, "\(context): \(detail)")
        case 404 where codes.contains("MANIFEST_UNKNOWN"):
            error = RegistryError(.manifestUnknown, "\(context): \(detail)")
        case 400 where codes.contains("MANIFEST_BLOB_UNKNOWN"):
            error = RegistryError(.manifestBlobUnknown, "\(context): the manifest references blobs \(host) does not have: \(detail)")
        case 400 where codes.contains("DIGEST_INVALID") || codes.contains("SIZE_INVALID"):
            error = RegistryError(.digestInvalid, "\(context): \(host) says the content does not match its digest: \(detail)")
        case 413:
            error = RegistryError(.server, "\(context): the request is too large for \(host) or a proxy in front of it",
                                  hint: "raise the proxy's body size limit (nginx: client_max_body_size)")
        case 429:
            error = RegistryError(.rateLimited, "\(context): \(host) is rate limiting: \(detail)")
        case 500...599:
            error = RegistryError(.server, "\(context): \(host) answered \(response.status): \(detail)")
        default:
            error = RegistryError(.protocolViolation, "\(context): \(host) answered \(response.status): \(detail)")
        }
        error.status = response.status
        if let text = response.headers.first(name: "Retry-After"), let wait = RetryPolicy.retryAfter(text) {
            error.retryAfterSeconds = Int(wait.components.seconds)
        }
        return error
    }

    /// `CODE: message` from a JSON error body, or the start of a non-JSON one (HTML from a proxy).
    static func errorSummary(_ body: [UInt8]) -> String? {
        let items = RegistryErrorBody.parse(body)
        if !items.isEmpty {
            return items.map { item in
                let text = item.message.map { "\(item.code): \($0)" } ?? item.code
                return item.detail.map { text + " (\($0.prefix(200)))" } ?? text
            }.joined(separator: "; ")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    func scopes(_ repository: String, _ access: Access) -> [String] {
        ["repository:\(repository):\(access.rawValue)"]
    }

    /// Resolves a `Location` header against the URL that answered (it may be relative).
    func resolve(location: String, against url: String) throws -> String {
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        guard let base = URL(string: url), let resolved = URL(string: location, relativeTo: base) else {
            throw RegistryError(.protocolViolation, "\(host) sent an unusable Location '\(location)'")
        }
        return resolved.absoluteString
    }
}
