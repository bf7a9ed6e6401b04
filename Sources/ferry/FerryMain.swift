import FerryCommands

/// The executable only starts the root command; everything else lives in FerryCommands.
@main
struct FerryMain {
    static func main() async {
        BuildInfo.commit = buildCommit
        FerryLogging.bootstrap()
        await Ferry.main(ArgumentRewrites.apply(Array(CommandLine.arguments.dropFirst())))
    }
}
