import Foundation

/// Harbor's projects (the first path element of every repository there), through Harbor's API:
/// `GET /api/v2.0/projects?name=` to find them, `POST /api/v2.0/projects` to create them. Checked
/// before any blob is sent, so a missing project fails once, not once per blob.
package struct HarborProjects: Sendable {
    /// What the check found.
    package struct Outcome: Sendable, Equatable {
        /// False when the registry has no Harbor API (the check and `--auto-create-repository` do nothing).
        package var isHarbor: Bool
        package var created: [String] = []
        /// Projects the API would not show (no right to list them): left for the push to find out.
        package var unchecked: [String] = []
    }

    let client: RegistryClient
    let web: WebClient

    package init(client: RegistryClient, credentials: Credentials?) {
        self.client = client
        web = WebClient(transport: client.transport, credentials: credentials, retry: client.retry)
    }

    /// The projects `repositories` live in (repositories of one element have none).
    package static func projects(of repositories: [String]) -> [String] {
        Array(Set(repositories.compactMap { repository in
            repository.contains("/") ? repository.split(separator: "/").first.map(String.init) : nil
        })).sorted()
    }

    /// Makes sure every project of `repositories` exists: missing ones are created when `create`
    /// (private unless `isPublic`; in a dry run only listed), and otherwise reported together in one
    /// error, one line each.
    package func ensure(repositories: [String], create: Bool, isPublic: Bool, dryRun: Bool = false) async throws -> Outcome {
        var outcome = Outcome(isHarbor: true)
        var missing: [String] = []
        let anonymous = web.credentials == nil || web.credentials?.identityToken != nil
        for (index, project) in Self.projects(of: repositories).enumerated() {
            switch try await exists(project) {
            case nil where index == 0:
                // The first lookup tells whether there is a Harbor API at all.
                return Outcome(isHarbor: false)
            case nil:
                outcome.unchecked.append(project)
            case false? where create:
                if !dryRun { try await self.create(project, isPublic: isPublic) }
                outcome.created.append(project)
            case false? where anonymous:
                // Anonymous lookups see public projects only: a private one may be there.
                outcome.unchecked.append(project)
            case false?:
                missing.append(project)
            case true?:
                continue
            }
        }
        guard missing.isEmpty else {
            let lines = missing.map { project in
                let count = repositories.filter { $0.hasPrefix(project + "/") }.count
                return "Harbor project '\(project)' does not exist on \(client.host) (\(count) repositor\(count == 1 ? "y goes" : "ies go") there)"
            }
            throw RegistryError(.projectMissing, lines.joined(separator: "\n       "),
                                hint: "create the project\(missing.count == 1 ? "" : "s") in Harbor first, or let Ferry create \(missing.count == 1 ? "it" : "them")")
        }
        return outcome
    }

    /// true or false; nil when the answer is not Harbor's (no such API, or not allowed to list).
    func exists(_ project: String) async throws -> Bool? {
        let query = project.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? project
        let response = try await web.send("GET", client.baseURL + "/api/v2.0/projects?name=\(query)&page_size=100",
                                          headers: [("Accept", "application/json")], context: "looking up Harbor project \(project)")
        struct Project: Decodable { var name: String }
        guard response.status == 200, let found = try? JSONDecoder().decode([Project].self, from: Data(response.body)) else { return nil }
        // `name` matches fuzzily: only an exact name counts.
        return found.contains { $0.name == project }
    }

    func create(_ project: String, isPublic: Bool) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["project_name": project, "metadata": ["public": isPublic ? "true" : "false"]])
        let response = try await web.send("POST", client.baseURL + "/api/v2.0/projects",
                                          headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                                          body: Array(body), context: "creating Harbor project \(project)")
        switch response.status {
        case 201, 409:  // 409: another run created it just now.
            return
        case 401, 403:
            throw RegistryError(.denied, "\(client.host) refused to create Harbor project '\(project)' (HTTP \(response.status)): \(RegistryClient.errorSummary(response.body) ?? "")",
                                hint: "a Harbor administrator (or a user allowed to create projects) must create it", status: response.status)
        default:
            throw RegistryError(.server, "\(client.host) could not create Harbor project '\(project)' (HTTP \(response.status)): \(RegistryClient.errorSummary(response.body) ?? "")",
                                status: response.status)
        }
    }
}
