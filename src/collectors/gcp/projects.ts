import { z } from "zod";
import { call, type GcpSession, pages } from "./session.js";

export const PROJECTS_LIST = "resourcemanager.projects.list";
export const FOLDERS_LIST = "resourcemanager.folders.list";

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
export async function resolveProjects(session: GcpSession): Promise<string[]> {
  const { settings } = session;
  if (settings.projects) return settings.projects;
  const crm = session.apis.resourceManager;
  const roots = [
    ...(settings.organization ? [normalise(settings.organization, "organizations")] : []),
    ...(settings.folders ?? []).map((f) => normalise(f, "folders")),
  ];
  const found = new Set<string>();
  if (roots.length === 0) {
    for await (const items of pages(async (pageToken) => {
      const res = await call(session, PROJECTS_LIST, () =>
        crm.projects.search({ ...(pageToken ? { pageToken } : {}) }),
      );
      const page = ProjectsPageSchema.parse(res.data);
      return { items: page.projects ?? [], next: page.nextPageToken };
    })) {
      for (const p of items) if (active(p.state)) found.add(p.projectId);
    }
    return [...found].sort();
  }

  const walk = async (parent: string): Promise<void> => {
    const children: string[] = [];
    for await (const items of pages(async (pageToken) => {
      const res = await call(session, FOLDERS_LIST, () =>
        crm.folders.list({ parent, ...(pageToken ? { pageToken } : {}) }),
      );
      const page = FoldersPageSchema.parse(res.data);
      return { items: page.folders ?? [], next: page.nextPageToken };
    })) {
      for (const f of items) if (active(f.state)) children.push(f.name);
    }
    for await (const items of pages(async (pageToken) => {
      const res = await call(session, PROJECTS_LIST, () =>
        crm.projects.list({ parent, ...(pageToken ? { pageToken } : {}) }),
      );
      const page = ProjectsPageSchema.parse(res.data);
      return { items: page.projects ?? [], next: page.nextPageToken };
    })) {
      for (const p of items) if (active(p.state)) found.add(p.projectId);
    }
    await Promise.all(children.map(walk));
  };
  await Promise.all(roots.map(walk));
  return [...found].sort();
}
