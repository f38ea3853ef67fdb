import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import SignIn from "../pages/SignIn.svelte";
import { demoStatus, mockCommands, pageProps } from "../test/fixtures";
import { startingCloud } from "./signIn";

describe("the sign-in screen's starting cloud (Settings)", () => {
  it("maps each saved cloud to the form's fields", () => {
    expect(startingCloud(null)).toEqual({ cloud: "public", metadataUrl: "", caFile: "" });
    expect(startingCloud({ kind: "usGov" })).toEqual({ cloud: "usGov", metadataUrl: "", caFile: "" });
    expect(startingCloud({ kind: "custom", metadataUrl: "https://arm.example/m", caFile: null })).toEqual({
      cloud: "custom",
      metadataUrl: "https://arm.example/m",
      caFile: "",
    });
  });

  it("preselects the cloud chosen in Settings", async () => {
    mockCommands({});
    render(SignIn, pageProps({ ...demoStatus, defaultCloud: { kind: "china" } }));
    expect((await screen.findByTestId<HTMLSelectElement>("cloud-picker")).value).toBe("china");
  });
});
