import FerryOCI
import FerrySync
import Foundation
import Synchronization

/// Shows push events: a progress bar on a terminal, plain lines otherwise, JSON lines with --output json.
final class PushRenderer: Sendable {
    struct State {
        var totalBytes: Int64 = 0
        var sentBytes: Int64 = 0
        var totalImages = 0
        var imagesDone = 0
        var lastDraw = ContinuousClock.now - .seconds(1)
        var barShown = false
    }

    private let console: Console
    private let options: OutputOptions
    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let drawsBar: Bool

    init(console: Console, options: OutputOptions) {
        self.console = console
        self.options = options
        self.drawsBar = console.errIsTerminal && options.output == .text && !options.quiet
    }

    func begin(totalBytes: Int64, images: Int) {
        state.withLock {
            $0.totalBytes = totalBytes
            $0.totalImages = images
        }
    }

    var sink: PushEventSink {
        { [self] event in handle(event) }
    }

    func handle(_ event: PushEvent) {
        if options.output == .json {
            if case .bytesSent = event { return }
            console.out(JSONLines.encode(PushEventDocument(event)))
            return
        }
        switch event {
        case .bytesSent(let count):
            let redraw = state.withLock { state -> Bool in
                state.sentBytes += Int64(count)
                let now = ContinuousClock.now
                guard now - state.lastDraw > .milliseconds(100) else { return false }
                state.lastDraw = now
                return true
            }
            if redraw { drawBar() }
        case .blobFinished(let digest, let size, let repository, let outcome):
            if options.verbose { line("  blob \(digest.short) \(outcome.rawValue) in \(repository) (\(ByteCount.format(size)))") }
        case .blobStarted:
            break
        case .blobFailed(let digest, let repository, let message):
            line("failed: blob \(digest.short) → \(repository): \(message)", always: true)
        case .retrying(let what, let attempt, let message):
            if !options.quiet { line("retrying \(what) (attempt \(attempt + 1)): \(message)") }
        case .imageFinished(let reference, let digest, let outcome):
            state.withLock { $0.imagesDone += 1 }
            if !options.quiet {
                if case .moved(let previous) = outcome {
                    line("moved \(reference): \(previous) → \(digest)")
                } else {
                    line("\(outcome.name) \(reference)@\(digest)")
                }
            }
        case .imageFailed(let reference, let message):
            state.withLock { $0.imagesDone += 1 }
            line("failed: \(reference): \(message)", always: true)
        case .probed:
            break
        }
    }

    /// Prints a line, above the bar when one is shown.
    func line(_ text: String, always: Bool = false) {
        guard always || !options.quiet else { return }
        if drawsBar {
            console.errRaw("\r\u{1B}[2K" + text + "\n")
            drawBar()
        } else {
            console.err(text)
        }
    }

    func drawBar() {
        guard drawsBar else { return }
        let (sent, total, done, images) = state.withLock { ($0.sentBytes, $0.totalBytes, $0.imagesDone, $0.totalImages) }
        let fraction = total > 0 ? min(1, Double(sent) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        console.errRaw("\r\u{1B}[2K[\(bar)] \(ByteCount.format(sent)) / \(ByteCount.format(total))  images \(done)/\(images)  \(ByteCount.rate(sent, seconds: seconds))")
        state.withLock { $0.barShown = true }
    }

    /// Ends the bar line so the summary starts on a fresh line.
    func end() {
        if drawsBar && state.withLock({ $0.barShown }) {
            drawBar()
            console.errRaw("\n")
        }
    }

    var bytesSent: Int64 { state.withLock { $0.sentBytes } }
}
