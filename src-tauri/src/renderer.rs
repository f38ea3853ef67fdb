//! The web view's renderer on Linux without a GPU (a VM, Xvfb, many remote desktops): WebKitGTK's
//! DMA-BUF renderer then draws through Mesa's software GL, which held the first painted frame back
//! by about 1.5 s here (`scripts/bench-startup`) and its web process held ≈ 150 MB more; its
//! shared-memory path paints at once. (WebDriver's screenshots hang after a window resize on that
//! path, so the e2e suite sets the variable to 0: a value already set is left alone.)

/// WebKitGTK's switch (2.42+): set, the web process renders into shared memory instead of DMA-BUF.
#[cfg(target_os = "linux")]
const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// Turns the DMA-BUF renderer off when the machine has no GPU render node (`/dev/dri/renderD*`);
/// a value the user set wins. Called first in `run`, before any thread starts (the environment is
/// not changed under a running thread).
pub fn choose() {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os(DISABLE_DMABUF).is_some() {
            return;
        }
        let render_node = std::fs::read_dir("/dev/dri")
            .map(|dir| {
                dir.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
            })
            .unwrap_or(false);
        if !render_node {
            std::env::set_var(DISABLE_DMABUF, "1");
        }
    }
}
