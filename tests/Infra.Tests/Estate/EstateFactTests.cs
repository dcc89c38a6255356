using System.Collections.Immutable;
using DatabricksAccess.Topology.Planning;

namespace DatabricksAccess.Infra.Tests.Estate;

/// <summary>
/// The simulator against the safety-critical provider facts it follows (docs/facts.md), one operation at a time: what
/// each Create, Update and Delete leaves of access that was there before. The scenario tests build on these.
/// </summary>
public sealed class EstateFactTests
{
    private static readonly ImmutableDictionary<string, object> NoOutputs = ImmutableDictionary<string, object>.Empty;

    private static ImmutableDictionary<string, object> Inputs(params (string Key, object Value)[] pairs) =>
        pairs.Aggregate(ImmutableDictionary<string, object>.Empty, (d, p) => d.SetItem(p.Key, p.Value));

    private static ImmutableDictionary<string, object> Entry(string kind, string who, string level) =>
        Inputs((kind, who), ("permissionLevel", level));

    private static IEnumerable<string> Of(Estate estate, string prefix) =>
        estate.Facts().Where(f => f.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    [Trait("fact", "grant-principal-authoritative")]
    public void A_grant_makes_its_principals_privileges_exactly_the_list_and_its_delete_revokes_them_all()
    {
        var estate = new Estate();
        estate.Grant("catalog:main", "analysts", "SELECT", "MODIFY");
        estate.Grant("catalog:main", "loaders", "MODIFY");
        var grant = Inputs(("catalog", "main"), ("principal", "analysts"), ("privileges", ImmutableArray.Create<object>("SELECT", "USE_CATALOG")));

        estate.Apply("create", PulumiTypes.Grant, grant, NoOutputs);
        Assert.Equal(["grant|catalog:main|analysts|SELECT", "grant|catalog:main|analysts|USE_CATALOG", "grant|catalog:main|loaders|MODIFY"], estate.Facts());

        estate.Apply("delete", PulumiTypes.Grant, grant, NoOutputs);
        Assert.Equal(["grant|catalog:main|loaders|MODIFY"], estate.Facts());
    }

    [Fact]
    [Trait("fact", "grants-securable-authoritative")]
    public void Grants_make_the_securables_grants_exactly_the_list_and_their_delete_revokes_every_grant()
    {
        var estate = new Estate();
        estate.Grant("schema:main.raw", "loaders", "MODIFY");
        estate.Grant("schema:main.sales", "loaders", "MODIFY");
        var grants = Inputs(("schema", "main.raw"), ("grants", ImmutableArray.Create<object>(
            Inputs(("principal", "analysts"), ("privileges", ImmutableArray.Create<object>("SELECT"))))));

        estate.Apply("create", PulumiTypes.Grants, grants, NoOutputs);
        Assert.Equal(["grant|schema:main.raw|analysts|SELECT", "grant|schema:main.sales|loaders|MODIFY"], estate.Facts());

        estate.Apply("delete", PulumiTypes.Grants, grants, NoOutputs);
        Assert.Equal(["grant|schema:main.sales|loaders|MODIFY"], estate.Facts());
    }

    [Fact]
    [Trait("fact", "permissions-put-whole-acl")]
    [Trait("fact", "permissions-delete-to-creator")]
    public void Warehouse_permissions_put_the_whole_acl_and_their_delete_hands_ownership_to_the_creator()
    {
        var estate = new Estate { Caller = "deployer" };
        estate.Warehouse("w1", "creator@contoso.com", ("userName", "bob@contoso.com", "CAN_USE"), ("userName", "lead@contoso.com", "IS_OWNER"));
        var permissions = Inputs(("sqlEndpointId", "w1"), ("accessControls", ImmutableArray.Create<object>(
            Entry("groupName", "analysts", "CAN_USE"), Entry("userName", "lead@contoso.com", "IS_OWNER"))));

        estate.Apply("create", PulumiTypes.Permissions, permissions, NoOutputs);
        Assert.Equal(["warehouse|w1|analysts|CAN_USE", "warehouse|w1|deployer|CAN_MANAGE", "warehouse|w1|lead@contoso.com|IS_OWNER"], Of(estate, "warehouse|"));

        estate.Apply("delete", PulumiTypes.Permissions, permissions, NoOutputs);
        Assert.Equal(["warehouse|w1|creator@contoso.com|IS_OWNER", "warehouse|w1|deployer|CAN_MANAGE"], Of(estate, "warehouse|"));
        Assert.Equal("creator@contoso.com", estate.WarehouseOwner("w1"));
    }

    [Fact]
    [Trait("fact", "permissions-tokens-workspace")]
    public void Token_permissions_are_the_whole_workspaces_token_acl_and_whoever_is_left_out_loses_can_use()
    {
        var estate = new Estate();
        ImmutableDictionary<string, object> Tokens(params string[] groups) => Inputs(("authorization", "tokens"),
            ("accessControls", groups.Select(g => (object)Entry("groupName", g, "CAN_USE")).ToImmutableArray()));

        // The provider's update adds admins CAN_MANAGE (update.AddAdmin), and its reset keeps only that.
        estate.Apply("create", PulumiTypes.Permissions, Tokens("engineers", "analysts"), NoOutputs);
        Assert.Equal(["token-use|admins|CAN_MANAGE", "token-use|analysts|CAN_USE", "token-use|engineers|CAN_USE"], Of(estate, "token-use|"));

        estate.Apply("update", PulumiTypes.Permissions, Tokens("engineers"), NoOutputs);
        Assert.Equal(["token-use|admins|CAN_MANAGE", "token-use|engineers|CAN_USE"], Of(estate, "token-use|"));

        // Read leaves admins out (tokens do not allow configuring admins [fact: permissions-read]): no diff after a refresh.
        var read = estate.Read(PulumiTypes.Permissions, "/authorization/tokens", Tokens("engineers"), accountLevel: false)!;
        Assert.Equal(["engineers"], ((System.Collections.IEnumerable)read["accessControls"]).Cast<ImmutableDictionary<string, object>>().Select(c => (string)c["groupName"]));

        estate.Apply("delete", PulumiTypes.Permissions, Tokens("engineers"), NoOutputs);
        Assert.Equal(["token-use|admins|CAN_MANAGE"], Of(estate, "token-use|"));
    }
}
