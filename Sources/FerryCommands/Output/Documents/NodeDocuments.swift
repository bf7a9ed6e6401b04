import FerryNode

/// `ferry retag --output json`: the archive written, the names in it, the images refused.
package struct RetagDocument: Codable, Sendable {
    package var event = "retag"
    package var archive: String
    /// Each image's names, as loaded on a node.
    package var images: [[String]]
    package var refused: [String]
}

/// `ferry load --output json`: one line per node.
package struct LoadNodeDocument: Codable, Sendable {
    package var event = "node"
    package var report: NodeLoader.Report
}

/// `ferry load --output json`: an image that was not loaded anywhere, and why.
package struct LoadRefusedDocument: Codable, Sendable {
    package var event = "image-failed"
    package var message: String
}
