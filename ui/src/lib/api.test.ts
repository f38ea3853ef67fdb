import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it } from "vitest";
import { clusters, demoSession } from "../test/fixtures";
import { getSessionInfo, listClusters, NO_BACKEND, toIpcError, UNEXPECTED } from "./api";

describe("api commands", () => {
  it("invokes list_clusters and session_info by name and returns their payloads", async () => {
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      return cmd === "list_clusters" ? clusters : demoSession;
    });

    await expect(listClusters()).resolves.toEqual(clusters);
    await expect(getSessionInfo()).resolves.toEqual(demoSession);
    expect(seen).toEqual(["list_clusters", "session_info"]);
  });

  it("passes an IpcError rejection through, keeping only code and message", async () => {
    mockIPC(() => {
      throw { code: "arm_forbidden", message: "No access to subscription", detail: 42 };
    });
    await expect(listClusters()).rejects.toEqual({
      code: "arm_forbidden",
      message: "No access to subscription",
    });
  });

  it("normalises a plain string rejection", async () => {
    mockIPC(() => Promise.reject("token expired"));
    await expect(listClusters()).rejects.toEqual({ code: UNEXPECTED, message: "token expired" });
  });

  it("normalises an Error rejection", async () => {
    mockIPC(() => {
      throw new TypeError("bad payload");
    });
    await expect(getSessionInfo()).rejects.toEqual({ code: UNEXPECTED, message: "bad payload" });
  });

  it("reports a clear error when no Tauri back end is present", async () => {
    // No mockIPC here: __TAURI_INTERNALS__ is absent, as in a plain browser.
    await expect(listClusters()).rejects.toMatchObject({ code: NO_BACKEND });
  });
});

describe("toIpcError", () => {
  it.each([
    [{ foo: 1 }, 'Unexpected error: {"foo":1}'],
    [{}, "Unexpected error: an unreadable value."],
    [undefined, "Unexpected error: no details were given."],
    [null, "Unexpected error: no details were given."],
    [404, "Unexpected error: 404"],
    ["   ", "The back end failed without a message."],
  ])("turns %j into a readable message", (input, message) => {
    const err = toIpcError(input);
    expect(err).toEqual({ code: UNEXPECTED, message });
    expect(err.message).not.toContain("[object Object]");
  });

  it("keeps a code that arrives without a message", () => {
    expect(toIpcError({ code: "timeout" })).toEqual({
      code: "timeout",
      message: 'The back end reported "timeout" without a message.',
    });
  });

  it("does not print [object Object] for circular values", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(toIpcError(circular).message).toBe("Unexpected error: an unreadable value.");
  });

  it("is idempotent", () => {
    const once = toIpcError("boom");
    expect(toIpcError(once)).toEqual(once);
  });
});
