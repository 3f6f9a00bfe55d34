using System.Net;
using SipDialogs.Messages;
using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

public class ViaReceivedParametersTests
{
    private static readonly IPEndPoint s_source = new(IPAddress.Parse("198.51.100.4"), 40_312);

    [Fact]
    public void ViaWhoseSentByIsTheSourceNeedsNothing()
    {
        Assert.True(ViaHeader.TryParse("SIP/2.0/UDP 198.51.100.4:5060;branch=z9hG4bK1", out ViaHeader? via, out _));

        Assert.Same(via, ViaReceivedParameters.Apply(via, s_source));
    }

    [Fact]
    public void ViaWithAHostNameGetsReceived()
    {
        Assert.True(ViaHeader.TryParse("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK2", out ViaHeader? via, out _));

        ViaHeader stamped = ViaReceivedParameters.Apply(via, s_source);

        Assert.Equal("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK2;received=198.51.100.4", stamped.ToString());
        Assert.Null(via.Received);
    }

    [Fact]
    public void ViaWithRportGetsTheSourcePortAndReceivedEvenWhenSentByMatches()
    {
        Assert.True(ViaHeader.TryParse("SIP/2.0/UDP 198.51.100.4:5060;rport;branch=z9hG4bK3", out ViaHeader? via, out _));

        ViaHeader stamped = ViaReceivedParameters.Apply(via, s_source);

        Assert.Equal("SIP/2.0/UDP 198.51.100.4:5060;rport=40312;branch=z9hG4bK3;received=198.51.100.4", stamped.ToString());
    }

    [Fact]
    public void IPv6SourceIsWrittenWithoutBracketsOrZone()
    {
        Assert.True(ViaHeader.TryParse("SIP/2.0/TCP [2001:db8::9]:5060;branch=z9hG4bK4", out ViaHeader? via, out _));
        var source = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 5070);

        Assert.Equal("2001:db8::1", ViaReceivedParameters.Apply(via, source).Received);
        Assert.False(ViaReceivedParameters.AreNeeded(via, IPAddress.Parse("2001:db8::9")));
    }

    [Fact]
    public void ResponseKeepsEveryViaInOrderWithOnlyTheTopOneStamped()
    {
        byte[] request = System.Text.Encoding.ASCII.GetBytes(
            "INVITE sip:bob@example.com SIP/2.0\r\n" +
            "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKtop;rport\r\n" +
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKmid, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKlow\r\n" +
            "From: <sip:alice@example.com>;tag=1\r\n" +
            "To: <sip:bob@example.com>\r\n" +
            "Call-ID: vias@test\r\n" +
            "CSeq: 1 INVITE\r\n" +
            "Content-Length: 0\r\n\r\n");
        Assert.True(SipMessageParser.TryParse(request, out SipMessage? message, out _));
        var inbound = new InboundMessage(message!, new SipEndPoint(SipTransportProtocol.Udp, s_source), default, 0);

        SipMessage response = ViaReceivedParameters.ResponseTo(inbound, 180).Build();

        Assert.StartsWith(
            "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKtop;rport=40312;received=198.51.100.4\r\nVia: ",
            response.ToString(),
            StringComparison.Ordinal);

        Assert.Equal(
            [
                "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKtop;rport=40312;received=198.51.100.4",
                "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKmid",
                "SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKlow",
            ],
            response.Via.Select(v => v.ToString()));
        Assert.Equal("vias@test", response.CallId);
    }

    [Theory]
    [InlineData("SIP/2.0/UDP pc33.example.com;branch=z9hG4bK2")]
    [InlineData("SIP/2.0/UDP 198.51.100.4:5060;rport;branch=z9hG4bK3")]
    [InlineData("SIP/2.0/UDP 10.0.0.1:5060;received=192.0.2.9;branch=z9hG4bK5;rport")]
    [InlineData("SIP/2.0/TCP [2001:db8::9]:5060;branch=z9hG4bK4;x=\"a;b\";rport=1")]
    public void StampedBytesEqualTheAppliedViaWrittenOut(string value)
    {
        Assert.True(ViaHeader.TryParse(value, out ViaHeader? via, out _));

        byte[] stamped = ViaReceivedParameters.Stamp(System.Text.Encoding.ASCII.GetBytes(value), via.HasRport, s_source);

        Assert.Equal(ViaReceivedParameters.Apply(via, s_source).ToString(), System.Text.Encoding.ASCII.GetString(stamped));
    }

    [Fact]
    public void StampKeepsTheViaAsWrittenAndFillsOnlyRportAndReceived()
    {
        const string value = "SIP / 2.0 / UDP host.example.com ;branch=z9hG4bK6;RPORT;received=192.0.2.1;lr";

        byte[] stamped = ViaReceivedParameters.Stamp(System.Text.Encoding.ASCII.GetBytes(value), rport: true, s_source);

        Assert.Equal(
            "SIP / 2.0 / UDP host.example.com ;branch=z9hG4bK6;RPORT=40312;received=198.51.100.4;lr",
            System.Text.Encoding.ASCII.GetString(stamped));
    }

    [Fact]
    public void StampWritesAMappedIPv4SourceAsIPv4()
    {
        var source = new IPEndPoint(IPAddress.Parse("198.51.100.4").MapToIPv6(), 5070);

        byte[] stamped = ViaReceivedParameters.Stamp("SIP/2.0/UDP a.example.com;branch=z9hG4bK7"u8, rport: false, source);

        Assert.Equal("SIP/2.0/UDP a.example.com;branch=z9hG4bK7;received=198.51.100.4", System.Text.Encoding.ASCII.GetString(stamped));
    }
}
