using SipDialogs.Messages;

namespace SipDialogs.Tests.Messages;

public class ViaHeaderTests
{
    private static ViaHeader Parse(string value)
    {
        Assert.True(ViaHeader.TryParse(value, out ViaHeader? via, out SipRejectReason reason), $"{value}: {reason}");
        return via;
    }

    [Fact]
    public void ParsesTheRfc3261ViaExample()
    {
        // RFC 3261 §20.42
        ViaHeader via = Parse("SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7");

        Assert.Equal("SIP/2.0", via.Protocol);
        Assert.Equal("UDP", via.Transport);
        Assert.Equal("erlang.bell-telephone.com", via.Host);
        Assert.Equal(5060, via.Port);
        Assert.Equal("erlang.bell-telephone.com:5060", via.SentBy);
        Assert.Equal("z9hG4bK87asdks7", via.Branch);
        Assert.True(via.HasRfc3261Branch);
    }

    [Fact]
    public void ParsesReceivedWithWhiteSpaceBeforeTheSemicolons()
    {
        // RFC 3261 §20.42
        ViaHeader via = Parse("SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207 ;branch=z9hG4bK77asjd");

        Assert.Equal("192.0.2.1", via.Host);
        Assert.Equal("192.0.2.207", via.Received);
        Assert.Equal("z9hG4bK77asjd", via.Branch);
        Assert.Equal("SIP/2.0/UDP 192.0.2.1:5060;received=192.0.2.207;branch=z9hG4bK77asjd", via.ToString());
    }

    [Fact]
    public void ParsesWhiteSpaceAroundSlashesAndColonWithTtlAndMaddr()
    {
        // RFC 3261 §20.42, the compact-form example.
        ViaHeader via = Parse("SIP / 2.0 / UDP first.example.com: 4000;ttl=16 ;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1");

        Assert.Equal("SIP/2.0", via.Protocol);
        Assert.Equal("UDP", via.Transport);
        Assert.Equal("first.example.com", via.Host);
        Assert.Equal(4000, via.Port);
        Assert.Equal(16, via.Ttl);
        Assert.Equal("224.2.0.1", via.Maddr);
        Assert.Equal("SIP/2.0/UDP first.example.com:4000;ttl=16;maddr=224.2.0.1;branch=z9hG4bKa7c6a8dlze.1", via.ToString());
    }

    [Fact]
    public void ParsesTheUnfoldedViaOfTheRfc4475ShortTortuousInvite()
    {
        // RFC 4475 §3.1.1.1 (wsinv): "SIP  /   2.0" and "/UDP" on folded lines, no port.
        ViaHeader via = Parse("SIP  /   2.0  /UDP    192.0.2.2;branch=390skdjuw");

        Assert.Equal("SIP/2.0", via.Protocol);
        Assert.Equal("UDP", via.Transport);
        Assert.Equal("192.0.2.2", via.Host);
        Assert.Null(via.Port);
        Assert.Equal("390skdjuw", via.Branch);
        Assert.False(via.HasRfc3261Branch);
    }

    [Fact]
    public void AcceptsEveryTokenCharacterInTheBranch()
    {
        // RFC 4475 §3.1.1.2 (intmeth) uses a branch with the token punctuation.
        ViaHeader via = Parse("SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~");

        Assert.Equal("z9hG4bK-.!%66*_+`'~", via.Branch);
    }

    [Fact]
    public void ParsesAnIPv6SentByAndReceived()
    {
        // IPv6 reference in sent-by (RFC 3261 §25.1); received written with and without brackets.
        ViaHeader via = Parse("SIP/2.0/UDP [2001:db8::9:1]:5070;received=2001:db8::9:255;branch=z9hG4bKas3-111");
        ViaHeader bracketed = Parse("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111");

        Assert.Equal("[2001:db8::9:1]", via.Host);
        Assert.Equal(5070, via.Port);
        Assert.Equal("[2001:db8::9:1]:5070", via.SentBy);
        Assert.Equal("2001:db8::9:255", via.Received);
        Assert.Equal("[2001:db8::9:255]", bracketed.Received);
    }

    [Fact]
    public void UpperCasesTheTransportAndCanonicalizesTheProtocol()
    {
        ViaHeader via = Parse("sip/2.0/tls proxy.example.com");

        Assert.Equal("SIP/2.0", via.Protocol);
        Assert.Equal("TLS", via.Transport);
        Assert.Equal("SIP/2.0/TLS proxy.example.com", via.ToString());
    }

    [Fact]
    public void KeepsAnExtensionTransport()
    {
        ViaHeader via = Parse("SIP/2.0/wss df7jal23ls0d.invalid;branch=z9hG4bKasudf");
        ViaHeader other = Parse("SIP/2.0/dccp host.example.com");

        Assert.Equal("WSS", via.Transport);
        Assert.Equal("DCCP", other.Transport);
    }

    [Fact]
    public void ReadsAnRportFlagAndAnRportValue()
    {
        // RFC 3581 §4
        ViaHeader flag = Parse("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff");
        ViaHeader filled = Parse("SIP/2.0/UDP 10.1.1.1:4540;received=192.0.2.1;rport=9988;branch=z9hG4bKkjshdyff");

        Assert.True(flag.HasRport);
        Assert.Null(flag.Rport);
        Assert.True(filled.HasRport);
        Assert.Equal(9988, filled.Rport);
    }

    [Fact]
    public void ServerFillsInReceivedAndRport()
    {
        ViaHeader via = Parse("SIP/2.0/UDP 10.1.1.1:4540;rport;branch=z9hG4bKkjshdyff");

        via.Received = "192.0.2.1";
        via.Rport = 9988;

        Assert.Equal("SIP/2.0/UDP 10.1.1.1:4540;rport=9988;branch=z9hG4bKkjshdyff;received=192.0.2.1", via.ToString());
    }

    [Fact]
    public void BuildsAViaForANewRequest()
    {
        var via = new ViaHeader("udp", "pc33.atlanta.com", 5060, "z9hG4bK776asdhds") { HasRport = true };

        Assert.Equal("SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK776asdhds;rport", via.ToString());
    }

    [Fact]
    public void SettersRefuseValuesOutsideTheGrammar()
    {
        var via = new ViaHeader("UDP", "pc33.atlanta.com");

        Assert.Throws<ArgumentException>(() => via.Branch = "a b");
        Assert.Throws<ArgumentException>(() => via.Received = "pc33.atlanta.com");
        Assert.Throws<ArgumentOutOfRangeException>(() => via.Ttl = 256);
        Assert.Throws<ArgumentOutOfRangeException>(() => via.Rport = 65536);
    }

    [Fact]
    public void ConstructorRefusesAnInvalidHost()
    {
        Assert.Throws<ArgumentException>(() => new ViaHeader("UDP", "bad host"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ViaHeader("UDP", "host.example.com", 70000));
    }

    [Fact]
    public void RemovingTheBranchDropsTheParameter()
    {
        ViaHeader via = Parse("SIP/2.0/UDP h.example.com;branch=z9hG4bK1;x=y");

        via.Branch = null;

        Assert.Equal("SIP/2.0/UDP h.example.com;x=y", via.ToString());
    }

    [Theory]
    [InlineData("z9hG4bK776asdhds", true)]
    [InlineData("z9hG4bK1", true)]
    [InlineData("z9hG4bK", false)]
    [InlineData("Z9HG4BK776asdhds", false)]
    [InlineData("776asdhds", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void RecognizesTheMagicCookie(string? branch, bool expected)
    {
        Assert.Equal(expected, ViaHeader.IsRfc3261Branch(branch));
    }

    [Fact]
    public void BareMagicCookieIsNotAnRfc3261Branch()
    {
        // RFC 3261 §8.1.1.7: the branch must be unique, and the cookie alone identifies nothing (RFC 4475 §3.2.1).
        ViaHeader via = Parse("SIP/2.0/UDP h.example.com;branch=z9hG4bK");

        Assert.Equal(SipIds.BranchMagicCookie, via.Branch);
        Assert.False(via.HasRfc3261Branch);
    }

    [Theory]
    [InlineData("SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7")]
    [InlineData("SIP / 2.0 / UDP first.example.com: 4000;ttl=16 ;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1")]
    [InlineData("SIP/2.0/TCP [2001:db8::1];received=2001:db8::2;rport=1;branch=z9hG4bK;lr;x=\"quoted ; value\"")]
    [InlineData("SIP/2.0/SCTP h.example.com.;maddr=[::1]")]
    public void RoundTripsThroughToString(string value)
    {
        ViaHeader first = Parse(value);
        ViaHeader second = Parse(first.ToString());

        Assert.Equal(first.ToString(), second.ToString());
    }

    [Theory]
    [InlineData("", SipRejectReason.MalformedHeader)]
    [InlineData("SIP/2.0", SipRejectReason.MalformedHeader)]
    [InlineData("SIP/2.0 host.example.com", SipRejectReason.MalformedHeader)]
    [InlineData("SIP/2.0/UDP", SipRejectReason.MalformedHeader)]
    [InlineData("SIP/2.0/UDP ", SipRejectReason.MalformedHeader)]
    [InlineData("SIP//UDP host.example.com", SipRejectReason.MalformedHeader)]
    [InlineData("SIP/2.0/ host.example.com", SipRejectReason.MalformedHeader)]
    [InlineData("SIP/2.0/UDP host.example.com extra", SipRejectReason.MalformedHeader)]
    [InlineData("SIP/2.0/UDP -bad-.example.com", SipRejectReason.InvalidHost)]
    [InlineData("SIP/2.0/UDP bad_host.example.com", SipRejectReason.InvalidHost)]
    [InlineData("SIP/2.0/UDP 192.0.2.300", SipRejectReason.InvalidHost)]
    [InlineData("SIP/2.0/UDP [::1", SipRejectReason.InvalidHost)]
    [InlineData("SIP/2.0/UDP [2001:db8::g]", SipRejectReason.InvalidHost)]
    [InlineData("SIP/2.0/UDP host.example.com:", SipRejectReason.InvalidPort)]
    [InlineData("SIP/2.0/UDP host.example.com:abc", SipRejectReason.InvalidPort)]
    [InlineData("SIP/2.0/UDP host.example.com:65536", SipRejectReason.InvalidPort)]
    [InlineData("SIP/2.0/UDP host.example.com:99999999999999999999", SipRejectReason.InvalidPort)]
    [InlineData("SIP/2.0/UDP host.example.com;ttl=256", SipRejectReason.ValueOutOfRange)]
    [InlineData("SIP/2.0/UDP host.example.com;ttl=1000", SipRejectReason.ValueOutOfRange)]
    [InlineData("SIP/2.0/UDP host.example.com;ttl=ten", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;ttl=0016", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;ttl", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;rport=65536", SipRejectReason.InvalidPort)]
    [InlineData("SIP/2.0/UDP host.example.com;rport=abc", SipRejectReason.InvalidPort)]
    [InlineData("SIP/2.0/UDP host.example.com;received=host.example.com", SipRejectReason.InvalidHost)]
    [InlineData("SIP/2.0/UDP host.example.com;received", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;maddr=bad_host", SipRejectReason.InvalidHost)]
    [InlineData("SIP/2.0/UDP host.example.com;branch", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;branch=\"z9hG4bK1\"", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;;branch=z9hG4bK1", SipRejectReason.MalformedParameter)]
    [InlineData("SIP/2.0/UDP host.example.com;x=\"open", SipRejectReason.UnterminatedQuotedString)]
    public void RefusesMalformedValuesWithTheirReason(string value, SipRejectReason expected)
    {
        Assert.False(ViaHeader.TryParse(value, out ViaHeader? via, out SipRejectReason reason));
        Assert.Null(via);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void EveryPrefixOfAValidViaParsesOrIsRefusedWithoutThrowing()
    {
        const string value = "SIP / 2.0 / UDP [2001:db8::1]: 4000;ttl=16 ;maddr=224.2.0.1 ;received=192.0.2.1;rport=5;branch=z9hG4bK1;x=\"a\\\"b\"";
        for (int length = 0; length <= value.Length; length++)
        {
            _ = ViaHeader.TryParse(value.AsSpan(0, length), out _, out _);
        }
    }
}
