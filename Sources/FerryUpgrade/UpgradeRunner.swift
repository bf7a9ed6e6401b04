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
                throw UpgradeError(.helmFailed, error.message,
                                   hint: "the values before the upgrade are in \(plan.backupFile); to return to revision \(plan.release.revision): \(plan.rollbackCommand)")
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
