using SipDialogs.Server;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Server;

/// <summary>The B2BUA's routes: the longest matching prefix wins, --next-hop takes the rest, bad settings fail at startup.</summary>
public sealed class B2buaRouteTableTests
{
    [Fact]
    public void TheLongestMatchingPrefixWinsAndTheNextHopTakesEveryOtherCall()
    {
        var options = new B2buaOptions { NextHop = "udp:127.0.0.1:5090" };
        options.Routes.Add(Route("44", "udp:127.0.0.1:5070"));
        options.Routes.Add(Route("4420", "udp:127.0.0.1:5071", "tcp:127.0.0.1:5072"));
        options.Routes.Add(Route("4", "udp:127.0.0.1:5073"));

        B2buaRouteTable table = options.GetRouteTable();

        Assert.Equal(["udp:127.0.0.1:5071", "tcp:127.0.0.1:5072"], Names(table.Find("44207946")));
        Assert.Equal(["udp:127.0.0.1:5070"], Names(table.Find("4413")));
        Assert.Equal(["udp:127.0.0.1:5073"], Names(table.Find("49")));
        Assert.Equal(["udp:127.0.0.1:5090"], Names(table.Find("1555")));
        Assert.Equal(["udp:127.0.0.1:5090"], Names(table.Find(null)));
    }

    [Fact]
    public void WithoutANextHopACallNoRouteTakesHasNoTarget()
    {
        var options = new B2buaOptions();
        options.Routes.Add(Route("44", "udp:127.0.0.1:5070"));

        Assert.Empty(options.GetRouteTable().Find("33"));
    }

    [Fact]
    public void BadTargetsNetworksAndNoRouteAtAllAreRefusedNamingTheSetting()
    {
        var badTarget = new B2buaOptions { NextHop = "udp:127.0.0.1:0" };
        Assert.Contains("--next-hop", Assert.Throws<InvalidOperationException>(badTarget.Validate).Message, StringComparison.Ordinal);

        var badNetwork = new B2buaOptions { NextHop = "udp:127.0.0.1:5070" };
        badNetwork.Allow.Add("10.0.0.0/33");
        Assert.Contains("--allow", Assert.Throws<InvalidOperationException>(badNetwork.Validate).Message, StringComparison.Ordinal);

        Assert.Contains("--next-hop", Assert.Throws<InvalidOperationException>(new B2buaOptions().Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowDefaultsToLoopbackAndTakesBareAddressesAndIPv6Networks()
    {
        var options = new B2buaOptions();
        Assert.All(options.GetAllowedNetworks(), n => Assert.True(System.Net.IPAddress.IsLoopback(n.BaseAddress)));

        options.Allow.Add("192.0.2.7");
        options.Allow.Add("2001:db8::/32");
        var networks = options.GetAllowedNetworks();
        Assert.True(networks[0].Contains(System.Net.IPAddress.Parse("192.0.2.7")));
        Assert.False(networks[0].Contains(System.Net.IPAddress.Parse("192.0.2.8")));
        Assert.True(networks[1].Contains(System.Net.IPAddress.Parse("2001:db8:1::5")));
    }

    private static B2buaRoute Route(string prefix, params string[] targets)
    {
        var route = new B2buaRoute { Prefix = prefix };
        foreach (string target in targets)
        {
            route.Targets.Add(target);
        }

        return route;
    }

    private static string[] Names(IReadOnlyList<SipEndPoint> targets) => [.. targets.Select(t => t.ToString())];
}
