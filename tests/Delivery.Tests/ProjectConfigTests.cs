namespace DatabricksAccess.Delivery.Tests;

/// <summary>Pulumi.yaml and every Pulumi.&lt;stack&gt;.yaml pass the Pulumi CLI's project-config rules (first run works).</summary>
public class ProjectConfigTests
{
    private const string Header = "name: databricks-access\nruntime: dotnet\n";

    public static IEnumerable<object[]> StackFiles() => StackFileNames().Select(f => new object[] { f });

    private static List<string> StackFileNames() =>
        Directory.EnumerateFiles(Repo.Root, "Pulumi.*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_repository_has_a_dev_and_a_prod_stack_file()
    {
        Assert.Equal(["Pulumi.dev.yaml", "Pulumi.prod.yaml"], StackFileNames());
    }

    [Theory]
    [MemberData(nameof(StackFiles))]
    public void Every_stack_file_passes_the_projects_config_rules(string file)
    {
        var project = PulumiProjectRules.LoadProject(Repo.Read("Pulumi.yaml"));
        var stack = file["Pulumi.".Length..^".yaml".Length];
        Assert.Empty(PulumiProjectRules.ValidateStack(project, stack, Repo.Read(file)));
    }

    [Fact]
    public void The_project_declares_typed_topology_policy_and_deployer()
    {
        var project = PulumiProjectRules.LoadProject(Repo.Read("Pulumi.yaml"));
        Assert.Equal("object", project.Config["databricks-access:topology"].Type);
        Assert.Equal("object", project.Config["databricks-access:policy"].Type);
        Assert.Equal("object", project.Config["databricks-access:deployer"].Type);

        // Optional keys must never be required: policy has a default (strict), account is not declared at all.
        Assert.NotNull(project.Config["databricks-access:policy"].Default);
        Assert.False(project.Config.ContainsKey("databricks-access:account"));
    }

    [Theory]
    [MemberData(nameof(StackFiles))]
    public void Every_stack_names_its_deployer_application_id(string file)
    {
        var config = Repo.LoadYaml(file).Map("config");
        var deployer = config?.Map("databricks-access:deployer");
        Assert.True(deployer is not null, $"{file}: no databricks-access:deployer");
        Assert.True(Guid.TryParse(deployer.Str("applicationId"), out _), $"{file}: deployer.applicationId is not an application (client) id");
    }

    [Fact]
    public void Stacks_have_distinct_deployers()
    {
        var ids = StackFileNames().Select(f => Repo.LoadYaml(f).Map("config")?.Map("databricks-access:deployer")?.Str("applicationId")).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void A_declared_key_without_default_is_required_in_every_stack()
    {
        // The old Pulumi.yaml: policy and account declared with neither default nor value.
        var project = PulumiProjectRules.LoadProject(Header + """
            config:
              databricks-access:topology:
                description: the topology
              databricks-access:policy:
                description: policy limits
              databricks-access:account:
                description: the account
            """);
        Assert.Equal(
            ["Stack 'dev' is missing configuration values 'databricks-access:account' and 'databricks-access:policy'"],
            PulumiProjectRules.ValidateStack(project, "dev", "config:\n  databricks-access:topology: {}\n"));
        Assert.Equal(
            ["Stack 'dev' is missing configuration value 'databricks-access:account'"],
            PulumiProjectRules.ValidateStack(project, "dev", "config:\n  databricks-access:topology: {}\n  databricks-access:policy: {}\n"));

        // Another namespace's key is never required; a default or a value satisfies the rule.
        var relaxed = PulumiProjectRules.LoadProject(Header + """
            config:
              databricks-access:policy:
                default: {}
              databricks-access:region:
                value: westeurope
              azure-native:location:
                value: westeurope
            """);
        Assert.Empty(PulumiProjectRules.ValidateStack(relaxed, "dev", "config: {}\n"));
    }

    [Fact]
    public void A_typed_key_must_have_its_type_in_the_stack()
    {
        var project = PulumiProjectRules.LoadProject(Header + """
            config:
              databricks-access:topology:
                type: object
              databricks-access:days:
                type: integer
                default: 7
              databricks-access:names:
                type: array
                items:
                  type: string
                default: []
            """);
        Assert.Equal(
            ["Stack 'prod' with configuration key 'databricks-access:topology' must be of type 'object'"],
            PulumiProjectRules.ValidateStack(project, "prod", "config:\n  databricks-access:topology: groups\n"));
        Assert.Equal(
            ["Stack 'prod' with configuration key 'databricks-access:days' must be of type 'integer'"],
            PulumiProjectRules.ValidateStack(project, "prod", "config:\n  databricks-access:topology: {}\n  databricks-access:days: seven\n"));
        Assert.Equal(
            ["Stack 'prod' with configuration key 'databricks-access:names' must be of type 'array<string>'"],
            PulumiProjectRules.ValidateStack(project, "prod", "config:\n  databricks-access:topology: {}\n  databricks-access:names: [a, 1]\n"));
        Assert.Empty(PulumiProjectRules.ValidateStack(project, "prod", "config:\n  databricks-access:topology: {}\n  databricks-access:days: \"30\"\n  databricks-access:names: [a, b]\n"));
    }

    [Fact]
    public void A_secret_key_must_be_encrypted_in_the_stack()
    {
        var project = PulumiProjectRules.LoadProject(Header + "config:\n  databricks-access:token:\n    type: string\n    secret: true\n");
        Assert.Equal(
            ["Stack 'dev' with configuration key 'databricks-access:token' must be encrypted as it's secret"],
            PulumiProjectRules.ValidateStack(project, "dev", "config:\n  databricks-access:token: plain\n"));
        Assert.Empty(PulumiProjectRules.ValidateStack(project, "dev", "config:\n  databricks-access:token:\n    secure: AAABAA==\n"));
    }

    [Theory]
    [InlineData("  databricks-access:x:\n    default: 1\n    value: 2\n", "project config 'databricks-access:x' cannot have both a 'default' and 'value' attribute")]
    [InlineData("  databricks-access:x:\n    type: array\n", "The configuration key 'databricks-access:x' declares an array but does not specify the underlying type via the 'items' attribute")]
    [InlineData("  databricks-access:x:\n    type: integer\n    default: seven\n", "The default value specified for configuration key 'databricks-access:x' is not of the expected type 'integer'")]
    [InlineData("  databricks-access:x:\n    type: object\n    default: []\n", "The default value specified for configuration key 'databricks-access:x' is not of the expected type 'object'")]
    [InlineData("  azure-native:location:\n    type: string\n    value: westeurope\n", "Configuration key 'azure-native:location' is not namespaced by the project and should not define a type")]
    [InlineData("  azure-native:location:\n    default: westeurope\n", "Configuration key 'azure-native:location' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?")]
    [InlineData("  azure-native:location:\n    description: where\n", "Configuration key 'azure-native:location' is namespaced and must provide an attribute 'value'")]
    [InlineData("  databricks-access:x:\n    type: map\n", "#/config/databricks-access:x/type: value must be one of \"string\", \"integer\", \"boolean\", \"array\", \"object\"")]
    [InlineData("  databricks-access:x:\n    type: object\n    required: true\n", "#/config/databricks-access:x: additionalProperties 'required' not allowed")]
    public void Invalid_project_declarations_are_rejected(string config, string message)
    {
        var ex = Assert.Throws<RuleException>(() => PulumiProjectRules.LoadProject(Header + "config:\n" + config));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_shorthand_project_value_is_a_default_and_another_namespaces_a_value()
    {
        var project = PulumiProjectRules.LoadProject(Header + "config:\n  instanceSize: t3.micro\n  aws:region: us-west-2\n");
        Assert.Equal("t3.micro", project.Config["instanceSize"].Default);
        Assert.Null(project.Config["instanceSize"].Value);
        Assert.Equal("us-west-2", project.Config["aws:region"].Value);
    }
}
