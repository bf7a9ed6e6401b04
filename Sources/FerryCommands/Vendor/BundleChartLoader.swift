import FerryCharts
import FerryRegistry
import FerrySync
import FerryUpgrade
import Foundation

/// Reads the chart `ferry bundle` is given: `REPO/CHART` from `--repo-url`, `oci://host/path/chart`,
/// a chart directory or a packaged `.tgz`, at `--version` (the newest stable by default), with its
/// hints (`.relok8s-images.yaml`, or a file given).
struct BundleChartLoader {
    var repoURL: String?
    var version: String?
    var devel: Bool
    var hintsFile: String?
    var access: RegistryAccess
    var retry: RetryPolicy

    func load(_ text: String, transport: HTTPTransport) async throws -> BundleBuilder.Chart {
        let source = try ChartSource(parsing: text)
        let files: [String: [UInt8]], origin: String
        switch source {
        case .repository(_, let chart):
            guard let repoURL else {
                throw CommandError("\(text) names a chart in a repository: give the repository's URL with --repo-url")
            }
            let host = URL(string: repoURL)?.host ?? repoURL
            let web = WebClient(transport: transport, credentials: try await access.credentials.credentials(for: host), retry: retry)
            (files, origin) = try await fetch(chart, from: HTTPChartRepository(url: repoURL, web: web), what: "chart \(chart) in \(repoURL)")
        case .oci(let host, let path):
            let client = try await RegistryClient.connect(host: host, transport: transport,
                                                          credentials: try await access.credentials.credentials(for: host), retry: retry)
            let parent = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
            (files, origin) = try await fetch(name, from: OCIChartRepository(client: client, path: parent), what: text)
        case .directory(let path):
            (files, origin) = (try ChartTree.files(inDirectory: path), path)
        case .archive(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandError("cannot read \(path)") }
            (files, origin) = (try ChartArchive.files(ofTgz: Array(data), origin: path), path)
        }
        let hints: [UInt8]
        if let hintsFile {
            guard let data = FileManager.default.contents(atPath: hintsFile) else { throw CommandError("cannot read the hints file \(hintsFile)") }
            hints = Array(data)
        } else if let embedded = files[".relok8s-images.yaml"] {
            hints = embedded
        } else {
            throw CommandError("\(origin) has no .relok8s-images.yaml, so nothing says which images it needs",
                                     hint: "pass --hints FILE: a YAML list of image templates over the chart's values, e.g. \"{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}\"")
        }
        let chart = BundleBuilder.Chart(files: files, hints: hints, origin: origin)
        // A repository was asked for the version; a directory or package is the one it holds.
        switch source {
        case .directory, .archive:
            let held = try chart.tree().metadata.version
            if let version, held != version { throw CommandError("\(origin) is version \(held), not \(version)") }
        case .repository, .oci:
            break
        }
        return chart
    }

    func fetch(_ name: String, from repository: any ChartRepository, what: String) async throws -> ([String: [UInt8]], String) {
        let available = try await repository.versions(of: name)
        guard !available.isEmpty else { throw CommandError("\(what) has no versions (is the chart there?)") }
        let chosen = try VersionChoice.choose(available, requested: version, devel: devel, what: what)
        let origin = repository.location(name: name, version: chosen)
        return (try ChartArchive.files(ofTgz: try await repository.fetch(name: name, version: chosen), origin: origin), origin)
    }
}
