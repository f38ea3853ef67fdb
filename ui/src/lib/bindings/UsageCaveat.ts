// Generated from rekey-core's azure::reports::CAVEAT (its export_bindings_usage_caveat test). Do not edit.
export const USAGE_CAVEAT = "Microsoft Graph's sign-in activity can include sign-ins that did not complete, and it may trail real use by some hours";
