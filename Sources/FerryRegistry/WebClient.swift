import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Plain HTTP(S) requests for chart repositories (index.yaml, ChartMuseum and Harbor chart APIs),
/// with the same TLS options, retries and error messages as the registry client. No cookies are
/// kept (Harbor refuses replayed session cookies on API calls).
package final class WebClient: Sendable {
    package struct Response: Sendable {
        package var status: Int
        package var headers: [(String, String)]
        package var body: [UInt8]

        package func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    let transport: HTTPTransport
    let retry: RetryPolicy
    let credentials: Credentials?

    package init(transport: HTTPTransport, credentials: Credentials?, retry: RetryPolicy = RetryPolicy()) {
        self.transport = transport
        self.credentials = credentials
        self.retry = retry
    }

    /// Sends a request; transport failures and 5xx/429 are retried, other statuses are returned.
    package func send(_ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     context: String) async throws -> Response {
        guard let host = URL(string: url)?.host else {
            throw RegistryError(.protocolViolation, "\(context): '\(url)' is not a valid URL")
        }
        // A chart repository that cannot be reached at all fails in seconds; answers that say
        // "try again" are retried within the budget.
        return try await retry.run(connectionAttempts: 3) {
            var request = HTTPClientRequest(url: url)
            request.method = HTTPMethod(rawValue: method)
            request.headers.add(name: "User-Agent", value: "ferry")
            // An identity token is for a token service, never a Basic password.
            if let credentials = self.credentials, credentials.identityToken == nil {
                request.headers.add(name: "Authorization", value: credentials.basicHeader)
            }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: HTTPClientResponse
            let bytes: ByteBuffer
            do {
                response = try await self.transport.execute(request, timeout: .seconds(300))
                bytes = try await response.body.collect(upTo: 64 << 20)
            } catch {
                let text = RegistryClient.describeTransport(error)
                var failure = RegistryClient.isTLSFailure(error)
                    ? RegistryError(.tls, "\(context): TLS with \(host) failed: \(text)")
                    : RegistryError(.unreachable, "\(context): cannot reach \(host)\(self.transport.proxy(for: url).map { " through \($0)" } ?? "") (\(text))")
                failure.cause = error
                throw failure
            }
            let status = Int(response.status.code)
            if RegistryError.transientStatuses.contains(status) {
                var error = RegistryError(status == 429 ? .rateLimited : .server,
                                          "\(context): \(host) answered \(status): \(Self.summary(Array(buffer: bytes)))", status: status)
                error.retryAfterSeconds = response.headers.first(name: "Retry-After").flatMap { RetryPolicy.retryAfter($0) }
                    .map { Int($0.components.seconds) }
                throw error
            }
            return Response(status: status, headers: response.headers.map { ($0.name, $0.value) }, body: Array(buffer: bytes))
        }
    }

    /// The start of a response body, for messages.
    package static func summary(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text
    }
}
