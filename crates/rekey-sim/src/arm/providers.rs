//! The resource provider namespaces the simulator serves under ARM.

pub(super) const CONTAINER_SERVICE: &str = "Microsoft.ContainerService";
pub(super) const AUTHORIZATION: &str = "Microsoft.Authorization";
pub(super) const MANAGED_IDENTITY: &str = "Microsoft.ManagedIdentity";
pub(super) const KEY_VAULT: &str = "Microsoft.KeyVault";
