/**
 * systeminformation's `lib/system.js` alone (the package has no `exports` map, so the file may be imported
 * directly): importing the package's index loads all of its ~30 modules, 56-99 ms against 10-40 ms for this
 * one (bench/README.md "Device scan"). Typed as far as the hardware probe reads it.
 */
declare module "systeminformation/lib/system.js" {
  export function system(): Promise<{
    manufacturer: string;
    model: string;
    serial: string;
    virtual?: boolean;
    virtualHost?: string;
  }>;
}
