namespace DatabricksAccess.Adoption;

/// <summary>What adoption did, for the report: counts of what is written, secrets declared existing, what it skipped and why.</summary>
public sealed class AdoptionReport
{
    public int Groups { get; set; }

    public int EntraGroups { get; set; }

    public int Members { get; set; }

    public int ServicePrincipals { get; set; }

    public int Scopes { get; set; }

    public int Acls { get; set; }

    public int Grants { get; set; }

    public int Jobs { get; set; }

    public int JobPermissions { get; set; }

    /// <summary>Account users assigned to the workspace directly (<c>topology.users</c>).</summary>
    public int Users { get; set; }

    public int AlreadyDeclared { get; set; }

    public List<string> Secrets { get; } = [];

    /// <summary>One line per object (or part of one) not adopted, naming it and why.</summary>
    public List<string> NotAdopted { get; } = [];

    /// <summary>What a reviewer should know that is not a skip (names that differ only in case...).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>What Unity Catalog grants were read, and what not.</summary>
    public IReadOnlyList<string> GrantsRead { get; set; } = [];

    public int Imports { get; set; }
}

/// <summary>One adopted object as written: its section, its key (null in a list section), its lines and what it counts.</summary>
internal sealed class AdoptedEntry(string section, string? key, string what)
{
    public string Section { get; } = section;

    public string? Key { get; } = key;

    /// <summary>How the skip line names it.</summary>
    public string What { get; } = what;

    public List<string> Lines { get; } = [];

    public int Members { get; set; }

    public int Acls { get; set; }

    public int Permissions { get; set; }

    public bool Entra { get; set; }

    public bool Counted { get; set; } = true;

    public List<string> Secrets { get; } = [];

    public bool Dropped { get; set; }
}
