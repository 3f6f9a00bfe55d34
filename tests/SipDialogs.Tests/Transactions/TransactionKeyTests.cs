using System.Text;
using SipDialogs.Messages;
using SipDialogs.Transactions;

namespace SipDialogs.Tests.Transactions;

public class TransactionKeyTests
{
    [Theory]
    [InlineData("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", "pc33.atlanta.com")]
    [InlineData("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport", "192.0.2.1:5060")]
    [InlineData("SIP / 2.0 / TCP   [2001:db8::1]:5070 ;branch=z9hG4bKx", "[2001:db8::1]:5070")]
    [InlineData("SIP/2.0/UDP a.example.com:5060, SIP/2.0/UDP b.example.com", "a.example.com:5060")]
    public void TheTopViaSentByIsReadFromTheRawValue(string via, string sentBy)
    {
        SipRequest request = Request(via, "OPTIONS");

        Assert.Equal(sentBy, Encoding.ASCII.GetString(TransactionKey.TopViaSentBy(request)));
    }

    [Fact]
    public void TheServerKeyFoldsTheHostsCaseAndDropsSpaceAroundTheColon()
    {
        byte[] a = ServerKey(Request("SIP/2.0/UDP Host.Example.COM:5060;branch=z9hG4bK1", "OPTIONS"), "OPTIONS");
        byte[] b = ServerKey(Request("SIP/2.0/UDP host.example.com : 5060;branch=z9hG4bK1", "OPTIONS"), "OPTIONS");

        Assert.Equal(a, b);
    }

    [Fact]
    public void TheServerKeyDiffersByBranchSentByAndMethod()
    {
        byte[] key = ServerKey(Request("SIP/2.0/UDP h:5060;branch=z9hG4bK1", "INVITE"), "INVITE");

        Assert.NotEqual(key, ServerKey(Request("SIP/2.0/UDP h:5060;branch=z9hG4bK2", "INVITE"), "INVITE"));
        Assert.NotEqual(key, ServerKey(Request("SIP/2.0/UDP h:5061;branch=z9hG4bK1", "INVITE"), "INVITE"));
        Assert.NotEqual(key, ServerKey(Request("SIP/2.0/UDP h:5060;branch=z9hG4bK1", "CANCEL"), "CANCEL"));
        Assert.Equal(key, ServerKey(Request("SIP/2.0/UDP h:5060;branch=z9hG4bK1", "ACK"), "INVITE"));
    }

    [Fact]
    public void TheBranchComparesCaseSensitively()
    {
        Assert.NotEqual(
            ServerKey(Request("SIP/2.0/UDP h;branch=z9hG4bKabc", "OPTIONS"), "OPTIONS"),
            ServerKey(Request("SIP/2.0/UDP h;branch=z9hG4bKABC", "OPTIONS"), "OPTIONS"));
    }

    [Fact]
    public void TheMagicCookieMarksAnRfc3261Branch()
    {
        Assert.True(TransactionKey.HasRfc3261Branch(Request("SIP/2.0/UDP h;branch=z9hG4bK1", "OPTIONS")));
        Assert.False(TransactionKey.HasRfc3261Branch(Request("SIP/2.0/UDP h;branch=1234", "OPTIONS")));
        Assert.False(TransactionKey.HasRfc3261Branch(Request("SIP/2.0/UDP h;branch=z9hG4bK", "OPTIONS")));
        Assert.False(TransactionKey.HasRfc3261Branch(Request("SIP/2.0/UDP h", "OPTIONS")));
    }

    [Fact]
    public void TheRfc2543KeyHoldsCallIdCSeqNumberFromTagTopViaAndRequestUri()
    {
        SipRequest invite = Request("SIP/2.0/UDP h:5060", "INVITE");
        byte[] key = Rfc2543Key(invite, "INVITE");

        Assert.Equal(key, Rfc2543Key(Request("SIP/2.0/UDP h:5060", "ACK"), "INVITE"));
        Assert.NotEqual(key, Rfc2543Key(Request("SIP/2.0/UDP h:5061", "INVITE"), "INVITE"));
        Assert.NotEqual(key, Rfc2543Key(Request("SIP/2.0/UDP h:5060", "INVITE", cseq: 2), "INVITE"));
        Assert.NotEqual(key, Rfc2543Key(Request("SIP/2.0/UDP h:5060", "INVITE", fromTag: "other"), "INVITE"));
        Assert.NotEqual(key, Rfc2543Key(Request("SIP/2.0/UDP h:5060", "INVITE", uri: "sip:carol@example.com"), "INVITE"));
    }

    [Fact]
    public void TheClientKeyIsBranchAndCSeqMethod()
    {
        byte[] invite = ClientKey("z9hG4bK1", "INVITE");

        Assert.NotEqual(invite, ClientKey("z9hG4bK1", "CANCEL"));
        Assert.NotEqual(invite, ClientKey("z9hG4bK2", "INVITE"));
        Assert.Equal(invite, ClientKey("z9hG4bK1", "INVITE"));
    }

    private static SipRequest Request(string via, string method, uint cseq = 1, string fromTag = "f1", string uri = "sip:bob@example.com") =>
        (SipRequest)SipMessageParser.Parse(
            $"{method} {uri} SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@example.com>;tag={fromTag}\r\n" +
            $"To: <sip:bob@example.com>\r\nCall-ID: key-test\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");

    private static byte[] ServerKey(SipRequest request, string method)
    {
        byte[] key = new byte[TransactionKey.ServerKeyLength(request, method)];
        return key.AsSpan(0, TransactionKey.WriteServerKey(request, method, key)).ToArray();
    }

    private static byte[] Rfc2543Key(SipRequest request, string method)
    {
        byte[] key = new byte[TransactionKey.Rfc2543KeyLength(request, method)];
        return key.AsSpan(0, TransactionKey.WriteRfc2543Key(request, method, key)).ToArray();
    }

    private static byte[] ClientKey(string branch, string method)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(branch);
        byte[] key = new byte[TransactionKey.ClientKeyLength(bytes, method)];
        return key.AsSpan(0, TransactionKey.WriteClientKey(bytes, method, key)).ToArray();
    }
}
