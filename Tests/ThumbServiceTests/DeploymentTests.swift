import Foundation
import TestSupport
import Testing

/// The deployment files: the CloudFormation stack deploys on moto's CloudFormation with the AWS CLI,
/// cfn-lint finds nothing, systemd accepts the unit, the shell scripts parse.
@Suite("Deployment", .serialized)
struct DeploymentTests {
    static let root = ProjectPaths.root
    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)", ProcessInfo.processInfo.environment["HOME"].map { "\($0)/.pyenv/shims/\(name)" } ?? ""]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("cfn-lint finds nothing in deploy/thumbd.yaml", .enabled(if: tool("cfn-lint") != nil))
    func cfnLint() throws {
        let result = try runProcess(Self.tool("cfn-lint")!, [Self.root.appendingPathComponent("deploy/thumbd.yaml").path])
        #expect(result.status == 0, "\(result.output)\(result.stderr)")
    }

    @Test("systemd-analyze verify accepts the unit", .enabled(if: tool("systemd-analyze") != nil && Binaries.available))
    func systemdUnit() throws {
        // The unit names /opt/thumbd/bin/thumbd; verify a copy that points at the binary just built.
        let unit = try String(contentsOf: Self.root.appendingPathComponent("config/thumbd.service"), encoding: .utf8)
            .replacingOccurrences(of: "/opt/thumbd/bin/thumbd", with: Binaries.folder.appendingPathComponent("thumbd").path)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("thumbd.service").path
        try unit.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runProcess(Self.tool("systemd-analyze")!, ["verify", path])
        #expect(result.status == 0 && result.stderr.isEmpty && result.output.isEmpty, "\(result.stderr)\(result.output)")
        for setting in ["Type=notify", "EnvironmentFile=/etc/thumbd/thumbd.conf", "Restart=on-failure", "WatchdogSec=", "DynamicUser=yes",
                        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "MemoryMax=",
                        "StandardOutput=journal+console"] {
            #expect(unit.contains(setting), "\(setting)")
        }
    }

    @Test("the shell scripts parse", arguments: ["requirements-ec2.sh", "config/user-data.sh", "config/install.sh", "scripts/package.sh",
                                                 "scripts/test.sh", "scripts/demo.sh", "scripts/bench-resize.sh", "scripts/bench-service.sh",
                                                 "scripts/page-test.sh", "scripts/api-contract.sh", "scripts/lib/live_api.sh"])
    func shellSyntax(script: String) throws {
        let result = try runProcess("/bin/bash", ["-n", Self.root.appendingPathComponent(script).path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("requirements-ec2.sh refuses a system it does not know, clearly")
    func unknownSystem() throws {
        // Run it with an os-release of its own through a copy that reads it from elsewhere.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("os-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "ID=plan9\nVERSION_ID=4\nPRETTY_NAME=\"Plan 9\"\n".write(to: folder.appendingPathComponent("os-release"), atomically: true, encoding: .utf8)
        let script = try String(contentsOf: Self.root.appendingPathComponent("requirements-ec2.sh"), encoding: .utf8)
            .replacingOccurrences(of: "/etc/os-release", with: folder.appendingPathComponent("os-release").path)
        try script.write(to: folder.appendingPathComponent("r.sh"), atomically: true, encoding: .utf8)
        let result = try runProcess("/bin/bash", [folder.appendingPathComponent("r.sh").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("Plan 9 is not supported"))
    }

    @Test("the stack deploys on moto's CloudFormation: queue with its DLQ and redrive, buckets, role",
          .enabled(if: tool("aws") != nil && ProcessInfo.processInfo.environment["THUMBD_TEST_MOTO_OPEN"] != nil))
    func deployOnMoto() throws {
        let endpoint = ProcessInfo.processInfo.environment["THUMBD_TEST_MOTO_OPEN"]!
        var env = ProcessInfo.processInfo.environment
        env["AWS_ACCESS_KEY_ID"] = "deploy-test"
        env["AWS_SECRET_ACCESS_KEY"] = "deploy-test-secret"
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        let id = UUID().uuidString.prefix(6).lowercased()
        func aws(_ arguments: [String]) throws -> String {
            let result = try runProcess(Self.tool("aws")!, ["--endpoint-url", endpoint, "--output", "json"] + arguments, environment: env)
            guard result.status == 0 else { throw CommandFailure(description: "aws \(arguments.joined(separator: " ")): \(result.stderr)") }
            return result.output
        }
        func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
        // moto resolves an SSM-typed parameter's default before the value given, and has no Canonical
        // (Ubuntu) paths: deploy a copy whose default is an AMI parameter moto carries.
        let template = try String(contentsOf: Self.root.appendingPathComponent("deploy/thumbd.yaml"), encoding: .utf8)
            .replacingOccurrences(
                of: "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
                with: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(id).yaml")
        try template.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let subnets = json(try aws(["ec2", "describe-subnets"])) as? [String: Any]
        let subnet = try #require(((subnets?["Subnets"] as? [[String: Any]])?.first?["SubnetId"]) as? String)
        _ = try aws([
            "cloudformation", "create-stack", "--stack-name", "thumbd-\(id)", "--template-body", "file://\(file.path)",
            "--capabilities", "CAPABILITY_IAM", "--parameters",
            "ParameterKey=QueueName,ParameterValue=jobs-\(id)", "ParameterKey=OutputBucketName,ParameterValue=out-\(id)",
            "ParameterKey=CodeBucketName,ParameterValue=code-\(id)", "ParameterKey=SourceObjectArns,ParameterValue=arn:aws:s3:::photos-\(id)/*",
            "ParameterKey=SubnetIds,ParameterValue=\(subnet)", "ParameterKey=WatchedBuckets,ParameterValue=watched-\(id)\\,other-\(id)",
        ])
        let stacks = json(try aws(["cloudformation", "describe-stacks", "--stack-name", "thumbd-\(id)"])) as? [String: Any]
        let stack = try #require((stacks?["Stacks"] as? [[String: Any]])?.first)
        #expect(stack["StackStatus"] as? String == "CREATE_COMPLETE")
        let outputs = Dictionary(uniqueKeysWithValues: ((stack["Outputs"] as? [[String: Any]]) ?? []).compactMap { output -> (String, String)? in
            guard let key = output["OutputKey"] as? String, let value = output["OutputValue"] as? String else { return nil }
            return (key, value)
        })
        #expect(outputs["OutputBucket"] == "out-\(id)" && outputs["CodeBucket"] == "code-\(id)")

        let queueURL = "\(endpoint)/123456789012/jobs-\(id)"
        let attributes = (json(try aws(["sqs", "get-queue-attributes", "--queue-url", queueURL, "--attribute-names", "All"])) as? [String: Any])?["Attributes"] as? [String: String]
        #expect(attributes?["VisibilityTimeout"] == "60")
        #expect(attributes?["ReceiveMessageWaitTimeSeconds"] == "20")
        let redrive = json(attributes?["RedrivePolicy"] ?? "") as? [String: Any]
        #expect((redrive?["deadLetterTargetArn"] as? String)?.hasSuffix(":jobs-\(id)-dlq") == true)
        #expect("\(redrive?["maxReceiveCount"] ?? "")" == "5")
        for suffix in ["-high", "-low"] {
            let priority = (json(try aws(["sqs", "get-queue-attributes", "--queue-url", queueURL + suffix, "--attribute-names", "All"])) as? [String: Any])?["Attributes"] as? [String: String]
            let sharedDLQ = json(priority?["RedrivePolicy"] ?? "") as? [String: Any]
            #expect((sharedDLQ?["deadLetterTargetArn"] as? String)?.hasSuffix(":jobs-\(id)-dlq") == true, "\(suffix) shares the DLQ")
            #expect(priority?["VisibilityTimeout"] == "60")
        }
        let dlq = (json(try aws(["sqs", "get-queue-attributes", "--queue-url", queueURL + "-dlq", "--attribute-names", "MessageRetentionPeriod"])) as? [String: Any])?["Attributes"] as? [String: String]
        #expect(dlq?["MessageRetentionPeriod"] == "1209600")
        _ = try aws(["s3api", "head-bucket", "--bucket", "out-\(id)"])
        _ = try aws(["s3api", "head-bucket", "--bucket", "code-\(id)"])

        let roleName = try #require(outputs["InstanceRoleArn"]?.split(separator: "/").last.map(String.init))
        let policy = try aws(["iam", "get-role-policy", "--role-name", roleName, "--policy-name", "thumbd"])
        for action in ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:SendMessage", "s3:GetObject", "s3:PutObject", "s3:PutObjectAcl"] {
            #expect(policy.contains(action), "\(action)")
        }
        #expect(!policy.contains("\"*\""), "no wildcard resource")
        #expect(policy.contains(":jobs-\(id)-high") && policy.contains(":jobs-\(id)-low"), "the worker may take from the priority queues")
        #expect(policy.contains("arn:aws:s3:::photos-\(id)/*"))
        #expect(policy.contains("s3:DeleteObject"), "removals delete thumbnails")
        // Each watched bucket's objects may be read. (moto's CloudFormation has no AWS::SQS::QueuePolicy:
        // the queue's statement is checked by cfn-lint only.)
        #expect(policy.contains("arn:aws:s3:::watched-\(id)/*") && policy.contains("arn:aws:s3:::other-\(id)/*"), "\(policy)")
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}
