import FerryOCI
import FerryRegistry
import Foundation

/// Any classic chart repository served over HTTP(S), read as `helm repo add` and `helm pull` read
/// it: `index.yaml` at its URL, each package where its entry's first URL points (relative URLs
/// resolve against the repository's). Read-only: publishing needs ChartMuseum's API.
package struct HTTPChartRepository: ChartRepository {
    /// The repository's URL, without a trailing `/`.
    package let url: String
    let web: WebClient

    package init(url: String, web: WebClient) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        self.url = base
        self.web = web
    }

    var indexURL: String { url + "/index.yaml" }

    package func location(name: String, version: String) -> String {
        "\(url) (\(name) \(version))"
    }

    /// The index as the server sent it, or nil when it answered 404.
    func fetchIndex() async throws -> ChartRepositoryIndex? {
        let response = try await web.send("GET", indexURL, context: "reading \(indexURL)")
        if response.status == 404 { return nil }
        try Self.check(response, url: indexURL)
        return try ChartRepositoryIndex(yaml: response.body, origin: indexURL)
    }

    func index() async throws -> ChartRepositoryIndex {
        guard let index = try await fetchIndex() else {
            throw ChartsError(.repositoryUnusable, "\(indexURL) answered 404: \(url) is not a chart repository")
        }
        return index
    }

    package func versions(of name: String) async throws -> [String] {
        try await index().versions(of: name)
    }

    package func fetch(name: String, version: String) async throws -> [UInt8] {
        try await fetch(name: name, version: version, in: try await index())
    }

    /// A version's package, found in an index already read.
    func fetch(name: String, version: String, in index: ChartRepositoryIndex) async throws -> [UInt8] {
        guard let entry = index.entry(name: name, version: version) else {
            throw ChartsError(.chartMissing, "\(indexURL) lists no \(name) \(version)")
        }
        guard let first = entry.urls.first else {
            throw ChartsError(.invalidIndex, "\(indexURL) lists \(name) \(version) without a URL")
        }
        let packageURL = first.contains("://") ? first : url + "/" + first
        let response = try await web.send("GET", packageURL, context: "downloading \(packageURL)")
        try Self.check(response, url: packageURL)
        // The index's digest is the package's SHA-256: a package that does not match is refused.
        if let expected = entry.digest, !expected.isEmpty, Digest.of(response.body).hex != expected.lowercased() {
            throw ChartsError(.invalidChart, "\(packageURL) does not match the digest \(indexURL) lists for \(name) \(version) (sha256:\(expected))")
        }
        return response.body
    }

    package func publish(_ chart: ChartPackage, force: Bool) async throws {
        throw ChartsError(.repositoryUnusable, "\(url) is a read-only chart repository: Ferry cannot publish \(chart.name) \(chart.version) to it")
    }

    /// A status other than 200 as the repository's error: refused credentials apart from the rest.
    static func check(_ response: WebClient.Response, url: String) throws {
        switch response.status {
        case 200:
            return
        case 401, 403:
            throw ChartsError(.repositoryRefused, "\(url) refused the request (\(response.status)): \(WebClient.summary(response.body))")
        default:
            throw ChartsError(.repositoryFailed, "\(url) answered \(response.status): \(WebClient.summary(response.body))")
        }
    }
}
