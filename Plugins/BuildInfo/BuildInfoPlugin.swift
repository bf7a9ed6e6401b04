import Foundation
import PackagePlugin

/// Records the commit the binary is built from (`ferry version`): a prebuild step writes
/// `BuildInfo.swift` with it, and rewrites the file only when the commit changed, so an unchanged
/// tree builds nothing again. A tree without git says "unknown".
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildInfo")
        let script = #"""
            dir=$1 out=$2
            mkdir -p "$out"
            commit=$(git -C "$dir" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && [ -n "$(git -C "$dir" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                commit="$commit-modified"
            fi
            printf '// Written by the BuildInfo plugin at build time.\nlet buildCommit = "%s"\n' "$commit" > "$out/BuildInfo.swift.new"
            if cmp -s "$out/BuildInfo.swift.new" "$out/BuildInfo.swift"; then rm -f "$out/BuildInfo.swift.new"
            else mv "$out/BuildInfo.swift.new" "$out/BuildInfo.swift"; fi
            """#
        return [.prebuildCommand(displayName: "Recording the commit for ferry version",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                                 outputFilesDirectory: output)]
    }
}
