//! Which tenant a `/{tenant}/…` path names: one tenant by GUID or domain, or any (`common`,
//! `organizations`).

use uuid::Uuid;

use crate::state::World;

/// Which tenants' users a `/{tenant}/…` path admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tenancy {
    One(Uuid),
    /// `common`, `organizations` (and `consumers`, which has no users here).
    Any,
}

impl Tenancy {
    /// `None` for an unknown tenant.
    pub(super) fn of(world: &World, tenant: &str) -> Option<Self> {
        match resolve_tenant(world, tenant) {
            Some(id) => Some(Tenancy::One(id)),
            None if is_multi_tenant_alias(tenant) => Some(Tenancy::Any),
            None => None,
        }
    }

    pub(super) fn admits(self, tenant_id: Uuid) -> bool {
        match self {
            Tenancy::One(id) => id == tenant_id,
            Tenancy::Any => true,
        }
    }

    pub(super) fn id(self) -> Option<Uuid> {
        match self {
            Tenancy::One(id) => Some(id),
            Tenancy::Any => None,
        }
    }
}

pub(super) fn is_multi_tenant_alias(tenant: &str) -> bool {
    ["common", "organizations", "consumers"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant))
}

/// A tenant by GUID or by verified domain.
pub(super) fn resolve_tenant(world: &World, tenant: &str) -> Option<Uuid> {
    world
        .tenants
        .iter()
        .find(|t| {
            t.id.to_string().eq_ignore_ascii_case(tenant) || t.default_domain.eq_ignore_ascii_case(tenant)
        })
        .map(|t| t.id)
}
