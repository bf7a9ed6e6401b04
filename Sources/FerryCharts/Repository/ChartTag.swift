/// A chart version as an OCI tag, as `helm push` and `helm pull` map it: tags may not hold `+`,
/// so a build suffix (`1.2.3+build.5`) is written with `_` and read back as `+`.
package enum ChartTag {
    package static func tag(forVersion version: String) -> String {
        version.replacingOccurrences(of: "+", with: "_")
    }

    package static func version(fromTag tag: String) -> String {
        tag.replacingOccurrences(of: "_", with: "+")
    }
}
