import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  formatCheckpoint,
  formatNoteVerifierKey,
  noteSignerFromPrivateKey,
  openNote,
  parseCheckpoint,
  parseNoteSignerKey,
  parseNoteVerifierKey,
  signNote,
} from "../../src/core/signed-note.js";

// The reference vector of golang.org/x/mod/sumdb/note (note_test.go, ExampleSign): Ed25519 is deterministic,
// so signing the same text with the same key must reproduce the published note byte for byte.
const GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe("signed notes and checkpoints (C2SP)", () => {
  it("reproduces and opens the sumdb/note reference note", () => {
    const signer = parseNoteSignerKey(GO_SIGNER);
    expect(formatNoteVerifierKey(signer)).toBe(GO_VERIFIER);
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
    expect(openNote(GO_NOTE, parseNoteVerifierKey(GO_VERIFIER))).toBe(GO_TEXT);
  });

  it("rejects an altered text, a wrong key id and a note with no signature of the key", () => {
    const key = parseNoteVerifierKey(GO_VERIFIER);
    expect(() => openNote(GO_NOTE.replace("cryptography", "cryptographY"), key)).toThrow(/does not verify/);
    expect(() => parseNoteVerifierKey(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))).toThrow(/does not match/);
    const other = noteSignerFromPrivateKey("assay.example/store", generateKeyPairSync("ed25519").privateKey);
    expect(() => openNote(signNote(GO_TEXT, other), key)).toThrow(/no signature of PeterNeumann/);
  });

  it("round-trips a checkpoint signed by a store key", () => {
    const signer = noteSignerFromPrivateKey("assay.example/store", generateKeyPairSync("ed25519").privateKey);
    const body = formatCheckpoint({
      origin: "assay.example/store",
      size: 42,
      rootHash: new Uint8Array(32).fill(7),
    });
    expect(body).toBe("assay.example/store\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n");
    const note = signNote(body, signer);
    const opened = parseCheckpoint(openNote(note, parseNoteVerifierKey(formatNoteVerifierKey(signer))));
    expect(opened).toMatchObject({ origin: "assay.example/store", size: 42, extensions: [] });
    expect(() => parseCheckpoint("o\n042\nAAAA\n")).toThrow(/not a decimal/);
    expect(() => parseCheckpoint("o\n1\nAAAA\n")).toThrow(/32 bytes/);
  });
});
