/** The report's only stylesheet, inline: the file must render the same offline and in print. */
export const HTML_STYLE = `
:root { --pass: #2e7d32; --fail: #c62828; --excepted: #f9a825; --error: #6d4c41; --skip: #9e9e9e; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
h1, .meta { overflow-wrap: anywhere; }
.meta { color: #57606a; margin: 0 0 16px; display: flex; flex-wrap: wrap; gap: 2px 16px; }
nav#contents ol { margin: 4px 0 0; padding-left: 20px; columns: 2; column-gap: 32px; }
nav#contents li { break-inside: avoid; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 22px; }
.card.pass b { color: var(--pass); } .card.fail b { color: var(--fail); } .card.excepted b { color: #8d6e00; }
.card.error b { color: var(--error); } .card.skip b { color: #616161; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f6f8fa; }
td.ev { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.ev .line { white-space: pre-wrap; }
td.ev ol.ev-list { margin: 0.2em 0 0.4em; padding-left: 2.2em; }
td.ev li.offending mark { background: #fde2e1; color: inherit; }
td.ev details summary { cursor: pointer; }
td.ev details[open] summary { color: #57606a; }
td.ev details .full { white-space: pre-wrap; }
code.cel { font-size: 12px; background: #f6f8fa; padding: 0 3px; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.sev-critical { background: #7b1fa2; } .sev-high { background: var(--fail); } .sev-medium { background: #ef6c00; }
.sev-low { background: #1565c0; } .sev-info { background: #607d8b; }
.st-pass, .st-passing, .st-satisfied { background: var(--pass); } .st-fail, .st-failing { background: var(--fail); }
.st-excepted { background: var(--excepted); color: #1f2328; } .st-error { background: var(--error); }
.st-skip, .st-not-applicable, .st-not-evaluated, .st-not-assessed { background: var(--skip); } .st-partial { background: var(--error); } .st-manual { background: #fff; color: #1f2328; border: 1px dashed #57606a; }
.manual { margin-top: 4px; font-size: 12px; } .manual ul { margin: 2px 0 0 16px; padding: 0; }
.rule { border: 1px solid var(--line); border-left: 4px solid var(--fail); border-radius: 4px; padding: 8px 12px; margin: 12px 0; break-inside: avoid-page; }
.rule.error { border-left-color: var(--error); }
.rule p { margin: 4px 0; }
.remediation { background: #f0f7f0; padding: 4px 8px; border-radius: 4px; }
.chart { max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
.chart-heading { font-weight: 700; font-size: 13px; }
.chart-rate { font-weight: 600; }
.muted { color: #57606a; }
.empty { color: #57606a; font-style: italic; }
footer { margin-top: 32px; color: #57606a; font-size: 12px; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid-page; }
  table { font-size: 9pt; }
  tr, .card { break-inside: avoid; }
  thead { display: table-header-group; }
  nav#contents ol { columns: 2; }
  .badge, .chart rect, .card { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
`;
