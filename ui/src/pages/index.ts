// Page registry for the shell's navigation. Add a page here and it appears in the header.
import type { Component } from "svelte";
import Dashboard from "./Dashboard.svelte";

export type PageDef = { id: string; label: string; component: Component };

export const dashboardPage: PageDef = { id: "clusters", label: "Clusters", component: Dashboard };

export const pages: readonly PageDef[] = [dashboardPage];
