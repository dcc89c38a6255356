using System.Text;

namespace DatabricksAccess.Topology.Config;

/// <summary>
/// Reads input files as strict UTF-8 with a size limit, refusing what is not a regular file: a FIFO or a device
/// would block or never end, and a byte that is not UTF-8 would otherwise be silently replaced.
/// </summary>
public static class SourceText
{
    public const long MaxBytes = 64L * 1024 * 1024;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(string path, string what)
    {
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (Directory.Exists(path))
            {
                throw new ConfigLoadException($"{path}: cannot read {what}: it is a directory");
            }

            if (!info.Exists)
            {
                throw new ConfigLoadException($"{path}: cannot read {what}: no such file");
            }

            // FIFOs, sockets and devices report no size: reading them could block forever or never end.
            if (info.Length == 0)
            {
                throw new ConfigLoadException($"{path}: cannot read {what}: it is empty or not a regular file");
            }

            if (info.Length > MaxBytes)
            {
                throw new ConfigLoadException($"{path}: {what} is {info.Length / (1024 * 1024)} MiB; at most {MaxBytes / (1024 * 1024)} MiB is read");
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return Decode(ReadAtMost(stream), path, what);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException
            or System.Security.SecurityException)
        {
            throw new ConfigLoadException($"{path}: cannot read {what}: {ex.Message}", ex);
        }
    }

    /// <summary>At most <see cref="MaxBytes"/> bytes of a stream; more is an error.</summary>
    public static byte[] ReadAtMost(Stream stream)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > MaxBytes)
            {
                throw new ConfigLoadException($"input is larger than {MaxBytes / (1024 * 1024)} MiB");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>Strict UTF-8 (a leading byte-order mark is dropped); an invalid byte is reported with its line and column.</summary>
    public static string Decode(byte[] bytes, string name, string what)
    {
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        try
        {
            return Strict.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException ex)
        {
            var at = start + Math.Max(0, ex.Index);
            var line = 1;
            var lineStart = 0;
            for (var i = 0; i < at && i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }

            var column = Encoding.UTF8.GetCharCount(bytes, lineStart, Math.Max(0, at - lineStart)) + 1;
            var bad = at < bytes.Length ? $" (byte 0x{bytes[at]:X2})" : string.Empty;
            throw new ConfigLoadException($"{name}:{line}:{column}: {what} is not valid UTF-8{bad}; save it as UTF-8", ex);
        }
    }
}
