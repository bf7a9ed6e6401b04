import FerryCharts
import FerryOCI
import Foundation

/// One row of the upgrade's image plan: what a workload's container runs now, and what it will
/// run after the upgrade.
package struct WorkloadImage: Sendable, Codable, Equatable {
    /// `Deployment/web`, `CronJob/backup`.
    package var workload: String
    package var container: String
    package var now: String?
    package var after: String?
    /// The image after the upgrade is not in the registry the release must use.
    package var outsideTarget: Bool

    package init(workload: String, container: String, now: String?, after: String?, outsideTarget: Bool) {
        self.workload = workload
        self.container = container
        self.now = now
        self.after = after
        self.outsideTarget = outsideTarget
    }
}

/// The images of rendered Kubernetes manifests (`helm get manifest`, helm's dry run), workload by
/// workload: containers and init containers of pods, pod templates and job templates.
package enum WorkloadImages {
    /// (workload, container, image) for every container of every workload in `manifest`.
    package static func containers(in manifest: String) -> [(workload: String, container: String, image: String)] {
        var rows: [(String, String, String)] = []
        for document in manifest.components(separatedBy: "\n---") {
            guard let object = (try? SafeYAML.load(document, origin: "manifest")) as? [String: Any],
                  let kind = object["kind"] as? String,
                  let metadata = object["metadata"] as? [String: Any], let name = metadata["name"] as? String else { continue }
            for pod in podSpecs(object, kind: kind) {
                for key in ["initContainers", "containers"] {
                    for container in pod[key] as? [Any] ?? [] {
                        guard let container = container as? [String: Any], let image = container["image"] as? String else { continue }
                        rows.append(("\(kind)/\(name)", container["name"] as? String ?? "", image))
                    }
                }
            }
        }
        return rows
    }

    static func podSpecs(_ object: [String: Any], kind: String) -> [[String: Any]] {
        let spec = object["spec"] as? [String: Any] ?? [:]
        func template(_ spec: [String: Any]) -> [String: Any]? {
            ((spec["template"] as? [String: Any])?["spec"]) as? [String: Any]
        }
        switch kind {
        case "Pod": return [spec]
        case "CronJob": return ((spec["jobTemplate"] as? [String: Any])?["spec"] as? [String: Any]).flatMap(template).map { [$0] } ?? []
        default: return template(spec).map { [$0] } ?? []
        }
    }

    /// Now and after, side by side, in the order of the manifest after the upgrade, then what
    /// goes away.
    package static func table(now: String, after: String, registry: String) -> [WorkloadImage] {
        let before = containers(in: now), later = containers(in: after)
        var rows: [WorkloadImage] = []
        for row in later {
            let previous = before.first { $0.workload == row.workload && $0.container == row.container }?.image
            rows.append(WorkloadImage(workload: row.workload, container: row.container, now: previous, after: row.image,
                                      outsideTarget: (try? Reference(parsing: row.image))?.registry != registry))
        }
        for row in before where !later.contains(where: { $0.workload == row.workload && $0.container == row.container }) {
            rows.append(WorkloadImage(workload: row.workload, container: row.container, now: row.image, after: nil, outsideTarget: false))
        }
        return rows
    }
}
