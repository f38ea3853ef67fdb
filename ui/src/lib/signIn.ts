// Sign-in form logic, kept out of the components so it can be unit-tested: which clouds can be
// picked, how a choice becomes a `CloudSetting`, and how each field is validated.
// Validators return `null` when the value is fine, else a sentence to show under the field.
import type { CloudSetting } from "./bindings/CloudSetting";
import type { SignInMethod } from "./bindings/SignInMethod";

export type CloudChoice = "public" | "china" | "usGov" | "custom" | "demo";

export const CLOUD_LABELS: Record<CloudChoice, string> = {
  public: "Azure (public)",
  china: "Azure China (21Vianet)",
  usGov: "Azure US Government",
  custom: "Custom cloud…",
  demo: "Rekey simulator (demo)",
};

/** The choices in picker order; the simulator appears only when the back end offers one. */
export function cloudChoices(demoCloud: CloudSetting | null): CloudChoice[] {
  const base: CloudChoice[] = ["public", "china", "usGov", "custom"];
  return demoCloud ? [...base, "demo"] : base;
}

export type CustomCloudInput = { metadataUrl: string; caFile: string };

export type CloudResult =
  | { ok: true; cloud: CloudSetting }
  | { ok: false; errors: { metadataUrl?: string; caFile?: string; cloud?: string } };

/** Build the `CloudSetting` for a picker choice, validating the custom-cloud fields. */
export function buildCloud(
  choice: CloudChoice,
  custom: CustomCloudInput,
  demoCloud: CloudSetting | null,
): CloudResult {
  switch (choice) {
    case "public":
    case "china":
    case "usGov":
      return { ok: true, cloud: { kind: choice } };
    case "demo":
      return demoCloud
        ? { ok: true, cloud: demoCloud }
        : { ok: false, errors: { cloud: "The Rekey simulator is not running. Pick another cloud." } };
    case "custom": {
      const metadataUrl = custom.metadataUrl.trim();
      const urlError = validateMetadataUrl(metadataUrl);
      if (urlError) return { ok: false, errors: { metadataUrl: urlError } };
      // The CA file is the one chosen in Rekey's own dialog, held in Rust: the window names none.
      return { ok: true, cloud: { kind: "custom", metadataUrl, caFile: null } };
    }
  }
}

/** The ARM metadata endpoint of a custom cloud: an absolute https URL without credentials. */
export function validateMetadataUrl(value: string): string | null {
  const text = value.trim();
  if (text === "") return "Enter the metadata URL of the cloud’s Resource Manager endpoint.";
  if (/\s/.test(text)) return "The URL must not contain spaces.";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "This is not a valid URL. It should look like https://management.example.com/metadata/endpoints?api-version=2022-09-01.";
  }
  if (url.protocol !== "https:") return "Only https:// URLs are allowed, so the endpoints cannot be tampered with.";
  if (url.hostname === "") return "The URL has no host name.";
  if (url.username !== "" || url.password !== "") return "The URL must not contain a user name or password.";
  return null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Labels of letters, digits and inner hyphens; at least two labels; a top-level label of letters.
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}

/** A tenant is a directory GUID or one of its domains; `required` is false where it may be left empty. */
export function validateTenant(value: string, required: boolean): string | null {
  const text = value.trim();
  if (text === "") return required ? "Enter the tenant ID or domain." : null;
  if (isGuid(text) || DOMAIN.test(text)) return null;
  return "Enter a tenant ID (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47) or a domain such as contoso.onmicrosoft.com.";
}

export function validateClientId(value: string): string | null {
  const text = value.trim();
  if (text === "") return "Enter the application (client) ID.";
  return isGuid(text) ? null : "The client ID is a GUID, such as 0b2f3a5c-1d4e-4f60-8a7b-9c0d1e2f3a4b.";
}

/** `null` for an empty optional field, else the trimmed text. */
export function optional(value: string): string | null {
  const text = value.trim();
  return text === "" ? null : text;
}

export type MethodInfo = { id: SignInMethod; label: string; description: string; testId: string };

export const METHODS: readonly MethodInfo[] = [
  {
    id: "browser",
    label: "Browser",
    description: "Sign in with your work account in the system browser.",
    testId: "method-browser",
  },
  {
    id: "deviceCode",
    label: "Device code",
    description: "Enter a short code on another device or browser.",
    testId: "method-device-code",
  },
  {
    id: "azureCli",
    label: "Azure CLI",
    description: "Use the account you signed in with az login.",
    testId: "method-azure-cli",
  },
  {
    id: "servicePrincipal",
    label: "Service principal",
    description: "An app registration with a client secret stored in a file.",
    testId: "method-service-principal",
  },
];

export function methodLabel(method: SignInMethod): string {
  return METHODS.find((m) => m.id === method)?.label ?? method;
}

/** Human name of an account's cloud; `demoCloud` lets the simulator be recognised. */
export function cloudLabel(cloud: CloudSetting, demoCloud: CloudSetting | null = null): string {
  if (demoCloud && sameCloud(cloud, demoCloud)) return "Rekey simulator";
  switch (cloud.kind) {
    case "public":
      return "Azure (public)";
    case "china":
      return "Azure China";
    case "usGov":
      return "Azure US Government";
    case "custom": {
      try {
        return `Custom (${new URL(cloud.metadataUrl).host})`;
      } catch {
        return "Custom cloud";
      }
    }
  }
}

export function sameCloud(a: CloudSetting, b: CloudSetting): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "custom" && b.kind === "custom") {
    return a.metadataUrl === b.metadataUrl && a.caFile === b.caFile;
  }
  return true;
}

/** "14:05" for a number of seconds; never negative. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  return `${minutes}:${String(s % 60).padStart(2, "0")}`;
}

/** Everything the sign-in form holds, as typed. */
export type SignInForm = {
  method: SignInMethod;
  cloud: CloudChoice;
  metadataUrl: string;
  caFile: string;
  tenant: string;
  clientId: string;
  secretFile: string;
};

/** The form's cloud fields for the cloud chosen in Settings (Azure public when none). */
export function startingCloud(
  cloud: CloudSetting | null | undefined,
): Pick<SignInForm, "cloud" | "metadataUrl" | "caFile"> {
  if (!cloud) return { cloud: "public", metadataUrl: "", caFile: "" };
  if (cloud.kind === "custom") return { cloud: "custom", metadataUrl: cloud.metadataUrl, caFile: "" };
  return { cloud: cloud.kind, metadataUrl: "", caFile: "" };
}

export const EMPTY_FORM: SignInForm = {
  method: "browser",
  cloud: "public",
  metadataUrl: "",
  caFile: "",
  tenant: "",
  clientId: "",
  secretFile: "",
};

export type FieldName = "cloud" | "metadataUrl" | "caFile" | "tenant" | "clientId" | "secretFile";
export type FieldErrors = Partial<Record<FieldName, string>>;

/** The command to run, with exactly the arguments it takes. There is no field for a secret. */
export type SignInRequest =
  | { method: "browser"; cloud: CloudSetting; tenant: string | null }
  | { method: "deviceCode"; cloud: CloudSetting; tenant: string | null }
  | { method: "azureCli"; tenant: string | null }
  | { method: "servicePrincipal"; cloud: CloudSetting; tenant: string; clientId: string };

/** Validate the fields the chosen method uses and build its request. */
export function buildRequest(
  form: SignInForm,
  demoCloud: CloudSetting | null,
): { ok: true; request: SignInRequest } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const sp = form.method === "servicePrincipal";

  // The Azure CLI signs in to the cloud it is configured for, so the picker does not apply.
  let cloud: CloudSetting | null = null;
  if (form.method !== "azureCli") {
    const built = buildCloud(form.cloud, { metadataUrl: form.metadataUrl, caFile: form.caFile }, demoCloud);
    if (built.ok) cloud = built.cloud;
    else Object.assign(errors, built.errors);
  }

  const tenantError = validateTenant(form.tenant, sp);
  if (tenantError) errors.tenant = tenantError;
  if (sp) {
    const clientError = validateClientId(form.clientId);
    if (clientError) errors.clientId = clientError;
    if (form.secretFile.trim() === "") errors.secretFile = "Choose the file that holds the client secret.";
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const tenant = optional(form.tenant);
  switch (form.method) {
    case "azureCli":
      return { ok: true, request: { method: "azureCli", tenant } };
    case "servicePrincipal":
      return {
        ok: true,
        request: {
          method: "servicePrincipal",
          cloud: cloud!,
          tenant: tenant!,
          clientId: form.clientId.trim(),
        },
      };
    case "browser":
    case "deviceCode":
      return { ok: true, request: { method: form.method, cloud: cloud!, tenant } };
  }
}
