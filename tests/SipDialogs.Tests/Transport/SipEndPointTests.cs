using SipDialogs.Transport;

namespace SipDialogs.Tests.Transport;

/// <summary>Listen and next-hop end points as users write them, and what is said when one is wrong.</summary>
public sealed class SipEndPointTests
{
    [Theory]
    [InlineData("udp:127.0.0.1:5060", SipTransportProtocol.Udp, "127.0.0.1:5060")]
    [InlineData("TCP:[::1]:5070", SipTransportProtocol.Tcp, "[::1]:5070")]
    [InlineData("tls:0.0.0.0:0", SipTransportProtocol.Tls, "0.0.0.0:0")]
    public void AWellFormedEndPointParses(string text, SipTransportProtocol protocol, string address)
    {
        Assert.True(SipEndPoint.TryParse(text, out SipEndPoint? endPoint, out string? error), error);
        Assert.Equal(protocol, endPoint.Value.Protocol);
        Assert.Equal(address, endPoint.Value.Address.ToString());
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("127.0.0.1:5060", "it names no transport")]
    [InlineData("sctp:127.0.0.1:5060", "it names no transport")]
    [InlineData("udp:127.0.0.1", "it has no port")]
    [InlineData("udp:[::1]", "it has no port")]
    [InlineData("udp:127.0.0.1:99999", "its port 99999 is out of range (0 to 65535)")]
    [InlineData("udp:127.0.0.1:abc", "its port 'abc' is not a number")]
    [InlineData("udp:example.com:5060", "'example.com' is not an IP address")]
    [InlineData("udp:::1:5060", "is not an IP address (IPv6 in brackets")]
    public void AMalformedEndPointIsRefusedWithTheReason(string text, string reason)
    {
        Assert.False(SipEndPoint.TryParse(text, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.False(SipEndPoint.TryParse(text, out _));
    }
}
