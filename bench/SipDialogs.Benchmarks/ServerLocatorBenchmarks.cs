using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using SipDialogs.Dns;
using SipDialogs.Messages;

namespace SipDialogs.Benchmarks;

/// <summary>
/// RFC 3263 resolution of <c>sip:bob@chain.test</c> (NAPTR, then SRV, then A and AAAA: five queries) against a real
/// dnsmasq on loopback: the first lookup, the cache empty (baseline), against the same lookup answered from the cache.
/// dnsmasq (<c>/usr/sbin/dnsmasq</c>) is started in setup and stopped by its PID in cleanup.
/// </summary>
[MemoryDiagnoser]
public class ServerLocatorBenchmarks
{
    private static readonly string s_pidFile = Path.Combine(Path.GetTempPath(), "sipdialogs-bench-dnsmasq.pid");

    private Process? _dnsmasq;
    private SipServerLocator _locator = null!;
    private SipUri _uri = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var start = new ProcessStartInfo(File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : "dnsmasq") { UseShellExecute = false };
        foreach (string argument in (string[])
        [
            "--keep-in-foreground", "--no-resolv", "--no-hosts", "--pid-file=" + s_pidFile, "--user=" + Environment.UserName,
            "--port=" + port.ToString(CultureInfo.InvariantCulture), "--listen-address=127.0.0.1", "--bind-interfaces",
            "--local=/test/", "--local-ttl=3600",
            "--naptr-record=chain.test,10,50,s,SIP+D2U,,_sip._udp.chain.test",
            "--srv-host=_sip._udp.chain.test,pbx1.chain.test,5090,0,0",
            "--host-record=pbx1.chain.test,127.0.0.21,::1",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        _dnsmasq = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start");
        var options = new SipServerLocatorOptions();
        options.NameServers.Add(new IPEndPoint(IPAddress.Loopback, port));
        _locator = new SipServerLocator(options);
        _uri = AddrSpec.TryParse("sip:bob@chain.test", out AddrSpec? uri, out _) ? (SipUri)uri : throw new InvalidOperationException();

        // Wait until dnsmasq answers (it binds within milliseconds; a lookup before that times out and is retried).
        for (int attempt = 0; attempt < 50; attempt++)
        {
            if ((await _locator.LocateAsync(_uri)).Succeeded)
            {
                return;
            }
        }

        throw new InvalidOperationException("dnsmasq does not answer");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_dnsmasq is { HasExited: false })
        {
            _dnsmasq.Kill(entireProcessTree: true);
            _dnsmasq.WaitForExit();
        }

        _dnsmasq?.Dispose();
        File.Delete(s_pidFile);
    }

    /// <summary>The cache emptied first: every query goes to dnsmasq.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> FirstLookup()
    {
        _locator.ClearCache();
        return (await _locator.LocateAsync(_uri)).Targets.Count;
    }

    /// <summary>Every answer from the cache: the SRV order is drawn again, the targets built.</summary>
    [Benchmark]
    public async Task<int> CachedLookup() => (await _locator.LocateAsync(_uri)).Targets.Count;
}
