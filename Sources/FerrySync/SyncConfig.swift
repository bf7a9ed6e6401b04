/// A charts-syncer v0.x configuration (`load-image.yaml`), as charts-syncer and its DaoCloud fork
/// define it. Ferry reads it unchanged.
package struct SyncConfig: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case helm = "HELM"
        case chartmuseum = "CHARTMUSEUM"
        case harbor = "HARBOR"
        case oci = "OCI"
        case local = "LOCAL"

        /// The protobuf enum numbers charts-syncer also accepts.
        static let numbers: [Int: Kind] = [1: .helm, 2: .chartmuseum, 3: .harbor, 4: .oci, 5: .local]
    }

    package struct Auth: Sendable, Equatable {
        package var username: String = ""
        package var password: String = ""
        package var registry: String = ""

        package init(username: String = "", password: String = "", registry: String = "") {
            self.username = username
            self.password = password
            self.registry = registry
        }
    }

    package struct Repo: Sendable, Equatable {
        package var url: String = ""
        package var kind: Kind?
        package var auth: Auth?
        package var path: String = ""
        package var chartsIndex: String = ""
        package var useChartsIndex = false
        package var disableChartsIndex = false
    }

    package struct Containers: Sendable, Equatable {
        package var auth: Auth?
        /// The fork's registry kind (HARBOR/JFROG), used only to create projects.
        package var kind: String = ""
    }

    package struct Source: Sendable, Equatable {
        package var repo: Repo?
        package var intermediateBundlesPath: String?
        package var containers: Containers?
    }

    package struct Target: Sendable, Equatable {
        package var repo: Repo?
        package var intermediateBundlesPath: String?
        package var containerRegistry: String = ""
        package var containerRepository: String = ""
        package var repoName: String = "myrepo"
        package var containers: Containers?
        package var containerPrefixRegistry: String = ""
        package var containerPrefixRepository: String = ""
        package var appendOriginRegistry = false
    }

    /// A `charts` entry: a name (upstream) or an object with versions (the fork).
    package struct ChartSelector: Sendable, Equatable {
        package var name: String
        package var versions: [String] = []
        package var skipImages = false

        package init(name: String, versions: [String] = [], skipImages: Bool = false) {
            self.name = name
            self.versions = versions
            self.skipImages = skipImages
        }
    }

    package var source = Source()
    package var target = Target()
    package var charts: [ChartSelector] = []
    package var skipCharts: [String] = []
    package var relocateContainerImages = false
    /// The file it was read from, for messages.
    package var origin: String = "config"

    package init() {}
}
