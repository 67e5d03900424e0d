/// The region, as the SDKs find it: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, then
/// the instance metadata service (`/latest/meta-data/placement/region`).
public enum RegionResolver {
    public static func resolve(
        environment: [String: String], files: SharedConfigFiles, metadata: InstanceMetadataClient?
    ) async -> String? {
        if let region = environment["AWS_REGION"].flatMap(nonEmpty) { return region }
        if let region = environment["AWS_DEFAULT_REGION"].flatMap(nonEmpty) { return region }
        if let region = files.settings["region"].flatMap(nonEmpty) { return region }
        if let metadata, !metadata.isDisabled, let region = try? await metadata.get("/latest/meta-data/placement/region") {
            return nonEmpty(region)
        }
        return nil
    }
}
