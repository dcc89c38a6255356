namespace DatabricksAccess.Delivery.Tests;

/// <summary>
/// The stand-in Pulumi CLI (fake-pulumi.sh, copied next to the test assembly): it follows pulumi/pulumi v3.258.0,
/// each behaviour commented with the upstream file and function. And the checkouts the workflows make, laid out as on
/// the runner.
/// </summary>
internal static class FakePulumi
{
    /// <summary>Puts the stand-in as <c>pulumi</c> into <paramref name="bin"/>.</summary>
    public static void Install(string bin)
    {
        Directory.CreateDirectory(bin);
        var pulumi = Path.Combine(bin, "pulumi");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "fake-pulumi.sh"), pulumi, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(pulumi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>
    /// A full checkout of this repository at <paramref name="path"/> as far as the Pulumi CLI and the scripts see it:
    /// Pulumi.yaml, .pulumi.version, the stack files and .github/scripts.
    /// </summary>
    public static void Checkout(string path)
    {
        Directory.CreateDirectory(Path.Combine(path, ".github", "scripts"));
        foreach (var file in new[] { "Pulumi.yaml", ".pulumi.version", "Pulumi.dev.yaml", "Pulumi.prod.yaml" })
        {
            File.Copy(Repo.PathOf(file), Path.Combine(path, file), overwrite: true);
        }

        foreach (var script in Directory.EnumerateFiles(Repo.PathOf(".github/scripts")))
        {
            File.Copy(script, Path.Combine(path, ".github", "scripts", Path.GetFileName(script)), overwrite: true);
        }
    }

    /// <summary>A sparse checkout of .pulumi.version only (the scheduled jobs' <c>ci/</c>).</summary>
    public static void SparseVersionCheckout(string path)
    {
        Directory.CreateDirectory(path);
        File.Copy(Repo.PathOf(".pulumi.version"), Path.Combine(path, ".pulumi.version"), overwrite: true);
    }
}
