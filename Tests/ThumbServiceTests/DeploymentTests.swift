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

    @Test("systemd-analyze verify accepts both units", .enabled(if: tool("systemd-analyze") != nil && Binaries.available),
          arguments: [("thumbd", true), ("thumbd-api", false)])
    func systemdUnit(binary: String, watchdog: Bool) throws {
        // The unit names /opt/thumbd/bin/<binary>; verify a copy that points at the binary just built.
        let unit = try String(contentsOf: Self.root.appendingPathComponent("config/\(binary).service"), encoding: .utf8)
            .replacingOccurrences(of: "/opt/thumbd/bin/\(binary) ", with: Binaries.folder.appendingPathComponent(binary).path + " ")
        #expect(unit.contains(Binaries.folder.appendingPathComponent(binary).path), "ExecStart names \(binary)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("\(binary).service").path
        try unit.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runProcess(Self.tool("systemd-analyze")!, ["verify", path])
        #expect(result.status == 0 && result.stderr.isEmpty && result.output.isEmpty, "\(result.stderr)\(result.output)")
        for setting in ["Type=notify", "EnvironmentFile=/etc/thumbd/thumbd.conf", "Restart=on-failure", "DynamicUser=yes",
                        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "MemoryMax=",
                        "StandardOutput=journal+console", "TimeoutStopSec="] {
            #expect(unit.contains(setting), "\(binary): \(setting)")
        }
        #expect(unit.contains("WatchdogSec=") == watchdog)
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

    /// The AWS CLI against the open moto_server, as an operator would run it.
    static func aws(_ arguments: [String]) throws -> String {
        let endpoint = ProcessInfo.processInfo.environment["THUMBD_TEST_MOTO_OPEN"]!
        var env = ProcessInfo.processInfo.environment
        env["AWS_ACCESS_KEY_ID"] = "deploy-test"
        env["AWS_SECRET_ACCESS_KEY"] = "deploy-test-secret"
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        let result = try runProcess(tool("aws")!, ["--endpoint-url", endpoint, "--output", "json"] + arguments, environment: env)
        guard result.status == 0 else { throw CommandFailure(description: "aws \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.output
    }

    static func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// Deploys the stack on moto with unique names; its id and outputs.
    static func deploy() throws -> (id: String, outputs: [String: String]) {
        let id = UUID().uuidString.prefix(6).lowercased()
        // moto resolves an SSM-typed parameter's default before the value given, and has no Canonical
        // (Ubuntu) paths: deploy a copy whose default is an AMI parameter moto carries.
        let template = try String(contentsOf: root.appendingPathComponent("deploy/thumbd.yaml"), encoding: .utf8)
            .replacingOccurrences(
                of: "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
                with: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(id).yaml")
        try template.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let subnets = ((json(try aws(["ec2", "describe-subnets"])) as? [String: Any])?["Subnets"] as? [[String: Any]]) ?? []
        let vpc = try #require(subnets.first?["VpcId"] as? String)
        let ids = subnets.filter { $0["VpcId"] as? String == vpc }.prefix(2).compactMap { $0["SubnetId"] as? String }
        #expect(ids.count == 2, "moto's default VPC has a subnet per zone")
        _ = try aws([
            "cloudformation", "create-stack", "--stack-name", "thumbd-\(id)", "--template-body", "file://\(file.path)",
            "--capabilities", "CAPABILITY_IAM", "--parameters",
            "ParameterKey=QueueName,ParameterValue=jobs-\(id)", "ParameterKey=OutputBucketName,ParameterValue=out-\(id)",
            "ParameterKey=CodeBucketName,ParameterValue=code-\(id)", "ParameterKey=SourceObjectArns,ParameterValue=arn:aws:s3:::photos-\(id)/*",
            "ParameterKey=SubnetIds,ParameterValue=\(ids.joined(separator: "\\,"))", "ParameterKey=VpcId,ParameterValue=\(vpc)",
            "ParameterKey=WatchedBuckets,ParameterValue=watched-\(id)\\,other-\(id)", "ParameterKey=UploadBucketName,ParameterValue=up-\(id)",
            "ParameterKey=JobsTableName,ParameterValue=jobs-table-\(id)", "ParameterKey=EventsQueueName,ParameterValue=events-\(id)",
        ])
        let stacks = json(try aws(["cloudformation", "describe-stacks", "--stack-name", "thumbd-\(id)"])) as? [String: Any]
        let stack = try #require((stacks?["Stacks"] as? [[String: Any]])?.first)
        #expect(stack["StackStatus"] as? String == "CREATE_COMPLETE", "\(stack)")
        let outputs = Dictionary(uniqueKeysWithValues: ((stack["Outputs"] as? [[String: Any]]) ?? []).compactMap { output -> (String, String)? in
            guard let key = output["OutputKey"] as? String, let value = output["OutputValue"] as? String else { return nil }
            return (key, value)
        })
        return (String(id), outputs)
    }

    static var canDeploy: Bool { tool("aws") != nil && ProcessInfo.processInfo.environment["THUMBD_TEST_MOTO_OPEN"] != nil }

    @Test("the stack deploys on moto's CloudFormation: queues with redrive, the table, buckets, the load balancer, both fleets", .enabled(if: canDeploy))
    func deployOnMoto() throws {
        let (id, outputs) = try Self.deploy()
        #expect(outputs["OutputBucket"] == "out-\(id)" && outputs["CodeBucket"] == "code-\(id)" && outputs["UploadBucket"] == "up-\(id)")
        #expect(outputs["JobsTable"] == "jobs-table-\(id)")
        #expect(outputs["ApiUrl"]?.hasPrefix("http://") == true, "no certificate: HTTP")
        for key in ["QueueUrl", "HighPriorityQueueUrl", "LowPriorityQueueUrl", "DeadLetterQueueUrl", "EventsQueueUrl", "EventsDeadLetterQueueUrl",
                    "WorkerRoleArn", "ApiRoleArn", "AutoScalingGroup", "ApiAutoScalingGroup"] {
            #expect(outputs[key]?.isEmpty == false, "output \(key)")
        }
        let endpoint = ProcessInfo.processInfo.environment["THUMBD_TEST_MOTO_OPEN"]!
        func attributes(_ name: String) throws -> [String: String] {
            (Self.json(try Self.aws(["sqs", "get-queue-attributes", "--queue-url", "\(endpoint)/123456789012/\(name)", "--attribute-names", "All"])) as? [String: Any])?["Attributes"] as? [String: String] ?? [:]
        }
        for name in ["jobs-\(id)", "jobs-\(id)-high", "jobs-\(id)-low"] {
            let queue = try attributes(name)
            #expect(queue["VisibilityTimeout"] == "60" && queue["ReceiveMessageWaitTimeSeconds"] == "20", "\(name)")
            let redrive = Self.json(queue["RedrivePolicy"] ?? "") as? [String: Any]
            #expect((redrive?["deadLetterTargetArn"] as? String)?.hasSuffix(":jobs-\(id)-dlq") == true, "\(name) shares the DLQ")
            #expect("\(redrive?["maxReceiveCount"] ?? "")" == "5")
        }
        #expect(try attributes("jobs-\(id)-dlq")["MessageRetentionPeriod"] == "1209600")
        let events = try attributes("events-\(id)")
        #expect((Self.json(events["RedrivePolicy"] ?? "") as? [String: Any])?["deadLetterTargetArn"] as? String == "arn:aws:sqs:us-east-1:123456789012:events-\(id)-dlq")
        #expect(events["MessageRetentionPeriod"] == "1209600", "the retry schedule spans a day")

        let table = (Self.json(try Self.aws(["dynamodb", "describe-table", "--table-name", "jobs-table-\(id)"])) as? [String: Any])?["Table"] as? [String: Any]
        #expect((table?["BillingModeSummary"] as? [String: Any])?["BillingMode"] as? String == "PAY_PER_REQUEST")
        #expect(((table?["GlobalSecondaryIndexes"] as? [[String: Any]])?.first?["IndexName"]) as? String == "owner-created")
        for bucket in ["out-\(id)", "code-\(id)", "up-\(id)"] { _ = try Self.aws(["s3api", "head-bucket", "--bucket", bucket]) }

        // The load balancer, its target group and listener, and the API fleet behind it.
        let balancers = (Self.json(try Self.aws(["elbv2", "describe-load-balancers"])) as? [String: Any])?["LoadBalancers"] as? [[String: Any]] ?? []
        let balancer = try #require(balancers.first { outputs["ApiUrl"]?.hasSuffix(($0["DNSName"] as? String) ?? "-") == true })
        #expect(balancer["Scheme"] as? String == "internet-facing" && balancer["Type"] as? String == "application")
        let balancerArn = try #require(balancer["LoadBalancerArn"] as? String)
        let groups = (Self.json(try Self.aws(["elbv2", "describe-target-groups", "--load-balancer-arn", balancerArn])) as? [String: Any])?["TargetGroups"] as? [[String: Any]] ?? []
        let group = try #require(groups.first)
        #expect(group["HealthCheckPath"] as? String == "/readyz" && group["Port"] as? Int == 8080)
        let listeners = (Self.json(try Self.aws(["elbv2", "describe-listeners", "--load-balancer-arn", balancerArn])) as? [String: Any])?["Listeners"] as? [[String: Any]] ?? []
        #expect(listeners.count == 1 && listeners.first?["Port"] as? Int == 80, "HTTP only without a certificate")
        let rules = (Self.json(try Self.aws(["elbv2", "describe-rules", "--listener-arn", listeners.first?["ListenerArn"] as? String ?? ""])) as? [String: Any])?["Rules"] as? [[String: Any]] ?? []
        let metricsRule = try #require(rules.first { "\($0["Conditions"] ?? "")".contains("/metrics") })
        let fixed = (metricsRule["Actions"] as? [[String: Any]])?.first?["FixedResponseConfig"] as? [String: Any]
        #expect(fixed?["StatusCode"] as? String == "404", "/metrics answers 404 at the load balancer")
        let fleets = (Self.json(try Self.aws(["autoscaling", "describe-auto-scaling-groups"])) as? [String: Any])?["AutoScalingGroups"] as? [[String: Any]] ?? []
        let api = try #require(fleets.first { $0["AutoScalingGroupName"] as? String == outputs["ApiAutoScalingGroup"] })
        #expect(api["MinSize"] as? Int == 2 && api["HealthCheckType"] as? String == "EC2", "an outage behind /readyz must not replace the fleet")
        #expect((api["TargetGroupARNs"] as? [String]) == [group["TargetGroupArn"] as? String ?? "?"])
        #expect(((api["VPCZoneIdentifier"] as? String)?.split(separator: ",").count ?? 0) == 2, "across two subnets")
        let workers = try #require(fleets.first { $0["AutoScalingGroupName"] as? String == outputs["AutoScalingGroup"] })
        #expect(workers["MinSize"] as? Int == 0)
    }

    /// Every (action, resource) a role's inline policies allow, as moto's IAM returns them.
    static func grants(roleArn: String, policy: String) throws -> Set<String> {
        let name = try #require(roleArn.split(separator: "/").last.map(String.init))
        var document = (json(try aws(["iam", "get-role-policy", "--role-name", name, "--policy-name", policy])) as? [String: Any])?["PolicyDocument"]
        if let text = document as? String {
            // The AWS CLI decodes AWS's URL-encoded JSON into an object; moto's IAM hands back the
            // policy as a Python literal (single quotes), read here with Python's own reader.
            let script = "import ast, json, sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))"
            document = json(try runProcess("/usr/bin/env", ["python3", "-c", script], input: Data(text.utf8)).output)
        }
        let statements = ((document as? [String: Any])?["Statement"] as? [[String: Any]]) ?? []
        #expect(!statements.isEmpty, "\(name): no statements read")
        var grants = Set<String>()
        for statement in statements where statement["Effect"] as? String == "Allow" {
            let actions = (statement["Action"] as? [String]) ?? [(statement["Action"] as? String) ?? ""]
            let resources = (statement["Resource"] as? [String]) ?? [(statement["Resource"] as? String) ?? ""]
            for action in actions { for resource in resources { grants.insert("\(action) \(resource)") } }
        }
        return grants
    }

    @Test("each fleet's role has exactly its own process's rights: the API cannot do the worker's work nor the reverse; neither can delete a table or queue", .enabled(if: canDeploy))
    func rolesAreSplit() throws {
        let (id, outputs) = try Self.deploy()
        let worker = try Self.grants(roleArn: try #require(outputs["WorkerRoleArn"]), policy: "thumbd")
        let api = try Self.grants(roleArn: try #require(outputs["ApiRoleArn"]), policy: "thumbd-api")
        let sqs = "arn:aws:sqs:us-east-1:123456789012:"
        let table = "arn:aws:dynamodb:us-east-1:123456789012:table/jobs-table-\(id)"
        let jobQueues = ["jobs-\(id)", "jobs-\(id)-high", "jobs-\(id)-low"].map { sqs + $0 }
        func pairs(_ actions: [String], _ resources: [String]) -> Set<String> {
            Set(actions.flatMap { action in resources.map { "\(action) \($0)" } })
        }
        let release = ["arn:aws:s3:::code-\(id)/releases/thumbd-linux-x86_64.tar.gz", "arn:aws:s3:::code-\(id)/releases/user-data.sh"]

        // Exactly the calls each process makes, on what it makes them on (docs/OPERATIONS.md names
        // the call behind each): a right missing breaks production, one too many is a hole.
        var expectedWorker = pairs(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"], jobQueues)
        expectedWorker.formUnion(pairs(["sqs:GetQueueAttributes"], [sqs + "jobs-\(id)"]))
        expectedWorker.formUnion(pairs(["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:GetQueueUrl"], [sqs + "jobs-\(id)-dlq"]))
        expectedWorker.formUnion(pairs(["sqs:SendMessage", "sqs:GetQueueUrl"], [sqs + "events-\(id)"]))
        expectedWorker.formUnion(pairs(["dynamodb:GetItem", "dynamodb:UpdateItem"], [table]))
        expectedWorker.formUnion(pairs(["s3:GetObject"], ["arn:aws:s3:::photos-\(id)/*", "arn:aws:s3:::up-\(id)/*", "arn:aws:s3:::watched-\(id)/*", "arn:aws:s3:::other-\(id)/*"]))
        expectedWorker.formUnion(pairs(["s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject"], ["arn:aws:s3:::out-\(id)/*"]))
        expectedWorker.formUnion(pairs(["s3:GetObject"], release))
        #expect(worker == expectedWorker, "worker: extra \(worker.subtracting(expectedWorker).sorted()), missing \(expectedWorker.subtracting(worker).sorted())")

        var expectedAPI = pairs(["sqs:SendMessage", "sqs:GetQueueUrl"], jobQueues)
        expectedAPI.formUnion(pairs(["sqs:GetQueueAttributes"], [sqs + "jobs-\(id)"]))
        expectedAPI.formUnion(pairs(["sqs:GetQueueUrl"], [sqs + "jobs-\(id)-dlq"]))
        expectedAPI.formUnion(pairs(
            ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            [sqs + "events-\(id)"]))
        expectedAPI.formUnion(pairs(["sqs:SendMessage", "sqs:GetQueueUrl"], [sqs + "events-\(id)-dlq"]))
        expectedAPI.formUnion(pairs(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"], [table]))
        expectedAPI.formUnion(pairs(["dynamodb:Query"], [table + "/index/owner-created"]))
        expectedAPI.formUnion(pairs(["s3:PutObject", "s3:GetObject", "s3:DeleteObject"], ["arn:aws:s3:::up-\(id)/*"]))
        expectedAPI.formUnion(pairs(["s3:DeleteObject"], ["arn:aws:s3:::out-\(id)/*"]))
        expectedAPI.formUnion(pairs(["s3:ListBucket"], ["arn:aws:s3:::out-\(id)", "arn:aws:s3:::up-\(id)"]))
        expectedAPI.formUnion(pairs(["s3:GetObject"], release))
        #expect(api == expectedAPI, "API: extra \(api.subtracting(expectedAPI).sorted()), missing \(expectedAPI.subtracting(api).sorted())")

        // And so, what the split means: neither does the other's work, neither can delete storage.
        for queue in jobQueues {
            #expect(!api.contains("sqs:ReceiveMessage \(queue)") && !worker.contains("sqs:SendMessage \(queue)"), "only the worker takes jobs, only the API sends them")
        }
        #expect(!worker.contains("sqs:ReceiveMessage \(sqs)events-\(id)"), "only the API delivers webhooks")
        #expect(!api.contains("s3:PutObject arn:aws:s3:::out-\(id)/*") && !worker.contains("s3:PutObject arn:aws:s3:::up-\(id)/*"))
        for grants in [worker, api] {
            #expect(!grants.contains { $0.hasPrefix("dynamodb:DeleteTable") || $0.hasPrefix("sqs:DeleteQueue") || $0.hasPrefix("s3:DeleteBucket") })
        }
    }

    @Test("what moto's CloudFormation does not model, read from the template: TTL, upload lifecycle and CORS, IMDSv2, timeouts, HTTPS, SSH, scaling, alarms")
    func templateFacts() throws {
        let result = try runProcess("/usr/bin/env", ["python3", ProjectPaths.peers.appendingPathComponent("cfn_template_json.py").path, Self.root.appendingPathComponent("deploy/thumbd.yaml").path])
        #expect(result.status == 0, "\(result.stderr)")
        let template = try #require(Self.json(result.output) as? [String: Any])
        let resources = try #require(template["Resources"] as? [String: [String: Any]])
        func properties(_ name: String) -> [String: Any] { resources[name]?["Properties"] as? [String: Any] ?? [:] }
        func text(_ value: Any?) -> String {
            guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }

        #expect(text(properties("JobsTable")["TimeToLiveSpecification"]) == #"{"AttributeName":"expires_at","Enabled":true}"#)
        #expect(text(properties("JobsTable")["BillingMode"]) == #""PAY_PER_REQUEST""#)
        let upload = properties("UploadBucket")
        #expect(text(upload["LifecycleConfiguration"]).contains(#""ExpirationInDays":{"Ref":"JobTTLDays"}"#))
        #expect(text(upload["LifecycleConfiguration"]).contains(#""Id":"thumbd-upload-expiry""#), "the rule thumbctl setup writes")
        #expect(text(upload["PublicAccessBlockConfiguration"]) == #"{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}"#)
        let cors = text(upload["CorsConfiguration"])
        #expect(cors.contains(#""AllowedMethods":["POST"]"#) && cors.contains("ApiLoadBalancer.DNSName"), "\(cors)")

        for name in ["LaunchTemplate", "ApiLaunchTemplate"] {
            let metadata = text((properties(name)["LaunchTemplateData"] as? [String: Any])?["MetadataOptions"])
            #expect(metadata.contains(#""HttpTokens":"required""#), "\(name): IMDSv2 only")
        }
        let balancer = text(properties("ApiLoadBalancer")["LoadBalancerAttributes"])
        let idle = Int(balancer.components(separatedBy: #""Key":"idle_timeout.timeout_seconds","Value":""#).dropFirst().first?.prefix { $0.isNumber } ?? "") ?? 0
        #expect(idle > 60, "idle timeout \(idle) s outlasts a 60 s Prefer: wait")
        let deregistration = text(properties("ApiTargetGroup")["TargetGroupAttributes"])
        let delay = Int(deregistration.components(separatedBy: #""Key":"deregistration_delay.timeout_seconds","Value":""#).dropFirst().first?.prefix { $0.isNumber } ?? "") ?? 0
        #expect(delay > 65, "deregistration delay \(delay) s outlasts THUMBD_API_DRAIN_TIMEOUT (65 s)")
        #expect(resources["HttpsListener"]?["Condition"] as? String == "HasCertificate")
        #expect(text(properties("HttpListener")["DefaultActions"]).contains(#""Protocol":"HTTPS""#), "HTTP redirects to HTTPS with a certificate")
        #expect(resources["HttpsMetricsHidden"] != nil && resources["HttpMetricsHidden"] != nil)

        // SSH: closed unless SshCidr is given; the API instances take 8080 from the load balancer only.
        #expect(!text(properties("ApiSecurityGroup")).contains(#""FromPort":22"#) && properties("WorkerSecurityGroup")["SecurityGroupIngress"] == nil)
        for name in ["ApiSsh", "WorkerSsh"] { #expect(resources[name]?["Condition"] as? String == "AllowsSsh") }
        #expect(text(properties("ApiSecurityGroup")).contains("LoadBalancerSecurityGroup"))
        let open = text(properties("LoadBalancerSecurityGroup")["SecurityGroupIngress"])
        #expect(open.contains(#""FromPort":80"#) && open.contains(#""FromPort":443"#) && !open.contains("8080"))

        #expect(text(properties("ApiRequestsPerTargetPolicy")).contains("ALBRequestCountPerTarget"))
        let backlog = text(properties("BacklogPerInstancePolicy"))
        for queue in ["HighPriorityQueue", "Queue", "LowPriorityQueue"] {
            #expect(backlog.contains(#"["\#(queue)","QueueName"]"#), "scaling counts \(queue)")
        }
        #expect(backlog.contains("(high + normal + low) / instances"))
        for alarm in ["DeadLetterQueueNotEmpty", "EventsDeadLetterQueueNotEmpty", "ApiErrorRate", "OldestMessageTooOld"] {
            #expect(resources[alarm]?["Type"] as? String == "AWS::CloudWatch::Alarm", "alarm \(alarm)")
        }
        #expect(text(properties("ApiErrorRate")).contains("HTTPCode_Target_5XX_Count"))
        #expect(resources["JobsTable"]?["DeletionPolicy"] as? String == "Retain")
    }
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}
