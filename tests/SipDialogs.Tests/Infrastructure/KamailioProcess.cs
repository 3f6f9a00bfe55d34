using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SipDialogs.Tests.Infrastructure;

/// <summary>
/// A real Kamailio started for a test with a config from <c>tests/kamailio/</c>: in the foreground (<c>-DD -E</c>, log
/// on stderr), on a free loopback UDP port, with its runtime folder in a temporary directory. Stopped with TERM (and
/// killed if it lingers) on dispose.
/// </summary>
internal sealed class KamailioProcess : IAsyncDisposable
{
    /// <summary>Where the distribution's package installs the modules; <c>KAMAILIO_MODULES</c> overrides it.</summary>
    private const string DefaultModules = "/usr/lib/x86_64-linux-gnu/kamailio/modules";

    /// <summary>What the test configs log from <c>event_route[core:worker-one-init]</c>: the socket is bound and read.</summary>
    private const string ReadyLine = "proxy ready";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(15);

    private readonly string _runDirectory;
    private readonly Lazy<Task> _stopped;

    private KamailioProcess(ExternalProcess process, IPEndPoint udp, string runDirectory)
    {
        Process = process;
        Udp = udp;
        _runDirectory = runDirectory;
        _stopped = new Lazy<Task>(StopAsync, LazyThreadSafetyMode.ExecutionAndPublication); // One stop; every caller awaits it.
    }

    public ExternalProcess Process { get; }

    /// <summary>The loopback UDP end point Kamailio listens on.</summary>
    public IPEndPoint Udp { get; }

    /// <summary>
    /// Starts Kamailio with <paramref name="config"/> (a path in the repository) and waits until its first worker is
    /// up. Another process may take the free port before Kamailio binds it; then it starts again on another.
    /// </summary>
    public static Task<KamailioProcess> StartAsync(string config = "tests/kamailio/record-route.cfg", params string[] defines) =>
        StartAsync(0, config, defines);

    /// <summary>
    /// Starts Kamailio with <paramref name="config"/> on loopback UDP <paramref name="port"/> (0: a free port, tried again
    /// on another if taken meanwhile), for tests whose nodes must name the balancer before it starts.
    /// </summary>
    public static async Task<KamailioProcess> StartAsync(int port, string config, params string[] defines)
    {
        string configPath = Repository.PathOf(config);
        string modules = Environment.GetEnvironmentVariable("KAMAILIO_MODULES") is { Length: > 0 } overridden ? overridden : DefaultModules;
        for (int attempt = 1; ; attempt++)
        {
            var udp = new IPEndPoint(IPAddress.Loopback, port == 0 ? UdpPorts.Free() : port);
            string run = Directory.CreateTempSubdirectory("kamailio-").FullName;
            string[] arguments =
            [
                "-f", configPath,
                "-L", modules,
                "-Y", run, // Runtime files (none with this config, but never the system's /run/kamailio).
                "-w", run,
                "-l", "udp:" + udp.ToString(),
                "-DD", // Do not daemonize: the test owns the process and its children.
                "-E", // Log to stderr, which the test reads.
                "-m", "32", // MB of shared memory, far more than a few hundred test calls need.
                "-M", "8", // MB of private memory per process.
                .. defines.SelectMany(define => new[] { "-A", define }),
            ];
            var kamailio = new KamailioProcess(ExternalProcess.Start("kamailio", arguments, run), udp, run);
            try
            {
                await kamailio.Process.WaitForLineAsync(line => line.Contains(ReadyLine, StringComparison.Ordinal)).WaitAsync(s_startTimeout);
                return kamailio;
            }
            catch (InvalidOperationException) when (port == 0 && attempt < 3 && kamailio.Process.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                await kamailio.DisposeAsync();
            }
            catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
            {
                string output = kamailio.Process.Output;
                await kamailio.DisposeAsync();
                throw new InvalidOperationException($"Kamailio did not start on {udp} with {configPath}:\n{output}", exception);
            }
        }
    }

    public ValueTask DisposeAsync() => new(_stopped.Value);

    private Task StopAsync() => Process.TerminateAsync(s_stopTimeout, _runDirectory);


    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"kamailio udp={Udp}");
}
