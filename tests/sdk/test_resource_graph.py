"""Azure Resource Graph through azure-mgmt-resourcegraph: a KQL query paged with $top/$skipToken."""

from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from sdkutil import DEMO_CLUSTERS, arm_kwargs

QUERY = (
    "resources"
    " | where type =~ 'microsoft.containerservice/managedclusters'"
    " | project id, name, resourceGroup, subscriptionId,"
    " spClientId = tostring(properties.servicePrincipalProfile.clientId)"
    " | order by id asc"
)


def test_resources_pages_every_cluster_exactly_once(sim, credential, subscription_ids):
    subscriptions = sorted(subscription_ids.values())
    pages = []
    with ResourceGraphClient(credential, **arm_kwargs(sim)) as client:
        skip_token = None
        for _ in range(10):  # bounded: two pages are expected
            options = QueryRequestOptions(top=7, skip_token=skip_token, result_format="objectArray")
            page = client.resources(QueryRequest(subscriptions=subscriptions, query=QUERY, options=options))
            pages.append(page)
            skip_token = page.skip_token
            if not skip_token:
                break

    assert [len(p.data) for p in pages] == [7, 5]
    assert [p.count for p in pages] == [7, 5]
    assert all(p.total_records == 12 for p in pages)
    assert pages[0].skip_token and not pages[1].skip_token
    assert pages[0].result_truncated in ("false", False)  # a string on the wire

    rows = [row for p in pages for row in p.data]
    names = [row["name"] for row in rows]
    assert sorted(names) == sorted(DEMO_CLUSTERS)  # all twelve, none twice
    ids = [row["id"] for row in rows]
    assert ids == sorted(ids, key=str.lower) or ids == sorted(ids)  # `order by id asc` across pages
    msi = {row["name"] for row in rows if row["spClientId"] == "msi"}
    # The demo's managed-identity clusters, and any the migration tests have moved since (the
    # session shares one simulator, whose state is the truth).
    moved = {c["name"] for c in sim.state()["clusters"] if c["identity"] == "managedIdentity"}
    assert {"aks-web-msi", "aks-stg-eus", "aks-monitoring"} <= msi
    assert msi == moved
    assert {row["subscriptionId"] for row in rows} == set(subscriptions)


def test_resources_table_format(sim, credential, subscription_ids):
    with ResourceGraphClient(credential, **arm_kwargs(sim)) as client:
        page = client.resources(
            QueryRequest(
                subscriptions=[subscription_ids["Contoso Staging"]],
                query="resources | where type =~ 'microsoft.containerservice/managedclusters'"
                " | project name | order by name asc",
                options=QueryRequestOptions(result_format="table"),
            )
        )
    assert [c["name"] for c in page.data["columns"]] == ["name"]
    assert page.data["rows"] == [["aks-stg-batch"], ["aks-stg-eus"], ["aks-stg-weu"]]
    assert page.total_records == 3 and not page.skip_token
