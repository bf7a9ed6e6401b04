import ArgumentParser
import FerryRegistry

/// How long Ferry waits on a link that makes no progress, how long it keeps retrying, and the
/// size of upload chunks.
package struct TransportOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Seconds a request may send and receive nothing before it is abandoned and retried.",
                                           valueName: "seconds"))
    package var timeout: Int = 60

    @Option(name: .customLong("retry-for"),
            help: ArgumentHelp("Seconds to keep retrying a failing request (a registry restarting, a 503, a lost connection).",
                               valueName: "seconds"))
    package var retryFor: Int = 120

    @Option(name: .customLong("chunk-size"),
            help: ArgumentHelp("MiB: a blob larger than this goes up in chunks of this size, resumable after a failure or a kill (default 64).",
                               valueName: "MiB"))
    package var chunkSizeMiB: Int = 64

    package init() {}

    package var chunkSize: Int64 { Int64(chunkSizeMiB) << 20 }

    package func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
        guard retryFor >= 0 else { throw ValidationError("--retry-for cannot be negative") }
        guard chunkSizeMiB >= 1 else { throw ValidationError("--chunk-size is at least 1 (MiB)") }
    }

    package var retry: RetryPolicy {
        RetryPolicy(budget: .seconds(retryFor), idleTimeout: .seconds(timeout))
    }
}
