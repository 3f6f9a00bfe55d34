using System.Text;
using SipDialogs.Auth;
using SipDialogs.Messages;

namespace SipDialogs.Tests.Auth;

/// <summary>Requests and challenges for the Digest tests.</summary>
internal static class AuthMessages
{
    public const string RequestUri = "sip:bob@biloxi.example.com";

    public static SipRequest Invite(uint cseq = 1, params (string Name, string Value)[] headers)
    {
        var text = new StringBuilder();
        text.Append("INVITE ").Append(RequestUri).Append(" SIP/2.0\r\n")
            .Append("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-").Append(cseq).Append("\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append("From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n")
            .Append("To: <sip:bob@biloxi.example.com>\r\n")
            .Append("Call-ID: a84b4c76e66710@pc33\r\n")
            .Append("CSeq: ").Append(cseq).Append(" INVITE\r\n");
        foreach ((string name, string value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        text.Append("Content-Length: 0\r\n\r\n");
        return (SipRequest)SipMessageParser.Parse(text.ToString());
    }

    public static SipResponse Challenge(int status, params string[] challenges)
    {
        string header = status == 407 ? "Proxy-Authenticate" : "WWW-Authenticate";
        var text = new StringBuilder();
        text.Append("SIP/2.0 ").Append(status).Append(status == 407 ? " Proxy Authentication Required" : " Unauthorized").Append("\r\n")
            .Append("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\r\n")
            .Append("From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n")
            .Append("To: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n")
            .Append("Call-ID: a84b4c76e66710@pc33\r\n")
            .Append("CSeq: 1 INVITE\r\n");
        foreach (string challenge in challenges)
        {
            text.Append(header).Append(": ").Append(challenge).Append("\r\n");
        }

        text.Append("Content-Length: 0\r\n\r\n");
        return (SipResponse)SipMessageParser.Parse(text.ToString());
    }

    /// <summary>The request sent again with an answer, its CSeq raised (RFC 3261 §22.2).</summary>
    public static SipRequest Retry(SipRequest challenged, DigestAnswer answer)
    {
        string name = answer.HeaderKind == SipHeaderKind.ProxyAuthorization ? "Proxy-Authorization" : "Authorization";
        var headers = new List<(string, string)>();
        foreach (string value in answer.Values)
        {
            headers.Add((name, value));
        }

        return Invite(challenged.CSeqNumber + 1, [.. headers]);
    }
}
