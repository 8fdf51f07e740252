import type { Role } from "../context.js";
import { html, type SafeHtml } from "./html.js";
import type { DashboardSession } from "./session.js";

export interface PageContext {
  session: DashboardSession | null;
  path: string;
}

interface NavItem {
  href: string;
  label: string;
  roles: readonly Role[];
}

const EVERYONE: readonly Role[] = ["admin", "lead", "auditor"];
export const NAV: readonly NavItem[] = [
  { href: "/", label: "Overview", roles: EVERYONE },
  { href: "/drift", label: "Drift", roles: EVERYONE },
  { href: "/assets", label: "Assets", roles: EVERYONE },
  { href: "/controls", label: "Controls", roles: EVERYONE },
  { href: "/exceptions", label: "Exceptions", roles: EVERYONE },
  { href: "/ledger", label: "Ledger", roles: EVERYONE },
  { href: "/admin", label: "Admin", roles: ["admin"] },
];

/** The hidden field every form of a session carries (checked in plugin.ts). */
export function csrfField(ctx: PageContext): SafeHtml {
  return ctx.session ? html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">` : html``;
}

/** The page shell: one stylesheet, one deferred script, a navigation for the signed-in role. */
export function layout(ctx: PageContext, title: string, body: SafeHtml, assetVersion = ""): SafeHtml {
  const role = ctx.session?.role;
  const nav = role
    ? NAV.filter((item) => item.roles.includes(role)).map(
        (item) =>
          html`<li><a href="${item.href}"${ctx.path === item.href ? html` aria-current="page"` : html``}>${item.label}</a></li>`,
      )
    : [];
  const v = assetVersion ? `?v=${assetVersion}` : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Assay</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/dashboard.css${v}">
<script src="/assets/dashboard.js${v}" defer></script>
</head>
<body>
<header class="top">
<a class="brand" href="/">Assay</a>
${
  role
    ? html`<nav aria-label="Main"><ul>${nav}</ul></nav>
<form class="sign-out" method="post" action="/sign-out">${csrfField(ctx)}<span class="who">${ctx.session?.subject} (${role})</span> <button type="submit">Sign out</button></form>`
    : html``
}
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

export function errorPage(ctx: PageContext, status: number, message: string): SafeHtml {
  const title =
    status === 403 ? "Not allowed" : status === 404 ? "Not found" : status >= 500 ? "Error" : "Bad request";
  return layout(
    ctx,
    title,
    html`<p class="error" role="alert">${message}</p><p><a href="/">Back to the overview</a></p>`,
  );
}
