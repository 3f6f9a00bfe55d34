using SipDialogs.Server;

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

        Assert.Null(options.GetRouteTable().Find("33"));
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
    public void NamedTargetsBecomeRequestUrisTheStackLocatesAndAddressesKeepTheirNextHop()
    {
        var options = new B2buaOptions { NextHop = "sip.example.test" };
        options.Routes.Add(Route("44", "udp:sip.example.test:5070", "tcp:sip.example.test", "udp:127.0.0.1:5071"));
        B2buaRouteTable table = options.GetRouteTable();

        B2buaTarget[] routed = [.. table.Find("4420")!.Targets];
        Assert.Equal("sip:4420@sip.example.test:5070;transport=udp", routed[0].RequestUri("4420"));
        Assert.Null(routed[0].Address);
        Assert.Equal("sip:4420@sip.example.test;transport=tcp", routed[1].RequestUri("4420"));
        Assert.Equal("sip:4420@127.0.0.1:5071", routed[2].RequestUri("4420"));
        Assert.Equal("udp:127.0.0.1:5071", routed[2].Address.ToString());
        Assert.Equal("sip:1555@sip.example.test", table.Find("1555")!.Targets[0].RequestUri("1555"));
        Assert.Equal("sip:sip.example.test", table.Find(null)!.Targets[0].RequestUri(null));
    }

    [Fact]
    public void ARouteWithAUserAndPasswordGivesItsBLegADigestClientAndOthersNone()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, "wonderland\n");
        try
        {
            var options = new B2buaOptions { NextHop = "udp:127.0.0.1:5090", NextHopUser = "bob", NextHopPasswordFile = file };
            B2buaRoute trunk = Route("44", "udp:127.0.0.1:5070");
            trunk.User = "alice";
            trunk.Password = "wonderland";
            options.Routes.Add(trunk);
            options.Routes.Add(Route("33", "udp:127.0.0.1:5071"));

            B2buaRouteTable table = options.GetRouteTable();

            Assert.NotNull(table.Find("4420")!.Bridge.Digest);
            Assert.NotNull(table.Find("1555")!.Bridge.Digest);
            Assert.Null(table.Find("3312")!.Bridge.Digest);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void IncompleteCredentialsAreRefusedAtStartupNamingTheSettingButNeverThePassword()
    {
        var noPassword = new B2buaOptions();
        B2buaRoute route = Route("44", "udp:127.0.0.1:5070");
        route.User = "alice";
        noPassword.Routes.Add(route);
        Assert.Contains("prefix '44') User needs", Assert.Throws<InvalidOperationException>(noPassword.Validate).Message, StringComparison.Ordinal);

        var both = new B2buaOptions { NextHop = "udp:127.0.0.1:5090", NextHopUser = "bob", NextHopPassword = "s3cret-pass", NextHopPasswordFile = "/nonexistent" };
        string message = Assert.Throws<InvalidOperationException>(both.Validate).Message;
        Assert.Contains("--next-hop-password-file", message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pass", message, StringComparison.Ordinal);

        var noHop = new B2buaOptions { NextHopUser = "bob", NextHopPassword = "s3cret-pass" };
        noHop.Routes.Add(Route("44", "udp:127.0.0.1:5070"));
        Assert.Contains("need --next-hop", Assert.Throws<InvalidOperationException>(noHop.Validate).Message, StringComparison.Ordinal);

        var badName = new B2buaOptions { NextHop = "udp:bad_name!:5070" };
        Assert.Contains("--next-hop", Assert.Throws<InvalidOperationException>(badName.Validate).Message, StringComparison.Ordinal);
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

    private static string[] Names(B2buaDestination? destination) => [.. destination!.Targets.Select(t => t.ToString())];
}
