using DatabricksAccess.Infra;
using DatabricksAccess.Topology.Config;
using Pulumi;

// The Pulumi program: the stack's topology, policy and account config become a validated plan (the same evaluation
// as the offline `check`), and the plan becomes resources. Invalid config or a policy violation fails the run before
// anything is registered; in the scheduled revocation run (DATABRICKS_ACCESS_RUN=revocation) a policy violation is a
// warning instead (BuildOptions.RevocationRun).
return await Deployment.RunAsync(async () =>
{
    var config = new Config(StackFile.DefaultProject);
    var input = new StackConfigInput(
        Structured(config, "topology"),
        Structured(config, "policy"),
        Structured(config, "account"),
        new PulumiConfigKeys(config))
    {
        Deployer = Structured(config, "deployer"),
    };
    var settings = StackSettings.FromConfig(new Config("databricks"));
    var options = new BuildOptions { RevocationRun = Environment.GetEnvironmentVariable("DATABRICKS_ACCESS_RUN") == "revocation" };
    // One evaluation instant per deploy (DATABRICKS_ACCESS_NOW, set by deploy.yml for the guard's preview and the up).
    var clock = EvaluationInstant.Clock(Environment.GetEnvironmentVariable(EvaluationInstant.Variable), TimeProvider.System);
    return await AccessStack.Run(input, clock, key => config.RequireSecret(key), settings, options);
});

// Structured config reaches the program as JSON text.
static ConfigNode? Structured(Config config, string key) => config.Get(key) is { } json ? JsonConfig.Parse(json, key) : null;
