#if canImport(Glibc)
import Glibc
#endif
import CSpawn
import Foundation

/// Starts a program with posix_spawn and waits for it with waitpid. Foundation's Process can
/// hang in waitUntilExit when several children end at once; a runtime loading several nodes in
/// parallel must not.
package enum ChildProcess {
    private static let spawnLock = NSLock()

    package struct Output: Sendable {
        package var status: Int32
        package var stdout: String
        package var stderr: String
    }

    /// The program `name` as the shell would find it: a path as given, or the first executable
    /// on `PATH` (the sbin directories too, where runtimes often live).
    package static func find(_ name: String, environment: [String: String]) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        let dirs: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for dir in dirs {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs `executable` (a path) with `arguments`; `stdin` writes its input, or it gets none.
    /// Blocks until the program ends.
    /// `started` learns the child's pid (so a caller with a deadline can kill it).
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                           stdin: ((any ByteSink) throws -> Void)? = nil, started: (pid_t) -> Void = { _ in }) throws -> Output {
        signal(SIGPIPE, SIG_IGN)
        let child = try spawn(executable, arguments, environment: environment)
        started(child.pid)
        let readers = Readers(out: child.stdout, err: child.stderr)
        readers.start()
        var writeError: (any Error)?
        if let stdin {
            do { try stdin(DescriptorSink(descriptor: child.stdin)) } catch { writeError = error }
        }
        close(child.stdin)
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        let (out, err) = readers.finish()
        if let writeError, !(writeError is DescriptorSink.BrokenPipe) { throw writeError }
        // WIFEXITED / WEXITSTATUS, spelled out (they are macros).
        let exited = (status & 0x7f) == 0
        return Output(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stdout: out, stderr: err)
    }

    /// Starts the child with three pipes; returns its pid and this side's ends of them.
    private static func spawn(_ executable: String, _ arguments: [String],
                              environment: [String: String]) throws -> (pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32) {
        // Pipes are made close-on-exec under a lock shared by every spawn, so a child started on
        // another thread at the same moment never inherits (and holds open) this child's pipes.
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else {
                let failure = errno
                pipes.joined().forEach { close($0) }
                throw CoreError(.process, "cannot create pipes: \(String(cString: strerror(failure)))", cause: SystemError(failure))
            }
            for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            pipes.append(ends)
        }
        let (inPipe, outPipe, errPipe) = (pipes[0], pipes[1], pipes[2])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Nothing else this process has open (files being written, other children's pipes) leaks
        // into the child: a script still open for writing elsewhere could not be executed.
        ferry_spawn_file_actions_closefrom(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        // ETXTBSY: the program was just written and a child started elsewhere (outside this lock)
        // briefly holds it open for writing. It clears within milliseconds.
        for _ in 0..<250 where spawned == ETXTBSY {
            usleep(20_000)
            spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        }
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard spawned == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw CoreError(.process, "cannot start \(executable): \(String(cString: strerror(spawned)))", cause: SystemError(spawned))
        }
        return (pid, inPipe[1], outPipe[0], errPipe[0])
    }
}

/// Drains a child's stdout and stderr on two threads, so neither pipe can fill up and stall it.
private final class Readers: @unchecked Sendable {
    // Each buffer is written by its own thread only and read after both threads are joined.
    private var out = Data()
    private var err = Data()
    private let outFD: Int32
    private let errFD: Int32
    private let group = DispatchGroup()

    init(out: Int32, err: Int32) {
        outFD = out
        errFD = err
    }

    func start() {
        group.enter()
        Thread.detachNewThread { [self] in out = Self.drain(outFD); group.leave() }
        group.enter()
        Thread.detachNewThread { [self] in err = Self.drain(errFD); group.leave() }
    }

    func finish() -> (String, String) {
        group.wait()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static func drain(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 { data.append(buffer, count: n); continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(fd)
        return data
    }
}
