#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What `ferry push`, `inspect` and `verify` accept as SOURCE: a bundle, a directory of bundles, a
/// docker-archive, or an OCI layout (a directory or a tar). The kind is found from the content.
package struct ImageSource: Sendable {
    package enum Kind: String, Sendable {
        case bundle
        case dockerArchive = "docker-archive"
        case ociLayout = "oci-layout"
    }

    package var path: String
    package var kind: Kind
    package var archive: ImageArchive
    package var bundle: ModuleBundle?

    /// What `open` found: the sources, notes on entries passed over, and the files of a bundle
    /// directory that are not bundles (a command may warn about those).
    package struct Opened: Sendable {
        package var sources: [ImageSource]
        package var notes: [String]
        package var skippedFiles: [String] = []
    }

    /// Opens `path`. A directory of bundles yields one source per `*.bundle.tar`; other files there
    /// are passed over and listed in `skippedFiles` (and in `notes`).
    package static func open(_ path: String, compressor: LayerCompressor) throws -> Opened {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if let what = FileKind.problem(at: path) { throw ArchiveError(.io, "\(path) \(what)") }
            throw ArchiveError(.io, "\(path) does not exist")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            var layout = stat()
            if lstat(path + "/oci-layout", &layout) == 0 {
                let container = try DirectoryContainer(root: path)
                let archive = try ImageArchive.read(container, compressor: compressor)
                return Opened(sources: [ImageSource(path: path, kind: .ociLayout, archive: archive)], notes: archive.notes)
            }
            let names = try listDirectory(path)
            var sources: [ImageSource] = []
            var notes: [String] = [], skipped: [String] = []
            for name in names {
                let full = (path as NSString).appendingPathComponent(name)
                guard name.hasSuffix(".bundle.tar") else {
                    notes.append("\(full): not a .bundle.tar; skipped")
                    skipped.append(full)
                    continue
                }
                // A FIFO, socket or device named like a bundle is named as what it is, and never
                // opened for reading (a FIFO would block forever).
                if let what = FileKind.problem(at: full) {
                    throw ArchiveError(.io, "\(full) \(what)", hint: "a bundle is a regular .bundle.tar file")
                }
                let source = try openFile(full, compressor: compressor)
                notes += source.archive.notes
                sources.append(source)
            }
            guard !sources.isEmpty else {
                throw ArchiveError(.missingEntry, "\(path) holds no *.bundle.tar files and is not an OCI layout")
            }
            return Opened(sources: sources, notes: notes, skippedFiles: skipped)
        }
        if FileKind.problem(mode: info.st_mode) != nil, let what = FileKind.problem(at: path) {
            throw ArchiveError(.io, "\(path) \(what)", hint: "pass a .bundle.tar, a docker-save archive, an OCI layout or a directory of bundles")
        }
        let source = try openFile(path, compressor: compressor)
        return Opened(sources: [source], notes: source.archive.notes)
    }

    /// The names in a directory, sorted, without `.` and `..`.
    static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            throw ArchiveError(.io, "cannot list directory \(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func openFile(_ path: String, compressor: LayerCompressor) throws -> ImageSource {
        let file = try RandomAccessFile(path: path)
        let head = try file.read(at: 0, count: Int(min(file.size, 8)))
        let compression = Compression.detect(head)
        guard compression == .none else {
            throw ArchiveError(.unsupported, "\(path) is \(compression.rawValue)-compressed; Ferry reads tar archives in place",
                               hint: "decompress it first (for gzip: gunzip -k \(path))")
        }
        if let what = try FileSniff.notATar(ByteRange(wholeFile: file)) {
            throw ArchiveError(.malformedTar, "\(path) is not a tar archive: it \(what)",
                               hint: "pass a .bundle.tar, a docker-save archive or an OCI layout")
        }
        let index = try TarIndex(file: file)
        if ModuleBundle.looksLikeBundle(index) {
            let bundle = try ModuleBundle(path: path, index: index, compressor: compressor)
            return ImageSource(path: path, kind: .bundle, archive: bundle.images, bundle: bundle)
        }
        let archive = try ImageArchive.read(index, compressor: compressor)
        return ImageSource(path: path, kind: archive.format == .ociLayout ? .ociLayout : .dockerArchive, archive: archive)
    }
}
