/// The media types Ferry reads and writes.
package enum MediaType {
    package static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    package static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    package static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    package static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    package static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar"
    package static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    package static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    package static let ociIndex = "application/vnd.oci.image.index.v1+json"
    package static let ociConfig = "application/vnd.oci.image.config.v1+json"
    package static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    package static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    package static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"

    package static let helmConfig = "application/vnd.cncf.helm.config.v1+json"
    package static let helmChart = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

    /// Every manifest type Ferry can push; sent as `Accept` so a registry never downgrades an index.
    package static let manifestAccept = [ociIndex, ociManifest, dockerManifestList, dockerManifest]

    package static func isIndex(_ type: String?) -> Bool {
        type == ociIndex || type == dockerManifestList
    }

    package static func isManifest(_ type: String?) -> Bool {
        type == ociManifest || type == dockerManifest
    }
}
