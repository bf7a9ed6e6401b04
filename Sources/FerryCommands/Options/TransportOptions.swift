import ArgumentParser
import FerryRegistry

/// How long Ferry waits on a link that makes no progress, and how long it keeps retrying.
package struct TransportOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Seconds a request may send and receive nothing before it is abandoned and retried.",
                                           valueName: "seconds"))
    package var timeout: Int = 60

    @Option(name: .customLong("retry-for"),
            help: ArgumentHelp("Seconds to keep retrying a failing request (a registry restarting, a 503, a lost connection).",
                               valueName: "seconds"))
    package var retryFor: Int = 120

    package init() {}

    package func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second") }
        guard retryFor >= 0 else { throw ValidationError("--retry-for cannot be negative") }
    }

    package var retry: RetryPolicy {
        RetryPolicy(budget: .seconds(retryFor), idleTimeout: .seconds(timeout))
    }
}
