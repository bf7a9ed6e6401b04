import Foundation

/// The progress bar's one line, fitted to the terminal: it never reaches the last column (so the
/// terminal never wraps it), and drops the bar, then the rate, the images and the ETA, as the
/// width shrinks.
package struct ProgressBar {
    package struct Snapshot: Sendable {
        package var sent: Int64
        package var total: Int64
        package var imagesDone: Int
        package var images: Int
        package var seconds: Double

        package init(sent: Int64, total: Int64, imagesDone: Int, images: Int, seconds: Double) {
            (self.sent, self.total, self.imagesDone, self.images, self.seconds) = (sent, total, imagesDone, images, seconds)
        }

        /// Remaining bytes at the average rate so far; nil until a second has passed or a
        /// hundredth is sent (an estimate from the first packets is noise).
        package var secondsLeft: Double? {
            guard sent > 0, seconds > 0, total > sent else { return total > 0 && sent >= total ? 0 : nil }
            guard seconds >= 1 || sent >= total / 100 else { return nil }
            return Double(total - sent) / (Double(sent) / seconds)
        }
    }

    package let text: String

    package init(_ now: Snapshot, width columns: Int) {
        let width = max(1, columns - 1)
        let bytes = "\(ByteCount.format(now.sent))/\(ByteCount.format(now.total))"
        let images = "\(now.imagesDone)/\(now.images) img"
        let rate = ByteCount.rate(now.sent, seconds: now.seconds)
        let eta = "ETA " + (now.secondsLeft.map(Self.clock) ?? "-")
        // Most important first: what is dropped last.
        var parts = [bytes, eta, images, rate]
        func joined(_ parts: [String]) -> String { parts.joined(separator: "  ") }
        let fraction = now.total > 0 ? min(1, Double(now.sent) / Double(now.total)) : 1
        let all = joined(parts)
        let room = width - all.count - 3  // "[", "] "
        if room >= 10 {
            let cells = min(30, room)
            let filled = Int(fraction * Double(cells))
            text = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: cells - filled) + "] " + all
            return
        }
        while parts.count > 1 && joined(parts).count > width { parts.removeLast() }
        text = String(joined(parts).prefix(width))
    }

    /// `42 s`, `3:07`, `1:02:03`.
    package static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
