import ArgumentParser
import FerryRegistry

/// `--retry-for`: how long one failing request is retried (every command that talks to a registry).
package struct RetryBudgetOption: ParsableArguments, Sendable {
    @Option(name: .customLong("retry-for"),
            help: ArgumentHelp("Seconds to keep retrying a failing request (a registry restarting, a 503, a lost connection).",
                               valueName: "seconds"))
    package var retryFor: Int = 120

    package init() {}

    package func validate() throws {
        guard retryFor >= 0 else { throw ValidationError("--retry-for cannot be negative") }
    }
}

/// How long Ferry waits on a link that makes no progress, and how long it keeps retrying.
package struct TransportOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Seconds a request may send and receive nothing before it is abandoned and retried.",
                                           valueName: "seconds"))
    package var timeout: Int = 60

    @OptionGroup package var budget: RetryBudgetOption

    package init() {}

    package func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
    }

    package var retry: RetryPolicy {
        RetryPolicy(budget: .seconds(budget.retryFor), idleTimeout: .seconds(timeout))
    }
}

/// The same for `upgrade`, whose `--timeout` is helm's: the request limit is `--request-timeout`.
package struct UpgradeTransportOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("request-timeout"),
            help: ArgumentHelp("Seconds a registry or repository request may send and receive nothing before it is abandoned and retried.",
                               valueName: "seconds"))
    package var requestTimeout: Int = 60

    @OptionGroup package var budget: RetryBudgetOption

    package init() {}

    package func validate() throws {
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be at least 1 second") }
    }

    package var retry: RetryPolicy {
        RetryPolicy(budget: .seconds(budget.retryFor), idleTimeout: .seconds(requestTimeout))
    }
}

/// The size of upload chunks (push and sync, which upload blobs).
package struct ChunkOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("chunk-size"),
            help: ArgumentHelp("A blob larger than this many MiB goes up in chunks of this size, resumable after a failure or a kill.",
                               valueName: "MiB"))
    package var chunkSizeMiB: Int = 64

    package init() {}

    package func validate() throws {
        guard chunkSizeMiB >= 1 else { throw ValidationError("--chunk-size is at least 1 (MiB)") }
    }

    package var chunkSize: Int64 { Int64(chunkSizeMiB) << 20 }
}
