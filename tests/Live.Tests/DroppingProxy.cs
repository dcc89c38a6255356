using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DatabricksAccess.Live.Tests;

/// <summary>
/// A loopback TCP front of the fake that drops connections for real: for a request whose line contains
/// <see cref="Drop"/>, while <see cref="Budget"/> lasts, it resets the connection (linger 0: an RST, what a client
/// sees as "connection reset by peer", retried [fact: sdk-retry-policy]) without answering; every other
/// request is relayed to the fake. The client must open one connection per request (PooledConnectionLifetime 0).
/// </summary>
public sealed class DroppingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private int _budget;

    public DroppingProxy(Uri target, string drop, int budget)
    {
        _target = target;
        Drop = drop;
        _budget = budget;
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public string Drop { get; }

    public int Budget => Volatile.Read(ref _budget);

    public int Dropped { get; private set; }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>A handler that opens one connection per request, so that each request meets the proxy afresh.</summary>
    public static SocketsHttpHandler Handler() => new() { PooledConnectionLifetime = TimeSpan.Zero, AllowAutoRedirect = false };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = new List<byte>();
            var buffer = new byte[8192];
            while (!EndsHeaders(head))
            {
                var n = await stream.ReadAsync(buffer).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                head.AddRange(buffer.AsSpan(0, n).ToArray());
            }

            var line = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", 2)[0];
            if (line.Contains(Drop, StringComparison.Ordinal) && Interlocked.Decrement(ref _budget) >= 0)
            {
                Dropped++;
                client.LingerState = new LingerOption(true, 0);
                client.Client.Close(); // RST
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(_target.Host, _target.Port).ConfigureAwait(false);
            var up = upstream.GetStream();
            await up.WriteAsync(head.ToArray()).ConfigureAwait(false);
            var toUp = stream.CopyToAsync(up);
            var toClient = up.CopyToAsync(stream);
            await Task.WhenAny(toUp, toClient).ConfigureAwait(false);
        }
    }

    private static bool EndsHeaders(List<byte> bytes) => bytes.ToArray().AsSpan().IndexOf("\r\n\r\n"u8) >= 0;
}
