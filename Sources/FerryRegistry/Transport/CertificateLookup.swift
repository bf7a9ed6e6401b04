import Foundation

/// Finds the certificates a host is trusted with and the client certificate it is shown, where
/// docker, podman and containerd keep them:
/// - `/etc/docker/certs.d/HOST[:PORT]/`, `/etc/containers/certs.d/…` and `~/.config/containers/certs.d/…`:
///   `*.crt` are CA certificates, each `NAME.cert` is a client certificate with its key in `NAME.key`;
/// - `/etc/containerd/certs.d/HOST[:PORT]/hosts.toml`: `ca`, `client` and `skip_verify`.
/// A directory named by `--cert-dir` is read instead of all of these, as skopeo and podman do.
package struct CertificateLookup: Sendable, Equatable {
    /// Directories holding one `HOST[:PORT]` directory per registry (docker's and podman's layout).
    package var certsRoots: [String]
    /// Directories holding `HOST[:PORT]/hosts.toml` (containerd's layout).
    package var hostsRoots: [String]
    /// `--cert-dir`: the files for every host, directly in this directory.
    package var directory: String?

    package init(certsRoots: [String], hostsRoots: [String], directory: String? = nil) {
        self.certsRoots = certsRoots
        self.hostsRoots = hostsRoots
        self.directory = directory
    }

    /// The places docker, podman and containerd read, for this user.
    package static func standard(environment: [String: String], directory: String? = nil) -> CertificateLookup {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        return CertificateLookup(certsRoots: ["/etc/docker/certs.d", "/etc/containers/certs.d", config + "/containers/certs.d"],
                                 hostsRoots: ["/etc/containerd/certs.d"], directory: directory)
    }

    /// What was found for a host.
    package struct Material: Sendable, Equatable {
        package var caFiles: [String] = []
        package var clientPairs: [ClientCertificate] = []
        package var skipVerify = false
        /// The files read, for messages.
        package var sources: [String] = []

        package var isEmpty: Bool { caFiles.isEmpty && clientPairs.isEmpty && !skipVerify }
    }

    /// The material for `authority` (`host[:port]`); a host with a default port is also looked up by name alone.
    package func material(for authority: String) throws -> Material {
        var material = Material()
        if let directory {
            try Self.readCertsDirectory(directory, into: &material, required: true)
            return material
        }
        let names = Self.directoryNames(for: authority)
        for root in certsRoots {
            for name in names { try Self.readCertsDirectory(root + "/" + name, into: &material, required: false) }
        }
        for root in hostsRoots {
            for name in names {
                let path = root + "/" + name + "/hosts.toml"
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let hosts = try HostsToml.parse(String(decoding: data, as: UTF8.self), path: path)
                let entry = hosts.entry(for: authority)
                let base = root + "/" + name
                material.caFiles += entry.ca.map { Self.absolute($0, base: base) }
                material.clientPairs += entry.client.map {
                    ClientCertificate(certificate: Self.absolute($0.0, base: base), key: Self.absolute($0.1 ?? $0.0, base: base))
                }
                material.skipVerify = material.skipVerify || entry.skipVerify
                material.sources.append(path)
            }
        }
        return material
    }

    static func directoryNames(for authority: String) -> [String] {
        let (name, port) = ProxySettings.split(authority)
        let bare = authority.hasPrefix("[") ? "[\(name)]" : name
        return port == nil || port == 443 ? Array(Set([authority, bare])).sorted() : [authority]
    }

    static func absolute(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : base + "/" + path
    }

    /// Docker's layout: `*.crt` CAs, `NAME.cert` + `NAME.key` client pairs. A certificate without its key
    /// (or a key without its certificate) is an error, as it is for docker.
    static func readCertsDirectory(_ directory: String, into material: inout Material, required: Bool) throws {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            if required { throw RegistryError(.tls, "the certificate directory \(directory) cannot be read") }
            return
        }
        for file in files {
            let path = directory + "/" + file
            if file.hasSuffix(".crt") {
                material.caFiles.append(path)
            } else if file.hasSuffix(".cert") {
                let key = String(file.dropLast(5)) + ".key"
                guard files.contains(key) else {
                    throw RegistryError(.tls, "\(path) is a client certificate without its key \(key)")
                }
                material.clientPairs.append(ClientCertificate(certificate: path, key: directory + "/" + key))
            } else if file.hasSuffix(".key") {
                guard files.contains(String(file.dropLast(4)) + ".cert") else {
                    throw RegistryError(.tls, "\(path) is a client key without its certificate \(file.dropLast(4)).cert")
                }
            } else {
                continue
            }
            material.sources.append(path)
        }
    }
}

/// A client certificate and its private key, PEM files.
package struct ClientCertificate: Sendable, Hashable {
    package var certificate: String
    package var key: String

    package init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}
