import FerryCharts

/// A release as `helm status -o json` describes it.
package struct HelmRelease: Sendable {
    package var name: String
    package var namespace: String
    package var revision: Int
    package var status: HelmReleaseStatus
    package var chart: String
    package var chartVersion: String

    package init(name: String, namespace: String, revision: Int, status: HelmReleaseStatus, chart: String, chartVersion: String) {
        self.name = name
        self.namespace = namespace
        self.revision = revision
        self.status = status
        self.chart = chart
        self.chartVersion = chartVersion
    }
}

/// A release's status as helm names it (`helm status -o json`'s `info.status`).
package enum HelmReleaseStatus: Sendable, Equatable, CustomStringConvertible {
    case deployed, failed, superseded, uninstalled, uninstalling
    case pendingInstall, pendingUpgrade, pendingRollback
    /// A status this helm knows and Ferry does not.
    case other(String)

    static let names: [(String, HelmReleaseStatus)] = [
        ("deployed", .deployed), ("failed", .failed), ("superseded", .superseded), ("uninstalled", .uninstalled),
        ("uninstalling", .uninstalling), ("pending-install", .pendingInstall), ("pending-upgrade", .pendingUpgrade),
        ("pending-rollback", .pendingRollback),
    ]

    package init(_ text: String) {
        self = Self.names.first { $0.0 == text }?.1 ?? .other(text)
    }

    package var description: String {
        if case .other(let text) = self { return text }
        return Self.names.first { $0.1 == self }!.0
    }

    /// An install, upgrade or rollback began and did not finish: helm refuses to upgrade.
    package var isPending: Bool {
        self == .pendingInstall || self == .pendingUpgrade || self == .pendingRollback
    }
}

/// One command helm runs, as Ferry shows it: secrets replaced by `***`.
package struct HelmCommand: Sendable, Equatable, CustomStringConvertible {
    package var arguments: [String]
    /// Indexes of arguments to mask when shown.
    package var secret: Set<Int> = []
    /// What goes to helm's standard input (a password), never shown.
    package var stdin: String?
    /// How long helm may run before Ferry stops it; nil: the driver's limit for quick commands.
    package var limit: Duration?

    package init(_ arguments: [String], secret: Set<Int> = [], stdin: String? = nil, limit: Duration? = nil) {
        self.arguments = arguments
        self.secret = secret
        self.stdin = stdin
        self.limit = limit
    }

    package var description: String {
        (["helm"] + arguments.enumerated().map { secret.contains($0.offset) ? "***" : Self.quote($0.element) }).joined(separator: " ")
    }

    static func quote(_ word: String) -> String {
        if !word.isEmpty && word.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=@,+{}[]".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// What Ferry needs from Helm. The real one runs the `helm` binary; unit tests drive the planner and
/// runner through an in-memory fake, end-to-end tests run the real driver against a fake `helm`.
package protocol HelmDriver: Sendable {
    /// `helm version --short`.
    func version() async throws -> SemanticVersion
    /// `helm repo list -o json`: name → URL.
    func repositories() async throws -> [String: String]
    /// `helm status RELEASE -n NS -o json`; nil when there is no such release.
    func release(_ name: String, namespace: String) async throws -> HelmRelease?
    /// `helm get values RELEASE -n NS -o yaml [--all]`.
    func values(_ name: String, namespace: String, all: Bool) async throws -> String
    /// Runs a command that changes something (repo add/update, upgrade); returns its standard output.
    func run(_ command: HelmCommand) async throws -> String
    /// `helm history RELEASE -n NS -o json`: every revision kept, oldest first.
    func history(_ name: String, namespace: String) async throws -> [HelmRevision]
    /// `helm get manifest RELEASE -n NS`: what the release runs now.
    func manifest(_ name: String, namespace: String) async throws -> String
    /// A command that changes nothing (`helm upgrade --dry-run -o json`); its standard output.
    func dryRun(_ command: HelmCommand) async throws -> String
    /// `helm list -A -a -o json`: every release in every namespace, in any state.
    func list() async throws -> [HelmListedRelease]
}

/// One line of `helm list -o json`.
package struct HelmListedRelease: Sendable, Equatable, Codable {
    package var name: String
    package var namespace: String
    /// `<chart name>-<chart version>`, as helm lists it.
    package var chart: String
    package var status: String
    package var revision: String

    package init(name: String, namespace: String, chart: String, status: String, revision: String) {
        (self.name, self.namespace, self.chart, self.status, self.revision) = (name, namespace, chart, status, revision)
    }

    enum CodingKeys: String, CodingKey {
        case name, namespace, chart, status, revision
    }

    /// helm 3 lists the revision as a string (`"revision":"3"`); a number is read as well.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace) ?? ""
        chart = try container.decodeIfPresent(String.self, forKey: .chart) ?? ""
        status = try container.decodeIfPresent(String.self, forKey: .status) ?? ""
        if let number = try? container.decode(Int.self, forKey: .revision) {
            revision = String(number)
        } else {
            revision = try container.decodeIfPresent(String.self, forKey: .revision) ?? ""
        }
    }

    /// True when the release runs chart `name` (any version): `name-1.2.3`, not `name-extra-1.2.3`.
    package func runs(chart name: String) -> Bool {
        guard chart.hasPrefix(name + "-") else { return false }
        let version = chart.dropFirst(name.count + 1)
        return version.first?.isNumber == true || (version.first == "v" && version.dropFirst().first?.isNumber == true)
    }
}

/// One line of `helm history`.
package struct HelmRevision: Sendable, Equatable, Codable {
    package var revision: Int
    package var status: String
    package var chart: String

    package init(revision: Int, status: String, chart: String) {
        self.revision = revision
        self.status = status
        self.chart = chart
    }
}
