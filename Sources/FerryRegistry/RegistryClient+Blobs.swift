import FerryOCI
import NIOCore

extension RegistryClient {
    /// True when `repository` already has the blob.
    package func blobExists(_ digest: Digest, in repository: String, access: Access = .push) async throws -> Bool {
        let url = "\(baseURL)/v2/\(repository)/blobs/\(digest)"
        let context = "checking blob \(digest.short) in \(host)/\(repository)"
        let scopes = self.scopes(repository, access)
        return try await retry.run {
            let response = try await self.send(Request(method: .HEAD, url: url), scopes: scopes, context: context)
            switch response.status {
            case 200: return true
            case 404: return false
            default: throw try await self.error(from: response, context: context, scopes: scopes)
            }
        }
    }

    /// Asks the registry to link a blob it holds in `source` into `repository`. False means it did not
    /// (unsupported, or not there): the caller uploads instead.
    package func mountBlob(_ digest: Digest, into repository: String, from source: String) async throws -> Bool {
        let url = "\(baseURL)/v2/\(repository)/blobs/uploads/?mount=\(digest)&from=\(source)"
        let scopes = self.scopes(repository, .push) + self.scopes(source, .pull)
        let context = "mounting blob \(digest.short) into \(host)/\(repository)"
        // Mounting only saves an upload: a registry that keeps failing it is not waited out.
        var quick = retry
        quick.attempts = 2
        let response: Response
        do {
            response = try await quick.run {
                try await self.send(Request(method: .POST, url: url), scopes: scopes, context: context)
            }
        } catch let error as RegistryError where error.code != .unreachable {
            return false
        }
        switch response.status {
        case 201:
            return true
        case 202:
            // The registry opened an ordinary upload session instead; close it.
            if let location = response.headers.first(name: "Location"),
               let target = try? resolve(location: location, against: response.url) {
                _ = try? await send(Request(method: .DELETE, url: target), scopes: scopes, context: context)
            }
            return false
        default:
            return false
        }
    }

    /// Uploads a blob: POST opens a session, one PUT streams every byte with the digest. `body` is
    /// called again for each attempt; its stream must fail if the bytes do not match `digest`.
    package func uploadBlob(_ digest: Digest, size: Int64, to repository: String,
                           body: @escaping @Sendable () -> AsyncThrowingStream<ByteBuffer, any Error>,
                           onRetry: @escaping @Sendable (Int, RegistryError, Duration) -> Void = { _, _, _ in }) async throws {
        let scopes = self.scopes(repository, .push)
        let context = "uploading blob \(digest.short) (\(size) bytes) to \(host)/\(repository)"
        try await retry.run(onRetry: onRetry) {
            let start = try await self.send(Request(method: .POST, url: "\(self.baseURL)/v2/\(repository)/blobs/uploads/"),
                                            scopes: scopes, context: context)
            guard start.status == 202, let location = start.headers.first(name: "Location") else {
                if start.status == 202 {
                    throw RegistryError(.protocolViolation, "\(context): \(self.host) opened an upload without a Location")
                }
                throw try await self.error(from: start, context: context, scopes: scopes)
            }
            var target = try self.resolve(location: location, against: start.url)
            // The location may carry state in its query (distribution's _state): keep it, append.
            target += (target.contains("?") ? "&" : "?") + "digest=" + digest.string.replacingOccurrences(of: ":", with: "%3A")
            var put = Request(method: .PUT, url: target, body: .stream(length: size, make: body))
            put.headers = [("Content-Type", "application/octet-stream")]
            let done: Response
            do {
                done = try await self.send(put, scopes: scopes, context: context)
                guard done.status == 201 || done.status == 204 else {
                    throw try await self.error(from: done, context: context, scopes: scopes)
                }
            } catch {
                // The session is of no further use: cancel it, so a full disk is not kept full by it.
                _ = try? await self.send(Request(method: .DELETE, url: try self.resolve(location: location, against: start.url)),
                                         scopes: scopes, context: context)
                throw error
            }
            if let echoed = done.headers.first(name: "Docker-Content-Digest"), echoed != digest.string {
                throw RegistryError(.digestInvalid, "\(context): \(self.host) stored the blob as \(echoed)")
            }
        }
    }

    /// Downloads a blob into memory: configs and chart packages, which Helm caps at 100 MiB.
    package func fetchBlob(_ digest: Digest, from repository: String, limit: Int = 100 << 20) async throws -> [UInt8] {
        let url = "\(baseURL)/v2/\(repository)/blobs/\(digest)"
        let context = "fetching blob \(digest.short) from \(host)/\(repository)"
        let scopes = self.scopes(repository, .pull)
        let response = try await retry.run {
            var request = Request(method: .GET, url: url)
            request.responseLimit = limit
            return try await self.send(request, scopes: scopes, context: context)
        }
        guard response.status == 200 else { throw try await error(from: response, context: context, scopes: scopes) }
        guard Digest.of(response.body) == digest else {
            throw RegistryError(.digestInvalid, "\(context): the bytes served do not match the digest")
        }
        return response.body
    }
}
