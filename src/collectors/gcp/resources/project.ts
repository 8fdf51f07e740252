import { z } from "zod";
import { GcpProjectFactsSchema } from "../../../core/facts/gcp.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType } from "../../kit/resource-type.js";
import { parseReply } from "../errors.js";
import type { GcpHandle } from "../handle.js";
import { IamPolicySchema, iamBindingFacts } from "./bucket.js";

export const PROJECT_FACT_CALLS = {
  getIamPolicy: apiCall("resourcemanager.projects.getIamPolicy"),
  getService: apiCall("serviceusage.services.get"),
};

/**
 * The services whose state says whether vulnerability scanning can run in the project. Artifact Analysis
 * scans container images once `containerscanning.googleapis.com` is enabled in the project; Security Command
 * Center is activated for the organization (or project) and its API is `securitycenter.googleapis.com`. A
 * project-level read (Service Usage) answers whether these APIs are enabled; whether SCC's tier is activated at
 * the organization needs an organization-level read Assay does not make.
 */
export const SCANNING_SERVICES = [
  "containerscanning.googleapis.com",
  "securitycenter.googleapis.com",
] as const;

const ServiceSchema = z.object({ state: z.string() });

/**
 * The project itself: its IAM policy's bindings (policy version 3) and the state of the vulnerability-scanning
 * services. Each is read on its own, so a denied read costs only its fact. Which bindings are too broad
 * (basic roles to users) and whether scanning is on are the rules' judgements (GCP-IAM-001, GCP-VULN-001).
 */
export const gcpProject = defineResourceType<GcpHandle, string>({
  type: "gcp.project",
  service: "resourcemanager",
  scope: "perProject",
  facts: GcpProjectFactsSchema,
  calls: Object.values(PROJECT_FACT_CALLS),
  async *list(ctx) {
    yield ctx.where;
  },
  async read(ctx, project, facts) {
    const { resourceManager, serviceUsage } = ctx.provider.apis;
    await Promise.all([
      facts.read(
        "iamBindings",
        async () =>
          parseReply(
            PROJECT_FACT_CALLS.getIamPolicy,
            IamPolicySchema,
            (
              await ctx.call(PROJECT_FACT_CALLS.getIamPolicy, () =>
                resourceManager.projects.getIamPolicy({
                  resource: `projects/${project}`,
                  requestBody: { options: { requestedPolicyVersion: 3 } },
                }),
              )
            ).data,
          ),
        // Google's JSON leaves an empty list out: a policy without `bindings` grants nothing.
        (policy) => facts.set("iamBindings", iamBindingFacts(policy) ?? [], PROJECT_FACT_CALLS.getIamPolicy),
      ),
      facts.read(
        "services",
        async () => {
          const states: Record<string, string> = {};
          for (const service of SCANNING_SERVICES) {
            const reply = await ctx.call(PROJECT_FACT_CALLS.getService, () =>
              serviceUsage.getService(`projects/${project}/services/${service}`),
            );
            states[service] = parseReply(PROJECT_FACT_CALLS.getService, ServiceSchema, reply).state;
          }
          return states;
        },
        (states) => facts.set("services", states, PROJECT_FACT_CALLS.getService),
      ),
    ]);
    return {
      uid: `//cloudresourcemanager.googleapis.com/projects/${project}`,
      name: project,
      account: project,
    };
  },
});
