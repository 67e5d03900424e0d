import Foundation
import Testing

@testable import AWSKit

/// Error bodies as the services send them (shapes from the AWS API references).
@Suite("Error bodies")
struct ErrorParsingTests {
    @Test("SQS JSON errors, and the query-protocol XML some front ends still send")
    func sqsErrors() {
        let json = HTTPResponse(
            status: 400, headers: ["x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"],
            body: Data(#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}"#.utf8))
        #expect(SQSErrorParser.parse(json)?.code == "QueueDoesNotExist")
        #expect(SQSErrorParser.parse(json)?.message == "The specified queue does not exist.")

        let xml = HTTPResponse(
            status: 403,
            body: Data(
                """
                <?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type>\
                <Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>\
                </Error><RequestId>3b3d6c55-3b1c-5d3b-8f38-3b0d5e1a2a11</RequestId></ErrorResponse>
                """.utf8))
        #expect(SQSErrorParser.parse(xml)?.code == "InvalidClientTokenId")
        let headerOnly = HTTPResponse(status: 400, headers: ["x-amzn-query-error": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender"])
        #expect(SQSErrorParser.parse(headerOnly)?.code == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
        #expect(SQSErrorParser.parse(HTTPResponse(status: 502, body: Data("<html>Bad Gateway</html>".utf8))) == nil)
    }

    @Test("S3 XML errors, with the bucket's region when it is elsewhere")
    func s3Errors() {
        let noSuchKey = HTTPResponse(
            status: 404,
            body: Data(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a b.jpg</Key>\
                <RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>
                """.utf8))
        #expect(S3ErrorParser.parse(noSuchKey)?.code == "NoSuchKey")
        let slowDown = HTTPResponse(
            status: 503, body: Data("<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>".utf8))
        let parsed = S3ErrorParser.parse(slowDown)
        #expect(parsed?.code == "SlowDown")
        let error = AWSServiceError(service: "S3", operation: "PutObject", status: 503, code: "SlowDown", message: "", requestId: nil)
        #expect(error.isRetryable && error.isThrottling)
        let redirect = HTTPResponse(
            status: 301, headers: ["x-amz-bucket-region": "eu-west-1"],
            body: Data("<Error><Code>PermanentRedirect</Code><Message>Use the right endpoint.</Message></Error>".utf8))
        #expect(S3ErrorParser.parse(redirect)?.message.contains("eu-west-1") == true)
        let acl = AWSServiceError(
            service: "S3", operation: "PutObject", status: 400, code: "AccessControlListNotSupported",
            message: "The bucket does not allow ACLs", requestId: "R1", resource: "s3://out/k.jpg")
        #expect(!acl.isRetryable)
        #expect(acl.description == "S3 PutObject s3://out/k.jpg: AccessControlListNotSupported: The bucket does not allow ACLs (HTTP 400, request id R1)")
    }

    @Test("XML escaping and parsing round-trip awkward keys")
    func xmlRoundTrip() throws {
        let key = "a&b<c>\"d'e\nü"
        let root = try #require(XMLTree.parse(Data("<K>\(xmlEscape(key))</K>".utf8)))
        #expect(root.text == key)
        #expect(XMLTree.parse(Data("<unclosed>".utf8)) == nil)
        // Found by scripts/fuzz.sh: invalid UTF-8 in a name crashed Foundation's XMLParser.
        let crash: [UInt8] = [0x3C, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F] + Array(#"xm| version<?xm} "#.utf8) + [0x8C]
            + Array(#"ersion=="1.0"?><Erro"#.utf8)
        #expect(XMLTree.parse(Data(crash)) == nil)
        #expect(S3ErrorParser.parse(HTTPResponse(status: 500, body: Data(crash))) == nil)
        // And a malformed processing instruction that made Foundation's XMLParser call strlen(NULL).
        let second = Data(#"<?x?><ESubst{"__ringrrormmza</Cole><Message>m</Mtyespe""#.utf8)
        #expect(XMLTree.parse(second) == nil)
        // What the parser does accept: entities, character references, CDATA, comments, attributes.
        let good = Data(#"<?xml version="1.0"?><!-- c --><a x='1' y="&lt;2&gt;"><b>&amp;&#65;&#x42;</b><c><![CDATA[<raw>]]></c><d/></a>"#.utf8)
        let tree = try #require(XMLTree.parse(good))
        #expect(tree.attributes == ["x": "1", "y": "<2>"])
        #expect(tree["b"] == "&AB" && tree["c"] == "<raw>" && tree.child("d") != nil)
        #expect(XMLTree.parse(Data(#"<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#.utf8)) == nil, "no DOCTYPE, no entity expansion")
        #expect(XMLTree.parse(Data("<a></b>".utf8)) == nil)
        #expect(XMLTree.parse(Data("<a/><b/>".utf8)) == nil)
        #expect(XMLTree.parse(Data((String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)).utf8)) == nil)
    }
}

@Suite("Endpoints and addressing")
struct EndpointTests {
    @Test("AWS by default; the flag, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL")
    func resolution() throws {
        #expect(try EndpointResolver.endpoint(service: "SQS", region: "eu-west-1", environment: [:]).endpoint.description == "https://sqs.eu-west-1.amazonaws.com")
        #expect(try EndpointResolver.endpoint(service: "S3", region: "cn-north-1", environment: [:]).endpoint.host == "s3.cn-north-1.amazonaws.com.cn")
        let env = ["AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SQS": "http://localhost:9324/"]
        #expect(try EndpointResolver.endpoint(service: "SQS", region: "us-east-1", environment: env).endpoint.description == "http://localhost:9324")
        let s3 = try EndpointResolver.endpoint(service: "S3", region: "us-east-1", environment: env)
        #expect(s3.endpoint.description == "http://127.0.0.1:4566" && s3.isCustom)
        #expect(try EndpointResolver.endpoint(service: "S3", region: "us-east-1", override: "https://minio.local:9000", environment: env).endpoint.port == 9000)
        #expect(throws: EndpointResolver.EndpointError.self) {
            _ = try EndpointResolver.endpoint(service: "S3", region: "us-east-1", environment: ["AWS_ENDPOINT_URL": "ftp://x"])
        }
    }

    @Test("virtual-hosted style when the name is DNS-safe, path style otherwise")
    func addressing() {
        let aws = S3Addressing(endpoint: Endpoint(host: "s3.us-east-1.amazonaws.com"), forcePathStyle: false)
        let virtual = aws.locate(bucket: "my-bucket", key: "a b/c.jpg")
        #expect(virtual.endpoint.host == "my-bucket.s3.us-east-1.amazonaws.com")
        #expect(virtual.path == "/a%20b/c.jpg")
        #expect(aws.locate(bucket: "my.dotted.bucket", key: "k").path == "/my.dotted.bucket/k", "dots break the TLS wildcard")
        #expect(aws.locate(bucket: "Upper_Case", key: nil).path == "/Upper_Case")
        #expect(aws.locate(bucket: "192.168.1.1", key: "k").endpoint.host == "s3.us-east-1.amazonaws.com")
        let custom = S3Addressing(endpoint: Endpoint(url: "http://127.0.0.1:5000/prefix")!, forcePathStyle: true)
        #expect(custom.locate(bucket: "b", key: "x+y").path == "/prefix/b/x%2By")
        #expect(Endpoint(url: "http://[::1]:8080")?.hostHeader == "[::1]:8080")
        #expect(Endpoint(url: "https://s3.amazonaws.com:443")?.hostHeader == "s3.amazonaws.com")
    }

    @Test("canonical forms: dot segments, query sorting, header folding")
    func canonicalForms() {
        #expect(SigV4Signer.removeDotSegments("/a/./b/../../c//d/") == "/c/d/")
        #expect(SigV4Signer.removeDotSegments("/..") == "/")
        #expect(SigV4Signer.canonicalQuery("b=2&a=&a=1&c") == "a=&a=1&b=2&c=")
        #expect(SigV4Signer.canonicalQuery("k=%7e&sp=a+b&u=%c3%bc") == "k=~&sp=a%2Bb&u=%C3%BC")
        var headers = HTTPHeaders()
        headers.add(name: "X-B", value: "  two   words ")
        headers.add(name: "x-a", value: "1")
        headers.add(name: "X-A", value: "\t2 ")
        headers.add(name: "User-Agent", value: "unsigned")
        let canonical = SigV4Signer.canonicalHeaders(headers)
        #expect(canonical.block == "x-a:1,2\nx-b:two words\n")
        #expect(canonical.names == "x-a;x-b")
    }
}
