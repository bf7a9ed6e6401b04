import Foundation

/// The programs test support runs (fakes, proxies, the Helm oracle), shipped as resource files.
enum TestResources {
    /// A resource's text; a missing one is a broken build, so it stops the test run by name.
    static func text(_ name: String) -> String {
        let base = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Resources")
                ?? Bundle.module.url(forResource: base, withExtension: ext),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("test support resource \(name) is missing from \(Bundle.module.bundlePath)")
        }
        return text
    }
}
