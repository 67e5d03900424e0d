import CHeif

/// libheif, which HEIC and AVIF input and AVIF output need, is loaded the first time one of them is
/// asked for (`cheif_load`), not when the process starts.
enum LibHEIF {
    /// Loads libheif if it is not yet; `nil` when it is there, else why it is not (the loader's words).
    static func loadFailure() -> String? {
        cheif_load() != 0 ? nil : String(cString: cheif_load_error())
    }
}
