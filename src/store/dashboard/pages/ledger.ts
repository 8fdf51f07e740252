import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { latestCheckpoint } from "../../checkpoints.js";
import type { StoreContext } from "../../context.js";
import { parseInput } from "../../validate.js";
import type { VerifyResult } from "../../verify.js";
import { html, queryString, type SafeHtml } from "../html.js";
import { csrfField, type PageContext } from "../layout.js";

const PAGE_SIZE = 50;
const LedgerQuery = z.strictObject({ before: z.coerce.number().int().positive().optional() });

export async function ledgerPage(
  ctx: StoreContext,
  request: FastifyRequest,
  page: PageContext,
  verified?: VerifyResult,
): Promise<SafeHtml> {
  const q = parseInput(LedgerQuery, request.method === "GET" ? request.query : {}, "query");
  const db = ctx.store.db;
  let entries = db.selectFrom("ledger").selectAll().orderBy("seq", "desc").limit(PAGE_SIZE);
  if (q.before) entries = entries.where("seq", "<", q.before);
  const [rows, head, disposals, checkpoint] = await Promise.all([
    entries.execute(),
    db.selectFrom("ledger_head").select(["seq", "entry_hash"]).executeTakeFirst(),
    db
      .selectFrom("disposals")
      .select(["id", "disposed_at", "cutoff", "reports", "findings"])
      .orderBy("disposed_at", "desc")
      .limit(10)
      .execute(),
    latestCheckpoint(db),
  ]);
  const older =
    rows.length === PAGE_SIZE ? `/ledger${queryString({ before: Number(rows.at(-1)!.seq) })}` : undefined;
  return html`<section aria-labelledby="verification"><h2 id="verification">Verification</h2>
<p>Head: entry ${head ? Number(head.seq) : 0}${head ? html`, hash <code>${head.entry_hash}</code>` : html``}.</p>
${verified ? verificationResult(verified) : html`<p>Verification re-checks the hash chain, every report signature and every table derived from the ledger. It reads the whole ledger, so it takes a while on a large store.</p>`}
<form method="post" action="/ledger/verify">${csrfField(page)}<button type="submit">Verify now</button></form>
</section>
<section aria-labelledby="checkpoint"><h2 id="checkpoint">Latest signed checkpoint</h2>${
    checkpoint
      ? html`<p>Tree size ${checkpoint.size}, issued <time datetime="${checkpoint.issuedAt}">${checkpoint.issuedAt}</time>. An auditor keeps this note and later checks that the ledger still extends it (<code>assay evidence verify --checkpoint</code>, <code>assay store verify --witness</code>).</p><pre class="note">${checkpoint.note}</pre>`
      : html`<p class="empty">No checkpoint has been issued yet.</p>`
  }</section>
<section aria-labelledby="disposals"><h2 id="disposals">Retention disposals</h2>${
    disposals.length === 0
      ? html`<p class="empty">Nothing has been disposed of.</p>`
      : html`<table><thead><tr><th scope="col">When</th><th scope="col">Reports before</th><th scope="col">Reports</th><th scope="col">Findings</th></tr></thead><tbody>${disposals.map(
          (d) =>
            html`<tr><td>${d.disposed_at}</td><td>${d.cutoff}</td><td>${Number(d.reports)}</td><td>${Number(d.findings)}</td></tr>`,
        )}</tbody></table>`
  }</section>
<section aria-labelledby="entries"><h2 id="entries">Entries</h2>
<table class="ledger"><thead><tr><th scope="col">Seq</th><th scope="col">Kind</th><th scope="col">Reference</th><th scope="col">Appended</th><th scope="col">Entry hash</th></tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr><td>${Number(r.seq)}</td><td>${r.kind}</td><td>${r.ref}</td><td><time datetime="${r.appended_at}">${r.appended_at}</time></td><td><code>${r.entry_hash.slice(0, 16)}…</code></td></tr>`,
  )}</tbody></table>
<nav class="pager" aria-label="Pages">${older ? html`<a href="${older}">Older entries</a>` : html``}</nav></section>`;
}

function verificationResult(v: VerifyResult): SafeHtml {
  const summary = `${v.entries} entries, ${v.reportsChecked} reports, ${v.signaturesChecked} signatures, ${v.recordsChecked} identity records checked${v.derivedChecked ? "; derived tables recomputed and compared" : ""}.`;
  if (v.ok) {
    return html`<p class="ok" role="status"><strong>Verified.</strong> ${summary}${v.derivedNote ? html` ${v.derivedNote}` : html``}</p>`;
  }
  return html`<div role="alert"><p class="error"><strong>${v.problems} problem${v.problems === 1 ? "" : "s"} found.</strong> ${summary}</p>
<ul>${Object.entries(v.counts).map(([k, n]) => html`<li>${k}: ${n}</li>`)}</ul>
<table><thead><tr><th scope="col">Seq</th><th scope="col">Kind</th><th scope="col">Reference</th><th scope="col">Problem</th></tr></thead><tbody>${v.broken
    .slice(0, 200)
    .map(
      (b) => html`<tr><td>${b.seq}</td><td>${b.kind}</td><td>${b.ref}</td><td>${b.problem}</td></tr>`,
    )}</tbody></table></div>`;
}
