import FerryCharts
import FerryRegistry
import Foundation

/// `kind: CHARTMUSEUM` (`POST <url>/api/charts`) and `kind: HARBOR` (Harbor ≤ 2.7's chart
/// repository, `POST /api/chartrepo/<project>/charts`): one multipart upload with the field `chart`.
package struct ChartMuseumPublisher: ChartPublisher {
    package enum Flavor: Sendable {
        case chartmuseum
        case harbor
    }

    let repositoryURL: String
    let uploadURL: String
    let flavor: Flavor
    let web: WebClient

    package init(url: String, flavor: Flavor, web: WebClient) throws {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        repositoryURL = base
        self.flavor = flavor
        self.web = web
        switch flavor {
        case .chartmuseum:
            uploadURL = base + "/api/charts"
        case .harbor:
            guard let range = base.range(of: "/chartrepo/") else {
                throw PublishError(.rejected, "\(url) is not a Harbor chart repository URL",
                                   hint: "kind HARBOR takes http(s)://<harbor>/chartrepo/<project>")
            }
            uploadURL = base.replacingCharacters(in: range, with: "/api/chartrepo/") + "/charts"
        }
    }

    package func location(name: String, version: String) -> String {
        "\(repositoryURL) (\(name) \(version))"
    }

    package func contains(name: String, version: String) async throws -> Bool {
        let response = try await web.send("GET", repositoryURL + "/index.yaml", context: "reading \(repositoryURL)/index.yaml")
        if response.status == 404 && flavor == .harbor {
            throw try await harborWithoutChartRepository()
        }
        guard response.status == 200 else {
            throw PublishError(.rejected, "\(repositoryURL)/index.yaml answered \(response.status): \(WebClient.summary(response.body))",
                               hint: response.status == 401 ? "check target.repo.auth (or TARGET_REPO_AUTH_USERNAME/PASSWORD)" : nil)
        }
        return try ChartRepositoryIndex(yaml: response.body, origin: repositoryURL + "/index.yaml").contains(name: name, version: version)
    }

    package func publish(name: String, version: String, package: [UInt8], chartYAML: [UInt8], force: Bool) async throws {
        let boundary = "ferry-" + UUID().uuidString
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"chart\"; filename=\"\(name)-\(version).tgz\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += package
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let url = uploadURL + (force ? "?force" : "")
        let response = try await web.send("POST", url, headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                                          body: body, context: "uploading \(name) \(version) to \(uploadURL)")
        switch response.status {
        case 200, 201:
            return
        case 409:
            throw PublishError(.exists, "\(uploadURL) already has \(name) \(version)")
        case 404 where flavor == .harbor:
            throw try await harborWithoutChartRepository()
        case 401, 403:
            throw PublishError(.rejected, "\(uploadURL) refused the upload (\(response.status)): \(WebClient.summary(response.body))",
                               hint: "check target.repo.auth (or TARGET_REPO_AUTH_USERNAME/PASSWORD) and the user's rights")
        default:
            throw PublishError(.rejected, "\(uploadURL) answered \(response.status): \(WebClient.summary(response.body))")
        }
    }

    /// Harbor 2.8 removed its chart repository: say so, with the OCI URL to use instead.
    func harborWithoutChartRepository() async throws -> PublishError {
        let components = URLComponents(string: repositoryURL)
        let scheme = components?.scheme ?? "https"
        let host = (components?.host ?? "") + (components?.port.map { ":\($0)" } ?? "")
        let project = repositoryURL.components(separatedBy: "/chartrepo/").last ?? "<project>"
        return PublishError(.rejected, "\(host) has no chart repository at \(repositoryURL): Harbor 2.8 and later removed ChartMuseum",
                            hint: "publish charts to Harbor as OCI artifacts: target.repo.kind: OCI with url: \(scheme)://\(host)/\(project)")
    }
}
