//! The names of the built-in Azure roles a cluster's principal usually holds, by role definition
//! GUID: what the plan shows instead of a GUID (the window and the CLI alike).

const BUILT_IN: [(&str, &str); 12] = [
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"),
    ("4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor"),
    ("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull"),
    ("8311e382-0749-4cb8-b61a-304f252e45ec", "AcrPush"),
    (
        "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
        "Virtual Machine Contributor",
    ),
    (
        "f1a07417-d97a-45cb-824c-7a7467783830",
        "Managed Identity Operator",
    ),
    (
        "17d1049b-9a84-46fb-8f53-869881c3d3ab",
        "Storage Account Contributor",
    ),
    (
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        "Storage Blob Data Contributor",
    ),
    ("befefa01-2a29-4197-83a8-272ff33ce314", "DNS Zone Contributor"),
    (
        "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
        "Private DNS Zone Contributor",
    ),
];

/// A role's name from its definition ID (`…/roleDefinitions/<guid>`); the GUID when not built in.
pub fn role_name(role_definition_id: &str) -> String {
    let guid = role_definition_id
        .rsplit('/')
        .next()
        .unwrap_or(role_definition_id)
        .to_ascii_lowercase();
    BUILT_IN
        .iter()
        .find(|(id, _)| *id == guid)
        .map_or(guid.clone(), |(_, name)| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use super::role_name;

    #[test]
    fn built_in_roles_are_named_and_others_keep_their_guid() {
        assert_eq!(
            role_name("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/4D97B98B-1d4f-4787-a291-c67834d212e7"),
            "Network Contributor"
        );
        assert_eq!(role_name("/x/roleDefinitions/0000"), "0000");
        assert_eq!(role_name("7f951dda-4ed3-4680-a7ca-43fe172d538d"), "AcrPull");
    }
}
