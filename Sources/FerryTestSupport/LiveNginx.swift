import Foundation
import Synchronization

/// nginx (Debian `nginx-light`) as a reverse proxy in front of a live registry, with a body size
/// limit (`client_max_body_size`) as an ingress in front of Harbor often has. Its own prefix,
/// config and logs under a temporary directory, on a free loopback port.
package final class LiveNginx: Sendable {
    package let host: String
    private let directory: TemporaryDirectory
    private let process: Mutex<Process?>

    package init(to registry: LiveRegistry, maxBodySize: String) throws {
        let nginx = try Subprocess.require("nginx")
        directory = try TemporaryDirectory("nginx")
        let port = try LiveRegistry.freePort()
        host = "127.0.0.1:\(port)"
        for sub in ["logs", "tmp"] {
            try FileManager.default.createDirectory(atPath: directory.file(sub), withIntermediateDirectories: true)
        }
        let config = try directory.write("nginx.conf", """
            daemon off;
            master_process off;
            worker_processes 1;
            error_log \(directory.file("logs/error.log")) info;
            pid \(directory.file("nginx.pid"));
            events { worker_connections 64; }
            http {
                access_log \(directory.file("logs/access.log"));
                client_body_temp_path \(directory.file("tmp"));
                proxy_temp_path \(directory.file("tmp"));
                server {
                    listen 127.0.0.1:\(port);
                    client_max_body_size \(maxBodySize);
                    location / {
                        proxy_pass http://\(registry.host);
                        proxy_set_header Host $http_host;
                        proxy_request_buffering off;
                        proxy_http_version 1.1;
                    }
                }
            }
            """)
        process = Mutex(try startServer(nginx, ["-p", directory.path, "-c", config], port: port,
                                        log: directory.file("logs/stdout.log"), what: "nginx"))
    }

    deinit {
        process.withLock { $0?.stopForTest() }
    }

    /// One line per request: nginx's access log (method, path, status).
    package var accessLog: String {
        (try? String(contentsOfFile: directory.file("logs/access.log"), encoding: .utf8)) ?? ""
    }
}
