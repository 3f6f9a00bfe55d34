using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A real redis-server for a test: on a free loopback TCP port, with no persistence (an empty Redis after a restart),
/// stopped by its PID. <see cref="RestartAsync"/> starts it again, empty, on the same port.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);
    private readonly string[] _extra;
    private ExternalProcess _process;

    private RedisProcess(ExternalProcess process, int port, string[] extra)
    {
        _process = process;
        Port = port;
        _extra = extra;
    }

    public int Port { get; }

    /// <summary>The configuration string a client connects with.</summary>
    public string Configuration => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts redis-server; <paramref name="extra"/> are more of its options (e.g. cluster mode).</summary>
    public static async Task<RedisProcess> StartAsync(params string[] extra)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = FreeTcpPort();
            ExternalProcess process = await LaunchAsync(port, extra);
            if (!process.Exited.IsCompleted)
            {
                return new RedisProcess(process, port, extra);
            }

            await process.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException("redis-server would not start:\n" + process.Output);
            }
        }
    }

    /// <summary>Stops Redis (everything it held is lost) and starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        _process = await LaunchAsync(Port, _extra);
        if (_process.Exited.IsCompleted)
        {
            throw new InvalidOperationException("redis-server would not start again:\n" + _process.Output);
        }
    }

    /// <summary>Stops Redis by its PID.</summary>
    public Task StopAsync() => _process.TerminateAsync(TimeSpan.FromSeconds(10));

    public ValueTask DisposeAsync() => new(StopAsync());

    private static async Task<ExternalProcess> LaunchAsync(int port, string[] extra)
    {
        string portText = port.ToString(CultureInfo.InvariantCulture);
        ExternalProcess process = ExternalProcess.Start(
            "redis-server",
            ["--port", portText, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
             .. extra.Select(e => e.Replace("{port}", portText, StringComparison.Ordinal))]);
        Task<string> ready = process.WaitForLineAsync(line => line.Contains("Ready to accept connections", StringComparison.Ordinal));
        try
        {
            await Task.WhenAny(ready, process.Exited).WaitAsync(s_startTimeout);
        }
        catch (TimeoutException)
        {
            await process.DisposeAsync();
            throw new InvalidOperationException("redis-server did not get ready:\n" + process.Output);
        }

        return process;
    }

    private static int FreeTcpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
