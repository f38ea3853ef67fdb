//! Who is calling Graph (a verified bearer token for a Graph audience) and what the directory lets them do.

use uuid::Uuid;

use super::errors::GraphError;
use crate::context::Sim;
use crate::request::SimRequest;
use crate::signing::TokenRejection;
use crate::state::World;

/// The principal behind a Graph request and the tenant its token was issued in.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub object_id: Uuid,
    pub tenant_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

impl Access {
    fn permission(self) -> &'static str {
        match self {
            Access::Read => "Application.Read.All",
            Access::Write => "Application.ReadWrite.All",
        }
    }
}

pub fn authenticate(sim: &Sim, req: &SimRequest) -> Result<Caller, GraphError> {
    let token = req
        .header("authorization")
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GraphError::invalid_token("Access token is empty."))?;
    let claims = sim
        .signer
        .verify(token, &sim.graph_audiences())
        .map_err(|rejection| {
            GraphError::invalid_token(match rejection {
                TokenRejection::Expired => "Lifetime validation failed, the token is expired.",
                TokenRejection::WrongAudience => "Access token validation failure. Invalid audience.",
                TokenRejection::Invalid => "Access token validation failure.",
            })
        })?;
    match (Uuid::parse_str(&claims.oid), Uuid::parse_str(&claims.tid)) {
        (Ok(object_id), Ok(tenant_id)) => Ok(Caller { object_id, tenant_id }),
        _ => Err(GraphError::invalid_token("Access token validation failure.")),
    }
}

/// Reads need `Application.Read.All` (or ReadWrite); writes need `Application.ReadWrite.All`.
pub fn authorize(world: &World, caller: &Caller, access: Access) -> Result<(), GraphError> {
    if world.has_graph_permission(caller.object_id, access.permission()) {
        Ok(())
    } else {
        Err(GraphError::forbidden())
    }
}
