@testable import FerryUpgrade
import Testing

/// Which version an upgrade installs, as `helm upgrade` chooses it.
@Suite struct VersionChoiceTests {
    let available = ["1.0.0", "1.2.0-rc.1", "1.1.0", "0.9.0", "1.10.0-beta"]

    @Test func theNewestStableUnlessPrereleasesAreAllowed() throws {
        #expect(try VersionChoice.choose(available, requested: nil, devel: false, what: "w") == "1.1.0")
        #expect(try VersionChoice.choose(available, requested: nil, devel: true, what: "w") == "1.10.0-beta")
        #expect(try VersionChoice.choose(available, requested: "0.9.0", devel: false, what: "w") == "0.9.0")
    }

    @Test func refusalsHaveTheirCodes() {
        #expect { try VersionChoice.choose(available, requested: "2.0.0", devel: false, what: "w") } throws: {
            ($0 as? UpgradeError)?.code == .versionMissing && ($0 as? UpgradeError)?.hint?.contains("1.1.0") == true
        }
        #expect { try VersionChoice.choose(["1.0.0-rc.1"], requested: nil, devel: false, what: "w") } throws: {
            ($0 as? UpgradeError)?.code == .noStableVersion
        }
    }
}
