import ArgumentParser

/// Harbor projects: created before anything is pushed, when asked (the charts-syncer fork's flag).
package struct HarborOptions: ParsableArguments, Sendable {
    @Flag(name: .long, help: "Create missing Harbor projects (the first path element of each repository) through Harbor's API before pushing; does nothing on a registry that is not Harbor.")
    package var autoCreateRepository = false

    @Flag(name: .long, help: "Make the projects --auto-create-repository creates public (default: private).")
    package var projectPublic = false

    package init() {}

    package func validate() throws {
        if projectPublic && !autoCreateRepository { throw ValidationError("--project-public needs --auto-create-repository") }
    }
}
