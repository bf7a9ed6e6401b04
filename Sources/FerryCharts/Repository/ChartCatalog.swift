import Foundation

/// One version of one chart as a source repository lists it, with when it was published (what
/// charts-syncer's `--from-date` compares): the index's `created` for classic repositories, now for
/// OCI (a registry records no date), never (the Unix epoch) for a LOCAL directory, as charts-syncer.
package struct ChartVersion: Sendable, Equatable {
    package var name: String
    package var version: String
    package var published: Date

    package init(name: String, version: String, published: Date) {
        self.name = name
        self.version = version
        self.published = published
    }
}

/// A repository charts can be synced from: it lists its charts (or, for OCI, which cannot list
/// them, the versions of the charts named).
package protocol ChartCatalog: ChartRepository {
    /// Every version of the charts named, or of every chart when `names` is nil.
    func catalog(names: [String]?) async throws -> [ChartVersion]
}

extension ChartRepositoryIndex {
    /// The index's versions as a catalog; an entry without a readable `created` counts as now.
    package func catalog(names: [String]?) -> [ChartVersion] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        return (names ?? Array(entries.keys)).flatMap { name in
            (entries[name] ?? []).map { entry in
                let created = entry.fields["created"]?.text
                let date = created.flatMap { formatter.date(from: $0) ?? plain.date(from: $0) } ?? Date()
                return ChartVersion(name: name, version: entry.version, published: date)
            }
        }
    }
}

extension HTTPChartRepository: ChartCatalog {
    package func catalog(names: [String]?) async throws -> [ChartVersion] {
        try await index().catalog(names: names)
    }
}

extension ChartMuseumRepository: ChartCatalog {
    package func catalog(names: [String]?) async throws -> [ChartVersion] {
        try await index().catalog(names: names)
    }
}

extension OCIChartRepository: ChartCatalog {
    package func catalog(names: [String]?) async throws -> [ChartVersion] {
        guard let names else {
            throw ChartsError(.repositoryUnusable, "an OCI registry cannot list its charts: name them with 'charts' in the config",
                              hint: "Ferry does not read charts-syncer's charts-index artifact")
        }
        var result: [ChartVersion] = []
        for name in names {
            result += try await versions(of: name).map { ChartVersion(name: name, version: $0, published: Date()) }
        }
        return result
    }
}

extension LocalChartRepository: ChartCatalog {
    /// The `<name>-<X.Y.Z>.tgz` files of the directory, as charts-syncer's LOCAL source lists them
    /// (other files are passed over).
    package func catalog(names: [String]?) async throws -> [ChartVersion] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var result: [ChartVersion] = []
        for file in files.sorted() {
            guard let match = file.range(of: #"^(.+)-(\d+\.\d+\.\d+)\.tgz$"#, options: .regularExpression), match == file.startIndex..<file.endIndex else { continue }
            let stem = file.dropLast(4)
            guard let dash = stem.range(of: #"-\d+\.\d+\.\d+$"#, options: .regularExpression) else { continue }
            let name = String(stem[..<dash.lowerBound]), version = String(stem[stem.index(after: dash.lowerBound)...])
            if let names, !names.contains(name) { continue }
            result.append(ChartVersion(name: name, version: version, published: Date(timeIntervalSince1970: 0)))
        }
        return result
    }
}
