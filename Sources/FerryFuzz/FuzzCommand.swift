// ferry-fuzz TARGET --seconds N --out DIR [--seed S] [--raw] | TARGET --run FILE: a deterministic mutation loop over one of
// Ferry's readers (see FuzzTarget). A trap kills the process and leaves DIR/current.bin, the input
// that did it; an input that runs longer than the watchdog allows is saved as a hang. Inputs that
// end in a new kind of error join the pool, so the loop reaches past the first checks.
import ArgumentParser
import FerryTestSupport
import Foundation
import Synchronization

/// Set when an input starts (uptime and process CPU, in nanoseconds), zero between inputs: what
/// the watchdog thread reads.
let lastStart = Atomic<Int64>(0)
let lastStartCPU = Atomic<Int64>(0)

@Sendable func cpuNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry-fuzz",
        abstract: "A deterministic mutation loop over one of Ferry's readers (scripts/fuzz runs it).")

    @Argument(help: ArgumentHelp("The reader: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "target"))
    var target: String

    @Option(help: "How long to run, in seconds.")
    var seconds: Double = 60

    @Option(help: "Where findings and the pool go.")
    var out = "fuzz-out"

    @Option(help: "The mutation seed: the same seed gives the same inputs.")
    var seed: UInt64 = 1

    @Flag(help: "Leave tar checksums as mutated (to compare reach).")
    var raw = false

    @Option(name: .customLong("run"), help: ArgumentHelp("Run one input once (to triage a finding) and print the outcome.", valueName: "file"))
    var runFile: String?

    func validate() throws {
        guard FuzzTarget(rawValue: target) != nil else {
            throw ValidationError("unknown target \(target); targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))")
        }
    }

    func run() throws {
        let target = FuzzTarget(rawValue: self.target)!
        if let file = runFile {
            try runOnce(target, file: file)
        } else {
            try loop(target)
        }
    }

    /// --run FILE: one input, once: prints the outcome and the time it took.
    func runOnce(_ target: FuzzTarget, file: String) throws {
        let input = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let scratch = NSTemporaryDirectory() + "ferry-fuzz-run-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let started = ContinuousClock.now
        do {
            try target.run(input, scratch: scratch)
            print("read without error in \(ContinuousClock.now - started)")
        } catch {
            print("refused in \(ContinuousClock.now - started): \(error)")
        }
    }

    func loop(_ target: FuzzTarget) throws {
        let out = self.out
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let scratch = out + "/scratch-\(target.rawValue)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let current = out + "/current-\(target.rawValue).bin"
        startWatchdog(target, out: out, current: current)

        var pool = try target.seeds()
        var mutator = FuzzMutator(seed: seed)
        var shapes = Set<String>()
        var executions = 0
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let base = pool[mutator.below(pool.count)]
            var input = mutator.mutate(base, pool: pool)
            // Nine times in ten, a tar's checksums are made right again; the tenth tests the check itself.
            if target.readsTar && !raw && mutator.below(10) != 0 { FuzzMutator.repairTarChecksums(&input) }
            _ = FileManager.default.createFile(atPath: current, contents: Data(input))
            lastStartCPU.store(cpuNanoseconds(), ordering: .relaxed)
            lastStart.store(Int64(DispatchTime.now().uptimeNanoseconds), ordering: .relaxed)
            var shape = "ok"
            do {
                try target.run(input, scratch: scratch)
            } catch {
                // The kind of error, without the numbers and names that vary: new kinds join the pool.
                // (The scratch path is left out: it is the same in every message and would hide the rest.)
                let text = "\(error)".replacingOccurrences(of: scratch + "/", with: "")
                shape = String("\(type(of: error)):\(text)".prefix(80).filter { !$0.isNumber })
            }
            lastStart.store(0, ordering: .relaxed)
            executions += 1
            if shapes.insert(shape).inserted && pool.count < 256 && input.count < 4 << 20 { pool.append(input) }
        }
        print("\(target.rawValue): \(executions) executions in \(Int(seconds)) s, \(shapes.count) distinct outcomes, no finding")
    }

    /// The watchdog: an input that uses more than 10 s of CPU is a hang (a loop), and so is one
    /// that runs longer than 120 s at all (blocked, say on a FIFO). CPU time rather than wall time
    /// for the first, so a busy machine or a disk stall is never mistaken for a hang.
    func startWatchdog(_ target: FuzzTarget, out: String, current: String) {
        let hangCPUSeconds = 10.0
        let hangWallSeconds = 120.0
        let watchdog = Thread {
            while true {
                Thread.sleep(forTimeInterval: 1)
                let started = lastStart.load(ordering: .relaxed)
                guard started > 0 else { continue }
                let wall = Double(DispatchTime.now().uptimeNanoseconds - UInt64(started)) / 1e9
                let cpu = Double(cpuNanoseconds() - lastStartCPU.load(ordering: .relaxed)) / 1e9
                if lastStart.load(ordering: .relaxed) == started, cpu > hangCPUSeconds || wall > hangWallSeconds {
                    let name = "\(out)/hang-\(target.rawValue)-\(started).bin"
                    try? FileManager.default.copyItem(atPath: current, toPath: name)
                    FileHandle.standardError.write(Data("HANG: an input ran \(Int(wall)) s (\(Int(cpu)) s of CPU); saved as \(name)\n".utf8))
                    Foundation.exit(3)
                }
            }
        }
        watchdog.start()
    }
}
