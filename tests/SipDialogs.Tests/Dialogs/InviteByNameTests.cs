using System.Globalization;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// Calls to a SIP URI with a host name (RFC 3263), located through a real dnsmasq on loopback by SRV and A records, to
/// real SIPp UASes: the call goes to the preferred server, and on to the next when the first answers 503 or nothing.
/// </summary>
public sealed class InviteByNameTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ACallToANameFailsOverFromAServerAnswering503ToTheNextSrvTarget()
    {
        int first = UdpPorts.Free();
        int second = UdpPorts.Free();
        await using ExternalProcess unavailable = StartSipp(first, "-sf", Sipp.Scenario("tests/sipp/uas-unavailable.xml"));
        await using ExternalProcess available = StartSipp(second, "-sn", "uas");
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(Zone("failover.test", first, second));
        await UdpPorts.WaitUntilBoundAsync(first, unavailable, s_timeout);
        await UdpPorts.WaitUntilBoundAsync(second, available, s_timeout);
        await using SipStack stack = await StartStackAsync(dns);

        OutgoingCall call = await stack.InviteAsync("sip:service@failover.test", new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);

        Assert.Equal(2u, call.Request.CSeqNumber); // The first INVITE got 503; the second went to the next address.
        Assert.Equal(200, (await dialog.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(0, await unavailable.Exited.WaitAsync(s_timeout)); // It got the ACK of its 503.
        Assert.Equal(0, await available.Exited.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ACallToANameFailsOverFromAServerThatDoesNotAnswer()
    {
        int silent = UdpPorts.Free(); // Nothing listens there: a transport error or Timer B.
        int second = UdpPorts.Free();
        await using ExternalProcess available = StartSipp(second, "-sn", "uas");
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(Zone("silent.test", silent, second));
        await UdpPorts.WaitUntilBoundAsync(second, available, s_timeout);
        await using SipStack stack = await StartStackAsync(dns);

        OutgoingCall call = await stack.InviteAsync("sip:service@silent.test", new InviteOptions { SessionDescription = Offer });
        Dialog dialog = await call.Answered.WaitAsync(s_timeout);

        Assert.Equal(200, (await dialog.ByeAsync().WaitAsync(s_timeout)).StatusCode);
        Assert.Equal(0, await available.Exited.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task ACallToANameWithoutRecordsFailsWithAnErrorNamingIt()
    {
        await using DnsmasqProcess dns = await DnsmasqProcess.StartAsync(Zone("known.test", 5060, 5061));
        await using SipStack stack = await StartStackAsync(dns);

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(
            () => stack.InviteAsync("sip:service@unknown.test", new InviteOptions { SessionDescription = Offer }));

        Assert.Contains("unknown.test", error.Message, StringComparison.Ordinal);
    }

    private const string Offer = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

    /// <summary>Two SRV targets of <paramref name="domain"/> over UDP, priority 10 then 20, both on loopback.</summary>
    private static string[] Zone(string domain, int first, int second) =>
    [
        $"--srv-host=_sip._udp.{domain},first.{domain},{Text(first)},10,0",
        $"--srv-host=_sip._udp.{domain},second.{domain},{Text(second)},20,0",
        $"--host-record=first.{domain},127.0.0.1",
        $"--host-record=second.{domain},127.0.0.1",
    ];

    private static async Task<SipStack> StartStackAsync(DnsmasqProcess dns)
    {
        SipStackOptions options = Parties.Options();
        options.NameServers.Add(dns.EndPoint.ToString());
        var stack = new SipStack(options);
        await stack.StartAsync();
        return stack;
    }

    private static ExternalProcess StartSipp(int port, params string[] scenario) => ExternalProcess.Start("sipp",
    [
        .. scenario, "-i", "127.0.0.1", "-p", Text(port), "-m", "1", "-nostdin", "-timeout", "60s", "-timeout_error",
    ], Path.GetTempPath());

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
