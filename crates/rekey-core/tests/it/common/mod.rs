//! What the core's tests share: a stand-in for the browser, which fills in the simulator's sign-in
//! page as a person would and follows the redirect back to Rekey's loopback listener (here); the
//! real OS keyring ([`keyring`]); the display and its clipboard ([`display`]).

pub mod admin_graph;
pub mod control;
pub mod display;
pub mod keyring;
pub mod leaks;

use url::Url;

/// Opens the sign-in page at `url`, submits it as `user`/`password` with the form's `action`
/// button (`signin` or `cancel`), follows the redirect to the loopback listener, and returns the
/// page the listener answered with.
pub async fn fill_in_sign_in_page(
    http: &reqwest::Client,
    url: Url,
    user: &str,
    password: &str,
    action: &str,
) -> Result<String, String> {
    fill_in_sign_in_page_via(http, &reqwest::Client::new(), url, user, password, action).await
}

/// [`fill_in_sign_in_page`], following the redirect with `loopback` (e.g. one that resolves
/// `localhost` to [::1] only).
pub async fn fill_in_sign_in_page_via(
    http: &reqwest::Client,
    loopback: &reqwest::Client,
    url: Url,
    user: &str,
    password: &str,
    action: &str,
) -> Result<String, String> {
    let page = http
        .get(url.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let target = attribute(&page, "<form method=\"post\" action=\"").ok_or("no form on the page")?;
    let mut form = hidden_fields(&page);
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    form.push(("action".into(), action.into()));
    let posted = http
        .post(url.join(&target).map_err(|e| e.to_string())?)
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let location = posted
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or_else(|| format!("no redirect after the form: {}", posted.status()))?
        .to_string();
    // The loopback redirect is plain HTTP to this machine.
    loopback
        .get(location)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())
}

pub fn attribute(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')?;
    Some(unescape(&html[start..start + end]))
}

fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|input| Some((attribute(input, "name=\"")?, attribute(input, "value=\"")?)))
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
