// Page registry for the shell's navigation. Add a page here and it appears in the header
// (unless `inNav` is false: such pages are reached from buttons inside other pages).
import type { Component } from "svelte";
import type { AuthStatus } from "../lib/bindings/AuthStatus";
import type { IpcError } from "../lib/bindings/IpcError";
import Accounts from "./Accounts.svelte";
import Dashboard from "./Dashboard.svelte";
import History from "./History.svelte";
import Migrate from "./Migrate.svelte";
import Rotate from "./Rotate.svelte";
import Settings from "./Settings.svelte";
import SignIn from "./SignIn.svelte";
import Vault from "./Vault.svelte";

export type PageId = "clusters" | "accounts" | "signin" | "settings" | "vault" | "rotate" | "history" | "migrate";

/** A cluster to show, asked for from outside the page (the tray, a notification). */
export type OpenClusterRequest = { clusterId: string; rotate: boolean; seq: number };

/** `auth_status` as the shell holds it; every page sees the same copy. */
export type AuthView =
  | { status: "loading" }
  | { status: "error"; error: IpcError }
  | { status: "ready"; auth: AuthStatus };

export type PageProps = {
  auth: AuthView;
  /** Re-read auth_status after a sign-in, sign-out or selection change. Never rejects. */
  reloadAuth: () => Promise<void>;
  navigate: (id: PageId) => void;
  /** The newest request to show a cluster; the clusters page opens it once its row is there. */
  openRequest?: OpenClusterRequest | null;
};

export type PageDef = { id: PageId; label: string; component: Component<PageProps>; inNav: boolean };

export const dashboardPage: PageDef = { id: "clusters", label: "Clusters", component: Dashboard, inNav: true };
export const accountsPage: PageDef = { id: "accounts", label: "Accounts", component: Accounts, inNav: true };
export const settingsPage: PageDef = { id: "settings", label: "Settings", component: Settings, inNav: true };
export const vaultPage: PageDef = { id: "vault", label: "Vault", component: Vault, inNav: true };
export const signInPage: PageDef = { id: "signin", label: "Sign in", component: SignIn, inNav: false };
export const historyPage: PageDef = { id: "history", label: "History", component: History, inNav: true };
/** The rotate wizard: opened from the clusters (a row's Rotate, or several ticked). */
export const rotatePage: PageDef = { id: "rotate", label: "Rotate", component: Rotate, inNav: false };

/** The move-to-managed-identity wizard: opened from the clusters (a row's action, or several ticked). */
export const migratePage: PageDef = { id: "migrate", label: "Move to managed identity", component: Migrate, inNav: false };

export const pages: readonly PageDef[] = [
  dashboardPage,
  vaultPage,
  historyPage,
  accountsPage,
  settingsPage,
  signInPage,
  rotatePage,
  migratePage,
];
