import FerryRegistry
import Foundation

/// ChartMuseum (`POST <url>/api/charts`) and Harbor ≤ 2.7's chart repository
/// (`POST /api/chartrepo/<project>/charts`): read as any HTTP chart repository, published to with
/// one multipart upload whose field is `chart`.
package struct ChartMuseumRepository: ChartRepository {
    package enum Flavor: Sendable {
        case chartmuseum
        case harbor
    }

    let reader: HTTPChartRepository
    let uploadURL: String
    let flavor: Flavor
    let web: WebClient

    package init(url: String, flavor: Flavor, web: WebClient) throws {
        reader = HTTPChartRepository(url: url, web: web)
        self.flavor = flavor
        self.web = web
        switch flavor {
        case .chartmuseum:
            uploadURL = reader.url + "/api/charts"
        case .harbor:
            guard let range = reader.url.range(of: "/chartrepo/") else {
                throw ChartsError(.repositoryUnusable, "\(url) is not a Harbor chart repository URL",
                                  hint: "a Harbor chart repository's URL is http(s)://<harbor>/chartrepo/<project>")
            }
            uploadURL = reader.url.replacingCharacters(in: range, with: "/api/chartrepo/") + "/charts"
        }
    }

    package func location(name: String, version: String) -> String {
        reader.location(name: name, version: version)
    }

    package func versions(of name: String) async throws -> [String] {
        try await index().versions(of: name)
    }

    package func fetch(name: String, version: String) async throws -> [UInt8] {
        try await reader.fetch(name: name, version: version, in: try await index())
    }

    package func publish(_ chart: ChartPackage, force: Bool) async throws {
        let boundary = "ferry-" + UUID().uuidString
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"chart\"; filename=\"\(chart.fileName)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += chart.bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let url = uploadURL + (force ? "?force" : "")
        let response = try await web.send("POST", url, headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                                          body: body, context: "uploading \(chart.name) \(chart.version) to \(uploadURL)")
        switch response.status {
        case 200, 201:
            return
        case 409:
            throw ChartsError(.chartExists, "\(uploadURL) already has \(chart.name) \(chart.version)")
        case 404 where flavor == .harbor:
            throw harborWithoutChartRepository()
        default:
            try HTTPChartRepository.check(response, url: uploadURL)
            throw ChartsError(.repositoryFailed, "\(uploadURL) answered \(response.status): \(WebClient.summary(response.body))")
        }
    }

    /// The index; a Harbor without its chart repository (2.8 and later answer 404) is named as such.
    func index() async throws -> ChartRepositoryIndex {
        if let index = try await reader.fetchIndex() { return index }
        if flavor == .harbor { throw harborWithoutChartRepository() }
        throw ChartsError(.repositoryUnusable, "\(reader.indexURL) answered 404: \(reader.url) is not a ChartMuseum repository")
    }

    /// Harbor 2.8 removed its chart repository: say so, with the OCI URL that replaces it.
    func harborWithoutChartRepository() -> ChartsError {
        let components = URLComponents(string: reader.url)
        let scheme = components?.scheme ?? "https"
        let host = (components?.host ?? "") + (components?.port.map { ":\($0)" } ?? "")
        let project = reader.url.components(separatedBy: "/chartrepo/").last ?? "<project>"
        return ChartsError(.harborWithoutChartRepository,
                           "\(host) has no chart repository at \(reader.url): Harbor 2.8 and later removed ChartMuseum",
                           hint: "Harbor keeps charts as OCI artifacts: \(scheme)://\(host)/\(project) (oci://\(host)/\(project))")
    }
}
