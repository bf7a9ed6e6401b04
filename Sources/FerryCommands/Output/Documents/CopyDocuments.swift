import FerrySync

/// `ferry copy --output json`: what was copied.
package struct CopyDocument: Codable, Sendable {
    package var result: ImageCopier.Result
    package var seconds: Double
}
