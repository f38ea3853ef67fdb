//! Simulator benchmark: start-up time, memory and cluster GETs per second on the 1,000-cluster
//! scenario. Prints its figures; it asserts nothing about time (targets on a 2-core machine:
//! ≥ 5,000 requests/s, start-up < 1 s, resident memory < 100 MB).
//!
//! Run: `cargo bench -p rekey-sim --bench throughput` (builds the simulator in release mode).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SCENARIO: &str = "tenants=2,subscriptions=100,clusters=1000,seed=7";
const CONNECTIONS: usize = 32;
const DURATION: Duration = Duration::from_secs(5);

fn sim_binary() -> std::path::PathBuf {
    // Cargo builds the package's binaries for its benchmarks and names them here.
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_rekey-sim"))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    let bin = sim_binary();
    if !bin.exists() {
        eprintln!(
            "build the simulator first: cargo build --release -p rekey-sim ({} is missing)",
            bin.display()
        );
        std::process::exit(2);
    }
    let started = Instant::now();
    let mut child = match Command::new(&bin)
        .args(["serve", "--generate", SCENARIO])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("could not start {}: {e}", bin.display());
            std::process::exit(2);
        }
    };
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let startup = started.elapsed();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
    let (Some(base), Some(ca_path)) = (ready["base_url"].as_str(), ready["ca_pem"].as_str()) else {
        eprintln!("the simulator did not print its ready line: {line}");
        let _ = child.kill();
        std::process::exit(2);
    };
    let base = base.to_string();
    let ca = std::fs::read_to_string(ca_path).unwrap_or_default();
    let admin_token = ready["admin_token"].as_str().unwrap_or_default().to_string();
    let pid = child.id();
    let rss_idle = rss_kib(pid);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (requests, errors, rss_loaded) = runtime.block_on(load(&base, &ca, &admin_token, pid));
    let _ = child.kill();
    let _ = child.wait();

    let per_second = requests as f64 / DURATION.as_secs_f64();
    println!("rekey-sim benchmark, scenario {SCENARIO}");
    println!(
        "  start-up to ready line:   {:>8.0} ms   (target < 1000 ms)",
        startup.as_secs_f64() * 1000.0
    );
    println!(
        "  resident memory, idle:    {:>8.1} MB",
        rss_idle.unwrap_or(0) as f64 / 1024.0
    );
    println!(
        "  resident memory, loaded:  {:>8.1} MB   (target < 100 MB)",
        rss_loaded.unwrap_or(0) as f64 / 1024.0
    );
    println!("  cluster GETs:             {:>8.0} /s   (target >= 5000 /s; {CONNECTIONS} connections, {} s, {errors} errors)", per_second, DURATION.as_secs());
}

async fn load(base: &str, ca: &str, admin_token: &str, pid: u32) -> (u64, u64, Option<u64>) {
    let Ok(cert) = reqwest::Certificate::from_pem(ca.as_bytes()) else {
        return (0, 0, None);
    };
    let Ok(http) = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(cert)
        .build()
    else {
        return (0, 0, None);
    };
    // Cluster IDs and a token, through the same public APIs a client uses.
    let state: serde_json::Value = match http
        .get(format!("{base}_sim/state"))
        .bearer_auth(admin_token)
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or_default(),
        Err(_) => return (0, 0, None),
    };
    // Only clusters the administrator may read: about one subscription in twenty is restricted.
    let admin = state["servicePrincipals"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["displayName"] == "rekey-demo-admin"))
        .map(|s| s["id"].clone())
        .unwrap_or_default();
    let readable: std::collections::HashSet<String> = state["roleAssignments"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["principalId"] == admin)
                .filter_map(|r| r["subscriptionId"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let ids: Vec<String> = state["clusters"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["subscriptionId"].as_str().is_some_and(|s| readable.contains(s)))
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let token = match admin_token_for_arm(&http, base, admin_token).await {
        Some(t) => t,
        None => return (0, 0, None),
    };
    let ids = Arc::new(ids);
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + DURATION;
    let mut tasks = Vec::new();
    for worker in 0..CONNECTIONS {
        let (http, ids, done, failed, token, base) = (
            http.clone(),
            ids.clone(),
            done.clone(),
            failed.clone(),
            token.clone(),
            base.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = worker;
            while Instant::now() < deadline && !ids.is_empty() {
                let url = format!(
                    "{base}{}?api-version=2025-07-01",
                    ids[i % ids.len()].trim_start_matches('/')
                );
                match http.get(url).bearer_auth(&token).send().await {
                    // Only successful reads count; the restricted subscriptions' clusters answer 403.
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                i += CONNECTIONS;
            }
        }));
    }
    tokio::time::sleep(DURATION / 2).await;
    let rss = rss_kib(pid);
    for t in tasks {
        let _ = t.await;
    }
    (done.load(Ordering::Relaxed), failed.load(Ordering::Relaxed), rss)
}

/// An ARM token for the demo administrator, minted by the control API (its secret is never printed).
async fn admin_token_for_arm(http: &reqwest::Client, base: &str, admin_token: &str) -> Option<String> {
    let body = serde_json::json!({"principal": "rekey-demo-admin", "audience": "arm"});
    let response = http
        .post(format!("{base}_sim/token"))
        .bearer_auth(admin_token)
        .json(&body)
        .send()
        .await
        .ok()?;
    let value: serde_json::Value = response.json().await.ok()?;
    value["access_token"].as_str().map(str::to_string)
}
