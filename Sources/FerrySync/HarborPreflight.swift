import FerryRegistry

/// Before any blob is sent: every Harbor project the plan pushes into exists, or is created when
/// asked (`--auto-create-repository`). On a registry without Harbor's API it does nothing.
package enum HarborPreflight {
    package struct Options: Sendable {
        package var create = false
        package var isPublic = false

        package init(create: Bool = false, isPublic: Bool = false) {
            self.create = create
            self.isPublic = isPublic
        }
    }

    /// Lines for the operator: projects created (or, in a dry run, to be created), or why nothing was done.
    package static func run(_ plan: PushPlan, client: RegistryClient, credentials: Credentials?, options: Options,
                            dryRun: Bool) async throws -> [String] {
        let repositories = Array(Set(plan.images.flatMap { $0.targets.map(\.repository) })).sorted()
        guard !repositories.isEmpty else { return [] }
        let projects = HarborProjects(client: client, credentials: credentials)
        let outcome = try await projects.ensure(repositories: repositories, create: options.create, isPublic: options.isPublic,
                                                dryRun: dryRun)
        var notes: [String] = []
        if !outcome.isHarbor {
            if options.create { notes.append("\(client.host) has no Harbor API: --auto-create-repository does nothing there") }
            return notes
        }
        let visibility = options.isPublic ? "public" : "private"
        notes += outcome.created.map { "\(dryRun ? "would create" : "created") Harbor project '\($0)' (\(visibility)) on \(client.host)" }
        notes += outcome.unchecked.map { "Harbor project '\($0)' could not be looked up on \(client.host); pushing into it anyway" }
        return notes
    }
}
