namespace DatabricksAccess.Topology.Model;

/// <summary>What Topology may know about other config keys: whether they are set and secure, never their values.</summary>
public interface IConfigKeyView
{
    /// <summary>null when the key is not set; otherwise whether it is stored as a secret.</summary>
    bool? IsSecure(string key);
}
