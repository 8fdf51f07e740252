import { startAwsEmulator } from "../../test/emulators/aws/server.js";
import { benchWorld } from "./world.js";

/**
 * Child process: the emulator, apart from the scanner so the scanner's peak RSS and CPU are its own.
 * argv[2] = JSON BenchSize. Prints `URL <url>` when listening; exits when stdin closes.
 */
const size = JSON.parse(process.argv[2] ?? "{}");
const emulator = await startAwsEmulator(benchWorld(size));
process.stdout.write(`URL ${emulator.url}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void emulator.close().then(() => process.exit(0));
});
