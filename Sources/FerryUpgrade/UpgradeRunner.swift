#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Carries out a plan: the backups first (new files, never over old ones), then helm.
package struct UpgradeRunner: Sendable {
    package let driver: any HelmDriver

    package init(driver: any HelmDriver) {
        self.driver = driver
    }

    package func apply(_ plan: UpgradePlan) async throws -> UpgradeResult {
        let directory = (plan.backupFile as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw UpgradeError(.backupFailed, "cannot create the backup directory \(directory): \(error.localizedDescription)")
        }
        try Self.writeNew(plan.backupFile, plan.currentValues)
        try Self.writeNew(plan.allValuesBackupFile, plan.allValues)
        try Self.writeNew(plan.newValuesFile, plan.newValues)

        var output = ""
        for command in plan.commands {
            do {
                output = try await driver.run(command)
            } catch let error as UpgradeError where command.arguments.first == "upgrade" {
                throw await diagnose(error, plan: plan)
            }
        }
        struct Released: Decodable {
            struct Info: Decodable { var status: String }
            var version: Int
            var info: Info
        }
        let released = try? JSONDecoder().decode(Released.self, from: Data(output.utf8))
        return UpgradeResult(release: plan.release.name, namespace: plan.release.namespace,
                             revision: released?.version ?? plan.release.revision + 1, status: released?.info.status ?? "unknown",
                             backups: [plan.backupFile, plan.allValuesBackupFile, plan.newValuesFile])
    }

    /// What a failed upgrade left: nothing (helm stopped before a revision), or a revision that
    /// failed, is stuck, or was rolled back by helm, with what to do about each.
    func diagnose(_ error: UpgradeError, plan: UpgradePlan) async -> UpgradeError {
        let before = plan.release
        guard let after = try? await driver.release(before.name, namespace: before.namespace), after.revision > before.revision else {
            let state = before.revision == 0 ? "the release was not installed" : "the release is still revision \(before.revision), \(before.status)"
            return UpgradeError(.upgradeNotStarted, "\(error.message); helm stopped before it created a revision: nothing was changed in the cluster (\(state))",
                                hint: "fix what helm reports and run ferry upgrade again; the values before are in \(plan.backupFile)")
        }
        let history = (try? await driver.history(before.name, namespace: before.namespace)) ?? []
        let states = history.filter { $0.revision > before.revision }.map { "\($0.revision) \($0.status)" }.joined(separator: ", ")
        let made = "helm created revision \(after.revision), now \(after.status)" + (states.isEmpty ? "" : " (helm history: \(states))")
        if after.status == .deployed {
            // --atomic / --rollback-on-failure: helm went back by itself.
            return UpgradeError(.upgradeFailed, "\(error.message); \(made): helm rolled the release back to what ran before",
                                hint: "the release runs what it ran before the upgrade; the values before are in \(plan.backupFile)")
        }
        let back = before.revision == 0 ? "helm uninstall \(before.name) -n \(before.namespace)" : plan.rollbackCommand
        let stuck = after.status.isPending ? "; helm was stopped mid-upgrade, so the release is stuck until it is rolled back" : ""
        return UpgradeError(.upgradeFailed, "\(error.message); \(made)\(stuck)",
                            hint: "to return to \(before.revision == 0 ? "no release" : "revision \(before.revision)"): \(back); the values before are in \(plan.backupFile)")
    }

    /// Creates `path` with `text`; fails rather than replace a file that is there.
    static func writeNew(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw UpgradeError(.backupFailed, "cannot create \(path): \(String(cString: strerror(errno)))",
                               hint: "Ferry never overwrites a backup")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            guard n > 0 else { throw UpgradeError(.backupFailed, "cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        guard fsync(fd) == 0 else { throw UpgradeError(.backupFailed, "cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
