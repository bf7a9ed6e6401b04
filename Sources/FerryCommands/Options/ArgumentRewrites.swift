/// What Ferry rewrites before parsing, so flags parse as the tools they come from take them:
/// charts-syncer's klog flags on `sync`, and helm's bare `--dry-run` (which means client) on
/// `upgrade`; and `ferry --version`, which is `ferry version` (a root `--version` flag would
/// take the `--version` of `upgrade` and `bundle`, whose value is a chart version). Everything
/// after `--` is left alone.
package enum ArgumentRewrites {
    package static func apply(_ arguments: [String]) -> [String] {
        if arguments.first == "--version" { return ["version"] + arguments.dropFirst() }
        switch arguments.first(where: { !$0.hasPrefix("-") }) {
        case "sync":
            return KlogFlags.rewrite(arguments)
        case "upgrade":
            let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
            return arguments[..<end].map { $0 == "--dry-run" ? "--dry-run=client" : $0 } + arguments[end...]
        default:
            return arguments
        }
    }
}
