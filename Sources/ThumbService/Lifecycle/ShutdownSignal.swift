import Foundation
import Synchronization

/// A one-way switch from "running" to "stopping", with callbacks for whoever must react at once
/// (the long poll is cancelled, sleeps end early). Triggered by SIGTERM/SIGINT or by idleness.
public final class ShutdownSignal: Sendable {
    private struct State {
        var reason: String?
        var handlers: [Int: @Sendable () -> Void] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var isTriggered: Bool { state.withLock { $0.reason != nil } }
    public var reason: String? { state.withLock { $0.reason } }

    public func trigger(reason: String) {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.handlers.removeAll() }
            return Array(state.handlers.values)
        }
        for handler in handlers { handler() }
    }

    /// Runs `handler` when the signal triggers (at once if it already has); returns a token to remove it.
    @discardableResult
    public func onTrigger(_ handler: @escaping @Sendable () -> Void) -> Int {
        let (token, runNow) = state.withLock { state -> (Int, Bool) in
            if state.reason != nil { return (-1, true) }
            state.nextToken += 1
            state.handlers[state.nextToken] = handler
            return (state.nextToken, false)
        }
        if runNow { handler() }
        return token
    }

    public func remove(_ token: Int) {
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }

    /// Sleeps for `seconds`, or less if the signal triggers first.
    public func sleep(seconds: Double) async {
        let task = Task { try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9)) }
        let token = onTrigger { task.cancel() }
        await task.value
        remove(token)
    }

    /// SIGTERM and SIGINT trigger the switch (systemd stops services with SIGTERM). Call first thing
    /// in `main`: a parent may have started us with those signals blocked (a thread's mask is
    /// inherited through exec), which would make them pending forever.
    public func installSignalHandlers() {
        Self.unblockTerminationSignals()
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in trigger(reason: number == SIGTERM ? "SIGTERM" : "SIGINT") }
            source.resume()
            Self.sources.append(source)
        }
    }

    /// Unblocks SIGTERM and SIGINT on the calling thread (and the threads it starts later): a parent
    /// may have started the process with them blocked (a thread's mask is inherited through exec,
    /// and a Swift test runner's threads block SIGTERM), which would leave them pending forever.
    public static func unblockTerminationSignals() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Keeps the signal sources alive; written once, at start-up, from the main thread.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
}
