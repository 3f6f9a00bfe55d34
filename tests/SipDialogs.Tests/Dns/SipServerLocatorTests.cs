using System.Net;
using Microsoft.Extensions.Time.Testing;
using SipDialogs.Dns;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Dns;

public sealed class SipServerLocatorTests(DnsmasqFixture dns) : IClassFixture<DnsmasqFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task ANameIsFollowedFromNaptrThroughSrvToItsAddressInTheRecordsOrder()
    {
        SipLocateResult result = await Locator().LocateAsync(Uri("sip:bob@chain.test"));
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(
            [Udp("127.0.0.21", 5080, SipTransportProtocol.Tcp), Udp("127.0.0.21", 5090)],
            result.Targets);
    }

    [Fact]
    public async Task ASipsUriTakesOnlyTheTlsServiceAndCarriesTheDomainForTheCertificate()
    {
        SipLocateResult result = await Locator().LocateAsync(Uri("sips:bob@secure.test"));
        SipEndPoint target = Assert.Single(result.Targets);
        Assert.Equal(Udp("127.0.0.22", 5063, SipTransportProtocol.Tls), target);
        Assert.Equal("secure.test", target.ServerName);
    }

    [Fact]
    public async Task ATransportParameterSkipsNaptrAndAsksTheSrvOfThatTransport()
    {
        SipServerLocator locator = Locator();
        SipLocateResult result = await locator.LocateAsync(Uri("sip:bob@chain.test;transport=udp"));
        Assert.Equal([Udp("127.0.0.21", 5090)], result.Targets);
    }

    [Fact]
    public async Task ThePreferredPriorityComesFirstAndWeightsShareTheFirstPlaceInProportion()
    {
        // The draw cycles through every value it may return, so 40 lookups meet each weight exactly in proportion.
        var draws = new Dictionary<int, int>();
        SipServerLocator locator = Locator(max =>
        {
            lock (draws)
            {
                int next = draws.GetValueOrDefault(max);
                draws[max] = next + 1;
                return next % max;
            }
        });

        var first = new Dictionary<IPAddress, int>();
        for (int i = 0; i < 40; i++)
        {
            SipLocateResult result = await locator.LocateAsync(Uri("sip:weights.test"));
            Assert.Equal(3, result.Targets.Count);
            Assert.Equal(IPAddress.Parse("127.0.0.33"), result.Targets[2].Address.Address); // Priority 20: always last.
            IPAddress top = result.Targets[0].Address.Address;
            first[top] = first.GetValueOrDefault(top) + 1;
        }

        Assert.Equal(30, first[IPAddress.Parse("127.0.0.31")]);
        Assert.Equal(10, first[IPAddress.Parse("127.0.0.32")]);
    }

    [Fact]
    public async Task TheRandomOrderStillKeepsThePreferredPriorityFirst()
    {
        SipServerLocator locator = Locator(System.Security.Cryptography.RandomNumberGenerator.GetInt32);
        for (int i = 0; i < 20; i++)
        {
            SipLocateResult result = await locator.LocateAsync(Uri("sip:weights.test"));
            Assert.Equal(IPAddress.Parse("127.0.0.33"), result.Targets[2].Address.Address);
        }
    }

    [Fact]
    public async Task ANameWithAPortIsResolvedToItsIpv4AndIpv6Addresses()
    {
        SipLocateResult result = await Locator().LocateAsync(Uri("sip:dual.test:5070"));
        Assert.Equal([Udp("127.0.0.41", 5070), Udp("::1", 5070)], result.Targets);
    }

    [Fact]
    public async Task ANameWithoutNaptrOrSrvIsResolvedOnTheDefaultPort()
    {
        SipLocateResult result = await Locator().LocateAsync(Uri("sip:alias.test;transport=tcp"));
        Assert.Equal([Udp("127.0.0.41", 5060, SipTransportProtocol.Tcp), Udp("::1", 5060, SipTransportProtocol.Tcp)], result.Targets);
    }

    [Fact]
    public async Task AnAnswerIsCachedForItsTtlAndAskedAgainAfterIt()
    {
        SipServerLocator locator = Locator();
        Assert.Equal([Udp("127.0.0.51", 5060)], (await locator.LocateAsync(Uri("sip:changing.test:5060"))).Targets);

        await File.WriteAllTextAsync(dns.ChangingHosts, "127.0.0.52 changing.test\n127.0.0.52 changed.test\n");
        await dns.Server.ReloadAsync();
        await dns.Server.Process.WaitForLineAsync(line => line.Contains("changing.hosts - 2 names", StringComparison.Ordinal)).WaitAsync(s_timeout);

        // The record changed, but its TTL (1 s on the locator's clock) has not passed: the cached answer stands.
        long queries = locator.QueriesSent;
        Assert.Equal([Udp("127.0.0.51", 5060)], (await locator.LocateAsync(Uri("sip:changing.test:5060"))).Targets);
        Assert.Equal(queries, locator.QueriesSent);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([Udp("127.0.0.52", 5060)], (await locator.LocateAsync(Uri("sip:changing.test:5060"))).Targets);
        Assert.True(locator.QueriesSent > queries);
    }

    [Fact]
    public async Task ANameWithNoRecordsSaysSo()
    {
        SipLocateResult result = await Locator().LocateAsync(Uri("sip:nothing.test"));
        Assert.Equal(SipLocateError.NoRecords, result.Error);
        Assert.Empty(result.Targets);
        Assert.Contains("nothing.test", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACnameLoopIsReportedAndOtherLookupsCarryOn()
    {
        await using var looping = new CnameLoopDnsServer();
        var options = new SipServerLocatorOptions();
        options.NameServers.Add(looping.EndPoint);
        var locator = new SipServerLocator(options, _time, static _ => 0);
        SipLocateResult result = await locator.LocateAsync(Uri("sip:a.loop.test:5060")).AsTask().WaitAsync(s_timeout);
        Assert.True(result.Error == SipLocateError.CnameLoop, result.ToString());
        Assert.Contains("loop", result.Detail, StringComparison.Ordinal);

        Assert.True((await Locator().LocateAsync(Uri("sip:alias.test:5060"))).Succeeded);
    }

    [Fact]
    public async Task ATruncatedUdpAnswerIsAskedAgainOverTcp()
    {
        SipLocateResult result = await Locator().LocateAsync(Uri("sip:many.test:5060"));
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(60, result.Targets.Count);
    }

    [Fact]
    public async Task ATruncatedUdpAnswerWithoutTcpIsReported()
    {
        SipServerLocator locator = Locator(options: o => o.TcpFallback = false);
        SipLocateResult result = await locator.LocateAsync(Uri("sip:many.test:5060"));
        Assert.True(result.Error == SipLocateError.Truncated, result.ToString());
    }

    [Fact]
    public async Task AnUnreachableServerIsReportedWithinTheTimeout()
    {
        var options = new SipServerLocatorOptions { Timeout = TimeSpan.FromMilliseconds(200), Retries = 0 };
        options.NameServers.Add(new IPEndPoint(IPAddress.Loopback, UdpPorts.Free()));
        var locator = new SipServerLocator(options, _time, static _ => 0);
        SipLocateResult result = await locator.LocateAsync(Uri("sip:chain.test")).AsTask().WaitAsync(s_timeout);
        Assert.Equal(SipLocateError.ServerUnreachable, result.Error);
    }

    [Theory]
    [InlineData("sip:127.0.0.7:5099", "udp:127.0.0.7:5099")]
    [InlineData("sip:127.0.0.7", "udp:127.0.0.7:5060")]
    [InlineData("sip:127.0.0.7;transport=tcp", "tcp:127.0.0.7:5060")]
    [InlineData("sips:[::1]", "tls:[::1]:5061")]
    [InlineData("sip:bob@chain.test;maddr=127.0.0.8", "udp:127.0.0.8:5060")]
    public async Task ANumericHostIsTheTargetWithoutAnyDnsQuery(string uri, string expected)
    {
        var options = new SipServerLocatorOptions { Timeout = TimeSpan.FromMilliseconds(200), Retries = 0 };
        options.NameServers.Add(new IPEndPoint(IPAddress.Loopback, UdpPorts.Free())); // Nobody answers there.
        var locator = new SipServerLocator(options, _time, static _ => 0);
        SipLocateResult result = await locator.LocateAsync(Uri(uri));
        Assert.True(SipEndPoint.TryParse(expected, out SipEndPoint? target));
        Assert.Equal([target.Value], result.Targets);
        Assert.Equal(0, locator.QueriesSent);
    }

    [Theory]
    [InlineData("sip:chain.test;transport=sctp")]
    [InlineData("sips:chain.test;transport=udp")]
    public async Task ATransportThisStackHasNotIsRefused(string uri)
    {
        SipLocateResult result = await Locator().LocateAsync(Uri(uri));
        Assert.Equal(SipLocateError.UnsupportedTransport, result.Error);
    }

    private static SipUri Uri(string text)
    {
        Assert.True(AddrSpec.TryParse(text, out AddrSpec? uri, out SipRejectReason reason), reason.ToString());
        return Assert.IsType<SipUri>(uri);
    }

    private static SipEndPoint Udp(string address, int port, SipTransportProtocol protocol = SipTransportProtocol.Udp) =>
        new(protocol, new IPEndPoint(IPAddress.Parse(address), port));

    private SipServerLocator Locator(Func<int, int>? pick = null, Action<SipServerLocatorOptions>? options = null)
    {
        var settings = new SipServerLocatorOptions { Timeout = TimeSpan.FromSeconds(5) };
        settings.NameServers.Add(dns.Server.EndPoint);
        options?.Invoke(settings);
        return new SipServerLocator(settings, _time, pick ?? (static _ => 0));
    }
}
