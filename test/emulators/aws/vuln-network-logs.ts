import {
  EmuError,
  type EmuOperation,
  type EmuReply,
  type EmuRequest,
  inRange,
  jsonReply,
  page,
  queryReply,
  type ServiceHandler,
  xmlReply,
} from "./protocol.js";
import type { EmuAccount, EmuWorld } from "./state.js";
import { list, xml } from "./xml.js";

/**
 * The services issue 12 reads, emulated in their documented wire shapes: Amazon Inspector v2 (REST-JSON), ECR and
 * CloudWatch Logs (JSON 1.1), Elastic Load Balancing v2 (Query), and the EC2 / RDS calls for VPCs, route tables,
 * instances and DB parameters. Each reply follows the API reference page named beside it; fields AWS omits are
 * omitted here too (a log group without retention has no `retentionInDays`, a parameter at its engine default
 * no `ParameterValue`).
 */

export type InspectorStatus = "ENABLING" | "ENABLED" | "DISABLING" | "DISABLED" | "SUSPENDING" | "SUSPENDED";

export interface EmuInspectorRegion {
  /** When set, the account comes back under `failedAccounts` with this error code instead of `accounts`. */
  failedWith?: string;
  status: InspectorStatus;
  ec2: InspectorStatus;
  ecr: InspectorStatus;
  lambda: InspectorStatus;
  lambdaCode: InspectorStatus;
}

export interface EmuRepository {
  name: string;
  region: string;
  scanOnPush: boolean;
}

export interface EmuRegistryScanning {
  scanType: "BASIC" | "ENHANCED";
  rules: { scanFrequency: "SCAN_ON_PUSH" | "CONTINUOUS_SCAN" | "MANUAL"; filters: string[] }[];
}

export interface EmuVpc {
  id: string;
  region: string;
  isDefault: boolean;
  cidr: string;
}

export interface EmuRouteTable {
  id: string;
  region: string;
  vpcId: string;
  main: boolean;
  subnetIds: string[];
  routes: { destination: string; target: string }[];
}

export interface EmuInstance {
  id: string;
  region: string;
  vpcId: string;
  subnetId: string;
  state: "running" | "stopped" | "terminated";
}

export interface EmuListener {
  port: number;
  protocol: "HTTP" | "HTTPS" | "TCP" | "TLS";
  sslPolicy?: string;
  /** For an HTTP listener: redirect to this protocol (`HTTPS`, or `#{protocol}`), else forward. */
  redirectTo?: string;
  /** Listener rules besides the default one: each redirects (to this protocol) or forwards. */
  rules?: { redirectTo?: string }[];
}

export interface EmuLoadBalancer {
  name: string;
  region: string;
  type: "application" | "network";
  scheme: "internet-facing" | "internal";
  listeners: EmuListener[];
}

export interface EmuLogGroup {
  name: string;
  region: string;
  /** undefined: never expire, and DescribeLogGroups omits retentionInDays. */
  retentionInDays?: number;
}

/** One parameter of a DB parameter group; `value` undefined = left at the engine default (no ParameterValue). */
export interface EmuDbParameter {
  name: string;
  value?: string;
}

export interface EmuEventDataStore {
  name: string;
  region: string;
  retentionDays: number;
  status: "ENABLED" | "STOPPED_INGESTION" | "PENDING_DELETION";
}

/** What an account holds of these services; every field optional so other tests' accounts stay unchanged. */
export interface EmuIssue12Services {
  eventDataStores?: EmuEventDataStore[];
  inspector?: Record<string, EmuInspectorRegion>;
  ecrRegistry?: Record<string, EmuRegistryScanning>;
  repositories?: EmuRepository[];
  vpcs?: EmuVpc[];
  routeTables?: EmuRouteTable[];
  instances?: EmuInstance[];
  loadBalancers?: EmuLoadBalancer[];
  logGroups?: EmuLogGroup[];
  dbParameterGroups?: Record<string, EmuDbParameter[]>;
}

const num = (value: unknown) => (typeof value === "number" ? value : undefined);
const str = (value: unknown) => (typeof value === "string" ? value : undefined);

/**
 * ELBv2 security policies as DescribeSSLPolicies lists them (protocols from
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html; ciphers left out).
 */
export const SSL_POLICIES: Record<string, string[]> = {
  "ELBSecurityPolicy-2016-08": ["TLSv1", "TLSv1.1", "TLSv1.2"],
  "ELBSecurityPolicy-TLS-1-1-2017-01": ["TLSv1.1", "TLSv1.2"],
  "ELBSecurityPolicy-TLS-1-2-2017-01": ["TLSv1.2"],
  "ELBSecurityPolicy-TLS13-1-2-2021-06": ["TLSv1.2", "TLSv1.3"],
  "ELBSecurityPolicy-TLS13-1-3-2021-06": ["TLSv1.3"],
};

// ---------------------------------------------------------------- Inspector v2 (REST-JSON)

/** POST /status/batch/get (https://docs.aws.amazon.com/inspector/v2/APIReference/API_BatchGetAccountStatus.html). */
export const inspector2Handler: ServiceHandler = {
  protocol: "restJson",
  resolve(req, account): EmuOperation {
    if (req.method !== "POST" || req.path !== "/status/batch/get") {
      throw new EmuError("ValidationException", 400, `inspector2 ${req.method} ${req.path} is not emulated`);
    }
    return {
      action: "inspector2:BatchGetAccountStatus",
      run: () => {
        const ids = Array.isArray(req.json.accountIds) ? (req.json.accountIds as string[]) : [account.id];
        const r = account.inspector?.[req.region];
        // An account that never activated Inspector in a region is reported DISABLED there.
        const state = (status: InspectorStatus) => ({ status });
        const reportable = (id: string) => id === account.id && !r?.failedWith;
        const accounts = ids.filter(reportable).map((id) => ({
          accountId: id,
          state: state(r?.status ?? "DISABLED"),
          resourceState: {
            ec2: state(r?.ec2 ?? "DISABLED"),
            ecr: state(r?.ecr ?? "DISABLED"),
            lambda: state(r?.lambda ?? "DISABLED"),
            lambdaCode: state(r?.lambdaCode ?? "DISABLED"),
          },
        }));
        // FailedAccount (API_FailedAccount.html): accountId, errorCode and errorMessage are required.
        const failedAccounts = ids
          .filter((id) => !reportable(id))
          .map((id) => ({
            accountId: id,
            errorCode: id === account.id ? (r?.failedWith ?? "INTERNAL_ERROR") : "ACCESS_DENIED",
            errorMessage: id === account.id ? "emulated failure" : "not a member account",
          }));
        return jsonReply({ accounts, failedAccounts }, "application/json");
      },
    };
  },
};

// ---------------------------------------------------------------- ECR and CloudWatch Logs (JSON 1.1)

function target(req: EmuRequest): { prefix: string; op: string } {
  const raw = String(req.headers["x-amz-target"] ?? "");
  const dot = raw.lastIndexOf(".");
  return { prefix: raw.slice(0, dot), op: raw.slice(dot + 1) };
}

/** ECR's filter wildcard: `*` matches any run of characters (API_ScanningRepositoryFilter.html). */
function wildcardMatches(filter: string, name: string): boolean {
  const pattern = filter.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${pattern}$`).test(name);
}

/**
 * What BatchGetRepositoryScanningConfiguration reports for a repository: the first registry rule whose filter
 * matches (continuous scanning before scan on push), else the repository's own scanOnPush, else MANUAL
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning.html).
 */
function effectiveScanning(registry: EmuRegistryScanning, repo: EmuRepository) {
  const order = ["CONTINUOUS_SCAN", "SCAN_ON_PUSH"] as const;
  for (const frequency of order) {
    const rule = registry.rules.find(
      (r) => r.scanFrequency === frequency && r.filters.some((f) => wildcardMatches(f, repo.name)),
    );
    if (rule) {
      return {
        scanFrequency: frequency,
        appliedScanFilters: rule.filters
          .filter((f) => wildcardMatches(f, repo.name))
          .map((f) => ({ filter: f, filterType: "WILDCARD" })),
      };
    }
  }
  return { scanFrequency: repo.scanOnPush ? "SCAN_ON_PUSH" : "MANUAL", appliedScanFilters: [] };
}

const DEFAULT_REGISTRY: EmuRegistryScanning = { scanType: "BASIC", rules: [] };

export const ecrHandler: ServiceHandler = {
  protocol: "json",
  resolve(req, account, world): EmuOperation {
    const { prefix, op } = target(req);
    if (prefix !== "AmazonEC2ContainerRegistry_V20150921") {
      throw new EmuError("UnknownOperationException", 400, `${prefix}.${op} is not emulated`);
    }
    const repos = (account.repositories ?? []).filter((r) => r.region === req.region);
    const registry = account.ecrRegistry?.[req.region] ?? DEFAULT_REGISTRY;
    const repoArn = (r: EmuRepository) => `arn:aws:ecr:${r.region}:${account.id}:repository/${r.name}`;
    switch (op) {
      // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositories.html: maxResults 1-1000.
      case "DescribeRepositories":
        return {
          action: "ecr:DescribeRepositories",
          run: () => {
            const max = inRange("InvalidParameterException", "maxResults", num(req.json.maxResults), 1, 1000);
            const { slice, next } = page(repos, str(req.json.nextToken), max, world);
            return jsonReply({
              repositories: slice.map((r) => ({
                repositoryArn: repoArn(r),
                registryId: account.id,
                repositoryName: r.name,
                repositoryUri: `${account.id}.dkr.ecr.${r.region}.amazonaws.com/${r.name}`,
                createdAt: 1735689600,
                imageTagMutability: "MUTABLE",
                imageScanningConfiguration: { scanOnPush: r.scanOnPush },
                encryptionConfiguration: { encryptionType: "AES256" },
              })),
              nextToken: next,
            });
          },
        };
      // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetRegistryScanningConfiguration.html
      case "GetRegistryScanningConfiguration":
        return {
          action: "ecr:GetRegistryScanningConfiguration",
          run: () =>
            jsonReply({
              registryId: account.id,
              scanningConfiguration: {
                scanType: registry.scanType,
                rules: registry.rules.map((r) => ({
                  scanFrequency: r.scanFrequency,
                  repositoryFilters: r.filters.map((f) => ({ filter: f, filterType: "WILDCARD" })),
                })),
              },
            }),
        };
      // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetRepositoryScanningConfiguration.html:
      // 1-25 repository names; unknown names come back under `failures`.
      case "BatchGetRepositoryScanningConfiguration":
        return {
          action: "ecr:BatchGetRepositoryScanningConfiguration",
          run: () => {
            const names = Array.isArray(req.json.repositoryNames)
              ? (req.json.repositoryNames as string[])
              : [];
            inRange("ValidationException", "repositoryNames", names.length, 1, 25);
            const scanningConfigurations = [];
            const failures = [];
            for (const name of names) {
              const repo = repos.find((r) => r.name === name);
              if (!repo) {
                failures.push({
                  repositoryName: name,
                  failureCode: "REPOSITORY_NOT_FOUND",
                  failureReason: "REPOSITORY_NOT_FOUND",
                });
                continue;
              }
              scanningConfigurations.push({
                repositoryArn: repoArn(repo),
                repositoryName: repo.name,
                scanOnPush: repo.scanOnPush,
                ...effectiveScanning(registry, repo),
              });
            }
            return jsonReply({ scanningConfigurations, failures });
          },
        };
    }
    throw new EmuError("UnknownOperationException", 400, `ecr ${op} is not emulated`);
  },
};

export const logsHandler: ServiceHandler = {
  protocol: "json",
  resolve(req, account, world): EmuOperation {
    const { prefix, op } = target(req);
    if (prefix !== "Logs_20140328" || op !== "DescribeLogGroups") {
      throw new EmuError("UnknownOperationException", 400, `${prefix}.${op} is not emulated`);
    }
    // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html: limit 1-50;
    // API_LogGroup.html: `arn` ends in `:*`, retentionInDays is omitted when events never expire.
    return {
      action: "logs:DescribeLogGroups",
      run: () => {
        const limit = inRange("InvalidParameterException", "limit", num(req.json.limit), 1, 50);
        const groups = (account.logGroups ?? []).filter((g) => g.region === req.region);
        const { slice, next } = page(groups, str(req.json.nextToken), limit, world);
        return jsonReply({
          logGroups: slice.map((g) => ({
            logGroupName: g.name,
            creationTime: 1735689600000,
            retentionInDays: g.retentionInDays,
            metricFilterCount: 0,
            arn: `arn:aws:logs:${g.region}:${account.id}:log-group:${g.name}:*`,
            storedBytes: 1024,
            logGroupClass: "STANDARD",
            logGroupArn: `arn:aws:logs:${g.region}:${account.id}:log-group:${g.name}`,
          })),
          nextToken: next,
        });
      },
    };
  },
};

// ---------------------------------------------------------------- Elastic Load Balancing v2 (Query)

const ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

function lbArn(account: EmuAccount, lb: EmuLoadBalancer): string {
  const kind = lb.type === "application" ? "app" : "net";
  return `arn:aws:elasticloadbalancing:${lb.region}:${account.id}:loadbalancer/${kind}/${lb.name}/50dc6c495c0c9188`;
}

function listenerArn(account: EmuAccount, lb: EmuLoadBalancer, l: EmuListener): string {
  const kind = lb.type === "application" ? "app" : "net";
  return `arn:aws:elasticloadbalancing:${lb.region}:${account.id}:listener/${kind}/${lb.name}/50dc6c495c0c9188/${l.port}`;
}

function pageSize(form: URLSearchParams): number | undefined {
  const raw = form.get("PageSize");
  // PageSize 1-400 (API_DescribeLoadBalancers.html, API_DescribeListeners.html, API_DescribeSSLPolicies.html).
  return inRange("ValidationError", "PageSize", raw ? Number.parseInt(raw, 10) : undefined, 1, 400);
}

/** A redirect to `redirectTo`, or a forward to a target group (API_Action.html). */
function actionXml(account: EmuAccount, lb: EmuLoadBalancer, redirectTo: string | undefined) {
  return redirectTo
    ? {
        Type: "redirect",
        Order: 1,
        RedirectConfig: { Protocol: redirectTo, Port: "443", StatusCode: "HTTP_301" },
      }
    : {
        Type: "forward",
        Order: 1,
        TargetGroupArn: `arn:aws:elasticloadbalancing:${lb.region}:${account.id}:targetgroup/tg/1`,
      };
}

export const elbv2Handler: ServiceHandler = {
  protocol: "query",
  resolve(req, account, world): EmuOperation {
    const action = req.form.get("Action") ?? "";
    const lbs = (account.loadBalancers ?? []).filter((lb) => lb.region === req.region);
    const op = (result: () => string): EmuOperation => ({
      action: `elasticloadbalancing:${action}`,
      run: () => queryReply(action, ELB_NS, result()),
    });
    switch (action) {
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeLoadBalancers.html
      case "DescribeLoadBalancers":
        return op(() => {
          const { slice, next } = page(lbs, req.form.get("Marker"), pageSize(req.form), world);
          return xml({
            LoadBalancers: slice.map((lb) => ({
              LoadBalancerArn: lbArn(account, lb),
              DNSName: `${lb.name}-1234567890.${lb.region}.elb.amazonaws.com`,
              LoadBalancerName: lb.name,
              Scheme: lb.scheme,
              VpcId: "vpc-1",
              State: { Code: "active" },
              Type: lb.type,
              IpAddressType: "ipv4",
            })),
            NextMarker: next,
          });
        });
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeListeners.html
      case "DescribeListeners":
        return op(() => {
          const arn = req.form.get("LoadBalancerArn");
          const lb = lbs.find((l) => lbArn(account, l) === arn);
          if (!lb) throw new EmuError("LoadBalancerNotFound", 400, `Load balancer '${arn}' not found`);
          const { slice, next } = page(lb.listeners, req.form.get("Marker"), pageSize(req.form), world);
          return xml({
            Listeners: slice.map((l) => ({
              ListenerArn: listenerArn(account, lb, l),
              LoadBalancerArn: lbArn(account, lb),
              Port: l.port,
              Protocol: l.protocol,
              SslPolicy: l.sslPolicy,
              DefaultActions: [actionXml(account, lb, l.redirectTo)],
            })),
            NextMarker: next,
          });
        });
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html: the default
      // rule is listed too (IsDefault true, priority "default").
      case "DescribeRules":
        return op(() => {
          const arn = req.form.get("ListenerArn");
          const found = lbs
            .flatMap((lb) => lb.listeners.map((l) => ({ lb, l })))
            .find(({ lb, l }) => listenerArn(account, lb, l) === arn);
          if (!found) throw new EmuError("ListenerNotFound", 400, `Listener '${arn}' not found`);
          const { lb, l } = found;
          const rules = [
            { priority: "default", isDefault: true, action: actionXml(account, lb, l.redirectTo) },
            ...(l.rules ?? []).map((r, i) => ({
              priority: String(i + 1),
              isDefault: false,
              action: actionXml(account, lb, r.redirectTo),
            })),
          ];
          const { slice, next } = page(rules, req.form.get("Marker"), pageSize(req.form), world);
          return xml({
            Rules: slice.map((r) => ({
              RuleArn: `${listenerArn(account, lb, l).replace(":listener/", ":listener-rule/")}/${r.priority}`,
              Priority: r.priority,
              Conditions: [],
              Actions: [r.action],
              IsDefault: r.isDefault,
            })),
            NextMarker: next,
          });
        });
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeSSLPolicies.html
      case "DescribeSSLPolicies":
        return op(() => {
          const policies = Object.entries(SSL_POLICIES);
          const { slice, next } = page(policies, req.form.get("Marker"), pageSize(req.form), world);
          return xml({
            SslPolicies: slice.map(([name, protocols]) => ({
              SslProtocols: protocols,
              Ciphers: [{ Name: "ECDHE-ECDSA-AES128-GCM-SHA256", Priority: 1 }],
              Name: name,
              SupportedLoadBalancerTypes: ["application", "network"],
            })),
            NextMarker: next,
          });
        });
    }
    throw new EmuError("InvalidAction", 400, `elasticloadbalancing ${action} is not emulated`);
  },
};

// ---------------------------------------------------------------- EC2 (VPCs, route tables, instances)

const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

function ec2Reply(action: string, inner: string): EmuReply {
  return xmlReply(
    `<${action}Response xmlns="${EC2_NS}"><requestId>emu</requestId>${inner}</${action}Response>`,
  );
}

function maxResults(form: URLSearchParams, min: number, max: number): number | undefined {
  const raw = form.get("MaxResults");
  return inRange("InvalidParameterValue", "MaxResults", raw ? Number.parseInt(raw, 10) : undefined, min, max);
}

/** Route target fields by prefix, as API_Route.html names them. */
function routeTarget(target: string): Record<string, string> {
  if (target.startsWith("nat-")) return { natGatewayId: target };
  if (target.startsWith("eigw-")) return { egressOnlyInternetGatewayId: target };
  if (target.startsWith("tgw-")) return { transitGatewayId: target };
  if (target.startsWith("pcx-")) return { vpcPeeringConnectionId: target };
  return { gatewayId: target };
}

/** EC2 actions for issue 12, or undefined so the caller can refuse the action. */
export function ec2NetworkOperation(
  req: EmuRequest,
  account: EmuAccount,
  world: EmuWorld,
): EmuOperation | undefined {
  const action = req.form.get("Action") ?? "";
  const op = (result: () => string): EmuOperation => ({
    action: `ec2:${action}`,
    run: () => ec2Reply(action, result()),
  });
  const inRegion = <T extends { region: string }>(items: T[] | undefined) =>
    (items ?? []).filter((i) => i.region === req.region);
  switch (action) {
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html: MaxResults 5-1000.
    case "DescribeVpcs":
      return op(() => {
        const { slice, next } = page(
          inRegion(account.vpcs),
          req.form.get("NextToken"),
          maxResults(req.form, 5, 1000),
          world,
        );
        return xml({
          vpcSet: list(
            "item",
            slice.map((v) => ({
              vpcId: v.id,
              ownerId: account.id,
              state: "available",
              cidrBlock: v.cidr,
              dhcpOptionsId: "dopt-1",
              instanceTenancy: "default",
              isDefault: v.isDefault,
            })),
          ),
          nextToken: next,
        });
      });
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html: MaxResults 5-100.
    case "DescribeRouteTables":
      return op(() => {
        const { slice, next } = page(
          inRegion(account.routeTables),
          req.form.get("NextToken"),
          maxResults(req.form, 5, 100),
          world,
        );
        return xml({
          routeTableSet: list(
            "item",
            slice.map((t) => {
              const vpc = (account.vpcs ?? []).find((v) => v.id === t.vpcId);
              return {
                routeTableId: t.id,
                vpcId: t.vpcId,
                ownerId: account.id,
                routeSet: list("item", [
                  {
                    destinationCidrBlock: vpc?.cidr,
                    gatewayId: "local",
                    state: "active",
                    origin: "CreateRouteTable",
                  },
                  ...t.routes.map((r) => ({
                    ...(r.destination.includes(":")
                      ? { destinationIpv6CidrBlock: r.destination }
                      : { destinationCidrBlock: r.destination }),
                    ...routeTarget(r.target),
                    state: "active",
                    origin: "CreateRoute",
                  })),
                ]),
                associationSet: list("item", [
                  ...(t.main
                    ? [{ routeTableAssociationId: `rtbassoc-${t.id}-main`, routeTableId: t.id, main: true }]
                    : []),
                  ...t.subnetIds.map((s) => ({
                    routeTableAssociationId: `rtbassoc-${s}`,
                    routeTableId: t.id,
                    subnetId: s,
                    main: false,
                    associationState: { state: "associated" },
                  })),
                ]),
              };
            }),
          ),
          nextToken: next,
        });
      });
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html: MaxResults 5-1000.
    case "DescribeInstances":
      return op(() => {
        const { slice, next } = page(
          inRegion(account.instances),
          req.form.get("NextToken"),
          maxResults(req.form, 5, 1000),
          world,
        );
        return xml({
          reservationSet: list(
            "item",
            slice.map((i) => ({
              reservationId: `r-${i.id}`,
              ownerId: account.id,
              instancesSet: list("item", [
                {
                  instanceId: i.id,
                  imageId: "ami-0abcdef1234567890",
                  instanceState: {
                    code: i.state === "running" ? 16 : i.state === "stopped" ? 80 : 48,
                    name: i.state,
                  },
                  instanceType: "t3.micro",
                  // A terminated instance keeps no VPC or subnet in the reply.
                  ...(i.state === "terminated" ? {} : { vpcId: i.vpcId, subnetId: i.subnetId }),
                },
              ]),
            })),
          ),
          nextToken: next,
        });
      });
  }
  return undefined;
}

// ---------------------------------------------------------------- RDS DB parameters (Query)

const RDS_NS = "http://rds.amazonaws.com/doc/2014-10-31/";

/**
 * DescribeDBParameters (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html):
 * MaxRecords 20-100; a parameter at its engine default is listed with Source `engine-default` and no
 * ParameterValue. Undefined for other RDS actions.
 */
export function rdsParametersOperation(
  req: EmuRequest,
  account: EmuAccount,
  world: EmuWorld,
): EmuOperation | undefined {
  const action = req.form.get("Action") ?? "";
  if (action !== "DescribeDBParameters") return undefined;
  return {
    action: "rds:DescribeDBParameters",
    run: () => {
      const name = req.form.get("DBParameterGroupName") ?? "";
      const params = account.dbParameterGroups?.[name];
      if (!params) throw new EmuError("DBParameterGroupNotFound", 404, `DBParameterGroup ${name} not found.`);
      const raw = req.form.get("MaxRecords");
      const max = inRange(
        "InvalidParameterValue",
        "MaxRecords",
        raw ? Number.parseInt(raw, 10) : undefined,
        20,
        100,
      );
      const { slice, next } = page(params, req.form.get("Marker"), max, world);
      return queryReply(
        action,
        RDS_NS,
        xml({
          Parameters: list(
            "Parameter",
            slice.map((p) => ({
              ParameterName: p.name,
              ParameterValue: p.value,
              Description: `${p.name} parameter`,
              Source: p.value === undefined ? "engine-default" : "user",
              ApplyType: "dynamic",
              DataType: "boolean",
              AllowedValues: "0,1",
              IsModifiable: true,
              ApplyMethod: "pending-reboot",
            })),
          ),
          Marker: next,
        }),
      );
    },
  };
}

// ---------------------------------------------------------------- CloudTrail Lake (JSON 1.1)

function eventDataStoreArn(account: EmuAccount, store: EmuEventDataStore): string {
  return `arn:aws:cloudtrail:${store.region}:${account.id}:eventdatastore/${store.name}`;
}

/**
 * ListEventDataStores (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_ListEventDataStores.html:
 * MaxResults 1-1000; the summary's other fields are deprecated, so only ARN and name are returned here) and
 * GetEventDataStore (API_GetEventDataStore.html). Undefined for other CloudTrail operations.
 */
export function cloudTrailLakeOperation(
  op: string,
  req: EmuRequest,
  account: EmuAccount,
  world: EmuWorld,
): EmuOperation | undefined {
  const stores = (account.eventDataStores ?? []).filter((s) => s.region === req.region);
  if (op === "ListEventDataStores") {
    return {
      action: "cloudtrail:ListEventDataStores",
      run: () => {
        const max = inRange("InvalidMaxResultsException", "MaxResults", num(req.json.MaxResults), 1, 1000);
        const { slice, next } = page(stores, str(req.json.NextToken), max, world);
        return jsonReply({
          EventDataStores: slice.map((s) => ({
            EventDataStoreArn: eventDataStoreArn(account, s),
            Name: s.name,
          })),
          NextToken: next,
        });
      },
    };
  }
  if (op === "GetEventDataStore") {
    return {
      action: "cloudtrail:GetEventDataStore",
      run: () => {
        const wanted = str(req.json.EventDataStore);
        const store = stores.find((s) => eventDataStoreArn(account, s) === wanted || s.name === wanted);
        if (!store)
          throw new EmuError("EventDataStoreNotFoundException", 400, `Event data store ${wanted} not found`);
        return jsonReply({
          EventDataStoreArn: eventDataStoreArn(account, store),
          Name: store.name,
          Status: store.status,
          AdvancedEventSelectors: [
            {
              Name: "Management events",
              FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }],
            },
          ],
          MultiRegionEnabled: true,
          OrganizationEnabled: false,
          RetentionPeriod: store.retentionDays,
          TerminationProtectionEnabled: true,
          CreatedTimestamp: 1735689600,
          UpdatedTimestamp: 1735689600,
          BillingMode: "EXTENDABLE_RETENTION_PRICING",
        });
      },
    };
  }
  return undefined;
}
