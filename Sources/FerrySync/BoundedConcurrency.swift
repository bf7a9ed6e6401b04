/// Runs `body` for every item with at most `limit` running at once: a sliding window, so a slow
/// item never holds up the start of the next one.
public func forEachConcurrently<Item: Sendable>(_ items: [Item], limit: Int,
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
