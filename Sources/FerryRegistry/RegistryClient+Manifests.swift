import FerryOCI

extension RegistryClient {
    /// The digest `reference` (a tag or digest) points at in `repository`, or nil if there is none.
    package func manifestDigest(_ reference: String, in repository: String, access: Access = .push) async throws -> Digest? {
        let url = "\(baseURL)/v2/\(repository)/manifests/\(reference)"
        let context = "checking manifest \(repository):\(reference) on \(host)"
        let scopes = self.scopes(repository, access)
        let response = try await retry.run {
            var request = Request(method: .HEAD, url: url)
            request.headers = MediaType.manifestAccept.map { ("Accept", $0) }
            return try await self.send(request, scopes: scopes, context: context)
        }
        switch response.status {
        case 200:
            if let header = response.headers.first(name: "Docker-Content-Digest"), let digest = try? Digest(parsing: header) {
                return digest
            }
            // Some registries omit the header on HEAD: fetch and hash.
            return try await fetchManifest(reference, from: repository, access: access).digest
        case 404:
            return nil
        default:
            throw try await error(from: response, context: context, scopes: scopes)
        }
    }

    /// The manifest `reference` names in `repository`, as served (nil when there is none): one GET that
    /// tells both what a tag points at and that the registry can serve it.
    package func currentManifest(_ reference: String, in repository: String, access: Access = .push) async throws -> ManifestDocument? {
        do {
            return try await fetchManifest(reference, from: repository, access: access)
        } catch let error as RegistryError where error.code != .projectMissing
                    && (error.code == .manifestUnknown || error.code == .nameUnknown || error.status == 404) {
            return nil
        }
    }

    /// Fetches a manifest or index as the exact bytes stored.
    package func fetchManifest(_ reference: String, from repository: String, access: Access = .pull) async throws -> ManifestDocument {
        let url = "\(baseURL)/v2/\(repository)/manifests/\(reference)"
        let context = "fetching manifest \(repository):\(reference) from \(host)"
        let scopes = self.scopes(repository, access)
        let response = try await retry.run {
            var request = Request(method: .GET, url: url)
            request.headers = MediaType.manifestAccept.map { ("Accept", $0) }
            return try await self.send(request, scopes: scopes, context: context)
        }
        guard response.status == 200 else { throw try await error(from: response, context: context, scopes: scopes) }
        let declared = response.headers.first(name: "Content-Type")
        let document = try ManifestDocument(bytes: response.body, declared: declared, origin: "\(host)/\(repository):\(reference)")
        if let digest = try? Digest(parsing: reference), digest != document.digest {
            throw RegistryError(.digestInvalid, "\(context): the bytes served hash to \(document.digest)")
        }
        return document
    }

    /// Stores `document` under `reference` (a tag, or its own digest) with its exact bytes and type.
    package func putManifest(_ document: ManifestDocument, as reference: String, in repository: String) async throws {
        let url = "\(baseURL)/v2/\(repository)/manifests/\(reference)"
        let context = "pushing manifest \(repository):\(reference) to \(host)"
        let scopes = self.scopes(repository, .push)
        try await retry.run {
            var request = Request(method: .PUT, url: url, body: .bytes(document.bytes))
            request.headers = [("Content-Type", document.mediaType)]
            let response = try await self.send(request, scopes: scopes, context: context)
            guard response.status == 201 || response.status == 200 else {
                throw try await self.error(from: response, context: context, scopes: scopes)
            }
            if let echoed = response.headers.first(name: "Docker-Content-Digest"), echoed != document.digest.string {
                throw RegistryError(.digestInvalid, "\(context): \(self.host) stored the manifest as \(echoed), expected \(document.digest)")
            }
        }
    }

    /// Reads a pushed manifest back by digest: the registry must serve exactly its bytes. A
    /// registry that acknowledged a manifest it cannot serve (a full disk leaves empty files) is
    /// caught here, not by the node that pulls it.
    package func verifyManifest(_ document: ManifestDocument, in repository: String) async throws {
        let served: ManifestDocument
        do {
            served = try await fetchManifest(document.digest.string, from: repository, access: .push)
        } catch var error as RegistryError {
            error.message = "\(host)/\(repository)@\(document.digest) was accepted but cannot be read back: \(error.message)"
            error.hint = "the registry's storage may hold a damaged copy (written while its disk was full); its garbage collection or an administrator must remove it before it can be pushed again"
            throw error
        }
        guard served.bytes.count == document.bytes.count else {
            throw RegistryError(.digestInvalid, "\(host)/\(repository)@\(document.digest) is served as \(served.bytes.count) bytes, not \(document.bytes.count)")
        }
    }

    /// The tags of `repository`, following pagination.
    package func tags(of repository: String) async throws -> [String] {
        var url = "\(baseURL)/v2/\(repository)/tags/list"
        var tags: [String] = []
        let scopes = self.scopes(repository, .pull)
        let context = "listing tags of \(host)/\(repository)"
        for _ in 0..<1000 {
            let current = url
            let response = try await retry.run {
                try await self.send(Request(method: .GET, url: current), scopes: scopes, context: context)
            }
            if response.status == 404 { return [] }
            guard response.status == 200 else { throw try await error(from: response, context: context, scopes: scopes) }
            struct Page: Decodable { var tags: [String]? }
            tags += (try? JSONDecoderFactory.make().decode(Page.self, from: response.body).tags ?? []) ?? []
            guard let link = response.headers.first(name: "Link"),
                  let start = link.firstIndex(of: "<"), let end = link.firstIndex(of: ">") else { break }
            url = try resolve(location: String(link[link.index(after: start)..<end]), against: response.url)
        }
        return tags
    }
}

extension RegistryClient {
    /// The referrers of `digest` through the referrers API (an index of descriptors), or nil when
    /// the registry does not offer the API (then the fallback tag `sha256-<hex>` holds them).
    package func referrers(of digest: Digest, in repository: String) async throws -> [Descriptor]? {
        let url = "\(baseURL)/v2/\(repository)/referrers/\(digest)"
        let context = "listing referrers of \(repository)@\(digest.short) on \(host)"
        let scopes = self.scopes(repository, .pull)
        let response = try await retry.run {
            var request = Request(method: .GET, url: url)
            request.headers = [("Accept", MediaType.ociIndex)]
            return try await self.send(request, scopes: scopes, context: context)
        }
        guard response.status == 200,
              response.headers.first(name: "Content-Type")?.hasPrefix(MediaType.ociIndex) ?? false else { return nil }
        let document = try ManifestDocument(bytes: response.body, declared: MediaType.ociIndex, origin: context)
        return try document.index().manifests
    }
}
