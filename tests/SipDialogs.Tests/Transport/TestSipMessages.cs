using System.Text;

namespace SipDialogs.Tests.Transport;

/// <summary>Requests and responses for transport tests.</summary>
internal static class TestSipMessages
{
    /// <summary>
    /// A request with the given top Via value and Call-ID (none when <see langword="null"/>), optionally padded to a
    /// size with a header.
    /// </summary>
    public static byte[] Request(
        string via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-test",
        string? callId = "call-1@test",
        string method = "OPTIONS",
        string version = "SIP/2.0",
        int padding = 0,
        bool contentLength = true)
    {
        var text = new StringBuilder();
        text.Append(method).Append(" sip:bob@127.0.0.1 ").Append(version).Append("\r\n");
        text.Append("Via: ").Append(via).Append("\r\n");
        text.Append("Max-Forwards: 70\r\n");
        text.Append("From: <sip:alice@example.com>;tag=1928301774\r\n");
        text.Append("To: <sip:bob@example.com>\r\n");
        if (callId is not null)
        {
            text.Append("Call-ID: ").Append(callId).Append("\r\n");
        }

        text.Append("CSeq: 1 ").Append(method).Append("\r\n");
        if (padding > 0)
        {
            text.Append("X-Padding: ").Append('a', padding).Append("\r\n");
        }

        if (contentLength)
        {
            text.Append("Content-Length: 0\r\n");
        }

        text.Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>
    /// The request with one header line whose name holds a byte no token allows (<c>U\xE8er-Agent: x</c>, as sipsak's
    /// random mode sends), inserted after its start line.
    /// </summary>
    public static byte[] WithBadHeaderName(byte[] request)
    {
        byte[] line = [(byte)'U', 0xE8, .. "er-Agent: x\r\n"u8];
        int startLineEnd = Array.IndexOf(request, (byte)'\n') + 1;
        return [.. request.AsSpan(0, startLineEnd), .. line, .. request.AsSpan(startLineEnd)];
    }

    /// <summary>A 200 response with the given top Via and Call-ID.</summary>
    public static byte[] Response(string via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-test", string callId = "call-1@test") =>
        Encoding.ASCII.GetBytes(
            "SIP/2.0 200 OK\r\n" +
            "Via: " + via + "\r\n" +
            "From: <sip:alice@example.com>;tag=1928301774\r\n" +
            "To: <sip:bob@example.com>;tag=a6c85cf\r\n" +
            "Call-ID: " + callId + "\r\n" +
            "CSeq: 1 OPTIONS\r\n" +
            "Content-Length: 0\r\n\r\n");
}
