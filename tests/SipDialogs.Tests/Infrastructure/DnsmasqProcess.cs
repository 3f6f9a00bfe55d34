using System.Globalization;
using System.Net;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A real dnsmasq serving the records a test gives on a free loopback port (UDP and TCP), in the foreground with its
/// log on stderr (<c>--keep-in-foreground</c>, not <c>--no-daemon</c>: that debug mode answers TCP in the main process,
/// so one TCP connection a client keeps open stalls every other query), answering from its own records only (<c>--no-resolv --no-hosts</c>, and NXDOMAIN for unknown names
/// under <c>.test</c>). Stopped with TERM by its PID on dispose.
/// </summary>
internal sealed class DnsmasqProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(10);

    private readonly Lazy<Task> _stopped;
    private readonly string _runDirectory;

    private DnsmasqProcess(ExternalProcess process, IPEndPoint endPoint, string runDirectory)
    {
        _runDirectory = runDirectory;
        Process = process;
        EndPoint = endPoint;
        _stopped = new Lazy<Task>(StopAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ExternalProcess Process { get; }

    /// <summary>Where dnsmasq answers, over UDP and TCP.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The dnsmasq executable: on PATH, else where Debian installs it.</summary>
    public static string Executable =>
        File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : "dnsmasq";

    /// <summary>Starts dnsmasq with <paramref name="records"/> (its record options) and waits until its port is bound.</summary>
    public static async Task<DnsmasqProcess> StartAsync(IEnumerable<string> records)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = UdpPorts.Free();
            string run = Directory.CreateTempSubdirectory("dnsmasq-run-").FullName;
            string[] arguments =
            [
                "--keep-in-foreground",
                "--pid-file=" + Path.Combine(run, "dnsmasq.pid"),
                "--no-resolv",
                "--no-hosts",
                "--port=" + port.ToString(CultureInfo.InvariantCulture),
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--log-facility=-",
                "--user=" + Environment.UserName,
                "--local=/test/",
                .. records,
            ];
            var dnsmasq = new DnsmasqProcess(ExternalProcess.Start(Executable, arguments), new IPEndPoint(IPAddress.Loopback, port), run);
            try
            {
                await UdpPorts.WaitUntilBoundAsync(port, dnsmasq.Process, s_startTimeout);
                return dnsmasq;
            }
            catch (InvalidOperationException) when (attempt < 3 && dnsmasq.Process.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                await dnsmasq.DisposeAsync();
            }
            catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
            {
                string output = dnsmasq.Process.Output;
                await dnsmasq.DisposeAsync();
                throw new InvalidOperationException($"dnsmasq did not start on port {port}:\n{output}", exception);
            }
        }
    }

    /// <summary>Makes dnsmasq clear its cache and read its hosts files again (SIGHUP).</summary>
    public Task ReloadAsync() => Process.SignalAsync("HUP");

    public ValueTask DisposeAsync() => new(_stopped.Value);

    private Task StopAsync() => Process.TerminateAsync(s_stopTimeout, _runDirectory);

    public override string ToString() => "dnsmasq " + EndPoint;
}
