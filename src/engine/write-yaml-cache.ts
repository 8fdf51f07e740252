// Build step (`npm run build`): write dist/yaml-cache.json. A separate entry point, so bundling the engine
// into the agent never runs it.
import { writeYamlCache, YAML_CACHE_FILE } from "./yaml-cache.js";

const count = writeYamlCache();
process.stdout.write(`yaml cache: ${count} file(s) → ${YAML_CACHE_FILE}\n`);
