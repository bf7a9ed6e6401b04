/// One member of a tar archive, as found by `TarIndex`.
package struct TarEntry: Sendable {
    package enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        case hardlink(target: String)
        /// Character or block device, FIFO, or a type Ferry does not handle.
        case special(typeflag: UInt8)
    }

    /// The normalised path (no leading `./`, no trailing `/`).
    package var path: String
    package var kind: Kind
    /// Offset of the member's data, relative to the start of the archive that holds it.
    package var dataOffset: Int64
    package var size: Int64
    package var mode: Int

    package var isFile: Bool { kind == .file }
}
