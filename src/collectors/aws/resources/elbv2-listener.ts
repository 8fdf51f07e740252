import type { Action, Listener, LoadBalancer } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElbListenerFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadElbv2Sdk } from "../sdk.js";

const CALLS = {
  describeLoadBalancers: apiCall("elasticloadbalancing:DescribeLoadBalancers"),
  describeListeners: apiCall("elasticloadbalancing:DescribeListeners"),
  describeSslPolicies: apiCall("elasticloadbalancing:DescribeSSLPolicies"),
  describeRules: apiCall("elasticloadbalancing:DescribeRules"),
};

/** An action's type and, for a redirect, the protocol it sends the client to (as written: `HTTPS`, `#{protocol}`). */
const actionFacts = (actions: Action[] | undefined) =>
  actions?.flatMap((a) =>
    a.Type
      ? [
          {
            type: a.Type,
            ...(a.RedirectConfig?.Protocol ? { redirectProtocol: a.RedirectConfig.Protocol } : {}),
          },
        ]
      : [],
  );

/** Every security policy's protocols (one paginated read per region), or the error that kept them unread. */
type Policies = { protocols: Map<string, string[]> } | { error: unknown };

const elbClient = (ctx: TypeContext<AccountScope>) =>
  ctx.provider.client(
    "elbv2",
    ctx.where,
    (config) => new (loadElbv2Sdk().ElasticLoadBalancingV2Client)(config),
  );

/**
 * Listeners of the region's Application, Network and Gateway Load Balancers
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Listener.html), each with its load
 * balancer's type and scheme and the protocols its security policy allows
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SslPolicy.html). Whether those
 * protocols meet the profile's minimum TLS version, and whether a plain HTTP listener redirects to HTTPS, is
 * decided in the rules.
 */
export const elbv2Listener = defineResourceType<
  AccountScope,
  { listener: Listener; loadBalancer: LoadBalancer },
  Policies
>({
  type: "aws.elbv2.listener",
  service: "elbv2",
  scope: "regional",
  facts: ElbListenerFactsSchema,
  calls: Object.values(CALLS),

  async prepare(ctx) {
    const { DescribeSSLPoliciesCommand } = loadElbv2Sdk();
    const client = elbClient(ctx);
    try {
      const protocols = new Map<string, string[]>();
      const all = paginate(
        (Marker) =>
          ctx.call(CALLS.describeSslPolicies, () =>
            // PageSize 1-400 (API_DescribeSSLPolicies.html).
            client.send(new DescribeSSLPoliciesCommand({ Marker, PageSize: 400 })),
          ),
        (page) => page.SslPolicies,
        (page) => page.NextMarker,
      );
      for await (const policy of all) {
        if (policy.Name && policy.SslProtocols) protocols.set(policy.Name, policy.SslProtocols);
      }
      return { protocols };
    } catch (error) {
      return { error };
    }
  },

  async *list(ctx) {
    const { DescribeListenersCommand, DescribeLoadBalancersCommand } = loadElbv2Sdk();
    const client = elbClient(ctx);
    const loadBalancers = paginate(
      (Marker) =>
        ctx.call(CALLS.describeLoadBalancers, () =>
          client.send(new DescribeLoadBalancersCommand({ Marker, PageSize: 400 })),
        ),
      (page) => page.LoadBalancers,
      (page) => page.NextMarker,
    );
    for await (const loadBalancer of loadBalancers) {
      const arn = loadBalancer.LoadBalancerArn;
      if (!arn) continue;
      const listeners = paginate(
        (Marker) =>
          ctx.call(CALLS.describeListeners, () =>
            client.send(new DescribeListenersCommand({ LoadBalancerArn: arn, Marker, PageSize: 400 })),
          ),
        (page) => page.Listeners,
        (page) => page.NextMarker,
      );
      for await (const listener of listeners) yield { listener, loadBalancer };
    }
  },

  async read(ctx, { listener, loadBalancer }, facts, policies) {
    const arn = listener.ListenerArn;
    if (!arn || !loadBalancer.LoadBalancerArn) return undefined;
    const set = (key: string, value: unknown) => facts.set(key, value, CALLS.describeListeners);
    const fromLb = (key: string, value: unknown) => facts.set(key, value, CALLS.describeLoadBalancers);
    set("listenerArn", arn);
    set("loadBalancerArn", loadBalancer.LoadBalancerArn);
    fromLb("loadBalancerName", loadBalancer.LoadBalancerName);
    fromLb("loadBalancerType", loadBalancer.Type);
    fromLb("scheme", loadBalancer.Scheme);
    set("protocol", listener.Protocol);
    set("port", listener.Port);
    set("sslPolicy", listener.SslPolicy);
    set("defaultActions", actionFacts(listener.DefaultActions));
    if (listener.Protocol === "HTTP") {
      // A plain HTTP listener carries data in clear through any rule that forwards, not only its default action.
      const { DescribeRulesCommand } = loadElbv2Sdk();
      const client = elbClient(ctx);
      await facts.read(
        "ruleActions",
        async () => {
          const actions: ReturnType<typeof actionFacts> = [];
          const rules = paginate(
            (Marker) =>
              ctx.call(CALLS.describeRules, () =>
                client.send(new DescribeRulesCommand({ ListenerArn: arn, Marker, PageSize: 400 })),
              ),
            (page) => page.Rules,
            (page) => page.NextMarker,
          );
          for await (const rule of rules)
            if (!rule.IsDefault) actions.push(...(actionFacts(rule.Actions) ?? []));
          return actions;
        },
        (actions) => facts.set("ruleActions", actions, CALLS.describeRules),
      );
    }
    if (listener.SslPolicy) {
      if ("error" in policies) facts.fail("sslProtocols", policies.error);
      else {
        const protocols = policies.protocols.get(listener.SslPolicy);
        if (protocols) facts.set("sslProtocols", protocols, CALLS.describeSslPolicies);
        else
          facts.fail(
            "sslProtocols",
            new Error(`elasticloadbalancing:DescribeSSLPolicies did not list ${listener.SslPolicy}`),
          );
      }
    }
    const scope = ctx.provider;
    const port = listener.Port !== undefined ? `:${listener.Port}` : "";
    return {
      uid: arn,
      name: `${loadBalancer.LoadBalancerName ?? loadBalancer.LoadBalancerArn}${port}`,
      account: scope.accountId,
      region: ctx.where,
    };
  },
});
