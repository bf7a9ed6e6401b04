import FerryNode

/// `ferry retag --output json`: the archive written, the names in it, the images refused.
package struct RetagDocument: Codable, Sendable {
    package var archive: String
    /// Each image's names, as loaded on a node.
    package var images: [[String]]
    package var refused: [String]
}

/// The last line of `ferry load --output json` (each node has its `node.finished` line, a
/// `NodeLoader.Report`, before it).
package struct LoadSummaryDocument: Codable, Sendable {
    package var nodes: Int
    package var nodesFailed: Int
    /// Names loaded, and names already present, over all nodes.
    package var loaded: Int
    package var present: Int
    package var imagesRefused: Int
    package var seconds: Double
    package var ok: Bool
}
