import Foundation

/// Caches what another provider returns and refreshes it ahead of its `expiration`, the way the AWS
/// SDKs do (botocore's `RefreshableCredentials`: an advisory and a mandatory refresh window):
///
/// - More than `refreshAhead` left: the cached credentials, no refresh.
/// - Less than `refreshAhead` but more than `mandatoryAhead` left: one refresh starts in the
///   background and every caller meanwhile gets the cached credentials, which still work; nobody waits.
/// - Less than `mandatoryAhead` left, expired, or nothing cached yet: callers wait for the one shared
///   refresh.
///
/// A refresh that fails falls back, for every caller waiting on it, to the cached credentials while
/// they have not expired; only when they have does the error reach the callers. After a failure the
/// next refresh waits `retryAfterFailure` (so an unreachable metadata service is not asked on every
/// request); expired credentials are never served.
public actor CachingCredentialProvider: CredentialProvider {
    public nonisolated let name: String
    private let source: any CredentialProvider
    private let refreshAhead: TimeInterval
    private let mandatoryAhead: TimeInterval
    private let retryAfterFailure: TimeInterval
    private let now: @Sendable () -> Date

    /// nil: nothing fetched yet; `.some(nil)`: the source had none.
    private var cached: Credentials??
    private var refresh: Task<Credentials?, any Error>?
    private var lastFailure: Date?

    /// - Parameters:
    ///   - refreshAhead: seconds before expiry a background refresh starts (the SDKs use 5 to 15 minutes).
    ///   - mandatoryAhead: seconds before expiry callers wait for the refresh instead (botocore: 10 minutes
    ///     for its 15; here a minute: a signed request is good for 5 minutes of clock skew).
    ///   - retryAfterFailure: seconds between failed background refreshes.
    ///   - now: the clock (tests move it).
    public init(
        _ source: any CredentialProvider, refreshAhead: TimeInterval = 300, mandatoryAhead: TimeInterval = 60,
        retryAfterFailure: TimeInterval = 10, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.source = source
        self.name = source.name
        self.refreshAhead = refreshAhead
        self.mandatoryAhead = min(mandatoryAhead, refreshAhead)
        self.retryAfterFailure = retryAfterFailure
        self.now = now
    }

    /// - Throws: the source's error, when no unexpired credentials are cached to fall back on.
    public func credentials() async throws -> Credentials? {
        guard let current = cached else { return try await waitForRefresh() }
        guard let expiration = current?.expiration else { return current }  // none, or no expiry: never refreshed
        let left = expiration.timeIntervalSince(now())
        if left > refreshAhead { return current }
        let failedRecently = lastFailure.map { now().timeIntervalSince($0) < retryAfterFailure } ?? false
        // The advisory window, or a refresh that just failed while these still work: serve them, and
        // refresh in the background unless a refresh runs or failed too recently.
        if left > mandatoryAhead || (failedRecently && left > 0) {
            if refresh == nil && !failedRecently { _ = startRefresh() }
            return current
        }
        return try await waitForRefresh()
    }

    /// Joins the refresh in progress (or starts one) and falls back on still-valid credentials.
    private func waitForRefresh() async throws -> Credentials? {
        let task = refresh ?? startRefresh()
        do {
            return try await task.value
        } catch {
            if let current = cached ?? nil, let expiration = current.expiration, expiration > now() { return current }
            throw error
        }
    }

    private func startRefresh() -> Task<Credentials?, any Error> {
        let source = self.source
        let task = Task { () async throws -> Credentials? in
            do {
                let fresh = try await source.credentials()
                self.finished(with: fresh)
                return fresh
            } catch {
                self.failed()
                throw error
            }
        }
        refresh = task
        return task
    }

    private func finished(with fresh: Credentials?) {
        cached = .some(fresh)
        refresh = nil
        lastFailure = nil
    }

    private func failed() {
        refresh = nil
        lastFailure = now()
        if let expiration = (cached ?? nil)?.expiration, expiration <= now() { cached = nil }
    }
}
