// Page registry for the shell's navigation. Add a page here and it appears in the header
// (unless `inNav` is false: such pages are reached from buttons inside other pages).
import type { Component } from "svelte";
import type { AuthStatus } from "../lib/bindings/AuthStatus";
import type { IpcError } from "../lib/bindings/IpcError";
import Accounts from "./Accounts.svelte";
import Dashboard from "./Dashboard.svelte";
import SignIn from "./SignIn.svelte";

export type PageId = "clusters" | "accounts" | "signin";

/** `auth_status` as the shell holds it; every page sees the same copy. */
export type AuthView =
  | { status: "loading" }
  | { status: "error"; error: IpcError }
  | { status: "ready"; auth: AuthStatus };

export type PageProps = {
  auth: AuthView;
  /** Re-read auth_status and session_info after a sign-in, sign-out or selection change. Never rejects. */
  reloadAuth: () => Promise<void>;
  navigate: (id: PageId) => void;
};

export type PageDef = { id: PageId; label: string; component: Component<PageProps>; inNav: boolean };

export const dashboardPage: PageDef = { id: "clusters", label: "Clusters", component: Dashboard, inNav: true };
export const accountsPage: PageDef = { id: "accounts", label: "Accounts", component: Accounts, inNav: true };
export const signInPage: PageDef = { id: "signin", label: "Sign in", component: SignIn, inNav: false };

export const pages: readonly PageDef[] = [dashboardPage, accountsPage, signInPage];
