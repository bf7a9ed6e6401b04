import FerryCore
import FerryOCI

/// Hashes and counts what passes through, optionally forwarding it.
package final class DigestingSink: ByteSink {
    private var hasher = DigestHasher()
    package private(set) var count: Int64 = 0
    private let next: (any ByteSink)?

    package init(forwardingTo next: (any ByteSink)? = nil) {
        self.next = next
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        count += Int64(bytes.count)
        try next?.write(bytes)
    }

    package var digest: Digest { hasher.finalize() }
}
