/// One `WWW-Authenticate` challenge: `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"`.
package struct AuthChallenge: Sendable, Equatable {
    package var scheme: String
    package var parameters: [String: String]

    package var realm: String? { parameters["realm"] }
    package var service: String? { parameters["service"] }
    package var scope: String? { parameters["scope"] }

    /// Parses one header value (RFC 7235: `scheme param=value, param="quoted \" value"`). Parsing
    /// stops at the first malformed parameter; what was read until then is kept.
    package static func parse(_ header: String) -> AuthChallenge? {
        let chars = Array(header)
        var i = 0
        func skipSpaces() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        skipSpaces()
        var scheme = ""
        while i < chars.count, chars[i] != " " { scheme.append(chars[i]); i += 1 }
        guard !scheme.isEmpty else { return nil }
        var parameters: [String: String] = [:]
        while i < chars.count {
            skipSpaces()
            var key = ""
            while i < chars.count, chars[i] != "=", chars[i] != "," { key.append(chars[i]); i += 1 }
            guard i < chars.count, chars[i] == "=" else { break }
            i += 1
            var value = ""
            if i < chars.count, chars[i] == "\"" {
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "\\", i + 1 < chars.count { value.append(chars[i + 1]); i += 2; continue }
                    if chars[i] == "\"" { closed = true; i += 1; break }
                    value.append(chars[i]); i += 1
                }
                guard closed else { break }
            } else {
                while i < chars.count, chars[i] != "," { value.append(chars[i]); i += 1 }
                value = value.trimmingSpaces()
            }
            parameters[key.trimmingSpaces().lowercased()] = value
            skipSpaces()
            if i < chars.count, chars[i] == "," { i += 1 }
        }
        return AuthChallenge(scheme: scheme.lowercased(), parameters: parameters)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
