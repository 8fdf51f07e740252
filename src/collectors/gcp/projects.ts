import { z } from "zod";
import { type ApiCall, apiCall } from "../kit/calls.js";
import type { GcpHandle } from "./handle.js";
import { listPages, type PageParam } from "./listed-items.js";

export const PROJECT_CALLS = {
  projects: apiCall("resourcemanager.projects.list"),
  /** projects.search returns the projects the caller has resourcemanager.projects.get on. */
  search: apiCall("resourcemanager.projects.search", "resourcemanager.projects.get"),
  folders: apiCall("resourcemanager.folders.list"),
};

/** Runs one call under the collector's concurrency limit and the kit's attempt policy. */
export type GcpCall = <T>(api: ApiCall, send: () => Promise<T>) => Promise<T>;

const ProjectsPageSchema = z.object({
  projects: z.array(z.object({ projectId: z.string(), state: z.string().nullish() })).nullish(),
  nextPageToken: z.string().nullish(),
});
const FoldersPageSchema = z.object({
  folders: z.array(z.object({ name: z.string(), state: z.string().nullish() })).nullish(),
  nextPageToken: z.string().nullish(),
});

const active = (state: string | null | undefined) => !state || state === "ACTIVE";

function normalise(parent: string, kind: "organizations" | "folders"): string {
  return parent.includes("/") ? parent : `${kind}/${parent}`;
}

/**
 * The projects to scan: the configured list; or every active project under the organization/folders,
 * walking nested folders (Resource Manager lists direct children only); or every project the caller can see.
 */
export async function resolveProjects(handle: GcpHandle, call: GcpCall): Promise<string[]> {
  const { settings } = handle;
  if (settings.projects) return settings.projects;
  const crm = handle.apis.resourceManager;
  const projectsOf = (api: ApiCall, send: (page: PageParam) => Promise<{ data: unknown }>) =>
    listPages(
      { call },
      api,
      ProjectsPageSchema,
      async (page) => (await send(page)).data,
      (page) => page.projects ?? [],
    );
  const roots = [
    ...(settings.organization ? [normalise(settings.organization, "organizations")] : []),
    ...(settings.folders ?? []).map((f) => normalise(f, "folders")),
  ];
  const found = new Set<string>();
  if (roots.length === 0) {
    for await (const p of projectsOf(PROJECT_CALLS.search, (page) => crm.projects.search({ ...page }))) {
      if (active(p.state)) found.add(p.projectId);
    }
    return [...found].sort();
  }

  const walk = async (parent: string): Promise<void> => {
    const children: string[] = [];
    const folders = listPages(
      { call },
      PROJECT_CALLS.folders,
      FoldersPageSchema,
      async (page) => (await crm.folders.list({ parent, ...page })).data,
      (page) => page.folders ?? [],
    );
    for await (const f of folders) if (active(f.state)) children.push(f.name);
    for await (const p of projectsOf(PROJECT_CALLS.projects, (page) =>
      crm.projects.list({ parent, ...page }),
    )) {
      if (active(p.state)) found.add(p.projectId);
    }
    await Promise.all(children.map(walk));
  };
  await Promise.all(roots.map(walk));
  return [...found].sort();
}
