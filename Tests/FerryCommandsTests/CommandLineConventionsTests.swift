import FerryCommands
import FerryCore
import FerryTestSupport
import Foundation
import Testing

/// What operators expect of any CLI: `ferry version`, shell completion, man pages, and help
/// examples that can be copied from an 80-column terminal.
@Suite struct CommandLineConventionsTests {
    static let commands = ["", "sync", "push", "load", "retag", "upgrade", "inspect", "verify", "bundle", "copy", "login", "logout", "version", "completion"]
    /// The package's root, where git knows the commit.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func ferry(_ arguments: [String], environment: [String: String] = [:]) async throws -> ChildProcess.Output {
        let binary = try FerryBinary.path()
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try await Blocking.waiting { try ChildProcess.run(binary, arguments, environment: env) }
    }

    @Test(arguments: commands)
    func helpExamplesFitEightyColumns(command: String) async throws {
        let help = try await ferry((command.isEmpty ? [] : [command]) + ["--help"], environment: ["COLUMNS": "80"])
        #expect(help.status == 0)
        var inExamples = false, continued = false, examples = 0
        for line in help.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Examples:") || line.hasPrefix("Install it") { inExamples = true; continue }
            if line.isEmpty { inExamples = false; continue }
            guard inExamples else { continue }
            examples += 1
            #expect(line.count <= 80, "\(command): \(line.count) columns: \(line)")
            // A wrapped example would start at the margin; a continued one is indented further.
            #expect(line.hasPrefix(continued ? "      " : "  "), "\(command): wrapped or unindented: \(line)")
            continued = line.hasSuffix("\\")
        }
        if !["", "inspect", "verify"].contains(command) { #expect(examples > 0, "\(command) --help has no examples") }
        // --version is the chart version of upgrade and bundle, listed once; `ferry --version` is `ferry version`.
        let versions = help.stdout.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--version") }
        #expect(versions.count == (command == "upgrade" || command == "bundle" ? 1 : 0), "\(command): \(versions)")
    }

    /// A root `--version` flag once took the chart version of `upgrade --version 0.8.0` (the
    /// vendor's own command line) and refused it as a usage error.
    @Test func aChartVersionIsNotTheRootVersionFlag() async throws {
        for arguments in [["upgrade", "spiderpool", "--chart", "/nonexistent/chart", "--version", "0.8.0", "--image-registry", "r.local", "-n", "kube-system"],
                          ["bundle", "/nonexistent/chart", "--version", "0.8.0", "-o", "/tmp/ferry-unused"]] {
            let result = try await ferry(arguments)
            #expect(result.status != 64 && !result.stderr.contains("does not take any value") && !result.stderr.contains("Unexpected argument"),
                    "\(arguments[0]): \(result.status) \(result.stderr)")
        }
    }

    @Test func versionNamesTheCommitAndSwift() async throws {
        let text = try await ferry(["version"])
        let flag = try await ferry(["--version"])
        let json = try await ferry(["version", "--output", "json"])
        #expect(text.status == 0 && flag.stdout == text.stdout, "\(flag.stdout) vs \(text.stdout)")
        let document = try JSONDecoder().decode(Event<VersionDocument>.self, from: Data(json.stdout.utf8))
        #expect(document.event == "version" && document.body.version == BuildInfo.version && document.body.swift.hasPrefix("6."))
        let head = try Subprocess.check("git", ["-C", Self.packageRoot, "rev-parse", "--short=12", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(document.body.commit.hasPrefix(head), "built from \(document.body.commit), HEAD is \(head)")
        #expect(text.stdout == "ferry \(BuildInfo.version) (commit \(document.body.commit), Swift \(document.body.swift))\n")
    }

    @Test func completionScriptsForEachShell() async throws {
        let bash = try await ferry(["completion", "bash"])
        let dir = try TemporaryDirectory("completion")
        let script = try dir.write("ferry.bash", bash.stdout)
        // bash reads it, and it registers completion for ferry that offers the subcommands.
        let loaded = try Subprocess.run("bash", ["-c", "source '\(script)' && complete -p ferry && COMP_WORDS=(ferry pu) COMP_CWORD=1 COMP_LINE='ferry pu' COMP_POINT=8 && $(complete -p ferry | sed -E 's/.*-F ([^ ]+).*/\\1/') && printf '%s\\n' \"${COMPREPLY[@]}\""])
        #expect(loaded.status == 0 && loaded.stdout.contains("complete") && loaded.stdout.contains("push"), "\(loaded.stdout)\(loaded.stderr)")
        let zsh = try await ferry(["completion", "zsh"])
        #expect(zsh.stdout.hasPrefix("#compdef ferry") && zsh.stdout.contains("push"))
        let fish = try await ferry(["completion", "fish"])
        #expect(fish.stdout.contains("complete -c 'ferry'") && fish.stdout.contains("push"))
        let bad = try await ferry(["completion", "tcsh"])
        #expect(bad.status == 64)
    }

    /// scripts/test installs the pages with scripts/install-man (the plugin) before the tests run.
    @Test func manPagesAreInstalledAndRender() throws {
        let pages = Self.packageRoot + "/.build/man-test/share/man/man1"
        for command in Self.commands {
            let page = pages + "/ferry" + (command.isEmpty ? "" : ".\(command)") + ".1"
            #expect(FileManager.default.fileExists(atPath: page), "\(page) is missing: run scripts/install-man .build/man-test (scripts/test does)")
            let rendered = try Subprocess.run("man", ["-l", page], environment: ["MANWIDTH": "80", "PATH": "/usr/bin:/bin"])
            #expect(rendered.status == 0 && rendered.stdout.contains("NAME") && rendered.stdout.contains("ferry"), "\(page): \(rendered.stderr)")
        }
    }
}
