using System.Globalization;
using System.Net;
using System.Text;
using SipDialogs.Messages;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Dialogs;

/// <summary>
/// A caller written by hand over a <see cref="RawSipSocket"/>: it places one call and then sends its in-dialog requests
/// to whichever address the test names, with the CSeq and tags the test chooses, so a test can follow a dialog that
/// moved between stacks and send what a well-behaved stack never would (a stale CSeq, a wrong tag).
/// </summary>
internal sealed class RawCaller : IAsyncDisposable
{
    public const string Offer = "v=0\r\no=alice 2890844526 2890844526 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";

    private int _branch;

    public RawCaller() => CallId = "move-" + Guid.NewGuid().ToString("N") + "@127.0.0.1";

    public RawSipSocket Socket { get; } = new();

    public string CallId { get; }

    public string FromTag { get; } = "raw" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The callee's tag, known once the call is answered.</summary>
    public string ToTag { get; private set; } = string.Empty;

    /// <summary>The last CSeq number this caller used.</summary>
    public uint CSeq { get; private set; }

    public TimeSpan Timeout { get; init; } = CallTests.Timeout;

    /// <summary>Calls <paramref name="callee"/> with an offer and session-timer headers, waits for the 200 and ACKs it.</summary>
    public async Task<SipResponse> CallAsync(IPEndPoint callee, string extraHeaders = "")
    {
        CSeq = 1;
        await Socket.SendAsync(Request("INVITE", 1, toTag: string.Empty, Offer, extraHeaders), callee);
        SipResponse ok = await Socket.ReceiveResponseAsync(r => r.StatusCode >= 200 && r.CSeqMethod == "INVITE", Timeout);
        Assert.Equal(200, ok.StatusCode);
        ToTag = Encoding.ASCII.GetString(ok.ToTag);
        await Socket.SendAsync(Request("ACK", 1, ToTag, null), callee);
        return ok;
    }

    /// <summary>Sends a request of the dialog with the next CSeq (or the one given) and returns its final response.</summary>
    public async Task<SipResponse> SendAsync(
        string method, IPEndPoint to, string? body = null, uint? cseq = null, string? toTag = null, string extraHeaders = "", string contentType = "application/sdp")
    {
        uint number = cseq ?? ++CSeq;
        await Socket.SendAsync(Request(method, number, toTag ?? ToTag, body, extraHeaders, contentType), to);
        return await Socket.ReceiveResponseAsync(r => r.StatusCode >= 200 && r.CSeqMethod == method && r.CSeqNumber == number, Timeout);
    }

    /// <summary>Sends the ACK of a 2xx to a re-INVITE.</summary>
    public Task AckAsync(uint cseq, IPEndPoint to) => Socket.SendAsync(Request("ACK", cseq, ToTag, null), to);

    /// <summary>Waits for the next request of the stack and answers it 200 (with a sipfrag-free, empty body).</summary>
    public async Task<SipRequest> AnswerNextRequestAsync(int status = 200)
    {
        (SipRequest request, IPEndPoint from) = await Socket.ReceiveRequestAsync(Timeout);
        await Socket.SendAsync(SipMessageBuilder.ResponseTo(request, status), from);
        return request;
    }

    public ValueTask DisposeAsync() => Socket.DisposeAsync();

    private string Request(string method, uint cseq, string toTag, string? body, string extraHeaders = "", string contentType = "application/sdp")
    {
        string branch = "z9hG4bKraw" + CallId.GetHashCode(StringComparison.Ordinal).ToString("x", CultureInfo.InvariantCulture) + "-" +
            (method == "ACK" ? "ack" + cseq : (++_branch).ToString(CultureInfo.InvariantCulture));
        string to = toTag.Length == 0 ? "<sip:bob@127.0.0.1>" : "<sip:bob@127.0.0.1>;tag=" + toTag;
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{method} sip:bob@127.0.0.1 SIP/2.0\r\n")
            .Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP 127.0.0.1:{Socket.Port};branch={branch};rport\r\n")
            .Append("Max-Forwards: 70\r\n")
            .Append(CultureInfo.InvariantCulture, $"From: <sip:alice@127.0.0.1>;tag={FromTag}\r\n")
            .Append(CultureInfo.InvariantCulture, $"To: {to}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Call-ID: {CallId}\r\n")
            .Append(CultureInfo.InvariantCulture, $"CSeq: {cseq} {method}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Contact: <sip:alice@127.0.0.1:{Socket.Port}>\r\n")
            .Append(extraHeaders);
        if (body is null)
        {
            text.Append("Content-Length: 0\r\n\r\n");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        }

        return text.ToString();
    }
}
