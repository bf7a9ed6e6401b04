/// A charts-syncer v0.x configuration (`load-image.yaml`), as charts-syncer and its DaoCloud fork
/// define it. Ferry reads it unchanged.
public struct SyncConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case helm = "HELM"
        case chartmuseum = "CHARTMUSEUM"
        case harbor = "HARBOR"
        case oci = "OCI"
        case local = "LOCAL"

        /// The protobuf enum numbers charts-syncer also accepts.
        static let numbers: [Int: Kind] = [1: .helm, 2: .chartmuseum, 3: .harbor, 4: .oci, 5: .local]
    }

    public struct Auth: Sendable, Equatable {
        public var username: String = ""
        public var password: String = ""
        public var registry: String = ""

        public init(username: String = "", password: String = "", registry: String = "") {
            self.username = username
            self.password = password
            self.registry = registry
        }
    }

    public struct Repo: Sendable, Equatable {
        public var url: String = ""
        public var kind: Kind?
        public var auth: Auth?
        public var path: String = ""
        public var chartsIndex: String = ""
        public var useChartsIndex = false
        public var disableChartsIndex = false
    }

    public struct Containers: Sendable, Equatable {
        public var auth: Auth?
        /// The fork's registry kind (HARBOR/JFROG), used only to create projects.
        public var kind: String = ""
    }

    public struct Source: Sendable, Equatable {
        public var repo: Repo?
        public var intermediateBundlesPath: String?
        public var containers: Containers?
    }

    public struct Target: Sendable, Equatable {
        public var repo: Repo?
        public var intermediateBundlesPath: String?
        public var containerRegistry: String = ""
        public var containerRepository: String = ""
        public var repoName: String = "myrepo"
        public var containers: Containers?
        public var containerPrefixRegistry: String = ""
        public var containerPrefixRepository: String = ""
        public var appendOriginRegistry = false
    }

    /// A `charts` entry: a name (upstream) or an object with versions (the fork).
    public struct ChartSelector: Sendable, Equatable {
        public var name: String
        public var versions: [String] = []
        public var skipImages = false

        public init(name: String, versions: [String] = [], skipImages: Bool = false) {
            self.name = name
            self.versions = versions
            self.skipImages = skipImages
        }
    }

    public var source = Source()
    public var target = Target()
    public var charts: [ChartSelector] = []
    public var skipCharts: [String] = []
    public var relocateContainerImages = false
    /// The file it was read from, for messages.
    public var origin: String = "config"

    public init() {}
}
