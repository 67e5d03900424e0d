import Foundation

/// An object's metadata as HeadObject and GetObject report it.
public struct S3ObjectInfo: Sendable {
    /// The bytes in this response.
    public var contentLength: Int
    /// The whole object's length: `contentLength`, or after a ranged GET the total its `Content-Range` gives.
    public var totalLength: Int
    public var contentType: String?
    public var eTag: String?
    public var cacheControl: String?
    public var lastModified: String?
    /// `x-amz-meta-*` headers, names without the prefix, lower-cased.
    public var metadata: [String: String]

    init(headers: HTTPHeaders) {
        contentLength = headers["Content-Length"].flatMap { Int($0) } ?? 0
        // `bytes 0-99/1234` on a ranged GET (RFC 9110 section 14.4): the whole object's length.
        totalLength = headers["Content-Range"].flatMap { $0.split(separator: "/").last.flatMap { Int($0) } } ?? contentLength
        contentType = headers["Content-Type"]
        eTag = headers["ETag"]
        cacheControl = headers["Cache-Control"]
        lastModified = headers["Last-Modified"]
        var metadata: [String: String] = [:]
        for field in headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(field.name.lowercased().dropFirst("x-amz-meta-".count))] = field.value
        }
        self.metadata = metadata
    }
}

/// An object's bytes with its metadata.
public struct S3Object: Sendable {
    public var body: Data
    public var info: S3ObjectInfo
}

/// The canned ACLs S3 takes in `x-amz-acl`.
public enum S3CannedACL: String, Sendable, CaseIterable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
    case authenticatedRead = "authenticated-read"
    case bucketOwnerRead = "bucket-owner-read"
    case bucketOwnerFullControl = "bucket-owner-full-control"
}

/// What to send with PutObject beyond the bytes.
public struct PutObjectOptions: Sendable {
    public var contentType: String?
    public var acl: S3CannedACL?
    public var cacheControl: String?
    /// Sent as `x-amz-meta-<name>`.
    public var metadata: [String: String]

    public init(contentType: String? = nil, acl: S3CannedACL? = nil, cacheControl: String? = nil, metadata: [String: String] = [:]) {
        self.contentType = contentType
        self.acl = acl
        self.cacheControl = cacheControl
        self.metadata = metadata
    }

    /// The request headers these options send (Content-Type apart).
    var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        if let acl { headers.add(name: "x-amz-acl", value: acl.rawValue) }
        if let cacheControl { headers.add(name: "Cache-Control", value: cacheControl) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { headers.add(name: "x-amz-meta-\(name)", value: value) }
        return headers
    }
}

/// One entry of ListObjectsV2.
public struct S3ListedObject: Sendable {
    public var key: String
    public var size: Int
    public var eTag: String?
    public var lastModified: String?
}

/// One page of ListObjectsV2.
public struct S3ListPage: Sendable {
    public var objects: [S3ListedObject]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// Pass back as `continuationToken` for the next page.
    public var nextContinuationToken: String?
}

/// One grant of an object or bucket ACL.
public struct S3Grant: Sendable, Equatable {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    public var granteeType: String
    /// The group URI (`http://acs.amazonaws.com/groups/global/AllUsers`) or the user's id.
    public var grantee: String
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`.
    public var permission: String

    public static let allUsersURI = "http://acs.amazonaws.com/groups/global/AllUsers"

    /// Whether this grant lets anyone read the object.
    public var isPublicRead: Bool {
        granteeType == "Group" && grantee == Self.allUsersURI && (permission == "READ" || permission == "FULL_CONTROL")
    }
}

/// The outcome of DeleteObjects: keys deleted and keys refused with their codes.
public struct S3DeleteResult: Sendable {
    public var deleted: [String]
    public var errors: [(key: String, code: String, message: String)]
}

/// Who owns new objects, which decides whether ACLs apply (PutBucketOwnershipControls).
public enum S3ObjectOwnership: String, Sendable {
    /// ACLs are disabled: a `public-read` upload fails with `AccessControlListNotSupported`.
    case bucketOwnerEnforced = "BucketOwnerEnforced"
    case bucketOwnerPreferred = "BucketOwnerPreferred"
    case objectWriter = "ObjectWriter"
}

/// The four switches of a public access block.
public struct S3PublicAccessBlock: Sendable {
    public var blockPublicAcls: Bool
    public var ignorePublicAcls: Bool
    public var blockPublicPolicy: Bool
    public var restrictPublicBuckets: Bool

    public init(blockPublicAcls: Bool, ignorePublicAcls: Bool, blockPublicPolicy: Bool, restrictPublicBuckets: Bool) {
        self.blockPublicAcls = blockPublicAcls
        self.ignorePublicAcls = ignorePublicAcls
        self.blockPublicPolicy = blockPublicPolicy
        self.restrictPublicBuckets = restrictPublicBuckets
    }

    /// Everything on: nothing in the bucket can be made public (the upload bucket of originals).
    public static let blockAll = S3PublicAccessBlock(
        blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true)

    /// Everything off: public ACLs and policies are allowed (needed for public-read thumbnails).
    public static let allowPublic = S3PublicAccessBlock(
        blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false)
}
