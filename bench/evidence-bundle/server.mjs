// Child process of run.mjs: the store on 127.0.0.1:0 over the SQLite data folder given; prints its port, an
// admin token and the store's verifier key (what an auditor pins), then serves until SIGTERM.
import { buildApp } from "../../dist/store/app.js";
import { createApiToken } from "../../dist/store/token-admin.js";

const app = await buildApp({
  dataDir: process.argv[2],
  enrolmentSecret: "bench-enrolment-secret-0123456789",
  logLevel: "warn",
  backgroundJobs: false,
});
await app.listen({ host: "127.0.0.1", port: 0 });
const token = (await createApiToken(app.assay.store.db, { role: "auditor", name: "bench" })).token;
process.stdout.write(
  `${JSON.stringify({ port: app.server.address().port, token, vkey: app.assay.signer.vkey })}\n`,
);
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
