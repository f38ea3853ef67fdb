//! One pager for every Azure list: ARM's `nextLink`, Graph's `@odata.nextLink` (both read into
//! [`super::models::Page`]) and Resource Graph's `$skipToken`. Every page is read, up to a guard
//! against a service that never stops paging.

use std::future::Future;

use super::error::CallError;
use crate::transport::AzureError;

/// Most pages Rekey follows for one list.
pub const MAX_PAGES: usize = 10_000;

/// One page: its items, where the next one is, and whether the service said it left rows out.
pub struct PageOf<T, C> {
    pub items: Vec<T>,
    pub next: Option<C>,
    pub truncated: bool,
}

/// Every item of a list. `fetch(None)` reads the first page, `fetch(Some(c))` the one `c` points
/// to. Returns the items and whether any page was truncated.
pub async fn all<T, C, F, Fut>(what: &str, mut fetch: F) -> Result<(Vec<T>, bool), CallError>
where
    F: FnMut(Option<C>) -> Fut,
    Fut: Future<Output = Result<PageOf<T, C>, CallError>>,
{
    let mut items = Vec::new();
    let mut truncated = false;
    let mut next = None;
    for _ in 0..MAX_PAGES {
        let page = fetch(next.take()).await?;
        items.extend(page.items);
        truncated |= page.truncated;
        match page.next {
            Some(c) => next = Some(c),
            None => return Ok((items, truncated)),
        }
    }
    Err(AzureError::Malformed {
        what: what.to_string(),
        detail: format!("more than {MAX_PAGES} pages"),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_every_page_in_order() {
        let (items, truncated) = all("list", |at: Option<u32>| async move {
            let n = at.unwrap_or(0);
            Ok(PageOf {
                items: vec![n],
                next: (n < 3).then_some(n + 1),
                truncated: n == 2,
            })
        })
        .await
        .unwrap_or_default();
        assert_eq!(items, vec![0, 1, 2, 3]);
        assert!(truncated);
    }
}
