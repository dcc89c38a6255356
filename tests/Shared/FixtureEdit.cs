namespace DatabricksAccess.Fixtures;

/// <summary>
/// The one way a test edits a fixture (a checked-in stack file, or a stack a test states as text): each edit must find
/// its text and change it, so a fixture that moved on fails the test at the edit instead of letting it compare the
/// fixture with itself (issue 33). One source file, compiled into every test project that edits fixtures
/// (Topology.Tests, Live.Tests, Infra.Tests link it from tests/Shared).
/// </summary>
internal static class FixtureEdit
{
    /// <summary>Replaces <paramref name="find"/> (ordinal) and fails when it is absent or the text does not change.</summary>
    public static string Edit(this string text, string find, string replace)
    {
        Assert.True(text.Contains(find, StringComparison.Ordinal), $"fixture edit: the text to replace is not in the fixture:\n{find}");
        var edited = text.Replace(find, replace, StringComparison.Ordinal);
        Assert.True(!string.Equals(edited, text, StringComparison.Ordinal), $"fixture edit: replacing this changed nothing:\n{find}");
        return edited;
    }
}
