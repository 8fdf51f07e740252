import type { BundleRequest } from "./build.js";
import type { ControlTally } from "./oscal.js";

export interface SummaryFacts {
  request: BundleRequest;
  builtAt: string;
  treeSize: number;
  origin: string;
  periodEntries: number;
  reportsIncluded: number;
  reportsNotRelevant: number;
  reportsDisposed: number;
  findings: number;
  devices: Set<string>;
  resources: Set<string>;
  agents: Set<string>;
  disposals: { id: string; disposedAt: string; cutoff: string }[];
  controls: Map<string, ControlTally>;
}

const STATUS_WORDS: Record<string, string> = {
  satisfied: "satisfied (every automated check ran and passed)",
  failing: "FAILING (a check failed)",
  excepted: "accepted risk (failures covered by exceptions; not satisfied)",
  partial: "PARTIAL (some checks passed; others did not run, could not run or had nothing in scope)",
  "not-assessed": "NO EVIDENCE (no automated check passed or failed in the period)",
  manual: "MANUAL (no automated check: gather evidence by hand)",
};

/** summary.txt: what an auditor reads first. Plain text, one screen for a handful of controls. */
export function bundleSummary(f: SummaryFacts): string {
  const lines: string[] = [];
  const r = f.request;
  lines.push("Assay evidence bundle");
  lines.push("=====================");
  lines.push("");
  lines.push(`Period:      ${r.from} to ${r.to}`);
  lines.push(
    `Scope:       ${r.framework ?? "every framework"}${r.controls.length ? `, controls ${r.controls.join(", ")}` : ", every control"}`,
  );
  lines.push(`Built:       ${f.builtAt}`);
  lines.push(
    `Checkpoint:  ${f.origin}, tree of ${f.treeSize} ledger entries (checkpoint.txt, signed by the store)`,
  );
  lines.push("");
  lines.push(
    `Ledger entries appended in the period: ${f.periodEntries} (all listed in ledger/entries.jsonl)`,
  );
  lines.push(`Signed reports included:               ${f.reportsIncluded} from ${f.agents.size} agent(s)`);
  lines.push(
    `Reports of the period not about the controls: ${f.reportsNotRelevant} (entries listed, bodies not included)`,
  );
  lines.push(`Findings:                              ${f.findings}`);
  lines.push(`Devices:                               ${f.devices.size}`);
  lines.push(`Cloud resources:                       ${f.resources.size}`);
  lines.push("");
  if (f.reportsDisposed > 0) {
    lines.push(
      `DISPOSED: ${f.reportsDisposed} report(s) of the period were disposed of by retention; their findings are not in this bundle.`,
    );
    for (const d of f.disposals)
      lines.push(
        `  disposal ${d.id} on ${d.disposedAt} (reports finished before ${d.cutoff}), disposals/${d.id}.json`,
      );
    lines.push("");
  }
  if (f.reportsIncluded === 0) {
    lines.push("MISSING: no report in the period gives automated evidence for the selected controls.");
    lines.push("");
  }
  lines.push("Controls:");
  for (const [ref, c] of f.controls) {
    lines.push(`  ${ref}  ${c.title}`);
    lines.push(`      ${STATUS_WORDS[c.status] ?? c.status}; ${c.observations.length} finding(s)`);
  }
  lines.push("");
  lines.push(
    "Verify offline: assay evidence verify bundle.zip --store-key store.pub [--checkpoint witnessed.txt]",
  );
  lines.push("See docs/auditors.md for what each file is and what each failure means.");
  return `${lines.join("\n")}\n`;
}
