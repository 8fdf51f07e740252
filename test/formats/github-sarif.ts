/**
 * The checks GitHub code scanning's SARIF processing applies to each result, as documented and as the SARIF
 * SDK's GitHub rules encode them (source: docs.github.com/en/code-security/reference/code-scanning/sarif-files/
 * sarif-support-for-code-scanning; microsoft/sarif-sdk Multitool rules GH1001 ProvideRequiredLocationProperties,
 * GH1003 ProvideRequiredRegionProperties, GH1005 LocationsMustBeRelativeUrisOrFilePaths, GH1007
 * ProvideFullyFormattedMessageStrings). An upload with a result failing one of these is rejected ("expected
 * artifact location") or the result is dropped. Returns one complaint per broken rule per result.
 */
export function githubSarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  const runs = (log as { runs?: unknown[] }).runs;
  if (!Array.isArray(runs) || runs.length === 0) return ["log has no runs"];
  if (runs.length > 20) problems.push(`${runs.length} runs: GitHub accepts at most 20 per upload`);
  runs.forEach((runValue, r) => {
    const run = runValue as {
      tool?: { driver?: { name?: string; rules?: Record<string, unknown>[] } };
      results?: Record<string, unknown>[];
    };
    const rules = run.tool?.driver?.rules ?? [];
    if (!run.tool?.driver?.name) problems.push(`runs[${r}]: tool.driver.name missing`);
    const ruleIds = new Set(rules.map((rule) => rule.id));
    rules.forEach((rule, i) => {
      const properties = (rule.properties ?? {}) as { tags?: unknown[]; "security-severity"?: unknown };
      const score = Number(properties["security-severity"]);
      if (typeof properties["security-severity"] !== "string" || !(score >= 0 && score <= 10))
        problems.push(`rules[${i}] ${String(rule.id)}: security-severity must be a string number 0.0-10.0`);
      if ((properties.tags?.length ?? 0) > 20) problems.push(`rules[${i}]: more than 20 tags`);
    });
    const results = run.results ?? [];
    if (results.length > 25_000) problems.push(`runs[${r}]: ${results.length} results, GitHub keeps 25,000`);
    results.forEach((result, i) => {
      const at = `runs[${r}].results[${i}]`;
      if (typeof result.ruleId !== "string" || !ruleIds.has(result.ruleId))
        problems.push(`${at}: ruleId not among tool.driver.rules`);
      const message = result.message as { text?: string } | undefined;
      if (!message?.text || /\{\d+\}/.test(message.text))
        problems.push(`${at}: message.text missing or not fully formatted`);
      const locations = result.locations as Record<string, unknown>[] | undefined;
      if (!Array.isArray(locations) || locations.length === 0) {
        problems.push(`${at}: no locations (GitHub: expected artifact location)`);
        return;
      }
      if (locations.length > 1000) problems.push(`${at}: more than 1,000 locations`);
      locations.forEach((location, l) => {
        const physical = location.physicalLocation as
          | { artifactLocation?: { uri?: unknown }; region?: { startLine?: unknown } }
          | undefined;
        const uri = physical?.artifactLocation?.uri;
        if (typeof uri !== "string" || uri.length === 0) {
          problems.push(`${at}.locations[${l}]: physicalLocation.artifactLocation.uri missing`);
          return;
        }
        const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1];
        if (scheme !== undefined && scheme.toLowerCase() !== "file")
          problems.push(
            `${at}.locations[${l}]: unrecognized SARIF location URI scheme "${scheme}" in ${uri}`,
          );
        const startLine = physical?.region?.startLine;
        if (!(typeof startLine === "number" && Number.isInteger(startLine) && startLine >= 1))
          problems.push(`${at}.locations[${l}]: region.startLine missing`);
      });
      const fingerprints = result.partialFingerprints as Record<string, unknown> | undefined;
      if (!fingerprints || Object.keys(fingerprints).length === 0)
        problems.push(`${at}: no partialFingerprints (GitHub would compute them from a source file)`);
    });
  });
  return problems;
}
