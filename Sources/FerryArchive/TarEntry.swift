/// One member of a tar archive, as found by `TarIndex`.
public struct TarEntry: Sendable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        case hardlink(target: String)
        /// Character or block device, FIFO, or a type Ferry does not handle.
        case special(typeflag: UInt8)
    }

    /// The normalised path (no leading `./`, no trailing `/`).
    public var path: String
    public var kind: Kind
    /// Offset of the member's data, relative to the start of the archive that holds it.
    public var dataOffset: Int64
    public var size: Int64
    public var mode: Int

    public var isFile: Bool { kind == .file }
}
