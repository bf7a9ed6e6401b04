import FerryArchive
import FerryCore
import Foundation

/// Opens every SOURCE argument, printing skipped entries with --verbose. Opening reads indexes
/// and may gzip uncompressed layers: blocking work, so it runs off the cooperative pool.
func openSources(_ paths: [String], compressor: LayerCompressor, output: OutputOptions) async throws -> [ImageSource] {
    let console = Console.current
    var sources: [ImageSource] = []
    for path in paths {
        let opened = try await Blocking.run { try ImageSource.open(path, compressor: compressor) }
        sources += opened.sources
        // Notes reach the log file always, standard error with --verbose.
        for note in opened.notes { FerryLogging.commands.info("\(note)") }
        if !output.verbose && output.output == .text && !output.quiet {
            if !opened.skippedFiles.isEmpty {
                console.err("warning: skipped \(opened.skippedFiles.count) file(s) in \(path) that are not .bundle.tar (see --verbose)")
            }
        }
    }
    return sources
}

func makeCompressor(writesCache: Bool) -> LayerCompressor {
    LayerCompressor(cacheDirectory: LayerCompressor.defaultCacheDirectory(environment: Console.current.environment),
                    writesCache: writesCache)
}
