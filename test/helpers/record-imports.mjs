// Preloaded with `node --import` to record every module URL the process resolves into $ASSAY_IMPORT_LOG,
// so a test can prove a device scan never loads a cloud SDK or the store.
import { register } from "node:module";

if (process.env.ASSAY_IMPORT_LOG) {
  register(new URL("./record-imports-hooks.mjs", import.meta.url), {
    data: { log: process.env.ASSAY_IMPORT_LOG },
  });
}
