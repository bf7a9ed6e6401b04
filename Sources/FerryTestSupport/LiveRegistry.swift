#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A real registry (Debian's `docker-registry`, the CNCF distribution) on a free loopback port, with
/// its own storage, started for a test and stopped with it. Fails loudly when the package is missing.
package final class LiveRegistry: Sendable {
    package enum Mode: Sendable {
        /// Plain HTTP, no auth.
        case plain
        /// Plain HTTP with htpasswd (Basic) auth.
        case basicAuth
        /// HTTPS with a self-signed CA, and htpasswd auth.
        case tls
        /// Plain HTTP with bearer tokens from `FakeTokenServer`.
        case token
        /// HTTPS that requires a client certificate signed by its own client CA (`tls.clientcas`), no auth.
        case mutualTLS
    }

    /// The name the TLS certificates also carry, which does not resolve here: only a proxy that
    /// maps it (`ConnectProxy`) reaches the registry by it.
    package static let proxiedName = "registry.ferry.test"

    package let mode: Mode
    package let host: String
    package let port: Int
    package let directory: TemporaryDirectory
    package let username = "ferry-user"
    package let password = "s3cret-Pa55word"
    /// The CA certificate for `.tls` and `.mutualTLS`.
    package let caFile: String?
    /// For `.mutualTLS`: a client certificate and key the registry accepts.
    package let clientCertificate: String?
    package let clientKey: String?
    package let logFile: String
    private let process: Mutex<Process?>
    private let tokenServer: FakeTokenServer?
    private let storageMounted: Bool
    private let binary: String
    private let configFile: String

    /// `storageLimit` puts the registry's storage on a tmpfs of that many bytes (a small disk that
    /// fills up); `growStorage` makes it larger, as an operator would.
    package static func start(_ mode: Mode = .plain, storageLimit: Int? = nil) throws -> LiveRegistry {
        var lastError: (any Error)?
        for _ in 0..<3 {
            do { return try LiveRegistry(mode: mode, storageLimit: storageLimit) } catch { lastError = error }
        }
        throw lastError!
    }

    private init(mode: Mode, storageLimit: Int?) throws {
        let binary = try Subprocess.require("docker-registry")
        self.mode = mode
        directory = try TemporaryDirectory("registry")
        port = try Self.freePort()
        host = "127.0.0.1:\(port)"
        logFile = directory.file("registry.log")
        storageMounted = storageLimit != nil
        if let storageLimit {
            try FileManager.default.createDirectory(atPath: directory.file("storage"), withIntermediateDirectories: true)
            try Subprocess.check("mount", ["-t", "tmpfs", "-o", "size=\(storageLimit)", "tmpfs", directory.file("storage")])
        }
        var auth = ""
        var tls = ""
        var ca: String?
        var tokenServer: FakeTokenServer?
        switch mode {
        case .plain, .mutualTLS:
            break
        case .basicAuth, .tls:
            let htpasswd = try Subprocess.check(try Subprocess.require("htpasswd"), ["-Bbn", username, password])
            let file = try directory.write("htpasswd", htpasswd)
            auth = "auth:\n  htpasswd: {realm: ferry-test, path: \(file)}\n"
        case .token:
            let server = try FakeTokenServer.start(directory: directory, username: username, password: password)
            tokenServer = server
            auth = """
                auth:
                  token: {realm: "\(server.realm)", service: ferry-registry, issuer: ferry-test-issuer, rootcertbundle: \(server.certificate)}

                """
        }
        var client: (String, String)?
        if mode == .tls || mode == .mutualTLS {
            let key = directory.file("registry.key"), cert = directory.file("registry.crt")
            try Subprocess.check(try Subprocess.require("openssl"), [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:\(Self.proxiedName)",
            ])
            tls = "  tls: {certificate: \(cert), key: \(key)}\n"
            ca = cert
        }
        if mode == .mutualTLS {
            client = try Self.makeClientCertificate(in: directory)
            tls = "  tls:\n    certificate: \(ca!)\n    key: \(directory.file("registry.key"))\n    clientcas: [\(directory.file("client-ca.crt"))]\n"
        }
        clientCertificate = client?.0
        clientKey = client?.1
        caFile = ca
        self.tokenServer = tokenServer
        let config = """
            version: 0.1
            log: {level: info, formatter: text}
            storage:
              cache: {blobdescriptor: inmemory}
              filesystem: {rootdirectory: \(directory.file("storage"))}
              delete: {enabled: true}
            http:
              addr: 127.0.0.1:\(port)
              secret: ferry-test-secret
            \(tls)\(auth)
            """
        let configFile = try directory.write("config.yml", config)
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        self.binary = binary
        self.configFile = configFile
        self.process = Mutex(nil)
        try launch()
    }

    /// A client CA and a certificate it signed, as a site's PKI would issue to a machine.
    static func makeClientCertificate(in directory: TemporaryDirectory) throws -> (String, String) {
        let openssl = try Subprocess.require("openssl")
        let caKey = directory.file("client-ca.key"), caCert = directory.file("client-ca.crt")
        let key = directory.file("client.key"), request = directory.file("client.csr"), cert = directory.file("client.cert")
        try Subprocess.check(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caCert,
                                       "-days", "2", "-subj", "/CN=ferry-test-client-ca"])
        try Subprocess.check(openssl, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=ferry-node"])
        try Subprocess.check(openssl, ["x509", "-req", "-in", request, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial",
                                       "-out", cert, "-days", "2"])
        return (cert, key)
    }

    private func launch() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", configFile]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process.withLock { $0 = process }
        try waitUntilListening(process)
    }

    /// Starts the registry again after `stop`, on the same port with the same storage (an outage).
    package func start() throws {
        try launch()
    }

    deinit {
        stop()
        if storageMounted { _ = try? Subprocess.run("umount", ["-l", directory.file("storage")]) }
    }

    /// A larger disk for the storage of a registry started with `storageLimit`.
    package func growStorage(to bytes: Int) throws {
        try Subprocess.check("mount", ["-o", "remount,size=\(bytes)", directory.file("storage")])
    }

    package func stop() {
        process.withLock { process in
            guard let running = process else { return }
            running.stopForTest()
            process = nil
        }
        tokenServer?.stop()
    }

    /// What the token service of a `.token` registry answered, one line per request.
    package var tokenLog: String { tokenServer?.log ?? "" }

    /// `http://` or `https://` + host.
    package var baseURL: String { (mode == .tls || mode == .mutualTLS ? "https://" : "http://") + host }

    /// The registry's log so far (requests are logged at info level).
    package var log: String {
        (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
    }

    /// Extra flags a `ferry` command needs to reach this registry.
    package var ferryFlags: [String] {
        switch mode {
        case .plain: return ["--plain-http"]
        case .basicAuth, .token: return ["--plain-http", "--username", username, "--password-stdin"]
        case .tls: return ["--ca-file", caFile!, "--username", username, "--password-stdin"]
        case .mutualTLS: return ["--ca-file", caFile!, "--cert-file", clientCertificate!, "--key-file", clientKey!]
        }
    }

    /// Extra flags for skopeo reading from this registry.
    package var skopeoSourceFlags: [String] {
        switch mode {
        case .plain: return ["--src-tls-verify=false"]
        case .basicAuth, .token: return ["--src-tls-verify=false", "--src-creds", "\(username):\(password)"]
        case .tls: return ["--src-cert-dir", certDirectory(), "--src-creds", "\(username):\(password)"]
        case .mutualTLS: return ["--src-cert-dir", certDirectory()]
        }
    }

    /// A directory laid out as docker's certs.d/HOST: the CA as `ca.crt`, the client pair as `client.cert`/`client.key`.
    package func certDirectory() -> String {
        let dir = directory.file("certs.d")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let caFile, !FileManager.default.fileExists(atPath: dir + "/ca.crt") {
            try? FileManager.default.copyItem(atPath: caFile, toPath: dir + "/ca.crt")
        }
        if let clientCertificate, let clientKey, !FileManager.default.fileExists(atPath: dir + "/client.cert") {
            try? FileManager.default.copyItem(atPath: clientCertificate, toPath: dir + "/client.cert")
            try? FileManager.default.copyItem(atPath: clientKey, toPath: dir + "/client.key")
        }
        return dir
    }

    private func waitUntilListening(_ process: Process) throws {
        for _ in 0..<200 {
            guard process.isRunning else {
                throw TestSupportError("docker-registry exited at start: \(log)")
            }
            if Self.canConnect(port: port) && log.contains("listening on") { return }
            usleep(50_000)
        }
        process.stopForTest()
        throw TestSupportError("docker-registry did not listen on \(host) within 10 s: \(log)")
    }

    /// Ports handed out in this process: the kernel may offer a port again before the server it was
    /// meant for has bound it, and two servers of parallel tests must never be given the same one.
    private static let handedOut = Mutex<Set<Int>>([])

    static func freePort() throws -> Int {
        for _ in 0..<50 {
            let port = try kernelFreePort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TestSupportError("cannot find a free port not handed out already")
    }

    private static func kernelFreePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestSupportError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
