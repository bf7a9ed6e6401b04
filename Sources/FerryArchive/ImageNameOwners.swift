import FerryOCI

/// The rule every command applies to the names it gives images: one name, one image. Relocation
/// keeps only the last path element of each repository, so two sources can map onto one name;
/// whoever claims it second with other bytes is refused (each command words the refusal).
package struct ImageNameOwners: Sendable {
    package enum Claim: Sendable, Equatable {
        /// The name is now this image's.
        case new
        /// The same image (same digest) already has it.
        case same
        /// Another image has it.
        case taken(by: String, digest: Digest)
    }

    private var owners: [Reference: (digest: Digest, origin: String)] = [:]

    package init() {}

    /// Who has `name`, without claiming it.
    package func owner(of name: Reference) -> (digest: Digest, origin: String)? { owners[name] }

    package mutating func claim(_ name: Reference, digest: Digest, origin: String) -> Claim {
        if let owner = owners[name] {
            return owner.digest == digest ? .same : .taken(by: owner.origin, digest: owner.digest)
        }
        owners[name] = (digest, origin)
        return .new
    }
}
