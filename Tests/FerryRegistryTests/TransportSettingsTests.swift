import FerryRegistry
import FerryTestSupport
import Testing

/// How proxies, private addresses and containerd's hosts.toml are read, as curl, Go and containerd read them.
@Suite struct TransportSettingsTests {
    @Test func proxiesFollowTheEnvironmentAsGoReadsIt() throws {
        let settings = try ProxySettings(environment: [
            "HTTPS_PROXY": "proxy.corp:3128", "https_proxy": "http://user:p%40ss@lower.corp:8080",
            "HTTP_PROXY": "http://plain.corp", "NO_PROXY": "harbor.site, .internal.example,10.0.0.0/8,registry.local:5000,[fd00::5]",
        ])
        // The lower-case form wins; the scheme defaults to http; credentials are decoded but never described.
        let https = try #require(settings.https)
        #expect(https.host == "lower.corp" && https.port == 8080 && https.username == "user" && https.password == "p@ss")
        #expect(!"\(https)".contains("p@ss") && "\(https)".contains("https_proxy"))
        #expect(settings.http?.port == 80)
        #expect(settings.proxy(scheme: "https", host: "quay.io")?.host == "lower.corp")
        #expect(settings.proxy(scheme: "http", host: "quay.io")?.host == "plain.corp")
        for direct in ["harbor.site", "harbor.site:443", "a.internal.example", "internal.example", "10.1.2.3:5000", "registry.local:5000",
                       "[fd00::5]:5000", "localhost:5000", "127.0.0.1:5000", "[::1]:5000"] {
            #expect(settings.proxy(scheme: "https", host: direct) == nil, "\(direct)")
        }
        for proxied in ["registry.local:5001", "notharbor.site", "11.0.0.1", "external.example"] {
            #expect(settings.proxy(scheme: "https", host: proxied) != nil, "\(proxied)")
        }
        #expect(try ProxySettings(environment: ["HTTPS_PROXY": "x:1", "NO_PROXY": "*"]).proxy(scheme: "https", host: "a.b") == nil)
        #expect(throws: RegistryError.self) { try ProxySettings(environment: ["HTTPS_PROXY": "socks5://proxy:1080"]) }
    }

    @Test func privateAddressesIncludeRFC1918AndUniqueLocalIPv6() {
        for host in ["127.0.0.1:5000", "10.0.0.5", "172.16.0.1:80", "172.31.255.255", "192.168.1.1:5000", "localhost:5000",
                     "harbor.local", "[::1]:5000", "[fd00::2]:5000", "[fc12::1]"] {
            #expect(TransportSecurity.isPrivate(host: host), "\(host)")
        }
        for host in ["172.32.0.1", "8.8.8.8", "harbor.example.com", "[2001:db8::1]:5000", "10.0.0.5.example.com"] {
            #expect(!TransportSecurity.isPrivate(host: host), "\(host)")
        }
        #expect(TransportSecurity().schemes(for: "10.0.0.5:5000") == ["https", "http"])
        #expect(TransportSecurity().schemes(for: "harbor.example.com") == ["https"])
        #expect(TransportSecurity(mode: .plainHTTP).schemes(for: "harbor.example.com") == ["http"])
    }
}

/// containerd's hosts.toml in the shapes its documentation shows.
@Suite struct HostsTomlTests {
    @Test func caClientAndSkipVerifyAreReadInEveryShape() throws {
        let dir = try TemporaryDirectory("hosts-toml")
        let host = "harbor.site:8443"
        _ = try dir.write("certs.d/\(host)/hosts.toml", """
            # top level: applies to server
            server = "https://harbor.site:8443"
            ca = ["/etc/certs/a.crt",
                  "b.crt"]
            client = "/etc/certs/both.pem"

            [host."https://mirror.site"]
              ca = "/etc/certs/mirror.crt"

            [host."https://harbor.site:8443"]
              skip_verify = true
              client = [["/etc/certs/node.cert", "/etc/certs/node.key"]]

            [plugins."io.containerd.grpc.v1.cri"]
              ca = "/not/for/us.crt"
            """)
        let material = try CertificateLookup(certsRoots: [], hostsRoots: [dir.file("certs.d")]).material(for: host)
        #expect(material.caFiles == ["/etc/certs/a.crt", dir.file("certs.d/\(host)") + "/b.crt"])
        #expect(material.clientPairs == [ClientCertificate(certificate: "/etc/certs/node.cert", key: "/etc/certs/node.key"),
                                         ClientCertificate(certificate: "/etc/certs/both.pem", key: "/etc/certs/both.pem")])
        #expect(material.skipVerify)
        #expect(try CertificateLookup(certsRoots: [], hostsRoots: [dir.file("certs.d")]).material(for: "other:1").isEmpty)

        _ = try dir.write("bad/\(host)/hosts.toml", "ca = [\"unterminated\n")
        #expect { _ = try CertificateLookup(certsRoots: [], hostsRoots: [dir.file("bad")]).material(for: host) }
            throws: { "\($0)".contains("hosts.toml:1") }
    }
}
