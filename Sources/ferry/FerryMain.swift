import FerryCommands

/// The executable only starts the root command; everything else lives in FerryCommands.
@main
struct FerryMain {
    static func main() async {
        FerryLogging.bootstrap()
        await Ferry.main()
    }
}
