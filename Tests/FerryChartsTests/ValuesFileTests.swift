import FerryCharts
import Testing

@Suite struct ValuesFileTests {
    let original = """
        # Spidernet values
        global:
          imageRegistry: ""   # keep empty

        spiderpool:
          image:
            registry: ghcr.io          # the vendor's registry
            repository: 'spidernet-io/spiderpool/spiderpool-agent'
            tag: "v0.8.0"
          extra: {registry: "quay.io", repository: a/b}
        ui:
          image:
            registry: "docker.io"
            repository: spidernet-io/ui
        """

    @Test func editsOnlyTheScalarKeepingCommentsAndQuoting() throws {
        var file = try ValuesFile(text: original, origin: "values.yaml")
        try file.set(["spiderpool", "image", "registry"], to: "10.16.23.145")
        try file.set(["spiderpool", "image", "repository"], to: "release.daocloud.io/spidernet/spiderpool-agent")
        try file.set(["ui", "image", "registry"], to: "10.16.23.145")
        try file.set(["spiderpool", "extra", "registry"], to: "10.16.23.145:5000")
        try file.set(["spiderpool", "extra", "repository"], to: "p/b")
        let expected = """
            # Spidernet values
            global:
              imageRegistry: ""   # keep empty

            spiderpool:
              image:
                registry: 10.16.23.145          # the vendor's registry
                repository: 'release.daocloud.io/spidernet/spiderpool-agent'
                tag: "v0.8.0"
              extra: {registry: "10.16.23.145:5000", repository: p/b}
            ui:
              image:
                registry: "10.16.23.145"
                repository: spidernet-io/ui
            """
        #expect(file.text == expected)
        #expect(file.scalar(at: ["spiderpool", "image", "tag"]) == "v0.8.0")
    }

    @Test func quotesAPlainValueThatWouldChangeType() throws {
        var file = try ValuesFile(text: "image:\n  registry: docker.io\n", origin: "v")
        try file.set(["image", "registry"], to: "1.5")
        #expect(file.text == "image:\n  registry: \"1.5\"\n")
        #expect(file.scalar(at: ["image", "registry"]) == "1.5")
    }

    @Test func refusesMissingKeysNonStringsAndBlockScalars() throws {
        var file = try ValuesFile(text: "image:\n  port: 8080\n  text: |\n    multi\n", origin: "values.yaml")
        #expect { try file.set(["image", "registry"], to: "x") } throws: { error in
            (error as? ChartsError)?.code == .valuesKeyMissing && "\(error)".contains("image.registry") && "\(error)".contains("values.yaml")
        }
        #expect { try file.set(["nothere", "registry"], to: "x") } throws: { ($0 as? ChartsError)?.code == .valuesKeyMissing }
        #expect { try file.set(["image", "port"], to: "x") } throws: { ($0 as? ChartsError)?.code == .invalidValues }
        #expect { try file.set(["image", "text"], to: "x") } throws: { ($0 as? ChartsError)?.code == .invalidValues }
        #expect(throws: ChartsError.self) { try ValuesFile(text: "a: [unclosed", origin: "bad.yaml") }
    }
}

/// The values reader (libyaml's events into Ferry's own tree): how it types, what it refuses.
@Suite struct ValuesReaderTests {
    @Test func typesScalarsAsHelmDoes() throws {
        let file = try ValuesFile(text: """
            a: {port: 8080, flag: true, off: no, none: ~, nothing: null, ratio: 1.5}
            s: {port: "8080", flag: 'true', tagged: !!str 8080, text: hello, path: /x/y}
            """, origin: "v")
        // Numbers, booleans (YAML 1.1's yes/no too) and nulls are not strings: never rewritten.
        for key in ["port", "flag", "off", "none", "nothing", "ratio"] {
            var copy = file
            #expect(throws: ChartsError.self, "a.\(key)") { try copy.set(["a", key], to: "x") }
        }
        for key in ["port", "flag", "tagged", "text", "path"] {
            var copy = file
            try copy.set(["s", key], to: "x")
            #expect(copy.scalar(at: ["s", key]) == "x")
        }
        // A tag or an anchor before the value stays where it is.
        var tagged = file
        try tagged.set(["s", "tagged"], to: "9090")
        #expect(tagged.text.contains("tagged: !!str \"9090\","))
    }

    @Test func aRepeatedKeyIsReadAsHelmReadsIt() throws {
        // Helm keeps the last of repeated keys; the rewrite goes to that one.
        var file = try ValuesFile(text: "image:\n  registry: first.io\n  registry: last.io\n", origin: "v")
        #expect(file.scalar(at: ["image", "registry"]) == "last.io")
        try file.set(["image", "registry"], to: "10.0.0.1")
        #expect(file.text == "image:\n  registry: first.io\n  registry: 10.0.0.1\n")
    }

    @Test func emptyAndNullDocumentsHoldNoValues() throws {
        for text in ["", "\n", "# only a comment\n", "~\n", "null\n", "---\n"] {
            let file = try ValuesFile(text: text, origin: "v")
            #expect(!file.contains(["a"]), "\(text)")
        }
    }

    @Test func refusesWhatHelmCannotReadNamingTheLine() throws {
        let cases: [(String, String)] = [
            ("a: 1\n---\nb: 2\n", "v:2"),                  // a second document
            ("a: *nowhere\n", "nowhere"),                   // an alias without its anchor
            ("? [a, b]\n: c\n", "v:1"),                     // a list as a key
            ("a:\n  b: [1, 2\n", "line"),                   // unclosed flow list
            ("- a\n- b\n", "not a YAML mapping"),
            ("a: \"\\xZZ\"\n", "line 1"),                     // a bad escape
            (String(repeating: "[", count: 100_000), "nests deeper"),
        ]
        for (text, named) in cases {
            let error = #expect(throws: ChartsError.self, "\(text.prefix(20))") { try ValuesFile(text: text, origin: "v") }
            #expect(error?.message.contains(named) == true, "\(named): \(error?.message ?? "")")
        }
    }

    @Test func anAliasReadsItsAnchorsValue() throws {
        var file = try ValuesFile(text: "base: &reg quay.io\nimage:\n  registry: *reg\n", origin: "v")
        #expect(file.scalar(at: ["image", "registry"]) == "quay.io")
        // The anchor's text is the value; rewriting it rewrites every alias of it.
        try file.set(["image", "registry"], to: "10.0.0.1")
        #expect(file.text == "base: &reg 10.0.0.1\nimage:\n  registry: *reg\n")
    }

    @Test func multiByteTextBeforeTheValueKeepsColumnsRight() throws {
        var file = try ValuesFile(text: "image: {note: \"é→ü\", registry: quay.io}  # ünïcode\n", origin: "v")
        try file.set(["image", "registry"], to: "10.0.0.1")
        #expect(file.text == "image: {note: \"é→ü\", registry: 10.0.0.1}  # ünïcode\n")
    }
}

@Suite struct ImageTemplateTests {
    @Test func parsesTheRelocationRules() throws {
        let two = try ImageTemplate(parsing: "{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}")
        #expect(two.registryPath == ["image", "registry"] && two.repositoryPath == ["image", "repository"])
        #expect(two.tagPath == ["image", "tag"] && two.referencePath == nil && two.hasTagOrDigest)
        let one = try ImageTemplate(parsing: "{{.some.image}}")
        #expect(one.referencePath == ["some", "image"] && !one.hasTagOrDigest)
        let digest = try ImageTemplate(parsing: "{{ .mariadb.image.registry }}/{{ .mariadb.image.repository }}@{{ .mariadb.image.digest }}")
        #expect(digest.digestPath == ["mariadb", "image", "digest"])
        let dashed = try ImageTemplate(parsing: "{{ .my-app.image.repository }}:{{ .my-app.image.tag }}")
        #expect(dashed.referencePath == ["my-app", "image", "repository"])
    }

    @Test(arguments: ["{{ .a }}/{{ .b }}/{{ .c }}", "plain/no/placeholders:1", "{{ .a }}:{{ .t }}:{{ .u }}", "{{ a.b }}", "{{ .a", "{{ .a..b }}"])
    func rejectsBadTemplates(_ text: String) {
        #expect(throws: ChartsError.self) { try ImageTemplate(parsing: text) }
    }

    @Test func rendersAndNamesMissingKeys() throws {
        let template = try ImageTemplate(parsing: "{{ .image.registry }}/{{ .image.repository }}:{{ .image.tag }}")
        let values = ["image.registry": "docker.io", "image.repository": "bitnami/nginx", "image.tag": "1.21"]
        #expect(try template.render { values[$0.joined(separator: ".")] } == "docker.io/bitnami/nginx:1.21")
        #expect { try template.render { $0 == ["image", "tag"] ? nil : "x" } } throws: { error in
            (error as? ChartsError)?.code == .hintNotRendered && "\(error)".contains("image.tag")
        }
    }

    @Test func hintsFileMustBeAListOfStrings() throws {
        #expect(try ImageHints.parse(Array("- \"{{ .a.image }}\"\n".utf8), origin: "hints.yaml").count == 1)
        #expect { try ImageHints.parse(Array("a: b\n".utf8), origin: "hints.yaml") } throws: { "\($0)".contains("hints.yaml") }
        #expect { try ImageHints.parse(Array("- {{ .a }}/{{ .b }}/{{ .c }}\n".utf8), origin: "hints.yaml") } throws: { error in
            "\(error)".contains("hints.yaml")
        }
    }
}

@Suite struct SemanticVersionTests {
    @Test func ordersAsHelmDoes() throws {
        let ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.2", "v1.10.0", "2.0.0"]
        let versions = try ordered.map { try #require(SemanticVersion($0)) }
        #expect(versions == versions.sorted())
        #expect(SemanticVersion("1.0.0+a") == SemanticVersion("1.0.0+b"))
        #expect(SemanticVersion("not.a.version") == nil)
        #expect(SemanticVersion("1.2.3.4") == nil)
    }
}
