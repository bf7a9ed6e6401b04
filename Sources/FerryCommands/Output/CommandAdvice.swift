import FerryCharts
import FerryCore
import FerryNode
import FerryRegistry
import FerrySync
import FerryUpgrade

/// What a command tells a person to do about an error. Domain errors carry codes and no CLI
/// words; each command words the advice in the options it really has (sync in its config keys
/// and its few flags), so no hint names a flag the command would refuse.
enum CommandAdvice: Sendable {
    case push, sync, upgrade, retag, load, inspect, verify, login, bundle, copy

    /// The command's hint for `error`, or nil when it has nothing to add to the error's own.
    func hint(for error: any Error) -> String? {
        switch error {
        case let error as RegistryError: return registry(error)
        case let error as NodeError: return node(error.code)
        case let error as UpgradeError: return upgrade(error.code)
        case let error as ChartsError: return hint(forCode: error.codeName)
        default: return nil
        }
    }

    /// The hint for an error known only by its code name (a failed chart in a sync report).
    func hint(forCode code: String?) -> String? {
        switch (self, code.flatMap(ChartsError.Code.init(rawValue:))) {
        case (.sync, .chartExists): return "pass --force to replace it"
        case (.sync, .repositoryRefused): return "check target.repo.auth (username, password) in the config, or TARGET_REPO_AUTH_USERNAME/PASSWORD"
        case (.sync, .repositoryUnusable): return "check target.repo.path (kind LOCAL) or target.repo.url in the config"
        case (.sync, .harborWithoutChartRepository): return "set target.repo.kind: OCI, with target.repo.url the Harbor project's URL"
        case (.upgrade, .repositoryUnusable): return "check the repository's URL (helm repo list, or --repo-url): it must hold index.yaml"
        case (.upgrade, .repositoryRefused): return "check the user name and password for the chart repository (--username, --password-stdin)"
        default: return nil
        }
    }

    private var hasRegistryOptions: Bool { [.push, .upgrade, .sync, .login, .bundle, .copy].contains(self) }

    private func registry(_ error: RegistryError) -> String? {
        switch error.code {
        case .tls:
            guard hasRegistryOptions else { return nil }
            return "if the registry uses a private CA, pass --ca-file CA.pem or put it in /etc/docker/certs.d/HOST:PORT/ca.crt "
                + "(or --insecure to skip verification; --plain-http if it speaks plain HTTP)"
        case .unauthorized:
            let sent = error.credentialsSent ?? false
            if self == .sync {
                return sent ? "check target.containers.auth (username, password) in the config, --username with --password-stdin, or what ferry login stored"
                            : "set target.containers.auth (username, password) in the config, pass --username with --password-stdin, or run ferry login HOST"
            }
            if self == .login { return sent ? "check the user name and password" : nil }
            if hasRegistryOptions {
                return sent ? "check the user name and password (--username, --password-stdin, or \(CredentialResolver.usernameVariable)/\(CredentialResolver.passwordVariable))"
                            : "pass --username and --password-stdin, set \(CredentialResolver.usernameVariable)/\(CredentialResolver.passwordVariable), or run ferry login HOST"
            }
            return nil
        case .unreachable:
            return self == .sync ? "check target.containerRegistry and target.repo.url in the config" : nil
        case .stalled:
            return [.push, .sync, .upgrade, .bundle, .copy].contains(self) ? "on a slow link, allow longer with --timeout SECONDS" : nil
        case .projectMissing:
            return self == .push || self == .sync
                ? "pass --auto-create-repository to create missing Harbor projects (private; --project-public for public ones)" : nil
        case .invalidCredentials:
            return hasRegistryOptions ? "pass --username with --password-stdin" : nil
        default:
            return nil
        }
    }

    private func node(_ code: NodeError.Code) -> String? {
        switch (self, code) {
        case (.load, .noRuntime): return "name one with --runtime docker|containerd and --address SOCKET"
        case (.load, .unreachable): return "check --address, or name the runtime with --runtime"
        case (.load, .platformMissing), (.retag, .platformMissing): return "choose one of them with --platform"
        case (.load, .nameClash), (.retag, .nameClash): return "retag the clashing images in separate runs, each with its own --repository prefix"
        default: return nil
        }
    }

    private func upgrade(_ code: UpgradeError.Code) -> String? {
        guard self == .upgrade else { return nil }
        switch code {
        case .repositoryUnknown: return "pass --repo-url URL so Ferry adds it (as helm repo add NAME URL)"
        case .backupDirectoryUnusable, .backupFailed: return "pass --backup-dir with a writable directory"
        case .noStableVersion: return "pass --devel to consider prereleases, or --version"
        default: return nil
        }
    }
}
