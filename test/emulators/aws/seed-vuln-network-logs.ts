import type { EmuAccount } from "./state.js";

/**
 * Issue 12's part of the seeded main account (test/emulators/aws/seed.ts), each resource in a known state:
 * Inspector on in us-east-1 only; ECR repositories scanned by a registry rule, by their own scan-on-push, by
 * enhanced continuous scanning, and not at all; instances and databases in custom and default VPCs; a database
 * whose subnets route 0.0.0.0/0 to an internet gateway; load balancer listeners with modern, legacy and no TLS;
 * CloudTrail log groups kept forever and for 30 days; the trails' log bucket expiring logs after 30 days (under the default profile's 90).
 */
export function seedVulnNetworkLogs(a: EmuAccount): void {
  const id = a.id;
  a.inspector = {
    "us-east-1": {
      status: "ENABLED",
      ec2: "ENABLED",
      ecr: "ENABLED",
      lambda: "DISABLED",
      lambdaCode: "DISABLED",
    },
  };
  a.ecrRegistry = {
    "us-east-1": { scanType: "BASIC", rules: [{ scanFrequency: "SCAN_ON_PUSH", filters: ["prod-*"] }] },
    "eu-west-1": { scanType: "ENHANCED", rules: [{ scanFrequency: "CONTINUOUS_SCAN", filters: ["*"] }] },
  };
  a.repositories = [
    { name: "prod-api", region: "us-east-1", scanOnPush: false },
    { name: "legacy", region: "us-east-1", scanOnPush: true },
    { name: "scratch", region: "us-east-1", scanOnPush: false },
    { name: "eu-app", region: "eu-west-1", scanOnPush: false },
  ];
  a.vpcs = [
    { id: "vpc-1", region: "us-east-1", isDefault: false, cidr: "10.0.0.0/16" },
    { id: "vpc-def-use1", region: "us-east-1", isDefault: true, cidr: "172.31.0.0/16" },
    { id: "vpc-2", region: "eu-west-1", isDefault: false, cidr: "10.1.0.0/16" },
    { id: "vpc-def-euw1", region: "eu-west-1", isDefault: true, cidr: "172.31.0.0/16" },
  ];
  a.routeTables = [
    {
      id: "rtb-main-1",
      region: "us-east-1",
      vpcId: "vpc-1",
      main: true,
      subnetIds: [],
      routes: [{ destination: "0.0.0.0/0", target: "nat-0a1b2c3d" }],
    },
    {
      id: "rtb-public-1",
      region: "us-east-1",
      vpcId: "vpc-1",
      main: false,
      subnetIds: ["subnet-pub-a"],
      routes: [{ destination: "0.0.0.0/0", target: "igw-0a1" }],
    },
    {
      id: "rtb-def-use1",
      region: "us-east-1",
      vpcId: "vpc-def-use1",
      main: true,
      subnetIds: [],
      routes: [{ destination: "0.0.0.0/0", target: "igw-def1" }],
    },
    {
      id: "rtb-main-2",
      region: "eu-west-1",
      vpcId: "vpc-2",
      main: true,
      subnetIds: [],
      routes: [{ destination: "::/0", target: "eigw-0e1" }],
    },
    {
      id: "rtb-def-euw1",
      region: "eu-west-1",
      vpcId: "vpc-def-euw1",
      main: true,
      subnetIds: [],
      routes: [{ destination: "0.0.0.0/0", target: "igw-def2" }],
    },
  ];
  a.instances = [
    { id: "i-1", region: "us-east-1", vpcId: "vpc-1", subnetId: "subnet-priv-a", state: "running" },
    {
      id: "i-default",
      region: "us-east-1",
      vpcId: "vpc-def-use1",
      subnetId: "subnet-def-a",
      state: "running",
    },
    { id: "i-2", region: "eu-west-1", vpcId: "vpc-2", subnetId: "subnet-eu-a", state: "stopped" },
    {
      id: "i-gone",
      region: "eu-west-1",
      vpcId: "vpc-def-euw1",
      subnetId: "subnet-def-eu-a",
      state: "terminated",
    },
  ];
  for (const db of a.dbInstances) {
    if (db.id === "db-good") {
      db.subnetGroup = { vpcId: "vpc-1", subnetIds: ["subnet-priv-a", "subnet-priv-b"] };
      db.parameterGroup = "default.postgres16";
    }
    if (db.id === "db-bad") {
      db.engineVersion = "8.0.39";
      db.subnetGroup = { vpcId: "vpc-def-euw1", subnetIds: ["subnet-def-eu-a", "subnet-def-eu-b"] };
      db.parameterGroup = "mysql-custom";
    }
  }
  // More parameters than one page of the seed's page size, so the collector must follow Marker.
  a.dbParameterGroups = {
    "default.postgres16": [
      { name: "autovacuum", value: "1" },
      { name: "log_connections" },
      { name: "rds.force_ssl" },
      { name: "shared_buffers", value: "{DBInstanceClassMemory/32768}" },
    ],
    "mysql-custom": [
      { name: "max_connections", value: "100" },
      { name: "require_secure_transport", value: "0" },
      { name: "slow_query_log" },
    ],
  };
  a.loadBalancers = [
    {
      name: "web",
      region: "us-east-1",
      type: "application",
      scheme: "internet-facing",
      listeners: [
        { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
        { port: 80, protocol: "HTTP", redirectTo: "HTTPS" },
        { port: 8080, protocol: "HTTP", redirectTo: "HTTPS", rules: [{ redirectTo: "HTTPS" }, {}] },
      ],
    },
    {
      name: "legacy",
      region: "us-east-1",
      type: "application",
      scheme: "internet-facing",
      listeners: [
        { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" },
        { port: 80, protocol: "HTTP" },
      ],
    },
    {
      name: "nlb",
      region: "eu-west-1",
      type: "network",
      scheme: "internal",
      listeners: [
        { port: 443, protocol: "TLS", sslPolicy: "ELBSecurityPolicy-TLS-1-2-2017-01" },
        { port: 5432, protocol: "TCP" },
      ],
    },
  ];
  a.logGroups = [
    { name: "cloudtrail/main", region: "us-east-1" },
    { name: "app/api", region: "us-east-1", retentionInDays: 7 },
    { name: "cloudtrail/regional", region: "eu-west-1", retentionInDays: 30 },
  ];
  a.eventDataStores = [
    { name: "audit-lake", region: "us-east-1", retentionDays: 2557, status: "ENABLED" },
    { name: "short-lake", region: "eu-west-1", retentionDays: 7, status: "ENABLED" },
  ];
  for (const trail of a.trails) {
    const region = trail.homeRegion;
    trail.cloudWatchLogsLogGroupArn = `arn:aws:logs:${region}:${id}:log-group:cloudtrail/${trail.name}:*`;
  }
  // One throttled reply per protocol family of these services, which the kit's retries must absorb.
  a.throttle.set("inspector2:BatchGetAccountStatus", 1);
  a.throttle.set("ecr:DescribeRepositories", 1);
  a.throttle.set("elasticloadbalancing:DescribeListeners", 1);
  a.throttle.set("ec2:DescribeRouteTables", 1);
  const logBucket = a.buckets.find((b) => b.name === "log-bucket");
  if (logBucket) {
    // The delivery grants AWS documents for CloudTrail (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html)
    // and server access logs (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
    logBucket.policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AWSCloudTrailWrite",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `arn:aws:s3:::log-bucket/AWSLogs/${id}/*`,
          Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
          Sid: "S3ServerAccessLogsPolicy",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: ["s3:PutObject"],
          Resource: "arn:aws:s3:::log-bucket/*",
        },
      ],
    };
    logBucket.lifecycle = [
      { id: "expire-logs", enabled: true, expirationDays: 30 },
      { id: "archive-off", enabled: false, prefix: "archive/", expirationDays: 1 },
    ];
  }
}
