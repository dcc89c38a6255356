using System.Text.Json;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// Issue 30: a secret or a credential's store removed from config is left in place (its Databricks Secret is retained on
/// delete), so the audit lists the keys of the Databricks-backed scopes the stack creates and reports every key it
/// does not declare. Scopes it does not declare are not listed.
/// </summary>
public sealed class SecretKeyAuditTests : IDisposable
{
    private readonly Fixture _f = new();

    public void Dispose() => _f.Dispose();

    private static List<(string Kind, string Severity, string? Principal, string Object)> Findings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("kind").GetString()!, f.GetProperty("severity").GetString()!, f.GetProperty("principal").GetString(), f.GetProperty("object").GetString()!))
            .ToList();
    }

    /// <summary>The fixture's stack with two keys declared in app-secrets: one the stack writes, one that exists.</summary>
    private string Stack()
    {
        var yaml = _f.StackYaml();
        var acl = System.Text.RegularExpressions.Regex.Match(yaml, @"\n( +)sp:etl-runner: WRITE\n");
        Assert.True(acl.Success);
        var indent = acl.Groups[1].Value;
        var outer = indent[2..];
        return _f.WriteStack(yaml.Edit(acl.Value,
            $"{acl.Value}{outer}secrets:\n{indent}db-password: {{ generate: 32 }}\n{indent}partner-key: {{ existing: true }}\n"));
    }

    [Fact]
    public void A_key_the_stack_no_longer_declares_in_a_scope_it_creates_is_reported_and_declared_keys_are_not()
    {
        _f.Fake.Secrets["app-secrets"] = ["db-password", "partner-key", "publishing-api"]; // publishing-api: removed from config
        _f.Fake.Secrets["someone-elses"] = ["theirs"];

        var (code, json, err) = _f.Audit("json", stack: Stack());

        Assert.Equal((1, string.Empty), (code, err));
        Assert.Equal([("undeclared-secret", "medium", null, "secret:app-secrets/publishing-api")], Findings(json));
        Assert.Contains("databricks secrets delete-secret app-secrets publishing-api", json, StringComparison.Ordinal);
        Assert.Contains("GET /api/2.0/secrets/list?scope=app-secrets", _f.Fake.Requests);
        Assert.DoesNotContain(_f.Fake.Requests, r => r.Contains("scope=someone-elses", StringComparison.Ordinal) && r.Contains("secrets/list", StringComparison.Ordinal));
    }

    [Fact]
    public void With_only_declared_keys_there_is_no_finding()
    {
        _f.Fake.Secrets["app-secrets"] = ["db-password", "partner-key"];
        var (code, json, err) = _f.Audit("json", stack: Stack());
        Assert.Equal((0, string.Empty), (code, err));
        Assert.Empty(Findings(json));
    }
}
