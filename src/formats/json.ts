import type { Renderer } from "./types.js";

export const jsonRenderer: Renderer = {
  name: "json",
  extension: "json",
  mediaType: "application/json",
  *render(report) {
    yield `${JSON.stringify(report, null, 2)}\n`;
  },
};
