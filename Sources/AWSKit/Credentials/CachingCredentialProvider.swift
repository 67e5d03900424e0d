import Foundation

/// Caches what another provider returns and fetches anew ahead of `expiration`, with one shared
/// refresh: concurrent callers during a refresh all await the same task. Should a refresh fail while the
/// cached credentials still work, those are used until they really expire.
public actor CachingCredentialProvider: CredentialProvider {
    private enum State {
        case empty
        case cached(Credentials?)
        case refreshing(Task<Credentials?, any Error>, previous: Credentials?)
    }

    public nonisolated let name: String
    private let source: any CredentialProvider
    private let refreshAhead: TimeInterval
    private let now: @Sendable () -> Date
    private var state = State.empty

    /// - Parameter refreshAhead: how long before expiry a refresh starts (the SDKs use 5 to 15 minutes).
    public init(
        _ source: any CredentialProvider, refreshAhead: TimeInterval = 300, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.source = source
        self.name = source.name
        self.refreshAhead = refreshAhead
        self.now = now
    }

    public func credentials() async throws -> Credentials? {
        switch state {
        case .cached(let credentials) where !needsRefresh(credentials):
            return credentials
        case .refreshing(let task, _):
            return try await task.value
        case .cached(let credentials):
            return try await refresh(previous: credentials)
        case .empty:
            return try await refresh(previous: nil)
        }
    }

    private func needsRefresh(_ credentials: Credentials?) -> Bool {
        guard let expiration = credentials?.expiration else { return false }
        return expiration.timeIntervalSince(now()) < refreshAhead
    }

    private func refresh(previous: Credentials?) async throws -> Credentials? {
        let source = self.source
        let task = Task { try await source.credentials() }
        state = .refreshing(task, previous: previous)
        do {
            let fresh = try await task.value
            state = .cached(fresh)
            return fresh
        } catch {
            if let previous, let expiration = previous.expiration, expiration > now() {
                state = .cached(previous)
                return previous
            }
            state = previous.map { .cached($0) } ?? .empty
            throw error
        }
    }
}
