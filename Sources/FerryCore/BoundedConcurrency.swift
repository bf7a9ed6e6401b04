/// Runs `body` for every item with at most `limit` running at once: a sliding window, so a slow
/// item never holds up the start of the next one. Each item handles its own failure.
package func forEachConcurrently<Item: Sendable>(_ items: [Item], limit: Int,
                                                _ body: @escaping @Sendable (Item) async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        var iterator = items.makeIterator()
        for _ in 0..<max(1, limit) {
            guard let item = iterator.next() else { break }
            group.addTask { await body(item) }
        }
        while await group.next() != nil {
            if Task.isCancelled { group.cancelAll(); break }
            if let item = iterator.next() {
                group.addTask { await body(item) }
            }
        }
    }
}

/// The same window for work that fails as a whole: the first error cancels the items still
/// running, starts no more, and is thrown once they have stopped.
package func forEachConcurrently<Item: Sendable>(_ items: [Item], limit: Int,
                                                _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var iterator = items.makeIterator()
        for _ in 0..<max(1, limit) {
            guard let item = iterator.next() else { break }
            group.addTask { try await body(item) }
        }
        do {
            while try await group.next() != nil {
                try Task.checkCancellation()
                if let item = iterator.next() {
                    group.addTask { try await body(item) }
                }
            }
        } catch {
            group.cancelAll()
            throw error
        }
    }
}
