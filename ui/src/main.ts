import { mount } from "svelte";
import App from "./App.svelte";
import "./styles/tokens.css";
import "./styles/base.css";
import { pageMark } from "./lib/firstPaint";
import { applyTheme } from "./lib/theme";

pageMark("script");

// The desktop's palette from the first paint; App applies the saved setting once it is read.
applyTheme("system");

const target = document.getElementById("app");
if (!target) throw new Error("index.html is missing #app");

const app = mount(App, { target });
pageMark("app mounted");

export default app;
