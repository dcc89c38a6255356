using System.Runtime.InteropServices;

namespace DatabricksAccess.Topology.Model;

/// <summary>One way to group values under a key: the collection for a key, created on first use.</summary>
public static class Multimap
{
    /// <summary>The collection stored under <paramref name="key"/>, added empty when there is none yet.</summary>
    public static TValue GetOrAdd<TKey, TValue>(this Dictionary<TKey, TValue> map, TKey key)
        where TKey : notnull
        where TValue : new() =>
        map.GetOrAdd(key, static () => new TValue());

    /// <summary>The value stored under <paramref name="key"/>, made by <paramref name="create"/> when there is none yet.</summary>
    public static TValue GetOrAdd<TKey, TValue>(this Dictionary<TKey, TValue> map, TKey key, Func<TValue> create)
        where TKey : notnull
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(map, key, out var exists);
        if (!exists)
        {
            slot = create();
        }

        return slot!;
    }
}
