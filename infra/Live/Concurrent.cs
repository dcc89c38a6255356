namespace DatabricksAccess.Live;

/// <summary>Reads of independent objects, a few in flight at once (each still one GET; throttling is retried by the client).</summary>
public static class Concurrent
{
    public const int Default = 8;

    /// <summary>Results in input order.</summary>
    public static async Task<T[]> Map<TIn, T>(IReadOnlyList<TIn> items, Func<TIn, Task<T>> read, int concurrency = Default)
    {
        var results = new T[items.Count];
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(items.Select(async (item, i) =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                results[i] = await read(item).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return results;
    }
}
