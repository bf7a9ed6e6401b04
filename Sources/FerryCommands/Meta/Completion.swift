import ArgumentParser

extension Ferry {
    /// `ferry completion bash|zsh|fish`: the shell completion script, from the command definitions.
    package struct Completion: ParsableCommand {
        package static let configuration = CommandConfiguration(
            abstract: "Print the shell completion script for bash, zsh or fish.",
            discussion: """
                Install it where the shell looks:
                  ferry completion bash > /etc/bash_completion.d/ferry
                  ferry completion zsh > "${fpath[1]}/_ferry"
                  ferry completion fish > ~/.config/fish/completions/ferry.fish
                  source <(ferry completion bash)     # this bash session only
                """)

        package enum Shell: String, CaseIterable, ExpressibleByArgument, Sendable {
            case bash, zsh, fish
        }

        @Argument(help: "bash, zsh or fish.")
        package var shell: Shell

        package init() {}

        package func run() throws {
            guard let kind = CompletionShell(rawValue: shell.rawValue) else { throw ValidationError("unknown shell \(shell.rawValue)") }
            Console.current.out(Ferry.completionScript(for: kind))
        }
    }
}
