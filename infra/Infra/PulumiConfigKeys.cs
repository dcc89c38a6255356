using DatabricksAccess.Topology.Config;
using DatabricksAccess.Topology.Model;
using Pulumi;

namespace DatabricksAccess.Infra;

/// <summary>
/// Which of this project's config keys are set. Inside the program every set key counts as secure: values reach the
/// program decrypted, so whether the stack file stores one as a secret cannot be told here (the offline <c>check</c>
/// reads the stack file and does tell).
/// </summary>
public sealed class PulumiConfigKeys(Config config) : IConfigKeyView
{
    public bool? IsSecure(string key) => config.Get(key) is null ? null : true;
}
