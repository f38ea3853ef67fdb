//! The tray icon: its colour is the worst bucket of the inventory, its menu opens Rekey, refreshes,
//! shows the counts per bucket and the next expiries (a click opens that cluster), and quits.
//! A failed or partial refresh shows in the menu (and the tooltip, where the OS has one).

use rekey_core::alerts::{AlertStatus, UpcomingExpiry};
use rekey_core::inventory::model::ExpiryBucket;
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};

use super::Alerts;

const TRAY_ID: &str = "rekey";
const OPEN: &str = "open";
const REFRESH: &str = "refresh";
const QUIT: &str = "quit";
const HELD: &str = "held";
const CLUSTER_PREFIX: &str = "cluster:";

/// Icon side in pixels.
const SIZE: u32 = 64;

/// The colour of a level, as the dashboard's bucket colours; grey before the first inventory.
fn colour(level: Option<ExpiryBucket>) -> [u8; 3] {
    match level {
        Some(ExpiryBucket::Expired) => [0x9b, 0x1c, 0x1c],
        Some(ExpiryBucket::Critical) => [0xe0, 0x53, 0x1f],
        Some(ExpiryBucket::Warning) => [0xe0, 0xa1, 0x00],
        Some(ExpiryBucket::Notice) => [0x3a, 0x7b, 0xd5],
        Some(ExpiryBucket::Ok) => [0x2e, 0x9d, 0x57],
        _ => [0x8a, 0x8f, 0x98],
    }
}

/// A round badge in `level`'s colour with a white ring, drawn at run time (RGBA).
pub fn icon(level: Option<ExpiryBucket>) -> Image<'static> {
    let [r, g, b] = colour(level);
    let mut rgba = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    let c = (SIZE as f32 - 1.0) / 2.0;
    let outer = SIZE as f32 / 2.0 - 1.0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let d = ((x as f32 - c).powi(2) + (y as f32 - c).powi(2)).sqrt();
            // Anti-aliased edge, and a white ring at 45–60 % of the radius (a key's bow).
            let alpha = (outer - d + 0.5).clamp(0.0, 1.0);
            let ring = d > outer * 0.42 && d < outer * 0.62;
            let (pr, pg, pb) = if ring { (255, 255, 255) } else { (r, g, b) };
            rgba.extend_from_slice(&[pr, pg, pb, (alpha * 255.0).round() as u8]);
        }
    }
    Image::new_owned(rgba, SIZE, SIZE)
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn when(e: &UpcomingExpiry) -> String {
    match e.days_left {
        d if d < 0 => format!("expired {} ago", plural(-d, "day", "days")),
        0 => "expires today".into(),
        d => format!("expires in {}", plural(d, "day", "days")),
    }
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// One line on how the inventory stands: a problem first, else when it was read.
fn status_line(status: &AlertStatus) -> String {
    if status.refreshing {
        return "Refreshing…".into();
    }
    if let Some(problem) = &status.problem {
        return format!("⚠ {}", short(problem, 90));
    }
    match status.last_refresh {
        Some(at) => {
            let local = at.with_timezone(&chrono::Local);
            let demo = if status.demo { " (demo tenant)" } else { "" };
            format!("Last refreshed {}{demo}", local.format("%Y-%m-%d %H:%M"))
        }
        None => "Not refreshed yet".into(),
    }
}

/// The tooltip (Windows, macOS): the worst news in one line.
fn tooltip(status: &AlertStatus) -> String {
    let mut lines = vec!["Rekey".to_string()];
    if let Some(s) = &status.summary {
        let c = &s.counts;
        lines.push(format!(
            "{} expired · {} critical · {} warning · {} notice",
            c.expired, c.critical, c.warning, c.notice
        ));
    }
    lines.push(status_line(status));
    lines.join("\n")
}

fn build_menu(app: &AppHandle, status: &AlertStatus) -> tauri::Result<Menu<tauri::Wry>> {
    let alerts = app.state::<Alerts>();
    let buckets = alerts.settings().expiry_buckets;
    let menu = Menu::new(app)?;
    let item = |id: &str, text: &str, enabled: bool| MenuItem::with_id(app, id, text, enabled, None::<&str>);
    let mut counter = 0usize;
    let mut info = |text: String| {
        counter += 1;
        MenuItem::with_id(app, format!("info:{counter}"), text, false, None::<&str>)
    };
    let mut items: Vec<Box<dyn IsMenuItem<tauri::Wry>>> = vec![
        Box::new(item(OPEN, "Open Rekey", true)?),
        Box::new(item(
            REFRESH,
            if status.refreshing {
                "Refreshing…"
            } else {
                "Refresh now"
            },
            !status.refreshing,
        )?),
        Box::new(PredefinedMenuItem::separator(app)?),
    ];
    let mut clusters = Vec::new();
    match &status.summary {
        Some(s) => {
            let c = &s.counts;
            items.push(Box::new(info(format!("Expired: {}", c.expired))?));
            items.push(Box::new(info(format!(
                "Critical (≤ {} days): {}",
                buckets.critical_days, c.critical
            ))?));
            items.push(Box::new(info(format!(
                "Warning (≤ {} days): {}",
                buckets.warning_days, c.warning
            ))?));
            items.push(Box::new(info(format!(
                "Notice (≤ {} days): {}",
                buckets.notice_days, c.notice
            ))?));
            items.push(Box::new(info(format!(
                "OK: {} · Auto-rotated: {} · Unknown: {}",
                c.ok, c.auto_rotated, c.unknown
            ))?));
            if !s.next.is_empty() {
                items.push(Box::new(PredefinedMenuItem::separator(app)?));
                items.push(Box::new(info("Next expiries".into())?));
                for (index, next) in s.next.iter().enumerate() {
                    clusters.push(next.cluster_id.clone());
                    items.push(Box::new(item(
                        &format!("{CLUSTER_PREFIX}{index}"),
                        &format!("{} — {}", next.cluster_name, when(next)),
                        true,
                    )?));
                }
            }
        }
        None => items.push(Box::new(info("No inventory yet".into())?)),
    }
    let held = alerts.held();
    if held > 0 {
        items.push(Box::new(PredefinedMenuItem::separator(app)?));
        items.push(Box::new(item(
            HELD,
            &format!(
                "{held} retirement{} held: an old secret is still in use (see History)",
                if held == 1 { "" } else { "s" }
            ),
            true,
        )?));
    }
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(info(status_line(status))?));
    items.push(Box::new(PredefinedMenuItem::separator(app)?));
    items.push(Box::new(item(QUIT, "Quit Rekey", true)?));
    let refs: Vec<&dyn IsMenuItem<tauri::Wry>> = items.iter().map(|i| i.as_ref()).collect();
    menu.append_items(&refs)?;
    alerts.set_tray_clusters(clusters);
    Ok(menu)
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    let id = event.id().as_ref();
    match id {
        OPEN | HELD => super::show_window(app),
        REFRESH => app.state::<Alerts>().request_refresh(),
        QUIT => {
            // The clipboard threads die with the process: take a copied secret back first.
            rekey_core::clipboard::clear_all_now();
            app.exit(0)
        }
        other => {
            let index = other
                .strip_prefix(CLUSTER_PREFIX)
                .and_then(|i| i.parse::<usize>().ok());
            if let Some(cluster) = index.and_then(|i| app.state::<Alerts>().tray_cluster(i)) {
                super::open_cluster(app, Some(cluster), false);
            }
        }
    }
}

/// Creates the tray icon (at start, on the main thread).
pub fn create(app: &AppHandle) -> tauri::Result<TrayIcon> {
    let status = app.state::<Alerts>().status();
    let menu = build_menu(app, &status)?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(None))
        .tooltip(tooltip(&status))
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu)
        .build(app)
}

/// Brings the tray up to date with the alert status: colour, menu, tooltip.
pub fn update(app: &AppHandle) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let status = app.state::<Alerts>().status();
    let level = status.summary.as_ref().map(|s| s.worst);
    if let Err(e) = tray.set_icon(Some(icon(level))) {
        tracing::warn!("the tray icon could not be changed: {e}");
    }
    match build_menu(app, &status) {
        Ok(menu) => {
            if let Err(e) = tray.set_menu(Some(menu)) {
                tracing::warn!("the tray menu could not be changed: {e}");
            }
        }
        Err(e) => tracing::warn!("the tray menu could not be built: {e}"),
    }
    // Linux (AppIndicator) has no tooltip: the menu's status line says the same.
    let _ = tray.set_tooltip(Some(tooltip(&status)));
}
