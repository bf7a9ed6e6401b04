import FerryOCI
import FerrySync
import Foundation
import Synchronization

/// Shows push and sync events: on a terminal, a bar that fits its width; otherwise a plain
/// progress line every `plainInterval`; JSON lines with `--output json`.
final class PushRenderer: Sendable {
    struct State {
        var totalBytes: Int64 = 0
        var sentBytes: Int64 = 0
        var totalImages = 0
        var imagesDone = 0
        var lastDraw = ContinuousClock.now - .seconds(1)
        var barShown = false
        var ticker: Task<Void, Never>?
    }

    private let console: Console
    private let options: OutputOptions
    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let drawsBar: Bool
    private let printsPlainProgress: Bool
    /// How often the plain progress line is printed when not on a terminal (`FERRY_PROGRESS_INTERVAL`, seconds).
    let plainInterval: Duration

    init(console: Console, options: OutputOptions) {
        self.console = console
        self.options = options
        let shows = options.output == .text && !options.quiet && !options.noProgress
        drawsBar = shows && console.errIsTerminal
        printsPlainProgress = shows && !console.errIsTerminal
        let seconds = console.environment["FERRY_PROGRESS_INTERVAL"].flatMap(Double.init) ?? 10
        plainInterval = .milliseconds(Int(max(0.1, seconds) * 1000))
    }

    /// Sets the totals (also learnt from a `probed` event) and starts the plain progress lines.
    func begin(totalBytes: Int64, images: Int) {
        state.withLock {
            $0.totalBytes = totalBytes
            $0.totalImages = images
        }
        guard printsPlainProgress || drawsBar, state.withLock({ $0.ticker == nil }) else { return }
        // On a terminal the bar is redrawn twice a second even when no byte moves (a retry's
        // wait), so the ETA stays honest and a resized window is followed.
        let interval = drawsBar ? Duration.milliseconds(500) : plainInterval
        let ticker = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                if drawsBar { drawBar() } else { console.err(progressLine()) }
            }
        }
        state.withLock { $0.ticker = ticker }
    }

    var sink: SyncEventSink {
        { [self] event in handle(event) }
    }

    func handle(_ event: SyncEvent) {
        if options.output == .json {
            if let line = event.jsonLine { console.out(line) }
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
        case .probed(let summary):
            begin(totalBytes: summary.bytesToSend, images: summary.images)
        case .blobFinished(let digest, let size, let repository, let outcome):
            if options.verbose { line("  blob \(digest.short) \(outcome.rawValue) in \(repository) (\(ByteCount.format(size)))") }
        case .syncPlanned(let plan):
            if !options.quiet && !plan.charts.isEmpty {
                for note in plan.push.images.compactMap(\.platformNote) { line("note: \(note)") }
            }
        case .blobStarted, .chartRelocated, .chartPublished, .chartFailed:
            break  // the sync command reports charts itself, after its images
        case .blobFailed(let digest, let repository, let message, _):
            line("failed: blob \(digest.short) → \(repository): \(message)", always: true)
        case .blobRetrying(let digest, let repository, let attempt, let wait, let message):
            line(String(format: "retrying blob %@ → %@ (attempt %d, in %.1f s): %@", digest.short, repository, attempt, wait, message))
        case .imageFinished(let reference, let digest, let outcome):
            state.withLock { $0.imagesDone += 1 }
            if case .moved(let previous) = outcome {
                line("moved \(reference): \(previous) → \(digest)")
            } else {
                line("\(outcome.name) \(reference)@\(digest)")
            }
            if printsPlainProgress && options.verbose { console.err(progressLine()) }
        case .imageFailed(let reference, let message, _):
            state.withLock { $0.imagesDone += 1 }
            line("failed: \(reference): \(message)", always: true)
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
        console.errRaw("\r\u{1B}[2K" + ProgressBar(snapshot(), width: console.terminalColumns()).text)
        state.withLock { $0.barShown = true }
    }

    /// The plain line for logs: `progress: 512.0 MiB of 1.0 GiB, 3 of 8 images, 95.2 MB/s, about 5 s left`.
    func progressLine() -> String {
        let now = snapshot()
        var parts = ["\(ByteCount.format(now.sent)) of \(ByteCount.format(now.total))", "\(now.imagesDone) of \(now.images) images",
                     ByteCount.rate(now.sent, seconds: now.seconds)]
        if let left = now.secondsLeft { parts.append("about \(ProgressBar.clock(left)) left") }
        return "progress: " + parts.joined(separator: ", ")
    }

    func snapshot() -> ProgressBar.Snapshot {
        let elapsed = ContinuousClock.now - started
        return state.withLock {
            // A retried upload sends some bytes twice; the count shown never passes the total.
            ProgressBar.Snapshot(sent: $0.totalBytes > 0 ? min($0.sentBytes, $0.totalBytes) : $0.sentBytes, total: $0.totalBytes, imagesDone: $0.imagesDone, images: $0.totalImages,
                                 seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    /// Stops the plain lines and ends the bar line, so the summary starts on a fresh line.
    func end() {
        state.withLock { $0.ticker?.cancel() }
        if drawsBar && state.withLock({ $0.barShown }) {
            drawBar()
            console.errRaw("\n")
        }
    }

    var bytesSent: Int64 { state.withLock { $0.sentBytes } }
}
